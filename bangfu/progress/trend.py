"""The monthly trend of a set of lines (月度趋势): what they counted month by month, what awaits review,
the running total and what time progress expects by each month's end."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.common.dates import month_end
from bangfu.ledger.choices import RecordStatus
from bangfu.plans.models import Plan

from .lines import ProgressLine
from .rules import SumsKey, counted_statuses, expected_share
from .sums import MonthTable, monthly_table, monthly_totals


def _purchasers(lines: Sequence[ProgressLine]) -> dict[SumsKey, set[int]]:
    """The purchasers of ``lines`` per eligibility filter."""
    purchasers: dict[SumsKey, set[int]] = defaultdict(set)
    for line in lines:
        if line.result.spec.sums_key is not None:
            purchasers[line.result.spec.sums_key] |= line.result.spec.purchasers
    return purchasers


def _line_months(line: ProgressLine, table: MonthTable, statuses: Iterable[str]) -> list[int]:
    spec = line.result.spec
    cells = table.get(spec.sums_key, {}) if spec.sums_key is not None else {}
    months = [0] * 12
    for purchaser in spec.purchasers:
        by_status = cells.get(purchaser)
        if not by_status:
            continue
        for status in statuses:
            for index, fen in enumerate(by_status.get(status, ())):
                months[index] += fen
    return months


@dataclass(frozen=True)
class Trend:
    """A set of lines month by month: eligible purchases per month, their running total (up to the as-of
    month) and what the time progress expects by each month's end (Σ required × time progress)."""

    year: int
    as_of: dt.date
    monthly_fen: tuple[int, ...]
    expected_fen: tuple[int, ...]
    required_fen: int
    lines: int
    pending_monthly_fen: tuple[int, ...] = ()
    by_purchaser_fen: dict[int, int] = field(default_factory=dict, compare=False)

    @property
    def cumulative_fen(self) -> tuple[int | None, ...]:
        last = (
            self.as_of.month if self.as_of.year == self.year else (12 if self.as_of.year > self.year else 0)
        )
        running, values = 0, []
        for index, fen in enumerate(self.monthly_fen):
            running += fen
            values.append(running if index < last else None)
        return tuple(values)

    @property
    def achieved_fen(self) -> int:
        return sum(self.monthly_fen)

    @property
    def rows(self) -> list[tuple[str, int, int | None, int | None, int]]:
        """(month, that month's fen, awaiting review, running total, expected by the month's end)."""
        pending = self.pending_monthly_fen or (None,) * 12
        return [
            (f"{index + 1}月", monthly, waiting, running, expected)
            for index, (monthly, waiting, running, expected) in enumerate(
                zip(self.monthly_fen, pending, self.cumulative_fen, self.expected_fen, strict=True)
            )
        ]


def _disjoint(lines: Sequence[ProgressLine]) -> bool:
    """Whether no purchaser counts for two of ``lines`` under the same filter (towns' jurisdictions)."""
    seen: dict[SumsKey, set[int]] = defaultdict(set)
    for line in lines:
        spec = line.result.spec
        if spec.sums_key is None:
            continue
        if seen[spec.sums_key] & spec.purchasers:
            return False
        seen[spec.sums_key] |= spec.purchasers
    return True


def progress_trend(
    lines: Sequence[ProgressLine],
    *,
    plan: Plan,
    as_of: dt.date,
    approved_only: bool = True,
    by_purchaser: bool = False,
) -> Trend:
    """The monthly trend of ``lines`` (those with a required amount: amount targets, and ratio or
    per-capita targets whose base is known). Each line counts its own purchases, as its figure does, so
    the running total at the as-of month equals the sum of the lines' achieved amounts. Records awaiting
    review are kept apart (``pending_monthly_fen``) unless ``approved_only`` is False and the plan's
    settings count them. ``by_purchaser_fen`` (what each purchaser contributed, once per filter) is
    filled when ``by_purchaser`` is asked for or the lines' purchasers overlap."""
    measured = [line for line in lines if line.result.required_fen is not None and line.result.spec.sums_key]
    counted = [RecordStatus.APPROVED] if approved_only else counted_statuses(plan, None)
    statuses = sorted({*counted, RecordStatus.SUBMITTED})
    monthly, pending, expected = [0] * 12, [0] * 12, [0] * 12
    contributions: dict[int, int] = defaultdict(int)
    if _disjoint(measured) and not by_purchaser:
        totals = monthly_totals(_purchasers(measured), plan.year, statuses)
        for status, months in totals.items():
            target = monthly if status in counted else pending
            for index, fen in enumerate(months):
                target[index] += fen
    else:
        table = monthly_table(_purchasers(measured), plan.year, statuses)
        for line in measured:
            for index, fen in enumerate(_line_months(line, table, counted)):
                monthly[index] += fen
            if RecordStatus.SUBMITTED not in counted:
                for index, fen in enumerate(_line_months(line, table, [RecordStatus.SUBMITTED])):
                    pending[index] += fen
        for cells in table.values():
            for purchaser_id, by_status in cells.items():
                contributions[purchaser_id] += sum(sum(by_status.get(status, ())) for status in counted)
    for line in measured:
        required = line.result.required_fen or 0
        for month in range(1, 13):
            share = expected_share(line.rule, plan.year, month_end(plan.year, month))
            expected[month - 1] += int((Decimal(required) * share).to_integral_value())
    return Trend(
        by_purchaser_fen=dict(contributions),
        year=plan.year,
        as_of=as_of,
        monthly_fen=tuple(monthly),
        expected_fen=tuple(expected),
        required_fen=sum(line.result.required_fen or 0 for line in measured),
        lines=len(measured),
        pending_monthly_fen=tuple(pending) if any(pending) else (),
    )
