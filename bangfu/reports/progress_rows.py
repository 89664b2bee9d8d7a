"""The progress workbook's rows (``bangfu progress --xlsx`` and the bulletin's detail sheet), read from
computed progress: one row per (target, unit) line, in 万元 and fractions for the pure writer
(:mod:`reports.rendering.progress_xlsx`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from bangfu.common.money import FEN_PER_WAN
from bangfu.progress.choices import Status
from bangfu.progress.formats import rank_text
from bangfu.progress.selectors import ProgressReport

from .rendering.progress_xlsx import ProgressRow


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
