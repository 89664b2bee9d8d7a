"""Importing ledgers into the database: counts, totals, duplicates, provenance, atomicity."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from openpyxl import load_workbook

from bangfu.ledger.choices import BatchKind, Channel, RecordStatus, RowOutcome
from bangfu.ledger.models import ImportBatch, Purchase, PurchaseSighting, RejectedRow
from bangfu.ledger.services import LedgerImportError, ledger_import, purchase_create
from bangfu.orgs.models import Organisation
from tests.support.world import org

from .builders import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["序号", "采购单位", "采购日期", "商品名称", "产地", "金额（万元）", "订单号", "备注"]


@pytest.fixture
def setup(seeded_regions):
    """Cixi's units and the regions (a shared layer)."""


def town_ledger(tmp_path):
    """A town's ledger as offices send it: title rows, a 万元 column, mixed dates, full-width digits,
    a duplicate row, a cancelled order, a bad amount, a 小计 and a 合计 row, a note."""
    rows = [
        ["周巷镇消费帮扶采购台账"],
        ["填报单位（盖章）：周巷镇", None, None, None, None, None, None, "2022年"],
        HEADER,
        [
            1,
            "周巷镇人民政府",
            dt.date(2022, 3, 15),
            "苦荞茶",
            "四川省凉山彝族自治州布拖县",
            1.5,
            "A-001",
            None,
        ],
        [2, "慈溪市周巷镇中心小学", "2022.4.2", "马铃薯", "凉山州布拖县", "０.８", "A-002", None],
        [3, "周巷镇人民政府", "2022年5月20日", "花椒", "布拖", "1.5万", None, "单元格自带单位"],
        [4, "周巷镇人民政府", 44700, "黑山羊", "布拖县", 2, "A-003", None],
        [5, "周巷镇人民政府", "20220620", "本地杨梅", "浙江省宁波市慈溪市", 0.3, "A-004", None],
        [
            6,
            "周巷镇人民政府",
            dt.date(2022, 3, 15),
            "苦荞茶",
            "四川省凉山彝族自治州布拖县",
            1.5,
            "A-001",
            "重复行",
        ],
        [7, "周巷镇人民政府", "2022/07/01", "附子", "布拖", "abc", "A-005", None],
        [8, "周巷镇人民政府", "2022/07/02", "附子", "布拖", 0.1, "A-006", "已取消"],
        [None, "小计", None, None, None, 5.8, None, None],
        [None, None, None, None, None, None, None, None],
        [None, "合计", None, None, None, 7.3, None, None],
        ["备注：金额单位为万元"],
    ]
    return write_xlsx(tmp_path / "周巷镇台账.xlsx", {"台账": rows})


def test_town_ledger_counts_totals_and_provenance(setup, tmp_path):
    path = town_ledger(tmp_path)
    summary = ledger_import(path=path, year=2022)
    assert (summary.accepted, summary.rejected, summary.duplicates, summary.skipped) == (5, 1, 1, 5)
    # 1.5万 + 0.8万 + 1.5万 (cell unit wins) + 2万 + 0.3万 = 6.1万元
    assert summary.total_fen == 6_100_000
    assert summary.rows == 12  # every row under the header, the note included
    assert summary.reporting_org == "周巷镇"

    purchases = Purchase.objects.order_by("row_number")
    assert [p.row_number for p in purchases] == [4, 5, 6, 7, 8]
    first = purchases[0]
    assert first.sheet == "台账" and first.batch.file_name == "周巷镇台账.xlsx" and first.batch.sha256
    assert first.raw[1] == "周巷镇人民政府" and first.amount_fen == 1_500_000
    assert first.origin_region.county == "布拖县"
    assert first.status == RecordStatus.APPROVED
    assert purchases.get(row_number=8).origin_region is None  # local product: kept, not eligible
    # The duplicate row is kept as a sighting of the stored purchase.
    sighting = PurchaseSighting.objects.get()
    assert sighting.purchase == first and sighting.row_number == 9
    # Unknown purchasers containing a town name are created under that town, for review.
    school = Organisation.objects.get(name="慈溪市周巷镇中心小学")
    assert school.parent == org("周巷镇") and school.needs_review and school.kind == "school"
    assert summary.created_orgs == ["周巷镇人民政府", "慈溪市周巷镇中心小学"]


def test_rejected_rows_are_kept_with_reasons_and_report(setup, tmp_path):
    summary = ledger_import(path=town_ledger(tmp_path), year=2022)
    rejected = RejectedRow.objects.get(outcome=RowOutcome.REJECTED)
    assert rejected.row_number == 10 and rejected.raw[5] == "abc"
    assert "第10行" in rejected.reason and "金额" in rejected.reason
    assert RejectedRow.objects.filter(outcome=RowOutcome.DUPLICATE).count() == 1
    assert RejectedRow.objects.filter(outcome=RowOutcome.SKIPPED).count() == 4  # blank rows are not kept

    workbook = load_workbook(summary.report)
    first = workbook.worksheets[0]
    assert first.title.startswith("被拒绝")
    header = [c.value for c in first[1]]
    assert header[: len(HEADER)] == HEADER and "原因" in header
    row = [c.value for c in first[2]]
    assert row[5] == "abc" and "金额" in row[header.index("原因")]


def test_fixed_report_can_be_imported_again(setup, tmp_path):
    summary = ledger_import(path=town_ledger(tmp_path), year=2022)
    workbook = load_workbook(summary.report)
    sheet = workbook.worksheets[0]
    sheet.cell(row=2, column=6, value=0.4)
    fixed = tmp_path / "修改后.xlsx"
    workbook.save(fixed)
    again = ledger_import(path=fixed, year=2022, org=org("周巷镇"))
    assert again.accepted == 1 and again.total_fen == 400_000
    # The other sheets (duplicates, skipped) hold rows already accounted for.
    assert Purchase.objects.count() == 6


def test_importing_the_same_file_twice_changes_nothing(setup, tmp_path):
    path = town_ledger(tmp_path)
    first = ledger_import(path=path, year=2022)
    counts = (
        Purchase.objects.count(),
        PurchaseSighting.objects.count(),
        RejectedRow.objects.count(),
        ImportBatch.objects.count(),
    )
    second = ledger_import(path=path, year=2022)
    assert second.already_imported and second.accepted == 0 and second.total_fen == 0
    assert second.duplicates == first.accepted + first.duplicates
    assert second.rows == first.rows
    assert (
        Purchase.objects.count(),
        PurchaseSighting.objects.count(),
        RejectedRow.objects.count(),
        ImportBatch.objects.count(),
    ) == counts


def platform_export(tmp_path, encoding="gbk"):
    rows = [
        ["订单编号", "下单时间", "采购单位", "商品名称", "供应商", "产地", "订单金额(元)", "订单状态"],
        [
            "A-001",
            "2022-03-15 10:23:11",
            "周巷镇人民政府",
            "苦荞茶",
            "布拖县某合作社",
            "四川省凉山彝族自治州布拖县",
            "15,000.00",
            "已完成",
        ],
        [
            "A-003",
            "2022-05-19 09:00:00",
            "周巷镇人民政府",
            "黑山羊",
            "布拖县某合作社",
            "四川省凉山州布拖县",
            "20000",
            "已完成",
        ],
        [
            "P-100",
            "2022-06-01 08:00:00",
            "市教育局机关食堂",
            "苦荞面",
            "布拖县某合作社",
            "布拖县",
            "3,280.50",
            "已完成",
        ],
        [
            "P-101",
            "2022-06-02 08:00:00",
            "市教育局机关食堂",
            "大米",
            "某县合作社",
            "四川省凉山州昭觉县",
            "1000",
            "已完成",
        ],
        [
            "P-102",
            "2022-06-03 08:00:00",
            "市教育局机关食堂",
            "苦荞面",
            "布拖县某合作社",
            "布拖县",
            "500",
            "退款成功",
        ],
        ["P-103", "2022-06-04 08:00:00", "某不明单位", "苦荞面", "布拖县某合作社", "布拖县", "800", "已完成"],
    ]
    return write_csv(tmp_path / "832平台订单导出.csv", rows, encoding=encoding)


def test_platform_export_overlapping_a_town_ledger_counts_each_order_once(setup, tmp_path):
    ledger_import(path=town_ledger(tmp_path), year=2022)
    summary = ledger_import(path=platform_export(tmp_path), year=2022)
    assert (summary.accepted, summary.rejected, summary.duplicates, summary.skipped) == (3, 0, 2, 1)
    assert summary.total_fen == 328_050 + 100_000 + 80_000
    batch = ImportBatch.objects.get(pk=summary.batch_id)
    assert batch.kind == BatchKind.PLATFORM_832 and batch.encoding == "gb18030"
    assert Purchase.objects.filter(batch=batch, channel=Channel.PLATFORM_832).count() == 3
    # The town ledger's are now also seen on the platform.
    assert set(PurchaseSighting.objects.filter(batch=batch).values_list("purchase__order_no", flat=True)) == {
        "A-001",
        "A-003",
    }
    # No --org and no town in the name: kept, unassigned and listed.
    assert summary.unassigned == ["市教育局机关食堂", "某不明单位"]
    assert Purchase.objects.get(order_no="P-103").purchaser is None


def test_org_option_attributes_rows_and_creates_unknown_purchasers_under_it(setup, tmp_path):
    rows = [
        ["采购单位", "日期", "金额", "产地"],
        ["", "2022-02-01", "100", "布拖"],
        ["局机关食堂", "2022-02-02", "200", "布拖"],
        ["市教育局", "2022-02-03", "300", "布拖"],
    ]
    path = write_csv(tmp_path / "教育局.csv", rows)
    summary = ledger_import(path=path, org=org("市教育局"))
    assert summary.accepted == 3 and summary.unassigned == []
    bureau = org("市教育局")
    assert set(Purchase.objects.values_list("reporting_org", flat=True)) == {bureau.pk}
    assert Purchase.objects.get(amount_fen=10_000).purchaser == bureau
    canteen = Organisation.objects.get(name="局机关食堂")
    assert canteen.parent == bureau and canteen.kind == "canteen"


def test_year_option_rejects_rows_of_other_years(setup, tmp_path):
    rows = [["采购单位", "日期", "金额"], ["周巷镇", "2021-12-31", "100"], ["周巷镇", "2022-01-01", "100"]]
    summary = ledger_import(path=write_csv(tmp_path / "跨年.csv", rows), year=2022)
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert "2021-12-31 不在 2022 年度内" in RejectedRow.objects.get().reason


def test_import_is_atomic(setup, tmp_path):
    path = town_ledger(tmp_path)
    with (
        mock.patch("bangfu.ledger.services.imports.write_problem_report", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        ledger_import(path=path, year=2022)
    assert (
        not Purchase.objects.exists()
        and not ImportBatch.objects.exists()
        and not RejectedRow.objects.exists()
    )
    # Nothing half-done blocks a clean retry.
    assert ledger_import(path=path, year=2022).accepted == 5


def test_unreadable_file_is_one_clear_error(setup, tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LedgerImportError, match=r"坏文件\.xlsx"):
        ledger_import(path=bad)
    assert not ImportBatch.objects.exists()


def test_form_entry_refuses_an_order_already_stored(setup, tmp_path):
    ledger_import(path=town_ledger(tmp_path), year=2022)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="已存在"):
        purchase_create(
            purchaser=org("周巷镇"), date=dt.date(2022, 3, 15), amount_fen=1_500_000, order_no=" a-001 "
        )
    created = purchase_create(
        purchaser=org("周巷镇"), date=dt.date(2022, 3, 16), amount_fen=1_000, origin="布拖"
    )
    assert created.origin_region.county == "布拖县" and created.status == RecordStatus.DRAFT


def test_rows_without_numbers_are_duplicates_by_their_content_and_said_so(setup, tmp_path):
    header = ["序号", "采购单位", "日期", "品名", "数量", "金额（元）", "产地"]
    rows = [
        header,
        [1, "周巷镇", "2022-03-01", "苦荞茶", 10, "1,000.00", "布拖"],
        [2, "周巷镇", "2022-03-01", "苦荞茶", 10, "1000", "布拖"],  # the same purchase, numbered again
        [3, "周巷镇", "2022-03-01", "苦荞茶", 12, "1000", "布拖"],  # another quantity: another purchase
    ]
    first = ledger_import(path=write_csv(tmp_path / "一.csv", rows))
    assert (first.accepted, first.duplicates) == (2, 1)
    # Another file saying the same (a ledger sent again) repeats it: a duplicate, and the summary says why.
    second = ledger_import(path=write_csv(tmp_path / "二.csv", rows[:2]))
    assert (second.accepted, second.duplicates) == (0, 1)
    assert any("没有订单号，与已导入的记录内容完全相同" in w for w in second.warnings)
    # Told apart by a remark, it is another purchase.
    third = ledger_import(path=write_csv(tmp_path / "三.csv", [[*header, "备注"], [*rows[1], "第二次送货"]]))
    assert (third.accepted, third.duplicates) == (1, 0)


def test_a_reporters_file_cannot_report_for_other_units(setup, tmp_path):
    from bangfu.orgs.selectors import org_subtree_ids

    zhouxiang = org("周巷镇")
    rows = [
        ["采购单位", "日期", "金额", "产地"],
        ["周巷镇", "2022-03-01", "100", "布拖"],  # its own unit
        ["周巷镇中心小学", "2022-03-02", "200", "布拖"],  # new, in its jurisdiction: created under it
        ["横河镇", "2022-03-03", "300", "布拖"],  # another town: refused
        ["横河镇中心小学", "2022-03-04", "400", "布拖"],  # names another town: refused, nothing created there
    ]
    summary = ledger_import(
        path=write_csv(tmp_path / "周巷镇.csv", rows),
        org=zhouxiang,
        within=frozenset(org_subtree_ids(zhouxiang.pk)),
    )
    assert (summary.accepted, summary.rejected) == (2, 2)
    reasons = list(RejectedRow.objects.values_list("reason", flat=True))
    assert all("不在本单位范围内" in reason for reason in reasons)
    assert not Organisation.objects.filter(name="横河镇中心小学").exists()
    assert Organisation.objects.get(name="周巷镇中心小学").parent == zhouxiang


@pytest.mark.parametrize("in_memory", [0, 2, 1000])
def test_rows_spooled_to_a_file_are_stored_as_rows_kept_in_memory(setup, tmp_path, monkeypatch, in_memory):
    """Prepared rows wait between the phases in memory up to SPOOL_IN_MEMORY, then in a temporary file:
    all in the file, split between both, all in memory — the same records, in file order."""
    from bangfu.ledger.services import imports

    monkeypatch.setattr(imports, "FLUSH_EVERY", 2)
    monkeypatch.setattr(imports, "SPOOL_IN_MEMORY", in_memory)
    header = ["订单编号", "下单时间", "采购单位", "商品名称", "供应商", "产地", "订单金额(元)", "订单状态"]
    rows = [header] + [
        [
            f"S-{n:03d}",
            f"2022-03-{n:02d} 09:00:00",
            "周巷镇",
            "苦荞茶",
            "布拖县某合作社",
            "布拖县",
            f"{n}00",
            "已完成",
        ]
        for n in range(1, 8)
    ]
    summary = ledger_import(path=write_csv(tmp_path / "832平台订单导出.csv", rows), year=2022)
    assert (summary.accepted, summary.duplicates, summary.total_fen) == (
        7,
        0,
        sum(n * 10_000 for n in range(1, 8)),
    )
    stored = list(Purchase.objects.order_by("id").values_list("order_no", "row_number", "amount_fen"))
    assert stored == [(f"S-{n:03d}", n + 1, n * 10_000) for n in range(1, 8)]


def _purchase_indexes() -> dict[str, tuple[tuple[str, ...], bool]]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Purchase._meta.db_table)
    return {name: (tuple(c["columns"]), c["unique"]) for name, c in found.items() if c["index"]}


def test_a_first_large_load_rebuilds_the_indexes_it_deferred(setup, tmp_path, monkeypatch):
    """A load larger than what is stored builds the secondary indexes after the rows (PostgreSQL): the
    same indexes afterwards, the same records; a failed one leaves them as they were."""
    from django.db import connection

    from bangfu.ledger.services import imports, writing

    monkeypatch.setattr(writing, "DEFER_INDEXES_MIN_ROWS", 3)
    deferred = []
    real = writing.indexes_deferred

    def spy(rows):
        with real(rows) as did:
            deferred.append(did)
            yield did

    import contextlib

    monkeypatch.setattr(imports, "indexes_deferred", contextlib.contextmanager(spy))
    before = _purchase_indexes()
    assert {index.name for index in Purchase._meta.indexes} <= set(before)
    path = town_ledger(tmp_path)
    with (
        mock.patch("bangfu.ledger.services.imports.write_problem_report", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        ledger_import(path=path, year=2022)
    assert _purchase_indexes() == before and not Purchase.objects.exists()
    summary = ledger_import(path=path, year=2022)
    assert summary.accepted == 5 and Purchase.objects.count() == 5
    assert deferred == [connection.vendor == "postgresql"] * 2
    assert _purchase_indexes() == before
    # Now the table holds more than a 4-row file brings: written row by row into the indexes.
    again = ledger_import(path=platform_export(tmp_path), year=2022)
    assert again.accepted == 3 and deferred[-1] is False
