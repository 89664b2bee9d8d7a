"""Who may see and do what. Every fetch of unit-owned data from the web or the API is scoped here.

A **scope** is the set of units a user's data access covers:

- coordinator 管理员 and leader 领导: every unit (the leader only reads);
- reporter 填报员: their unit and its whole jurisdiction (周巷镇 and everything under it);
- lead reviewer 牵头单位: their own jurisdiction, plus every unit the items they lead apply to
  (市总工会 → all unions of item 1.1; 市财政局 → all units of the canteen target 2.1) and those units'
  jurisdictions.

Domain apps' ``access.py`` modules call :func:`scope_for` and filter their querysets with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .choices import Role


@dataclass(frozen=True)
class Scope:
    role: str | None
    all_units: bool
    unit_ids: frozenset[int]
    home_unit_id: int | None = None

    @property
    def can_write(self) -> bool:
        """Enter, import and edit records (never the leader; the coordinator for any unit)."""
        return self.role in (Role.COORDINATOR, Role.REPORTER, Role.LEAD)

    @property
    def can_review(self) -> bool:
        """Approve or return submitted records."""
        return self.role in (Role.COORDINATOR, Role.LEAD)

    @property
    def can_administer(self) -> bool:
        """Plans, bases of every unit, rules, accounts, the audit trail."""
        return self.role == Role.COORDINATOR

    def covers(self, unit_id: int | None) -> bool:
        if self.all_units:
            return True
        return unit_id is not None and unit_id in self.unit_ids

    def require(self, unit_id: int | None) -> None:
        if not self.covers(unit_id):
            raise PermissionDenied("超出本单位的数据范围。")


NO_SCOPE = Scope(role=None, all_units=False, unit_ids=frozenset())


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.COORDINATOR
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def _lead_units(unit_id: int) -> set[int]:
    """Units the items led by ``unit_id`` apply to, in the latest plan that names it as lead."""
    from bangfu.orgs.selectors import group_members
    from bangfu.plans.choices import ItemRole
    from bangfu.plans.models import Target

    units: set[int] = set()
    targets = Target.objects.filter(
        item__roles__role=ItemRole.LEAD, item__roles__organisation_id=unit_id
    ).prefetch_related("orgs", "groups")
    for target in targets:
        units.update(org.pk for org in target.orgs.all())
        for group in target.groups.all():
            units.update(group_members(group).values_list("pk", flat=True))
    return units


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    cached = getattr(user, "_bangfu_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if getattr(user, "is_authenticated", False):
        user._bangfu_scope = scope
    return scope


def _compute_scope(user: Any) -> Scope:
    from bangfu.orgs.selectors import org_children_map
    from bangfu.orgs.tree import subtree

    role = role_of(user)
    if role is None:
        return NO_SCOPE
    if role in (Role.COORDINATOR, Role.LEADER):
        return Scope(role=role, all_units=True, unit_ids=frozenset())
    unit_id = user.profile.organisation_id
    if unit_id is None:
        return Scope(role=role, all_units=False, unit_ids=frozenset())
    children = org_children_map()
    units = subtree(unit_id, children)
    if role == Role.LEAD:
        for led in _lead_units(unit_id):
            units |= subtree(led, children)
    return Scope(role=role, all_units=False, unit_ids=frozenset(units), home_unit_id=unit_id)


def require_role(
    request: HttpRequest, *, write: bool = False, review: bool = False, administer: bool = False
) -> Scope:
    """The request's scope, or PermissionDenied when its role may not do this (views call it first)."""
    scope = scope_for(request.user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    if (
        (write and not scope.can_write)
        or (review and not scope.can_review)
        or (administer and not scope.can_administer)
    ):
        raise PermissionDenied("当前账号无此权限。")
    return scope
