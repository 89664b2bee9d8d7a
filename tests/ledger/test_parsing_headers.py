"""Header rows: synonyms, the bare 单位, amount units, header detection under titles, title hints."""

from __future__ import annotations

import pytest

from bangfu.ledger.parsing import FIELD_LABELS, FIELDS, SYNONYMS, MappedBy
from bangfu.ledger.parsing.headers import (
    NOT_USED,
    amount_unit_in,
    find_header,
    map_headers,
    mentions_platform,
    reporting_unit_in,
    state_columns,
    year_in,
)


@pytest.mark.parametrize(("fieldname", "names"), list(SYNONYMS.items()))
def test_every_synonym_maps_to_its_field(fieldname, names):
    for name in names:
        mapped = map_headers([name])
        assert mapped.columns == {fieldname: 0}, name
        assert [(c.field, c.how) for c in mapped.mapping] == [(fieldname, MappedBy.SYNONYM)], name


def test_every_field_has_synonyms_and_a_label():
    assert set(SYNONYMS) == set(FIELDS) == set(FIELD_LABELS)


@pytest.mark.parametrize(("word", "note"), NOT_USED)
def test_every_not_used_header_is_reported_with_its_note(word, note):
    (column,) = map_headers([word]).mapping
    assert (column.field, column.how, column.note, column.label) == (None, MappedBy.NOT_USED, note, "不导入")


def test_where_a_parcel_ships_from_is_not_its_origin():
    mapped = map_headers(["商品名称", "发货地", "金额", "供应商所在地"])
    assert mapped.columns == {"product": 0, "amount": 2}
    assert mapped.mapping[1].note == "发货地是发出货物的地点，不是产地"
    assert mapped.mapping[3].note == "所在地是单位所在的地点，不一定是产地"


@pytest.mark.parametrize(
    "header",
    ["产地", "原产地", "产品产地", "来源地", "生产地", "商品产地", "产品来源", "货源地", "产地（县）", "产品来源地",
     "原产地区"],
)  # fmt: skip
def test_origin_headers(header):
    assert map_headers(["商品名称", header, "金额"]).columns["origin"] == 1


def test_the_mapping_report_names_every_column():
    mapped = map_headers(
        ["序号", "采购单位", "下单时间", "支付时间", "货源地", "单价", "金额（万元）", "退款状态", "", "奇怪列",
         "规格", "单位", "数量", "产品来源地"]
    )  # fmt: skip
    got = [(c.index, c.header, c.field, c.how, c.label) for c in mapped.mapping]
    assert got == [
        (0, "序号", None, MappedBy.SEQUENCE, "序号"),
        (1, "采购单位", "purchaser", MappedBy.SYNONYM, "采购单位"),
        (2, "下单时间", "date", MappedBy.SYNONYM, "日期"),
        (3, "支付时间", None, MappedBy.SHADOWED, "未使用（同类列已取用）"),
        (4, "货源地", "origin", MappedBy.SYNONYM, "产地"),
        (5, "单价", None, MappedBy.NOT_USED, "不导入"),
        (6, "金额（万元）", "amount", MappedBy.SYNONYM, "金额"),
        (7, "退款状态", None, MappedBy.REFUND_STATUS, "退款状态"),
        (8, "", None, MappedBy.EMPTY, "（空表头）"),
        (9, "奇怪列", None, MappedBy.UNRECOGNISED, "未识别"),
        (10, "规格", None, MappedBy.NOT_USED, "不导入"),
        (11, "单位", "quantity_unit", MappedBy.POSITION, "计量单位"),
        (12, "数量", "quantity", MappedBy.SYNONYM, "数量"),
        (13, "产品来源地", None, MappedBy.SHADOWED, "未使用（同类列已取用）"),
    ]
    assert mapped.mapping[3].note == "与“下单时间”同为日期列，取用“下单时间”"
    assert mapped.mapping[13].note == "与“货源地”同为产地列，取用“货源地”"
    assert map_headers(["产品来源地", "金额"]).mapping[0].how == MappedBy.KEYWORD


def test_stated_columns_win():
    cells = ["采购单位", "日期", "金额（元）", "来货地", "货款（万元）"]
    mapped = map_headers(cells)
    assert mapped.columns == {"purchaser": 0, "date": 1, "amount": 2}
    state_columns(mapped, cells, {3: "origin", 4: "amount", 0: None})
    assert mapped.columns == {"date": 1, "origin": 3, "amount": 4}
    assert mapped.amount_unit == "万元"
    assert [(c.field, c.how) for c in mapped.mapping] == [
        (None, MappedBy.STATED),
        ("date", MappedBy.SYNONYM),
        (None, MappedBy.SHADOWED),
        ("origin", MappedBy.STATED),
        ("amount", MappedBy.STATED),
    ]
    assert mapped.mapping[0].note == "导入时指定不使用此列"
    assert mapped.mapping[2].note == "导入时指定金额取自其他列"
    with pytest.raises(ValueError):
        state_columns(map_headers(cells), cells, {9: "origin"})
    with pytest.raises(ValueError):
        state_columns(map_headers(cells), cells, {3: "产地"})


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
        ([["报送单位：慈溪市教育局"]], "慈溪市教育局"),
        ([["单位：周巷镇人民政府"]], "周巷镇人民政府"),
        ([["单位（盖章）：坎墩街道", "", "单位：万元"]], "坎墩街道"),
        ([["2022年台账  单位：元宝镇"]], "元宝镇"),
        # units of measure, not organisations
        ([["单位：万元"]], None),
        ([["单位：元"]], None),
        ([["金额单位：元"]], None),
        ([["单位：吨、万元"]], None),
        ([["2022年采购台账", "", "单位：万元"]], None),
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


@pytest.mark.parametrize(
    ("texts", "year"),
    [
        (["2022年周巷镇消费帮扶采购台账"], 2022),
        (["2022年度"], 2022),
        (["统计时间：2022年1月1日至2022年6月30日"], 2022),
        (["2022年台账", "填报单位：周巷镇 填报日期：2023年1月5日"], 2022),  # when it was filled in
        (["导出时间：2023-01-05 10:00:00", "2022"], 2022),
        (["3月"], None),
        (["2021-2022年"], None),  # two years: not one
        (["订单20220315001"], None),  # part of a longer number
        (["联系电话：0574-63000000"], None),
        ([], None),
    ],
)
def test_year_in(texts, year):
    assert year_in(*texts) == year


def test_a_product_named_with_its_size_is_the_product_and_a_product_class_is_not():
    mapped = map_headers(["品名规格", "商品分类", "产品类别", "订单实付", "日期"])
    assert mapped.columns == {"product": 0, "amount": 3, "date": 4}
    assert [c.label for c in mapped.mapping[1:3]] == ["不导入", "不导入"]
    # Beside a plain product column, the one with the size is not taken.
    assert map_headers(["商品名称", "品名规格", "金额"]).columns == {"product": 0, "amount": 2}
