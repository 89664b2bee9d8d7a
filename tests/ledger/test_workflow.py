"""The review workflow: every transition and every refusal, the diff of a change to approved data,
derived fields and de-duplication on edit, deletion, and the dry run of an import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from bangfu.ledger.choices import ApprovalAction, Channel, RecordStatus
from bangfu.ledger.models import ApprovalEvent, ImportBatch, Purchase, PurchaseSighting, RejectedRow
from bangfu.ledger.selectors import describe_changes, pending_changes
from bangfu.ledger.services import (
    DELETE,
    PURCHASE_STATES,
    WorkflowError,
    ledger_import,
    purchase_approve,
    purchase_create,
    purchase_delete,
    purchase_enter,
    purchase_reopen,
    purchase_return,
    purchase_submit,
    purchase_update,
)
from bangfu.orgs.models import Organisation
from bangfu.regions.models import Region
from tests.support.world import org

from .builders import write_csv

pytestmark = pytest.mark.django_db
S = RecordStatus


@pytest.fixture
def setup(seeded_regions):
    """Cixi's units and the regions (a shared layer)."""


@pytest.fixture
def reporter(setup, make_user):
    return make_user("reporter", "周巷镇")


@pytest.fixture
def coordinator(setup, make_user):
    return make_user("coordinator")


@pytest.fixture
def leader(setup, make_user):
    return make_user("leader")


def record(status: str = S.DRAFT, **fields: Any) -> Purchase:
    values: dict[str, Any] = {
        "purchaser": org("周巷镇"),
        "date": dt.date(2022, 3, 15),
        "amount_fen": 150_000,
        "product": "苦荞茶",
        "origin": "布拖县",
        "order_no": "A-001",
    }
    values.update(fields)
    return purchase_create(status=status, **values)


def status_of(purchase: Purchase) -> str:
    return Purchase.objects.values_list("status", flat=True).get(pk=purchase.pk)


def events_of(purchase: Purchase) -> list[tuple[str, str, str]]:
    return list(
        ApprovalEvent.objects.filter(purchase=purchase)
        .order_by("id")
        .values_list("action", "from_status", "to_status")
    )


# --- the happy path ------------------------------------------------------------------------------


def test_draft_submitted_approved_with_one_event_per_step(reporter, coordinator):
    p = record()
    assert purchase_submit([p], user=reporter) == 1
    assert status_of(p) == S.SUBMITTED
    assert purchase_approve([p], user=coordinator, comment="  核对无误 ") == 1
    assert status_of(p) == S.APPROVED
    assert events_of(p) == [
        (ApprovalAction.SUBMIT, S.DRAFT, S.SUBMITTED),
        (ApprovalAction.APPROVE, S.SUBMITTED, S.APPROVED),
    ]
    approve = ApprovalEvent.objects.get(purchase=p, action=ApprovalAction.APPROVE)
    assert approve.actor == coordinator and approve.comment == "核对无误"


def test_returned_with_a_reason_then_submitted_again(reporter, coordinator):
    p = record(S.SUBMITTED)
    purchase_return([p], user=coordinator, comment="产地不清楚")
    assert status_of(p) == S.RETURNED
    assert ApprovalEvent.objects.get(purchase=p).comment == "产地不清楚"
    purchase_submit([p], user=reporter)
    assert status_of(p) == S.SUBMITTED
    assert [e[0] for e in events_of(p)] == [ApprovalAction.RETURN, ApprovalAction.SUBMIT]


def test_a_reviewer_may_reopen_an_approval_with_a_reason(coordinator):
    p = record(S.APPROVED)
    with pytest.raises(WorkflowError, match="必须填写意见"):
        purchase_reopen([p], user=coordinator, comment=" ")
    purchase_reopen([p], user=coordinator, comment="数据需复核")
    assert status_of(p) == S.SUBMITTED
    assert events_of(p) == [(ApprovalAction.REOPEN, S.APPROVED, S.SUBMITTED)]


def test_transitions_take_a_queryset_and_many_records_at_once(reporter, coordinator):
    town = org("周巷镇")
    drafts = Purchase.objects.bulk_create(
        Purchase(
            purchaser=town, purchaser_name=town.name, date=dt.date(2022, 3, 1), amount_fen=100 + i,
            dedupe_key=f"m:{i}", status=S.DRAFT,
        )
        for i in range(2500)
    )  # fmt: skip
    assert purchase_submit(Purchase.objects.filter(status=S.DRAFT), user=reporter) == 2500
    assert purchase_approve(Purchase.objects.filter(pk__in=[p.pk for p in drafts]), user=coordinator) == 2500
    assert Purchase.objects.filter(status=S.APPROVED).count() == 2500
    assert ApprovalEvent.objects.filter(action=ApprovalAction.APPROVE).count() == 2500


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (S.DRAFT, "approve"),
        (S.DRAFT, "return"),
        (S.DRAFT, "reopen"),
        (S.SUBMITTED, "submit"),
        (S.SUBMITTED, "reopen"),
        (S.APPROVED, "submit"),
        (S.APPROVED, "approve"),
        (S.APPROVED, "return"),
        (S.RETURNED, "approve"),
        (S.RETURNED, "return"),
        (S.RETURNED, "reopen"),
    ],
)
def test_transitions_outside_the_state_machine_are_refused_in_chinese(coordinator, start, action):
    p = record(start)
    service = {
        "submit": purchase_submit,
        "approve": purchase_approve,
        "return": purchase_return,
        "reopen": purchase_reopen,
    }[action]
    with pytest.raises(WorkflowError) as caught:
        service([p], user=coordinator, comment="意见")
    message = " ".join(caught.value.messages)
    assert f"记录 {p.pk} 当前为“{S(start).label}”" in message and "不能" in message
    assert status_of(p) == start
    assert not ApprovalEvent.objects.exists()


def test_one_wrong_record_refuses_the_whole_selection(coordinator):
    ok, wrong = record(S.SUBMITTED, order_no="X1"), record(S.APPROVED, order_no="X2")
    with pytest.raises(WorkflowError, match=f"记录 {wrong.pk} 当前为“已审核”"):
        purchase_approve([ok, wrong], user=coordinator)
    assert status_of(ok) == S.SUBMITTED and not ApprovalEvent.objects.exists()


def test_return_needs_a_comment(coordinator):
    p = record(S.SUBMITTED)
    with pytest.raises(WorkflowError) as caught:
        purchase_return([p], user=coordinator, comment="")
    assert "comment" in caught.value.message_dict
    assert status_of(p) == S.SUBMITTED


def test_nothing_to_do_is_said_plainly(coordinator):
    with pytest.raises(WorkflowError, match="没有可审核通过的记录"):
        purchase_approve(Purchase.objects.none(), user=coordinator)


@pytest.mark.parametrize("role", ["reporter", "leader"])
def test_reporters_and_leaders_never_approve(setup, make_user, role):
    user = make_user(role, "周巷镇" if role == "reporter" else None)
    p = record(S.SUBMITTED)
    for service in (purchase_approve, purchase_return, purchase_reopen):
        with pytest.raises(PermissionDenied):
            service([p], user=user, comment="x")
    assert status_of(p) == S.SUBMITTED


def test_leaders_cannot_write(leader):
    p = record()
    with pytest.raises(PermissionDenied):
        purchase_submit([p], user=leader)
    with pytest.raises(PermissionDenied):
        purchase_update(p, user=leader, product="x")
    with pytest.raises(PermissionDenied):
        purchase_delete(p, user=leader)
    with pytest.raises(PermissionDenied):
        purchase_enter(user=leader, purchaser=org("周巷镇"), date=dt.date(2022, 1, 1), amount_fen=1)


def test_a_stale_copy_does_not_bypass_the_state_check(reporter, coordinator):
    p = record(S.SUBMITTED)
    stale = Purchase.objects.get(pk=p.pk)
    purchase_approve([p], user=coordinator)
    assert stale.status == S.SUBMITTED  # the caller's copy is out of date …
    with pytest.raises(WorkflowError, match="已审核"):  # … the state is read again under lock
        purchase_approve([stale], user=coordinator)


# --- entry ---------------------------------------------------------------------------------------


def test_entry_as_draft_or_submitted_at_once(reporter):
    town = org("周巷镇")
    draft = purchase_enter(
        user=reporter, purchaser=town, date=dt.date(2022, 5, 1), amount_fen=100, product="花椒"
    )
    assert draft.status == S.DRAFT and not ApprovalEvent.objects.exists()
    sent = purchase_enter(
        user=reporter, purchaser=town, submit=True, date=dt.date(2022, 5, 1), amount_fen=200, product="花椒"
    )
    assert status_of(sent) == S.SUBMITTED
    assert events_of(sent) == [(ApprovalAction.SUBMIT, S.DRAFT, S.SUBMITTED)]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -5}, "amount_fen"),
        ({"amount_fen": 1.5}, "amount_fen"),
        ({"channel": "mail"}, "channel"),
        ({"category": "x"}, "category"),
        ({"quantity": Decimal("-1")}, "quantity"),
        ({"product": "长" * 201}, "product"),
    ],
)
def test_entry_and_update_validate(reporter, fields, field):
    base = {"purchaser": org("周巷镇"), "date": dt.date(2022, 5, 1), "amount_fen": 100}
    with pytest.raises(WorkflowError) as caught:
        purchase_enter(user=reporter, **{**base, **fields})
    assert field in caught.value.message_dict
    p = record()
    with pytest.raises(WorkflowError) as caught:
        purchase_update(p, user=reporter, **fields)
    assert field in caught.value.message_dict


def test_unknown_fields_are_a_programming_error(reporter):
    with pytest.raises(TypeError):
        purchase_update(record(), user=reporter, status=S.APPROVED)


# --- change --------------------------------------------------------------------------------------


def test_changing_approved_data_sends_it_back_with_exactly_what_changed(reporter, coordinator):
    p = record(S.APPROVED)
    updated = purchase_update(
        p,
        user=reporter,
        comment="发票金额更正",
        amount_fen=180_050,
        product="苦荞茶",  # unchanged: not in the diff
        date=dt.date(2022, 3, 16),
        purchaser=org("周巷镇"),  # unchanged
        channel=Channel.PLATFORM_832,
    )
    assert updated.status == S.SUBMITTED
    event = ApprovalEvent.objects.get(purchase=p)
    assert (event.action, event.from_status, event.to_status) == (
        ApprovalAction.CHANGE,
        S.APPROVED,
        S.SUBMITTED,
    )
    assert event.comment == "发票金额更正" and event.actor == reporter
    assert event.changes == {
        "amount_fen": [150_000, 180_050],
        "date": ["2022-03-15", "2022-03-16"],
        "channel": ["other", "832"],
    }
    lines = {line.label: (line.before, line.after) for line in describe_changes(event.changes)}
    assert lines == {
        "金额（元）": ("1,500.00", "1,800.50"),
        "采购日期": ("2022-03-15", "2022-03-16"),
        "采购渠道": ("其他", "832平台"),
    }
    assert pending_changes([p.pk]) == {p.pk: [event]}
    # Approving it again closes the matter: nothing pending any more.
    purchase_approve([p], user=coordinator)
    assert pending_changes([p.pk]) == {}


def test_a_change_without_differences_changes_nothing(reporter):
    p = record(S.APPROVED, quantity=Decimal("2.000"))
    purchase_update(p, user=reporter, product="苦荞茶", quantity=Decimal("2"), amount_fen=150_000)
    assert status_of(p) == S.APPROVED and not ApprovalEvent.objects.exists()


def test_changes_to_submitted_and_returned_records_are_logged_but_keep_their_state(reporter):
    sub, ret = record(S.SUBMITTED, order_no="S1"), record(S.RETURNED, order_no="R1")
    purchase_update(sub, user=reporter, product="花椒")
    purchase_update(ret, user=reporter, product="花椒")
    assert (status_of(sub), status_of(ret)) == (S.SUBMITTED, S.RETURNED)
    assert events_of(sub) == [(ApprovalAction.CHANGE, S.SUBMITTED, S.SUBMITTED)]
    assert events_of(ret) == [(ApprovalAction.CHANGE, S.RETURNED, S.RETURNED)]
    draft = record(order_no="D1")
    purchase_update(draft, user=reporter, product="花椒")
    assert not ApprovalEvent.objects.filter(purchase=draft).exists()


def test_save_and_submit_a_returned_record(reporter):
    p = record(S.RETURNED)
    purchase_update(p, user=reporter, submit=True, origin="凉山州布拖县")
    assert status_of(p) == S.SUBMITTED
    assert [e[0] for e in events_of(p)] == [ApprovalAction.CHANGE, ApprovalAction.SUBMIT]


def test_derived_fields_follow_a_change(reporter):
    butuo = Region.objects.get(county="布拖县")
    p = record(origin="", order_no="")
    assert p.origin_region_id is None and p.dedupe_key.startswith("m:")
    town_school = Organisation.objects.create(name="周巷镇测试学校", parent=org("周巷镇"))
    purchase_update(
        p, user=reporter, origin="四川省凉山彝族自治州布拖县", order_no=" ａ-009 ", purchaser=town_school
    )
    p.refresh_from_db()
    assert p.origin_region_id == butuo.pk
    assert p.order_key == "A-009" and p.dedupe_key == "n:A-009:150000"
    assert p.purchaser_name == "周巷镇测试学校"
    purchase_update(p, user=reporter, amount_fen=160_000)
    p.refresh_from_db()
    assert p.dedupe_key == "n:A-009:160000"
    purchase_update(p, user=reporter, order_no="", origin="浙江省宁波市慈溪市")
    p.refresh_from_db()
    assert p.dedupe_key.startswith("m:") and p.order_key == "" and p.origin_region_id is None


def test_a_change_that_would_duplicate_another_order_is_refused(reporter):
    record(order_no="A-001", amount_fen=150_000)
    other = record(order_no="A-002", amount_fen=150_000)
    with pytest.raises(WorkflowError) as caught:
        purchase_update(other, user=reporter, order_no="a-001")
    assert "order_no" in caught.value.message_dict
    assert "已存在" in caught.value.message_dict["order_no"][0]
    other.refresh_from_db()
    assert other.order_no == "A-002"
    # The same number with another amount is another purchase (the key is number + amount).
    purchase_update(other, user=reporter, order_no="A-001", amount_fen=150_001)


# --- deletion ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED])
def test_drafts_and_returned_records_can_be_deleted(reporter, status):
    p = record(status)
    purchase_delete(p, user=reporter)
    assert not Purchase.objects.filter(pk=p.pk).exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_submitted_and_approved_records_cannot_be_deleted(reporter, status):
    p = record(status)
    with pytest.raises(WorkflowError, match="只有草稿或已退回的记录可以删除"):
        purchase_delete(p, user=reporter)
    assert Purchase.objects.filter(pk=p.pk).exists()


# --- the import's dry run ------------------------------------------------------------------------


def _ledger(tmp_path, name="台账.csv"):
    rows = [
        ["采购单位", "采购日期", "商品名称", "产地", "金额", "订单号"],
        ["周巷镇", "2022-03-01", "苦荞茶", "布拖县", "100", "D-1"],
        ["周巷镇新学校", "2022-03-02", "花椒", "布拖", "200", "D-2"],
        ["周巷镇", "2022-03-03", "花椒", "布拖", "abc", "D-3"],
        ["周巷镇", "2022-03-01", "苦荞茶", "布拖县", "100", "D-1"],
        ["合计", "", "", "", "300", ""],
    ]
    return write_csv(tmp_path / name, rows)


def test_dry_run_reports_what_the_import_would_do_and_leaves_no_trace(setup, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = _ledger(tmp_path)
    orgs_before = Organisation.objects.count()
    dry = ledger_import(path=path, org=org("周巷镇"), status=S.SUBMITTED, dry_run=True)
    assert dry.dry_run and dry.batch_id is None and dry.report == ""
    assert (dry.accepted, dry.rejected, dry.duplicates, dry.skipped) == (2, 1, 1, 1)
    assert dry.total_fen == 30_000
    assert dry.created_orgs == ["周巷镇新学校"]
    assert [s["name"] for s in dry.sheets] == ["台账"]
    assert dry.sheets[0]["columns"]["amount"] == 4 and dry.sheets[0]["header_row"] == 1
    assert [r.kind for r in dry.sample] == ["record", "record", "rejected", "record", "total"]
    assert sorted(p.outcome for p in dry.problems) == ["duplicate", "rejected", "skipped"]
    # Nothing stayed: no batch, purchase, sighting, problem row, new unit or report file.
    assert not ImportBatch.objects.exists() and not Purchase.objects.exists()
    assert not PurchaseSighting.objects.exists() and not RejectedRow.objects.exists()
    assert Organisation.objects.count() == orgs_before
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.xlsx"))
    # The real import then does exactly what the dry run said.
    real = ledger_import(path=path, org=org("周巷镇"), status=S.SUBMITTED)
    assert (real.accepted, real.rejected, real.duplicates, real.skipped, real.total_fen) == (
        2,
        1,
        1,
        1,
        30_000,
    )
    assert real.batch_id is not None and real.report
    assert set(Purchase.objects.values_list("status", flat=True)) == {S.SUBMITTED}
    # And a dry run of the same file once more says it is already imported.
    again = ledger_import(path=path, dry_run=True)
    assert again.already_imported and again.batch_id == real.batch_id and again.duplicates == 3
    assert again.sample and again.sheets


# --- the state machine as a table ----------------------------------------------------------------

#: Each action of the table, taken by the services the pages call.
TAKE = {
    ApprovalAction.SUBMIT: lambda p, user: purchase_submit([p], user=user),
    ApprovalAction.APPROVE: lambda p, user: purchase_approve([p], user=user),
    ApprovalAction.RETURN: lambda p, user: purchase_return([p], user=user, comment="请补充"),
    ApprovalAction.REOPEN: lambda p, user: purchase_reopen([p], user=user, comment="重新核对"),
    ApprovalAction.CHANGE: lambda p, user: purchase_update(p, user=user, remarks="核对后补充"),
    DELETE: lambda p, user: purchase_delete(p, user=user),
}


def test_the_table_names_every_action_the_services_take():
    assert set(PURCHASE_STATES.rules) == set(TAKE)


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("action", sorted(TAKE))
def test_every_entry_of_the_table_is_what_the_services_do(coordinator, action, status):
    """From every status, each action is taken exactly when the table allows it, and moves the record
    to the table's status (None: deleted)."""
    purchase = record(status)
    if PURCHASE_STATES.allows(action, status):
        TAKE[action](purchase, coordinator)
        target = PURCHASE_STATES.target(action, status)
        if target is None:
            assert not Purchase.objects.filter(pk=purchase.pk).exists()
        else:
            assert status_of(purchase) == target
    else:
        with pytest.raises(WorkflowError):
            TAKE[action](purchase, coordinator)
        assert status_of(purchase) == status


@pytest.mark.parametrize("action", sorted(TAKE))
def test_each_action_needs_its_roles_capability(reporter, leader, action):
    """Review actions: the office and lead reviewers; writing: everyone but the leader."""
    rule = PURCHASE_STATES.rules[action]
    purchase = record(next(iter(rule.moves)))
    refused = [leader] if rule.capability == "write" else [leader, reporter]
    for user in refused:
        with pytest.raises(PermissionDenied):
            TAKE[action](purchase, user)
    assert Purchase.objects.filter(pk=purchase.pk).exists()


def test_the_four_eyes_action_is_withheld_from_the_author_alone(coordinator, make_user):
    """The table marks approval four-eyes: the page offers it to another reviewer, not to the author
    (``ledger.access.authored_by``), and the service refuses the author."""
    from bangfu.accounts.access import scope_for
    from bangfu.ledger.access import purchase_authored_by

    mine = purchase_enter(
        user=coordinator, purchaser=org("周巷镇"), submit=True, date=dt.date(2022, 3, 1), amount_fen=100
    )
    other = make_user("coordinator")
    for user, authored in ((coordinator, True), (other, False)):
        offers = PURCHASE_STATES.offers(
            scope_for(user), mine.status, authored=lambda user=user: purchase_authored_by(user, mine)
        )
        assert offers["approve"] is not authored and ("approve" in offers.withheld) is authored
        assert offers["return"]  # returning one's own record stays allowed
    with pytest.raises(WorkflowError, match="不能由您本人审核通过"):
        purchase_approve([mine], user=coordinator)
    purchase_approve([mine], user=other)
    assert status_of(mine) == S.APPROVED
