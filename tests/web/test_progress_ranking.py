"""One ranking everywhere: a line's 排名 on its unit's page equals the task table's, the API's, the
bulletin's and the dashboard's — ranked over the whole plan whatever part of it a page computes (a
unit's page or a reporter's view used to rank a unit among its own lines: 1/1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.orgs.choices import TOWN_LEVEL, OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.rules import TOWN_RANKING
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import base_value_set
from bangfu.reports.bulletin import bulletin_data
from tests.support.world import AS_OF, PERIOD, buy, org

pytestmark = pytest.mark.django_db

LAST = "慈溪高新区管委会"


@pytest.fixture
def ranked(plan):
    """Every town-level unit bought a different share of its target (the committee the smallest: last
    place); three unions with bases bought different shares of their gift totals."""
    towns = [
        line
        for line in progress_compute(plan, as_of=AS_OF).lines
        if line.result.spec.rank_group == TOWN_RANKING
    ]
    assert len(towns) == 18
    others = sorted((line for line in towns if line.org_label != LAST), key=lambda line: line.org_label)
    for position, line in enumerate(others, start=2):
        share = Decimal(position) / 100  # 2 % … 18 %
        buy(line.orgs[0], int(line.target.value * 100 * share))
    committee = next(line for line in towns if line.org_label == LAST)
    buy(committee.orgs[0], int(committee.target.value * 100 / 200))  # 0.5 %
    for position, town in enumerate(["周巷镇", "横河镇", "坎墩街道"], start=1):
        union = org_create(name=f"{town}总工会", kind=OrgKind.UNION, parent=org(town))
        base_value_set(organisation=union, year=2022, holiday_gift_fen=100_000_00, member_count=100)
        buy(union, position * 3_000_00)
    return plan


def _table_ranks(client) -> dict[tuple[int, tuple[int, ...]], tuple[int | None, int | None]]:
    response = client.get(reverse("plans:table-year", args=[2022]) + "?" + PERIOD)
    assert response.status_code == 200
    return {
        (line.target.pk, line.result.spec.org_ids): (line.result.rank, line.result.rank_of)
        for row in response.context["tasks"]
        for entry in row.items
        for line in entry.lines
    }


def _page_ranks(client, unit_pk: int) -> dict[tuple[int, tuple[int, ...]], tuple[int | None, int | None]]:
    response = client.get(reverse("progress:unit", args=[unit_pk]) + "?" + PERIOD)
    assert response.status_code == 200
    return {
        (pair.with_submitted.target.pk, pair.with_submitted.result.spec.org_ids): (
            pair.with_submitted.result.rank,
            pair.with_submitted.result.rank_of,
        )
        for pair in response.context["progress"].pairs
    }


def test_every_units_page_shows_the_task_tables_rank(login, ranked):
    client = login("coordinator")
    table = _table_ranks(client)
    ranked_units = {org_id for (_target, org_ids), (rank, _of) in table.items() if rank for org_id in org_ids}
    assert len(ranked_units) == 18 + 3  # the towns and the three unions with a base
    for unit_pk in sorted(ranked_units):
        page = _page_ranks(client, unit_pk)
        assert page, unit_pk
        for key, rank in page.items():
            assert rank == table[key], (unit_pk, key)


def test_the_last_placed_town_is_last_everywhere(login, ranked):
    committee = org(LAST)
    # Its own reporter computes only its jurisdiction, and still sees its place among all 18.
    for role, unit in (("coordinator", None), ("reporter", LAST)):
        client = login(role, unit)
        page = _page_ranks(client, committee.pk)
        assert [rank for rank in page.values() if rank != (None, None)] == [(18, 18)]
        html = client.get(reverse("progress:unit", args=[committee.pk]) + "?" + PERIOD).content.decode()
        assert "18/18</td>" in html and "1/1<" not in html
        assert _table_ranks(client) | page == _table_ranks(client)  # the task table agrees


def test_the_bulletin_the_dashboard_and_the_api_rank_the_towns_as_the_table_does(login, ranked):
    client = login("coordinator")
    table = _table_ranks(client)
    data = bulletin_data(ranked, as_of=AS_OF)
    towns = [
        line
        for line in progress_compute(ranked, as_of=AS_OF).lines
        if line.result.spec.rank_group == TOWN_RANKING
    ]
    by_label = {line.org_label: table[(line.target.pk, line.result.spec.org_ids)][0] for line in towns}
    assert [row.unit for row in data.towns][-1] == LAST
    assert [(row.unit, row.rank) for row in data.towns] == [
        (row.unit, by_label[row.unit]) for row in data.towns
    ]
    assert [row.rank for row in data.towns] == list(range(1, 19))
    # Approved records only on the dashboard; all of them are approved here, so the places are the same.
    overview = client.get(reverse("dashboard") + "?" + PERIOD).context["overview"]
    assert [(row.org.name, row.rank) for row in overview.towns] == [
        (row.unit, row.rank) for row in data.towns
    ]
    # A reporter's dashboard shows its town's place among all the towns (not one bar of its own).
    response = login("reporter", "横河镇").get(reverse("dashboard") + "?" + PERIOD)
    mine = response.context["overview"]
    assert [(row.org.name, row.rank) for row in mine.towns] == [(row.unit, row.rank) for row in data.towns]
    own = [row.org.name for row in mine.towns if row.org.pk in mine.own_towns]
    assert own == ["横河镇"]
    html = response.content.decode()
    assert html.count('<tr class="own">') == 1 and "★横河镇" in response.context["town_chart"]["labels"]
    # Only the towns it may open are links.
    assert reverse("progress:unit", args=[org("横河镇").pk]) in html
    assert reverse("progress:unit", args=[org("周巷镇").pk]) not in html
    # The API, for a reporter and for one unit.
    rows = login("reporter", LAST).get(f"/api/progress?year=2022&as_of={AS_OF}").json()
    town = next(row for row in rows if row["org"] == LAST)
    assert (town["rank"], town["rank_of"]) == (18, 18)


def test_a_computation_of_some_units_is_ranked_over_the_plan_or_not_at_all(ranked):
    committee = org(LAST)
    full = {
        line.org_label: (line.result.rank, line.result.rank_of)
        for line in progress_compute(ranked, as_of=AS_OF).lines
    }
    assert full[LAST] == (18, 18)
    part = progress_compute(ranked, as_of=AS_OF, org_ids=[committee.pk], ranked=True)
    assert [(line.result.rank, line.result.rank_of) for line in part.lines] == [(18, 18)]
    unranked = progress_compute(ranked, as_of=AS_OF, org_ids=[committee.pk])
    assert [(line.result.rank, line.result.rank_of) for line in unranked.lines] == [(None, None)]


def test_towns_are_ranked_together_and_other_lines_within_their_target(ranked):
    report = progress_compute(ranked, as_of=AS_OF)
    towns = [line for line in report.lines if line.result.spec.rank_group == TOWN_RANKING]
    assert {line.item_code for line in towns} == {"2.2", "2.3", "2.4", "2.5"}  # the four tiers
    assert all(line.target.kind == "amount" and line.orgs[0].kind in TOWN_LEVEL for line in towns)
    assert sorted(line.result.rank for line in towns) == list(range(1, 19))
    unions = [line for line in report.lines if line.item_code == "1.1" and line.result.rank is not None]
    by_target: dict[int, list[int]] = {}
    for line in unions:
        by_target.setdefault(line.target.pk, []).append(line.result.rank or 0)
    assert len(by_target) == 2 and all(sorted(ranks) == [1, 2, 3] for ranks in by_target.values())
