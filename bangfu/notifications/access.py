"""The only permission-checked fetches of reminders for the web and the API: who is due a reminder (the
reminders page) and the reminder history.

Both are for those who remind: the office sees every unit and reminder, a lead reviewer those of the
units in its scope; reporters and the leadership are refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bangfu.accounts.access import scope_for
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan
from bangfu.progress.access import progress_for_user, units_in_view
from bangfu.progress.cache import cached
from bangfu.progress.calculation import subtree
from bangfu.progress.calendar import (
    calendar_stamp,
    calendar_table,
    expected_units,
    org_tree,
    reporting_calendar_get,
    reports_on_its_own,
)
from bangfu.progress.calendar_periods import MISSING, OPEN, Period
from bangfu.progress.selectors import led_item_ids

from .choices import DeliveryStatus
from .models import Reminder
from .reminders import DueReminders, reminders_build
from .selectors import reminder_list


def reminder_list_for_user(
    user: Any,
    *,
    plan: Plan | None = None,
    period: str | None = None,
    status: str | None = None,
    channel: str | None = None,
) -> QuerySet[Reminder]:
    scope = scope_for(user)
    if not scope.can_review:
        raise PermissionDenied("当前账号无此权限。")
    unit_ids = None if scope.all_units else sorted(scope.unit_ids)
    return reminder_list(plan=plan, period=period, unit_ids=unit_ids, status=status, channel=channel)


def reminder_get_for_user(user: Any, pk: int) -> Reminder:
    """One reminder with its text and delivery log; 404 outside the user's scope."""
    reminder = reminder_list_for_user(user).filter(pk=pk).first()
    if reminder is None:
        raise Http404("提醒不存在或不在本单位范围内。")
    return reminder


# --- who is due a reminder -----------------------------------------------------------------------


def reminders_for_user(
    user: Any,
    plan: Plan,
    *,
    as_of: dt.date,
    issued: dt.date,
    sender: str,
    town_id: int | None = None,
    lead_id: int | None = None,
) -> DueReminders:
    """Lagging and silent units in the user's scope (reviewers only), optionally within one town's
    jurisdiction or among the items one unit leads."""
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    if not scope.can_review:
        raise PermissionDenied("当前账号无此权限。")
    calendar = reporting_calendar_get(plan)

    def compute() -> DueReminders:
        children = org_children_map()
        wanted = units_in_view(scope, subtree(town_id, children) if town_id is not None else None)
        targets = None
        if lead_id is not None:
            items = led_item_ids(plan, lead_id)
            targets = tuple(
                sorted(
                    pk
                    for pk, item_id in _target_items(plan)
                    if item_id in items  # the lead's items' targets
                )
            )
        report = progress_for_user(user, plan, as_of=as_of, org_ids=wanted, target_ids=targets)
        candidates = expected_units(plan, calendar)
        if wanted is not None:
            candidates = {pk: unit for pk, unit in candidates.items() if pk in wanted}
        if targets is not None:
            with_lines = {org_id for line in report.lines for org_id in line.result.spec.org_ids}
            candidates = {pk: unit for pk, unit in candidates.items() if pk in with_lines}
        return reminders_build(
            plan,
            report,
            as_of=as_of,
            candidates=candidates,
            children=children,
            sender=sender,
            issued=issued,
            calendar=calendar,
        )

    # As the reporting calendar's page: computed once for the same data (progress.cache's data stamp:
    # records, batches, reviews, audited changes) — thousands of units are due at a million records.
    scope_key = (scope.role, None if scope.all_units else scope.unit_ids)
    key = ("reminders", plan.pk, as_of, issued, sender, scope_key, town_id, lead_id, calendar_stamp(calendar))
    return cached(key, compute)


def _target_items(plan: Plan) -> list[tuple[int, int]]:
    from bangfu.plans.models import Target

    return list(Target.objects.filter(item__task__plan=plan).values_list("pk", "item_id"))


# --- what a unit received, and its contact ------------------------------------------------------


def reminders_received_for_user(user: Any, *, limit: int = 5) -> list[Reminder]:
    """The latest reminders sent to the units of the user's scope (a reporter's inbox): one per unit
    and period (a notice goes to several recipients), newest first."""
    scope = scope_for(user)
    if scope.role is None or scope.all_units:
        return []
    rows = (
        Reminder.objects.filter(unit_id__in=sorted(scope.unit_ids), status=DeliveryStatus.SENT)
        .select_related("unit")
        .order_by("-sent_at", "-id")[: limit * 4]
    )
    seen: set[tuple[int, str]] = set()
    found: list[Reminder] = []
    for reminder in rows:
        key = (reminder.unit_id, reminder.period)
        if key not in seen:
            seen.add(key)
            found.append(reminder)
    return found[:limit]


def unit_periods_for_user(user: Any, plan: Plan, *, today: dt.date) -> list[UnitPeriods]:
    """The reporting periods the user's own unit has not reported (a reporter's inbox): missing ones
    and the one open now, per the reporting calendar. Nothing for a unit that is not expected to report
    on its own (it reports through its town, ``progress.calendar.through_town``)."""
    scope = scope_for(user)
    if scope.role is None or scope.home_unit_id is None:
        return []
    calendar = reporting_calendar_get(plan)
    home = scope.home_unit_id

    def compute() -> list[UnitPeriods]:
        tree = org_tree()
        if not reports_on_its_own(calendar, home, tree):
            return []
        unit = Organisation.objects.filter(pk=home).first()
        if unit is None:
            return []
        table = calendar_table(
            plan, today=today, units={unit.pk: unit}, children=tree.children, calendar=calendar
        )
        found = []
        for row in table.rows:
            missing = [period for period, status in row.cells if status == MISSING]
            open_now = [period for period, status in row.cells if status == OPEN and period.start <= today]
            if missing or open_now:
                found.append(UnitPeriods(unit=row.unit, missing=missing, open=open_now[-1:]))
        return found

    # on every page of a reporter (the inbox): cached per data stamp, as the calendar's page is
    return cached(("unit-periods", plan.pk, today, home, calendar_stamp(calendar)), compute)


@dataclass(frozen=True)
class UnitPeriods:
    unit: Organisation
    missing: list[Period]
    open: list[Period]


def contact_units_for_user(user: Any) -> QuerySet[Organisation]:
    """Units whose contact the user may edit: every unit for the office, a reporter's or lead
    reviewer's own unit; none for the leadership."""
    scope = scope_for(user)
    if not scope.can_write:
        return Organisation.objects.none()
    if scope.can_administer:
        return Organisation.objects.filter(active=True)
    if scope.home_unit_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=scope.home_unit_id)


def contact_unit_get_for_user(user: Any, pk: int) -> Organisation:
    """The unit whose contact to edit; 404 when it is not the user's to edit."""
    unit = contact_units_for_user(user).filter(pk=pk).first()
    if unit is None:
        raise Http404("单位不存在或不在本单位范围内。")
    return unit
