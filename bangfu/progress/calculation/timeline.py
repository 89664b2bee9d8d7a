"""Time progress (时序进度): the share of the year's work expected by a date."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

_ONE = Decimal(1)


def elapsed_share(as_of: dt.date, start: dt.date, end: dt.date) -> Decimal:
    """Elapsed share of the period [start, end], counting ``as_of`` as a whole day (0 before, 1 after)."""
    if as_of < start:
        return Decimal(0)
    if as_of >= end:
        return _ONE
    return Decimal((as_of - start).days + 1) / Decimal((end - start).days + 1)


def scheduled_share(as_of: dt.date, year: int, cumulative: Sequence[Decimal]) -> Decimal:
    """The share a monthly schedule expects by ``as_of``: the cumulative share at the end of the previous
    month plus this month's share in proportion to the days elapsed in it."""
    if len(cumulative) != 12:
        raise ValueError("a monthly schedule has 12 cumulative shares")
    if as_of < dt.date(year, 1, 1):
        return Decimal(0)
    if as_of > dt.date(year, 12, 31):
        return _ONE
    month = as_of.month
    before = cumulative[month - 2] if month > 1 else Decimal(0)
    days = calendar.monthrange(year, month)[1]
    return before + (cumulative[month - 1] - before) * Decimal(as_of.day) / Decimal(days)
