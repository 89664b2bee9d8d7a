"""The progress table as a formatted .xlsx an office can forward. Pure: rows in, file out (openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bangfu.common.files import atomic_path

STATUS_FILLS = {
    "done": "C6EFCE",
    "normal": "E2EFDA",
    "lagging": "FFEB9C",
    "severe": "FFC7CE",
    "no_base": "EDEDED",
}
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ProgressRow:
    task: str
    item: str
    org: str
    kind_label: str
    target_text: str  # the target as people say it: 300.00万元, 20%, 500元/人
    required_wan: Decimal | None  # what must be bought in 万元 (amount, or ratio × base)
    achieved_wan: Decimal  # eligible purchases in 万元
    rate: Decimal | None
    expected: Decimal
    status_label: str
    status: str
    rank: str
    records: int


HEADERS = (
    "任务", "事项", "单位", "目标类型", "目标", "应完成（万元）", "已完成（万元）", "完成率", "时序进度", "状态", "同档排名",
    "记录数",
)  # fmt: skip
WIDTHS = (22, 7, 26, 10, 14, 14, 14, 10, 10, 12, 10, 8)


def _safe(value: object) -> object:
    """Text that a spreadsheet would read as a formula is stored as text (formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_progress_xlsx(path: Path, *, title: str, subtitle: str, rows: Iterable[ProgressRow]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "完成进度"
    sheet.append([_safe(title)])
    sheet.append([_safe(subtitle)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    count = 0
    for row in rows:
        count += 1
        values: Sequence[object] = (
            row.task, row.item, row.org, row.kind_label, row.target_text, row.required_wan, row.achieved_wan,
            row.rate, row.expected, row.status_label, row.rank, row.records,
        )  # fmt: skip
        sheet.append([_safe(v) for v in values])
        current = sheet.max_row
        for column, cell in enumerate(sheet[current], start=1):
            cell.border = _BORDER
            if column in (6, 7):
                cell.number_format = "#,##0.00"
            elif column in (8, 9):
                cell.number_format = "0.0%"
        fill = STATUS_FILLS.get(row.status)
        if fill:
            sheet.cell(row=current, column=10).fill = PatternFill("solid", fgColor=fill)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "D4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(HEADERS))}{3 + count}"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        workbook.save(temp)
    return path
