"""Progress figures as people read them: what a line achieved (万元, a percentage of the base, 元/人, a
count), a rate, a rank — the same words on the pages, in the bulletin, in notices and on the command
line."""

from __future__ import annotations

from decimal import Decimal

from bangfu.common.money import format_percent, format_wan
from bangfu.plans.choices import TargetKind

from .lines import ProgressLine


def achieved_text(line: ProgressLine) -> str:
    result = line.result
    if result.achieved is None:
        return "—"
    kind = line.target.kind
    if kind == TargetKind.AMOUNT:
        return f"{format_wan(result.achieved_fen)}万元"
    if kind == TargetKind.RATIO:
        return f"{format_percent(result.achieved, 1)}（{format_wan(result.achieved_fen)}万元）"
    if kind == TargetKind.PER_CAPITA:
        return f"{result.achieved.quantize(Decimal('0.01'))}元/人"
    return f"{result.achieved.normalize():f}{line.target.unit}"


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value, 1)


def rank_text(line: ProgressLine) -> str:
    result = line.result
    return f"{result.rank}/{result.rank_of}" if result.rank else ""
