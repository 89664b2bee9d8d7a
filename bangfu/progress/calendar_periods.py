"""The reporting calendar's periods and their arithmetic (报送日历): which period a date falls in, when it is
due, whether a unit reported on time. Pure Python: dates in, statuses out.

Each month of the plan year is a reporting period; its data are due by ``due_day`` of the next month.
The periods' windows follow one another without overlap: period M's window runs from the day after the
previous period's due date (1 January for January) to M's due date. For a unit and a period, as of
``today``:

- 按时 on time — the first record dated in month M reached the system by the due date; or, once the
  due date has passed without records of M, the unit imported a file inside M's window (it reported,
  with nothing bought in M);
- 逾期补报 late — records of month M arrived, but only after the due date;
- 未报送 missing — nothing, and the due date has passed;
- 未到期 open — nothing yet and the due date has not passed.

Judging by the month a record is dated in — not by when some report happened to arrive — keeps a unit
that always reports on the 10th "late" every month, instead of "on time" for the month its late report
fell into.

Completeness = (on time + late) ÷ periods due; on-time rate = on time ÷ periods due, where a period is
due once its due date has passed.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ON_TIME, LATE, MISSING, OPEN = "on_time", "late", "missing", "open"
LABELS = {ON_TIME: "按时", LATE: "逾期补报", MISSING: "未报送", OPEN: "未到期"}


@dataclass(frozen=True)
class Period:
    """The data of ``month`` (of ``year``), due on ``due``, reported inside [``start``, ``due``]."""

    year: int
    month: int
    start: dt.date
    due: dt.date
    next_due: dt.date

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def _due(year: int, month: int, due_day: int) -> dt.date:
    """The due date of month ``month``'s data: ``due_day`` of the next month."""
    return dt.date(year + 1, 1, due_day) if month == 12 else dt.date(year, month + 1, due_day)


def period_of(year: int, month: int, due_day: int) -> Period:
    start = dt.date(year, 1, 1) if month == 1 else _due(year, month - 1, due_day) + dt.timedelta(days=1)
    due = _due(year, month, due_day)
    next_due = _due(year + 1, 1, due_day) if month == 12 else _due(year, month + 1, due_day)
    return Period(year, month, start, due, next_due)


def periods(year: int, due_day: int, today: dt.date) -> list[Period]:
    """The year's periods whose window has opened by ``today``."""
    found = [period_of(year, month, due_day) for month in range(1, 13)]
    return [p for p in found if p.start <= today]


def current_period(year: int, due_day: int, today: dt.date) -> Period | None:
    """The period whose window holds ``today`` (the last one once the year's windows are over)."""
    opened = periods(year, due_day, today)
    if not opened:
        return None
    for period in opened:
        if period.start <= today <= period.due:
            return period
    return opened[-1]


def _any_between(days: Sequence[dt.date], first: dt.date, last: dt.date) -> bool:
    """Whether a sorted list of dates holds one in [first, last]."""
    index = bisect.bisect_left(days, first)
    return index < len(days) and days[index] <= last


def period_status(
    period: Period, today: dt.date, *, first_record: dt.date | None, batch_days: Sequence[dt.date] = ()
) -> str:
    """The status of one period for a unit: ``first_record`` is the day the first record dated in the
    period's month arrived (None: none yet); ``batch_days`` (sorted) the days it imported a file."""
    if first_record is not None and first_record <= today:
        return ON_TIME if first_record <= period.due else LATE
    if today <= period.due:
        return OPEN
    return ON_TIME if _any_between(batch_days, period.start, period.due) else MISSING


@dataclass
class UnitReporting:
    unit_id: int
    statuses: list[str] = field(default_factory=list)  # one per period, in order
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    last_day: dt.date | None = None

    @property
    def completeness(self) -> Decimal | None:
        return Decimal(self.on_time + self.late) / self.due if self.due else None

    @property
    def on_time_rate(self) -> Decimal | None:
        return Decimal(self.on_time) / self.due if self.due else None


def unit_reporting(
    unit_id: int,
    all_periods: Sequence[Period],
    today: dt.date,
    *,
    first_records: Mapping[int, dt.date] | None = None,
    batch_days: Sequence[dt.date] = (),
    last_day: dt.date | None = None,
) -> UnitReporting:
    """A unit's status in each period, and its counts over the periods already due. ``first_records``:
    {month: the day its first record dated in that month arrived}."""
    firsts = first_records or {}
    days = sorted(batch_days)
    row = UnitReporting(unit_id=unit_id, last_day=last_day)
    for period in all_periods:
        status = period_status(period, today, first_record=firsts.get(period.month), batch_days=days)
        row.statuses.append(status)
        if today > period.due:
            row.due += 1
            if status == ON_TIME:
                row.on_time += 1
            elif status == LATE:
                row.late += 1
            else:
                row.missing += 1
    return row


def reported_since(days: Sequence[dt.date], since: dt.date, today: dt.date) -> bool:
    return _any_between(sorted(days), since, today)
