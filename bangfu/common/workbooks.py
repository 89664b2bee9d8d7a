"""Reading Excel workbooks (.xlsx, .xlsm, .xls) safely: python-calamine in a limited child process.

Pure Python, no Django. Every Excel file that bangfu reads — ledgers, base-value sheets, activity lists,
county lists, task tables — is opened here:

1. **Before reading**, the package is checked without unpacking it (:func:`check_package`): an encrypted
   workbook (a password to open) gets its own message; a zip whose entries claim to unpack to more than
   :data:`MAX_UNPACKED_BYTES`, or one entry compressed more than :data:`MAX_RATIO` times (a zip bomb), is
   refused.
2. **While reading**, python-calamine runs in a child process (:mod:`bangfu.common.isolation`) whose
   memory and CPU time are limited. A sheet's *used range* is what calamine allocates; a formatted but
   empty cell far away costs nothing, but a value in XFD1048576 would make it ask for 512 GiB. The child
   refuses a sheet whose used range exceeds :data:`MAX_CELLS`, and a cell longer than Excel's own limit
   of 32,767 characters; if the child dies anyway, the sheet's XML is scanned (streaming, in this
   process) for the cell that stretched the range, and the refusal names it.
3. Rows then stream from the child in batches as python-calamine types them (str, float, int, bool,
   date, datetime, time), so neither process holds more than one loaded sheet and a batch.

Every refusal is one Chinese sentence naming the file (and the sheet and cell when known).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .isolation import FLUSH, Child, ChildFailed, Limits
from .tables import TableReadError

#: The used range (rows × columns) python-calamine may allocate for one sheet (~32 bytes a cell).
MAX_CELLS = 12_000_000
#: Excel's own limit for the text of one cell.
MAX_CELL_CHARS = 32_767
#: What the entries of a workbook may claim to unpack to, together and one by one.
MAX_UNPACKED_BYTES = 2 << 30
MAX_ENTRY_BYTES = 1 << 30
#: An entry larger than :data:`_RATIO_FLOOR` compressed more than this many times is a zip bomb.
MAX_RATIO = 400
_RATIO_FLOOR = 64 << 20
MAX_ENTRIES = 20_000
MAX_SHEETS = 500

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


#: A workbook that cannot be read; the message is for the user (Chinese) and names the file.
WorkbookError = TableReadError


class DamagedPackage(TableReadError):
    """A file that claims to be a zip package (.xlsx, .docx) but cannot be opened as one."""


# --- messages ------------------------------------------------------------------------------------


def password_message(name: str) -> str:
    return f"文件“{name}”设有打开密码，请取消密码后再导入"


def damaged_message(name: str) -> str:
    return f"无法读取Excel文件“{name}”：文件已损坏或不是Excel格式，请用Excel打开后另存为 .xlsx 再导入"


def extent_message(name: str, sheet: str, cell: str | None) -> str:
    where = f"（{cell}）" if cell else ""
    return f"文件“{name}”的工作表“{sheet}”范围异常{where}，请删除多余的行列和格式后再导入"


def column_letters(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 16383 → XFD)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based (row, column) → "B7"."""
    return f"{column_letters(col)}{row + 1}"


# --- before reading ------------------------------------------------------------------------------


def is_encrypted(source: Path | bytes, head: bytes) -> bool:
    """An Office file with a password to open: an OLE container holding an ``EncryptedPackage`` stream
    (an encrypted .xlsx or .docx keeps its name but is no zip any more)."""
    if not head.startswith(OLE_MAGIC):
        return False
    if isinstance(source, bytes):
        return _ENCRYPTED_PACKAGE in source
    with source.open("rb") as handle:
        previous = b""
        while chunk := handle.read(1 << 20):
            if _ENCRYPTED_PACKAGE in previous[-64:] + chunk:
                return True
            previous = chunk
    return False


def check_package(source: Path | bytes, name: str, head: bytes) -> None:
    """Refuse, before any library unpacks it, an encrypted file or a zip that would unpack to too much.

    ``source`` is the file's path or its bytes; ``head`` its first bytes."""
    if is_encrypted(source, head):
        raise WorkbookError(password_message(name))
    if not head.startswith(ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DamagedPackage(damaged_message(name)) from exc
    if len(entries) > MAX_ENTRIES:
        raise WorkbookError(f"文件“{name}”内部包含 {len(entries):,} 个部件，超出上限，文件可能已损坏")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MAX_ENTRY_BYTES or (entry.file_size > _RATIO_FLOOR and ratio > MAX_RATIO):
            raise WorkbookError(
                f"文件“{name}”解压后异常庞大（其中“{entry.filename}”达 {entry.file_size / 2**20:,.0f} MB），"
                "无法导入；请用Excel打开后另存为 .xlsx 再导入"
            )
    if total > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            f"文件“{name}”解压后达 {total / 2**20:,.0f} MB，超过 {MAX_UNPACKED_BYTES >> 20:,} MB 的上限；"
            "请拆分后分别导入"
        )


def far_cell(source: Path | bytes, sheet: str) -> str | None:
    """The far corner of a sheet's cells in an .xlsx (streaming scan of its XML), e.g. "XFD1048576";
    None when it cannot be found. Used only to name the culprit after a sheet could not be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as package:
            member = _sheet_member(package, sheet)
            if member is None:
                return None
            return _far_corner(package, member)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return None


def farthest_cell(source: Path | bytes) -> tuple[str, str] | None:
    """(sheet, far corner) of the worksheet of an .xlsx whose cells reach farthest; None if none found."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as package:
            workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
            best: tuple[int, str, str] | None = None
            for match in re.finditer(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"', workbook):
                sheet = match.group(1)
                member = _sheet_member(package, sheet)
                corner = _far_corner(package, member) if member else None
                if corner:
                    letters = corner.rstrip("0123456789")
                    area = _column_index(letters.encode()) * int(corner[len(letters) :])
                    if best is None or area > best[0]:
                        best = (area, sheet, corner)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return None
    return (best[1], best[2]) if best else None


def _far_corner(package: zipfile.ZipFile, member: str) -> str | None:
    try:
        max_row = max_col = 0
        with package.open(member) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                cut = data.rfind(b"<")
                cut = len(data) if cut <= 0 else cut
                for match in _CELL_REF.finditer(data, 0, cut):
                    max_col = max(max_col, _column_index(match.group(1)))
                    max_row = max(max_row, int(match.group(2)))
                tail = data[cut:]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return None
    return f"{column_letters(max_col - 1)}{max_row}" if max_row and max_col else None


def _column_index(letters: bytes) -> int:
    value = 0
    for byte in letters:
        value = value * 26 + (byte - 64)
    return value


def _sheet_member(package: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a worksheet, found through workbook.xml and its relationships."""
    try:
        workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = package.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    from xml.sax.saxutils import unescape

    rid = None
    for match in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        tag = match.group(0)
        found_name = re.search(r'\bname="([^"]*)"', tag)
        found_id = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
        if found_name and found_id and unescape(found_name.group(1), {"&quot;": '"'}) == sheet:
            rid = found_id.group(1)
            break
    if rid is None:
        return None
    for match in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = match.group(0)
        if re.search(rf'\bId="{re.escape(rid)}"', tag):
            target = re.search(r'\bTarget="([^"]*)"', tag)
            if target:
                value = target.group(1).lstrip("/")
                return value if value.startswith("xl/") else f"xl/{value}"
    return None


# --- the child's side ----------------------------------------------------------------------------


def _open(path: Path, head: bytes) -> Any:
    from python_calamine import CalamineWorkbook

    suffix = path.suffix.lower()
    matches = (head.startswith(ZIP_MAGIC) and suffix in (".xlsx", ".xlsm")) or (
        head.startswith(OLE_MAGIC) and suffix == ".xls"
    )
    if matches:
        return CalamineWorkbook.from_path(str(path))
    return CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))


def _library_error(name: str, exc: BaseException) -> WorkbookError | None:
    """A python-calamine error as a message for the user (its English text never reaches the user)."""
    from python_calamine import CalamineError

    if type(exc).__name__ == "PasswordError" or "password" in str(exc).lower():
        return WorkbookError(password_message(name))
    if isinstance(exc, CalamineError) or type(exc).__name__ == "PanicException":
        return WorkbookError(damaged_message(name))
    return None


def check_cells(record: list[Any], name: str, sheet: str, row: int) -> list[Any]:
    """The row (0-based ``row``), or :class:`WorkbookError` naming a cell longer than Excel allows."""
    for col, value in enumerate(record):
        if type(value) is str and len(value) > MAX_CELL_CHARS:
            raise WorkbookError(
                f"文件“{name}”的工作表“{sheet}”单元格 {cell_name(row, col)} 有 {len(value):,} 个字符，"
                f"超过Excel单元格 {MAX_CELL_CHARS:,} 个字符的上限，文件可能已损坏"
            )
    return record


def workbook_child(payload: dict[str, Any], commands: Iterator[Any]) -> Iterator[Any]:
    """The child: announce each worksheet with its first rows, then stream the rows asked for.

    Yields ``("loading", sheet)`` before loading a sheet, ``("sheet", name, pad, merged, head)`` once it
    is loaded (``pad``: empty columns left of the data, restored in every row; ``merged``: merged areas as
    ((top, left), (bottom, right)), 0-based), then waits for commands ``("rows", sheet, start)``, answered
    with the rows of ``sheet`` from 0-based row ``start`` on (lists of cells).
    """
    path, name, head_rows = Path(payload["path"]), payload["name"], payload["head_rows"]
    head = payload["head"]
    check_package(path, name, head)
    try:
        workbook = _open(path, head)
        from python_calamine import SheetTypeEnum

        names = [meta.name for meta in workbook.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]
    except BaseException as exc:
        error = _library_error(name, exc)
        if error is None:
            raise
        raise error from None
    if len(names) > MAX_SHEETS:
        raise WorkbookError(f"文件“{name}”有 {len(names):,} 个工作表，超出上限 {MAX_SHEETS}")
    loaded: dict[str, tuple[Any, int]] = {}
    for sheet in names:
        yield ("loading", sheet)
        yield FLUSH
        try:
            data = workbook.get_sheet_by_name(sheet)
        except BaseException as exc:
            error = _library_error(name, exc)
            if error is None:
                raise
            raise error from None
        height, width = data.height, data.width
        start = data.start or (0, 0)
        if (start[0] + height) * (start[1] + width) > MAX_CELLS:
            end = data.end or (start[0] + height - 1, start[1] + width - 1)
            raise WorkbookError(extent_message(name, sheet, cell_name(end[0], end[1])))
        pad = start[1] if data.start else 0
        merged = [((t, left), (b, r)) for (t, left), (b, r) in (data.merged_cell_ranges or ())]
        rows = []
        for index, record in enumerate(data.iter_rows()):
            if index >= head_rows:
                break
            rows.append(check_cells([""] * pad + record if pad else record, name, sheet, index))
        loaded[sheet] = (data, pad)
        yield ("sheet", sheet, pad, merged, rows)
    for command in commands:
        _verb, sheet, begin = command
        data, pad = loaded[sheet]
        prefix = [""] * pad
        for index, record in enumerate(data.iter_rows()):
            if index >= begin:
                yield check_cells(prefix + record if pad else record, name, sheet, index)


# --- the parent's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetHead:
    """A worksheet as first announced: its name, first rows and merged areas (0-based, padded)."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]


class Workbook:
    """An Excel file opened in a child process: :attr:`sheets` (their first rows), then :meth:`rows`.

    Raises :class:`WorkbookError` (one Chinese sentence) for anything that cannot be read, including a
    child that ran out of memory or time. Close it (or use it as a context manager) when done.
    """

    def __init__(
        self, path: Path, *, name: str, head: bytes, head_rows: int = 30, limits: Limits | None = None
    ) -> None:
        self.path = path
        self.name = name
        self.head = head
        self.head_rows = head_rows
        self.limits = limits or Limits.default()
        self.sheets: list[SheetHead] = []
        self._child: Child | None = None
        self._loading: str | None = None
        self._start()

    def _payload(self) -> dict[str, Any]:
        return {"path": str(self.path), "name": self.name, "head_rows": self.head_rows, "head": self.head}

    def _start(self) -> None:
        child = self._child = Child(
            "bangfu.common.workbooks:workbook_child", self._payload(), limits=self.limits
        )
        sheets: list[SheetHead] = []
        with self._translated():
            for item in child:
                if item[0] == "loading":
                    self._loading = item[1]
                else:
                    _kind, sheet, _pad, merged, rows = item
                    sheets.append(SheetHead(name=sheet, rows=rows, merged=merged))
        self._loading = None
        if not self.sheets:
            self.sheets = sheets

    def rows(self, sheet: str) -> Iterator[list[Any]]:
        """Every row of ``sheet`` from row 1, as python-calamine types the cells (streamed)."""
        known = next((s for s in self.sheets if s.name == sheet), None)
        if known is None:
            raise KeyError(sheet)
        if self._child is None or self._child.finished:
            self._start()
        child = self._child
        assert child is not None
        yield from known.rows
        if len(known.rows) < self.head_rows:
            return
        child.send(("rows", sheet, self.head_rows))
        self._loading = sheet
        complete = False
        try:
            with self._translated():
                yield from child
            complete = True
        finally:
            self._loading = None
            if not complete:  # abandoned midway: the child's answer is unread; start afresh next time
                self.close()

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _translated(self) -> _Translate:
        return _Translate(self)


def failure_message(exc: ChildFailed, *, name: str, limits: Limits) -> str:
    """What to tell the user when a reader's child died without naming a sheet."""
    if exc.reason == "cpu":
        return f"读取文件“{name}”超时（超过 {limits.cpu_seconds} 秒），文件可能过大或已损坏，请拆分后再导入"
    if exc.reason == "memory":
        return (
            f"文件“{name}”过大或结构异常，读取时超出内存上限（{limits.memory_bytes >> 20} MB）；"
            "请删除多余的行列和格式，或拆分后再导入"
        )
    return f"无法读取文件“{name}”：文件已损坏或格式异常"


class _Translate:
    """Turns a dead child into the user's message."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> Literal[False]:
        if not isinstance(exc, ChildFailed):
            return False
        book = self.workbook
        book.close()
        name, sheet = book.name, book._loading
        if exc.reason == "memory" and sheet is not None:
            cell = far_cell(book.path, sheet) if book.head.startswith(ZIP_MAGIC) else None
            raise WorkbookError(extent_message(name, sheet, cell)) from None
        if exc.reason == "crash":
            raise WorkbookError(damaged_message(name)) from None
        raise WorkbookError(failure_message(exc, name=name, limits=book.limits)) from None


def workbook_rows(path: Path, *, name: str, head: bytes) -> Iterator[tuple[str, int, list[Any]]]:
    """Every row of every worksheet: (sheet, 1-based row number, typed cells). For small files."""
    with Workbook(path, name=name, head=head) as book:
        for sheet in list(book.sheets):
            for number, record in enumerate(book.rows(sheet.name), start=1):
                yield sheet.name, number, record
