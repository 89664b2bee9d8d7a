from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.activities.access import activity_list_for_user, evidence_get_for_user
from bangfu.activities.importing import activities_import
from bangfu.activities.models import Activity, Evidence
from bangfu.activities.selectors import count_achieved, outlet_directory, outlet_public_card
from bangfu.activities.services import (
    ActivityError,
    activity_create,
    activity_delete,
    activity_update,
    evidence_add,
)
from bangfu.ledger.choices import Category, RecordStatus
from bangfu.ledger.models import ApprovalEvent, Purchase
from bangfu.ledger.services import purchase_return
from bangfu.orgs.models import Organisation
from tests.ledger.builders import write_xlsx
from tests.support.world import org

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_enterprise_purchase_is_also_a_purchase_record_entered_once(seeded_regions, make_user):
    activity = activity_create(
        kind="enterprise",
        organisation=org("周巷镇"),
        title="某食品公司采购苦荞原料",
        date=dt.date(2022, 5, 1),
        details={
            "enterprise": "周巷镇某食品有限公司",
            "village": "特尔果乡某村",
            "amount": "8万",
            "product": "苦荞",
            "origin": "布拖县",
        },
    )
    purchase = Purchase.objects.get()
    assert activity.purchase == purchase
    assert purchase.amount_fen == 80_000_00 and purchase.category == Category.RAW_MATERIAL
    assert purchase.origin_region.county == "布拖县" and purchase.purchaser.name == "周巷镇某食品有限公司"
    assert purchase.purchaser.parent == org("周巷镇")
    # Deleting the activity follows the ledger's rule for its purchase: not while it is under review …
    with pytest.raises(ActivityError, match="只有草稿或已退回的记录可以删除"):
        activity_delete(activity)
    assert Activity.objects.filter(pk=activity.pk).exists() and Purchase.objects.exists()
    # … but once returned, the activity goes with its purchase.
    purchase_return([purchase], user=make_user("coordinator"), comment="请核实")
    activity_delete(activity)
    assert not Purchase.objects.exists()


def test_an_activity_moved_to_another_unit_moves_its_purchase_through_the_ledger(seeded_regions, make_user):
    details = {"enterprise": "周巷镇某食品有限公司", "amount": "8万", "product": "苦荞", "origin": "布拖县"}
    activity = activity_create(
        kind="enterprise",
        organisation=org("周巷镇"),
        title="采购原料",
        date=dt.date(2022, 5, 1),
        details=details,
    )
    activity_update(activity, organisation=org("市商务局"), user=make_user("coordinator"), within=None)
    purchase = Purchase.objects.get()
    assert purchase.reporting_org == org("市商务局")
    change = ApprovalEvent.objects.filter(purchase=purchase).latest("pk")
    assert change.changes["reporting_org"] == ["周巷镇", "市商务局"]


def test_count_targets_add_up_activities_by_unit(cixi_orgs):
    commerce = org("市商务局")
    for day, trainees in ((dt.date(2022, 3, 1), 80), (dt.date(2022, 6, 1), 150), (dt.date(2022, 11, 1), 40)):
        activity_create(
            kind="training",
            organisation=commerce,
            title="电商培训",
            date=day,
            details={"sessions": 1, "trainees": trainees},
        )
    activity_create(
        kind="training",
        organisation=org("周巷镇"),
        title="另一单位",
        date=dt.date(2022, 3, 1),
        details={"sessions": 1, "trainees": 999},
    )
    activity_create(
        kind="training",
        organisation=commerce,
        title="草稿",
        date=dt.date(2022, 3, 1),
        details={"sessions": 1, "trainees": 5},
        status=RecordStatus.DRAFT,
    )
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from tests.support.world import SEED_DOCX

    item = plan_import(parsed=parse_table(SEED_DOCX)).plan.tasks.get(seq=5).items.get(seq=1)
    Activity.objects.update(item=item)
    assert (
        count_achieved(item_id=item.pk, unit="人次", org_ids=[commerce.pk], as_of=dt.date(2022, 10, 31))
        == 230
    )
    assert count_achieved(item_id=item.pk, unit="期", org_ids=[commerce.pk], as_of=dt.date(2022, 12, 31)) == 3
    assert count_achieved(
        item_id=item.pk, unit="篇", org_ids=[commerce.pk], as_of=dt.date(2022, 12, 31)
    ) == Decimal(0)


def test_evidence_types_sizes_and_scope(cixi_orgs, make_user, settings):
    zhouxiang, henghe = org("周巷镇"), org("横河镇")
    mine = activity_create(
        kind="media",
        organisation=zhouxiang,
        title="周巷镇推介苦荞",
        date=dt.date(2022, 4, 1),
        details={"media_type": "报纸", "outlet": "慈溪日报"},
    )
    theirs = activity_create(
        kind="media",
        organisation=henghe,
        title="横河镇宣传",
        date=dt.date(2022, 4, 1),
        details={"media_type": "电视", "outlet": "慈溪电视台"},
    )
    reporter = make_user("reporter", "周巷镇")
    proof = evidence_add(name="报道.pdf", content=PDF, user=reporter, activity=mine)
    other = evidence_add(name="截图.png", content=PNG, user=reporter, activity=theirs)
    assert proof.content_type == "application/pdf" and proof.size == len(PDF) and len(proof.sha256) == 64
    assert proof.previewable and other.previewable
    assert evidence_get_for_user(reporter, proof.pk) == proof
    from django.http import Http404

    with pytest.raises(Http404):
        evidence_get_for_user(reporter, other.pk)
    assert list(activity_list_for_user(reporter)) == [mine]
    with pytest.raises(ActivityError, match="只接受"):
        evidence_add(name="病毒.exe", content=b"MZ\x90\x00", user=reporter, activity=mine)
    with pytest.raises(ActivityError, match="只接受"):
        evidence_add(name="假装.pdf", content=b"<html>", user=reporter, activity=mine)
    settings.BANGFU_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ActivityError, match="超过"):
        evidence_add(name="大.pdf", content=PDF, user=reporter, activity=mine)
    assert Evidence.objects.count() == 2


def test_public_outlet_directory_shows_only_public_fields(cixi_orgs):
    activity_create(
        kind="outlet", organisation=org("周巷镇"), title="周巷镇消费帮扶专柜", date=dt.date(2022, 2, 1),
        details={"place_type": "超市", "address": "周巷镇某路1号", "operator": "某超市", "status": "营业中", "monthly_sales": "3万", "phone": "0574-1"},
        public=True, status=RecordStatus.APPROVED,
    )  # fmt: skip
    activity_create(
        kind="outlet", organisation=org("横河镇"), title="未审核的专柜", date=dt.date(2022, 2, 1),
        details={"place_type": "社区", "address": "x", "operator": "y", "status": "营业中"}, public=True,
    )  # fmt: skip
    activity_create(
        kind="outlet", organisation=org("周巷镇"), title="已关闭的专柜", date=dt.date(2022, 2, 1),
        details={"place_type": "超市", "address": "z", "operator": "y", "status": "已关闭"}, public=True,
        status=RecordStatus.APPROVED,
    )  # fmt: skip
    older = activity_create(
        kind="outlet", organisation=org("周巷镇"), title="未填营业状态的专柜", date=dt.date(2022, 2, 1),
        details={"place_type": "社区", "address": "w", "operator": "v", "status": "暂停"}, public=True,
        status=RecordStatus.APPROVED,
    )  # fmt: skip
    # Recorded before the status was a required field: no status at all is not "closed".
    Activity.objects.filter(pk=older.pk).update(
        details={"place_type": "社区", "address": "w", "operator": "v"}
    )
    outlets = [outlet_public_card(a) for a in outlet_directory().order_by("title")]
    assert [o["title"] for o in outlets] == ["周巷镇消费帮扶专柜", "未填营业状态的专柜"]
    labels = [label for label, _value in outlets[0]["fields"]]
    assert "月销售额（元）" not in labels and "地址" in labels
    assert [a.title for a in outlet_directory(place_type="社区")] == ["未填营业状态的专柜"]
    assert not outlet_directory(town_id=org("横河镇").pk).exists()


def test_import_activities_keeps_every_row(cixi_orgs, tmp_path):
    rows = [
        ["2022年展销活动台账"],
        [
            "单位",
            "名称",
            "日期",
            "活动类型",
            "地点",
            "展位数",
            "免费展位数",
            "对口地区参展商（家）",
            "现场销售额（元）",
        ],
        ["市商务局", "慈溪农博会布拖展区", "2022-09-20", "农博会", "慈溪会展中心", 20, 20, 8, "56,000"],
        ["市商务局", "丰收节展销", "2022年9月23日", "丰收节", "观海卫镇", 10, 12, 3, ""],
        ["市商务局", "没有日期", "", "展销会", "x", None, None, None, None],
        ["不知道的单位", "推介会", "2022-10-01", "推介会", "y", None, None, None, None],
        ["合计", None, None, None, None, 30, 32, 11, None],
    ]
    path = write_xlsx(tmp_path / "展销活动.xlsx", {"活动": rows})
    result = activities_import(path, kind="event")
    assert (result.saved, result.rejected, result.skipped) == (1, 3, 1)
    reasons = [p.reason for p in result.problems]
    assert "第4行" in reasons[0] and "免费展位数不能多于展位数" in reasons[0]
    assert "第5行" in reasons[1] and "日期" in reasons[1]
    assert "第6行" in reasons[2] and "无法归属" in reasons[2]
    saved = Activity.objects.get()
    assert saved.details["sales"] == 56_000_00 and "展销活动.xlsx" in saved.source
    from openpyxl import load_workbook

    assert load_workbook(result.report).worksheets[0].max_row == 4  # header + 3 rejected rows


def test_the_activity_import_reports_every_column(cixi_orgs, tmp_path):
    from bangfu.activities.importing import activities_import
    from tests.ledger.builders import write_xlsx

    rows = [["名称", "日期", "单位", "经办人"], ["消费帮扶展销会", "2022-05-01", "周巷镇", "李四"]]
    result = activities_import(write_xlsx(tmp_path / "活动.xlsx", {"活动": rows}), kind="event")
    labels = {c["header"]: c["label"] for c in result.columns}
    assert labels["名称"] == "名称" and labels["单位"] == "单位" and labels["经办人"] == "未识别"
    assert result.unrecognised == ["经办人"]


def test_an_activity_cannot_end_before_it_starts(cixi_orgs):
    import datetime as dt

    from bangfu.activities.services import ActivityError, activity_create, activity_update

    unit = Organisation.objects.get(name="周巷镇")
    details = {"event_type": "展销会", "end_date": "2022-05-01", "place": "周巷镇文化广场"}
    with pytest.raises(ActivityError) as caught:
        activity_create(
            kind="event", organisation=unit, title="展销会", date=dt.date(2022, 5, 3), details=details
        )
    assert "结束日期" in caught.value.message_dict["end_date"][0]
    ok = activity_create(
        kind="event", organisation=unit, title="展销会", date=dt.date(2022, 5, 1), details=details
    )
    with pytest.raises(ActivityError):
        activity_update(ok, date=dt.date(2022, 5, 9))
