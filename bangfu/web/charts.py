"""The figures the pages' charts draw (``json_script`` data for ``static/web/progress.js``): 万元 and
percentages as JSON numbers, made here at the edge (inside, figures stay fen and Decimal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bangfu.common.money import FEN_PER_WAN, format_percent, format_wan
from bangfu.progress.overview import Overview
from bangfu.progress.trend import Trend


def _wan(fen: int | None) -> float | None:
    return None if fen is None else float(round(Decimal(fen) / FEN_PER_WAN, 2))


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value * 100, 1))


def trend_chart(trend: Trend) -> dict[str, Any]:
    """A trend month by month in 万元: bought, awaiting review, running total, expected."""
    return {
        "labels": [f"{month}月" for month in range(1, 13)],
        "monthly": [_wan(fen) for fen in trend.monthly_fen],
        "pending": [_wan(fen) for fen in trend.pending_monthly_fen] if trend.pending_monthly_fen else [],
        "cumulative": [_wan(fen) for fen in trend.cumulative_fen],
        "expected": [_wan(fen) for fen in trend.expected_fen],
    }


def town_chart(overview: Overview) -> dict[str, Any]:
    """The town ranking in percent: each town's official rate, what awaits review, the time progress;
    each bar's value label (rate and 差额 in 万元); a scoped user's own towns starred."""
    towns = overview.towns
    own = overview.own_towns

    def label(row: Any) -> str:
        name = "、".join(org.short_name or org.name for org in row.orgs)
        return f"★{name}" if own is not None and row.org.pk in own else name

    def value_label(row: Any) -> str:
        result = row.pair.line.result
        rate = "—" if result.rate is None else format_percent(result.rate, 1)
        if result.shortfall_fen:
            return f"{rate} 差{format_wan(result.shortfall_fen)}万"
        return rate

    return {
        "labels": [label(row) for row in towns],
        "values": [value_label(row) for row in towns],
        "rates": [_pct(row.rate) for row in towns],
        "pending": [
            _pct((row.rate_with_submitted or Decimal(0)) - (row.rate or Decimal(0))) for row in towns
        ],
        "statuses": [row.pair.line.result.status for row in towns],
        "expected": _pct(overview.time_progress),
    }
