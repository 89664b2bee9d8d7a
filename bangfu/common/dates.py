"""Dates as offices write them: Excel dates and serial numbers, 2022.3.15, 2022年4月2日, 20220620 …

Pure Python, no Django. A time of day, when written, is read and dropped: a purchase happens on a date.
A time with an explicit offset (``2022-03-15T18:00:00Z``) is converted to China's time first, so the date
is the one an office in China would write down.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation

from bangfu.common.text import squash

#: China's time (Asia/Shanghai has had no daylight saving time since 1991).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# Excel counts days from 1899-12-30 (serial 1 = 1900-01-01; serial 60 is Lotus' invented 1900-02-29).
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

_TIME = r"\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d{1,6})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})"
# 2022-03-15, 2022/3/5, 2022.3.15, 2022年4月2日 — optionally followed by a time of day.
_YMD_RE = re.compile(
    rf"(\d{{4}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*[日号]?"
    rf"(?:(?:T|\s+|(?<=[日号]))({_TIME})\s*({_OFFSET})?)?"
)
# 20220620, 20220620 10:23:11
_COMPACT_RE = re.compile(rf"(\d{{4}})(\d{{2}})(\d{{2}})(?:\s*({_TIME}))?")
# An Excel serial number written as text in a date column: 44635, 44635.4375
_SERIAL_TEXT_RE = re.compile(r"\d{5}(?:\.\d+)?")


def excel_serial_to_date(serial: float | int | Decimal) -> date:
    """Excel's day number (1900 date system) as a date; a fraction (time of day) is dropped.

    ``44635`` → 2022-03-15, ``44635.75`` → 2022-03-15. Raises :class:`ValueError` outside 1900–9999.
    """
    if isinstance(serial, bool):
        raise ValueError(f"“{serial}”不是有效日期")
    try:
        days = math.floor(serial)
    except (ValueError, OverflowError, InvalidOperation):
        raise ValueError(f"“{serial}”不是有效日期") from None
    if days < 1 or days > _EXCEL_MAX_SERIAL or days == 60:
        raise ValueError(f"“{serial}”不是有效日期")
    if days < 60:  # before Lotus' phantom 1900-02-29
        return _EXCEL_EPOCH + timedelta(days=days + 1)
    return _EXCEL_EPOCH + timedelta(days=days)


def _ymd(text: str, year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期") from None


def _with_offset(text: str, found: date, clock: str, offset: str) -> date:
    """The China date of a time written with an explicit UTC offset."""
    hour, minute, *rest = re.split(r"[:：]", clock)
    second = int(float(rest[0])) if rest else 0
    if offset == "Z":
        tz = UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime.combine(found, time(int(hour), int(minute), second), tz)
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期") from None
    return moment.astimezone(CHINA_TZ).date()


def _check_clock(text: str, clock: str | None) -> None:
    if clock:
        hour, minute, *rest = re.split(r"[:：]", clock)
        if int(hour) > 23 or int(minute) > 59 or (rest and float(rest[0]) >= 60):
            raise ValueError(f"“{text}”不是有效日期")


def parse_date_text(text: str) -> date:
    """A date written as text; raises :class:`ValueError` naming the text when it is not a date."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        raise ValueError("日期为空")
    match = _YMD_RE.fullmatch(value)
    if match:
        year, month, day, clock, offset = match.groups()
        found = _ymd(text, year, month, day)
        _check_clock(text, clock)
        return _with_offset(text, found, clock, offset) if offset else found
    match = _COMPACT_RE.fullmatch(value)
    if match:
        year, month, day, clock = match.groups()
        found = _ymd(text, year, month, day)
        _check_clock(text, clock)
        return found
    if _SERIAL_TEXT_RE.fullmatch(value):
        return excel_serial_to_date(Decimal(value))
    raise ValueError(f"“{text}”不是有效日期")


def parse_date_strict(value: object) -> date:
    """A cell's value as a date, or :class:`ValueError` with a Chinese message quoting the value.

    Accepts ``date``/``datetime`` objects (an aware datetime is taken in China's time), Excel serial
    numbers (``44635``, ``44635.4375``), an eight-digit number (``20220315``) and the written forms in
    the module docstring.
    """
    if value is None:
        raise ValueError("日期为空")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(CHINA_TZ).date()
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"“{value}”不是有效日期")
    if isinstance(value, int | float | Decimal):
        if 10000101 <= value <= 99991231 and value == int(value):  # 20220315 typed as a number
            return parse_date_text(str(int(value)))
        return excel_serial_to_date(value)
    if isinstance(value, str):
        return parse_date_text(value)
    raise ValueError(f"“{value}”不是有效日期")


def parse_date(value: object) -> date | None:
    """Like :func:`parse_date_strict`, but ``None`` for an empty or invalid value."""
    try:
        return parse_date_strict(value)
    except ValueError:
        return None


# --- months ----------------------------------------------------------------------------------------

# 2022年3月, 2022年03月份, 2022年三月, 2022-03, 2022/3, 2022.03, 2022 年 3 月
_YEAR_MONTH_RE = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:月份|月)?")
# 202203
_COMPACT_MONTH_RE = re.compile(r"(\d{4})(\d{2})")
# 3月, 3月份, 03月, 三月, 十二月份
_MONTH_RE = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:月份|月)")
_CN_MONTHS = {
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11,
    "十二": 12,
}  # fmt: skip


def _month_number(text: str) -> int | None:
    month = int(text) if text.isdigit() else _CN_MONTHS.get(text)
    return month if month is not None and 1 <= month <= 12 else None


def parse_month_text(text: str) -> tuple[int | None, int] | None:
    """A month written without a day, as (year, month) — the year None when not written ("3月份") — or
    None when the text is not a month: ``"2022年3月"``, ``"2022-03"``, ``"2022/3"``, ``"2022.03"``,
    ``"202203"``, ``"2022年三月"``, ``"3月"``, ``"3月份"``, ``"十二月"``.

    Years outside 1950–2100 are refused (``"0574-63"`` is no month). ``"2022.1"`` is January.
    """
    value = squash(unicodedata.normalize("NFKC", text))
    match = _YEAR_MONTH_RE.fullmatch(value)
    if match is None:
        match = _COMPACT_MONTH_RE.fullmatch(value)
    if match is not None:
        year, month = int(match.group(1)), _month_number(match.group(2))
        if month is None or not 1950 <= year <= 2100:
            return None
        return year, month
    match = _MONTH_RE.fullmatch(value)
    if match is not None:
        month = _month_number(match.group(1))
        return None if month is None else (None, month)
    return None


def month_end(year: int, month: int) -> date:
    """The last day of a month: ``month_end(2022, 2)`` → 2022-02-28."""
    return date(year, month, calendar.monthrange(year, month)[1])
