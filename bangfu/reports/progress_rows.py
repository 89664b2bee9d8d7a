"""Computed progress as rows, one per (target, unit) line: the progress workbook's rows (``bangfu progress
--xlsx`` and the bulletin's detail sheet), in 万元 and fractions for the pure writer
(:mod:`reports.rendering.progress_xlsx`), and the JSON row of ``GET /api/progress`` and ``bangfu progress
--json`` (:func:`progress_row`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bangfu.common.money import FEN_PER_WAN
from bangfu.progress.choices import Status
from bangfu.progress.formats import rank_text
from bangfu.progress.lines import ProgressLine
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


def progress_row(line: ProgressLine) -> dict[str, Any]:
    """A line as a row of ``GET /api/progress`` and ``bangfu progress --json``: amounts in 元, rates
    as fractions (JSON numbers at the edge only; figures stay Decimal inside)."""
    r = line.result

    def number(value: Decimal | None, places: int = 4) -> float | None:
        return None if value is None else float(round(value, places))

    return {
        "task": f"{line.task.seq} {line.task.name}",
        "item": line.item_code,
        "org": line.org_label,
        "kind": line.target.kind,
        "target": number(line.target.value, 4),
        "achieved": number(r.achieved, 4),
        "rate": number(r.rate, 4),
        "expected_rate": number(r.expected, 4),
        "status": r.status,
        "status_label": str(Status(r.status).label),
        "unit": line.target.unit,
        "target_id": line.target.pk,
        "org_ids": list(r.spec.org_ids),
        "achieved_yuan": float(Decimal(r.achieved_fen) / 100),
        "required_yuan": None if r.required_fen is None else float(Decimal(r.required_fen) / 100),
        "shortfall_yuan": None if r.shortfall_fen is None else float(Decimal(r.shortfall_fen) / 100),
        "base": number(r.spec.base, 2),
        "records": r.records,
        "forecast_rate": number(r.forecast_rate, 4),
        "rank": r.rank,
        "rank_of": r.rank_of,
        "counted_at": line.counted_at,
        "represents": list(line.represents),
    }
