"""Files → grids. Word tables (.docx), worksheets (.xlsx/.xls via python-calamine), text extractions, CSV.

Every reader wraps its library's exceptions into :class:`TableParseError` with a Chinese message. Word and
Excel files are opened by native libraries in a child process with memory and CPU limits
(:mod:`bangfu.common.isolation`), after the package was checked for a password and for a zip bomb
(:func:`bangfu.common.workbooks.check_package`): an odd file cannot take the caller down.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bangfu.common import isolation
from bangfu.common.tables import TableReadError
from bangfu.common.text import clean_cell
from bangfu.common.workbooks import (
    DamagedPackage,
    check_cells,
    check_package,
    extent_message,
    failure_message,
    farthest_cell,
)

from .grid import Cell, Grid, apply_merges, make_grid
from .header import header_run
from .model import TableParseError
from .title import is_note

DOCX = "docx"
XLSX = "xlsx"
XLS = "xls"
TEXT = "text"
CSV = "csv"

_EXTENSIONS = {
    ".docx": DOCX,
    ".docm": DOCX,
    ".xlsx": XLSX,
    ".xlsm": XLSX,
    ".xls": XLS,
    ".txt": TEXT,
    ".text": TEXT,
    ".csv": CSV,
}
_UNSUPPORTED = {".doc": "Word 97-2003（.doc）", ".wps": "WPS 文字（.wps）", ".pdf": "PDF"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KINDS = {DOCX: "Word（.docx）", XLSX: "Excel（.xlsx）", XLS: "Excel 97-2003（.xls）"}
_ENCODINGS = ("utf-8-sig", "gb18030")


# -- format detection -------------------------------------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """The format of file bytes: zip with ``word/`` → docx, zip with ``xl/`` → xlsx, OLE2 → xls, else text."""
    if data[:8] == _OLE2_MAGIC:
        return XLS
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return TEXT
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
    return TEXT


def detect_format(suffix: str, data: bytes, label: str) -> str:
    suffix = suffix.lower()
    if suffix in _UNSUPPORTED:
        raise TableParseError(
            f"无法读取文件 {label}：不支持 {_UNSUPPORTED[suffix]} 格式，请另存为 .docx 或 .xlsx 后再导入"
        )
    return _EXTENSIONS.get(suffix) or sniff_format(data)


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableParseError(f"无法读取文件 {label}：文本编码无法识别（支持 UTF-8 和 GBK/GB18030）")


# -- Word --------------------------------------------------------------------------------------------------


def _isolated(fmt: str, data: bytes, label: str) -> list[Grid]:
    """The grids of a Word or Excel file, read in a limited child process."""
    try:
        check_package(data, label, data[:64])
    except DamagedPackage:
        raise TableParseError(f"无法读取文件 {label}：文件已损坏或不是有效的 {_KINDS[fmt]}文件") from None
    except TableReadError as exc:
        raise TableParseError(str(exc)) from None
    limits = isolation.Limits.default()
    try:
        return isolation.call(
            "bangfu.plans.parsing.readers:grids_child",
            {"fmt": fmt, "data": data, "label": label},
            limits=limits,
        )
    except isolation.ChildFailed as exc:
        found = farthest_cell(data) if exc.reason == "memory" and fmt == XLSX else None
        if found is not None:
            raise TableParseError(extent_message(label, *found)) from None
        raise TableParseError(failure_message(exc, name=label, limits=limits)) from None


def grids_child(payload: dict[str, Any], _commands: Iterator[Any]) -> Iterator[Grid]:
    """The child's side of :func:`read_docx` and :func:`read_workbook`."""
    fmt, data, label = payload["fmt"], payload["data"], payload["label"]
    if fmt == DOCX:
        yield from _docx_grids(data, label)
    else:
        yield from _workbook_grids(data, label, fmt=fmt)


def read_docx(data: bytes, label: str) -> list[Grid]:
    """Every table of a .docx, in body order, with the paragraphs before and after it."""
    return _isolated(DOCX, data, label)


def read_workbook(data: bytes, label: str, *, fmt: str) -> Iterator[Grid]:
    """The worksheets of an .xlsx or .xls file, one grid each, merged ranges applied."""
    return iter(_isolated(fmt, data, label))


def _docx_grids(data: bytes, label: str) -> list[Grid]:
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # python-docx raises zip, xml and package errors of many kinds
        raise TableParseError(f"无法读取文件 {label}：文件已损坏或不是有效的 {_KINDS[DOCX]}文件") from exc
    grids: list[Grid] = []
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            name = f"表格{len(grids) + 1}"
            try:
                grids.append(_docx_grid(block, name, paragraphs))
            except Exception as exc:  # malformed table XML (bad spans, unreadable attributes)
                raise TableParseError(f"无法读取文件 {label} 的{name}：表格结构已损坏") from exc
            paragraphs = []
        elif text := clean_cell(block.text):
            paragraphs.append(text)
    if grids:
        grids[-1].after = paragraphs
    return grids


def _docx_grid(table: Any, name: str, before: list[str]) -> Grid:
    """A Word table as a grid; ``w:gridSpan`` and ``w:vMerge`` become merged areas."""
    from docx.table import _Cell

    rows: list[list[Cell]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        row = [Cell("", (r, col)) for col in range(tr.grid_before)]
        for tc in tr.tc_lst:
            col = len(row)
            above = rows[r - 1][col] if r > 0 and col < len(rows[r - 1]) else None
            if tc.vMerge == "continue" and above is not None:
                cell = above
            else:
                cell = Cell(clean_cell(_Cell(tc, table).text), (r, col))
            row.extend([cell] * tc.grid_span)
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    for r, row in enumerate(rows):
        row.extend(Cell("", (r, col)) for col in range(len(row), width))
    return Grid(name=name, rows=rows, before=list(before), merged=True)


# -- Excel -------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_cell(value)


def _workbook_grids(data: bytes, label: str, *, fmt: str) -> Iterator[Grid]:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except BaseException as exc:  # calamine raises its own error types (and pyo3 panics) for bad files
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise TableParseError(f"无法读取文件 {label}：文件已损坏或不是有效的 {_KINDS[fmt]}文件") from exc
    for name in names:
        yield _sheet_grid(workbook, name, data, label, fmt)


def _sheet_grid(workbook: Any, name: str, data: bytes, label: str, fmt: str) -> Grid:
    try:
        sheet = workbook.get_sheet_by_name(name)
        values = sheet.to_python(skip_empty_area=False)
        ranges = getattr(sheet, "merged_cell_ranges", None)
        for index, row in enumerate(values):
            check_cells(row, label, name, index)
    except TableReadError as exc:
        raise TableParseError(str(exc)) from None
    except BaseException as exc:
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise TableParseError(f"无法读取文件 {label} 的工作表“{name}”：内容已损坏") from exc
    try:
        if ranges is None and fmt == XLSX:
            ranges = _openpyxl_merges(data, name)
        grid = make_grid(f"工作表“{name}”", [[_cell_text(v) for v in row] for row in values], merged=True)
        return apply_merges(grid, [(tuple(start), tuple(end)) for start, end in ranges or []])
    except Exception as exc:  # merged ranges that do not fit the sheet, unreadable merge records
        raise TableParseError(f"无法读取文件 {label} 的工作表“{name}”：合并单元格信息已损坏") from exc


def _openpyxl_merges(data: bytes, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Merged ranges through openpyxl, for python-calamine versions that do not report them."""
    import openpyxl

    worksheet = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return [
        ((rng.min_row - 1, rng.min_col - 1), (rng.max_row - 1, rng.max_col - 1))
        for rng in worksheet.merged_cells.ranges
    ]


# -- text extraction -----------------------------------------------------------------------------------


@dataclass
class _TextCell:
    lines: list[str]

    @property
    def text(self) -> str:
        return clean_cell("\n".join(self.lines))


@dataclass
class _TextCells:
    preface: list[str] = field(default_factory=list)
    cells: list[_TextCell] = field(default_factory=list)


def _split_cells(text: str) -> _TextCells:
    """Lines starting with a TAB open a cell; other lines continue the cell before them."""
    found = _TextCells()
    for line in text.splitlines():
        if line.startswith("\t"):
            found.cells.append(_TextCell([line[1:]]))
        elif found.cells:
            found.cells[-1].lines.append(line)
        elif line.strip():
            found.preface.append(line.strip())
    return found


def _split_trailing_notes(last: _TextCell) -> list[str]:
    """Note paragraphs after the table end up as continuation lines of its last cell; take them back."""
    for index, line in enumerate(last.lines[1:], start=1):
        if is_note(line):
            after = [clean_cell(rest) for rest in last.lines[index:] if rest.strip()]
            del last.lines[index:]
            return after
    return []


def read_text(text: str, *, name: str = "文本") -> Grid:
    """A text extraction of a Word table: one cell per TAB-led line, rows as wide as the header.

    Text without TAB-led lines is read as tab-separated rows (one table row per line).
    """
    text = text.lstrip("\ufeff")
    found = _split_cells(text)
    if not found.cells:
        return _read_tsv(text, name)
    texts = [cell.text for cell in found.cells]
    run = header_run(texts)
    if run is None:
        return Grid(name=name, rows=[], before=found.preface + [t for t in texts if t], merged=False)
    start, width = run
    after = _split_trailing_notes(found.cells[-1])
    texts = [cell.text for cell in found.cells]
    values = [texts[index : index + width] for index in range(start, len(texts), width)]
    grid = make_grid(name, values, merged=False, before=found.preface + [t for t in texts[:start] if t])
    grid.after = after
    return grid


def _read_tsv(text: str, name: str) -> Grid:
    lines = text.splitlines()
    first = next((index for index, line in enumerate(lines) if "\t" in line), None)
    if first is None:
        return Grid(name=name, rows=[], before=[line.strip() for line in lines if line.strip()], merged=False)
    before = [line.strip() for line in lines[:first] if line.strip()]
    values = [[clean_cell(cell) for cell in line.split("\t")] for line in lines[first:]]
    return make_grid(name, values, merged=False, before=before)


def read_csv(text: str, *, name: str = "CSV") -> Grid:
    rows = [[clean_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    return make_grid(name, rows, merged=False)
