"""Progress figures as people read them: the target as written, 万元, percentages, the xlsx rows."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from bangfu.common.money import FEN_PER_WAN, format_percent, format_wan
from bangfu.plans.choices import TargetKind
from bangfu.reports.rendering.progress_xlsx import ProgressRow

from .choices import Status
from .selectors import ProgressLine, ProgressReport


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


def text_lines(report: ProgressReport) -> Iterator[str]:
    yield f"{report.plan.title}  截至 {report.as_of:%Y-%m-%d}"
    current = None
    for line in report.lines:
        if line.item.pk != current:
            current = line.item.pk
            yield f"{line.item_code} {line.item.content[:36]}"
        result = line.result
        yield (
            f"    {line.org_label[:18]:<18} 目标 {line.target.display_value:<10} 完成 {achieved_text(line):<18} "
            f"完成率 {rate_text(result.rate):>7}  时序 {rate_text(result.expected):>6}  "
            f"{Status(result.status).label} {rank_text(line)}"
        )


def xlsx_rows(report: ProgressReport) -> Iterator[ProgressRow]:
    for line in report.lines:
        result = line.result
        required = result.required_fen
        yield ProgressRow(
            task=f"{line.task.seq} {line.task.name}",
            item=line.item_code,
            org=line.org_label,
            kind_label=str(line.target.get_kind_display()),
            target_text=line.target.display_value,
            required_wan=None if required is None else Decimal(required) / FEN_PER_WAN,
            achieved_wan=Decimal(result.achieved_fen) / FEN_PER_WAN,
            rate=result.rate,
            expected=result.expected,
            status_label=str(Status(result.status).label),
            status=result.status,
            rank=rank_text(line),
            records=result.records,
        )
