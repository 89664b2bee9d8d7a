"""Header rows: synonyms, the bare 单位, amount units, header detection under titles, title hints."""

from __future__ import annotations

import pytest

from bangfu.ledger.parsing import SYNONYMS
from bangfu.ledger.parsing.headers import (
    amount_unit_in,
    find_header,
    map_headers,
    mentions_platform,
    reporting_unit_in,
)


@pytest.mark.parametrize(("fieldname", "names"), list(SYNONYMS.items()))
def test_every_synonym_maps_to_its_field(fieldname, names):
    for name in names:
        assert map_headers([name]).columns == {fieldname: 0}, name


@pytest.mark.parametrize(
    ("header", "fieldname"),
    [
        ("金额（元）", "amount"),
        ("金额(万元)", "amount"),
        ("订单金额(元)", "amount"),
        ("采购金额（万元）", "amount"),
        ("金额 （元）", "amount"),
        ("金 额", "amount"),
        ("金额\n（元）", "amount"),
        ("*采购单位", "purchaser"),
        ("采购单位名称", "purchaser"),
        ("产地（县）", "origin"),
        ("数量（斤）", "quantity"),
        ("采购总金额", "amount"),  # not a listed synonym, but a 金额 that is not a price
        ("付款日期", "date"),
        ("发票号码", "order_no"),
        ("订单状态", "status"),
        ("产品来源地", "origin"),
        ("采购单位全称", "purchaser"),
        ("供应商全称", "supplier"),
        ("所购商品", "product"),
        ("平台订单编号", "order_no"),
    ],
)
def test_headers_as_written(header, fieldname):
    assert map_headers([header]).columns == {fieldname: 0}


@pytest.mark.parametrize(
    "header",
    ["单价", "单价（元）", "优惠金额", "运费金额", "发货时间", "规格", "序号", "联系人", "采购单位地址", "供应商电话",
     "商品编码", "商品单价"],
)  # fmt: skip
def test_not_fields(header):
    assert map_headers([header]).columns == {}


def test_amount_unit_from_the_header():
    assert map_headers(["金额（万元）"]).amount_unit == "万元"
    assert map_headers(["采购金额(万元)"]).amount_unit == "万元"
    assert map_headers(["金额（元）"]).amount_unit == "元"
    assert map_headers(["金额"]).amount_unit == ""


def test_a_bare_unit_is_the_purchaser_unless_it_follows_a_quantity():
    assert map_headers(["单位", "日期", "金额"]).columns == {"purchaser": 0, "date": 1, "amount": 2}
    mapped = map_headers(["采购单位", "商品名称", "数量", "单位", "金额"])
    assert mapped.columns == {"purchaser": 0, "product": 1, "quantity": 2, "quantity_unit": 3, "amount": 4}
    # The invoice layout: 品名 规格 单位 数量 单价 金额
    mapped = map_headers(["购买单位", "品名", "规格", "单位", "数量", "单价", "金额"])
    assert mapped.columns["quantity_unit"] == 3
    assert mapped.columns["purchaser"] == 0
    # 单位 taken for the unit of a quantity leaves the purchaser to a better-named column.
    mapped = map_headers(["单位", "数量", "单位名称", "金额"])
    assert mapped.columns == {"quantity_unit": 0, "quantity": 1, "purchaser": 2, "amount": 3}
    assert map_headers(["计量单位", "采购单位", "金额"]).columns == {
        "quantity_unit": 0,
        "purchaser": 1,
        "amount": 2,
    }


def test_the_better_name_wins_when_two_columns_name_one_field():
    mapped = map_headers(["订单编号", "下单时间", "支付时间", "订单金额", "实付金额", "采购单位"])
    assert mapped.columns["date"] == 1
    assert mapped.columns["amount"] == 4
    assert map_headers(["日期", "采购日期", "金额"]).columns["date"] == 1


def test_sequence_and_refund_columns():
    mapped = map_headers(["序号", "采购单位", "金额", "退款状态"])
    assert mapped.seq_column == 0
    assert mapped.refund_columns == [3]


def test_header_found_under_title_rows():
    rows = [
        ["2022年消费帮扶采购台账", "", ""],
        ["填报单位（盖章）：周巷镇", "", "单位：元"],
        ["", "", ""],
        ["采购单位", "采购日期", "金额（元）"],
        ["周巷镇中心小学", "2022-03-15", "100"],
    ]
    index, mapped = find_header(rows)
    assert index == 3
    assert mapped.columns == {"purchaser": 0, "date": 1, "amount": 2}


def test_a_header_needs_an_amount_and_a_key_field():
    assert find_header([["采购单位", "采购日期", "商品名称"]]) is None  # no amount
    assert find_header([["金额", "备注", "产地"]]) is None  # no purchaser/product/date/order
    assert find_header([["商品名称", "金额"]]) is not None
    assert find_header([["订单号", "金额"]]) is not None


def test_the_row_with_most_fields_wins():
    rows = [["单位名称", "金额"], ["采购单位", "采购日期", "商品名称", "金额（元）"]]
    assert find_header(rows)[0] == 1


def test_header_beyond_the_scanned_rows_is_not_found():
    rows = [["标题"]] * 30 + [["采购单位", "金额"]]
    assert find_header(rows) is None


@pytest.mark.parametrize(
    ("rows", "unit"),
    [
        ([["填报单位（盖章）：周巷镇人民政府"]], "周巷镇人民政府"),
        ([["填报单位(盖章):周巷镇人民政府", "", "填报日期：2022年7月1日"]], "周巷镇人民政府"),
        ([["填报单位：龙山镇（滨海区管委会）     填报日期：2022-07-01"]], "龙山镇（滨海区管委会）"),
        ([["填报单位：观海卫镇 日期：2022.7.1"]], "观海卫镇"),
        ([["单位名称：慈溪市总工会"]], "慈溪市总工会"),
        ([["填报单位（盖章）：", "坎墩街道", "", "联系人：张三"]], "坎墩街道"),
        ([["2022年台账"], ["填报单位：", "", "联系人：张三"]], None),
        ([["2022年台账"]], None),
    ],
)
def test_reporting_unit_in_title_rows(rows, unit):
    assert reporting_unit_in(rows) == unit


def test_amount_unit_in_title_rows():
    assert amount_unit_in(["2022年台账", "单位：万元"]) == "万元"
    assert amount_unit_in(["金额单位：元"]) == "元"
    assert amount_unit_in(["填报单位：元宝镇"]) == ""
    assert amount_unit_in(["2022年台账"]) == ""


def test_platform_mentions():
    assert mentions_platform("832平台订单导出.csv")
    assert mentions_platform("脱贫地区农副产品网络销售平台")
    assert not mentions_platform("周巷镇采购台账.xlsx")
