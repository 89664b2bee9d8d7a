"""Getting rows out of spreadsheet and CSV files (shared by the ledger and county-list importers): what a file really is, CSV encodings and delimiters, python-calamine.

Pure Python, no Django. Offices rename files freely (an .xlsx saved as .xls, a tab-separated text saved
as .xls), so the format is decided by the file's first bytes, not by its name.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from .text import csv_error_text, os_error_text


class TableReadError(Exception):
    """A file that cannot be read at all. The message is for the user, in Chinese, and names the file.

    Raised in a reader's child process too, and raised again in the parent with the same message."""


_EXACT_FLOAT_INT = 2**53


def float_text(value: float) -> str:
    """A float cell as text: integral values without ``.0`` (``1280.0`` → ``"1280"``), others via ``str()``.

    Integral floats above 2**53 are not exact integers any more; they are written from their shortest
    repr (``1.2345678901234567e+19`` → ``"12345678901234567000"``) rather than from binary noise.
    """
    if value.is_integer():
        if -_EXACT_FLOAT_INT < value < _EXACT_FLOAT_INT:
            return str(int(value))
        return str(int(Decimal(repr(value))))
    return str(value)


def cell_text(value: object) -> str:
    """A spreadsheet cell (as python-calamine returns it) as the text a person sees."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is float:
        return float_text(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is datetime.datetime:
        return value.isoformat(sep=" ")  # type: ignore[attr-defined]
    if kind is datetime.date or kind is datetime.time:
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".csv", ".txt", ".tsv"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKUP_STARTS = (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head")
#: How much of a CSV is decoded to choose its encoding and delimiter.
SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", "\t", ";")


def file_digest(path: Path) -> tuple[str, bytes, int]:
    """(sha256 hex digest, the first bytes, size) of a file, read in chunks."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if not head:
                head = chunk[:64]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), head, size


def file_kind(name: str, head: bytes) -> str:
    """Return "excel" or "text" from a file's first bytes; TableReadError for what no reader here can read."""
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return "excel"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_MARKUP_STARTS):
        raise TableReadError(
            f"文件“{name}”实际是网页（HTML/XML）格式，不是真正的Excel表格；请用Excel打开后另存为 .xlsx 再导入"
        )
    if head.startswith(b"%PDF"):
        raise TableReadError(f"文件“{name}”是PDF文件，无法读取其中的表格；请提供 .xlsx、.xls 或 .csv 文件")
    return "text"


# --- CSV --------------------------------------------------------------------------------------------


def _utf16_without_bom(sample: bytes, complete: bool) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 text without a BOM, else None.

    Digits, delimiters and line breaks are ASCII: in UTF-16 each has a zero byte, always on the same side
    of the pair (the odd bytes for little-endian), while Chinese characters rarely have one.
    """
    pairs = len(sample) // 2
    if not pairs:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= 0.1 * pairs and others <= 0.01 * pairs:
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
            except UnicodeDecodeError:
                return None
            controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
            return encoding if "\n" in text and controls <= 0.01 * len(text) else None
    return None


def detect_encoding(path: Path, name: str) -> str:
    """Return "utf-8-sig" (BOM), "utf-16" (BOM), "utf-8", "gb18030" (a superset of GBK), or "utf-16-le" /
    "utf-16-be" (UTF-16 without a BOM, as some platforms export), from the first MiB.

    The sample may end inside a multi-byte character; an incremental decoder that is not told the input
    is final accepts that, so a cut UTF-8 sample is not mistaken for GB18030.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        complete = not handle.read(1)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample, complete)
        if utf16 is not None:
            return utf16
        raise TableReadError(f"文件“{name}”不是文本表格（含有二进制内容），无法按CSV读取")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        return encoding
    raise TableReadError(f"无法识别文件“{name}”的文字编码（既不是UTF-8，也不是GBK/GB18030）")


def detect_delimiter(lines: list[str]) -> str:
    """Comma, tab or semicolon: the one that occurs most often in the first lines (comma on a tie)."""
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    return path.open("r", encoding=encoding, newline="")


def undecodable_line(path: Path, encoding: str) -> int:
    """The 1-based line of the first byte that ``encoding`` cannot decode (0 if none); for messages."""
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
    return 0


def undecodable_error(path: Path, name: str, encoding: str) -> TableReadError:
    line = undecodable_line(path, encoding)
    where = f"第{line}行" if line else ""
    return TableReadError(
        f"文件“{name}”{where}有无法按{encoding}编码识别的文字；请另存为UTF-8或GBK编码的CSV后再导入"
    )


def csv_head(path: Path, name: str, encoding: str, rows: int) -> tuple[list[list[str]], str]:
    """The first ``rows`` records and the delimiter (decided from the first lines)."""
    try:
        with open_text(path, encoding) as handle:
            lines = list(islice(handle, rows * 2))
            delimiter = detect_delimiter(lines)
            handle.seek(0)
            head = list(islice(csv.reader(handle, delimiter=delimiter), rows))
    except UnicodeDecodeError as exc:
        raise undecodable_error(path, name, encoding) from exc
    except csv.Error as exc:
        raise TableReadError(f"文件“{name}”开头不是有效的CSV：{csv_error_text(exc)}") from exc
    return head, delimiter


# --- Excel ---------------------------------------------------------------------------------------
# Excel files are read by python-calamine in a limited child process: see ``bangfu.common.workbooks``.


def open_excel(path: Path, name: str, head: bytes, *, head_rows: int) -> Any:
    """An Excel file opened safely (:class:`bangfu.common.workbooks.Workbook`): its worksheets' first
    ``head_rows`` rows are read; ``rows(sheet)`` streams the rest. Refusals are :class:`TableReadError`."""
    from .workbooks import Workbook

    return Workbook(path, name=name, head=head, head_rows=head_rows)


def merged_fill(
    merged: Iterable[tuple[tuple[int, int], tuple[int, int]]], columns: Iterable[int], first_row: int
) -> dict[int, list[tuple[int, int]]]:
    """Vertical merged areas in ``columns`` below ``first_row`` (0-based): top row → [(column, last row)].

    A unit or a date written once in a cell merged over several purchases belongs to each of them.
    """
    wanted = set(columns)
    spans: dict[int, list[tuple[int, int]]] = {}
    for (top, left), (bottom, _right) in merged:
        if bottom > top >= first_row and left in wanted:
            spans.setdefault(top, []).append((left, bottom))
    return spans


def fill_merged(records: Iterator[list[Any]], spans: dict[int, list[tuple[int, int]]]) -> Iterator[list[Any]]:
    """Copy the value of each merged area's top cell into the empty cells it covers below."""
    active: dict[int, tuple[Any, int]] = {}  # column → (value, last row)
    for index, record in enumerate(records):
        for col, bottom in spans.get(index, ()):
            if col < len(record):
                active[col] = (record[col], bottom)
        if active:
            for col, (value, bottom) in list(active.items()):
                if index > bottom:
                    del active[col]
                elif col < len(record) and record[col] == "":
                    record[col] = value
        yield record


#: Rows :func:`table_rows` reads at most: its files (county lists, base values, activity records) are lists
#: of units or events, never of purchases; a file beyond this is refused rather than held in memory.
MAX_TABLE_ROWS = 200_000


def table_rows(path: Path, *, max_rows: int = MAX_TABLE_ROWS) -> Iterator[tuple[str, int, list[str]]]:
    """Every row of every worksheet (or of the CSV) as text: (sheet name, 1-based row number, cells).

    For small files such as county lists, base values and activity records (at most ``max_rows`` rows,
    else :class:`TableReadError`); the ledger importer uses the pieces above directly, streaming.
    """
    name = path.name
    try:
        _digest, head, _size = file_digest(path)
    except OSError as exc:
        raise TableReadError(f"无法读取文件“{name}”：{os_error_text(exc)}") from exc
    too_many = TableReadError(f"文件“{name}”超过 {max_rows:,} 行，超出此类表格的上限；请拆分后分别导入")
    if file_kind(name, head) == "text":
        encoding = detect_encoding(path, name)
        _head, delimiter = csv_head(path, name, encoding, 20)
        try:
            with open_text(path, encoding) as handle:
                reader = csv.reader(handle, delimiter=delimiter)
                for number, record in enumerate(reader, start=1):
                    if number > max_rows:
                        raise too_many
                    yield path.stem, number, record
        except UnicodeDecodeError as exc:
            raise undecodable_error(path, name, encoding) from exc
        except csv.Error as exc:
            raise TableReadError(f"文件“{name}”不是有效的CSV：{csv_error_text(exc)}") from exc
        return
    from .workbooks import workbook_rows

    for count, (sheet, number, record) in enumerate(workbook_rows(path, name=name, head=head), start=1):
        if count > max_rows:
            raise too_many
        yield sheet, number, [cell_text(value) for value in record]


def column_report(
    sheet: str, headers: list[str], found: dict[str, int], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Every column of a header row and what an importer took it for: ``{"sheet", "column" (1-based),
    "header", "field" (or None), "label" (the field's Chinese name, or "未识别")}`` — so that no column is
    ignored without saying so."""
    by_index = {index: name for name, index in found.items()}
    report = []
    for index, header in enumerate(headers):
        if not header.strip() and index not in by_index:
            continue
        name = by_index.get(index)
        report.append(
            {
                "sheet": sheet,
                "column": index + 1,
                "header": header.strip(),
                "field": name,
                "label": labels.get(name, name) if name else "未识别",
            }
        )
    return report
