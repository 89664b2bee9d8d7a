"""Build small ledger files in tests: .xlsx (openpyxl), .xls (xlwt) and .csv in several encodings.

Rows are lists of Python values: ``str``, ``int``/``float``, ``datetime.date``/``datetime``, ``None``. In a
spreadsheet they keep their type (a ``date`` is a date cell, a float a number cell); in a CSV they are
written as text (``None`` as an empty field, a date in ISO form).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Rows = Sequence[Sequence[Any]]

#: Every format a ledger can arrive in, as (id, suffix, writer options).
FORMATS = ("xlsx", "xls", "csv-utf8", "csv-utf8-sig", "csv-gbk", "tsv-gbk")
CSV_FORMATS = {
    "csv-utf8": ("utf-8", ","),
    "csv-utf8-sig": ("utf-8-sig", ","),
    "csv-gbk": ("gbk", ","),
    "tsv-gbk": ("gbk", "\t"),
}


def write_xlsx(
    path: Path, sheets: dict[str, Rows], *, start_col: int = 1, merges: dict[str, list[str]] | None = None
) -> Path:
    """One worksheet per entry; rows start at A1 (or at column ``start_col``). ``merges`` lists merged
    areas per sheet in Excel's notation ("B4:B6"); the value of the area is the one of its top cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=start_col):
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
        for area in (merges or {}).get(name, []):
            sheet.merge_cells(area)
    workbook.save(path)
    return path


def _area(area: str) -> tuple[int, int, int, int]:
    """ "B4:C6" → (top, bottom, left, right), 0-based."""
    from openpyxl.utils.cell import range_boundaries

    left, top, right, bottom = range_boundaries(area)
    return top - 1, bottom - 1, left - 1, right - 1


def write_xls(path: Path, sheets: dict[str, Rows], *, merges: dict[str, list[str]] | None = None) -> Path:
    """A legacy .xls workbook (BIFF8) written with xlwt; ``merges`` as for :func:`write_xlsx`."""
    import xlwt

    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    datetime_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    workbook = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        covered: set[tuple[int, int]] = set()
        for area in (merges or {}).get(name, []):
            top, bottom, left, right = _area(area)
            value = rows[top][left]
            style = datetime_style if isinstance(value, datetime.datetime) else date_style
            if isinstance(value, datetime.date):
                sheet.write_merge(top, bottom, left, right, value, style)
            else:
                sheet.write_merge(top, bottom, left, right, value)
            covered |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "" or (r, c) in covered:
                    continue
                if isinstance(value, datetime.datetime):
                    sheet.write(r, c, value, datetime_style)
                elif isinstance(value, datetime.date):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            writer.writerow([csv_text(value) for value in row])
    return path


def write_ledger(folder: Path, fmt: str, rows: Rows, *, name: str = "台账", sheet: str = "Sheet1") -> Path:
    """``rows`` as a file of format ``fmt`` (one of :data:`FORMATS`) named ``name`` in ``folder``.

    A CSV's one "sheet" is named after the file (as Excel names it when opening the CSV), so messages
    say 工作表“台账”; pass ``sheet=name`` to compare across formats.
    """
    if fmt == "xlsx":
        return write_xlsx(folder / f"{name}.xlsx", {sheet: rows})
    if fmt == "xls":
        return write_xls(folder / f"{name}.xls", {sheet: rows})
    encoding, delimiter = CSV_FORMATS[fmt]
    suffix = ".txt" if delimiter == "\t" else ".csv"
    return write_csv(folder / f"{name}{suffix}", rows, encoding=encoding, delimiter=delimiter)


def sheet_name(fmt: str, name: str = "台账", sheet: str = "Sheet1") -> str:
    """The sheet name the reader reports for a file made by :func:`write_ledger`."""
    return sheet if fmt in ("xlsx", "xls") else name


TOWN_HEADER = ["序号", "采购单位", "采购日期", "商品名称", "产地", "金额（元）", "订单号"]


def town_xlsx(folder: Path, name: str = "周巷镇台账.xlsx") -> Path:
    """周巷镇's ledger as the import wizard's tests upload it: a union's row twice, a new unit, a bad amount,
    a row without a unit and a 合计 row."""
    rows: list[list[Any]] = [
        ["周巷镇消费帮扶采购台账"],
        ["填报单位：周巷镇"],
        TOWN_HEADER,
        [
            1,
            "周巷镇甲公司工会",
            datetime.date(2022, 3, 15),
            "苦荞茶",
            "四川省凉山彝族自治州布拖县",
            1500,
            "W-001",
        ],
        [2, "周巷镇新来的学校", "2022.4.2", "马铃薯", "凉山州布拖县", "800.50", "W-002"],
        [3, "周巷镇", "2022/05/20", "花椒", "布拖", "abc", "W-003"],
        [
            4,
            "周巷镇甲公司工会",
            datetime.date(2022, 3, 15),
            "苦荞茶",
            "四川省凉山彝族自治州布拖县",
            1500,
            "W-001",
        ],
        [5, None, "2022-06-01", "黑山羊", "布拖县", 300, "W-004"],
        [None, "合计", None, None, None, 3100.5, None],
    ]
    return write_xlsx(folder / name, {"台账": rows})
