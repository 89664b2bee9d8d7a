"""Progress over the API: the rows of `bangfu progress --json`, limited to the caller's scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from bangfu.progress.selectors import progress_compute
from bangfu.reports.progress_rows import progress_row

pytestmark = pytest.mark.django_db
AS_OF = "2022-06-30"


def rows(world, role: str, query: str = "") -> list[dict]:
    response = world.client(role).get(f"/api/progress?year=2022&as_of={AS_OF}{query}")
    assert response.status_code == 200, response.content
    return response.json()


def as_json(data):
    return json.loads(json.dumps(data))


def test_the_coordinator_gets_every_line_exactly_as_the_command_prints_it(world):
    expected = [progress_row(line) for line in progress_compute(world.plan, as_of=dt.date(2022, 6, 30)).lines]
    assert rows(world, "coordinator") == as_json(expected)
    assert rows(world, "leader") == as_json(expected)


def test_a_reporter_sees_only_lines_of_its_jurisdiction(world):
    mine = {world.units["zhouxiang"].pk, world.units["union"].pk}
    got = rows(world, "reporter")
    assert got and all(set(row["org_ids"]) & mine for row in got)
    town = [row for row in got if row["item"] == "2.2" and row["org"] == "周巷镇" and row["kind"] == "amount"]
    assert len(town) == 1 and town[0]["target"] == 3_000_000
    assert not any(row["org"] == "观海卫镇" for row in got)


def test_the_lead_sees_the_union_lines(world):
    got = rows(world, "lead")
    assert {row["item"] for row in got} >= {"1.1"}
    assert not any(row["org"] == "周巷镇" for row in got)


def test_approved_only_leaves_out_submitted_records(world):
    def town(query: str) -> dict:
        return next(
            r
            for r in rows(world, "reporter", query)
            if r["item"] == "2.2" and r["org"] == "周巷镇" and r["kind"] == "amount"
        )

    # 周巷镇's own approved 1,000.00 and its union's submitted 123.45 (the jurisdiction counts)
    assert town("&approved_only=false")["achieved_yuan"] == 1123.45
    assert town("&approved_only=true")["achieved_yuan"] == 1000.00


def test_the_unit_filter_keeps_the_units_lines(world):
    town = world.units["zhouxiang"].pk
    got = rows(world, "coordinator", f"&unit={town}")
    assert got and all({town, world.units["union"].pk} & set(row["org_ids"]) for row in got)


def test_a_unit_outside_the_scope_is_404(world):
    response = world.client("reporter").get(f"/api/progress?unit={world.units['guanhaiwei'].pk}")
    assert response.status_code == 404
    assert world.client("reporter").get("/api/progress?unit=987654321").json() == response.json()


def test_a_year_without_a_table_is_404(world):
    response = world.client("leader").get("/api/progress?year=2021")
    assert response.status_code == 404 and response.json()["detail"] == "没有2021年的任务分解表。"


@pytest.mark.parametrize(
    "today, as_of",
    [
        (dt.date(2022, 5, 1), dt.date(2022, 5, 1)),
        (dt.date(2023, 2, 1), dt.date(2022, 12, 31)),
        (dt.date(2021, 6, 1), dt.date(2022, 1, 1)),  # a year not begun: its first day (as on the pages)
    ],
)
def test_the_default_date_is_today_within_the_year(world, today, as_of):
    expected = as_json([progress_row(line) for line in progress_compute(world.plan, as_of=as_of).lines])
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 12, tzinfo=dt.UTC), tick=False):
        response = world.client("leader").get("/api/progress")
    assert response.status_code == 200 and response.json() == expected


def test_bad_parameters_are_422(world):
    response = world.client("leader").get("/api/progress?as_of=30/06/2022")
    assert response.status_code == 422 and "as_of" in response.json()["detail"]
