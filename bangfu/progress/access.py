"""Permission-checked reads of progress for the web and the API: a user sees the lines of units in
their scope (all units for the coordinator and leaders). Every page's figures come through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bangfu.accounts.access import Scope, scope_for
from bangfu.accounts.write_scope import unit_writable, write_units
from bangfu.ledger.selectors import Listing
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan

from .cache import cached
from .calculation import subtree
from .calendar import CalendarTable, calendar_stamp, calendar_table, expected_units, reporting_calendar_get
from .lines import ProgressLine, bases_missing
from .models import BaseValue, ReportingCalendar
from .overview import Overview, UnitProgress, headline_lines, overview_build, unit_progress_build
from .rules import TOWN_RANKING
from .selectors import (
    OfficialProgress,
    ProgressReport,
    progress_compute,
    progress_compute_official,
    progress_line_record_page,
)
from .services import BaseImportResult, bases_import
from .trend import progress_trend


def _scope(user: Any) -> Scope:
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    return scope


def units_in_view(scope: Scope, org_ids: Iterable[int] | None) -> frozenset[int] | None:
    """The units to compute: ``org_ids`` (or all) intersected with the scope."""
    wanted = None if org_ids is None else frozenset(org_ids)
    if not scope.all_units:
        wanted = scope.unit_ids if wanted is None else wanted & scope.unit_ids
    return wanted


def progress_for_user(
    user: Any,
    plan: Plan,
    *,
    as_of: dt.date,
    org_ids: Any = None,
    target_ids: Iterable[int] | None = None,
    approved_only: bool | None = None,
    ranked: bool = False,
) -> ProgressReport:
    """The plan's lines the user may see (optionally only ``org_ids``, intersected with the scope),
    with their ranks over the whole plan when ``ranked`` (pages that show ranks).
    The report may be shared with other requests (see :mod:`progress.cache`): read it, never change it."""
    wanted = units_in_view(_scope(user), org_ids)
    targets = None if target_ids is None else tuple(sorted(set(target_ids)))
    return cached(
        ("report", plan.pk, as_of, wanted, targets, approved_only, ranked),
        lambda: progress_compute(
            plan,
            as_of=as_of,
            org_ids=wanted,
            target_ids=targets,
            approved_only=approved_only,
            ranked=ranked,
        ),
    )


def whole_plan_official(plan: Plan, *, as_of: dt.date) -> OfficialProgress:
    """The whole plan's official figures (cached, shared by every user whose scope is every unit)."""
    return cached(("official", plan.pk, as_of, None), lambda: progress_compute_official(plan, as_of=as_of))


def overview_for_user(user: Any, plan: Plan, *, as_of: dt.date) -> Overview:
    """The dashboard: official (approved-only) figures of the user's units, what awaits review, the
    town ranking, lagging units and the monthly trend — computed once and cached briefly (the same
    for every user with the same scope)."""
    scope = _scope(user)
    wanted = units_in_view(scope, None)

    def compute() -> Overview:
        official = progress_compute_official(plan, as_of=as_of, org_ids=wanted, ranked=True)
        headline = headline_lines(official.approved)
        trend = progress_trend([official.approved.lines[i] for i in headline[1]], plan=plan, as_of=as_of)
        # A unit sees where its towns stand among all the others (the ranking the bulletin publishes to
        # every unit): the whole plan's official figures, shared with every user (cached).
        in_ranking = any(line.result.spec.rank_group == TOWN_RANKING for line in official.approved.lines)
        ranking = whole_plan_official(plan, as_of=as_of) if wanted is not None and in_ranking else None
        return overview_build(official, trend=trend, headline=headline, ranking=ranking, own=wanted)

    return cached(("overview", plan.pk, as_of, wanted), compute)


def unit_get_for_user(user: Any, pk: int) -> Organisation:
    scope = scope_for(user)
    if scope.role is None or not scope.covers(pk):
        raise Http404("单位不存在或不在本单位范围内。")
    unit = Organisation.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise Http404("单位不存在。")
    return unit


def home_unit_for_user(user: Any) -> Organisation | None:
    """The user's own unit (a reporter's or lead reviewer's; the coordinator's when set), or None."""
    scope = _scope(user)
    profile = getattr(user, "profile", None)
    unit_id = scope.home_unit_id or (profile.organisation_id if profile is not None else None)
    return unit_get_for_user(user, unit_id) if unit_id is not None else None


def unit_progress_for_user(user: Any, unit: Organisation, plan: Plan, *, as_of: dt.date) -> UnitProgress:
    """A unit's lines (with and without records awaiting review), its trend and the roll-up of the
    units under it that the user may see. ``unit`` must come from :func:`unit_get_for_user`."""
    scope = _scope(user)
    scope.require(unit.pk)

    def compute() -> UnitProgress:
        children = org_children_map()
        members = subtree(unit.pk, children)
        wanted = units_in_view(scope, members)
        official = progress_compute_official(plan, as_of=as_of, org_ids=wanted, ranked=True)
        own = [line for line in official.approved.lines if unit.pk in line.result.spec.org_ids]
        amounts = [line for line in own if line.target.kind == "amount"]
        trend = progress_trend(
            amounts or [line for line in own if line.result.required_fen is not None],
            plan=plan,
            as_of=as_of,
            by_purchaser=True,
        )
        visible = None if scope.all_units else scope.unit_ids
        return unit_progress_build(unit, official, trend=trend, children=children, visible=visible)

    key = ("unit", plan.pk, as_of, unit.pk, None if scope.all_units else scope.unit_ids)
    return cached(key, compute)


def line_for_user(
    user: Any, plan: Plan, *, target_pk: int, unit_pk: int, as_of: dt.date, approved_only: bool | None
) -> ProgressLine:
    """The (target, unit) line, if the unit is the user's to see (404 otherwise)."""
    unit = unit_get_for_user(user, unit_pk)
    report = progress_compute(
        plan, as_of=as_of, org_ids=[unit.pk], target_ids=[target_pk], approved_only=approved_only
    )
    for line in report.lines:
        if unit.pk in line.result.spec.org_ids:
            return line
    raise Http404("该单位没有这一目标。")


def line_record_page_for_user(
    user: Any,
    line: ProgressLine,
    *,
    as_of: dt.date,
    approved_only: bool | None,
    after: str = "",
    before: str = "",
) -> Listing:
    """A page of the records behind a line the user may see (from :func:`line_for_user`): every record
    that counts for it — its own and its jurisdiction's, and those of units declared to count for it."""
    scope = _scope(user)
    if not any(scope.covers(org_id) for org_id in line.result.spec.org_ids):
        raise Http404("该单位不在本单位范围内。")
    return progress_line_record_page(
        line, as_of=as_of, approved_only=approved_only, after=after, before=before
    )


# --- the reporting calendar ---------------------------------------------------------------------


def calendar_for_user(user: Any, plan: Plan, *, today: dt.date, town_id: int | None = None) -> CalendarTable:
    """The reporting calendar of the expected units the user may see (not reporters: the office, the
    lead reviewers and the leadership)."""
    scope = _scope(user)
    if scope.role not in ("coordinator", "lead", "leader"):
        raise PermissionDenied("当前账号无此权限。")
    calendar = reporting_calendar_get(plan)

    def compute() -> CalendarTable:
        children = org_children_map()
        wanted = units_in_view(scope, subtree(town_id, children) if town_id is not None else None)
        units = expected_units(plan, calendar)
        if wanted is not None:
            units = {pk: unit for pk, unit in units.items() if pk in wanted}
        return calendar_table(plan, today=today, units=units, children=children, calendar=calendar)

    scope_key = None if scope.all_units else scope.unit_ids
    return cached(("calendar", plan.pk, today, scope_key, town_id, calendar_stamp(calendar)), compute)


def calendar_edit_for_user(user: Any, plan: Plan) -> ReportingCalendar:
    """The calendar to change (the coordinator only)."""
    scope = _scope(user)
    if not scope.can_administer:
        raise PermissionDenied("只有管理员可以修改报送日历。")
    return reporting_calendar_get(plan)


# --- base values ----------------------------------------------------------------------------------


def base_values_for_user(user: Any, *, year: int) -> QuerySet[BaseValue]:
    scope = scope_for(user)
    qs = BaseValue.objects.filter(year=year).select_related(
        "organisation", "canteen_representative", "counts_for"
    )
    if scope.role is None:
        return qs.none()
    return qs if scope.all_units else qs.filter(organisation_id__in=sorted(scope.unit_ids))


def bases_missing_for_user(user: Any, *, year: int) -> list[Organisation]:
    """Units in the user's scope whose ratio or per-capita targets still lack their base."""
    scope = _scope(user)
    plan = Plan.objects.filter(year=year).first()
    if plan is None:
        return []
    return bases_missing(plan, unit_ids=None if scope.all_units else scope.unit_ids)


def base_unit_for_user(user: Any, pk: int, *, write: bool = False) -> Organisation:
    """A unit whose base values the user may see (404 outside the scope) or, with ``write``, change
    (403 for the leadership: read only)."""
    scope = _scope(user)
    if write and not scope.can_write:
        raise PermissionDenied("当前账号只能查看基数。")
    return unit_get_for_user(user, pk)


def base_link_allowed(user: Any, unit_id: int | None) -> bool:
    """Whether the user may point a base at ``unit_id`` (a canteen's representative, a unit purchases
    count for): the coordinator anywhere, others only inside their scope — so that nobody can move
    purchases onto another jurisdiction's figures. The write scope: one rule, in ``accounts.write_scope``."""
    return unit_id is None or unit_writable(unit_id, write_units(_scope(user)))


def bases_import_for_user(user: Any, path: Path, *, year: int) -> BaseImportResult:
    """Import a base-value file: the coordinator for any unit (unknown units are created for review);
    reporters and lead reviewers only for units in their scope (rows naming others are refused)."""
    scope = _scope(user)
    if not scope.can_write:
        raise PermissionDenied("当前账号只能查看基数。")
    return bases_import(path, year=year, within=write_units(scope))
