"""Opening a purchase ledger: find each sheet's header, then stream its rows, classified.

Pure Python, no Django. ``open_ledger`` reads only what it needs to find the headers (the first rows of
each sheet; a workbook is read by python-calamine in a limited child process, which keeps each loaded
sheet until ``rows()`` has gone through it — see ``bangfu.common.workbooks``); ``LedgerFile.rows()`` is a
generator, so a million-row file is never held as a million row objects.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from bangfu.common.tables import (
    SUFFIXES,
    csv_head,
    detect_encoding,
    file_digest,
    file_kind,
    fill_merged,
    merged_fill,
    open_excel,
    open_text,
    undecodable_error,
)
from bangfu.common.text import csv_error_text, os_error_text

from .channels import PLATFORM_832, guess_channel
from .headers import (
    AMOUNT_SCALES,
    HEADER_SCAN_ROWS,
    amount_unit_in,
    find_header,
    header_text,
    origin_by_content,
    reporting_unit_in,
    state_columns,
    title_text,
    year_in,
)
from .model import CHANNELS, ChannelGuess, Confidence, LedgerReadError, LedgerRow, SheetLayout
from .rows import classify_rows
from .values import cell_text, normalise_channel

# Columns whose merged cells (one value over several rows) hold the value of every row they cover. Not
# amounts, quantities or order numbers: an amount merged over an order's lines is the order's, once.
_FILL_MERGED = (
    "purchaser",
    "date",
    "product",
    "supplier",
    "origin",
    "channel",
    "category",
    "status",
    "remarks",
)
_SUMMARY_FIELDS = frozenset({"purchaser", "amount", "remarks", "quantity", "category", "channel"})
#: Fields that identify a purchase: a sheet with none of them lists sums, not purchases.
_IDENTIFYING = frozenset({"product", "order_no", "supplier"})
#: Words in a sheet's name that make it a summary of the others.
_SUMMARY_SHEET_WORDS = ("汇总", "合计", "统计", "总表", "小计")


class LedgerFile:
    """An opened ledger: its sheets' layouts, warnings and hints, and :meth:`rows`.

    Not thread-safe; iterate :meth:`rows` from one thread at a time (it may be iterated again).
    """

    name: str
    sha256: str
    size: int
    #: "excel" or "csv".
    format: str
    #: For CSV: "utf-8", "utf-8-sig", "gb18030" (read as a superset of GBK), "utf-16" (with a BOM),
    #: "utf-16-le" or "utf-16-be" (without); else None.
    encoding: str | None
    #: For CSV: ",", "\t" or ";"; else None.
    delimiter: str | None
    #: Each sheet with a header, in file order; its ``mapping`` is the column report.
    sheets: list[SheetLayout]
    #: Chinese, naming the file or sheet. Found while opening, and — for a CSV whose quote is not closed
    #: — while reading rows: read them after :meth:`rows` has been consumed (each appears once).
    warnings: list[str]
    #: The first sheet's reporting unit ("填报单位：XX"), or a cover sheet's; per sheet:
    #: ``SheetLayout.reporting_unit``.
    reporting_unit_hint: str | None
    #: The channel of the file's purchases, with its confidence and the evidence (see ``channels``);
    #: each sheet has its own (``SheetLayout.channel_guess``), which is what its rows default to.
    channel_guess: ChannelGuess

    def __init__(
        self,
        path: Path,
        *,
        sha256: str,
        size: int,
        format: str,
        encoding: str | None = None,
        delimiter: str | None = None,
        default_purchaser: str | None = None,
        place_of: Callable[[str], object | None] | None = None,
    ) -> None:
        self.path = path
        self.place_of = place_of
        self.name = path.name
        self.sha256 = sha256
        self.size = size
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheets = []
        self.warnings = []
        self.reporting_unit_hint = None
        self.channel_guess = ChannelGuess("", Confidence.UNKNOWN, "")
        self.default_purchaser = default_purchaser
        self._workbook: Any = None
        self._cover_hint: str | None = None
        self._merged: dict[str, list[Any]] = {}
        self._heads: dict[str, list[list[str]]] = {}

    def __repr__(self) -> str:
        sheets = ", ".join(f"{s.name}@{s.header_row}" for s in self.sheets)
        return f"<LedgerFile {self.name} [{sheets}]>"

    @property
    def looks_like_832_export(self) -> bool:
        """Whether the file's purchases went through the 832 platform: stated, named or inferred."""
        return self.channel_guess.channel == PLATFORM_832

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def rows(self) -> Iterator[LedgerRow]:
        """Every row after the header of every sheet, in file order, each exactly once with its kind."""
        for layout in self.sheets:
            if self.format == "csv":
                yield from self._csv_rows(layout)
            else:
                yield from self._sheet_rows(layout)

    def _csv_rows(self, layout: SheetLayout) -> Iterator[LedgerRow]:
        assert self.encoding is not None and self.delimiter is not None
        with open_text(self.path, self.encoding) as handle:
            # csv.reader feeds the classifier directly: no Python generator in between on the hot path.
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                for _title_or_header in islice(reader, layout.header_row):
                    pass
                yield from classify_rows(
                    layout,
                    reader,
                    first_row=layout.header_row + 1,
                    typed=False,
                    default_purchaser=self.default_purchaser,
                    csv_line=lambda: reader.line_num,
                    csv_first_line=reader.line_num + 1,
                    delimiter=self.delimiter,
                    file_name=self.name,
                    warn=self._warn,
                )
            except UnicodeDecodeError as exc:
                raise undecodable_error(self.path, self.name, self.encoding) from exc
            except csv.Error as exc:
                raise LedgerReadError(
                    f"文件“{self.name}”第{reader.line_num}行不是有效的CSV：{csv_error_text(exc)}"
                ) from exc

    def _sheet_rows(self, layout: SheetLayout) -> Iterator[LedgerRow]:
        records: Iterator[list[Any]] = self._workbook.rows(layout.name)
        fill_columns = [layout.columns[name] for name in _FILL_MERGED if name in layout.columns]
        spans = merged_fill(self._merged.get(layout.name, ()), fill_columns, layout.header_row)
        if spans:
            records = fill_merged(records, spans)
        yield from classify_rows(
            layout,
            islice(records, layout.header_row, None),
            first_row=layout.header_row + 1,
            typed=True,
            default_purchaser=self.default_purchaser,
        )

    def close(self) -> None:
        """Stop the workbook's reader (rows() starts it again if called again)."""
        if self._workbook is not None:
            self._workbook.close()

    # --- building ----------------------------------------------------------------------------------

    def _add_sheet(
        self,
        sheet: str,
        head: list[list[str]],
        amount_unit_hint: str | None,
        *,
        year: int | None = None,
        stated: Mapping[int, str | None] | None = None,
    ) -> bool:
        """Find the header among the first rows of a sheet; False (with a warning) when there is none."""
        if not any(any(cell.strip() for cell in row) for row in head):
            self.warnings.append(f"工作表“{sheet}”是空表，已跳过")
            return False
        found = find_header(head)
        if found is None:
            self.warnings.append(f"工作表“{sheet}”未找到表头，已跳过")
            # A cover sheet may still say who reports ("填报单位：…").
            self._cover_hint = self._cover_hint or reporting_unit_in(head)
            return False
        index, mapped = found
        if stated:
            state_columns(mapped, head[index], stated)
            if "amount" not in mapped.columns:
                self.warnings.append(f"工作表“{sheet}”按导入时指定的列没有金额列，已跳过")
                return False
        if self.place_of is not None and (
            entry := origin_by_content(mapped, head[index + 1 :], self.place_of)
        ):
            self.warnings.append(
                f"工作表“{sheet}”的“{entry.header}”列表头未识别，按内容（县名）当作产地列；如不是，请在导入时指定各列"
            )
        titles = [text for row in head[:index] if (text := title_text(row))]
        unit = mapped.amount_unit or amount_unit_in(titles) or (amount_unit_hint or "元")
        layout = SheetLayout(
            name=sheet,
            header_row=index + 1,
            headers=[header_text(cell) for cell in head[index]],
            columns=mapped.columns,
            amount_scale=AMOUNT_SCALES.get(unit, Decimal(1)),
            title_rows=titles,
            quantity_unit=mapped.quantity_unit,
            seq_column=mapped.seq_column,
            refund_columns=mapped.refund_columns,
            mapping=mapped.mapping,
            reporting_unit=reporting_unit_in(head[:index]),
            year=year_in(*titles) or year_in(sheet) or year_in(self.path.stem) or year,
        )
        self.sheets.append(layout)
        self._heads[sheet] = head
        if self.reporting_unit_hint is None:
            self.reporting_unit_hint = layout.reporting_unit
        return True

    def _finish(self, channel: str | None = None) -> None:
        if not self.sheets:
            details = "；".join(self.warnings)
            raise LedgerReadError(
                f"文件“{self.name}”中没有找到表头（需要金额列，以及采购单位、商品、日期或订单号之一）"
                + (f"：{details}" if details else "")
            )
        # A workbook with a detail sheet and a per-unit summary sheet (单位 + 金额, no date, product or
        # order number): the summary repeats the details' money and is not a list of purchases.
        # So is a sheet named as a summary (汇总, 合计, 统计 …) that has a month or date column but nothing
        # that identifies a purchase (product, order number, supplier), beside sheets that do.
        detailed = [s for s in self.sheets if "date" in s.columns]
        identified = [s for s in detailed if _IDENTIFYING & set(s.columns)]
        for layout in list(self.sheets):
            if "date" not in layout.columns and set(layout.columns) <= _SUMMARY_FIELDS and detailed:
                self.sheets.remove(layout)
                self.warnings.append(f"工作表“{layout.name}”没有日期、商品和订单号列，视为汇总表，已跳过")
            elif (
                any(word in layout.name for word in _SUMMARY_SHEET_WORDS)
                and set(layout.columns) <= _SUMMARY_FIELDS | {"date"}
                and any(other is not layout for other in identified)
            ):
                self.sheets.remove(layout)
                self.warnings.append(
                    f"工作表“{layout.name}”是汇总表（没有商品、订单号或供应商列），其中的金额不是采购记录，已跳过"
                )
        if self.reporting_unit_hint is None:
            self.reporting_unit_hint = self._cover_hint
        for layout in self.sheets:
            if layout.reporting_unit is None:
                layout.reporting_unit = self._cover_hint
            if "date" not in layout.columns:
                self.warnings.append(f"工作表“{layout.name}”没有日期列，其中的行都将被拒绝")
            if "purchaser" not in layout.columns and not self.default_purchaser:
                if layout.reporting_unit:
                    self.warnings.append(
                        f"工作表“{layout.name}”没有采购单位列，各行的采购单位取填报单位“{layout.reporting_unit}”"
                    )
                else:
                    self.warnings.append(f"工作表“{layout.name}”没有采购单位列，请在导入时指定采购单位")
        self.channel_guess, per_sheet = guess_channel(
            file_name=self.name,
            layouts=self.sheets,
            heads=[self._heads[layout.name] for layout in self.sheets],
            stated=channel,
        )
        for layout, guess in zip(self.sheets, per_sheet, strict=True):
            layout.channel_guess = guess
        self._heads.clear()
        if self.channel_guess.confidence == Confidence.INFERRED:
            reason = self.channel_guess.reason
            evidence = "其" + reason.removeprefix("文件的") if reason.startswith("文件的") else reason
            self.warnings.append(
                f"文件“{self.name}”没有写明来自832平台，但{evidence}，已按832平台订单处理；"
                "如不是，请在导入时指定采购渠道"
            )


def open_ledger(
    path: str | Path,
    *,
    amount_unit_hint: str | None = None,
    default_purchaser: str | None = None,
    channel: str | None = None,
    year: int | None = None,
    columns: Mapping[str, Mapping[int, str | None]] | None = None,
    place_of: Callable[[str], object | None] | None = None,
) -> LedgerFile:
    """Open a ledger or platform export (.xlsx, .xls, .csv in UTF-8, UTF-8 with BOM, GBK/GB18030 or
    UTF-16).

    ``amount_unit_hint`` ("元" or "万元") is the unit of bare amounts when neither the amount header
    nor a title row ("单位：万元") says. ``default_purchaser`` fills rows without a purchaser (before the
    sheet's "填报单位" line does). ``channel`` (one of ``CHANNELS``; "832" is "832平台") is the caller's
    word on the file's channel and wins over what the file suggests (``channel_guess`` is then
    "stated"). ``year`` is the year of months written without one ("3月份") when the sheet's titles,
    its name and the file name name none. ``columns`` is the caller's word on columns, per sheet name (a
    CSV's sheet is its file name without the suffix): {0-based column: field, or None for "no field"};
    it applies once the sheet's header row is found, and names of sheets the file lacks are ignored.
    ``place_of`` (a cell → the county it names, or None) lets a column whose header names nothing known
    be taken as the origin when most of its cells are county names (said in ``warnings`` and in the
    column's mapping); without it only headers decide.

    Raises :class:`LedgerReadError` (a Chinese message naming the file) for an unreadable or unsupported
    file, or when no sheet has a recognisable header; ValueError for invalid arguments.
    """
    if amount_unit_hint not in (None, "元", "万元"):
        raise ValueError(f"amount_unit_hint must be '元' or '万元', not {amount_unit_hint!r}")
    stated_channel = None
    if channel is not None:
        stated_channel = normalise_channel(channel)
        if stated_channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LedgerReadError(
            f"不支持文件“{name}”的类型（{suffix or '无扩展名'}）；请提供 .xlsx、.xls 或 .csv 文件"
        )
    try:
        sha256, head, size = file_digest(path)
    except FileNotFoundError:
        raise LedgerReadError(f"文件“{name}”不存在") from None
    except IsADirectoryError:
        raise LedgerReadError(f"“{name}”是文件夹，不是文件") from None
    except OSError as exc:
        raise LedgerReadError(f"无法读取文件“{name}”：{os_error_text(exc)}") from exc
    if size == 0:
        raise LedgerReadError(f"文件“{name}”是空文件")
    columns = columns or {}
    kind = file_kind(name, head)
    if kind == "excel":
        ledger = LedgerFile(
            path,
            sha256=sha256,
            size=size,
            format="excel",
            default_purchaser=default_purchaser,
            place_of=place_of,
        )
        workbook = ledger._workbook = open_excel(path, name, head, head_rows=HEADER_SCAN_ROWS)
        for sheet in workbook.sheets:
            first = [
                [cell if type(cell) is str else cell_text(cell) for cell in record] for record in sheet.rows
            ]
            if ledger._add_sheet(
                sheet.name, first, amount_unit_hint, year=year, stated=columns.get(sheet.name)
            ):
                ledger._merged[sheet.name] = sheet.merged
    else:
        encoding = detect_encoding(path, name)
        first, delimiter = csv_head(path, name, encoding, HEADER_SCAN_ROWS)
        ledger = LedgerFile(
            path,
            sha256=sha256,
            size=size,
            format="csv",
            encoding=encoding,
            delimiter=delimiter,
            default_purchaser=default_purchaser,
            place_of=place_of,
        )
        ledger._add_sheet(path.stem, first, amount_unit_hint, year=year, stated=columns.get(path.stem))
    ledger._finish(stated_channel)
    return ledger
