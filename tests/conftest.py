from __future__ import annotations

import pytest

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background jobs run within the request that queues them (a worker is tested on its own)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def cixi_orgs(db):
    """The shipped Cixi unit list, loaded as `bangfu init` loads it."""
    from django.conf import settings

    from bangfu.orgs.services import orgs_load_file

    return orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")


@pytest.fixture
def make_user(db):
    """``make_user(role, unit_name=None)`` → a user with that role (and unit), created as the office would."""
    from itertools import count

    from bangfu.accounts.services import account_create
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index

    numbers = count(1)

    def make(role: str, unit: str | None = None):
        organisation = None
        if unit is not None:
            key = org_name_index().resolve(unit).key
            organisation = Organisation.objects.get(pk=key) if key is not None else None
        return account_create(
            username=f"{role}{next(numbers)}",
            password="a-long-test-password",
            role=role,
            organisation=organisation,
            validate=False,
        )

    return make
