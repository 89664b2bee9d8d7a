"""Hostile and odd office files, built in the tests: what careless offices and attackers send.

Each builder writes a small file (a few KB to a few MB) that would cost a naive reader gigabytes or
minutes: a value in the last cell of the sheet, a dimension claiming the whole sheet, a cell longer than
Excel allows, a zip that unpacks to far more than it weighs or claims to, a password, a legacy .xls
filled to its last cell.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HEADER = ["采购单位", "采购日期", "商品名称", "产地", "金额（元）", "订单号"]
ROW = ["周巷镇", "2022-03-15", "布拖苦荞茶", "布拖县", "100.00", "H-001"]


def _workbook(
    path: Path, extra: Callable[[openpyxl.worksheet.worksheet.Worksheet], None] | None = None
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(HEADER)
    sheet.append(ROW)
    if extra is not None:
        extra(sheet)
    workbook.save(path)
    return path


def _rewrite_sheet(
    path: Path, change: Callable[[bytes], bytes], *, compress: int = zipfile.ZIP_DEFLATED
) -> Path:
    source = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", compress) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = change(data)
            new.writestr(item.filename, data)
    return path


def far_value_xlsx(path: Path) -> Path:
    """One space in XFD1048576: the used range is the whole sheet (17 billion cells)."""
    return _workbook(path, lambda sheet: sheet.cell(row=1_048_576, column=16_384, value=" "))


def far_format_xlsx(path: Path) -> Path:
    """A bold but empty cell in XFD1048576 (an office accident): nothing to read there."""

    def bold(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet.cell(row=1_048_576, column=16_384).font = Font(bold=True)

    return _workbook(path, bold)


def huge_dimension_xlsx(path: Path) -> Path:
    """A sheet whose <dimension> claims A1:XFD1048576 over two rows of data."""
    _workbook(path)
    return _rewrite_sheet(
        path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
    )


def long_cell_xlsx(path: Path, chars: int = 40_000) -> Path:
    """A cell longer than Excel's 32,767 characters (a crafted file; Excel cannot make one)."""
    _workbook(path)
    filler = ("布拖" * chars)[:chars].encode()
    return _rewrite_sheet(
        path,
        lambda xml: xml.replace(
            b"</sheetData>",
            b'<row r="3"><c r="C3" t="inlineStr"><is><t>' + filler + b"</t></is></c></row></sheetData>",
        ),
    )


def zip_bomb_xlsx(path: Path, padding: int = 100 << 20) -> Path:
    """The sheet's XML padded with ``padding`` bytes of whitespace: ~100 KB on disk, 100 MB unpacked."""
    _workbook(path)
    return _rewrite_sheet(path, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + b" " * padding))


def lying_zip_xlsx(path: Path, claimed: int = 3 << 30) -> Path:
    """A workbook whose zip directory claims that its sheet unpacks to 3 GiB."""
    _workbook(path)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    start = 0
    while (found := data.find(b"PK\x01\x02", start)) != -1:  # central directory entries
        name_length = struct.unpack_from("<H", data, found + 28)[0]
        if bytes(data[found + 46 : found + 46 + name_length]) == name:
            struct.pack_into("<I", data, found + 24, claimed)
        start = found + 4
    path.write_bytes(bytes(data))
    return path


def password_xlsx(path: Path) -> Path:
    """A workbook with a password to open (an encrypted package, as Excel saves it)."""
    import msoffcrypto.format.ooxml

    plain = _workbook(path.with_name("plain-" + path.name))
    with plain.open("rb") as source, path.open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("密码123", target)
    plain.unlink()
    return path


def far_xls(path: Path) -> Path:
    """A legacy .xls with a value in its last cell (IV65536): 16.7 million cells."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    for col, title in enumerate(HEADER):
        sheet.write(0, col, title)
    for col, value in enumerate(ROW):
        sheet.write(1, col, value)
    sheet.write(65535, 255, " ")
    book.save(str(path))
    return path


#: name → (builder, what the refusal must mention)
REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "far_value": (far_value_xlsx, "XFD1048576"),
    "long_cell": (long_cell_xlsx, "32,767"),
    "zip_bomb": (zip_bomb_xlsx, "解压后"),
    "lying_zip": (lying_zip_xlsx, "解压后"),
    "password": (password_xlsx, "密码"),
    "far_xls": (far_xls, "请删除多余的行列和格式"),
}
#: odd but harmless: read as the two rows of data they hold
READABLE = {"far_format": far_format_xlsx, "huge_dimension": huge_dimension_xlsx}
