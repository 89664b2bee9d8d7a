"""Which units a user may write for, and unit names resolved for writing only inside them.

It lives next to the scope it is derived from (:mod:`bangfu.accounts.access`), above ``orgs`` and
``plans``: a lead reviewer's scope depends on the items they lead in the plan, so no module of ``orgs``
can compute it without a cycle.

This is the one rule every path that enters, imports, edits or attributes a record applies — the ledger
forms and the API, purchases created by activities (企业采购原料), the activity import and the ledger
import:

- the coordinator 管理员 writes for every unit;
- a reporter 填报员 for their unit and its jurisdiction;
- a lead reviewer 牵头单位 for the units of their scope (their jurisdiction and the units the items they
  lead cover — the units they see);
- the leader 领导, and anyone without a role, for none.

Services take this **write scope** explicitly as ``within``: a ``frozenset`` of unit ids, or ``None`` for
every unit. Views and API endpoints pass :func:`write_units` of the signed-in user; the command line
(run by the office on the server) passes ``None``. Where a service takes a ``user`` it defaults to that
user's write scope (:data:`USER_SCOPE`), and to no limit only when it is called without a user (system
code: the demo data, tests).

A name written in a form or a file (an enterprise in an activity, a purchaser in a ledger) is resolved
with :class:`bangfu.orgs.resolving.OrgResolver` limited to the write scope: a unit inside it is that unit;
an unknown name is created (待核实) under the town it names or under the reporting unit; the name of a
unit outside the scope, or of a new unit in a town outside it, is refused with a reason naming the unit.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import OUTSIDE, OrgResolver

from .access import Scope, scope_for

Within = frozenset[int] | None


class _Default(enum.Enum):
    USER_SCOPE = "user-scope"


#: ``within=USER_SCOPE``: the write scope of the service's ``user`` (no limit without a user).
USER_SCOPE: Literal[_Default.USER_SCOPE] = _Default.USER_SCOPE
WithinArg = frozenset[int] | None | Literal[_Default.USER_SCOPE]


class OutsideScopeError(ValidationError):
    """A unit outside the user's write scope; the message names the unit (Chinese)."""


def write_units(who: Any) -> Within:
    """The units a user (or a :class:`Scope`) may write for: ``None`` = every unit (the coordinator); an
    empty set for roles that do not write."""
    scope = who if isinstance(who, Scope) else scope_for(who)
    if not scope.can_write:
        return frozenset()
    return None if scope.all_units else scope.unit_ids


def within_for(user: Any, within: WithinArg = USER_SCOPE) -> Within:
    """``within`` as a service was given it, or — for :data:`USER_SCOPE` — the user's write scope (no limit
    for system code that passes no user)."""
    if within is not USER_SCOPE:
        return within
    if user is None:
        return None
    return write_units(user)


def unit_writable(unit_id: int | None, within: Within) -> bool:
    if within is None:
        return True
    return unit_id is not None and unit_id in within


def _outside_message(unit: Organisation) -> str:
    return f"单位“{unit.name}”不在本单位管辖范围内，不能为其录入或修改记录。"


def unit_require_writable(unit: Organisation | None, within: Within) -> None:
    """Refuse (:class:`OutsideScopeError`, naming the unit) a unit outside the write scope."""
    if unit is not None and not unit_writable(unit.pk, within):
        raise OutsideScopeError(_outside_message(unit))


def unit_resolver(*, within: Within, default_parent: Organisation | None) -> OrgResolver:
    """A resolver for names written by a user: limited to ``within``; new units go under the town they
    name, else under ``default_parent`` (the reporting unit, which must itself be inside ``within``)."""
    unit_require_writable(default_parent, within)
    return OrgResolver(default_parent=default_parent, within=within)


def unit_resolve_for_writing(
    name: str,
    *,
    within: Within,
    default_parent: Organisation | None,
    resolver: OrgResolver | None = None,
) -> Organisation | None:
    """The unit a name written by the user stands for, created (待核实) inside the write scope when it is
    new; None when it cannot be placed (no town in the name and no reporting unit, or ambiguous). A name
    outside the scope is refused with :class:`OutsideScopeError` naming the unit, and nothing is created.
    Pass one ``resolver`` (:func:`unit_resolver`) for many names (an import).

    A unit returned is writable: a new one lies under a unit of the scope, though a ``within`` read
    before it existed does not list it (add it when checking again)."""
    name = (name or "").strip()
    if not name:
        return None
    if resolver is None:
        resolver = unit_resolver(within=within, default_parent=default_parent)
    org_id = resolver.resolve(name)
    if org_id == OUTSIDE:
        outside_id, via_town = resolver.outside[name]
        unit = Organisation.objects.get(pk=outside_id)
        if via_town:
            raise OutsideScopeError(
                f"“{name}”属于{unit.name}，不在本单位管辖范围内，不能为其录入或修改记录。"
            )
        raise OutsideScopeError(_outside_message(unit))
    return Organisation.objects.get(pk=org_id) if org_id is not None else None


def unit_choices_for_user(user: Any) -> QuerySet[Organisation]:
    """Units a user may pick (as purchaser, reporting unit or filter): every unit for the office and the
    leadership, the scope's units for reporters and lead reviewers. For a writer these are exactly
    :func:`write_units`."""
    scope = scope_for(user)
    if scope.role is None:
        return Organisation.objects.none()
    qs = Organisation.objects.order_by("name")
    if scope.all_units:
        return qs
    return qs.filter(pk__in=sorted(scope.unit_ids))
