"""Numbers as offices write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bangfu.common.numbers import (
    cn_to_int,
    is_no_value,
    parse_amount_yuan,
    parse_number,
    parse_ratio,
    tidy_decimal,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("１２", "12"),
        ("1.5", "1.5"),
        ("１.２", "1.2"),
        ("1,280.00", "1280.00"),
        ("1，280", "1280"),
        ("12,345,678", "12345678"),
        (" 300 ", "300"),
        ("-1,280.50", "-1280.50"),
        ("－5", "-5"),
        ("+5", "5"),
        ("三百", "300"),
        ("一千二百", "1200"),
        ("两", "2"),
        ("十五", "15"),
        ("十", "10"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("三千零五十", "3050"),
        ("三百五", "350"),
        ("一万二", "12000"),
        ("一亿二千万", "120000000"),
        ("三亿五千万", "350000000"),
        ("二〇二二", "2022"),
        ("壹佰贰拾", "120"),
        ("1.5万", "15000"),
        ("3千", "3000"),
        ("1.2亿", "120000000"),
    ],
)
def test_parse_number(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", "第三", "12,34", "1,2345", "abc", "万", "百", "三五个", "1.2.3", None, True]
)
def test_parse_number_rejects(text: object) -> None:
    assert parse_number(text) is None


def test_parse_number_keeps_exact_decimals_from_other_types() -> None:
    assert parse_number(750.2) == Decimal("750.2")
    assert parse_number(1.0) == Decimal(1)
    assert parse_number(7) == Decimal(7)
    assert parse_number(Decimal("0.10")) == Decimal("0.10")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一", 1),
        ("十五", 15),
        ("二十", 20),
        ("12", 12),
        ("１２", 12),
        ("1.5", None),
        ("-3", None),
        ("第一", None),
    ],
)
def test_cn_to_int(text: str, expected: int | None) -> None:
    assert cn_to_int(text) == expected


@pytest.mark.parametrize(
    ("text", "hint", "yuan"),
    [
        ("300万元", "元", "3000000"),
        ("1.2亿元", "元", "120000000"),
        ("3,000元", "元", "3000"),
        ("三百万元", "元", "3000000"),
        ("一亿二千万元", "元", "120000000"),
        ("1.5万", "元", "15000"),
        ("1,280.00", "元", "1280"),
        ("1,280.50", "元", "1280.50"),
        ("￥1,280.00", "元", "1280"),
        ("¥99", "元", "99"),
        ("人民币5000元整", "元", "5000"),
        ("５千元", "元", "5000"),
        ("300", "万元", "3000000"),
        ("1.5", "万元", "15000"),
        ("三百", "万元", "3000000"),
        ("300元", "万元", "300"),
        ("1.5万", "万元", "15000"),
        ("2", "亿元", "200000000"),
        ("-12.5", "元", "-12.5"),
    ],
)
def test_parse_amount_yuan(text: str, hint: str, yuan: str) -> None:
    assert parse_amount_yuan(text, unit_hint=hint) == Decimal(yuan)


def test_parse_amount_yuan_from_cell_values() -> None:
    assert parse_amount_yuan(750.2) == Decimal("750.2")
    assert parse_amount_yuan(3, unit_hint="万元") == Decimal(30000)
    assert parse_amount_yuan(Decimal("1.25"), unit_hint="万元") == Decimal(12500)


@pytest.mark.parametrize("text", ["", "元", "万元", "约300万元", "300万元以上", "abc", None, False])
def test_parse_amount_yuan_rejects(text: object) -> None:
    assert parse_amount_yuan(text) is None


def test_parse_amount_yuan_unknown_hint() -> None:
    with pytest.raises(ValueError, match="unknown amount unit"):
        parse_amount_yuan("1", unit_hint="美元")


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("20%", "0.2"),
        ("20％", "0.2"),
        ("12.5%", "0.125"),
        ("百分之二十", "0.2"),
        ("百分之15", "0.15"),
        ("千分之五", "0.005"),
    ],
)
def test_parse_ratio(text: str, fraction: str) -> None:
    assert parse_ratio(text) == Decimal(fraction)


@pytest.mark.parametrize("text", ["20", "0.2", "百分之", "二十%", None])
def test_parse_ratio_rejects(text: object) -> None:
    assert parse_ratio(text) is None


def test_tidy_decimal() -> None:
    assert str(tidy_decimal(Decimal("3000000.0"))) == "3000000"
    assert str(tidy_decimal(Decimal("1280.50"))) == "1280.50"


@pytest.mark.parametrize(
    "text", ["", "  ", None, "—", "——", "-", "－", "/", "／", "无", "暂无", "不适用", "N/A"]
)
def test_no_value_marks(text):
    assert is_no_value(text)


@pytest.mark.parametrize("text", ["0", "12", "1,200", "无食堂", "—12", "三百"])
def test_values_are_not_no_value_marks(text):
    assert not is_no_value(text)
