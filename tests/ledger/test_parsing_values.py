"""Cell values: amounts in fen, order keys, channels, categories, cancelled statuses, cell text."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.ledger.parsing import amount_to_fen, normalise_category, normalise_channel, normalise_order_key
from bangfu.ledger.parsing.values import (
    REMARK_WORDS,
    STATUS_WORDS,
    VOID,
    AmountError,
    Verdict,
    cell_text,
    number_text,
    parse_quantity,
    refund_mark,
    remark_verdict,
    status_verdict,
)

YUAN = Decimal(1)
WAN = Decimal(10_000)


@pytest.mark.parametrize(
    ("text", "scale", "fen"),
    [
        ("1280", YUAN, 128000),
        ("1280.5", YUAN, 128050),
        ("1280.35", YUAN, 128035),
        ("12.300", YUAN, 1230),  # trailing zeros are not extra precision
        ("1,280.00", YUAN, 128000),
        ("1，280", YUAN, 128000),  # full-width comma
        ("１２８０.５", YUAN, 128050),  # full-width digits
        ("¥1,280.00", YUAN, 128000),
        ("3000元", YUAN, 300000),
        ("1.5万", YUAN, 1500000),
        ("1.2亿", YUAN, 12000000000),
        ("1.2", WAN, 1200000),  # a 万元 column
        ("1.5万", WAN, 1500000),  # a unit in the cell wins: 1.5万 is 15,000 元 in a 万元 column too
        ("3000元", WAN, 300000),
        ("0.12345", WAN, 123450),  # 1234.50 元: exact
        ("0.123456", WAN, 123456),
        ("0.1234567", WAN, 123457),  # finer than a fen: rounded half up in a 万元 column
        ("0.12344449", WAN, 123444),
        ("1e3", YUAN, 100000),
        ("0", YUAN, 0),
        ("-50", YUAN, -5000),
        # as offices write them
        ("1,234.50元", YUAN, 123450),
        ("1,234.50 元", YUAN, 123450),
        ("￥800", YUAN, 80000),
        ("￥ 800.00", YUAN, 80000),
        ("¥1,280.00", YUAN, 128000),
        ("¥1,280.00元", YUAN, 128000),
        ("人民币800元", YUAN, 80000),
        ("800.00元整", YUAN, 80000),
        ("RMB 1,280.00", YUAN, 128000),
        ("0.8万", YUAN, 800000),
        ("1.2万元", YUAN, 1200000),
        ("3.5千元", YUAN, 350000),
        ("１２３４.５", YUAN, 123450),
        ("１,２３４.５０元", YUAN, 123450),
        ("1 280.00", YUAN, 128000),
        ("－300", YUAN, -30000),  # full-width minus
        ("−300", YUAN, -30000),  # the minus sign U+2212
        ("￥-300", YUAN, -30000),
        ("-￥300", YUAN, -30000),
        ("－¥1,280.00", YUAN, -128000),
        ("(300.00)", YUAN, -30000),  # Excel's accounting format for a negative amount
        ("（1,280.50）", YUAN, -128050),
    ],
)
def test_amounts(text, scale, fen):
    assert amount_to_fen(text, scale) == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.3.4", "“12.3.4”不是有效金额"),
        ("abc", "“abc”不是有效金额"),
        ("12,34", "“12,34”不是有效金额"),
        ("NaN", "“NaN”不是有效金额"),
        ("Infinity", "“Infinity”不是有效金额"),
        ("12.345", "“12.345”超过两位小数，金额精确到分"),
        ("1e20", "“1e20”金额过大"),
        ("(abc)", "“(abc)”不是有效金额"),
        ("(-300)", "“(-300)”不是有效金额"),  # a negative in brackets is not a double negative
        ("（退）-300", "“（退）-300”不是有效金额"),  # the refund mark is removed first: see refund_mark
        ("约800元", "“约800元”不是有效金额"),
    ],
)
def test_invalid_amounts(text, message):
    with pytest.raises(AmountError) as caught:
        amount_to_fen(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("2022031500010000", "2022031500010000"),
        ("  2022 0315 0001 ", "202203150001"),
        ("'2022031500010000", "2022031500010000"),  # Excel's "stored as text" apostrophe
        ('="2022031500010000"', "2022031500010000"),  # how exports keep long numbers as text
        ("\t2022031500010000", "2022031500010000"),
        ("ＦＰ２０２２－００１", "FP2022-001"),  # NFKC
        ("fp2022-001", "FP2022-001"),
        ("2022031500010000.0", "2022031500010000"),
        (2.02203150001e15, "2022031500010000"),  # a float from Excel: its integer digits
        (2022031500010000.0, "2022031500010000"),
        (12345, "12345"),
        ("2.02203E+15", ""),  # scientific notation has lost digits: no key
        ("", ""),
        (None, ""),
    ],
)
def test_order_keys(value, key):
    assert normalise_order_key(value) == key


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("832平台", "832平台"),
        ("832", "832平台"),
        ("脱贫地区农副产品网络销售平台", "832平台"),
        ("政府采购832平台", "832平台"),
        ("线下采购", "线下采购"),
        ("线下", "线下采购"),
        ("直采", "线下采购"),
        ("展销会", "展销会"),
        ("农博会", "展销会"),
        ("消费帮扶专柜", "专柜"),
        ("电商平台", "电商平台"),
        ("京东", "电商平台"),
        ("网上商城", "电商平台"),
        ("其它", "其他"),
        ("朋友介绍", "其他"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_channels(text, channel):
    assert normalise_channel(text) == channel


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("食材", "食堂食材"),
        ("食堂", "食堂食材"),
        ("食堂食材", "食堂食材"),
        ("慰问品", "工会慰问品"),
        ("节日福利", "工会慰问品"),
        ("工会", "工会慰问品"),
        ("原料", "企业原料"),
        ("原材料", "企业原料"),
        ("个人", "个人消费"),
        ("个人消费", "个人消费"),
        ("办公用品", "其他"),
        ("", ""),
    ],
)
def test_categories(text, category):
    assert normalise_category(text) == category


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ("已取消", Verdict.CANCELLED), ("取消", Verdict.CANCELLED), ("买家取消", Verdict.CANCELLED),
        ("已作废", Verdict.CANCELLED), ("作废", Verdict.CANCELLED), ("已撤销", Verdict.CANCELLED),
        ("待付款", Verdict.CANCELLED), ("未支付", Verdict.CANCELLED), ("交易失败", Verdict.CANCELLED),
        ("退款成功", Verdict.REFUNDED), ("已退款", Verdict.REFUNDED), ("全额退款", Verdict.REFUNDED),
        ("退货", Verdict.REFUNDED), ("已退货", Verdict.REFUNDED),  # in a status: the order was returned
        ("已关闭", Verdict.CLOSED), ("交易关闭", Verdict.CLOSED), ("关闭", Verdict.CLOSED),
        ("冲红", Verdict.REVERSAL), ("红冲", Verdict.REVERSAL), ("红字", Verdict.REVERSAL),
        ("退款关闭", Verdict.REFUND_FAILED), ("拒绝退款", Verdict.REFUND_FAILED),
        ("取消退款", Verdict.REFUND_FAILED), ("退款失败", Verdict.REFUND_FAILED),
        ("已完成", ""), ("交易成功", ""), ("已收货", ""), ("待发货", ""), ("未取消", ""), ("无退货", ""),
        ("退款中", ""), ("部分退款", ""), ("售后中", ""), ("", ""),
    ],
)  # fmt: skip
def test_status_verdicts(status, verdict):
    assert status_verdict(status) == verdict


@pytest.mark.parametrize(
    ("remark", "verdict"),
    [
        ("该订单已退款", Verdict.REFUNDED), ("退款成功", Verdict.REFUNDED), ("已退货", Verdict.REFUNDED),
        ("订单取消", Verdict.CANCELLED), ("作废", Verdict.CANCELLED),
        ("交易关闭", Verdict.CLOSED),
        ("退货", Verdict.REVERSAL), ("退货退款", Verdict.REVERSAL), ("退款", Verdict.REVERSAL),
        ("冲红", Verdict.REVERSAL), ("红冲3月订单", Verdict.REVERSAL), ("红字发票", Verdict.REVERSAL),
        ("负数发票", Verdict.REVERSAL),
        ("拒绝退货", Verdict.REFUND_FAILED),
        ("店铺关闭前下单", ""),  # a bare 关闭 in a remark is not a status
        ("未退款", ""), ("退款中", ""), ("共计3箱", ""), ("退休职工慰问品", ""), ("退役军人企业", ""), ("", ""),
    ],
)  # fmt: skip
def test_remark_verdicts(remark, verdict):
    assert remark_verdict(remark) == verdict


@pytest.mark.parametrize(("words", "read"), [(STATUS_WORDS, status_verdict), (REMARK_WORDS, remark_verdict)])
def test_every_listed_word_has_its_verdict(words, read):
    for verdict, group in words:
        for word in group:
            assert read(word) == verdict, word


def test_void_verdicts():
    assert {Verdict.CANCELLED, Verdict.CLOSED, Verdict.REFUNDED} == VOID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（退）-300", ("-300", True)),
        ("(退)300", ("300", True)),
        ("【退款】1,280.00", ("1,280.00", True)),
        ("-300(退款)", ("-300", True)),
        ("300（退货）", ("300", True)),
        ("退300", ("300", True)),
        ("退款：300", ("300", True)),
        ("冲红 1,280.00", ("1,280.00", True)),
        ("红冲-50", ("-50", True)),
        ("1,280.00", ("1,280.00", False)),
        ("(300.00)", ("(300.00)", False)),
        ("300元", ("300元", False)),
    ],
)
def test_refund_marks(text, expected):
    assert refund_mark(text) == expected


def test_cell_text_is_what_a_person_sees():
    assert cell_text(1280.0) == "1280"
    assert cell_text(750.2) == "750.2"
    assert cell_text(2.02203150001e15) == "2022031500010000"
    assert cell_text(1.2345678901234567e19) == "12345678901234567000"
    assert cell_text(12) == "12"
    assert cell_text(datetime.date(2022, 3, 15)) == "2022-03-15"
    assert cell_text(datetime.datetime(2022, 3, 15, 10, 23, 11)) == "2022-03-15 10:23:11"
    assert cell_text(True) == "TRUE"
    assert cell_text(None) == ""
    assert cell_text("  x ") == "  x "


def test_numbers_read_as_excel_shows_them():
    assert number_text(0.1 + 0.2) == "0.3"  # Excel's 15 significant digits, not the binary expansion
    assert number_text(750.2) == "750.2"
    assert number_text(1280.0) == "1280"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (Decimal(12), "")),
        ("2.5", (Decimal("2.5"), "")),
        ("１,200", (Decimal(1200), "")),
        ("5箱", (Decimal(5), "箱")),
        ("2.5 kg", (Decimal("2.5"), "kg")),
        ("三", (Decimal(3), "")),
        ("若干", (None, "")),
        ("", (None, "")),
    ],
)
def test_quantities(text, expected):
    assert parse_quantity(text) == expected
