"""Writes to accounts: users with a role and unit, API tokens."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from bangfu.orgs.models import Organisation

from .choices import Role
from .models import ApiToken, Profile


@transaction.atomic
def account_create(
    *,
    username: str,
    password: str,
    role: str,
    organisation: Organisation | None = None,
    full_name: str = "",
    validate: bool = True,
):
    """A user with a role. Coordinators get the admin site (staff); reporters and lead reviewers need a unit."""
    user_model = get_user_model()
    # The coordinating office maintains all data, the admin site included.
    office = role == Role.COORDINATOR
    user = user_model(username=username, first_name=full_name, is_staff=office, is_superuser=office)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, role=role, organisation=organisation)
    return user


def api_token_create(*, user, name: str) -> tuple[str, ApiToken]:
    """A new API token; the plain token is returned once and never stored."""
    token = ApiToken.new_token()
    record = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(token), prefix=token[:8])
    return token, record
