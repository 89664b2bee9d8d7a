"""Office files bangfu had not seen (issue 12): unfamiliar headers, platform exports without "832" in
their name, purchasers left to the 填报单位 line, refunds, months without a day, a broken CSV quote,
UTF-16 CSV. Each case in every format it can arrive in."""

from __future__ import annotations

import datetime
import re

import pytest

from bangfu.ledger.parsing import Confidence, MappedBy, open_ledger
from bangfu.ledger.parsing.rows import swallowed_cell

from .builders import FORMATS, sheet_name, write_csv, write_ledger, write_xlsx

D = datetime.date


@pytest.fixture(params=FORMATS)
def fmt(request):
    return request.param


# --- every column's mapping; an unfamiliar origin header ----------------------------------------------


def test_an_origin_column_under_another_name_is_read(tmp_path, fmt):
    rows = [
        ["采购单位", "采购日期", "商品名称", "货源地", "金额"],
        ["周巷镇人民政府", "2022-03-15", "苦荞茶", "凉山州布拖县", "100"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    (layout,) = ledger.sheets
    assert layout.columns["origin"] == 3
    assert layout.mapping[3].label == "产地"
    assert next(ledger.rows()).record.origin == "凉山州布拖县"


def test_a_column_nobody_recognises_is_reported_and_can_be_stated(tmp_path, fmt):
    rows = [
        ["采购单位", "采购日期", "商品名称", "源头县", "金额", "经手人"],
        ["周巷镇人民政府", "2022-03-15", "苦荞茶", "布拖县", "100", "张三"],
    ]
    path = write_ledger(tmp_path, fmt, rows)
    (layout,) = open_ledger(path).sheets
    assert [(c.header, c.label) for c in layout.unmapped] == [("源头县", "未识别"), ("经手人", "未识别")]
    assert "origin" in layout.missing and "purchaser" not in layout.missing
    assert [c.how for c in layout.mapping] == [
        MappedBy.SYNONYM, MappedBy.SYNONYM, MappedBy.SYNONYM, MappedBy.UNRECOGNISED, MappedBy.SYNONYM,
        MappedBy.UNRECOGNISED,
    ]  # fmt: skip
    # The person who knows says what the column is.
    ledger = open_ledger(path, columns={sheet_name(fmt): {3: "origin"}})
    (layout,) = ledger.sheets
    assert layout.columns["origin"] == 3
    assert (layout.mapping[3].field, layout.mapping[3].how) == ("origin", MappedBy.STATED)
    assert next(ledger.rows()).record.origin == "布拖县"


def test_stating_away_the_amount_column_skips_the_sheet(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "100"]]
    path = write_xlsx(tmp_path / "a.xlsx", {"甲": rows, "乙": rows})
    ledger = open_ledger(path, columns={"甲": {2: None}})
    assert [s.name for s in ledger.sheets] == ["乙"]
    assert ledger.warnings == ["工作表“甲”按导入时指定的列没有金额列，已跳过"]


# --- a platform export is recognised by what it contains ----------------------------------------------

EXPORT_HEADER = [
    "订单编号",
    "下单时间",
    "采购单位",
    "商品名称",
    "店铺名称",
    "产地",
    "订单金额(元)",
    "订单状态",
]


def export_rows() -> list[list]:
    return [
        EXPORT_HEADER,
        ["2022031500010000", "2022-03-15 10:23:11", "慈溪市教育局", "苦荞茶", "布拖县彝家苦荞公司", "布拖县", "1,280.00", "已完成"],
        ["2022031500010001", "2022-03-15 11:00:00", "慈溪市教育局", "花椒", "布拖县花椒合作社", "布拖县", "99.90", "已取消"],
        ["2022031500010002", "2022-03-16 09:00:00", "慈溪市人民医院", "马铃薯", "布拖县农业公司", "布拖县", "300", "待发货"],
        ["2022031500010003", "2022-03-16 09:30:00", "慈溪市人民医院", "马铃薯", "布拖县农业公司", "布拖县", "300", "已完成"],
    ]  # fmt: skip


def test_a_platform_export_without_832_in_its_name_is_recognised_by_its_content(tmp_path, fmt):
    path = write_ledger(tmp_path, fmt, export_rows(), name="订单导出")
    ledger = open_ledger(path)
    guess = ledger.channel_guess
    assert (guess.channel, guess.confidence) == ("832平台", Confidence.INFERRED)
    assert guess.reason == (
        "文件的列和内容像平台订单导出：列：订单编号、订单状态、店铺名称、下单时间；订单号为16位数字；"
        "订单状态为“已完成”“已取消”“待发货”等平台状态；“下单时间”精确到时分"
    )
    assert ledger.looks_like_832_export
    assert ledger.warnings == [
        f"文件“{path.name}”没有写明来自832平台，但其列和内容像平台订单导出：列：订单编号、订单状态、店铺名称、"
        "下单时间；订单号为16位数字；订单状态为“已完成”“已取消”“待发货”等平台状态；“下单时间”精确到时分，"
        "已按832平台订单处理；如不是，请在导入时指定采购渠道"
    ]


def test_a_town_ledger_with_order_and_status_columns_is_not_a_platform_export(tmp_path, fmt):
    rows = [
        ["序号", "采购单位", "采购日期", "商品名称", "金额", "订单编号", "订单状态"],
        [1, "周巷镇中心小学", "2022-03-15", "苦荞茶", "100", "2022031500010001", "已完成"],
        [2, "周巷镇人民政府", "2022-03-16", "花椒", "200", "", ""],
        [3, "周巷镇卫生院", "2022-04-02", "黑山羊", "300", "", ""],
        [4, "周巷镇卫生院", "2022-04-03", "马铃薯", "400", "", "已取消"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows, name="周巷镇台账"))
    assert (ledger.channel_guess.channel, ledger.channel_guess.confidence) == ("", Confidence.UNKNOWN)
    assert not ledger.looks_like_832_export
    assert ledger.warnings == []


def test_order_numbers_and_statuses_alone_are_not_enough(tmp_path):
    """A platform export also has times to the second, a shop column or an order-event date header."""
    rows = [["订单号", "采购日期", "采购单位", "金额", "订单状态"]]
    rows += [[f"20220315000100{i:02d}", "2022-03-15", "慈溪市教育局", "100", "已完成"] for i in range(5)]
    ledger = open_ledger(write_csv(tmp_path / "订单.csv", rows))
    assert ledger.channel_guess.confidence == Confidence.UNKNOWN
    rows[0][1] = "下单日期"
    assert open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess.confidence == Confidence.INFERRED


@pytest.mark.parametrize(
    ("name", "title", "channel", "reason"),
    [
        ("832平台订单", None, "832平台", "文件名“832平台订单{suffix}”提到832平台"),
        (
            "订单",
            "脱贫地区农副产品网络销售平台订单导出",
            "832平台",
            "标题“脱贫地区农副产品网络销售平台订单导出”提到832平台",
        ),
        ("京东订单", None, "电商平台", "文件名“京东订单{suffix}”提到“京东”"),
    ],
)
def test_a_file_that_names_its_platform_is_certain(tmp_path, name, title, channel, reason):
    rows = ([[title]] if title else []) + export_rows()
    path = write_ledger(tmp_path, "csv-gbk", rows, name=name)
    guess = open_ledger(path).channel_guess
    assert guess == (channel, Confidence.CERTAIN, reason.format(suffix=path.suffix))


def test_the_callers_channel_wins(tmp_path):
    path = write_ledger(tmp_path, "csv-utf8", export_rows(), name="订单导出")
    ledger = open_ledger(path, channel="线下采购")
    assert ledger.channel_guess == ("线下采购", Confidence.STATED, "导入时指定为“线下采购”")
    assert not ledger.looks_like_832_export
    assert ledger.warnings == []
    assert open_ledger(path, channel="832").channel_guess.channel == "832平台"
    with pytest.raises(ValueError):
        open_ledger(path, channel="")


# --- the reporting unit of each sheet ---------------------------------------------------------------


def test_an_empty_purchaser_is_the_reporting_unit_of_the_sheet(tmp_path, fmt):
    rows = [
        ["2022年周巷镇消费帮扶采购台账"],
        ["填报单位（盖章）：周巷镇人民政府", None, None, "单位：元"],
        ["采购单位", "采购日期", "商品名称", "金额"],
        ["周巷镇中心小学", "2022-03-15", "苦荞茶", "100"],
        [None, "2022-03-16", "花椒", "200"],
        ["填报单位（盖章）：周巷镇人民政府"],  # repeated under the data: a note, not a purchase
    ]
    path = write_ledger(tmp_path, fmt, rows)
    ledger = open_ledger(path)
    assert ledger.sheets[0].reporting_unit == "周巷镇人民政府"
    got = list(ledger.rows())
    assert [(r.kind, r.record and (r.record.purchaser, r.record.purchaser_from)) for r in got] == [
        ("record", ("周巷镇中心小学", "cell")),
        ("record", ("周巷镇人民政府", "reporting_unit")),
        ("note", None),
    ]
    # A default purchaser given by the caller wins over the line.
    got = [r.record for r in open_ledger(path, default_purchaser="慈溪市总工会").rows() if r.record]
    assert [(r.purchaser, r.purchaser_from) for r in got] == [
        ("周巷镇中心小学", "cell"),
        ("慈溪市总工会", "default"),
    ]


def test_units_of_measure_are_not_reporting_units(tmp_path, fmt):
    rows = [
        ["2022年采购台账", None, "单位：万元"],
        ["采购单位", "采购日期", "金额"],
        [None, "2022-03-16", "0.02"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    assert ledger.sheets[0].reporting_unit is None
    assert ledger.sheets[0].amount_scale == 10000
    (row,) = ledger.rows()
    assert row.reason == f"工作表“{sheet_name(fmt)}”第3行“采购单位”列：采购单位为空"


def test_each_sheet_has_its_own_reporting_unit_and_a_cover_sheet_speaks_for_the_others(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "封面": [["2022年消费帮扶采购台账"], ["报送单位：", "慈溪市观海卫镇人民政府"]],
            "镇机关": [["日期", "商品名称", "金额"], ["2022-01-05", "苦荞茶", "30"]],
            "卫生院": [["单位：观海卫镇卫生院"], ["日期", "商品名称", "金额"], ["2022-01-06", "花椒", "40"]],
        },
    )
    ledger = open_ledger(path)
    assert [(s.name, s.reporting_unit) for s in ledger.sheets] == [
        ("镇机关", "慈溪市观海卫镇人民政府"),
        ("卫生院", "观海卫镇卫生院"),
    ]
    assert [r.record.purchaser for r in ledger.rows()] == ["慈溪市观海卫镇人民政府", "观海卫镇卫生院"]
    assert ledger.warnings == [
        "工作表“封面”未找到表头，已跳过",
        "工作表“镇机关”没有采购单位列，各行的采购单位取填报单位“慈溪市观海卫镇人民政府”",
        "工作表“卫生院”没有采购单位列，各行的采购单位取填报单位“观海卫镇卫生院”",
    ]


# --- refunds ----------------------------------------------------------------------------------------


def test_refunds_reduce_and_void_orders_are_skipped(tmp_path, fmt):
    rows = [
        ["采购单位", "采购日期", "订单号", "金额", "订单状态", "单据类型", "备注"],
        ["周巷镇", "2022-03-01", "A1", "1,280.00", "已完成", "销售", ""],  # 2: a purchase
        ["周巷镇", "2022-03-02", "A1", "-280", "", "", ""],  # 3: a negative amount
        ["周巷镇", "2022-03-03", "A2", "（退）-300", "", "", ""],  # 4: marked in the amount
        ["周巷镇", "2022-03-04", "A3", "(退)300", "", "", ""],  # 5: marked, written positive
        ["周巷镇", "2022-03-05", "A4", "500", "", "", "冲红"],  # 6: a red-letter reversal
        ["周巷镇", "2022-03-06", "A5", "600", "", "退货", ""],  # 7: a return, by its type
        ["周巷镇", "2022-03-07", "A6", "(700.00)", "", "", ""],  # 8: accounting format
        ["周巷镇", "2022-03-08", "A7", "800", "", "", "退款成功"],  # 9: the order was refunded: void
        ["周巷镇", "2022-03-09", "A8", "900", "退款关闭", "", ""],  # 10: the refund failed: a purchase
        ["周巷镇", "2022-03-10", "A9", "-100", "退款关闭", "", ""],  # 11: a refund that did not happen
        ["周巷镇", "2022-03-11", "B1", "100", "已取消", "", ""],  # 12: cancelled
        ["周巷镇", "2022-03-12", "B2", "退款", "", "", ""],  # 13: no amount at all
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    summary = [(r.row, r.kind, r.record and r.record.amount_fen) for r in got]
    assert summary == [
        (2, "record", 128000),
        (3, "refund", -28000),
        (4, "refund", -30000),
        (5, "refund", -30000),
        (6, "refund", -50000),
        (7, "refund", -60000),
        (8, "refund", -70000),
        (9, "cancelled", None),
        (10, "record", 90000),
        (11, "cancelled", None),
        (12, "cancelled", None),
        (13, "rejected", None),
    ]
    refunds = [r for r in got if r.kind == "refund"]
    assert all(r.record.refund for r in refunds) and not got[0].record.refund
    # A refund keeps the order number that links it to the purchase it reduces.
    assert [r.record.order_key for r in refunds] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    sheet = sheet_name(fmt)
    reasons = {r.row: r.reason for r in got}
    assert reasons[3] == f"工作表“{sheet}”第3行“金额”列：金额“-280”为退款（负数金额），冲减原订单"
    assert reasons[5] == f"工作表“{sheet}”第5行“金额”列：金额“(退)300”为退款（金额中写明退款），冲减原订单"
    assert reasons[6] == f"工作表“{sheet}”第6行“金额”列：金额“500”为退款（“备注”列为“冲红”），冲减原订单"
    assert reasons[7] == f"工作表“{sheet}”第7行“金额”列：金额“600”为退款（“单据类型”列为“退货”），冲减原订单"
    assert reasons[9] == f"工作表“{sheet}”第9行“备注”列：备注“退款成功”，已取消或退款，不计为采购"
    assert reasons[11] == f"工作表“{sheet}”第11行“订单状态”列为“退款关闭”，退款未成功或已撤销，不计入"
    assert reasons[13] == f"工作表“{sheet}”第13行“金额”列：“退款”不是有效金额"
    assert got[5].record.entry_type == "退货"


def test_refunded_orders_on_a_platform_export(tmp_path, fmt):
    """+300 退款成功 is an order refunded as a whole (skipped); -300 退款成功 is a refund line."""
    rows = [
        ["订单编号", "下单时间", "采购单位", "订单金额(元)", "订单状态"],
        ["P1", "2022-03-15 10:00:00", "慈溪市教育局", "300", "退款成功"],
        ["P2", "2022-03-15 10:00:00", "慈溪市教育局", "300", "已完成"],
        ["P2", "2022-03-18 10:00:00", "慈溪市教育局", "-300", "退款成功"],
        ["P3", "2022-03-15 10:00:00", "慈溪市教育局", "300", "交易关闭"],
        ["P4", "2022-03-15 10:00:00", "慈溪市教育局", "300", "已关闭"],
        ["P5", "2022-03-15 10:00:00", "慈溪市教育局", "300", "已取消"],
        ["P6", "2022-03-15 10:00:00", "慈溪市教育局", "abc", "已取消"],  # cancelled: its amount is moot
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows, name="832订单")).rows())
    assert [(r.kind, r.record and r.record.amount_fen) for r in got] == [
        ("cancelled", None),
        ("record", 30000),
        ("refund", -30000),
        ("cancelled", None),
        ("cancelled", None),
        ("cancelled", None),
        ("cancelled", None),
    ]
    assert got[2].record.order_key == "P2"


# --- months without a day ---------------------------------------------------------------------------


def test_a_month_without_a_day_is_the_last_day_of_the_month(tmp_path, fmt):
    forms = [
        "2022年3月",
        "2022.03",
        "2022-03",
        "2022/3",
        "2022年4月份",
        "5月份",
        "6月",
        "十二月",
        "2022-03-15",
    ]
    rows = [
        ["2022年周巷镇采购台账"],
        ["采购单位", "采购月份", "金额"],
        *[["周巷镇", form, "1"] for form in forms],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows, name="台账"))
    assert ledger.sheets[0].year == 2022
    records = [row.record for row in ledger.rows()]
    assert [(r.date, r.date_precision) for r in records] == [
        (D(2022, 3, 31), "month"), (D(2022, 3, 31), "month"), (D(2022, 3, 31), "month"), (D(2022, 3, 31), "month"),
        (D(2022, 4, 30), "month"), (D(2022, 5, 31), "month"), (D(2022, 6, 30), "month"), (D(2022, 12, 31), "month"),
        (D(2022, 3, 15), "day"),
    ]  # fmt: skip


def test_the_year_of_a_month_comes_from_the_sheet_the_file_or_the_caller(tmp_path):
    rows = [["采购单位", "月份", "金额"], ["周巷镇", "3月份", "1"]]
    # from the sheet name
    path = write_xlsx(tmp_path / "台账.xlsx", {"2021年": rows})
    assert next(open_ledger(path).rows()).record.date == D(2021, 3, 31)
    # from the file name
    path = write_csv(tmp_path / "周巷镇2023年台账.csv", rows)
    assert next(open_ledger(path, year=2022).rows()).record.date == D(2023, 3, 31)
    # from the caller
    path = write_csv(tmp_path / "台账.csv", rows)
    assert next(open_ledger(path, year=2022).rows()).record.date == D(2022, 3, 31)
    # from nowhere: rejected, saying what to do
    (row,) = open_ledger(path).rows()
    assert row.reason == (
        "工作表“台账”第2行“月份”列：“3月份”只有月份，没有年份；请写明年份（如2022年3月），或导入时指定年度"
    )


def test_months_typed_as_numbers_in_excel(tmp_path):
    rows = [
        ["采购单位", "月份", "金额"],
        ["周巷镇", 2022.03, "1"],
        ["周巷镇", 202204, "1"],
        ["周巷镇", 2022.1, "1"],
    ]
    got = list(open_ledger(write_xlsx(tmp_path / "a.xlsx", {"S": rows})).rows())
    assert [(r.record.date, r.record.date_precision) for r in got[:2]] == [
        (D(2022, 3, 31), "month"),
        (D(2022, 4, 30), "month"),
    ]
    assert got[2].reason == (
        "工作表“S”第4行“月份”列：“2022.1”可能是2022年1月，也可能是10月（Excel把2022.10存成了2022.1）；"
        "请写成文本，如2022年10月"
    )


# --- a broken CSV quote -----------------------------------------------------------------------------

CSV_HEADER = "采购单位,采购日期,商品名称,金额,备注\n"


def test_an_unclosed_quote_is_rejected_and_named(tmp_path):
    good = "".join(f"周巷镇,2022-03-{day:02d},苦荞茶,10,\n" for day in range(1, 6))
    broken = '周巷镇,2022-03-06,苦荞茶,10,"已付\n'
    swallowed = "".join(f"周巷镇,2022-03-07,花椒,{i},\n" for i in range(1000))
    path = tmp_path / "台账.csv"
    path.write_text(CSV_HEADER + good + broken + swallowed, encoding="gbk")
    ledger = open_ledger(path)
    got = list(ledger.rows())
    assert [r.kind for r in got] == ["record"] * 5 + ["rejected"]
    message = "第7行的引号未闭合，其后1000行被合并为一个单元格，请检查文件"
    assert got[5].reason == f"工作表“台账”第7行“备注”列：文件{message}"
    assert got[5].raw[4].count("花椒") == 1000  # kept whole: nothing is lost
    assert ledger.warnings == [f"文件“台账.csv”{message}"]
    list(ledger.rows())
    assert len(ledger.warnings) == 1  # read twice, said once


def test_rows_after_a_quote_closed_further_down_are_read(tmp_path):
    broken = '周巷镇,"2022-03-06,苦荞茶,10,\n'
    swallowed = "".join(f"周巷镇,2022-03-07,花椒,{i},\n" for i in range(5))
    closing = '周巷镇,2022-03-08",花椒,10,\n'
    after = "周巷镇,2022-03-09,花椒,20,\n"
    path = tmp_path / "b.csv"
    path.write_text(
        CSV_HEADER + "周巷镇,2022-03-01,苦荞茶,10,\n" + broken + swallowed + closing + after, encoding="utf-8"
    )
    ledger = open_ledger(path)
    got = list(ledger.rows())
    assert [(r.row, r.kind) for r in got] == [(2, "record"), (3, "rejected"), (4, "record")]
    assert "第3行的引号未闭合，其后6行被合并为一个单元格" in got[1].reason
    assert got[1].reason.startswith("工作表“b”第3行“采购日期”列：")
    assert got[2].record.amount_fen == 2000


def test_the_line_is_counted_past_wrapped_headers_and_cells(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        '"采购\n单位",采购日期,商品名称,金额,备注\n'  # lines 1–2
        + '"慈溪市周巷镇\n中心小学",2022-03-15,苦荞茶,10,\n'  # lines 3–4
        + "\n"  # line 5: blank
        + '周巷镇,2022-03-16,花椒,20,"未闭合\n'  # line 6
        + "".join(f"周巷镇,2022-03-17,花椒,{i},\n" for i in range(3)),
        encoding="utf-8",
    )
    got = list(open_ledger(path).rows())
    assert [(r.row, r.kind) for r in got] == [(2, "record"), (3, "blank"), (4, "rejected")]
    assert (
        got[2].reason
        == "工作表“d”第4行“备注”列：文件第6行的引号未闭合，其后3行被合并为一个单元格，请检查文件"
    )


def test_a_cell_of_more_than_fifty_lines_is_a_broken_quote_whatever_it_holds(tmp_path):
    path = tmp_path / "e.csv"
    # line 2 opens the quote; lines 3–61 follow it
    path.write_text(CSV_HEADER + '周巷镇,2022-03-16,花椒,20,"' + "说明\n" * 60, encoding="utf-8")
    (row,) = open_ledger(path).rows()
    assert (
        row.reason == "工作表“e”第2行“备注”列：文件第2行的引号未闭合，其后59行被合并为一个单元格，请检查文件"
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["周巷镇", "已付\na,b,c\nd,e,f\ng,h,i"], (1, 3)),  # three swallowed record-like lines
        (["周巷镇", "x\n" * 51], (1, 51)),
        (["周巷镇", "第一行\n第二行\n第三行\n第四行"], None),  # lines, but not records
        (["周巷镇", "花椒,\n青花椒"], None),  # one line break
        (["周巷镇", "a\nb,c,d\ne,f,g"], None),  # two line breaks
    ],
)
def test_swallowed_cells(cells, expected):
    assert swallowed_cell(cells, ",", 4) == expected


def test_quoted_cells_with_a_few_line_breaks_are_normal(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        CSV_HEADER
        + '"慈溪市周巷镇\n中心小学",2022-03-15,苦荞茶,10,"第一行\n第二行\n第三行\n第四行"\n'
        + '周巷镇,2022-03-16,"花椒,\n青花椒",20,\n',
        encoding="utf-8",
    )
    ledger = open_ledger(path)
    assert [r.kind for r in ledger.rows()] == ["record", "record"]
    assert ledger.warnings == []


# --- encodings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "detected"),
    [
        ("utf-16", "\t", "utf-16"),
        ("utf-16", ",", "utf-16"),
        ("utf-16-le", "\t", "utf-16-le"),
        ("utf-16-be", ",", "utf-16-be"),
    ],
)
def test_utf16_csv(tmp_path, encoding, delimiter, detected):
    rows = [export_rows()[0], *export_rows()[1:]]
    path = write_csv(tmp_path / "export.csv", rows, encoding=encoding, delimiter=delimiter)
    ledger = open_ledger(path)
    assert (ledger.encoding, ledger.delimiter) == (detected, delimiter)
    got = list(ledger.rows())
    assert [r.kind for r in got] == ["record", "cancelled", "record", "record"]
    assert got[0].record.purchaser == "慈溪市教育局" and got[0].record.amount_fen == 128000


def test_gb18030_with_more_cells_than_headers(tmp_path):
    path = tmp_path / "gb.csv"
    path.write_bytes(
        "采购单位,日期,金额\n䶮镇𠀀村,2022-03-15,10,多出的一列,又一列\n周巷镇,2022-03-16,20\n".encode(
            "gb18030"
        )
    )
    ledger = open_ledger(path)
    assert ledger.encoding == "gb18030"
    got = list(ledger.rows())
    assert [(r.record.purchaser, r.record.amount_fen) for r in got] == [("䶮镇𠀀村", 1000), ("周巷镇", 2000)]
    assert got[0].raw == ("䶮镇𠀀村", "2022-03-15", "10", "多出的一列", "又一列")


def test_a_binary_file_is_still_not_a_csv(tmp_path):
    from bangfu.ledger.parsing import LedgerReadError

    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 50)
    with pytest.raises(LedgerReadError, match=re.escape("不是文本表格")):
        open_ledger(path)


def test_a_row_after_an_unusual_row_is_read_afresh(tmp_path, fmt):
    """A refund, a month, a filled-in purchaser or a rejected refund leaves nothing to the next row."""
    rows = [
        ["填报单位：周巷镇人民政府"],
        ["采购单位", "采购日期", "金额"],
        ["周巷镇", "2022-03-01", "（退）300"],  # 3: refund, marked
        ["周巷镇", "2022-03-02", "300"],
        ["周巷镇", "2022年3月", "300"],  # 5: month
        ["周巷镇", "2022-03-03", "300"],
        [None, "2022-03-04", "300"],  # 7: purchaser from the 填报单位 line
        ["周巷镇", "2022-03-05", "300"],
        ["周巷镇", "不详", "（退）300"],  # 9: a refund rejected for its date
        ["周巷镇", "2022-03-06", "300"],
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    summary = [
        (r.row, r.kind, r.reason == "", r.record and (r.record.amount_fen, r.record.date_precision, r.record.purchaser_from, r.record.refund))
        for r in got
    ]  # fmt: skip
    assert summary == [
        (3, "refund", False, (-30000, "day", "cell", True)),
        (4, "record", True, (30000, "day", "cell", False)),
        (5, "record", True, (30000, "month", "cell", False)),
        (6, "record", True, (30000, "day", "cell", False)),
        (7, "record", True, (30000, "day", "reporting_unit", False)),
        (8, "record", True, (30000, "day", "cell", False)),
        (9, "rejected", False, None),
        (10, "record", True, (30000, "day", "cell", False)),
    ]
