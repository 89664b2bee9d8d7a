"""The only permission-checked fetches of reminders for the web and the API: who is due a reminder (the
reminders page) and the reminder history.

Both are for those who remind: the office sees every unit and reminder, a lead reviewer those of the
units in its scope; reporters and the leadership are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bangfu.accounts.access import scope_for
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan
from bangfu.progress.access import progress_for_user, units_in_view
from bangfu.progress.calculation import subtree
from bangfu.progress.calendar import expected_units, reporting_calendar_get
from bangfu.progress.selectors import led_item_ids

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
    calendar = reporting_calendar_get(plan)
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


def _target_items(plan: Plan) -> list[tuple[int, int]]:
    from bangfu.plans.models import Target

    return list(Target.objects.filter(item__task__plan=plan).values_list("pk", "item_id"))
