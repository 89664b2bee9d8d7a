"""Assessment pages: interim rankings and explanations scoped by role, links to the records behind a
figure, publishing (the office only, confirmed) and published runs read exactly as stored, veto records."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from bangfu.assessment.models import ScoreRun, UnitScore, VetoRecord
from bangfu.assessment.services import scheme_load, score_publish, veto_add
from bangfu.ledger.choices import RecordStatus
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.services import base_value_set
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2022, 10, 31)
QUERY = "as_of=2022-10-31"
WAN = 1_000_000

SCHEME = {
    "year": 2022,
    "name": "测试考核办法",
    "groups": [
        {
            "name": "镇（街道）",
            "kinds": ["town", "street", "committee"],
            "indicators": [
                {"code": "A1", "name": "采购完成率", "source": "lines", "source_params": {"items": ["2.2", "2.3", "2.4", "2.5"], "kinds": ["amount"]},
                 "method": "linear", "method_params": {"bonus_rate": 10, "bonus_cap": 5}, "weight": 60},
                {"code": "A2", "name": "属地工会采购完成率", "source": "jurisdiction_lines", "source_params": {"items": ["1.1"], "kinds": ["ratio"]},
                 "method": "linear", "weight": 40},
                {"code": "V1", "name": "违法违规", "source": "veto", "method": "veto", "weight": 0},
            ],
        },
        {
            "name": "市级部门",
            "kinds": ["department"],
            "indicators": [
                {"code": "B1", "name": "食堂832平台采购完成率", "source": "lines", "source_params": {"items": ["2.1"], "kinds": ["ratio"]},
                 "method": "thresholds", "method_params": {"steps": [[1, 100], [0.5, 50]]}, "weight": 100},
            ],
        },
    ],
}  # fmt: skip


@pytest.fixture
def scheme(plan):
    """The seed table; 周巷镇 bought 330万 and its union 10万 (approved); 横河镇's 200万 await review;
    古塘街道 bought 125万. Hand-computed: 周巷镇 81.33 (1st), 古塘街道 50.00 (2nd), 横河镇 0.00."""
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    base_value_set(organisation=union, year=2022, holiday_gift_fen=100 * WAN, member_count=100)
    buy(org("周巷镇"), 330 * WAN, day=dt.date(2022, 6, 1))
    buy(union, 10 * WAN, day=dt.date(2022, 6, 1))
    buy(org("横河镇"), 200 * WAN, day=dt.date(2022, 6, 1), status=RecordStatus.SUBMITTED)
    buy(org("古塘街道"), 125 * WAN, day=dt.date(2022, 6, 1))
    return scheme_load(SCHEME)


def index_url(scheme) -> str:
    return f"{reverse('assessment:index')}?scheme={scheme.pk}&{QUERY}"


def unit_url(scheme, name: str) -> str:
    return reverse("assessment:unit", args=[scheme.pk, org(name).pk]) + "?" + QUERY


def ranked(response, group: str = "镇（街道）") -> dict[str, tuple[int, D]]:
    """{unit: (rank, total)} of a group as the page shows it."""
    for name, units in response.context["groups"]:
        if name == group:
            return {u.unit.name: (u.rank, u.result.total) for u in units}
    return {}


# --- interim rankings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "unit", "towns", "departments"),
    [
        ("coordinator", None, 18, 19),
        ("leader", None, 18, 19),
        ("reporter", "周巷镇", 1, 0),
        ("lead", "市总工会", 0, 1),
    ],
)
def test_every_role_sees_the_rankings_of_its_scope(
    login, scheme, role, unit, towns, departments, django_assert_max_num_queries
):
    client = login(role, unit)
    with django_assert_max_num_queries(60):
        response = client.get(index_url(scheme))
    assert response.status_code == 200
    assert len(ranked(response)) == towns
    assert len(ranked(response, "市级部门")) == departments
    html = response.content.decode()
    assert "只统计已审核的记录" in html and "这是中期得分" in html
    if role == "reporter":
        # Its rank among all 18 towns, not among what it may see.
        assert ranked(response) == {"周巷镇": (1, D("81.33"))}
        assert "横河镇" not in html and "古塘街道" not in html
    if towns == 18:
        scores = ranked(response)
        assert scores["周巷镇"] == (1, D("81.33")) and scores["古塘街道"] == (2, D("50.00"))
        assert scores["横河镇"][1] == D("0.00")  # its purchases await review: not in the scores
        assert "81.33" in html and ">61.33<" in html  # total and A1's points, 2 decimals
    assert ("发布考核结果" in html) is (role == "coordinator")


def test_the_query_count_does_not_grow_with_units(login, scheme, django_assert_max_num_queries):
    client = login("coordinator")
    client.get(index_url(scheme))
    for n in range(15):
        org_create(name=f"测试镇{n}", kind=OrgKind.TOWN)
    with django_assert_max_num_queries(60):
        response = client.get(index_url(scheme))
    assert len(ranked(response)) == 33


def test_htmx_gets_only_the_rankings(login, scheme):
    response = login("coordinator").get(index_url(scheme), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="rankings">')
    assert "<html" not in html


def test_without_a_scheme_the_page_says_so(login, plan):
    response = login("coordinator").get(reverse("assessment:index"))
    assert response.status_code == 200 and "尚未载入考核办法" in response.content.decode()


def test_an_as_of_date_outside_the_year_falls_back(login, scheme):
    response = login("coordinator").get(f"{reverse('assessment:index')}?scheme={scheme.pk}&as_of=2030-01-01")
    assert response.status_code == 200 and response.context["as_of"].year == 2022


# --- a unit's explanation -------------------------------------------------------------------------


def test_the_explanation_gives_every_point_and_links_to_the_records(login, scheme):
    client = login("reporter", "周巷镇")
    response = client.get(unit_url(scheme, "周巷镇"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["A1"].points.quantize(D("0.01")) == D("61.33") and rows["A2"].points == D(20)
    assert "2.2 周巷镇完成340.00万元，目标300.00万元，完成率113.3%" in html and "加1.33分" in html
    assert "第 1 名（共 18 个单位）" in html
    # A1's figure is 周巷镇's line; A2's the union's (a unit under 周巷镇): each links to its records.
    links = re.findall(r'href="(/progress/\d+/targets/\d+/\?[^"]+)"', html)
    assert len(links) == 2 and all("approved=1" in link for link in links)
    drill = client.get(links[0].replace("&amp;", "&"))
    assert drill.status_code == 200
    assert drill.context["line"].result.achieved_fen == 340 * WAN
    assert len(drill.context["page"]) == rows["A1"].lines[0].records == 2


def test_a_reporter_cannot_read_another_units_explanation_by_guessing(login, scheme):
    client = login("reporter", "周巷镇")
    assert client.get(unit_url(scheme, "横河镇")).status_code == 404
    assert client.get(unit_url(scheme, "市财政局")).status_code == 404
    unknown = reverse("assessment:unit", args=[scheme.pk, 999_999]) + "?" + QUERY
    assert client.get(unknown).status_code == 404
    other_scheme = reverse("assessment:unit", args=[999_999, org("周巷镇").pk])
    assert client.get(other_scheme).status_code == 404


@pytest.mark.parametrize(("role", "unit"), [("coordinator", None), ("leader", None)])
def test_the_office_and_the_leadership_read_every_explanation(login, scheme, role, unit):
    response = login(role, unit).get(unit_url(scheme, "横河镇"))
    assert response.status_code == 200
    assert "采购完成率" in response.content.decode()


def test_a_lead_reads_the_units_of_its_scope_only(login, scheme):
    client = login("lead", "市总工会")
    assert client.get(unit_url(scheme, "市总工会")).status_code == 200
    assert client.get(unit_url(scheme, "周巷镇")).status_code == 404


def test_a_unit_not_scored_by_the_scheme_is_not_found(login, scheme):
    union = org("周巷镇总工会")
    url = reverse("assessment:unit", args=[scheme.pk, union.pk]) + "?" + QUERY
    assert login("coordinator").get(url).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, scheme):
    response = client.get(index_url(scheme))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- publishing and published runs ----------------------------------------------------------------


def publish_url(scheme) -> str:
    return reverse("assessment:publish", args=[scheme.pk])


@pytest.mark.parametrize(("role", "unit"), [("leader", None), ("reporter", "周巷镇"), ("lead", "市总工会")])
def test_only_the_office_publishes(login, scheme, role, unit):
    client = login(role, unit)
    assert client.get(publish_url(scheme)).status_code == 403
    data = {"as_of": "2022-10-31", "title": "x", "confirm": "on"}
    assert client.post(publish_url(scheme), data).status_code == 403
    assert not ScoreRun.objects.exists()


def test_the_office_publishes_after_confirming(login, scheme):
    client = login("coordinator")
    page = client.get(publish_url(scheme) + "?" + QUERY)
    assert page.status_code == 200 and "冻结" in page.content.decode()
    unconfirmed = client.post(publish_url(scheme), {"as_of": "2022-10-31", "title": "十月考核"})
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.content.decode()
    wrong_year = client.post(publish_url(scheme), {"as_of": "2021-10-31", "confirm": "on"})
    assert wrong_year.status_code == 400 and "2022年内" in wrong_year.content.decode()
    assert not ScoreRun.objects.exists()
    response = client.post(publish_url(scheme), {"as_of": "2022-10-31", "title": "十月考核", "confirm": "on"})
    run = ScoreRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assessment:run", args=[run.pk])
    assert run.title == "十月考核" and run.as_of == AS_OF and run.published_by is not None
    assert UnitScore.objects.get(run=run, unit_name="周巷镇").total == D("81.33")


def test_a_published_run_shows_the_stored_scores_after_the_data_change(login, scheme, monkeypatch):
    run = score_publish(scheme, as_of=AS_OF, title="十月考核")
    # Later: 横河镇's purchases approved, more for 古塘街道, a changed weight — interim scores move.
    buy(org("横河镇"), 280 * WAN, day=dt.date(2022, 7, 1))
    buy(org("古塘街道"), 200 * WAN, day=dt.date(2022, 7, 1))
    indicator = scheme.groups.get(name="镇（街道）").indicators.get(code="A1")
    indicator.weight = D(80)
    indicator.save()
    client = login("coordinator")
    interim = ranked(client.get(index_url(scheme)))
    assert interim["横河镇"][1] > 0 and interim["古塘街道"][0] == 1

    def never(*args, **kwargs):
        raise AssertionError("a published run is never recomputed")

    monkeypatch.setattr("bangfu.assessment.selectors.assessment_compute", never)
    monkeypatch.setattr("bangfu.assessment.access.assessment_compute", never)
    response = client.get(reverse("assessment:run", args=[run.pk]))
    assert response.status_code == 200
    rows = {r["score"].unit_name: r for g in response.context["groups"] for r in g["rows"]}
    assert (rows["周巷镇"]["score"].rank, rows["周巷镇"]["score"].total) == (1, D("81.33"))
    assert rows["周巷镇"]["points"][:2] == [D("61.33"), D("20.00")]
    assert rows["横河镇"]["score"].total == D("0.00") and rows["古塘街道"]["score"].total == D("50.00")
    html = response.content.decode()
    assert "81.33" in html and "冻结" in html
    detail = client.get(reverse("assessment:run-unit", args=[run.pk, org("周巷镇").pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "完成340.00万元，目标300.00万元，完成率113.3%" in text and "60.00" in text and "80.00" not in text
    a1 = next(row for row in detail.context["rows"] if row.code == "A1")
    assert a1.points == D("61.33") and a1.record_count == 2
    assert all(f'href="/ledger/{pk}/"' in text for pk in a1.record_ids)
    assert client.get(reverse("assessment:runs")).status_code == 200


def test_a_reporter_sees_only_its_own_published_score(login, scheme):
    run = score_publish(scheme, as_of=AS_OF)
    client = login("reporter", "周巷镇")
    response = client.get(reverse("assessment:run", args=[run.pk]))
    assert response.status_code == 200
    assert [r["score"].unit_name for g in response.context["groups"] for r in g["rows"]] == ["周巷镇"]
    assert "横河镇" not in response.content.decode()
    assert client.get(reverse("assessment:run-unit", args=[run.pk, org("周巷镇").pk])).status_code == 200
    assert client.get(reverse("assessment:run-unit", args=[run.pk, org("横河镇").pk])).status_code == 404
    assert client.get(reverse("assessment:run", args=[999_999])).status_code == 404


@pytest.mark.parametrize(("role", "unit"), [("leader", None), ("lead", "市总工会")])
def test_other_roles_read_published_runs(login, scheme, role, unit):
    run = score_publish(scheme, as_of=AS_OF)
    client = login(role, unit)
    assert client.get(reverse("assessment:runs")).status_code == 200
    response = client.get(reverse("assessment:run", args=[run.pk]))
    names = {r["score"].unit_name for g in response.context["groups"] for r in g["rows"]}
    assert len(names) == (37 if role == "leader" else 1)


def test_the_runs_list_query_count(login, scheme, django_assert_max_num_queries):
    for month in (8, 9, 10):
        score_publish(scheme, as_of=dt.date(2022, month, 28))
    client = login("leader")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:runs"))
    assert len(response.context["page"]) == 3
    run = ScoreRun.objects.latest("pk")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("assessment:run", args=[run.pk]))
    assert sum(len(g["rows"]) for g in response.context["groups"]) == 37


# --- veto records ---------------------------------------------------------------------------------


def vetoes_url(scheme) -> str:
    return reverse("assessment:vetoes", args=[scheme.pk])


def test_the_office_records_a_veto_and_the_score_drops_to_zero(login, scheme):
    client = login("coordinator")
    page = client.get(vetoes_url(scheme))
    assert page.status_code == 200 and "登记一票否决事项" in page.content.decode()
    response = client.post(
        vetoes_url(scheme),
        {"organisation": org("周巷镇").pk, "date": "2022-05-01", "reason": "虚报采购数据<script>x</script>"},
    )
    assert response.status_code == 302
    veto = VetoRecord.objects.get()
    assert (veto.organisation, veto.year) == (org("周巷镇"), 2022)
    listed = client.get(vetoes_url(scheme)).content.decode()
    assert "虚报采购数据&lt;script&gt;" in listed and "<script>x" not in listed
    scores = ranked(client.get(index_url(scheme)))
    assert scores["周巷镇"] == (18, D("0.00"))
    explanation = client.get(unit_url(scheme, "周巷镇")).content.decode()
    assert "否决" in explanation and "虚报采购数据&lt;script&gt;" in explanation


def test_a_veto_needs_a_unit_a_date_in_the_year_and_a_reason(login, scheme):
    client = login("coordinator")
    response = client.post(
        vetoes_url(scheme), {"organisation": org("周巷镇").pk, "date": "2021-05-01", "reason": " "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "2022年内" in html and "请填写事由" in html
    union = client.post(
        vetoes_url(scheme), {"organisation": org("周巷镇总工会").pk, "date": "2022-05-01", "reason": "x"}
    )
    assert union.status_code == 400  # not a unit the scheme scores
    assert not VetoRecord.objects.exists()


def test_vetoes_are_read_by_the_leadership_and_recorded_by_the_office_only(login, scheme):
    veto_add(organisation=org("横河镇"), date=dt.date(2022, 3, 1), reason="违规")
    leader = login("leader")
    page = leader.get(vetoes_url(scheme))
    assert page.status_code == 200 and page.context["form"] is None and "违规" in page.content.decode()
    data = {"organisation": org("周巷镇").pk, "date": "2022-05-01", "reason": "x"}
    assert leader.post(vetoes_url(scheme), data).status_code == 403
    for role, unit in (("reporter", "周巷镇"), ("lead", "市总工会")):
        client = login(role, unit)
        assert client.get(vetoes_url(scheme)).status_code == 403
        assert client.post(vetoes_url(scheme), data).status_code == 403
    assert VetoRecord.objects.count() == 1
