"""Reads for reminders: which reporting period a run is for, where a unit's reminders go, what is due,
and the reminder history."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from bangfu.plans.models import Plan
from bangfu.progress.calendar import reporting_calendar_get
from bangfu.progress.calendar_periods import Period, current_period, period_of

from .choices import DeliveryChannel, DeliveryStatus
from .models import Reminder, UnitContact
from .notices import date_text


class ReminderError(ValueError):
    """A request that cannot be carried out; the message is for the user, in Chinese."""


# --- reporting periods ----------------------------------------------------------------------------


def period_key(period: Period) -> str:
    """The period as stored on a reminder: ``2022-10``."""
    return f"{period.year}-{period.month:02d}"


_PERIOD = re.compile(r"(\d{4})-(\d{1,2})")


def period_parse(text: str) -> tuple[int, int]:
    """``2022-10`` → (2022, 10)."""
    match = _PERIOD.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ReminderError(f"报送期格式应为 YYYY-MM（如 2022-10）：{text}")
    return int(match.group(1)), int(match.group(2))


def _window(period: Period) -> str:
    return f"{date_text(period.start)}至{date_text(period.due)}"


def reminder_period_resolve(
    plan: Plan, *, as_of: dt.date | None, period: str | None, today: dt.date
) -> tuple[dt.date, Period]:
    """The as-of date and the reporting period of a reminder run.

    Without a period: the period whose window holds ``as_of`` (default today, not after the plan's year
    end). With a period (``2022-10``): ``as_of`` must fall in its window; without one it is today, or the
    window's last day (not after the year end) for a period already closed.
    """
    due_day = reporting_calendar_get(plan).due_day
    year_end = dt.date(plan.year, 12, 31)
    if period is None:
        day = as_of or min(today, year_end)
        found = current_period(plan.year, due_day, day)
        if found is None:
            raise ReminderError(f"截至{date_text(day)}，{plan.year}年的报送期尚未开始。")
        return day, found
    year, month = period_parse(period)
    if year != plan.year:
        raise ReminderError(f"报送期 {period} 不属于{plan.year}年的任务分解表。")
    wanted = period_of(year, month, due_day)
    if as_of is None:
        if today < wanted.start:
            raise ReminderError(f"{wanted.label}的报送期（{_window(wanted)}）尚未开始。")
        as_of = min(today, wanted.due, year_end)
    if current_period(plan.year, due_day, as_of) != wanted:
        raise ReminderError(
            f"截至日期 {as_of.isoformat()} 不在{wanted.label}的报送期（{_window(wanted)}）内。"
        )
    return as_of, wanted


def reminder_plan_default(today: dt.date) -> Plan | None:
    """The plan a scheduled run reminds for: the previous year's while its December data are still due
    (1–5 January with the default calendar) — not the new year's, whose first window has only just
    opened — otherwise the latest plan."""
    previous = Plan.objects.filter(year=today.year - 1).first()
    if previous is not None:
        due_day = reporting_calendar_get(previous).due_day
        if today <= period_of(previous.year, 12, due_day).due:
            return previous
    return Plan.objects.order_by("-year").first()


# --- recipients -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Where one unit's reminders go: e-mail addresses, and a robot's address ("" for none)."""

    emails: tuple[str, ...] = ()
    webhook: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        found = [(DeliveryChannel.EMAIL.value, address) for address in self.emails]
        if self.webhook:
            found.append((DeliveryChannel.WEBHOOK.value, self.webhook))
        return found


def account_emails(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of each unit's active accounts (填报员, 牵头单位审核员), lower-cased, sorted."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(is_active=True, profile__organisation_id__in=list(unit_ids))
        .exclude(email="")
        .values_list("profile__organisation_id", "email")
    )
    for unit_id, email in rows:
        found[unit_id].add(email.strip().lower())
    return {unit_id: sorted(emails) for unit_id, emails in found.items()}


def unit_recipients(unit_ids: Iterable[int]) -> dict[int, Recipients]:
    """Each unit's recipients: its contact's addresses, else its accounts' e-mail addresses; its
    contact's robot, else the default robot (``BANGFU_WEBHOOK_URL``). Units with none are left out."""
    ids = list(unit_ids)
    contacts = {contact.unit_id: contact for contact in UnitContact.objects.filter(unit_id__in=ids)}
    accounts = account_emails(ids)
    default_webhook = settings.BANGFU_WEBHOOK_URL
    found: dict[int, Recipients] = {}
    for unit_id in ids:
        contact = contacts.get(unit_id)
        emails = (contact.email_list if contact else []) or accounts.get(unit_id, [])
        webhook = (contact.webhook_url if contact else "") or default_webhook
        if emails or webhook:
            found[unit_id] = Recipients(tuple(emails), webhook)
    return found


def webhook_secrets(unit_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """{(unit, robot address): signing secret} for the units' own robots."""
    return {
        (unit_id, url): secret
        for unit_id, url, secret in UnitContact.objects.filter(unit_id__in=list(unit_ids))
        .exclude(webhook_url="")
        .values_list("unit_id", "webhook_url", "webhook_secret")
    }


# --- reminders ------------------------------------------------------------------------------------


def due_filter(now: dt.datetime) -> Q:
    """Pending, and never tried or its retry time has come."""
    return Q(status=DeliveryStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def reminders_due(now: dt.datetime) -> QuerySet[Reminder]:
    """Reminders to deliver now: pending, never tried or whose retry time has come; oldest first."""
    return Reminder.objects.filter(due_filter(now)).select_related("unit").order_by("created_at", "pk")


def reminder_list(
    *,
    plan: Plan | None = None,
    period: str | None = None,
    unit_ids: Iterable[int] | None = None,
    status: str | None = None,
    channel: str | None = None,
) -> QuerySet[Reminder]:
    """The reminder history, newest period first, then by unit name."""
    reminders = Reminder.objects.select_related("unit", "plan", "created_by")
    if plan is not None:
        reminders = reminders.filter(plan=plan)
    if period:
        reminders = reminders.filter(period=period)
    if unit_ids is not None:
        reminders = reminders.filter(unit_id__in=list(unit_ids))
    if status:
        reminders = reminders.filter(status=status)
    if channel:
        reminders = reminders.filter(channel=channel)
    return reminders.order_by("-period", "unit__name", "channel", "recipient")
