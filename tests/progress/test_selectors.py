"""Progress lines as the office reads them: bases, exemptions, attribution, roll-ups, reconciliation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import ledger_import
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.models import ProgressSettings, TargetRule
from bangfu.progress.reconciliation import reconciliation
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import base_value_set, progress_rules_ensure
from tests.ledger.builders import write_csv
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2022, 6, 30)


def lines(plan, code, as_of=AS_OF, kind=None, **kw):
    report = progress_compute(plan, as_of=as_of, **kw)
    return {
        line.org_label: line
        for line in report.lines
        if line.item_code == code and (kind is None or line.target.kind == kind)
    }


def test_default_rules_follow_the_table(plan):
    rules = {
        (r.target.item.task.seq, r.target.item.seq, r.target.kind): r
        for r in TargetRule.objects.select_related("target__item__task")
    }
    town = rules[(2, 2, "amount")]
    assert (town.purchaser_scope, town.origin, town.channel) == ("subtree", "paired", "")
    union = rules[(1, 1, "ratio")]
    assert (union.purchaser_scope, union.origin) == ("self", "paired") and union.schedule is not None
    canteen = rules[(2, 1, "ratio")]
    assert (canteen.purchaser_scope, canteen.origin, canteen.channel) == ("subtree", "any", "832")
    # Ensuring again keeps an office's edits.
    town.origin = "any"
    town.save()
    assert progress_rules_ensure(plan) == 0
    assert TargetRule.objects.get(pk=town.pk).origin == "any"


def test_town_counts_its_jurisdiction_once_and_only_eligible_purchases(plan):
    zhouxiang = org("周巷镇")
    school = org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=zhouxiang)
    canteen = org_create(name="周巷镇中心小学食堂", kind=OrgKind.CANTEEN, parent=school)
    buy(zhouxiang, 100_000_00)
    buy(school, 50_000_00)
    buy(canteen, 25_000_00, channel="832")
    buy(canteen, 7_000_00, origin="浙江省宁波市慈溪市")  # local product: stored, not counted
    buy(school, 9_000_00, day=dt.date(2022, 8, 1))  # after the as-of date
    buy(school, 3_000_00, status=RecordStatus.DRAFT)  # not submitted
    buy(school, 4_000_00, status=RecordStatus.RETURNED)
    line = lines(plan, "2.2")["周巷镇"]
    assert line.result.achieved_fen == 175_000_00 and line.result.records == 3
    assert line.result.rate == Decimal(175_000) / Decimal(3_000_000)
    assert line.result.expected == Decimal(181) / Decimal(365)
    assert lines(plan, "2.2", as_of=dt.date(2022, 12, 31))["周巷镇"].result.achieved_fen == 184_000_00


def test_submitted_records_count_unless_the_office_counts_approved_only(plan):
    buy(org("横河镇"), 10_000_00, status=RecordStatus.SUBMITTED)
    assert lines(plan, "2.3")["横河镇"].result.achieved_fen == 10_000_00
    ProgressSettings.objects.filter(plan=plan).update(count_submitted=False)
    assert lines(plan, "2.3")["横河镇"].result.achieved_fen == 0


def test_ratio_targets_without_a_base_say_so_and_exempt_canteens_are_not_behind(plan):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    other_union = org_create(name="横河镇总工会", kind=OrgKind.UNION, parent=org("横河镇"))
    buy(union, 30_000_00)
    base_value_set(organisation=union, year=2022, holiday_gift_fen=500_000_00, member_count=200)
    result = lines(plan, "1.1", kind="ratio")
    assert result["横河镇总工会"].result.status == "no_base" and result["横河镇总工会"].result.rate is None
    ratio = result["周巷镇总工会"]
    assert ratio.result.achieved == Decimal("0.06") and ratio.result.rate == Decimal("0.3")
    per_capita = progress_compute(plan, as_of=AS_OF, org_ids=[union.pk])
    per_capita_line = next(line for line in per_capita.lines if line.target.kind == "per_capita")
    assert per_capita_line.result.achieved == Decimal(150) and per_capita_line.result.rate == Decimal("0.3")
    assert other_union.pk not in {o for line in per_capita.lines for o in line.result.spec.org_ids}

    civil = org("市民政局")
    base_value_set(organisation=civil, year=2022, no_canteen=True)
    commerce, finance = org("市商务局"), org("市财政局")
    base_value_set(organisation=commerce, year=2022, canteen_representative=finance)
    base_value_set(organisation=finance, year=2022, food_budget_fen=1_000_000_00)
    buy(commerce, 20_000_00, channel="832", origin="")
    canteens = lines(plan, "2.1")
    assert canteens["市民政局"].result.status == "exempt"
    assert canteens["市商务局"].result.status == "represented"
    # The shared canteen's purchases count for its representative.
    assert canteens["市财政局"].result.achieved_fen == 20_000_00
    assert canteens["市财政局"].result.achieved == Decimal("0.02")
    # The purchase shows on both lines; each says which one counts it (pages and progress --json).
    assert canteens["市商务局"].result.achieved_fen == 20_000_00
    assert canteens["市商务局"].counted_at == "市财政局" and canteens["市商务局"].represents == ()
    assert canteens["市财政局"].represents == ("市商务局",) and canteens["市财政局"].counted_at == ""
    from bangfu.reports.progress_rows import progress_row

    row = progress_row(canteens["市商务局"])
    assert row["counted_at"] == "市财政局" and row["shortfall_yuan"] is None  # not measured
    row = progress_row(canteens["市财政局"])
    assert row["represents"] == ["市商务局"] and row["shortfall_yuan"] == 80_000.0  # 10% of 100万 − 2万
    assert {line.result.status for line in canteens.values()} <= {
        "no_base",
        "exempt",
        "represented",
        "severe",
        "lagging",
        "normal",
        "done",
    }


def test_outsourced_canteen_counts_for_its_unit(plan):
    education = org("市教育局")
    operator = org_create(name="某餐饮管理有限公司", kind=OrgKind.ENTERPRISE)
    base_value_set(organisation=operator, year=2022, counts_for=education)
    base_value_set(organisation=education, year=2022, food_budget_fen=100_000_00)
    buy(operator, 5_000_00, channel="832", origin="")
    line = lines(plan, "2.1")["市教育局"]
    assert line.result.achieved_fen == 5_000_00 and line.result.achieved == Decimal("0.05")


def test_canteens_under_a_member_unit_roll_into_it(plan):
    education = org("市教育局")
    canteen = org_create(name="市教育局机关食堂", kind=OrgKind.CANTEEN, parent=education)
    buy(canteen, 1_000_00, channel="832", origin="")
    canteens = lines(plan, "2.1")
    assert "市教育局机关食堂" not in canteens and canteens["市教育局"].result.achieved_fen == 1_000_00


def test_rollups_by_task_item_lead_and_town(plan):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    base_value_set(organisation=union, year=2022, holiday_gift_fen=100_000_00, member_count=10)
    buy(org("周巷镇"), 3_000_000_00)
    report = progress_compute(plan, as_of=AS_OF)
    zhouxiang = report.by_town[org("周巷镇").pk]
    assert zhouxiang.lines == 3  # the town's amount, its union's ratio and quota
    assert zhouxiang.statuses["done"] >= 1
    union_lead = report.by_lead[org("市总工会").pk]
    assert union_lead.lines == 2
    task2 = next(rollup for task_id, rollup in report.by_task.items() if task_id == report.lines[-1].task.pk)
    assert task2.lines >= 18
    assert sum(r.lines for r in report.by_item.values()) == len(report.lines)


def test_per_unit_page_matches_the_full_computation(plan, django_assert_max_num_queries):
    buy(org("周巷镇"), 12_345_67)
    full = lines(plan, "2.2")["周巷镇"]
    with django_assert_max_num_queries(20):
        page = progress_compute(plan, as_of=AS_OF, org_ids=[org("周巷镇").pk])
    assert [line.org_label for line in page.lines] == ["周巷镇"]
    assert page.lines[0].result.achieved_fen == full.result.achieved_fen == 12_345_67


def test_reconciliation_of_reported_and_platform_purchases(plan, tmp_path):
    ledger = [
        ["采购单位", "日期", "金额", "产地", "采购渠道", "订单号"],
        ["周巷镇中心小学食堂", "2022-03-01", "100", "布拖", "832平台", "M1"],
        ["周巷镇中心小学食堂", "2022-03-02", "200", "布拖", "832平台", "R1"],
    ]
    platform = [
        ["订单编号", "下单时间", "采购单位", "订单金额(元)", "订单状态"],
        ["M1", "2022-03-01 10:00", "周巷镇中心小学食堂", "100.00", "交易成功"],
        ["P1", "2022-03-05 10:00", "周巷镇中心小学食堂", "300.00", "交易成功"],
    ]
    ledger_import(path=write_csv(tmp_path / "周巷镇台账.csv", ledger), org=org("周巷镇"))
    ledger_import(path=write_csv(tmp_path / "832平台导出.csv", platform))
    rows = {row.org.name: row for row in reconciliation(year=2022)}
    canteen = rows["周巷镇中心小学食堂"]
    assert (canteen.matched, canteen.reported_only, canteen.platform_only) == (1, 1, 1)
    assert (canteen.matched_fen, canteen.reported_only_fen, canteen.platform_only_fen) == (
        100_00,
        200_00,
        300_00,
    )
    assert Purchase.objects.get(pk=canteen.reported_only_ids[0]).order_no == "R1"
    assert Purchase.objects.get(pk=canteen.platform_only_ids[0]).order_no == "P1"
