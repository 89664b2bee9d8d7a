"""Progress figures as people read them: what a line achieved (万元, a percentage of the base, 元/人, a
count), a rate, a rank — the same words on the pages, in the bulletin, in notices and on the command
line."""

from __future__ import annotations

from collections.abc import Iterable
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
        return f"{result.achieved.quantize(Decimal('0.01')):,}元/人"
    return f"{result.achieved.normalize():,f}{line.target.unit}"


def target_name(line: ProgressLine) -> str:
    """A target as a person names it, with its item's number: "2.2 采购对口地区农特产品300万元",
    "1.1 慰问品总额的20%", "2.1 食堂采购预算的10%（832平台）" — never the bare "2.1 10%"."""
    target = line.target
    text = target.text.strip()
    if target.kind == TargetKind.AMOUNT and text and len(text) <= 20:
        name = text
    elif target.kind == TargetKind.RATIO and target.base_text:
        base = target.base_text.removeprefix("年度发放职工法定节假日").removeprefix("年度")
        name = f"{base}的{target.display_value}"
        if target.channel:
            name += f"（{target.channel}）"
    elif target.kind == TargetKind.PER_CAPITA:
        name = f"人均{target.display_value}"
    elif target.kind == TargetKind.AMOUNT:
        name = f"采购{target.display_value}"
    else:
        name = text if len(text) <= 20 else f"{text[:19]}…"
    return f"{line.item_code} {name}"


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value, 1)


def rank_text(line: ProgressLine) -> str:
    result = line.result
    return f"{result.rank}/{result.rank_of}" if result.rank else ""


def schedule_names(lines: Iterable[ProgressLine]) -> list[str]:
    """The monthly schedules (时序进度表) the lines' time progress follows instead of the elapsed share of
    the year — for the footnote of a page or the bulletin (unions follow the holiday buying peaks)."""
    return sorted({line.rule.schedule.name for line in lines if line.rule.schedule_id and line.rule.schedule})
