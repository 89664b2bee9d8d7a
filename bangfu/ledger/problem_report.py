"""The problem-row report of an import, as an `.xlsx` an office can fix and import again. Pure Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from bangfu.common.files import atomic_path

OUTCOME_LABELS = {"rejected": "被拒绝", "duplicate": "重复", "skipped": "跳过"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FDE8E7")


@dataclass(frozen=True, slots=True)
class ProblemRow:
    outcome: str  # "rejected" | "duplicate" | "skipped"
    sheet: str
    row: int
    raw: Sequence[str]
    reason: str


def safe_cell(ws: Any, value: object) -> WriteOnlyCell:
    """A cell that a spreadsheet will show as text, never evaluate (no formula injection)."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
    return cell


def text_width(text: object) -> int:
    """How many Excel character widths a text takes: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def set_widths(ws: Any, widths: Sequence[float], *, least: float = 6, most: float = 60) -> None:
    """Column widths of a sheet (a write-only sheet: before its first row), each within bounds, so
    that an exported sheet opens readable instead of with every column at Excel's 8.43."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(least, min(most, width))


def header_widths(headers: Iterable[object], *, sample: Iterable[Sequence[object]] = ()) -> list[float]:
    """Widths that fit each header and the values of a few sample rows (plus a margin)."""
    widths = [text_width(h) + 2 for h in headers]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], text_width(value) + 2)
    return [float(w) for w in widths]


def _sheet_title(outcome: str, sheet: str, used: set[str]) -> str:
    base = f"{OUTCOME_LABELS.get(outcome, outcome)}-{sheet}"[:28]
    for char in "[]:*?/\\":
        base = base.replace(char, "_")
    title, n = base, 2
    while title in used:
        title, n = f"{base[:25]}({n})", n + 1
    used.add(title)
    return title


def write_problem_report(
    path: Path, *, batch_name: str, sheets: Iterable[dict[str, Any]], problems: Iterable[ProblemRow]
) -> Path:
    """One worksheet per outcome and source sheet: the original header and values, then the reason.

    The original columns come first, so that a fixed "被拒绝" sheet can be imported again as it is; the
    added columns (原因, 原工作表, 原行号) are not recognised as ledger columns and are ignored.

    Written to a temporary file beside ``path`` and renamed into place (:func:`atomic_path`): a killed
    import leaves no truncated report under the real name.
    """
    headers = {entry["name"]: list(entry.get("headers", [])) for entry in sheets}
    grouped: dict[tuple[str, str], list[ProblemRow]] = defaultdict(list)
    for problem in problems:
        grouped[(problem.outcome, problem.sheet)].append(problem)
    order = {"rejected": 0, "duplicate": 1, "skipped": 2}
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for (outcome, sheet), rows in sorted(grouped.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
        ws = wb.create_sheet(_sheet_title(outcome, sheet, used))
        ws.freeze_panes = "A2"
        original = headers.get(sheet) or [f"第{i + 1}列" for i in range(max(len(r.raw) for r in rows))]
        width = max(len(original), *(len(r.raw) for r in rows))
        titles = [*original, *[""] * (width - len(original)), "原因", "原工作表", "原行号"]
        widths = header_widths(titles, sample=[r.raw for r in rows[:50]])
        widths[width] = 40  # the reason: wrapped
        set_widths(ws, widths, most=40)
        header_cells = []
        for title in titles:
            cell = safe_cell(ws, title)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            header_cells.append(cell)
        ws.append(header_cells)
        for problem in rows:
            values = [
                *problem.raw,
                *[""] * (width - len(problem.raw)),
                problem.reason,
                problem.sheet,
                problem.row,
            ]
            cells = [safe_cell(ws, v) for v in values]
            cells[width].alignment = Alignment(wrap_text=True)
            ws.append(cells)
    if not used:
        ws = wb.create_sheet("无问题行")
        ws.append([f"{batch_name}：所有行均已导入。"])
    with atomic_path(path) as temp:
        wb.save(temp)
    return path
