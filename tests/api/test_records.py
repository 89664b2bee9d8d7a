"""Records: filters, keyset pagination, exact money, provenance, entry, duplicates, guessed ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_create

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- list: filters ----------------------------------------------------------------------------------


def test_records_are_listed_newest_record_first(world):
    items = world.client("coordinator").get("/api/records").json()["items"]
    assert [item["id"] for item in items] == sorted(world.visible("coordinator"), reverse=True)


def test_the_unit_filter_includes_the_units_jurisdiction(world):
    client = world.client("coordinator")
    town = world.units["zhouxiang"].pk
    assert set(ids(client.get(f"/api/records?unit={town}"))) == {
        world.records["town"].pk,
        world.records["union"].pk,
    }
    union = world.units["union"].pk
    assert ids(client.get(f"/api/records?unit={union}")) == [world.records["union"].pk]


def test_a_unit_outside_the_scope_is_404_for_the_filter(world):
    client = world.client("reporter")
    response = client.get(f"/api/records?unit={world.units['guanhaiwei'].pk}")
    assert response.status_code == 404
    assert client.get("/api/records?unit=987654321").json() == response.json()


def test_the_lead_sees_unions_but_not_their_towns(world):
    client = world.client("lead")
    assert ids(client.get(f"/api/records?unit={world.units['union'].pk}")) == [world.records["union"].pk]
    assert client.get(f"/api/records?unit={world.units['zhouxiang'].pk}").status_code == 404


def test_date_status_channel_and_text_filters(world):
    client = world.client("leader")
    r = world.records
    assert set(ids(client.get("/api/records?date_from=2022-04-01&date_to=2022-05-01"))) == {
        r["union"].pk,
        r["other"].pk,
    }
    assert set(ids(client.get("/api/records?status=approved"))) == {r["town"].pk, r["other"].pk}
    assert ids(client.get("/api/records?channel=832")) == [r["union2"].pk]
    assert ids(client.get("/api/records?q=花椒")) == [r["union"].pk]
    assert ids(client.get("/api/records?order_no=zx-1")) == [r["town"].pk]
    assert ids(client.get("/api/records?order_no=ZX")) == [r["town"].pk]
    assert ids(client.get(f"/api/records?batch={987654321}")) == []
    assert ids(client.get("/api/records?q=观海卫镇乙")) == [r["union2"].pk]
    assert set(ids(client.get("/api/records?eligible=true"))) == {r[n].pk for n in r}  # all from 布拖县
    assert ids(client.get("/api/records?eligible=false")) == []


def test_filters_never_widen_the_scope(world):
    client = world.client("reporter")
    assert ids(client.get("/api/records?q=观海卫")) == []
    assert set(ids(client.get("/api/records?date_from=2022-01-01"))) == world.visible("reporter")


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=done", "status"),
        ("channel=mail", "channel"),
        ("date_from=2022-13-01", "date_from"),
        ("unit=abc", "unit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
    ],
)
def test_bad_filters_are_422_in_chinese(world, query, field):
    response = world.client("leader").get(f"/api/records?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("请求参数有误：") and field in body["detail"]
    assert body["errors"]


# --- list: keyset pagination ----------------------------------------------------------------------------


def test_the_cursor_walks_every_record_once_in_order(world):
    union = world.units["union"]
    for day in range(1, 24):
        purchase_create(
            purchaser=union if day % 3 else world.units["guanhaiwei"],  # some the reporter may not see
            date=dt.date(2022, 8, 1 + day % 5),
            amount_fen=100 + day,
            status=RecordStatus.SUBMITTED,
        )
    client = world.client("reporter")
    expected = list(
        Purchase.objects.filter(purchaser__in=[world.units["zhouxiang"], union])
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    seen: list[int] = []
    url = "/api/records?limit=4&date_from=2022-01-01"
    pages = 0
    while url:
        body = client.get(url).json()
        assert len(body["items"]) <= 4
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        if url:
            assert "date_from=2022-01-01" in url and "limit=4" in url and body["next_cursor"] in url
        pages += 1
    assert seen == expected and len(seen) == 2 + 16
    assert pages == 5


def test_the_cursor_also_works_as_a_parameter(world):
    client = world.client("coordinator")
    first = client.get("/api/records?limit=2").json()
    assert first["next_cursor"]
    second = client.get(f"/api/records?limit=2&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None and second["next"] is None
    everything = [i["id"] for i in first["items"] + second["items"]]
    assert sorted(everything) == sorted(world.visible("coordinator"))


def test_a_new_record_does_not_shift_the_next_page(world):
    client = world.client("coordinator")
    first = client.get("/api/records?limit=2").json()
    purchase_create(purchaser=world.units["zhouxiang"], date=dt.date(2022, 12, 1), amount_fen=1)
    second = client.get(first["next"]).json()
    assert [i["id"] for i in second["items"]] == [world.records["union"].pk, world.records["town"].pk]


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "MjAyMi0wMS0wMQ", "%%%", _b64("id:" + "9" * 30), _b64("id:-5"), _b64("id:²"), "A" * 300],
)
def test_a_bad_cursor_is_422(world, cursor):
    response = world.client("coordinator").get("/api/records", {"cursor": cursor})
    assert response.status_code == 422 and "cursor" in response.json()["detail"]


@pytest.mark.parametrize("name", ["unit", "batch", "limit"])
@pytest.mark.parametrize("value", ["9" * 30, "-1", "0"])
def test_numbers_outside_any_column_are_422_not_500(world, name, value):
    response = world.client("coordinator").get("/api/records", {name: value})
    assert response.status_code == 422 and response.json()["detail"]


def test_the_list_query_count_does_not_grow_with_the_page(world, django_assert_max_num_queries):
    for i in range(30):
        purchase_create(purchaser=world.units["union"], date=dt.date(2022, 9, 1), amount_fen=1000 + i)
    client = world.client("reporter")
    client.get("/api/records?limit=1")  # session and scope warmed the same way each time
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/records?limit=30").json()["items"]) == 30


# --- money ----------------------------------------------------------------------------------------------


def test_amounts_are_exact_text_and_integer_fen(world):
    items = {i["id"]: i for i in world.client("coordinator").get("/api/records").json()["items"]}
    town = items[world.records["town"].pk]
    assert (town["amount_fen"], town["amount_yuan"]) == (100_000, "1000.00")
    union2 = items[world.records["union2"].pk]
    assert (union2["amount_fen"], union2["amount_yuan"]) == (777, "7.77")
    raw = world.client("coordinator").get("/api/records").content.decode()
    assert '"amount_yuan": "7.77"' in raw and '"amount_fen": 777' in raw


@pytest.mark.parametrize(
    "yuan, fen",
    [
        ("0.01", 1),
        ("0.10", 10),
        ("0.3", 30),
        ("1280.5", 128_050),
        ("19.99", 1_999),
        ("1000000", 100_000_000),
        ("9999999999999.99", 999_999_999_999_999),
    ],
)
def test_a_created_amount_is_converted_to_fen_exactly(world, yuan, fen):
    body = {"purchaser_id": world.units["zhouxiang"].pk, "date": "2022-07-01", "amount_yuan": yuan}
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["amount_fen"] == fen
    assert Decimal(created["amount_yuan"]) == Decimal(yuan)
    assert Purchase.objects.get(pk=created["id"]).amount_fen == fen


@pytest.mark.parametrize("yuan", ["1.005", "0", "0.00", "-5", "1e3", "1,280.00", "", "abc", 12.5, 12])
def test_amounts_that_are_not_exact_positive_yuan_text_are_422(world, yuan):
    body = {"purchaser_id": world.units["zhouxiang"].pk, "date": "2022-07-01", "amount_yuan": yuan}
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 422
    assert "amount_yuan" in response.json()["detail"]


# --- detail and provenance ------------------------------------------------------------------------------


def test_a_record_detail_has_its_provenance(world, tmp_path):
    from bangfu.ledger.services import ledger_import

    path = tmp_path / "周巷镇三月台账.csv"
    path.write_text(
        "周巷镇消费帮扶采购台账\n采购单位,采购日期,商品名称,产地,金额（元）,订单号\n"
        '周巷镇,2022-03-15,苦荞茶,凉山州布拖县,"1,280.50",P-1\n',
        "utf-8",
    )
    summary = ledger_import(path=path, org=world.units["zhouxiang"], status=RecordStatus.SUBMITTED)
    purchase = Purchase.objects.get(batch_id=summary.batch_id)
    body = world.client("reporter").get(f"/api/records/{purchase.pk}").json()
    assert body["amount_yuan"] == "1280.50" and body["amount_fen"] == 128_050
    provenance = body["provenance"]
    assert provenance["batch"]["id"] == summary.batch_id
    assert provenance["batch"]["file_name"] == "周巷镇三月台账.csv"
    assert provenance["row"] == 3 and provenance["sheet"] == purchase.sheet
    cells = {cell["header"]: cell["value"] for cell in provenance["cells"]}
    assert cells["金额（元）"] == "1,280.50" and cells["产地"] == "凉山州布拖县"
    assert provenance["cells"][0]["column"] == "A"
    assert body["status"] == "submitted" and body["status_label"] == "已提交"


def test_a_hand_entered_record_has_no_batch(world):
    body = world.client("coordinator").get(f"/api/records/{world.records['town'].pk}").json()
    assert body["provenance"] == {"batch": None, "sheet": "", "row": None, "cells": [], "sightings": []}
    assert body["purchaser"] == "周巷镇" and body["order_no"] == "ZX-1"


def test_sightings_in_other_files_are_shown_only_from_visible_batches(world, tmp_path):
    from bangfu.ledger.services import ledger_import

    row = "采购单位,采购日期,金额（元）,产地,订单号\n周巷镇,2022-03-15,50.00,布拖县,S-1\n"
    first, second = tmp_path / "周巷镇.csv", tmp_path / "观海卫镇汇总.csv"
    first.write_text(row, "utf-8")
    second.write_text(row + "观海卫镇,2022-03-16,60.00,布拖县,S-2\n", "utf-8")
    ledger_import(path=first, org=world.units["zhouxiang"], user=world.users["reporter"])
    other = ledger_import(path=second, org=world.units["guanhaiwei"], user=world.users["coordinator"])
    assert other.duplicates == 1
    purchase = Purchase.objects.get(order_no="S-1")
    seen_by_office = world.client("coordinator").get(f"/api/records/{purchase.pk}").json()
    [sighting] = seen_by_office["provenance"]["sightings"]
    assert sighting["file_name"] == "观海卫镇汇总.csv" and sighting["row"] == 2
    assert {c["header"]: c["value"] for c in sighting["cells"]}["订单号"] == "S-1"
    seen_by_town = world.client("reporter").get(f"/api/records/{purchase.pk}").json()
    assert seen_by_town["provenance"]["batch"]["file_name"] == "周巷镇.csv"
    assert seen_by_town["provenance"]["sightings"] == []


def test_guessed_ids_are_404_whether_or_not_they_exist(world):
    client = world.client("reporter")
    hidden = client.get(f"/api/records/{world.records['other'].pk}")
    missing = client.get("/api/records/987654321")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- create -----------------------------------------------------------------------------------------------


def test_a_reporter_creates_a_draft_for_a_unit_under_it(world):
    body = {
        "purchaser_id": world.units["union"].pk,
        "date": "2022-07-01",
        "amount_yuan": "88.80",
        "product": "苦荞茶",
        "origin": "布拖",
        "channel": "offline",
        "quantity": "12.5",
        "quantity_unit": "斤",
    }
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 201
    created = Purchase.objects.get(pk=response.json()["id"])
    assert created.status == RecordStatus.DRAFT
    assert created.reporting_org == world.units["zhouxiang"]
    assert created.purchaser == world.units["union"]
    assert created.quantity == Decimal("12.5") and created.origin_region is not None
    assert response.json()["url"] == f"/api/records/{created.pk}"


def test_a_record_can_be_submitted_directly_but_not_approved(world):
    client = world.client("reporter")
    body = {"purchaser_id": world.units["zhouxiang"].pk, "date": "2022-07-01", "amount_yuan": "1.00"}
    response = client.post("/api/records", {**body, "status": "submitted"}, content_type="application/json")
    assert response.json()["status"] == "submitted"
    # as through the web form: the submission is in the record's approval history
    [event] = Purchase.objects.get(pk=response.json()["id"]).events.all()
    assert (event.action, event.to_status, event.actor) == ("submit", "submitted", world.users["reporter"])
    response = client.post("/api/records", {**body, "status": "approved"}, content_type="application/json")
    assert response.status_code == 422


def test_the_purchaser_must_be_in_scope(world):
    client = world.client("reporter")
    outside = {"purchaser_id": world.units["guanhaiwei"].pk, "date": "2022-07-01", "amount_yuan": "1.00"}
    missing = {**outside, "purchaser_id": 987654321}
    a = client.post("/api/records", outside, content_type="application/json")
    b = client.post("/api/records", missing, content_type="application/json")
    assert a.status_code == b.status_code == 422
    assert a.json() == b.json() == {"detail": "采购单位不存在或不在本单位范围内。"}
    assert not Purchase.objects.filter(purchaser=world.units["guanhaiwei"], date=dt.date(2022, 7, 1)).exists()


def test_only_the_coordinator_names_another_reporting_unit(world):
    body = {
        "purchaser_id": world.units["union"].pk,
        "date": "2022-07-01",
        "amount_yuan": "1.00",
        "reporting_org_id": world.units["union"].pk,
    }
    assert (
        world.client("reporter").post("/api/records", body, content_type="application/json").status_code
        == 403
    )
    response = world.client("coordinator").post("/api/records", body, content_type="application/json")
    assert Purchase.objects.get(pk=response.json()["id"]).reporting_org == world.units["union"]


def test_a_duplicate_order_is_409_with_the_reason(world):
    body = {
        "purchaser_id": world.units["zhouxiang"].pk,
        "date": "2022-07-01",
        "amount_yuan": "1000.00",
        "order_no": "ZX-1",
    }
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "ZX-1" in detail and "已存在" in detail and str(world.records["town"].pk) in detail
    # the same number with another amount is another purchase
    body["amount_yuan"] = "999.00"
    assert (
        world.client("reporter").post("/api/records", body, content_type="application/json").status_code
        == 201
    )


def test_a_body_that_is_not_json_is_400_in_chinese(world):
    response = world.client("reporter").post("/api/records", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"].startswith("无法解析请求体")


def test_record_fields_are_checked(world):
    body = {
        "purchaser_id": world.units["zhouxiang"].pk,
        "date": "2022-02-30",
        "amount_yuan": "1.00",
        "channel": "post",
        "product": "x" * 201,
    }
    response = world.client("reporter").post("/api/records", body, content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "date" in detail and "channel" in detail and "product" in detail


def test_channel_labels_are_chinese(world):
    item = next(
        i
        for i in world.client("leader").get("/api/records").json()["items"]
        if i["id"] == world.records["union2"].pk
    )
    assert item["channel"] == Channel.PLATFORM_832 and item["channel_label"] == "832平台"
