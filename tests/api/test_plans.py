"""Task tables over the API: the structure of `bangfu plan parse --json`, plus ids."""

from __future__ import annotations

import pytest

from bangfu.plans.models import Item, Target
from bangfu.plans.parsing import parse_table
from tests.support.world import SEED_DOCX

pytestmark = pytest.mark.django_db


def test_the_plan_list(world):
    body = world.client("reporter").get("/api/plans").json()
    assert [(p["year"], p["tasks"], p["items"]) for p in body] == [(2022, 6, 17)]
    assert body[0]["title"] == "2022年慈溪市消费帮扶工作任务分解表" and body[0]["url"] == "/api/plans/2022"


def test_a_plan_has_the_shape_of_plan_parse_json_with_ids(world, django_assert_max_num_queries):
    client = world.client("leader")
    client.get("/api/plans")
    with django_assert_max_num_queries(12):
        body = client.get("/api/plans/2022").json()
    parsed = parse_table(SEED_DOCX).to_dict()
    assert (body["title"], body["year"]) == (parsed["title"], parsed["year"])
    assert len(body["tasks"]) == len(parsed["tasks"]) == 6
    for task, parsed_task in zip(body["tasks"], parsed["tasks"], strict=True):
        assert (task["seq"], task["name"]) == (parsed_task["seq"], parsed_task["name"])
        for item, parsed_item in zip(task["items"], parsed_task["items"], strict=True):
            for key in ("seq", "content", "lead", "responsible", "cooperating", "deadline", "qualitative"):
                assert item[key] == parsed_item[key], (item["code"], key)
            assert Item.objects.get(pk=item["id"]).content == item["content"]
            assert len(item["targets"]) == len(parsed_item["targets"])
            for target, parsed_target in zip(item["targets"], parsed_item["targets"], strict=True):
                for key in ("kind", "value", "unit", "orgs", "text", "scope", "base", "base_kind", "channel"):
                    assert target[key] == parsed_target[key], (item["code"], key)
                assert Target.objects.get(pk=target["id"]).item_id == item["id"]
            roles = {(r["role"], r["name"]) for r in item["roles"]}
            assert roles == {
                (role, name) for role in ("lead", "responsible", "cooperating") for name in parsed_item[role]
            }


def test_targets_carry_exact_amounts_and_resolved_units(world):
    body = world.client("reporter").get("/api/plans/2022").json()
    items = {item["code"]: item for task in body["tasks"] for item in task["items"]}
    towns = [t for t in items["2.2"]["targets"] if t["kind"] == "amount" and t["value"] == 3_000_000]
    assert towns and towns[0]["amount_fen"] == 300_000_000
    assert world.units["zhouxiang"].pk in towns[0]["org_ids"]
    ratio = next(t for t in items["1.1"]["targets"] if t["kind"] == "ratio")
    assert ratio["value"] == 0.2 and ratio["amount_fen"] is None and ratio["group_ids"]
    assert items["1.1"]["lead"] == ["市总工会"]


@pytest.mark.parametrize("year", [2021, 0, 1999])
def test_a_year_without_a_table_is_404(world, year):
    response = world.client("leader").get(f"/api/plans/{year}")
    assert response.status_code == 404 and response.json()["detail"] == f"没有{year}年的任务分解表。"
