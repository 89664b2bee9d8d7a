"""Every path that creates or attributes a purchase or a unit, walked by a reporter of 周巷镇 with the
names of another town's units: refused (with a reason naming the unit), nothing created outside the
scope, and 观海卫镇's figures unchanged — side by side with the same path kept inside the scope, and with
the coordinator, who writes for every unit.

Paths: the activity form (entry and edit), the activity import, the activity services; the ledger form
(entry and edit), deletion, the API's record entry, the ledger import (web wizard and API), the ledger
services. The one rule they share lives in ``bangfu.accounts.write_scope``.

The world: the Cixi units and the 2022 seed table with its rules; 周巷镇甲食品公司 (an enterprise under
周巷镇); 观海卫镇某食品有限公司 (an enterprise under 观海卫镇) with an approved purchase, so that 观海卫镇's
figures are not zero; "观海卫镇新开食品公司" is a name no unit has yet (it would be created under 观海卫镇).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bangfu.accounts.write_scope import (
    OutsideScopeError,
    unit_resolve_for_writing,
    write_units,
)
from bangfu.activities.access import activities_import_for_user
from bangfu.activities.models import Activity
from bangfu.activities.services import ActivityError, activity_create, activity_update
from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import ApprovalEvent, Purchase
from bangfu.ledger.services import (
    WorkflowError,
    ledger_import,
    purchase_create,
    purchase_delete,
    purchase_enter,
    purchase_update,
)
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.orgs.services import org_create
from bangfu.plans.models import Plan
from bangfu.progress.selectors import progress_compute_official
from tests.factories import UserFactory
from tests.ledger.builders import write_csv, write_xlsx
from tests.support.layers import layer, layer_value
from tests.support.world import buy, org
from tests.support.worlds import World

pytestmark = pytest.mark.django_db
S = RecordStatus
AS_OF = dt.date(2022, 12, 31)
THEIRS = "观海卫镇某食品有限公司"  # a unit of 观海卫镇
NEW_THEIRS = "观海卫镇新开食品公司"  # a new name that says 观海卫镇
MINE = "周巷镇甲食品公司"  # a unit of 周巷镇
OUTSIDE_NAMES = [THEIRS, NEW_THEIRS]


@layer("write_scope_world", on="ruled_plan")
def _build_world(request) -> World:
    plan = Plan.objects.get(pk=layer_value(request, "ruled_plan"))
    units = {"zhouxiang": org("周巷镇"), "guanhaiwei": org("观海卫镇")}
    units["mine"] = org_create(name=MINE, kind=OrgKind.ENTERPRISE, parent=units["zhouxiang"])
    units["theirs"] = org_create(name=THEIRS, kind=OrgKind.ENTERPRISE, parent=units["guanhaiwei"])
    buy(units["theirs"], 500_000_00, origin="布拖县", channel=Channel.OTHER)
    users = {
        "reporter": UserFactory(username="scope-reporter", role="reporter", organisation=units["zhouxiang"]),
        "coordinator": UserFactory(username="scope-coordinator", role="coordinator"),
        "lead": UserFactory(username="scope-lead", role="lead", organisation=org("市总工会")),
    }
    return World(plan=plan, units=units, users=users)


@pytest.fixture
def write_scope_world(db, request) -> World:
    return copy.deepcopy(layer_value(request, "write_scope_world"))


@pytest.fixture
def world(write_scope_world, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    return write_scope_world


def their_figures(world: World) -> dict[str, Any]:
    """Everything about 观海卫镇 a reporter of 周巷镇 must not be able to change: its units, the purchases
    of its jurisdiction, and its progress lines — official (approved) and with submitted records."""
    town = world.units["guanhaiwei"]
    subtree = org_subtree_ids(town.pk)
    assert world.plan is not None
    official = progress_compute_official(world.plan, as_of=AS_OF, org_ids=[town.pk])
    return {
        "units": sorted(subtree),
        "purchases": sorted(
            Purchase.objects.filter(purchaser_id__in=subtree).values_list("pk", "amount_fen", "status")
        ),
        "approved": [(line.target.pk, line.result.achieved_fen) for line in official.approved.lines],
        "with_submitted": [
            (line.target.pk, line.result.achieved_fen) for line in official.with_submitted.lines
        ],
    }


@pytest.fixture
def unchanged(world):
    """Asserts, after the test, that 观海卫镇's units, purchases and figures are what they were before."""
    before = their_figures(world)
    assert any(fen for _target, fen in before["approved"]), "the other town's figures must not be zero"
    yield
    assert their_figures(world) == before
    assert not Organisation.objects.filter(name=NEW_THEIRS).exists()


def enterprise_data(world: World, enterprise: str, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": world.units["zhouxiang"].pk,
        "title": "某企业采购苦荞原料",
        "date": "2022-05-01",
        "enterprise": enterprise,
        "amount": "8万",
        "product": "苦荞",
        "origin": "布拖县",
        **extra,
    }


def create_activity(client: Client, data: dict[str, Any]):
    return client.post(reverse("activities:create") + "?kind=enterprise", data)


def enterprise_activity(world: World, enterprise: str = MINE, role: str = "reporter") -> Activity:
    return activity_create(
        kind="enterprise",
        organisation=world.units["zhouxiang"],
        title="原料采购",
        date=dt.date(2022, 5, 1),
        details={"enterprise": enterprise, "amount": "1万", "origin": "布拖县"},
        user=world.user(role),
    )


# --- the rule ------------------------------------------------------------------------------------


def test_write_units_by_role(world, make_user):
    reporter = world.user("reporter")
    assert world.units["mine"].pk in write_units(reporter)
    assert world.units["theirs"].pk not in write_units(reporter)
    assert write_units(world.user("coordinator")) is None  # every unit
    assert write_units(make_user("leader")) == frozenset()  # reads only
    lead = write_units(world.user("lead"))
    assert lead is not None and org("市总工会").pk in lead and world.units["guanhaiwei"].pk not in lead


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (THEIRS, f"单位“{THEIRS}”不在本单位管辖范围内"),
        (NEW_THEIRS, f"“{NEW_THEIRS}”属于观海卫镇，不在本单位管辖范围内"),
    ],
)
def test_a_name_outside_the_scope_is_refused_naming_the_unit(world, unchanged, name, message):
    within = write_units(world.user("reporter"))
    with pytest.raises(OutsideScopeError, match=message):
        unit_resolve_for_writing(name, within=within, default_parent=world.units["zhouxiang"])


def test_names_inside_the_scope_resolve_or_are_created_inside_it(world, unchanged):
    within = write_units(world.user("reporter"))
    town = world.units["zhouxiang"]
    assert unit_resolve_for_writing(MINE, within=within, default_parent=town) == world.units["mine"]
    new = unit_resolve_for_writing("周巷镇新开食品公司", within=within, default_parent=town)
    placed = unit_resolve_for_writing("无名食品公司", within=within, default_parent=world.units["mine"])
    assert new is not None and new.parent == town and new.needs_review
    assert placed is not None and placed.parent == world.units["mine"]  # under the reporting unit


# --- activities ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OUTSIDE_NAMES)
def test_the_activity_form_refuses_another_towns_enterprise(world, unchanged, name):
    response = create_activity(world.client("reporter"), enterprise_data(world, name))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["enterprise"])
    assert "不在本单位管辖范围内" in errors and "观海卫镇" in errors
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("name", "parent"),
    [(MINE, "zhouxiang"), ("周巷镇新开食品公司", "zhouxiang"), ("无名食品公司", "zhouxiang")],
)
def test_the_activity_form_keeps_enterprises_inside_the_scope(world, unchanged, name, parent):
    response = create_activity(world.client("reporter"), enterprise_data(world, name))
    assert response.status_code == 302
    purchase = Activity.objects.get().purchase
    assert purchase is not None and purchase.reporting_org == world.units["zhouxiang"]
    assert purchase.purchaser.name == name and (
        purchase.purchaser == world.units["mine"] or purchase.purchaser.parent == world.units[parent]
    )
    assert purchase.created_by == world.users["reporter"]


@pytest.mark.parametrize("name", OUTSIDE_NAMES)
def test_the_activity_services_refuse_another_towns_enterprise(world, unchanged, name):
    with pytest.raises(ActivityError) as caught:
        enterprise_activity(world, name)
    assert "观海卫镇" in " ".join(caught.value.message_dict["enterprise"])
    with pytest.raises(ActivityError) as caught:
        activity_create(
            kind="media", organisation=world.units["guanhaiwei"], title="报道", date=dt.date(2022, 5, 1),
            details={"media_type": "报纸", "outlet": "慈溪日报"}, user=world.user("reporter"),
        )  # fmt: skip
    assert "不在本单位管辖范围内" in " ".join(caught.value.message_dict["organisation"])
    assert not Activity.objects.exists()


def test_the_coordinator_writes_for_every_unit(world):
    activity = enterprise_activity(world, NEW_THEIRS, role="coordinator")
    assert activity.purchase is not None and activity.purchase.purchaser.parent == world.units["guanhaiwei"]


@pytest.mark.parametrize("name", OUTSIDE_NAMES)
def test_editing_an_activity_cannot_move_its_purchase_to_another_town(world, name):
    activity = enterprise_activity(world)
    before = their_figures(world)
    client = world.client("reporter")
    form = client.get(reverse("activities:edit", args=[activity.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    response = client.post(reverse("activities:edit", args=[activity.pk]), {**data, "enterprise": name})
    assert response.status_code == 200
    assert "观海卫镇" in " ".join(response.context["form"].errors["enterprise"])
    activity.refresh_from_db()
    assert activity.details["enterprise"] == MINE and activity.purchase.purchaser == world.units["mine"]
    assert their_figures(world) == before and not Organisation.objects.filter(name=NEW_THEIRS).exists()
    # The service refuses it too.
    with pytest.raises(ActivityError):
        activity_update(
            activity, user=world.user("reporter"), details={**activity.details, "enterprise": name}
        )
    assert their_figures(world) == before


def test_editing_an_activity_inside_the_scope_changes_its_purchase_through_the_ledger(world, unchanged):
    activity = enterprise_activity(world)
    client = world.client("reporter")
    form = client.get(reverse("activities:edit", args=[activity.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    response = client.post(
        reverse("activities:edit", args=[activity.pk]),
        {**data, "amount": "2万", "enterprise": "周巷镇乙公司"},
    )
    assert response.status_code == 302, response.context["form"].errors
    purchase = Purchase.objects.get(pk=activity.purchase_id)
    assert purchase.amount_fen == 2_000_000 and purchase.purchaser.parent == world.units["zhouxiang"]
    change = ApprovalEvent.objects.get(purchase=purchase)
    assert change.action == "change" and change.actor == world.users["reporter"]
    assert change.changes["amount_fen"] == [1_000_000, 2_000_000]


def test_the_activity_import_refuses_another_towns_enterprises(world, unchanged, tmp_path):
    header = ["单位", "名称", "日期", "企业", "采购金额（元）", "产地"]
    rows = [
        ["周巷镇", "本镇企业采购", "2022-05-01", MINE, "1000", "布拖县"],
        ["周巷镇", "外镇企业采购", "2022-05-02", THEIRS, "2000", "布拖县"],
        ["周巷镇", "外镇新企业采购", "2022-05-03", NEW_THEIRS, "3000", "布拖县"],
        ["周巷镇", "本镇新企业采购", "2022-05-04", "周巷镇新开食品公司", "4000", "布拖县"],
    ]
    path = write_xlsx(tmp_path / "企业采购.xlsx", {"企业": [header, *rows]})
    client = world.client("reporter")
    response = client.post(
        reverse("activities:import"),
        {"kind": "enterprise", "file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.saved, result.rejected) == (2, 2)
    reasons = [p.reason for p in result.problems]
    assert f"第3行：单位“{THEIRS}”不在本单位管辖范围内" in reasons[0]
    assert f"第4行：“{NEW_THEIRS}”属于观海卫镇" in reasons[1]
    assert set(Activity.objects.values_list("title", flat=True)) == {"本镇企业采购", "本镇新企业采购"}
    assert org("周巷镇新开食品公司").parent == world.units["zhouxiang"]
    # The same through the access function the web calls.
    again = activities_import_for_user(
        world.user("reporter"), path, kind="enterprise", default_org=None, plan_items={},
        default_item=None, report_path=tmp_path / "report.xlsx",
    )  # fmt: skip
    assert (again.saved, again.rejected, again.duplicates) == (0, 2, 2)


# --- the ledger ----------------------------------------------------------------------------------


def ledger_form(world: World, purchaser: Organisation, **extra: Any) -> dict[str, Any]:
    return {
        "purchaser": purchaser.pk,
        "date": "2022-06-01",
        "amount": "1000",
        "product": "苦荞茶",
        "origin": "布拖县",
        "channel": "offline",
        **extra,
    }


def test_the_ledger_form_offers_and_takes_only_the_scopes_units(world, unchanged):
    client = world.client("reporter")
    refused = client.post(reverse("ledger:create"), ledger_form(world, world.units["theirs"]))
    assert refused.status_code == 200 and "purchaser" in refused.context["form"].errors
    accepted = client.post(reverse("ledger:create"), ledger_form(world, world.units["mine"]))
    assert accepted.status_code == 302
    assert (
        Purchase.objects.get(product="苦荞茶", date=dt.date(2022, 6, 1)).created_by == world.users["reporter"]
    )


def test_the_ledger_services_refuse_another_towns_purchaser(world, unchanged):
    reporter = world.user("reporter")
    with pytest.raises(WorkflowError) as caught:
        purchase_enter(
            user=reporter, purchaser=world.units["theirs"], date=dt.date(2022, 6, 1), amount_fen=100
        )
    assert THEIRS in " ".join(caught.value.message_dict["purchaser"])
    with pytest.raises(WorkflowError) as caught:
        purchase_enter(
            user=reporter, purchaser=world.units["mine"], reporting_org=world.units["guanhaiwei"],
            date=dt.date(2022, 6, 1), amount_fen=100,
        )  # fmt: skip
    assert "reporting_org" in caught.value.message_dict
    mine = purchase_enter(
        user=reporter, purchaser=world.units["mine"], date=dt.date(2022, 6, 1), amount_fen=100
    )
    with pytest.raises(WorkflowError) as caught:
        purchase_update(mine, user=reporter, purchaser=world.units["theirs"])
    assert THEIRS in " ".join(caught.value.message_dict["purchaser"])
    assert Purchase.objects.get(pk=mine.pk).purchaser == world.units["mine"]
    # An explicit scope wins over the user's: the command line passes none.
    purchase_update(mine, user=reporter, within=frozenset({world.units["mine"].pk}), amount_fen=200)


def test_the_ledger_edit_cannot_move_a_record_to_another_town(world, unchanged):
    client = world.client("reporter")
    draft = purchase_enter(
        user=world.user("reporter"), purchaser=world.units["mine"], date=dt.date(2022, 6, 1), amount_fen=100
    )
    data = ledger_form(world, world.units["theirs"])
    response = client.post(reverse("ledger:edit", args=[draft.pk]), data)
    assert response.status_code == 200 and "purchaser" in response.context["form"].errors
    assert Purchase.objects.get(pk=draft.pk).purchaser == world.units["mine"]


def test_a_record_bought_by_another_town_is_read_only_for_the_reporter_who_reported_it(world):
    """The office may record a purchase of 观海卫镇 as reported by 周巷镇 (it is then visible to 周巷镇);
    changing its amount or deleting it would move 观海卫镇's figures — refused."""
    record = purchase_create(
        purchaser=world.units["theirs"], reporting_org=world.units["zhouxiang"], date=dt.date(2022, 6, 1),
        amount_fen=300_00, origin="布拖县", status=S.RETURNED,
    )  # fmt: skip
    before = their_figures(world)
    client = world.client("reporter")
    assert client.get(reverse("ledger:detail", args=[record.pk])).status_code == 200  # visible …
    response = client.post(
        reverse("ledger:edit", args=[record.pk]), ledger_form(world, world.units["theirs"], amount="9999")
    )
    assert response.status_code == 200  # … but not writable
    assert "不在本单位管辖范围内" in " ".join(str(e) for e in response.context["form"].non_field_errors())
    response = client.post(reverse("ledger:delete", args=[record.pk]), follow=True)
    assert "不在本单位管辖范围内" in response.content.decode()
    assert their_figures(world) == before
    with pytest.raises(WorkflowError, match="不在本单位管辖范围内"):
        purchase_delete(record, user=world.user("reporter"))
    purchase_delete(record, user=world.user("coordinator"))  # the office may
    assert not Purchase.objects.filter(pk=record.pk).exists()


def test_the_api_refuses_another_towns_purchaser(world, unchanged):
    client = world.client("reporter")
    body = {"purchaser_id": world.units["theirs"].pk, "date": "2022-07-01", "amount_yuan": "10.00"}
    response = client.post("/api/records", body, content_type="application/json")
    assert response.status_code == 422 and "不在本单位范围内" in response.json()["detail"]
    body["purchaser_id"] = world.units["mine"].pk
    response = client.post("/api/records", body, content_type="application/json")
    assert response.status_code == 201
    assert Purchase.objects.get(pk=response.json()["id"]).created_by == world.users["reporter"]


LEDGER_ROWS = [
    ["采购单位", "采购日期", "商品名称", "产地", "金额（元）", "订单号"],
    [MINE, "2022-03-15", "苦荞茶", "布拖县", "100", "SC-1"],
    [THEIRS, "2022-03-16", "苦荞茶", "布拖县", "200", "SC-2"],
    [NEW_THEIRS, "2022-03-17", "苦荞茶", "布拖县", "300", "SC-3"],
]


def _refused_rows(problems: list[Any]) -> list[str]:
    return [p.reason if hasattr(p, "reason") else p["reason"] for p in problems]


def test_the_ledger_import_wizard_refuses_another_towns_purchasers(world, unchanged, tmp_path):
    client = world.client("reporter")
    path = write_csv(tmp_path / "周巷镇台账.csv", LEDGER_ROWS)
    with path.open("rb") as handle:
        uploaded = client.post(reverse("ledger:import"), {"file": handle})
    token = uploaded["Location"].rstrip("/").rsplit("/", 1)[-1]
    preview = client.get(reverse("ledger:import-preview", args=[token])).context["summary"]
    assert (preview.accepted, preview.rejected) == (1, 2)
    client.post(reverse("ledger:import-confirm", args=[token]))
    assert list(Purchase.objects.filter(order_no__startswith="SC-").values_list("order_no", flat=True)) == [
        "SC-1"
    ]


def test_the_ledger_import_api_refuses_another_towns_purchasers(world, unchanged, tmp_path):
    path = write_csv(tmp_path / "周巷镇台账.csv", LEDGER_ROWS)
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    response = world.client("reporter").post("/api/records/import", {"file": upload})
    assert response.status_code == 201
    assert (response.json()["accepted"], response.json()["rejected"]) == (1, 2)


def test_the_ledger_import_service_takes_the_write_scope(world, unchanged, tmp_path):
    path = write_csv(tmp_path / "台账.csv", LEDGER_ROWS)
    summary = ledger_import(
        path=path, org=world.units["zhouxiang"], user=world.user("reporter"), status=S.SUBMITTED,
        within=write_units(world.user("reporter")),
    )  # fmt: skip
    assert (summary.accepted, summary.rejected) == (1, 2)
    reasons = _refused_rows(summary.problems)
    assert any(THEIRS in r and "不在本单位范围内" in r for r in reasons)
