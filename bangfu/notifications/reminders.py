"""Who gets a reminder (催报提醒): units behind the time progress and expected units silent in the current
reporting period — each with the notice it gets (text from :mod:`notifications.notices`). The reminders
page shows them; :mod:`notifications.services` turns them into deliveries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial

from bangfu.orgs.models import Organisation
from bangfu.plans.choices import TargetKind
from bangfu.progress.calendar import reporting_calendar_get, reporting_days
from bangfu.progress.calendar_periods import Period, current_period, reported_since
from bangfu.progress.choices import Status
from bangfu.progress.formats import achieved_text
from bangfu.progress.lines import ProgressLine
from bangfu.progress.models import ReportingCalendar
from bangfu.progress.overview import BEHIND
from bangfu.progress.selectors import ProgressReport

from .notices import Notice, NoticeLine, behind_notice, silent_notice


def notice_line(line: ProgressLine) -> NoticeLine:
    result = line.result
    target = line.target
    written = target.display_value
    if target.kind == TargetKind.RATIO and target.base_text:
        written = f"{target.base_text}的{written}"
    return NoticeLine(
        item_code=line.item_code,
        item_text=line.item.content,
        target_text=written,
        achieved_text=achieved_text(line),
        rate=result.rate,
        expected=result.expected,
        status_label=str(Status(result.status).label),
        achieved_fen=result.achieved_fen,
        required_fen=result.required_fen,
        shortfall_fen=result.shortfall_fen,
    )


@dataclass
class DueReminder:
    """A unit due a reminder, with the notice it gets and the lines behind it (not yet a delivery: a
    :class:`notifications.models.Reminder` is one notice sent, or to send, to one recipient).

    The notice is written when first read: a city has thousands of units due, the reminders page shows
    a page of them, and writing every notice cost half a second at a million records."""

    unit: Organisation
    write: Callable[[], Notice]
    lines: list[ProgressLine] = field(default_factory=list)
    last_day: dt.date | None = None

    @cached_property
    def notice(self) -> Notice:
        return self.write()


@dataclass
class DueReminders:
    """The reminders page: units behind the time progress and units silent in the current period."""

    as_of: dt.date
    period: Period | None
    report_by: dt.date
    behind: list[DueReminder]
    silent: list[DueReminder]


def report_by_date(period: Period | None, as_of: dt.date) -> dt.date:
    """The date a notice asks for: the current period's due date, or a week ahead once it has passed."""
    if period is not None and period.due >= as_of:
        return period.due
    return as_of + dt.timedelta(days=7)


def _notice(writer: Callable[..., Notice], lines: list[ProgressLine], **terms: object) -> Notice:
    """``writer``'s notice (:func:`behind_notice`, :func:`silent_notice`) listing ``lines``."""
    return writer(lines=[notice_line(line) for line in lines], **terms)


def reminders_build(
    plan,
    report: ProgressReport,
    *,
    as_of: dt.date,
    candidates: Mapping[int, Organisation],
    children: Mapping[int | None, Iterable[int]],
    sender: str,
    issued: dt.date,
    calendar: ReportingCalendar | None = None,
) -> DueReminders:
    """Units of ``report`` behind the time progress, and ``candidates`` (expected units in view) that
    reported nothing since the current period's window opened, each with its notice."""
    calendar = calendar or reporting_calendar_get(plan)
    period = current_period(plan.year, calendar.due_day, as_of)
    report_by = report_by_date(period, as_of)
    by_unit: dict[int, list[ProgressLine]] = defaultdict(list)
    for line in report.lines:
        for org_id in line.result.spec.org_ids:
            by_unit[org_id].append(line)

    behind: list[DueReminder] = []
    for org_id, lines in by_unit.items():
        lagging = [line for line in lines if line.result.status in BEHIND]
        if not lagging:
            continue
        unit = lagging[0].orgs[[o.pk for o in lagging[0].orgs].index(org_id)]
        write = partial(
            _notice,
            behind_notice,
            lagging,
            unit=unit.name,
            plan_title=plan.title,
            as_of=as_of,
            report_by=report_by,
            sender=sender,
            issued=issued,
        )
        behind.append(DueReminder(unit, write, lagging))
    behind.sort(key=lambda r: (min((ln.result.rate or Decimal(0)) for ln in r.lines), r.unit.name))

    silent: list[DueReminder] = []
    if period is not None:
        year_start = dt.date(plan.year, 1, 1)
        days = reporting_days(candidates, start=year_start, end=as_of, children=children)
        for org_id, unit in sorted(candidates.items(), key=lambda pair: pair[1].name):
            unit_days = days.get(org_id, [])
            if reported_since(unit_days, period.start, as_of):
                continue
            measured = [line for line in by_unit.get(org_id, []) if line.result.rate is not None]
            write = partial(
                _notice,
                silent_notice,
                measured,
                unit=unit.name,
                plan_title=plan.title,
                as_of=as_of,
                since=period.start,
                period_label=f"{period.month}月份",
                report_by=report_by,
                sender=sender,
                issued=issued,
            )
            silent.append(DueReminder(unit, write, measured, unit_days[-1] if unit_days else None))
    return DueReminders(as_of=as_of, period=period, report_by=report_by, behind=behind, silent=silent)
