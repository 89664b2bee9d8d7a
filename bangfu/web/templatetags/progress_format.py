"""Template filters that show progress figures the way offices read them: 万元, percentages, status
labels. Formatting only (``common.money`` and ``progress.formats`` do the work); no rules here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from bangfu.common.money import format_percent, format_wan, format_yuan
from bangfu.progress.calendar_periods import LABELS as REPORTING_LABELS
from bangfu.progress.choices import Status
from bangfu.progress.formats import achieved_text, rank_text
from bangfu.progress.formats import target_name as target_name_text

register = template.Library()
DASH = "—"


@register.filter
def wan(fen: int | None, places: int = 2) -> str:
    """Fen as 万元: ``300000000`` → ``"300.00"``."""
    return DASH if fen is None or fen == "" else format_wan(int(fen), places)


@register.filter
def yuan(fen: int | None) -> str:
    return DASH if fen is None or fen == "" else format_yuan(int(fen))


@register.filter
def pct(fraction: Decimal | None, places: int = 1) -> str:
    """A fraction as a percentage: ``Decimal("0.556")`` → ``"55.6%"``."""
    return DASH if fraction is None or fraction == "" else format_percent(Decimal(fraction), places)


@register.filter
def width(fraction: Decimal | None) -> int:
    """A fraction as a bar width in percent, 0–100 (for SVG bars; no inline styles)."""
    if fraction is None:
        return 0
    return max(0, min(100, int((Decimal(fraction) * 100).to_integral_value())))


@register.filter
def mark(fraction: Decimal | None) -> int:
    """Where the time-progress mark goes on a bar (0–99, so that 100 % stays visible)."""
    return min(width(fraction), 99)


@register.filter
def status_label(code: str) -> str:
    try:
        return str(Status(code).label)
    except ValueError:
        return REPORTING_LABELS.get(code, code)


@register.filter
def achieved(line: Any) -> str:
    return achieved_text(line)


@register.filter
def rank(line: Any) -> str:
    return rank_text(line)


@register.filter
def share(count: int, total: int) -> str:
    """``count`` of ``total`` as a percentage."""
    return DASH if not total else format_percent(Decimal(count) / Decimal(total), 1)


@register.filter
def target_name(line: Any) -> str:
    """A line's target with its item's number and name (``progress.formats.target_name``)."""
    return target_name_text(line)


@register.filter
def covers(scope: Any, unit_id: int) -> bool:
    """Whether the user's scope covers a unit (so that a link to its page is shown)."""
    return bool(scope is not None and scope.covers(unit_id))
