"""The only permission-checked fetches of reminders for the web and the API (the reminder history).

Like the reminders page, the history is for those who remind: the office sees every reminder, a lead
reviewer those of the units in its scope; reporters and the leadership are refused.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bangfu.accounts.access import scope_for
from bangfu.plans.models import Plan

from .models import Reminder
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
