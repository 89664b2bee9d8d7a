from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.common.dates import (
    excel_serial_to_date,
    month_end,
    parse_date,
    parse_date_strict,
    parse_date_text,
    parse_month_text,
)

D = datetime.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022.3.15", D(2022, 3, 15)),
        ("2022年4月2日", D(2022, 4, 2)),
        ("2022年4月2号", D(2022, 4, 2)),
        ("2022 年 4 月 2 日", D(2022, 4, 2)),
        ("2022/05/20", D(2022, 5, 20)),
        ("2022-05-20", D(2022, 5, 20)),
        ("2022-5-2", D(2022, 5, 2)),
        ("20220620", D(2022, 6, 20)),
        ("2022-03-15 10:23:11", D(2022, 3, 15)),
        ("2022-03-15T10:23:11", D(2022, 3, 15)),
        ("2022-03-15 10:23:11.250", D(2022, 3, 15)),
        ("2022/3/5 9:01", D(2022, 3, 5)),
        ("2022年4月2日 10:00", D(2022, 4, 2)),
        ("20220620 08:00:00", D(2022, 6, 20)),
        ("２０２２－０３－１５", D(2022, 3, 15)),  # full-width digits and dash
        ("２０２２年３月１５日", D(2022, 3, 15)),
        ("  2022.3.15\u3000", D(2022, 3, 15)),
        ("44635", D(2022, 3, 15)),  # an Excel serial number written as text
        ("44635.4375", D(2022, 3, 15)),
    ],
)
def test_written_dates(text, expected):
    assert parse_date(text) == expected
    assert parse_date_strict(text) == expected


def test_an_explicit_utc_offset_gives_the_date_in_china():
    assert parse_date("2022-03-15T20:00:00Z") == D(2022, 3, 16)
    assert parse_date("2022-03-15T10:23:11+08:00") == D(2022, 3, 15)
    assert parse_date("2022-03-15T23:30:00-02:00") == D(2022, 3, 16)


@pytest.mark.parametrize(
    "text", ["2022-02-30", "2022-13-01", "abc", "2022", "2022-03", "15.3.2022", "2022-03-15 25:00", "1/2/3"]
)
def test_invalid_dates(text):
    assert parse_date(text) is None
    with pytest.raises(ValueError, match=f"“{text}”不是有效日期"):
        parse_date_strict(text)


def test_empty_is_none_and_strict_says_so():
    assert parse_date("") is None
    assert parse_date(None) is None
    with pytest.raises(ValueError, match="日期为空"):
        parse_date_strict("  ")
    with pytest.raises(ValueError, match="日期为空"):
        parse_date_text("")


def test_date_and_datetime_objects():
    assert parse_date(D(2022, 3, 15)) == D(2022, 3, 15)
    assert parse_date(datetime.datetime(2022, 3, 15, 23, 59)) == D(2022, 3, 15)
    aware = datetime.datetime(2022, 3, 15, 20, 0, tzinfo=datetime.UTC)
    assert parse_date(aware) == D(2022, 3, 16)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (44635, D(2022, 3, 15)),
        (44635.0, D(2022, 3, 15)),
        (44635.99, D(2022, 3, 15)),  # a time fraction is dropped
        (Decimal("44635.5"), D(2022, 3, 15)),
        (1, D(1900, 1, 1)),
        (59, D(1900, 2, 28)),
        (61, D(1900, 3, 1)),
        (2958465, D(9999, 12, 31)),
    ],
)
def test_excel_serial_numbers(serial, expected):
    assert excel_serial_to_date(serial) == expected
    assert parse_date(serial) == expected


def test_an_eight_digit_number_is_a_written_date():
    assert parse_date(20220315) == D(2022, 3, 15)
    assert parse_date(20220315.0) == D(2022, 3, 15)
    assert parse_date(20220230) is None


@pytest.mark.parametrize("serial", [0, -1, 60, 2958466, float("nan"), float("inf"), True])
def test_serial_numbers_out_of_range(serial):
    assert parse_date(serial) is None
    with pytest.raises(ValueError):
        excel_serial_to_date(serial)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022年3月", (2022, 3)),
        ("2022年03月份", (2022, 3)),
        ("2022年三月", (2022, 3)),
        ("2022 年 3 月", (2022, 3)),
        ("２０２２年３月", (2022, 3)),
        ("2022-03", (2022, 3)),
        ("2022/3", (2022, 3)),
        ("2022.03", (2022, 3)),
        ("2022.1", (2022, 1)),
        ("2022.10", (2022, 10)),
        ("202203", (2022, 3)),
        ("3月", (None, 3)),
        ("3月份", (None, 3)),
        ("03月", (None, 3)),
        ("十二月", (None, 12)),
        ("十一月份", (None, 11)),
        # not months
        ("2022-13", None),
        ("13月", None),
        ("0574-63", None),
        ("2022年3月5日", None),
        ("2022-03-15", None),
        ("3", None),
        ("abc", None),
        ("", None),
    ],
)
def test_parse_month_text(text, expected):
    assert parse_month_text(text) == expected


def test_month_end():
    assert month_end(2022, 2) == D(2022, 2, 28)
    assert month_end(2024, 2) == D(2024, 2, 29)
    assert month_end(2022, 12) == D(2022, 12, 31)
