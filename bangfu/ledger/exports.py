"""The ledger list as a file: .xlsx (bounded) or .csv (streamed), safe to open in a spreadsheet.

A text value starting with = + - @ (or a tab/CR) is what spreadsheets evaluate as a formula; in the .xlsx
such a cell is written as a text cell, in the .csv it is prefixed with an apostrophe (the convention
Excel shows as text), so a purchaser named "=HYPERLINK(…)" stays a name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font

from bangfu.common.money import fen_to_yuan

from .choices import Category, Channel, RecordStatus
from .models import Purchase
from .problem_report import safe_cell, set_widths, text_width

#: Rows at most in an .xlsx (openpyxl holds a workbook's strings in memory); .csv has no limit.
XLSX_MAX_ROWS = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    ("id", "编号"),
    ("date", "采购日期"),
    ("purchaser__name", "采购单位"),
    ("purchaser_name", "采购单位（原文）"),
    ("reporting_org__name", "填报单位"),
    ("amount_fen", "金额（元）"),
    ("product", "产品"),
    ("supplier", "供应商"),
    ("origin", "产地（原文）"),
    ("origin_region__county", "产地（县）"),
    ("channel", "采购渠道"),
    ("category", "采购类别"),
    ("quantity", "数量"),
    ("quantity_unit", "计量单位"),
    ("order_no", "订单号/发票号"),
    ("status", "状态"),
    ("remarks", "备注"),
    ("batch__file_name", "来源文件"),
    ("sheet", "工作表"),
    ("row_number", "行号"),
)
HEADERS = [title for _name, title in COLUMNS]
#: Column widths of the exported sheet (Excel character widths; a Chinese character is two).
EXPORT_WIDTHS = {
    "id": 8, "date": 12, "purchaser__name": 28, "purchaser_name": 28, "reporting_org__name": 20,
    "amount_fen": 14, "product": 22, "supplier": 26, "origin": 28, "origin_region__county": 12,
    "channel": 12, "category": 12, "quantity": 10, "order_no": 20, "remarks": 30, "batch__file_name": 30,
    "sheet": 12,
}  # fmt: skip
_CHANNELS = {value: str(label) for value, label in Channel.choices}
_CATEGORIES = {value: str(label) for value, label in Category.choices}
_STATUSES = {value: str(label) for value, label in RecordStatus.choices}
_AMOUNT = HEADERS.index("金额（元）")


def export_rows(qs: QuerySet[Purchase], limit: int | None = None) -> Iterator[list[Any]]:
    """One list per record, in ``qs``'s order, read in chunks (never the whole set as objects)."""
    names = [name for name, _title in COLUMNS]
    values_qs = qs.values_list(*names)
    if limit is not None:
        values_qs = values_qs[:limit]
    for values in values_qs.iterator(chunk_size=2000):
        row = list(values)
        row[_AMOUNT] = fen_to_yuan(row[_AMOUNT])
        row[10] = _CHANNELS.get(row[10], row[10])
        row[11] = _CATEGORIES.get(row[11], row[11])
        row[15] = _STATUSES.get(row[15], row[15])
        yield [("" if value is None else value) for value in row]


def csv_text(value: Any) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_chunks(qs: QuerySet[Purchase]) -> Iterator[str]:
    """The CSV, UTF-8 with a BOM (so Excel reads the Chinese), in pieces of about 500 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for n, row in enumerate(export_rows(qs), start=1):
        writer.writerow([csv_text(value) for value in row])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(qs: QuerySet[Purchase], target: IO[bytes], *, title: str = "采购台账") -> int:
    """Write at most :data:`XLSX_MAX_ROWS` records to ``target``; returns the number written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    set_widths(ws, [EXPORT_WIDTHS.get(name, text_width(title) + 2) for name, title in COLUMNS])
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = safe_cell(ws, text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    written = 0
    for row in export_rows(qs, XLSX_MAX_ROWS):
        cells = [safe_cell(ws, value) for value in row]
        cells[_AMOUNT].number_format = "#,##0.00"
        cells[1].number_format = "yyyy-mm-dd"
        ws.append(cells)
        written += 1
    wb.save(target)
    return written
