"""The channel of a file: stated, named by the file, or recognised from its columns and values."""

from __future__ import annotations

import datetime

import pytest

from bangfu.ledger.parsing import PLATFORM_STATUSES, Confidence, open_ledger
from bangfu.ledger.parsing.channels import ORDER_EVENT_WORDS, OTHER_PLATFORMS, SHOP_WORDS

from .builders import write_csv, write_xlsx


def export(
    statuses: list[str] | None = None,
    *,
    date_header: str = "下单时间",
    supplier_header: str = "店铺名称",
    times: bool = True,
) -> list[list]:
    statuses = statuses or ["已完成", "已完成", "待发货", "已完成"]
    rows: list[list] = [
        ["订单编号", date_header, "采购单位", "商品名称", supplier_header, "订单金额(元)", "订单状态"]
    ]
    for i, status in enumerate(statuses):
        date = f"2022-03-{15 + i} 10:23:11" if times else f"2022-03-{15 + i}"
        rows.append(
            [f"20220315000100{i:02d}", date, "慈溪市教育局", "苦荞茶", "布拖县彝家苦荞公司", "128.00", status]
        )
    return rows


@pytest.mark.parametrize("status", sorted(PLATFORM_STATUSES))
def test_every_platform_status_is_a_sign(tmp_path, status):
    ledger = open_ledger(write_csv(tmp_path / "订单.csv", export([status] * 4)))
    assert ledger.channel_guess.confidence == Confidence.INFERRED, status


def test_statuses_that_are_not_a_platforms_are_no_sign(tmp_path):
    ledger = open_ledger(write_csv(tmp_path / "订单.csv", export(["已采购", "已入库", "已采购", "已采购"])))
    assert ledger.channel_guess.confidence == Confidence.UNKNOWN


@pytest.mark.parametrize("word", SHOP_WORDS)
def test_every_shop_word_is_a_sign(tmp_path, word):
    rows = export(date_header="采购日期", supplier_header=f"{word}名称", times=False)
    guess = open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess
    assert guess.confidence == Confidence.INFERRED, word
    assert f"、{word}名称；" in guess.reason


@pytest.mark.parametrize("word", ORDER_EVENT_WORDS)
def test_every_order_event_date_header_is_a_sign(tmp_path, word):
    rows = export(date_header=f"{word}日期", supplier_header="供应商", times=False)
    guess = open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess
    assert guess.confidence == Confidence.INFERRED, word
    assert guess.reason.endswith("等平台状态")


def test_times_to_the_minute_are_a_sign(tmp_path):
    rows = export(date_header="日期", supplier_header="供应商")
    guess = open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess
    assert guess.confidence == Confidence.INFERRED
    assert guess.reason.endswith("；“日期”精确到时分")


def test_no_third_sign_no_guess(tmp_path):
    rows = export(date_header="日期", supplier_header="供应商", times=False)
    assert open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess.confidence == Confidence.UNKNOWN


def test_too_few_rows_to_tell(tmp_path):
    rows = export(["已完成", "已完成"])
    assert open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess.confidence == Confidence.UNKNOWN


def test_repeated_or_short_order_numbers_are_not_a_platforms(tmp_path):
    rows = export()
    for row in rows[1:]:
        row[0] = "2022031500010000"
    assert open_ledger(write_csv(tmp_path / "a.csv", rows)).channel_guess.confidence == Confidence.UNKNOWN
    rows = export()
    for i, row in enumerate(rows[1:]):
        row[0] = f"A{i}"
    assert open_ledger(write_csv(tmp_path / "b.csv", rows)).channel_guess.confidence == Confidence.UNKNOWN


def test_a_workbook_export_with_typed_cells(tmp_path):
    """Excel keeps order numbers as numbers and times as date-times."""
    rows = export()
    for i, row in enumerate(rows[1:]):
        row[0] = float(row[0])
        row[1] = datetime.datetime(2022, 3, 15 + i, 10, 23, 11)
        row[5] = 128.0
    ledger = open_ledger(write_xlsx(tmp_path / "导出.xlsx", {"订单": rows, "说明": [["导出说明"]]}))
    guess = ledger.channel_guess
    assert (guess.channel, guess.confidence) == ("832平台", Confidence.INFERRED)
    assert guess.reason.startswith(
        "文件的列和内容像平台订单导出：列：订单编号、订单状态、店铺名称、下单时间；订单号为16位数字"
    )


@pytest.mark.parametrize("name", OTHER_PLATFORMS)
def test_every_other_platform_named_in_a_title(tmp_path, name):
    rows = [[f"{name}订单导出"], *export()]
    guess = open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess
    assert guess == ("电商平台", Confidence.CERTAIN, f"标题“{name}订单导出”提到“{name}”")


def test_832_wins_over_another_platforms_name(tmp_path):
    rows = [["832平台订单（京东支付）"], *export()]
    assert open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess.channel == "832平台"


def test_a_header_naming_the_platform(tmp_path):
    rows = export()
    rows[0][0] = "832平台订单号"
    guess = open_ledger(write_csv(tmp_path / "订单.csv", rows)).channel_guess
    assert guess == ("832平台", Confidence.CERTAIN, "表头“832平台订单号”提到832平台")


def test_nothing_to_go_by(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "10"]]
    ledger = open_ledger(write_csv(tmp_path / "台账.csv", rows))
    assert ledger.channel_guess == ("", Confidence.UNKNOWN, "文件名、标题和内容都没有表明采购渠道")
    assert not ledger.looks_like_832_export


def test_the_sheet_that_looks_like_an_export_is_named(tmp_path):
    ledger_rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "10"]]
    path = write_xlsx(tmp_path / "汇编.xlsx", {"台账": ledger_rows, "订单": export()})
    ledger = open_ledger(path)
    assert ledger.channel_guess.reason.startswith("工作表“订单”的列和内容像平台订单导出：列：订单编号")
    # Each sheet has its own guess: the ledger sheet's rows are not the platform's.
    assert [(s.name, s.channel_guess.channel, s.channel_guess.confidence) for s in ledger.sheets] == [
        ("台账", "", Confidence.UNKNOWN),
        ("订单", "832平台", Confidence.INFERRED),
    ]
    assert ledger.warnings == [
        f"文件“汇编.xlsx”没有写明来自832平台，但{ledger.channel_guess.reason}，已按832平台订单处理；"
        "如不是，请在导入时指定采购渠道"
    ]


def test_the_file_name_and_the_callers_word_hold_for_every_sheet(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "10"]]
    path = write_xlsx(tmp_path / "832平台订单.xlsx", {"一": rows, "二": rows})
    ledger = open_ledger(path)
    assert {s.channel_guess for s in ledger.sheets} == {ledger.channel_guess}
    assert ledger.channel_guess.confidence == Confidence.CERTAIN
    ledger = open_ledger(path, channel="线下采购")
    assert {s.channel_guess.channel for s in ledger.sheets} == {"线下采购"}


def test_a_sheet_named_after_the_platform_is_certain_for_itself(tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2022-03-15", "10"]]
    ledger = open_ledger(write_xlsx(tmp_path / "汇编.xlsx", {"台账": rows, "832平台": rows}))
    assert [s.channel_guess.confidence for s in ledger.sheets] == [Confidence.UNKNOWN, Confidence.CERTAIN]
    assert ledger.channel_guess == ("832平台", Confidence.CERTAIN, "工作表名“832平台”提到832平台")
