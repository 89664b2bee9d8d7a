"""Classifying the rows after a header: record, refund, rejected (with the reason), blank, total, note,
cancelled.

Pure Python, no Django. This is the per-row hot path of an import (a million-row platform export must
take a few seconds), so :func:`classify_rows` keeps everything in local variables and tries the common
case first; the general parsers only run when the fast path fails.

Refunds and cancelled orders — the rule
---------------------------------------
A line is a *reversal* when its amount is negative, when its amount cell carries a refund mark
("（退）-300", "冲红 300"), or when its 单据类型 cell, a remark or its status says it reverses another line
(冲红, 红冲, 红字, 冲销; in a remark or a type cell also a bare 退货 or 退款 — see ``values.REMARK_WORDS``).

- A reversal line is kind "refund": its record has a NEGATIVE ``amount_fen`` (a positive amount written
  on it is made negative) and ``refund=True``, and keeps its order/invoice number, so that the service can
  reduce the original purchase. It is "cancelled" instead when a cell says the refund itself did not
  happen (退款关闭, 拒绝退款, 取消退款) or the reversal was withdrawn (已取消, 作废, 撤销).
- Any other line is "cancelled" (skipped) when its status, a 退款状态/售后状态 column or a remark says
  the order is void: cancelled, closed, unpaid, or refunded *as a whole* (已取消, 交易关闭, 待付款,
  退款成功, 已退款, 已退货). The line is the original order, which did not happen, so it is not counted —
  and there is nothing to reduce either.
- A failed refund (退款关闭) or a refund in progress (退款中, 部分退款) leaves a purchase line a record.

So on a platform export, an order line of +300 whose status is 退款成功 is a fully refunded order and is
skipped (as before), while a separate refund line of -300 with the status 退款成功 is a refund of -300.
In a status column a bare 退货 is the order's fate (it was returned: cancelled); in a remark or a type
column it marks a return line (a refund). A zero amount is rejected.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bangfu.common.dates import excel_serial_to_date, month_end, parse_date_text, parse_month_text

from .headers import header_text
from .model import DatePrecision, LedgerRow, PurchaseFields, PurchaserSource, RowKind, SheetLayout
from .values import (
    VOID,
    AmountError,
    Verdict,
    amount_to_fen,
    cell_text,
    normalise_category,
    normalise_channel,
    normalise_order_key,
    number_text,
    parse_quantity,
    refund_mark,
    remark_verdict,
    status_verdict,
    tidy_text,
)

_TOTAL_WORDS = ("小计", "合计", "总计", "共计", "累计")
# A cell ending in a total word is a total only when short ("周巷镇小计"), not a sentence that mentions one.
_TOTAL_SUFFIX_MAX = 20
_NOTE_RE = re.compile(
    r"(?:备注|附注|注|说明)\s*[:：]|(?:填表说明|填表人|填报人|审核人|审批人|联系人|联系电话|制表|负责人|"
    r"单位负责人|经办人|分管领导|填报日期|填表日期|报送日期|填报单位|报送单位|填表单位)"
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

#: A CSV cell spanning more line breaks than this is an unclosed quote, whatever it holds.
MAX_CELL_LINE_BREAKS = 50
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
# An amount cell that may be negative or carry a refund mark (checked before skipping a void order).
_MAYBE_NEGATIVE = frozenset("-－−(（退冲红")


class _MonthOnly(ValueError):
    """A typed date cell that names a month, not a day; ``args[0]`` is the month's last day."""


class _AmbiguousMonth(ValueError):
    """A typed date cell that could be either of two months; ``args[0]`` is the message."""


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


def _month_from_text(text: str, year: int | None) -> datetime.date | None:
    """The last day of the month a date cell names without a day ("2022年3月", "3月份"), or None when
    it names no month; raises ValueError (with the reason) for a month without a year when ``year`` is
    None."""
    found = parse_month_text(text)
    if found is None:
        return None
    written_year, month = found
    if written_year is None:
        if year is None:
            raise ValueError(f"“{text}”只有月份，没有年份；请写明年份（如2022年{month}月），或导入时指定年度")
        written_year = year
    return month_end(written_year, month)


def _typed_date(value: Any) -> datetime.date | None:
    """The date of a typed spreadsheet cell, or None for text; raises ValueError for a number that is
    no plausible date.

    A number is an Excel serial day (44635 = 2022-03-15), an eight-digit date typed as a number
    (20220315), or a month typed as a number (202203, 2022.03: raises :class:`_MonthOnly`). A serial
    before 1950 is refused: it is a typing slip such as 2022.0315 (which Excel stores as a number and
    would be day 2022, in 1905), not a purchase date. 2022.1 is refused too: Excel stores 2022.10 (October)
    as 2022.1.
    """
    kind = type(value)
    if kind is _date:
        return value
    if kind is _datetime:
        return value.date()
    if kind is float or kind is int:
        if 10000101 <= value <= 99991231 and value == int(value):
            return parse_date_text(str(int(value)))
        if 195001 <= value <= 210012 and value == int(value) and 1 <= value % 100 <= 12:
            raise _MonthOnly(month_end(int(value) // 100, int(value) % 100))
        if 1950 < value < 2101 and value != int(value):
            year, _dot, digits = format(value, ".15g").partition(".")
            if digits == "1":
                raise _AmbiguousMonth(
                    f"“{year}.1”可能是{year}年1月，也可能是10月（Excel把{year}.10存成了{year}.1）；请写成文本，如{year}年10月"
                )
            if len(digits) <= 2 and 1 <= int(digits) <= 12:
                raise _MonthOnly(month_end(int(year), int(digits)))
        if value < _MIN_SERIAL:
            raise ValueError(value)
        return excel_serial_to_date(value)
    return None


def _is_column_numbers(cells: list[str]) -> bool:
    """A row of column numbers (1, 2, 3 …) under a form's header ("栏次"), which is not data."""
    numbers = [cell.strip() for cell in cells if cell.strip()]
    return len(numbers) >= 3 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def swallowed_cell(cells: list[str], delimiter: str, columns: int) -> tuple[int, int] | None:
    """(column, line breaks) of a CSV cell that swallowed the lines after an unclosed quote, or None.

    A cell swallowed lines when it spans more than :data:`MAX_CELL_LINE_BREAKS` line breaks, or three or
    more of which at least two are lines that look like records of the file (holding at least half of
    its delimiters). A quoted cell with a line break or two (an address, a wrapped name) is normal.
    """
    need = max(2, (columns - 1) // 2)
    for index, cell in enumerate(cells):
        if "\n" not in cell and "\r" not in cell:
            continue
        lines = _LINE_BREAK_RE.split(cell)
        breaks = len(lines) - 1
        if breaks > MAX_CELL_LINE_BREAKS:
            return index, breaks
        if breaks >= 3 and sum(1 for line in lines[1:] if line.count(delimiter) >= need) >= 2:
            return index, breaks
    return None


def _line_breaks(text: str) -> int:
    return len(_LINE_BREAK_RE.findall(text))


def classify_rows(
    layout: SheetLayout,
    records: Iterable[list[Any]],
    *,
    first_row: int,
    typed: bool,
    default_purchaser: str | None = None,
    csv_line: Callable[[], int] | None = None,
    csv_first_line: int = 0,
    delimiter: str = ",",
    file_name: str = "",
    warn: Callable[[str], None] | None = None,
) -> Iterator[LedgerRow]:
    """Classify each record of one sheet; ``first_row`` is the 1-based row number of the first.

    ``records`` are lists of cells: text (CSV) or, with ``typed``, values as python-calamine returns
    them (floats, dates, datetimes …), whose text form becomes ``raw``. For a CSV, ``csv_line`` returns
    the reader's physical line number after the last record read and ``csv_first_line`` is the physical
    line of the first record; with them, a cell that swallowed the lines after an unclosed quote is found
    (see :func:`swallowed_cell`), its row rejected and ``warn`` called with a message naming
    ``file_name`` and the line where the quote opened.

    A row with an empty purchaser gets ``default_purchaser``, else the sheet's reporting unit
    (``layout.reporting_unit``); the record says which (``purchaser_from``).
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
    type_col = columns.get("entry_type", -1)
    refund_cols = tuple(layout.refund_columns)
    seq_col = layout.seq_column
    default_unit = layout.quantity_unit
    default_purchaser = (default_purchaser or "").strip()
    reporting_unit = (layout.reporting_unit or "").strip()
    year = layout.year
    # Cells in these columns may mention 合计 in passing ("共计3箱" in a remark) without being totals.
    not_total_cols = {remarks_col, product_col, supplier_col, status_col} - {-1}
    need = max(len(headers), *(col + 1 for col in (*columns.values(), *refund_cols, seq_col or 0)))
    padding = [""] * need
    date_cache: dict[str, datetime.date] = {}
    month_cache: dict[str, datetime.date] = {}
    status_cache: dict[str, str] = {}
    after_note = False  # lines under a note row ("说明：" then "1、…") are notes too
    record_kind = RowKind.RECORD
    rejected_kind = RowKind.REJECTED
    cancelled_kind = RowKind.CANCELLED
    day = DatePrecision.DAY
    from_cell = PurchaserSource.CELL
    amount_header = headers[amount_col] if amount_col >= 0 else ""
    date_header = headers[date_col] if date_col >= 0 else ""
    purchaser_header = headers[purchaser_col] if purchaser_col >= 0 else ""
    reversal = Verdict.REVERSAL
    check_quotes = not typed and csv_line is not None
    # Physical lines taken by records spanning several lines so far: a record's first physical line is
    # csv_first_line + its index + these (records of one line are the rule and cost nothing).
    extra_lines = 0
    # What a common row has; a row that differs sets ``unusual`` and the next row starts afresh. Columns
    # the sheet lacks keep these values, so a common row pays for none of it.
    others = bool(refund_cols) or remarks_col >= 0 or type_col >= 0
    remarks = entry_type = said_refund = said_remark = said_type = ""
    refund_cell = -1
    marked = False
    kind = record_kind
    reason = ""
    precision = day
    purchaser_from = from_cell
    unusual = False

    rowno = first_row - 1
    for values in records:
        rowno += 1
        if unusual:
            marked, kind, reason, precision, purchaser_from = False, record_kind, "", day, from_cell
            unusual = False
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
        wrapped = "\n" in joined or "\r" in joined
        if wrapped and check_quotes:
            start = csv_first_line + (rowno - first_row) + extra_lines
            end = csv_line()  # type: ignore[misc]
            extra_lines += end - start
            swallowed = swallowed_cell(cells, delimiter, len(headers))
            if swallowed is not None:
                col, _breaks = swallowed
                opened = start + sum(_line_breaks(cell) for cell in cells[:col])
                problem = f"第{opened}行的引号未闭合，其后{end - opened}行被合并为一个单元格，请检查文件"
                if warn is not None:
                    warn(f"文件“{file_name}”{problem}")
                column = f"“{headers[col]}”列" if col < len(headers) and headers[col] else ""
                yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行{column}：文件{problem}")
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

        # --- what the status, refund, remark and type cells say -------------------------------------
        status = cells[status_col].strip() if status_col >= 0 else ""
        if status:
            said_status = status_cache.get(status)
            if said_status is None:
                said_status = status_verdict(status)
                if len(status_cache) < 1024:
                    status_cache[status] = said_status
        else:
            said_status = ""
        said = said_status
        if others:
            remarks = cells[remarks_col].strip() if remarks_col >= 0 else ""
            entry_type = cells[type_col].strip() if type_col >= 0 else ""
            said_refund = ""
            refund_cell = -1
            for col in refund_cols:
                text = cells[col].strip()
                if text and (said_refund := status_verdict(text)):
                    refund_cell = col
                    break
            said_remark = remark_verdict(remarks) if remarks else ""
            said_type = remark_verdict(entry_type) if entry_type else ""
            said = said_status or said_refund or said_remark or said_type

        # --- amount ---------------------------------------------------------------------------------
        if amount_col < 0:  # cannot happen: a header always has an amount column
            yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行：表中没有金额列")
            continue
        if typed and type(values[amount_col]) is not str:
            amount_text = number_text(values[amount_col])
        else:
            amount_text = cells[amount_col].strip()
        if (
            said
            and (said_status in VOID or said_refund in VOID or said_remark in VOID)
            and reversal not in (said_status, said_refund, said_remark, said_type)
            and (not amount_text or _MAYBE_NEGATIVE.isdisjoint(amount_text))
        ):
            # A void order is skipped whatever its amount says — unless the line reverses another.
            yield LedgerRow(sheet, rowno, raw, cancelled_kind, _void_reason(
                where, rowno, headers, status_col, status, said_status, refund_cell, cells,
                said_refund, remarks_col, remarks,
            ))  # fmt: skip
            continue
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
            bare_amount = amount_text
            if "退" in amount_text or "冲" in amount_text or "红" in amount_text:
                bare_amount, marked = refund_mark(amount_text)
                unusual = True
            try:
                fen = amount_to_fen(bare_amount, scale)
            except AmountError as exc:
                if [header_text(cell) for cell in cells[: len(headers)]] == headers:
                    yield LedgerRow(
                        sheet, rowno, raw, RowKind.NOTE, f"{where}{rowno}行：重复的表头行，不是采购记录"
                    )
                else:
                    why = str(exc).replace(f"“{bare_amount}”", f"“{amount_text}”", 1) if marked else exc
                    yield LedgerRow(
                        sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{amount_header}”列：{why}"
                    )
                continue
        if fen <= 0 or said or marked:
            if fen == 0:
                yield LedgerRow(
                    sheet, rowno, raw, rejected_kind,
                    f"{where}{rowno}行“{amount_header}”列：金额“{amount_text}”为零，既不是采购也不是退款",
                )  # fmt: skip
                continue
            verdicts = (said_status, said_refund, said_remark, said_type)
            if fen < 0 or marked or reversal in verdicts:
                withdrawn = _withdrawn(
                    headers, (status_col, refund_cell, remarks_col, type_col), verdicts, cells
                )
                if withdrawn:
                    yield LedgerRow(
                        sheet, rowno, raw, cancelled_kind,
                        f"{where}{rowno}行{withdrawn}，退款未成功或已撤销，不计入",
                    )  # fmt: skip
                    continue
                kind = RowKind.REFUND
                unusual = True
                reason = (
                    f"{where}{rowno}行“{amount_header}”列：金额“{amount_text}”为退款（"
                    + _refund_why(
                        fen,
                        marked,
                        headers,
                        (status_col, refund_cell, remarks_col, type_col),
                        verdicts,
                        cells,
                    )
                    + "），冲减原订单"
                )
                if fen > 0:
                    fen = -fen
            elif said_status in VOID or said_refund in VOID or said_remark in VOID:
                yield LedgerRow(sheet, rowno, raw, cancelled_kind, _void_reason(
                    where, rowno, headers, status_col, status, said_status, refund_cell, cells,
                    said_refund, remarks_col, remarks,
                ))  # fmt: skip
                continue

        # --- date -----------------------------------------------------------------------------------
        if date_col < 0:
            yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行：表中没有日期列")
            continue
        date = None
        if typed:
            try:
                date = _typed_date(values[date_col])
            except _MonthOnly as month:
                date = month.args[0]
                precision = DatePrecision.MONTH
                unusual = True
            except _AmbiguousMonth as exc:
                yield LedgerRow(sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{date_header}”列：{exc}")
                continue
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
                date = month_cache.get(date_text)
                if date is not None:
                    precision = DatePrecision.MONTH
                    unusual = True
                else:
                    try:
                        date = _date_from_text(date_text, date_cache)
                    except ValueError:
                        try:
                            date = _month_from_text(date_text, year)
                        except ValueError as exc:
                            yield LedgerRow(
                                sheet, rowno, raw, rejected_kind, f"{where}{rowno}行“{date_header}”列：{exc}"
                            )
                            continue
                        if date is None:
                            yield LedgerRow(
                                sheet, rowno, raw, rejected_kind,
                                f"{where}{rowno}行“{date_header}”列：“{date_text}”不是有效日期",
                            )  # fmt: skip
                            continue
                        precision = DatePrecision.MONTH
                        unusual = True
                        if len(month_cache) < _DATE_CACHE_SIZE:
                            month_cache[date_text] = date

        # --- purchaser ------------------------------------------------------------------------------
        purchaser = cells[purchaser_col].strip() if purchaser_col >= 0 else ""
        if not purchaser:
            unusual = True
            if default_purchaser:
                purchaser, purchaser_from = default_purchaser, PurchaserSource.DEFAULT
            elif reporting_unit:
                purchaser, purchaser_from = reporting_unit, PurchaserSource.REPORTING_UNIT
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
        if wrapped:
            purchaser, product, supplier, origin, remarks, unit = (
                tidy_text(purchaser), tidy_text(product), tidy_text(supplier), tidy_text(origin),
                tidy_text(remarks), tidy_text(unit),
            )  # fmt: skip
        yield LedgerRow(
            sheet,
            rowno,
            raw,
            kind,
            reason,
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
                precision,
                purchaser_from,
                kind is not record_kind,
                entry_type,
            ),
        )


def _void_reason(
    where: str,
    rowno: int,
    headers: list[str],
    status_col: int,
    status: str,
    said_status: str,
    refund_cell: int,
    cells: list[str],
    said_refund: str,
    remarks_col: int,
    remarks: str,
) -> str:
    """Why a void order line is skipped: the first of its status, refund-status and remark cells that
    says so."""
    if said_status in VOID:
        return f"{where}{rowno}行“{headers[status_col]}”列：订单“{status}”，已取消、退款或关闭，不计为采购"
    if said_refund in VOID:
        text = cells[refund_cell].strip()
        return f"{where}{rowno}行“{headers[refund_cell]}”列：“{text}”，已退款或退货，不计为采购"
    return f"{where}{rowno}行“{headers[remarks_col]}”列：备注“{remarks}”，已取消或退款，不计为采购"


_WITHDRAWN = frozenset({Verdict.CANCELLED, Verdict.REFUND_FAILED})


def _withdrawn(headers: list[str], cols: tuple[int, ...], verdicts: tuple[str, ...], cells: list[str]) -> str:
    """Where a reversal line says the refund did not happen ("“订单状态”列为“退款关闭”"), or ""."""
    for col, verdict in zip(cols, verdicts, strict=True):
        if verdict in _WITHDRAWN and col >= 0:
            return f"“{headers[col]}”列为“{cells[col].strip()}”"
    return ""


def _refund_why(
    fen: int,
    marked: bool,
    headers: list[str],
    cols: tuple[int, ...],
    verdicts: tuple[str, ...],
    cells: list[str],
) -> str:
    """What makes a line a refund, for its reason: "负数金额", "金额中写明退款", "“备注”列为“退货”"."""
    if fen < 0:
        return "负数金额"
    if marked:
        return "金额中写明退款"
    for col, verdict in zip(cols, verdicts, strict=True):
        if verdict == Verdict.REVERSAL and col >= 0:
            return f"“{headers[col]}”列为“{cells[col].strip()}”"
    return "退款"
