"""The import says how it understood a file and loses no meaning (issue 12): every column's mapping,
origins inferred from product or supplier names (and the rows whose origin stays unknown), the channel
stated, named or inferred from the content, purchasers filled from the 填报单位 line, refunds netted
against their purchase, month-only dates — counted in the summary and stored on the records."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.models import Sum

from bangfu.cli import main
from bangfu.ledger.choices import Channel, DatePrecision, InferredFrom, PurchaserFrom
from bangfu.ledger.models import Purchase, RejectedRow
from bangfu.ledger.services import ledger_import
from tests.support.world import org

from .builders import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(seeded_regions):
    """Cixi's units and the regions (a shared layer)."""


def test_an_unknown_origin_header_is_reported_and_origins_are_inferred_and_said_so(setup, tmp_path):
    rows = [
        ["采购单位", "采购日期", "商品名称", "源头县", "金额"],
        ["周巷镇人民政府", "2022-03-15", "布拖苦荞茶", "一号仓", "100"],
        ["周巷镇人民政府", "2022-03-16", "马铃薯", "二号仓", "200"],
    ]
    summary = ledger_import(path=write_csv(tmp_path / "台账.csv", rows))
    assert summary.accepted == 2
    columns = {c["header"]: c["label"] for c in summary.to_dict()["columns"]}
    assert columns["源头县"] == "未识别" and columns["金额"] == "金额"
    assert summary.fields["origin"] == {"written": 0, "inferred": 1, "missing": 1, "unrecognised": 0}
    assert any("没有产地列" in w and "推断" in w for w in summary.warnings)
    assert any("1 行无法识别产地，不计入对口地区目标" in w for w in summary.warnings)
    tea = Purchase.objects.get(product="布拖苦荞茶")
    assert tea.origin == "" and tea.origin_region.county == "布拖县"
    assert tea.origin_inferred_from == InferredFrom.PRODUCT
    assert Purchase.objects.get(product="马铃薯").origin_region is None


def test_an_unknown_header_over_county_names_is_taken_as_the_origin_and_said_so(setup, tmp_path):
    rows = [
        ["采购单位", "采购日期", "商品名称", "源头", "备用", "金额"],
        ["周巷镇人民政府", "2022-03-15", "苦荞茶", "布拖", "凉山农特公司", "100"],
        ["周巷镇人民政府", "2022-03-16", "马铃薯", "四川布拖县", "凉山农特公司", "200"],
        ["周巷镇人民政府", "2022-03-17", "大米", "", "", "300"],
    ]
    summary = ledger_import(path=write_csv(tmp_path / "台账.csv", rows))
    assert summary.accepted == 3
    columns = {c["header"]: c for c in summary.to_dict()["columns"]}
    assert columns["源头"]["label"] == "产地" and columns["源头"]["how"] == "content"
    assert "按内容识别为产地" in columns["源头"]["note"]
    assert columns["备用"]["label"] == "未识别"  # names no county: not taken
    assert any("“源头”列表头未识别，按内容（县名）当作产地列" in w for w in summary.warnings)
    assert summary.fields["origin"]["written"] == 2
    assert Purchase.objects.filter(origin_region__county="布拖县").count() == 2


def test_a_column_of_business_names_is_not_taken_for_the_origin(setup, tmp_path):
    rows = [
        ["采购单位", "采购日期", "商品名称", "合作方", "金额"],
        ["周巷镇人民政府", "2022-03-15", "苦荞茶", "布拖县农业合作社", "100"],
        ["周巷镇人民政府", "2022-03-16", "马铃薯", "布拖县彝家商行", "200"],
    ]
    summary = ledger_import(path=write_csv(tmp_path / "台账.csv", rows))
    columns = {c["header"]: c["label"] for c in summary.to_dict()["columns"]}
    assert columns["合作方"] == "未识别"
    assert summary.fields["origin"]["written"] == 0


def test_a_platform_export_is_known_by_its_content_and_the_channel_can_be_stated(setup, tmp_path):
    header = ["订单编号", "下单时间", "采购单位", "商品名称", "店铺名称", "产地", "实付金额", "订单状态"]
    data = [
        [f"2022031500{i:04d}", f"2022-03-15 10:{i:02d}:00", "周巷镇人民政府", "苦荞茶", "布拖县彝家苦荞店", "布拖县", "100.00", "已完成"]
        for i in range(5)
    ]  # fmt: skip
    export = write_csv(tmp_path / "订单导出.csv", [header, *data], encoding="gbk")
    preview = ledger_import(path=export, dry_run=True)
    assert preview.channel["confidence"] == "inferred" and preview.channel["channel"] == "832平台"
    assert any("按内容判断为832平台导出" in w for w in preview.warnings)
    summary = ledger_import(path=export)
    assert set(Purchase.objects.filter(batch_id=summary.batch_id).values_list("channel", flat=True)) == {
        Channel.PLATFORM_832
    }
    # The importer's word wins over the content.
    other = write_csv(tmp_path / "展销会订单.csv", [header, *[[f"X{r[0]}", *r[1:]] for r in data]])
    stated = ledger_import(path=other, channel="展销会")
    assert stated.channel["confidence"] == "stated"
    assert set(Purchase.objects.filter(batch_id=stated.batch_id).values_list("channel", flat=True)) == {
        Channel.FAIR
    }


def test_blank_purchasers_under_a_reporting_unit_line_are_filled_from_it(setup, tmp_path):
    rows = [
        ["周巷镇消费帮扶采购台账"],
        ["填报单位（盖章）：周巷镇"],
        ["采购单位", "采购日期", "商品名称", "产地", "金额"],
        ["", "2022-03-15", "苦荞茶", "布拖县", "100"],
        ["周巷镇中心小学", "2022-03-16", "苦荞茶", "布拖县", "100"],
    ]
    code = main(["ledger", "import", str(write_csv(tmp_path / "周巷镇.csv", rows)), "--json"])
    assert code == 0
    stored = {p.purchaser_name: p for p in Purchase.objects.all()}
    assert stored["周巷镇"].purchaser == org("周巷镇")
    assert stored["周巷镇"].purchaser_from == PurchaserFrom.REPORTING_UNIT
    assert stored["周巷镇中心小学"].purchaser_from == PurchaserFrom.CELL
    assert {p.reporting_org for p in stored.values()} == {org("周巷镇")}


def test_the_command_line_summary_says_how_the_file_was_understood(setup, tmp_path, capsys):
    rows = [
        ["填报单位：周巷镇"],
        ["采购单位", "月份", "商品名称", "产地", "金额", "经手人"],
        ["", "2022年3月", "苦荞茶", "布拖县", "100", "张三"],
    ]
    code = main(["ledger", "import", str(write_csv(tmp_path / "月报.csv", rows)), "--json"])
    out, _err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["reporting_org"] == "周巷镇" and data["reporting_org_source"] == "file"
    assert data["fields"]["purchaser"]["reporting_unit"] == 1 and data["fields"]["date"]["month"] == 1
    assert {c["header"]: c["label"] for c in data["columns"]}["经手人"] == "未识别"
    assert data["channel"]["confidence"] == "unknown"
    assert any("只写了月份" in w for w in data["warnings"])
    record = Purchase.objects.get()
    assert record.date == dt.date(2022, 3, 31) and record.date_precision == DatePrecision.MONTH
    assert record.date_text == "2022年3月"


def test_refunds_reduce_their_purchase_in_the_same_file_and_across_files(setup, tmp_path):
    header = ["采购单位", "采购日期", "商品名称", "产地", "金额", "订单号", "备注"]
    first = write_csv(
        tmp_path / "三月.csv",
        [
            header,
            ["周巷镇人民政府", "2022-03-01", "苦荞茶", "布拖县", "1000", "R-1", ""],
            ["周巷镇人民政府", "2022-03-02", "马铃薯", "布拖县", "500", "R-2", ""],
            ["周巷镇人民政府", "2022-03-05", "苦荞茶", "", "-200", "R-1", "退货"],
        ],
    )
    summary = ledger_import(path=first)
    assert (summary.accepted, summary.refunds, summary.total_fen) == (3, 1, 130_000)
    refund = Purchase.objects.get(amount_fen=-20_000)
    assert refund.refund_of == Purchase.objects.get(order_no="R-1", amount_fen=100_000)
    assert refund.origin_region.county == "布拖县"  # taken from the purchase it reduces
    later = write_csv(
        tmp_path / "四月.csv",
        [
            header,
            ["周巷镇人民政府", "2022-04-01", "马铃薯", "布拖县", "-500", "R-2", "冲红"],
            ["周巷镇人民政府", "2022-04-02", "花椒", "布拖县", "-80", "R-404", "退款"],
        ],
    )
    summary = ledger_import(path=later)
    assert (summary.accepted, summary.refunds, summary.rejected) == (1, 1, 1)
    orphan = RejectedRow.objects.get(batch_id=summary.batch_id)
    assert "R-404" in orphan.reason and "原订单" in orphan.reason
    buyer = Purchase.objects.get(order_no="R-1", amount_fen=100_000).purchaser
    net = Purchase.objects.filter(purchaser=buyer, origin_region__county="布拖县").aggregate(
        total=Sum("amount_fen")
    )["total"]
    assert net == 100_000 + 50_000 - 20_000 - 50_000


def test_warnings_found_while_reading_reach_the_summary(setup, tmp_path):
    lines = ["采购单位,采购日期,商品名称,金额", '周巷镇人民政府,2022-03-01,"苦荞茶,100']
    lines += [f"周巷镇人民政府,2022-03-{d:02d},马铃薯,{d}" for d in range(2, 30)]
    path = tmp_path / "引号.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ledger_import(path=path)
    assert any("引号未闭合" in w for w in summary.warnings)


def test_a_workbook_with_monthly_sheets_and_a_summary_sheet(setup, tmp_path):
    header = ["采购单位", "采购日期", "商品名称", "产地", "金额（元）"]
    sheets = {
        "1月": [["填报单位：周巷镇"], header, ["", "2022-01-05", "苦荞茶", "布拖县", "1,234.50元"]],
        "2月": [["填报单位：周巷镇"], header, ["", "2022-02-05", "马铃薯", "布拖县", "￥800"]],
        "汇总": [["单位", "金额"], ["周巷镇", "2034.50"]],
    }
    summary = ledger_import(path=write_xlsx(tmp_path / "周巷镇全年.xlsx", sheets))
    assert summary.accepted == 2 and summary.total_fen == 203_450
    assert any("汇总" in w for w in summary.warnings)


def test_a_summary_sheet_by_month_is_not_read_as_purchases(setup, tmp_path):
    header = ["采购单位", "采购日期", "商品名称", "产地", "金额"]
    sheets = {
        "1月": [header, ["周巷镇人民政府", "2022-01-05", "苦荞茶", "布拖县", "100"]],
        "2月": [header, ["周巷镇人民政府", "2022-02-05", "马铃薯", "布拖县", "200"]],
        "全年汇总": [["月份", "金额"], ["2022年1月", "100"], ["2022年2月", "200"]],
    }
    summary = ledger_import(path=write_xlsx(tmp_path / "周巷镇.xlsx", sheets))
    assert (summary.accepted, summary.rejected, summary.total_fen) == (2, 0, 30_000)
    assert any("“全年汇总”是汇总表" in w for w in summary.warnings)


def test_a_ledger_sent_again_with_a_month_added_adds_only_that_month(setup, tmp_path):
    header = ["采购单位", "采购日期", "商品名称", "产地", "金额"]
    january = ["周巷镇人民政府", "2022-01-05", "苦荞茶", "布拖县", "100"]
    february = ["周巷镇人民政府", "2022-02-05", "马铃薯", "布拖县", "200"]
    first = ledger_import(path=write_csv(tmp_path / "一月.csv", [header, january]))
    again = ledger_import(path=write_csv(tmp_path / "一至二月.csv", [header, january, february]))
    assert (first.accepted, again.accepted, again.duplicates) == (1, 1, 1)
    assert Purchase.objects.aggregate(total=Sum("amount_fen"))["total"] == 30_000
    # A row whose purchaser comes from the 填报单位 line is that unit's: another unit's identical row is not
    # a duplicate of it.
    blank = ["", "2022-03-01", "大米", "布拖县", "50"]
    for name, unit in (("甲.csv", "周巷镇人民政府"), ("乙.csv", "周巷镇")):
        summary = ledger_import(path=write_csv(tmp_path / name, [[f"填报单位：{unit}"], header, blank]))
        assert summary.accepted == 1, unit


def test_a_refund_without_an_order_number_reduces_the_same_units_purchase_of_the_product(setup, tmp_path):
    header = ["采购单位", "采购日期", "商品名称", "产地", "金额", "备注"]
    path = write_csv(
        tmp_path / "台账.csv",
        [
            header,
            ["周巷镇人民政府", "2022-03-01", "苦荞茶", "布拖县", "1000", ""],
            ["周巷镇人民政府", "2022-03-09", "苦荞茶", "", "-200", "退货"],
            ["周巷镇人民政府", "2022-03-10", "花椒", "布拖县", "-80", "退款"],
        ],
    )
    summary = ledger_import(path=path)
    assert (summary.accepted, summary.refunds, summary.rejected, summary.total_fen) == (2, 1, 1, 80_000)
    refund = Purchase.objects.get(amount_fen=-20_000)
    assert refund.refund_of == Purchase.objects.get(amount_fen=100_000)
    assert refund.origin_region.county == "布拖县"
    assert any("按同一采购单位、同一商品对应到原采购（推断）" in w for w in summary.warnings)
    orphan = RejectedRow.objects.get(batch_id=summary.batch_id)
    assert "没有订单号" in orphan.reason and "花椒" in orphan.reason
    # Later, in another file: the refund finds the stored purchase.
    later = ledger_import(
        path=write_csv(
            tmp_path / "四月.csv", [header, ["周巷镇人民政府", "2022-04-02", "苦荞茶", "", "-300", "冲红"]]
        )
    )
    assert (later.accepted, later.refunds) == (1, 1)
    assert Purchase.objects.aggregate(total=Sum("amount_fen"))["total"] == 100_000 - 20_000 - 30_000
