"""Progress figures as people read them: what a line achieved (万元, a percentage of the base, 元/人, a
count), a rate, a rank — the same words on the pages, in the bulletin, in notices and on the command
line."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bangfu.common.money import format_percent, format_wan
from bangfu.plans.choices import BaseKind, TargetKind
from bangfu.plans.models import Target

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
        return f"{result.achieved.quantize(Decimal('0.01')):,}元/人"
    return f"{result.achieved.normalize():,f}{line.target.unit}"


def target_label(target: Target) -> str:
    """The target as a reader names it: 300.00万元, 法定节假日慰问品总金额的20%, 人均500.00元/人/年,
    采购预算的10%（832平台） — the bulletin's words and the pages'."""
    if target.kind == TargetKind.PER_CAPITA:
        return f"人均{target.display_value}"
    if target.kind == TargetKind.RATIO and target.base_kind:
        label = f"{BaseKind(target.base_kind).label}的{target.display_value}"
        return label + ("（832平台）" if "832" in target.channel else "")
    return target.display_value


def target_name(line: ProgressLine) -> str:
    """A line's target with its item's number: "2.2 采购对口地区农特产品300万元", "1.1 法定节假日慰问品
    总金额的20%", "2.1 食堂采购预算的10%（832平台）" — never the bare "2.1 10%"."""
    target = line.target
    text = target.text.strip()
    if target.kind == TargetKind.AMOUNT and text and len(text) <= 20:
        return f"{line.item_code} {text}"
    return f"{line.item_code} {target_label(target)}"


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value, 1)


def rank_text(line: ProgressLine) -> str:
    result = line.result
    return f"{result.rank}/{result.rank_of}" if result.rank else ""


def schedule_names(lines: Iterable[ProgressLine]) -> list[str]:
    """The monthly schedules (时序进度表) the lines' time progress follows instead of the elapsed share of
    the year — for the footnote of a page or the bulletin (unions follow the holiday buying peaks)."""
    return sorted({line.rule.schedule.name for line in lines if line.rule.schedule_id and line.rule.schedule})
