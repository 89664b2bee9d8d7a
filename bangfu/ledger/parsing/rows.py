"""Classifying the rows after a header: record, rejected (with the reason), blank, total, note, cancelled.

Pure Python, no Django. This is the per-row hot path of an import (a million-row platform export must
take a few seconds), so :func:`classify_rows` keeps everything in local variables and tries the common
case first; the general parsers only run when the fast path fails.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from typing import Any

from bangfu.common.dates import excel_serial_to_date, parse_date_text

from .headers import header_text
from .model import LedgerRow, PurchaseFields, RowKind, SheetLayout
from .values import (
    AmountError,
    amount_to_fen,
    cell_text,
    mentions_refund,
    normalise_category,
    normalise_channel,
    normalise_order_key,
    number_text,
    parse_quantity,
    remark_cancels,
    status_cancels,
    tidy_text,
)

_TOTAL_WORDS = ("小计", "合计", "总计", "共计", "累计")
# A cell ending in a total word is a total only when short ("周巷镇小计"), not a sentence that mentions one.
_TOTAL_SUFFIX_MAX = 20
_NOTE_RE = re.compile(
    r"(?:备注|附注|注|说明)\s*[:：]|(?:填表说明|填表人|填报人|审核人|审批人|联系人|联系电话|制表|负责人|"
    r"单位负责人|经办人|分管领导|填报日期|填表日期|报送日期)"
)
_NOTE_FIRST_CHARS = frozenset("备附注说填审联制负单经分报")
_SPACES_RE = re.compile(r"\s+")
# A section label on a row of its own: "一、食堂食材", "（二）工会慰问品", "第三部分".
_SECTION_RE = re.compile(
    r"[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）]|第[一二三四五六七八九十]+[部分类批]"
)
_DATE_CACHE_SIZE = 8192

_MIN_SERIAL = 18264  # 1950-01-01
_datetime = datetime.datetime
_date = datetime.date


def _date_from_text(text: str, cache: dict[str, datetime.date]) -> datetime.date:
    """A date cell's text (stripped, not found in ``cache``) as a date; raises ValueError.

    Platform exports write a time of day ("2022-03-15 10:23:11"): those are cached by their first ten
    characters, so a million distinct timestamps cost one parse per day, not one per row.
    """
    key = text
    if len(text) > 10 and text[10] in " T" and text[11:].replace(":", "").isdecimal():
        key = text[:10]
        found = cache.get(key)
        if found is not None:
            return found
    found = parse_date_text(key)
    if len(cache) >= _DATE_CACHE_SIZE:
        cache.clear()
    cache[key] = found
    return found


def _typed_date(value: Any) -> datetime.date | None:
    """The date of a typed spreadsheet cell, or None for text; raises ValueError for a number that is
    no plausible date.

    A number is an Excel serial day (44635 = 2022-03-15) or an eight-digit date typed as a number
    (20220315). A serial before 1950 is refused: it is a typing slip such as 2022.0315 (which Excel stores
    as a number and would be day 2022, in 1905), not a purchase date.
    """
    kind = type(value)
    if kind is _date:
        return value
    if kind is _datetime:
        return value.date()
    if kind is float or kind is int:
        if 10000101 <= value <= 99991231 and value == int(value):
            return parse_date_text(str(int(value)))
        if value < _MIN_SERIAL:
            raise ValueError(value)
        return excel_serial_to_date(value)
    return None


def _remember(cache: dict[str, bool], status: str) -> bool:
    """Whether ``status`` cancels an order, remembered in ``cache`` (a file has few distinct statuses)."""
    cancels = status_cancels(status)
    if len(cache) < 1024:
        cache[status] = cancels
    return cancels


def _is_column_numbers(cells: list[str]) -> bool:
    """A row of column numbers (1, 2, 3 …) under a form's header ("栏次"), which is not data."""
    numbers = [cell.strip() for cell in cells if cell.strip()]
    return len(numbers) >= 3 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def classify_rows(
    layout: SheetLayout,
    records: Iterable[list[Any]],
    *,
    first_row: int,
    typed: bool,
    default_purchaser: str | None = None,
) -> Iterator[LedgerRow]:
    """Classify each record of one sheet; ``first_row`` is the 1-based row number of the first.

    ``records`` are lists of cells: text (CSV) or, with ``typed``, values as python-calamine returns
    them (floats, dates, datetimes …), whose text form becomes ``raw``.
    """
    sheet = layout.name
    headers = layout.headers
    columns = layout.columns
    where = f"工作表“{sheet}”第"
    scale = layout.amount_scale
    fen_scale = int(scale)  # 1 or 10000: a bare amount in fen times this
    amount_col = columns.get("amount", -1)
    date_col = columns.get("date", -1)
    purchaser_col = columns.get("purchaser", -1)
    product_col = columns.get("product", -1)
    supplier_col = columns.get("supplier", -1)
    origin_col = columns.get("origin", -1)
    channel_col = columns.get("channel", -1)
    category_col = columns.get("category", -1)
    quantity_col = columns.get("quantity", -1)
    unit_col = columns.get("quantity_unit", -1)
    order_col = columns.get("order_no", -1)
    remarks_col = columns.get("remarks", -1)
    status_col = columns.get("status", -1)
    refund_cols = tuple(layout.refund_columns)
    seq_col = layout.seq_column
    default_unit = layout.quantity_unit
    default_purchaser = (default_purchaser or "").strip()
    # Cells in these columns may mention 合计 in passing ("共计3箱" in a remark) without being totals.
    not_total_cols = {remarks_col, product_col, supplier_col, status_col} - {-1}
    need = max(len(headers), *(col + 1 for col in (*columns.values(), *refund_cols, seq_col or 0)))
    padding = [""] * need
    date_cache: dict[str, datetime.date] = {}
    status_cache: dict[str, bool] = {}
    after_note = False  # lines under a note row ("说明：" then "1、…") are notes too
    record_kind = RowKind.RECORD
    rejected_kind = RowKind.REJECTED
    cancelled_kind = RowKind.CANCELLED
    amount_header = headers[amount_col] if amount_col >= 0 else ""
    date_header = headers[date_col] if date_col >= 0 else ""
    purchaser_header = headers[purchaser_col] if purchaser_col >= 0 else ""

    rowno = first_row - 1
    for values in records:
        rowno += 1
        if typed:
            cells = [value if type(value) is str else cell_text(value) for value in values]
            raw = tuple(cells)
            if len(values) < need:
                values = values + padding[len(values) :]
        else:
            cells = values
            raw = tuple(cells)
        if len(cells) < need:
            cells = cells + padding[len(cells) :]
        joined = "".join(cells)

        # --- rows that are not purchases -----------------------------------------------------------
        if not joined or joined.isspace():
            yield LedgerRow(sheet, rowno, raw, RowKind.BLANK, f"{where}{rowno}行：空行")
            continue
        if "计" in joined:
            total = ""
            for col, cell in enumerate(cells):
                if "计" in cell and col not in not_total_cols:
                    text = _SPACES_RE.sub("", cell)
                    if text.startswith(_TOTAL_WORDS) or (
                        len(text) <= _TOTAL_SUFFIX_MAX and text.endswith(_TOTAL_WORDS)
                    ):
                        total = text
                        break
            if total:
                yield LedgerRow(
                    sheet, rowno, raw, RowKind.TOTAL, f"{where}{rowno}行：“{total}”行是合计，不是采购记录"
                )
                continue
        first = cells[0].strip()
        if not first:
            first = next((text for cell in cells if (text := cell.strip())), "")
        if first[0] in _NOTE_FIRST_CHARS and _NOTE_RE.match(first):
            after_note = True
            shown = first if len(first) <= 30 else first[:30] + "…"
            yield LedgerRow(
                sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：“{shown}”是说明，不是采购记录"
            )
            continue
        if rowno == first_row and _is_column_numbers(cells):
            yield LedgerRow(sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：栏次编号行，不是采购记录")
            continue

        status = cells[status_col].strip() if status_col >= 0 else ""
        remarks = cells[remarks_col].strip() if remarks_col >= 0 else ""
        if status and (
            cancels if (cancels := status_cache.get(status)) is not None else _remember(status_cache, status)
        ):
            yield LedgerRow(
                sheet, rowno, raw, cancelled_kind,
                f"{where}{rowno}行“{headers[status_col]}”列：订单“{status}”，已取消、退款或关闭，不计为采购",
            )  # fmt: skip
            continue
        cancelled = ""
        if refund_cols:
            for col in refund_cols:
                text = cells[col].strip()
                if text and status_cancels(text):
                    cancelled = f"{where}{rowno}行“{headers[col]}”列：“{text}”，已退款或退货，不计为采购"
                    break
        if remarks and not cancelled and remark_cancels(remarks):
            cancelled = (
                f"{where}{rowno}行“{headers[remarks_col]}”列：备注“{remarks}”，已取消或退款，不计为采购"
            )
        if cancelled:
            yield LedgerRow(sheet, rowno, raw, cancelled_kind, cancelled)
            continue

        # --- amount ---------------------------------------------------------------------------------
        if amount_col < 0:  # cannot happen: a header always has an amount column
            yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行：表中没有金额列")
            continue
        if typed and type(values[amount_col]) is not str:
            amount_text = number_text(values[amount_col])
        else:
            amount_text = cells[amount_col].strip()
        if not amount_text:
            filled = [col for col, cell in enumerate(cells) if cell.strip()]
            if len(filled) == 1 and filled[0] in (seq_col, 0) and cells[filled[0]].strip().isdigit():
                yield LedgerRow(sheet, rowno, raw, RowKind.BLANK, f"{where}{rowno}行：只有序号的空行")
                continue
            if after_note and len(filled) == 1:  # "1、金额单位为元" under a "说明：" row
                shown = first if len(first) <= 30 else first[:30] + "…"
                yield LedgerRow(
                    sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：“{shown}”是说明，不是采购记录"
                )
                continue
            if len(filled) == 1 and _SECTION_RE.match(first):
                yield LedgerRow(
                    sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：“{first}”是分类标题，不是采购记录"
                )
                continue
            yield LedgerRow(
                sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{amount_header}”列：金额为空"
            )
            continue
        # Fast path for "1280.35" and "1280" (also in full-width digits): integer arithmetic only.
        digits = amount_text[:-3] + amount_text[-2:] if amount_text[-3:-2] == "." else amount_text + "00"
        if digits.isdecimal():
            fen = int(digits) * fen_scale
        else:
            try:
                fen = amount_to_fen(amount_text, scale)
            except AmountError as exc:
                if [header_text(cell) for cell in cells[: len(headers)]] == headers:
                    yield LedgerRow(
                        sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：重复的表头行，不是采购记录"
                    )
                else:
                    yield LedgerRow(
                        sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{amount_header}”列：{exc}"
                    )
                continue
        if fen <= 0:
            if mentions_refund(status) or mentions_refund(remarks):
                yield LedgerRow(
                    sheet, rowno, raw, cancelled_kind,
                    f"{where}{rowno}行“{amount_header}”列：金额“{amount_text}”为退款，不计为采购",
                )  # fmt: skip
            else:
                yield LedgerRow(
                    sheet, rowno, raw, rejected_kind,
                    f"{where}{rowno}行“{amount_header}”列：金额“{amount_text}”必须大于0",
                )  # fmt: skip
            continue

        # --- date -----------------------------------------------------------------------------------
        if date_col < 0:
            yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行：表中没有日期列")
            continue
        date = None
        if typed:
            try:
                date = _typed_date(values[date_col])
            except ValueError:
                shown = cells[date_col].strip()
                yield LedgerRow(
                    sheet,
                    rowno,
                    raw,
                    rejected_kind,
                    f"{where}{rowno}行“{date_header}”列：“{shown}”不是有效日期",
                )
                continue
        if date is None:
            date_text = cells[date_col].strip()
            # "2022-03-15 10:23:11": the date part is cached; the time is only checked to be digits.
            if len(date_text) > 10 and date_text[10] in " T" and date_text[11:].replace(":", "").isdecimal():
                date = date_cache.get(date_text[:10])
            else:
                date = date_cache.get(date_text)
            if date is None:
                if not date_text:
                    yield LedgerRow(
                        sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{date_header}”列：日期为空"
                    )
                    continue
                try:
                    date = _date_from_text(date_text, date_cache)
                except ValueError:
                    yield LedgerRow(
                        sheet, rowno, raw, rejected_kind,
                        f"{where}{rowno}行“{date_header}”列：“{date_text}”不是有效日期",
                    )  # fmt: skip
                    continue

        # --- purchaser ------------------------------------------------------------------------------
        purchaser = cells[purchaser_col].strip() if purchaser_col >= 0 else ""
        if not purchaser:
            if default_purchaser:
                purchaser = default_purchaser
            elif purchaser_col >= 0:
                yield LedgerRow(
                    sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{purchaser_header}”列：采购单位为空"
                )
                continue
            else:
                yield LedgerRow(
                    sheet,
                    rowno,
                    raw,
                    rejected_kind,
                    f"{where}{rowno}行：表中没有采购单位列，导入时也未指定采购单位",
                )
                continue

        # --- the other fields -----------------------------------------------------------------------
        product = cells[product_col].strip() if product_col >= 0 else ""
        supplier = cells[supplier_col].strip() if supplier_col >= 0 else ""
        origin = cells[origin_col].strip() if origin_col >= 0 else ""
        channel = normalise_channel(cells[channel_col]) if channel_col >= 0 else ""
        category = normalise_category(cells[category_col]) if category_col >= 0 else ""
        order_no = cells[order_col].strip() if order_col >= 0 else ""
        quantity = None
        unit = cells[unit_col].strip() if unit_col >= 0 else ""
        if quantity_col >= 0:
            if typed and type(values[quantity_col]) is not str:
                quantity_text = number_text(values[quantity_col])
            else:
                quantity_text = cells[quantity_col].strip()
            if quantity_text:
                quantity, written_unit = parse_quantity(quantity_text)
                unit = unit or written_unit
        if "\n" in joined or "\r" in joined:
            purchaser, product, supplier, origin, remarks, unit = (
                tidy_text(purchaser), tidy_text(product), tidy_text(supplier), tidy_text(origin),
                tidy_text(remarks), tidy_text(unit),
            )  # fmt: skip
        yield LedgerRow(
            sheet,
            rowno,
            raw,
            record_kind,
            "",
            PurchaseFields(
                purchaser,
                date,
                fen,
                product,
                supplier,
                origin,
                channel,
                category,
                quantity,
                unit or (default_unit if quantity is not None else ""),
                order_no,
                order_no.upper()
                if order_no.isascii() and order_no.isalnum()
                else normalise_order_key(order_no),
                remarks,
                status,
            ),
        )
