"""Reading whole ledgers in every format: the same office ledger as .xlsx, .xls and CSV (UTF-8, UTF-8
with BOM, GBK, tab-separated GBK) must give the same rows, kinds, reasons and values."""

from __future__ import annotations

import datetime
import inspect
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from bangfu.ledger.parsing import LedgerReadError, LedgerRow, RowKind, open_ledger

from .builders import FORMATS, sheet_name, write_csv, write_ledger, write_xls, write_xlsx

D = datetime.date
HEADER = ["序号", "采购单位", "采购日期", "商品名称", "供应商", "产地", "数量", "单位", "金额（元）", "订单编号", "订单状态", "备注"]  # fmt: skip
TITLES: list[list[Any]] = [
    ["2022年周巷镇消费帮扶采购台账"],
    ["填报单位（盖章）：周巷镇人民政府", None, None, None, "填报日期：2022年7月1日"],
]
BUTUO = "四川省凉山彝族自治州布拖县"


# Title rows, the header (row 3) and one data row per case (rows 4–29).
# fmt: off
OFFICE_ROWS: list[list[Any]] = [
    *TITLES,
    HEADER,
    # 4: an Excel date, "1,280.00", a long order number kept as text
    [1, "周巷镇中心小学", D(2022, 3, 15), "苦荞茶", "布拖县彝家苦荞公司", BUTUO, 10, "箱", "1,280.00", "2022031500010001", "已完成", ""],
    # 5: 2022.3.16, full-width digits
    [2, "周巷镇人民政府", "2022.3.16", "花椒", "布拖县花椒合作社", "凉山州布拖县", "５", "斤", "１２３.５", "", "", ""],
    # 6: 2022年4月2日, 1.5万
    [3, "周巷镇卫生院", "2022年4月2日", "黑山羊", "布拖县黑山羊合作社", "布拖县", 2, "只", "1.5万", "", "", ""],
    # 7: 2022/05/20, a number cell
    [4, "周巷镇中心小学", "2022/05/20", "马铃薯", "布拖县农业公司", "布拖", 100, "斤", 3000, "", "", ""],
    # 8: 20220620, "3000元"
    [5, "周巷镇成人学校", "20220620", "荞麦面", "", "布拖", None, None, "3000元", "", "", ""],
    # 9: an Excel date-time, a fractional number cell
    [6, "周巷镇人民政府", datetime.datetime(2022, 3, 15, 10, 23, 11), "附子", "", "布拖", None, None, 750.2, "", "", ""],
    # 10: 2022/3/5 9:01, "1，280" (full-width comma)
    [7, "周巷镇人民政府", "2022/3/5 9:01", "花椒", "", "布拖", None, None, "1，280", "", "", ""],
    # 11: an Excel serial number in the date column
    [8, "周巷镇人民政府", 44635, "苦荞茶", "", "布拖", None, None, "200", "", "", ""],
    # 12: blank
    [None] * 12,
    # 13: only a sequence number
    [9, None, None, None, None, None, None, None, None, None, None, None],
    # 14: cancelled by the status column
    [10, "周巷镇人民政府", "2022-03-18", "花椒", "", "布拖", None, None, "500", "", "已取消", ""],
    # 15: refunded, said in a remark
    [11, "周巷镇人民政府", "2022-03-19", "花椒", "", "布拖", None, None, "500", "", "", "退款成功"],
    # 16, 17: rejected rows
    [12, "周巷镇人民政府", "2022-03-20", "花椒", "", "布拖", None, None, "12.3.4", "", "", ""],
    [13, "周巷镇人民政府", "2022-02-30", "花椒", "", "布拖", None, None, "100", "", "", ""],
    # 18: no purchaser: the one of the "填报单位（盖章）" line
    [14, None, "2022-03-21", "花椒", "", "布拖", None, None, "100", "", "", ""],
    # 19: a negative amount is a refund
    [15, "周巷镇人民政府", "2022-03-22", "花椒", "", "布拖", None, None, "-50", "", "", ""],
    # 20–22: rejected rows
    [16, "周巷镇人民政府", "2022-03-23", "花椒", "", "布拖", None, None, "12.345", "", "", ""],
    [17, "周巷镇人民政府", "abc", "花椒", "", "布拖", None, None, "100", "", "", ""],
    [18, "周巷镇人民政府", "2022-03-24", "花椒", "", "布拖", None, None, None, "", "", ""],
    # 23: missing date
    [19, "周巷镇人民政府", None, "花椒", "", "布拖", None, None, "100", "", "", ""],
    # 24: a remark that mentions 共计 is still a record
    [20, "周巷镇人民政府", "2022-03-25", "花椒", "", "布拖", 3, "箱", "90", "", "", "共计3箱"],
    # 25–27: totals
    ["小计", None, None, None, None, None, None, None, "4500", None, None, None],
    [None, "周巷镇合计", None, None, None, None, None, None, "4500", None, None, None],
    ["合 计", None, None, None, None, None, None, None, "9000", None, None, None],
    # 28–29: notes
    ["备注：本表由各单位据实填写"],
    ["填表人：张三", None, None, "审核人：李四", None, None, "联系电话：0574-63000000"],
]
# fmt: on


def office_rows() -> list[list[Any]]:
    return [list(row) for row in OFFICE_ROWS]


EXPECTED = {
    4: ("record", "周巷镇中心小学", D(2022, 3, 15), 128000),
    5: ("record", "周巷镇人民政府", D(2022, 3, 16), 12350),
    6: ("record", "周巷镇卫生院", D(2022, 4, 2), 1500000),
    7: ("record", "周巷镇中心小学", D(2022, 5, 20), 300000),
    8: ("record", "周巷镇成人学校", D(2022, 6, 20), 300000),
    9: ("record", "周巷镇人民政府", D(2022, 3, 15), 75020),
    10: ("record", "周巷镇人民政府", D(2022, 3, 5), 128000),
    11: ("record", "周巷镇人民政府", D(2022, 3, 15), 20000),
    12: ("blank",),
    13: ("blank",),
    14: ("cancelled",),
    15: ("cancelled",),
    16: ("rejected",),
    17: ("rejected",),
    18: ("record", "周巷镇人民政府", D(2022, 3, 21), 10000),
    19: ("refund", "周巷镇人民政府", D(2022, 3, 22), -5000),
    20: ("rejected",),
    21: ("rejected",),
    22: ("rejected",),
    23: ("rejected",),
    24: ("record", "周巷镇人民政府", D(2022, 3, 25), 9000),
    25: ("total",),
    26: ("total",),
    27: ("total",),
    28: ("note",),
    29: ("note",),
}


def reasons(sheet: str) -> dict[int, str]:
    where = f"工作表“{sheet}”第"
    return {
        12: f"{where}12行：空行",
        13: f"{where}13行：只有序号的空行",
        14: f"{where}14行“订单状态”列：订单“已取消”，已取消、退款或关闭，不计为采购",
        15: f"{where}15行“备注”列：备注“退款成功”，已取消或退款，不计为采购",
        16: f"{where}16行“金额（元）”列：“12.3.4”不是有效金额",
        17: f"{where}17行“采购日期”列：“2022-02-30”不是有效日期",
        19: f"{where}19行“金额（元）”列：金额“-50”为退款（负数金额），冲减原订单",
        20: f"{where}20行“金额（元）”列：“12.345”超过两位小数，金额精确到分",
        21: f"{where}21行“采购日期”列：“abc”不是有效日期",
        22: f"{where}22行“金额（元）”列：金额为空",
        23: f"{where}23行“采购日期”列：日期为空",
        25: f"{where}25行：“小计”行是合计，不是采购记录",
        26: f"{where}26行：“周巷镇合计”行是合计，不是采购记录",
        27: f"{where}27行：“合计”行是合计，不是采购记录",
        28: f"{where}28行：“备注：本表由各单位据实填写”是说明，不是采购记录",
        29: f"{where}29行：“填表人：张三”是说明，不是采购记录",
    }


@pytest.fixture(params=FORMATS)
def fmt(request):
    return request.param


@pytest.fixture
def office_ledger(tmp_path, fmt):
    return open_ledger(write_ledger(tmp_path, fmt, office_rows()))


def test_layout_under_title_rows(office_ledger, fmt):
    assert office_ledger.reporting_unit_hint == "周巷镇人民政府"
    assert not office_ledger.looks_like_832_export
    assert office_ledger.warnings == []
    (layout,) = office_ledger.sheets
    assert layout.name == sheet_name(fmt)
    assert layout.header_row == 3
    assert layout.headers == HEADER
    assert layout.title_rows == [
        "2022年周巷镇消费帮扶采购台账",
        "填报单位（盖章）：周巷镇人民政府 填报日期：2022年7月1日",
    ]
    assert layout.columns == {
        "purchaser": 1, "date": 2, "product": 3, "supplier": 4, "origin": 5, "quantity": 6, "quantity_unit": 7,
        "amount": 8, "order_no": 9, "status": 10, "remarks": 11,
    }  # fmt: skip
    assert layout.amount_scale == 1
    assert layout.seq_column == 0


def test_encoding_is_detected(office_ledger, fmt):
    expected = {"csv-utf8": "utf-8", "csv-utf8-sig": "utf-8-sig", "csv-gbk": "gb18030", "tsv-gbk": "gb18030"}
    assert office_ledger.encoding == expected.get(fmt)
    assert office_ledger.delimiter == {
        "csv-utf8": ",",
        "csv-utf8-sig": ",",
        "csv-gbk": ",",
        "tsv-gbk": "\t",
    }.get(fmt)


def test_every_row_is_classified(office_ledger):
    rows = list(office_ledger.rows())
    assert [row.row for row in rows] == list(EXPECTED)
    for row in rows:
        expected = EXPECTED[row.row]
        assert row.kind == expected[0], (row.row, row.reason)
        if row.kind in ("record", "refund"):
            assert (row.record.purchaser, row.record.date, row.record.amount_fen) == expected[1:], row.row
            assert row.record.refund == (row.kind == "refund")
            assert (row.reason == "") == (row.kind == "record")
        else:
            assert row.record is None


def test_reasons_name_sheet_row_and_column(office_ledger, fmt):
    expected = reasons(sheet_name(fmt))
    got = {row.row: row.reason for row in office_ledger.rows() if row.reason}
    assert got == expected


def test_record_fields(office_ledger):
    rows = {row.row: row for row in office_ledger.rows()}
    first = rows[4].record
    assert first.product == "苦荞茶"
    assert first.supplier == "布拖县彝家苦荞公司"
    assert first.origin == BUTUO
    assert first.quantity == Decimal(10)
    assert first.quantity_unit == "箱"
    assert first.order_no == "2022031500010001"  # 16 digits kept exactly, as text
    assert first.order_key == "2022031500010001"
    assert first.status == "已完成"
    assert first.channel == "" and first.category == ""
    assert rows[5].record.quantity == Decimal(5)  # full-width digit
    assert rows[24].record.remarks == "共计3箱"
    assert rows[8].record.quantity is None and rows[8].record.quantity_unit == ""


def test_raw_keeps_the_cells_as_written(office_ledger, fmt):
    rows = {row.row: row for row in office_ledger.rows()}
    raw4 = rows[4].raw
    assert raw4[:3] == ("1", "周巷镇中心小学", "2022-03-15")
    assert raw4[8] == "1,280.00"
    assert rows[5].raw[8] == "１２３.５"
    assert rows[7].raw[8] == "3000"  # a number cell: str() of the value, no ".0"
    assert rows[9].raw[2] == "2022-03-15 10:23:11"
    assert rows[9].raw[8] == "750.2"
    assert rows[11].raw[2] == "44635"
    assert rows[16].raw[8] == "12.3.4"  # rejected rows keep their original values
    assert len(raw4) == len(HEADER)


def test_each_data_row_is_yielded_exactly_once(tmp_path, fmt):
    rows = office_rows()
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    got = list(ledger.rows())
    data_rows = len(rows) - ledger.sheets[0].header_row
    assert len(got) == data_rows
    assert [row.row for row in got] == list(range(4, 4 + data_rows))
    assert all(isinstance(row, LedgerRow) and row.kind in KINDS for row in got)
    counts = Counter(row.kind for row in got)
    assert counts == {
        "record": 10, "refund": 1, "rejected": 6, "blank": 2, "cancelled": 2, "total": 3, "note": 2
    }  # fmt: skip
    # The purchases, the row filled from the 填报单位 line (+100.00) and the refund (-50.00).
    assert sum(row.record.amount_fen for row in got if row.record) == 2472370 + 10000 - 5000


KINDS = {
    RowKind.RECORD,
    RowKind.REFUND,
    RowKind.REJECTED,
    RowKind.BLANK,
    RowKind.TOTAL,
    RowKind.NOTE,
    RowKind.CANCELLED,
}


def test_rows_is_a_generator_and_can_be_read_twice(office_ledger):
    assert inspect.isgenerator(office_ledger.rows())
    first = [(row.row, row.kind, row.raw) for row in office_ledger.rows()]
    second = [(row.row, row.kind, row.raw) for row in office_ledger.rows()]
    assert first == second


def test_sha256_and_name(tmp_path, fmt):
    import hashlib

    path = write_ledger(tmp_path, fmt, office_rows())
    ledger = open_ledger(path)
    assert ledger.name == path.name
    assert ledger.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- 万元 ---------------------------------------------------------------------------------------------


def test_wan_yuan_column(tmp_path, fmt):
    rows = [
        ["采购单位", "采购日期", "金额（万元）"],
        ["周巷镇", "2022-03-15", "1.2"],  # 12,000 元
        ["周巷镇", "2022-03-15", "1.5万"],  # a unit in the cell wins: 15,000 元
        ["周巷镇", "2022-03-15", 0.12345],  # 1,234.50 元
        ["周巷镇", "2022-03-15", "0.1234567"],  # 1,234.567 元 → rounded half up to 1,234.57
        ["周巷镇", "2022-03-15", "3000元"],
        ["周巷镇", "2022-03-15", "１.２"],
        ["周巷镇", "2022-03-15", "1.2亿"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    assert ledger.sheets[0].amount_scale == 10000
    assert [row.record.amount_fen for row in ledger.rows()] == [
        1_200_000, 1_500_000, 123_450, 123_457, 300_000, 1_200_000, 12_000_000_000,
    ]  # fmt: skip


def test_amount_unit_from_a_title_row_or_the_caller(tmp_path, fmt):
    rows = [
        ["2022年采购台账", None, "单位：万元"],
        ["采购单位", "采购日期", "金额"],
        ["周巷镇", "2022-03-15", "1.2"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows, name="title"))
    assert [row.record.amount_fen for row in ledger.rows()] == [1_200_000]
    rows = [["采购单位", "采购日期", "金额"], ["周巷镇", "2022-03-15", "1.2"]]
    path = write_ledger(tmp_path, fmt, rows, name="hint")
    assert [row.record.amount_fen for row in open_ledger(path, amount_unit_hint="万元").rows()] == [1_200_000]
    assert [row.record.amount_fen for row in open_ledger(path).rows()] == [120]
    # The header's own unit wins over the caller's hint.
    rows = [["采购单位", "采购日期", "金额（元）"], ["周巷镇", "2022-03-15", "1.2"]]
    path = write_ledger(tmp_path, fmt, rows, name="header")
    assert [row.record.amount_fen for row in open_ledger(path, amount_unit_hint="万元").rows()] == [120]


def test_amount_unit_hint_must_be_a_unit(tmp_path):
    path = write_ledger(tmp_path, "csv-utf8", [["采购单位", "日期", "金额"]])
    with pytest.raises(ValueError):
        open_ledger(path, amount_unit_hint="千克")


# --- platform exports -------------------------------------------------------------------------------

PLATFORM_HEADER = [
    "订单编号",
    "下单时间",
    "采购单位",
    "商品名称",
    "供应商",
    "产地",
    "订单金额(元)",
    "订单状态",
]


def platform_rows() -> list[list]:
    return [
        ["脱贫地区农副产品网络销售平台订单导出"],
        PLATFORM_HEADER,
        ["2022031500010000", "2022-03-15 10:23:11", "慈溪市教育局", "苦荞茶", "布拖县彝家苦荞公司", BUTUO, "1,280.00", "交易成功"],
        ["2022031500010001", "2022-03-15 11:00:00", "慈溪市教育局", "花椒", "布拖县花椒合作社", BUTUO, "99.90", "交易关闭"],
        ["2022031500010002", "2022-03-16 09:00:00", "慈溪市人民医院", "马铃薯", "布拖县农业公司", BUTUO, "300", "退款成功"],
        ["2022031500010003", "2022-03-16 09:30:00", "慈溪市人民医院", "马铃薯", "布拖县农业公司", BUTUO, "300", "已完成"],
        ["2022031500010004", "2022-03-17 09:30:00", "慈溪市人民医院", "马铃薯", "布拖县农业公司", BUTUO, "-300", "部分退款"],
        ["合计", "", "", "", "", "", "2,279.90", ""],
    ]  # fmt: skip


def test_platform_export(tmp_path, fmt):
    ledger = open_ledger(write_ledger(tmp_path, fmt, platform_rows(), name="export"))
    assert ledger.looks_like_832_export
    assert ledger.sheets[0].title_rows == ["脱贫地区农副产品网络销售平台订单导出"]
    kinds = [(row.row, row.kind) for row in ledger.rows()]
    assert kinds == [
        (3, "record"),
        (4, "cancelled"),
        (5, "cancelled"),  # +300 退款成功: the whole order was refunded
        (6, "record"),
        (7, "refund"),  # -300 部分退款: a refund line
        (8, "total"),
    ]
    records = [row.record for row in ledger.rows() if row.record]
    assert [r.order_key for r in records] == ["2022031500010000", "2022031500010003", "2022031500010004"]
    assert [r.amount_fen for r in records] == [128000, 30000, -30000]
    assert [r.date for r in records] == [D(2022, 3, 15), D(2022, 3, 16), D(2022, 3, 17)]
    reason = {row.row: row.reason for row in ledger.rows()}[7]
    assert (
        reason
        == f"工作表“{sheet_name(fmt, 'export')}”第7行“订单金额(元)”列：金额“-300”为退款（负数金额），冲减原订单"
    )


def test_platform_named_in_the_file_name(tmp_path):
    rows = [["订单号", "采购单位", "支付时间", "实付金额"], ["A1", "慈溪中学", "2022-03-15", "10"]]
    assert open_ledger(write_ledger(tmp_path, "csv-utf8", rows, name="832订单")).looks_like_832_export
    assert not open_ledger(write_ledger(tmp_path, "csv-utf8", rows, name="订单")).looks_like_832_export


def test_excel_numbers_as_order_numbers(tmp_path):
    """Excel stores a long number typed into a cell as a float; its key is its integer digits."""
    rows = [
        ["订单号", "采购单位", "日期", "金额"],
        [2022031500010000, "慈溪中学", "2022-03-15", 10],
        [2.02203150001e15, "慈溪中学", "2022-03-15", 10],
        [12345, "慈溪中学", "2022-03-15", 10],
        ["'2022031500010009", "慈溪中学", "2022-03-15", 10],
    ]
    for fmt in ("xlsx", "xls"):
        ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
        records = [row.record for row in ledger.rows()]
        assert [r.order_no for r in records] == [
            "2022031500010000",
            "2022031500010000",
            "12345",
            "'2022031500010009",
        ]
        assert [r.order_key for r in records] == [
            "2022031500010000",
            "2022031500010000",
            "12345",
            "2022031500010009",
        ]


# --- more cases ---------------------------------------------------------------------------------------


def test_default_purchaser(tmp_path, fmt):
    rows = [["商品名称", "日期", "金额"], ["苦荞茶", "2022-03-15", "10"], ["花椒", "2022-03-16", "20"]]
    path = write_ledger(tmp_path, fmt, rows)
    ledger = open_ledger(path, default_purchaser="慈溪市总工会")
    assert ledger.warnings == []
    assert [row.record.purchaser for row in ledger.rows()] == ["慈溪市总工会", "慈溪市总工会"]
    ledger = open_ledger(path)
    assert ledger.warnings == [f"工作表“{sheet_name(fmt)}”没有采购单位列，请在导入时指定采购单位"]
    assert [row.reason for row in ledger.rows()] == [
        f"工作表“{sheet_name(fmt)}”第{n}行：表中没有采购单位列，导入时也未指定采购单位" for n in (2, 3)
    ]


def test_default_purchaser_fills_only_empty_cells(tmp_path, fmt):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "10"], ["", "2022-03-16", "20"]]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows), default_purchaser="慈溪市总工会")
    assert [row.record.purchaser for row in ledger.rows()] == ["周巷镇", "慈溪市总工会"]


def test_channel_category_quantity_unit_from_header(tmp_path, fmt):
    rows = [
        ["采购单位", "日期", "品名", "数量（斤）", "金额", "采购渠道", "用途"],
        ["慈溪中学", "2022-03-15", "马铃薯", "50", "100", "832平台", "食材"],
        ["慈溪中学", "2022-03-16", "花椒", "5箱", "200", "线下", "节日福利"],
        ["慈溪中学", "2022-03-17", "花椒", "", "300", "", ""],
    ]
    records = [row.record for row in open_ledger(write_ledger(tmp_path, fmt, rows)).rows()]
    assert [(r.channel, r.category) for r in records] == [
        ("832平台", "食堂食材"),
        ("线下采购", "工会慰问品"),
        ("", ""),
    ]
    assert [(r.quantity, r.quantity_unit) for r in records] == [
        (Decimal(50), "斤"),
        (Decimal(5), "箱"),
        (None, ""),
    ]


def test_mixed_date_forms_in_one_column(tmp_path, fmt):
    forms = ["2022.3.15", "2022年4月2日", "2022/05/20", "2022-05-20", "20220620", "2022-03-15 10:23:11",
             "2022/3/5 9:01", "２０２２－０３－１５", 44635, D(2022, 7, 1)]  # fmt: skip
    rows = [["采购单位", "日期", "金额"], *[["周巷镇", form, "1"] for form in forms]]
    records = [row.record for row in open_ledger(write_ledger(tmp_path, fmt, rows)).rows()]
    assert [r.date for r in records] == [
        D(2022, 3, 15), D(2022, 4, 2), D(2022, 5, 20), D(2022, 5, 20), D(2022, 6, 20), D(2022, 3, 15),
        D(2022, 3, 5), D(2022, 3, 15), D(2022, 3, 15), D(2022, 7, 1),
    ]  # fmt: skip


def test_excel_serial_with_a_time_fraction(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", 44635.4375, "1"], ["周巷镇", 2958466, "1"]]
    for fmt in ("xlsx", "xls"):
        got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
        assert got[0].record.date == D(2022, 3, 15)
        assert got[0].raw[1] == "44635.4375"
        assert got[1].reason == "工作表“Sheet1”第3行“日期”列：“2958466”不是有效日期"


def test_float_amounts_are_read_as_excel_shows_them(tmp_path):
    rows = [
        ["采购单位", "日期", "金额"],
        ["周巷镇", "2022-03-15", 0.1 + 0.2],
        ["周巷镇", "2022-03-15", 1280.35],
    ]
    for fmt in ("xlsx", "xls"):
        assert [row.record.amount_fen for row in open_ledger(write_ledger(tmp_path, fmt, rows)).rows()] == [
            30,
            128035,
        ]


def test_column_number_row_under_the_header(tmp_path, fmt):
    rows = [["序号", "采购单位", "日期", "金额"], [1, 2, 3, 4], [1, "周巷镇", "2022-03-15", "10"]]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    assert [row.kind for row in got] == ["note", "record"]


def test_wrapped_cells(tmp_path, fmt):
    rows = [
        ["采购\n单位", "日期", "商品\n名称", "金额"],
        ["慈溪市周巷镇\n中心小学", "2022-03-15", "苦荞\n茶", "10"],
    ]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    assert ledger.sheets[0].headers == ["采购单位", "日期", "商品名称", "金额"]
    (row,) = ledger.rows()
    assert (row.record.purchaser, row.record.product) == ("慈溪市周巷镇中心小学", "苦荞茶")


def test_sheet_without_a_date_column(tmp_path, fmt):
    rows = [["采购单位", "商品名称", "金额"], ["周巷镇", "苦荞茶", "10"]]
    ledger = open_ledger(write_ledger(tmp_path, fmt, rows))
    sheet = sheet_name(fmt)
    assert ledger.warnings == [f"工作表“{sheet}”没有日期列，其中的行都将被拒绝"]
    assert [row.reason for row in ledger.rows()] == [f"工作表“{sheet}”第2行：表中没有日期列"]


def test_negative_amount_with_a_refund_remark_is_a_refund(tmp_path, fmt):
    rows = [
        ["采购单位", "日期", "金额", "备注"],
        ["周巷镇", "2022-03-15", "-10", "退货退款"],
        ["周巷镇", "2022-03-15", "0", ""],
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    assert [row.kind for row in got] == ["refund", "rejected"]
    assert got[0].record.amount_fen == -1000
    assert got[1].reason.endswith("列：金额“0”为零，既不是采购也不是退款")


def test_refund_status_column(tmp_path, fmt):
    rows = [["订单号", "采购单位", "日期", "金额", "退款状态"], ["1", "周巷镇", "2022-03-15", "10", "退款成功"], ["2", "周巷镇", "2022-03-15", "10", ""]]  # fmt: skip
    assert [row.kind for row in open_ledger(write_ledger(tmp_path, fmt, rows)).rows()] == [
        "cancelled",
        "record",
    ]


def test_short_rows_in_a_csv(tmp_path):
    """Trailing empty fields may be missing from a CSV line."""
    path = tmp_path / "short.csv"
    path.write_text("采购单位,日期,金额,备注\n周巷镇,2022-03-15,10\n周巷镇\n\n", encoding="utf-8")
    got = list(open_ledger(path).rows())
    assert [(row.kind, row.raw) for row in got] == [
        ("record", ("周巷镇", "2022-03-15", "10")),
        ("rejected", ("周巷镇",)),
        ("blank", ()),
    ]


def test_quoted_multiline_csv_cells_count_as_one_row(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(
        '采购单位,日期,金额\n"慈溪市周巷镇\n中心小学",2022-03-15,10\n周巷镇,2022-03-16,abc\n',
        encoding="utf-8",
    )
    got = list(open_ledger(path).rows())
    assert got[0].record.purchaser == "慈溪市周巷镇中心小学"
    assert got[1].reason == "工作表“multi”第3行“金额”列：“abc”不是有效金额"


def test_semicolon_delimited(tmp_path):
    path = write_csv(
        tmp_path / "semi.csv",
        [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "1,280.00"]],
        delimiter=";",
    )
    ledger = open_ledger(path)
    assert ledger.delimiter == ";"
    assert [row.record.amount_fen for row in ledger.rows()] == [128000]


def test_a_utf8_sample_cut_inside_a_character_is_still_utf8(tmp_path, monkeypatch):
    from bangfu.common import tables as sources

    path = tmp_path / "cut.csv"
    body = "采购单位,日期,金额\n" + "".join(f"周巷镇中心小学{i},2022-03-15,{i + 1}\n" for i in range(50))
    data = body.encode("utf-8")
    cut = next(i for i in range(60, len(data)) if (data[i] & 0xC0) == 0x80)  # inside a 3-byte character
    monkeypatch.setattr(sources, "SAMPLE_BYTES", cut)
    path.write_bytes(data)
    ledger = open_ledger(path)
    assert ledger.encoding == "utf-8"
    assert sum(1 for row in ledger.rows() if row.kind == "record") == 50


def test_gb18030_only_characters(tmp_path):
    path = tmp_path / "gb.csv"
    path.write_bytes("采购单位,日期,金额\n䶮镇𠀀村,2022-03-15,10\n".encode("gb18030"))
    ledger = open_ledger(path)
    assert ledger.encoding == "gb18030"
    assert next(ledger.rows()).record.purchaser == "䶮镇𠀀村"


def test_xlsx_data_not_starting_at_a1(tmp_path):
    path = write_xlsx(
        tmp_path / "offset.xlsx",
        {
            "台账": [
                [],
                [],
                ["采购单位", "日期", "金额"],
                ["周巷镇", "2022-03-15", 10],
                [],
                ["周巷镇", "x", 10],
            ]
        },
        start_col=3,
    )
    ledger = open_ledger(path)
    assert ledger.sheets[0].header_row == 3
    assert ledger.sheets[0].columns == {"purchaser": 2, "date": 3, "amount": 4}
    got = list(ledger.rows())
    assert [(row.row, row.kind) for row in got] == [(4, "record"), (5, "blank"), (6, "rejected")]
    assert got[0].raw == ("", "", "周巷镇", "2022-03-15", "10")
    assert got[2].reason == "工作表“台账”第6行“日期”列：“x”不是有效日期"


def test_numbers_typed_into_a_date_column(tmp_path):
    rows = [
        ["采购单位", "日期", "金额"],
        ["周巷镇", 20220315, "1"],
        ["周巷镇", 2022.0315, "1"],
        ["周巷镇", 44635, "1"],
    ]
    for fmt in ("xlsx", "xls"):
        got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
        assert got[0].record.date == D(2022, 3, 15)
        assert got[1].reason == "工作表“Sheet1”第3行“日期”列：“2022.0315”不是有效日期"  # not day 2022 (1905)
        assert got[2].record.date == D(2022, 3, 15)


def test_numbered_lines_under_a_note_are_notes(tmp_path, fmt):
    rows = [
        ["采购单位", "日期", "金额"],
        ["周巷镇", "2022-03-15", "10"],
        ["说明："],
        ["1、金额单位为元；"],
        ["2、日期填写采购日期。"],
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    assert [row.kind for row in got] == ["record", "note", "note", "note"]


def test_section_labels_repeated_headers_and_running_totals(tmp_path, fmt):
    rows = [
        ["采购单位", "日期", "金额（元）"],
        ["一、食堂食材"],
        ["周巷镇中心小学", "2022-03-15", "10"],
        ["（二）工会慰问品", None, None],
        ["周巷镇工会", "2022-03-16", "20"],
        ["采购单位", "日期", "金额（元）"],
        ["周巷镇卫生院", "2022-03-17", "30"],
        ["累计", None, "60"],
        ["周巷镇", None, None],
    ]
    got = list(open_ledger(write_ledger(tmp_path, fmt, rows)).rows())
    sheet = sheet_name(fmt)
    assert [(row.kind, row.reason) for row in got] == [
        ("note", f"工作表“{sheet}”第2行：“一、食堂食材”是分类标题，不是采购记录"),
        ("record", ""),
        ("note", f"工作表“{sheet}”第4行：“（二）工会慰问品”是分类标题，不是采购记录"),
        ("record", ""),
        ("note", f"工作表“{sheet}”第6行：重复的表头行，不是采购记录"),
        ("record", ""),
        ("total", f"工作表“{sheet}”第8行：“累计”行是合计，不是采购记录"),
        ("rejected", f"工作表“{sheet}”第9行“金额（元）”列：金额为空"),  # a lone name is not a label
    ]


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_merged_cells_hold_for_every_row_they_cover(tmp_path, writer):
    """A unit and a date written once over several purchases; an amount merged over an order's lines
    counts once (the other lines are rejected for their empty amount, not given the amount again)."""
    rows = [
        ["采购单位", "采购日期", "订单号", "商品名称", "金额"],
        ["周巷镇中心小学", D(2022, 3, 15), "A1", "苦荞茶", 100],
        [None, None, "A2", "花椒", 200],
        [None, None, "A3", "马铃薯", 300],
        ["周巷镇人民政府", D(2022, 3, 16), "B1", "黑山羊", 900],
        ["周巷镇人民政府", D(2022, 3, 16), "B1", "附子", None],
    ]
    suffix = ".xlsx" if writer is write_xlsx else ".xls"
    path = writer(
        tmp_path / f"merged{suffix}", {"台账": rows}, merges={"台账": ["A2:A4", "B2:B4", "E5:E6", "C5:C6"]}
    )
    got = list(open_ledger(path).rows())
    assert [
        (row.kind, row.record and row.record.purchaser, row.record and row.record.date) for row in got
    ] == [
        ("record", "周巷镇中心小学", D(2022, 3, 15)),
        ("record", "周巷镇中心小学", D(2022, 3, 15)),
        ("record", "周巷镇中心小学", D(2022, 3, 15)),
        ("record", "周巷镇人民政府", D(2022, 3, 16)),
        ("rejected", None, None),
    ]
    assert got[1].raw[:2] == ("周巷镇中心小学", "2022-03-15")
    assert got[4].reason == "工作表“台账”第6行“金额”列：金额为空"


# --- workbooks with several sheets ------------------------------------------------------------------


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_several_sheets(tmp_path, writer):
    suffix = ".xlsx" if writer is write_xlsx else ".xls"
    path = writer(
        tmp_path / f"book{suffix}",
        {
            "说明": [["本表用于填报2022年消费帮扶采购情况"], ["请勿修改表头"]],
            "一月": [
                ["单位名称：慈溪市总工会"],
                ["采购单位", "日期", "商品名称", "金额"],
                ["总工会", "2022-01-05", "苦荞", "10"],
            ],
            "空表": [],
            "二月": [
                ["采购单位", "日期", "商品名称", "金额"],
                ["总工会", "2022-02-05", "花椒", "20"],
                ["合计", "", "", "30"],
            ],
        },
    )
    ledger = open_ledger(path)
    assert [s.name for s in ledger.sheets] == ["一月", "二月"]
    assert ledger.warnings == ["工作表“说明”未找到表头，已跳过", "工作表“空表”是空表，已跳过"]
    assert ledger.reporting_unit_hint == "慈溪市总工会"
    got = [(row.sheet, row.row, row.kind) for row in ledger.rows()]
    assert got == [("一月", 3, "record"), ("二月", 2, "record"), ("二月", 3, "total")]


def test_reporting_unit_on_a_cover_sheet(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "封面": [["2022年消费帮扶采购台账"], ["填报单位（盖章）：", "慈溪市观海卫镇人民政府"]],
            "明细": [["采购单位", "日期", "金额"], ["观海卫镇", "2022-01-05", "30"]],
        },
    )
    ledger = open_ledger(path)
    assert ledger.reporting_unit_hint == "慈溪市观海卫镇人民政府"
    assert ledger.warnings == ["工作表“封面”未找到表头，已跳过"]


def test_a_summary_sheet_beside_the_details_is_skipped(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "汇总": [["单位名称", "金额（万元）"], ["周巷镇", "0.003"]],
            "明细": [["采购单位", "日期", "金额"], ["周巷镇", "2022-01-05", "30"]],
        },
    )
    ledger = open_ledger(path)
    assert [s.name for s in ledger.sheets] == ["明细"]
    assert ledger.warnings == ["工作表“汇总”没有日期、商品和订单号列，视为汇总表，已跳过"]
    assert [row.kind for row in ledger.rows()] == ["record"]


# --- unreadable files -------------------------------------------------------------------------------


def test_no_header_anywhere(tmp_path, fmt):
    rows = [["2022年采购情况"], ["周巷镇", "很多", "一些"]]
    path = write_ledger(tmp_path, fmt, rows, name="无表头")
    with pytest.raises(LedgerReadError, match=re.escape(f"文件“{path.name}”中没有找到表头")):
        open_ledger(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("坏文件.xlsx", b"PK\x03\x04 this is not a zip archive", "无法读取Excel文件“坏文件.xlsx”"),
        ("坏文件.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "无法读取Excel文件“坏文件.xls”"),
        (
            "网页.xls",
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "文件“网页.xls”实际是网页",
        ),
        ("空.csv", b"", "文件“空.csv”是空文件"),
        ("二进制.csv", b"\x00\x01\x02\x03garbage", "文件“二进制.csv”不是文本表格"),
        ("乱码.csv", b"\x81\x30\xff\xff\xfe", "无法识别文件“乱码.csv”的文字编码"),
        ("报告.pdf", b"%PDF-1.4", "不支持文件“报告.pdf”的类型"),
        ("计划.docx", b"PK\x03\x04", "不支持文件“计划.docx”的类型"),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LedgerReadError, match=re.escape(message)):
        open_ledger(path)


def test_missing_file(tmp_path):
    with pytest.raises(LedgerReadError, match=re.escape("文件“没有.xlsx”不存在")):
        open_ledger(tmp_path / "没有.xlsx")


def test_a_renamed_workbook_is_read_by_its_content(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", 10]]
    real_xlsx = write_xlsx(tmp_path / "a.xlsx", {"S": rows})
    renamed = real_xlsx.rename(tmp_path / "a.xls")
    assert [row.kind for row in open_ledger(renamed).rows()] == ["record"]
    text = write_csv(tmp_path / "b.csv", rows, delimiter="\t").rename(tmp_path / "b.xls")
    ledger = open_ledger(text)
    assert (ledger.format, ledger.delimiter) == ("csv", "\t")
    assert [row.kind for row in ledger.rows()] == ["record"]


def test_invalid_bytes_later_in_a_utf8_csv(tmp_path, monkeypatch):
    """A file that starts as UTF-8 and has GBK bytes further down: a clear error naming the line."""
    from bangfu.common import tables as sources

    monkeypatch.setattr(sources, "SAMPLE_BYTES", 64)
    path = tmp_path / "mixed.csv"
    lines = ["采购单位,日期,金额\n".encode()] + [f"a{i},2022-03-15,1\n".encode() for i in range(2000)]
    path.write_bytes(b"".join(lines) + "周巷镇,2022-03-15,1\n".encode("gbk"))
    ledger = open_ledger(path)
    assert ledger.encoding == "utf-8"
    with pytest.raises(
        LedgerReadError, match=re.escape("文件“mixed.csv”第2002行有无法按utf-8编码识别的文字")
    ):
        list(ledger.rows())


def test_invalid_bytes_near_the_top(tmp_path, monkeypatch):
    from bangfu.common import tables as sources

    monkeypatch.setattr(sources, "SAMPLE_BYTES", 16)
    path = tmp_path / "top.csv"
    path.write_bytes(
        "采购单位,日期,金额\n周巷镇,2022-03-15,1\n周巷镇,2022-03-15,1\n".encode("gbk") + b"\xff\xfe,1,2\n"
    )
    with pytest.raises(LedgerReadError, match=re.escape("文件“top.csv”第4行有无法按gb18030编码识别的文字")):
        open_ledger(path)


# --- streaming --------------------------------------------------------------------------------------


def test_rows_are_streamed_not_collected(tmp_path):
    import tracemalloc

    rows = [["订单编号", "下单时间", "采购单位", "商品名称", "订单金额(元)", "订单状态"]]
    rows += [
        [f"2022{i:012d}", "2022-03-15 10:23:11", "慈溪市周巷镇中心小学", "苦荞茶", "128.50", "已完成"]
        for i in range(20_000)
    ]
    path = write_csv(tmp_path / "big.csv", rows, encoding="gbk")
    ledger = open_ledger(path)
    tracemalloc.start()
    try:
        count = sum(1 for _row in ledger.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2 * 2**20  # holding 20,000 rows would take well over 10 MiB
