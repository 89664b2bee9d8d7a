"""Four-eyes review: nobody approves a record they authored — a purchase they entered, imported, submitted
or changed, an activity they entered or changed — the coordinator included. Returning one's own record
stays allowed (it makes nothing official). Side by side: the same record approved by another reviewer.
Through the services, the web pages (record page, queue, batch review) and the activity pages.

Also here, because they are the same kind of leak: deleting an activity follows its purchase's rule
(an approved purchase and its history stay), and refusing a duplicate order tells nothing about a record
outside the user's scope.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from bangfu.activities.models import Activity
from bangfu.activities.services import (
    ActivityError,
    activity_create,
    activity_delete,
    activity_review,
    activity_update,
)
from bangfu.ledger.choices import ApprovalAction, RecordStatus
from bangfu.ledger.models import ApprovalEvent, ImportBatch, Purchase
from bangfu.ledger.services import (
    WorkflowError,
    ledger_import,
    purchase_approve,
    purchase_create,
    purchase_enter,
    purchase_return,
    purchase_submit,
    purchase_update,
)
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from tests.factories import UserFactory
from tests.ledger.builders import write_csv
from tests.support.layers import layer, layer_value
from tests.support.world import org
from tests.support.worlds import World

pytestmark = pytest.mark.django_db
S = RecordStatus
OWN = "由您本人录入、导入、提交或修改，不能由您本人审核通过"


@layer("four_eyes_world", on="seed_plan")
def _build_world(request) -> World:
    units = {"zhouxiang": org("周巷镇"), "guanhaiwei": org("观海卫镇")}
    units["union"] = org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=units["zhouxiang"])
    accounts = {
        "reporter": ("reporter", units["zhouxiang"]),
        "other_reporter": ("reporter", units["guanhaiwei"]),
        "office": ("coordinator", None),
        "office2": ("coordinator", None),
        "lead": ("lead", org("市总工会")),
    }
    users = {
        who: UserFactory(username=f"four-{who}", role=role, organisation=unit)
        for who, (role, unit) in accounts.items()
    }
    return World(units=units, users=users)


@pytest.fixture
def four_eyes_world(db, request) -> World:
    return copy.deepcopy(layer_value(request, "four_eyes_world"))


@pytest.fixture
def world(four_eyes_world, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return four_eyes_world


def status_of(pk: int) -> str:
    return Purchase.objects.values_list("status", flat=True).get(pk=pk)


def entered(
    world: World, who: str, *, submit: bool = True, unit: str = "zhouxiang", **fields: Any
) -> Purchase:
    values = {"date": dt.date(2022, 5, 1), "amount_fen": 100_00, "product": "苦荞茶", **fields}
    return purchase_enter(user=world.user(who), purchaser=world.units[unit], submit=submit, **values)


# --- purchases: the services ---------------------------------------------------------------------


def test_the_coordinator_cannot_approve_what_they_entered_another_reviewer_can(world):
    own = entered(world, "office")
    with pytest.raises(WorkflowError, match=f"记录 {own.pk} {OWN}"):
        purchase_approve([own], user=world.user("office"))
    assert (
        status_of(own.pk) == S.SUBMITTED
        and not ApprovalEvent.objects.filter(action=ApprovalAction.APPROVE).exists()
    )
    assert purchase_approve([own], user=world.user("office2")) == 1
    assert status_of(own.pk) == S.APPROVED


def test_entering_a_draft_that_someone_else_submits_still_counts(world):
    draft = entered(world, "lead", submit=False, unit="union")
    purchase_submit([draft], user=world.user("reporter"))
    with pytest.raises(WorkflowError, match=OWN):  # the lead entered it
        purchase_approve([draft], user=world.user("lead"))
    purchase_approve([draft], user=world.user("office"))
    assert status_of(draft.pk) == S.APPROVED


def test_whoever_submitted_or_changed_a_record_cannot_approve_it(world):
    submitted = purchase_create(
        purchaser=world.units["union"], date=dt.date(2022, 5, 2), amount_fen=200_00, status=S.DRAFT
    )
    purchase_submit([submitted], user=world.user("office"))
    with pytest.raises(WorkflowError, match=OWN):
        purchase_approve([submitted], user=world.user("office"))
    changed = entered(world, "reporter", unit="union", order_no="C-1")
    purchase_update(changed, user=world.user("lead"), product="花椒")  # a reviewer's correction …
    with pytest.raises(WorkflowError, match=OWN):  # … is approved by someone else
        purchase_approve([changed], user=world.user("lead"))
    assert purchase_approve([submitted, changed], user=world.user("office2")) == 2


def test_one_own_record_refuses_the_whole_selection(world):
    theirs, own = entered(world, "reporter"), entered(world, "office", order_no="O-1")
    with pytest.raises(WorkflowError, match=f"记录 {own.pk} {OWN}"):
        purchase_approve(Purchase.objects.filter(pk__in=[theirs.pk, own.pk]), user=world.user("office"))
    assert status_of(theirs.pk) == status_of(own.pk) == S.SUBMITTED


def test_returning_ones_own_record_is_allowed(world):
    own = entered(world, "office")
    assert purchase_return([own], user=world.user("office"), comment="录入有误，退回修改") == 1
    assert status_of(own.pk) == S.RETURNED


def test_an_imported_batch_is_not_approved_by_its_importer(world, tmp_path):
    rows = [["采购单位", "采购日期", "金额"], ["周巷镇", "2022-04-01", "10"], ["周巷镇", "2022-04-02", "20"]]
    summary = ledger_import(
        path=write_csv(tmp_path / "台账.csv", rows), user=world.user("office"), status=S.SUBMITTED
    )
    batch = Purchase.objects.filter(batch_id=summary.batch_id)
    with pytest.raises(WorkflowError, match=OWN):
        purchase_approve(batch, user=world.user("office"))
    assert purchase_approve(batch, user=world.user("office2")) == 2


def test_records_imported_without_a_user_are_approved_by_design(world, tmp_path):
    """The command line (the office on the server) stores its imports approved; nothing to review."""
    rows = [["采购单位", "采购日期", "金额"], ["周巷镇", "2022-04-01", "10"]]
    summary = ledger_import(path=write_csv(tmp_path / "命令行.csv", rows))
    assert set(Purchase.objects.filter(batch_id=summary.batch_id).values_list("status", flat=True)) == {
        S.APPROVED
    }


# --- purchases: the pages ------------------------------------------------------------------------


def test_the_record_page_offers_approval_only_to_another_reviewer(world):
    own = entered(world, "office")
    mine = world.client("office").get(reverse("ledger:detail", args=[own.pk])).content.decode()
    assert 'value="approve"' not in mine and 'value="return"' in mine
    assert "需由其他审核人员审核通过" in mine
    theirs = world.client("office2").get(reverse("ledger:detail", args=[own.pk])).content.decode()
    assert 'value="approve"' in theirs and "需由其他审核人员审核通过" not in theirs


def test_the_queue_leaves_out_ones_own_records_and_says_so(world):
    own, theirs = entered(world, "office"), entered(world, "reporter", order_no="T-1")
    page = world.client("office").get(reverse("ledger:approvals"), {"unit": world.units["zhouxiang"].pk})
    listed = {p.pk for p, _changes in page.context["rows"]}
    assert theirs.pk in listed and own.pk not in listed
    assert sum(g.count for g in page.context["groups"]) == 1 and page.context["own_pending"] == 1
    assert "另有 1 条待审核记录由您本人录入" in page.content.decode()
    other = world.client("office2").get(reverse("ledger:approvals"), {"unit": world.units["zhouxiang"].pk})
    assert {own.pk, theirs.pk} <= {p.pk for p, _changes in other.context["rows"]}


def test_approving_ones_own_record_on_the_web_is_refused_with_a_message(world):
    own = entered(world, "office")
    response = world.client("office").post(
        reverse("ledger:review"), {"action": "approve", "ids": [own.pk]}, follow=True
    )
    assert response.status_code == 200 and OWN in response.content.decode()
    assert status_of(own.pk) == S.SUBMITTED
    world.client("office2").post(reverse("ledger:review"), {"action": "approve", "ids": [own.pk]})
    assert status_of(own.pk) == S.APPROVED


def test_the_batch_review_leaves_the_importers_records_to_another_reviewer(world, tmp_path):
    rows = [["采购单位", "采购日期", "金额"], ["周巷镇", "2022-04-01", "10"], ["周巷镇", "2022-04-02", "20"]]
    batch = ImportBatch.objects.get(
        pk=ledger_import(
            path=write_csv(tmp_path / "批次.csv", rows), user=world.user("office"), status=S.SUBMITTED
        ).batch_id
    )
    importer = world.client("office")
    assert importer.get(reverse("ledger:batch", args=[batch.pk])).context["submitted"] == 0
    response = importer.post(
        reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}, follow=True
    )
    assert response.status_code == 200 and "需由其他审核人员审核" in response.content.decode()
    assert set(batch.purchases.values_list("status", flat=True)) == {S.SUBMITTED}
    reviewer = world.client("office2")
    assert reviewer.get(reverse("ledger:batch", args=[batch.pk])).context["submitted"] == 2
    assert (
        reviewer.post(reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}).status_code
        == 302
    )
    assert set(batch.purchases.values_list("status", flat=True)) == {S.APPROVED}
    # A batch with nothing to review for anyone is still a 404.
    assert (
        reviewer.post(reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}).status_code
        == 404
    )


# --- activities ----------------------------------------------------------------------------------


def media_activity(world: World, who: str) -> Activity:
    return activity_create(
        kind="media", organisation=world.units["union"], title="工会推介", date=dt.date(2022, 5, 1),
        details={"media_type": "报纸", "outlet": "慈溪日报"}, user=world.user(who),
    )  # fmt: skip


def test_an_activity_is_not_approved_by_whoever_entered_or_changed_it(world):
    activity = media_activity(world, "lead")
    with pytest.raises(ActivityError, match="不能由您本人审核通过"):
        activity_review(activity, approve=True, user=world.user("lead"))
    activity_update(activity, user=world.user("office"), title="工会推介（更正）")
    with pytest.raises(ActivityError, match="不能由您本人审核通过"):
        activity_review(activity, approve=True, user=world.user("office"))
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED
    activity_review(activity, approve=False, user=world.user("lead"))  # returning one's own: allowed
    activity_review(activity, approve=True, user=world.user("office2"))
    assert Activity.objects.get(pk=activity.pk).status == S.APPROVED


def test_the_activity_page_offers_approval_only_to_another_reviewer(world):
    activity = media_activity(world, "lead")
    url = reverse("activities:detail", args=[activity.pk])
    mine = world.client("lead").get(url).content.decode()
    assert 'value="approve"' not in mine and 'value="return"' in mine and "需由其他审核人员审核通过" in mine
    assert 'value="approve"' in world.client("office").get(url).content.decode()
    response = world.client("lead").post(
        reverse("activities:review", args=[activity.pk]), {"action": "approve"}, follow=True
    )
    assert "不能由您本人审核通过" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED
    world.client("office").post(reverse("activities:review", args=[activity.pk]), {"action": "approve"})
    assert Activity.objects.get(pk=activity.pk).status == S.APPROVED


# --- deleting an activity that carries a purchase -------------------------------------------------


def enterprise_activity(world: World) -> Activity:
    return activity_create(
        kind="enterprise", organisation=world.units["zhouxiang"], title="原料采购", date=dt.date(2022, 5, 1),
        details={"enterprise": "周巷镇某食品公司", "amount": "1万", "origin": "布拖县"},
        user=world.user("reporter"),
    )  # fmt: skip


def test_an_activity_whose_purchase_is_approved_cannot_be_deleted(world):
    activity = enterprise_activity(world)
    purchase_approve([activity.purchase], user=world.user("office"))
    history = list(ApprovalEvent.objects.filter(purchase=activity.purchase).values_list("pk", flat=True))
    with pytest.raises(ActivityError, match="只有草稿或已退回的记录可以删除"):
        activity_delete(activity, user=world.user("reporter"))
    page = world.client("reporter").get(reverse("activities:delete", args=[activity.pk])).content.decode()
    assert "同时记作一条采购记录，不能删除" in page and "确认删除" not in page
    response = world.client("reporter").post(reverse("activities:delete", args=[activity.pk]), follow=True)
    assert "同时记作一条采购记录，不能删除" in response.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert status_of(activity.purchase_id) == S.APPROVED
    assert (
        list(ApprovalEvent.objects.filter(purchase_id=activity.purchase_id).values_list("pk", flat=True))
        == history
    )
    # The office is bound by the same rule.
    with pytest.raises(ActivityError):
        activity_delete(activity, user=world.user("office"))


def test_a_returned_activity_goes_with_its_purchase(world):
    activity = enterprise_activity(world)
    purchase_id = activity.purchase_id
    purchase_return([activity.purchase], user=world.user("office"), comment="请补充发票")
    page = world.client("reporter").get(reverse("activities:delete", args=[activity.pk])).content.decode()
    assert "也将删除" in page and "确认删除" in page
    response = world.client("reporter").post(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == 302
    assert (
        not Activity.objects.filter(pk=activity.pk).exists()
        and not Purchase.objects.filter(pk=purchase_id).exists()
    )


def test_a_draft_activity_goes_with_its_draft_purchase(world):
    activity = activity_create(
        kind="enterprise", organisation=world.units["zhouxiang"], title="草稿", date=dt.date(2022, 5, 1),
        details={"enterprise": "周巷镇某食品公司", "amount": "1万"}, status=S.DRAFT, user=world.user("reporter"),
    )  # fmt: skip
    assert activity.purchase is not None and activity.purchase.status == S.DRAFT
    purchase_id = activity.purchase_id
    activity_delete(activity, user=world.user("reporter"))
    assert not Purchase.objects.filter(pk=purchase_id).exists()


# --- a duplicate order says nothing about a record outside the scope ------------------------------


@pytest.fixture
def theirs(world) -> Purchase:
    """A record of 观海卫镇, invisible to 周巷镇's reporter."""
    return purchase_create(
        purchaser=world.units["guanhaiwei"], date=dt.date(2022, 3, 1), amount_fen=1_234_00, order_no="GH-9"
    )


def test_the_ledger_form_refuses_a_duplicate_without_naming_a_record_outside_the_scope(world, theirs):
    client = world.client("reporter")
    assert client.get(reverse("ledger:detail", args=[theirs.pk])).status_code == 404
    form = {"purchaser": world.units["zhouxiang"].pk, "date": "2022-06-01", "amount": "1234", "product": "x",
            "channel": "offline", "order_no": "gh-9"}  # fmt: skip
    response = client.post(reverse("ledger:create"), form)
    errors = " ".join(response.context["form"].errors["order_no"])
    assert "已存在" in errors and "编号" not in errors
    assert Purchase.objects.filter(order_key="GH-9").count() == 1
    # Its own reporter is told which record it is.
    own = world.client("other_reporter").post(
        reverse("ledger:create"), form | {"purchaser": world.units["guanhaiwei"].pk}
    )
    assert f"编号 {theirs.pk}" in " ".join(own.context["form"].errors["order_no"])


def test_the_api_refuses_a_duplicate_without_naming_a_record_outside_the_scope(world, theirs):
    body = {"purchaser_id": world.units["zhouxiang"].pk, "date": "2022-07-01", "amount_yuan": "1234.00",
            "order_no": "GH-9"}  # fmt: skip
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "已存在" in detail and "编号" not in detail


def test_an_edit_refuses_a_duplicate_without_naming_a_record_outside_the_scope(world, theirs):
    mine = entered(world, "reporter", submit=False, amount_fen=1_234_00, order_no="ZX-9")
    with pytest.raises(WorkflowError) as caught:
        purchase_update(mine, user=world.user("reporter"), order_no="GH-9")
    message = " ".join(caught.value.message_dict["order_no"])
    assert "已存在" in message and "编号" not in message
    with pytest.raises(WorkflowError, match=f"编号 {theirs.pk}"):
        purchase_update(mine, user=world.user("office"), order_no="GH-9")
