"""The dashboard: official (approved-only) figures for every role within its scope, what awaits review,
the town ranking, lagging units, the monthly trend — and the figures equal the engine's."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.common.money import format_percent, format_wan
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_approve
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress import cache
from bangfu.progress.selectors import progress_compute, progress_compute_official
from bangfu.progress.trend import progress_trend
from bangfu.web.charts import trend_chart
from tests.support.world import AS_OF, PERIOD, buy, org

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")
WAN = 1_000_000  # fen per 万元


@pytest.fixture
def bought(plan):
    buy(org("周巷镇"), 100 * WAN)
    buy(org("观海卫镇"), 200 * WAN, day=dt.date(2022, 5, 10))
    buy(org("横河镇"), 10 * WAN, day=dt.date(2022, 1, 15))
    buy(org("横河镇"), 50 * WAN, day=dt.date(2022, 6, 1), status=RecordStatus.SUBMITTED)
    buy(org("横河镇"), 7 * WAN, day=dt.date(2022, 6, 2), status=RecordStatus.DRAFT)
    return plan


def get(client, query=PERIOD):
    return client.get(f"{URL}?{query}")


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("coordinator", None),
        ("leader", None),
        ("reporter", "周巷镇"),
        ("lead", "市总工会"),
        ("lead", "市财政局"),
    ],
)
def test_every_role_has_a_dashboard(login, bought, role, unit, django_assert_max_num_queries):
    client = login(role, unit)
    # A unit's dashboard also reads the whole plan's town ranking (one more computation, then cached)
    # and the menu's inbox counts.
    with django_assert_max_num_queries(90):
        response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "正式数据：只统计已审核的记录" in html and "时序进度" in html
    assert "<script>" not in html.replace('<script src="', "").replace('type="application/json"', "")


def test_no_plan_yet(login, cixi_orgs):
    response = login("leader").get(URL)
    assert response.status_code == 200 and "尚未导入任务分解表" in response.content.decode()


def test_figures_are_the_engines_approved_only_figures(login, bought):
    response = get(login("coordinator"))
    overview = response.context["overview"]
    report = progress_compute(bought, as_of=AS_OF, approved_only=True)
    amounts = [line for line in report.lines if line.target.kind == "amount"]
    assert overview.headline == "金额目标"
    assert overview.amount.achieved_fen == sum(line.result.achieved_fen for line in amounts) == 310 * WAN
    assert overview.amount.required_fen == sum(line.result.required_fen for line in amounts)
    assert len(overview.towns) == 18  # every town-level unit with its own 万元 target
    rates = {line.org_label: line.result.rate for line in amounts}
    assert {row.org.name: row.rate for row in overview.towns} == {
        name: rate for name, rate in rates.items() if name in {row.org.name for row in overview.towns}
    }
    ranked = [row.rate for row in overview.towns]
    assert ranked == sorted(ranked, reverse=True)
    assert overview.towns[0].org.name == "观海卫镇"
    assert overview.time_progress == Decimal(181) / Decimal(365)
    html = response.content.decode()
    assert format_wan(310 * WAN) in html
    assert format_percent(rates["周巷镇"], 1) in html
    # The chart's data: one bar per town, the time-progress line.
    chart = json.loads(json.dumps(response.context["town_chart"]))
    assert len(chart["labels"]) == 18 and chart["labels"][0] in {"观海卫镇", "观海卫"}
    assert len(chart["labels"]) == 18 and chart["expected"] == float(round(overview.time_progress * 100, 1))
    assert 'id="town-chart"' in html and 'data-chart="towns"' in html


def test_records_awaiting_review_are_beside_not_inside_the_official_figures(login, bought):
    coordinator = login("coordinator")
    overview = get(coordinator).context["overview"]
    hengche = next(row for row in overview.towns if row.org.name == "横河镇")
    assert hengche.pair.line.result.achieved_fen == 10 * WAN  # approved only; the draft never counts
    assert hengche.pair.pending_fen == 50 * WAN and hengche.pair.pending_records == 1
    assert overview.pending.amount_fen == 50 * WAN and overview.pending.records == 1
    assert overview.amount_with_submitted.achieved_fen == overview.amount.achieved_fen + 50 * WAN
    html = get(coordinator).content.decode()
    assert "全部审核通过后" in html and format_wan(50 * WAN) in html

    # The coordinator approves it: the official figures change, nothing awaits review any more.
    user = coordinator.get(URL).wsgi_request.user
    purchase_approve(Purchase.objects.filter(status=RecordStatus.SUBMITTED), user=user)
    after = get(coordinator).context["overview"]
    assert next(row for row in after.towns if row.org.name == "横河镇").rate == Decimal(60) / Decimal(250)
    assert after.amount.achieved_fen == overview.amount.achieved_fen + 50 * WAN
    assert after.pending.records == 0 and after.pending.amount_fen == 0


def test_a_reporter_sees_its_own_jurisdiction_only(login, bought):
    zhouxiang = org("周巷镇")
    school = org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=zhouxiang)
    buy(school, 20 * WAN)
    overview = get(login("reporter", "周巷镇")).context["overview"]
    # Its town among all the others (the ranking the bulletin publishes), its own marked.
    assert len(overview.towns) == 18 and overview.own_towns is not None
    assert [row.org.name for row in overview.towns if row.org.pk in overview.own_towns] == ["周巷镇"]
    assert overview.amount.achieved_fen == 120 * WAN
    from bangfu.orgs.selectors import org_subtree_ids

    jurisdiction = org_subtree_ids(zhouxiang.pk)
    assert overview.lagging and {unit.org.pk for unit in overview.lagging} <= jurisdiction
    assert all(set(line.result.spec.org_ids) <= jurisdiction for u in overview.lagging for line in u.lines)


def test_a_union_lead_gets_its_unions_ratio_as_headline(login, bought):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    from bangfu.progress.services import base_value_set

    base_value_set(organisation=union, year=2022, holiday_gift_fen=100 * WAN, member_count=1000)
    buy(union, 5 * WAN)
    overview = get(login("lead", "市总工会")).context["overview"]
    assert overview.towns == []
    assert overview.headline.startswith("事项1.1")
    assert overview.amount.achieved_fen == 5 * WAN and overview.amount.required_fen == 20 * WAN
    assert overview.trend.achieved_fen == 5 * WAN


def test_lagging_units_are_exactly_those_behind(login, bought):
    overview = get(login("coordinator")).context["overview"]
    report = progress_compute(bought, as_of=AS_OF, approved_only=True)
    behind = {o.pk for line in report.lines if line.result.status in ("lagging", "severe") for o in line.orgs}
    assert {unit.org.pk for unit in overview.lagging} == behind
    assert overview.lagging[0].severe  # the severely lagging come first
    html = get(login("coordinator")).content.decode()
    assert reverse("progress:unit", args=[overview.lagging[0].org.pk]) in html


def test_year_and_as_of_are_selectable(login, bought):
    client = login("leader")
    response = client.get(f"{URL}?year=2022&as_of=2022-02-28")
    assert response.context["as_of"] == dt.date(2022, 2, 28)
    overview = response.context["overview"]
    assert overview.amount.achieved_fen == 10 * WAN  # only 横河镇's January purchase by then
    # Another year's date or nonsense falls back to the default: today, capped to the plan's year.
    assert client.get(f"{URL}?as_of=2031-01-01").context["as_of"] == dt.date(2022, 12, 31)
    assert client.get(f"{URL}?as_of=abc&year=1999").context["as_of"] == dt.date(2022, 12, 31)


def test_the_monthly_trend_adds_up_to_the_lines(login, bought):
    overview = get(login("coordinator")).context["overview"]
    trend = overview.trend
    assert trend.lines == 18
    assert trend.monthly_fen[0] == 10 * WAN and trend.monthly_fen[2] == 100 * WAN
    assert trend.monthly_fen[4] == 200 * WAN
    assert trend.cumulative_fen[5] == overview.amount.achieved_fen  # June: the as-of month
    assert trend.cumulative_fen[6] is None  # nothing drawn after the as-of month
    assert trend.pending_monthly_fen[5] == 50 * WAN
    assert trend.expected_fen[11] == trend.required_fen  # the whole year's target by December
    assert trend_chart(trend)["monthly"][4] == 200.0


def test_the_trend_per_purchaser_equals_the_trend_by_month(bought):
    official = progress_compute_official(bought, as_of=AS_OF)
    lines = [line for line in official.approved.lines if line.target.kind == "amount"]
    by_month = progress_trend(lines, plan=bought, as_of=AS_OF)
    by_purchaser = progress_trend(lines, plan=bought, as_of=AS_OF, by_purchaser=True)
    assert by_month.monthly_fen == by_purchaser.monthly_fen
    assert by_month.pending_monthly_fen == by_purchaser.pending_monthly_fen
    assert sum(by_purchaser.by_purchaser_fen.values()) == by_purchaser.achieved_fen


def test_the_official_pair_equals_two_computations(bought):
    official = progress_compute_official(bought, as_of=AS_OF)
    approved = progress_compute(bought, as_of=AS_OF, approved_only=True)
    everything = progress_compute(bought, as_of=AS_OF, approved_only=False)
    assert [line.result for line in official.approved.lines] == [line.result for line in approved.lines]
    assert [line.result for line in official.with_submitted.lines] == [
        line.result for line in everything.lines
    ]


def test_query_count_does_not_grow_with_data(login, bought, django_assert_max_num_queries):
    client = login("coordinator")
    get(client)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        get(client)
    for n in range(30):
        unit = org_create(name=f"周巷镇测试学校{n}", kind=OrgKind.SCHOOL, parent=org("周巷镇"))
        buy(unit, (n + 1) * 10_000, day=dt.date(2022, 1 + n % 6, 1))
    with CaptureQueriesContext(connection) as after:
        get(client)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- the per-process cache -----------------------------------------------------------------------


class _Outside:
    in_atomic_block = False


def test_the_cache_serves_a_computation_again_until_the_data_changes(monkeypatch, settings):
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 60
    monkeypatch.setattr(cache, "connection", _Outside())
    stamp = [(1, 1, None, 5)]
    monkeypatch.setattr(cache, "data_stamp", lambda: stamp[0])
    cache.cache_clear()
    calls = []

    def compute():
        calls.append(1)
        return object()

    first = cache.cached(("k", 1), compute)
    assert cache.cached(("k", 1), compute) is first and len(calls) == 1
    assert cache.cached(("k", 2), compute) is not first and len(calls) == 2
    stamp[0] = (2, 1, None, 5)  # a purchase was added
    assert cache.cached(("k", 1), compute) is not first and len(calls) == 3
    cache.cache_clear()


def test_nothing_is_cached_inside_a_transaction(settings):
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 60
    values = iter(range(10))
    assert cache.cached("x", lambda: next(values)) != cache.cached("x", lambda: next(values))


def test_the_cache_can_be_turned_off(monkeypatch, settings):
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    monkeypatch.setattr(cache, "connection", _Outside())
    values = iter(range(10))
    assert cache.cached("x", lambda: next(values)) == 0
    assert cache.cached("x", lambda: next(values)) == 1


def test_the_data_stamp_moves_with_purchases(plan):
    before = cache.data_stamp()
    buy(org("周巷镇"), 1_00)
    after = cache.data_stamp()
    assert after != before and after[0] > (before[0] or 0)


def test_the_glance_shows_every_shortfall_by_kind_of_unit_largest_first(login, bought):
    from bangfu.progress.services import base_value_set

    department = org("市文广旅体局")
    base_value_set(organisation=department, year=2022, food_budget_fen=300 * WAN)
    buy(department, 2 * WAN, channel="832")
    response = get(login("leader"))
    overview = response.context["overview"]
    report = progress_compute(bought, as_of=AS_OF, approved_only=True)
    engine = {
        (line.target.pk, line.result.spec.org_ids): line.result.shortfall_fen
        for line in report.lines
        if line.result.shortfall_fen is not None
    }
    shown = {
        (line.target.pk, line.result.spec.org_ids): line.result.shortfall_fen
        for group in overview.glance
        for line in group.lines
    }
    assert shown == engine and engine
    keys = [group.key for group in overview.glance]
    assert keys[0] == "towns" and "departments" in keys
    for group in overview.glance:
        short = [line.result.shortfall_fen for line in group.short]
        assert short == sorted(short, reverse=True) and all(short)
        assert group.met == len(group.lines) - len(short)
    towns = next(group for group in overview.glance if group.key == "towns")
    hengche = next(line for line in towns.lines if line.org_label == "横河镇")
    # 250万元 target, 10万元 approved (the 50万元 awaiting review and the draft do not count).
    assert hengche.result.shortfall_fen == 240 * WAN
    html = response.content.decode()
    assert "240.00" in html and "差额一览" in html
    assert "2.3 采购对口地区农特产品250万元" in html  # the target's name, not "2.3 250.00万元"
    assert "2.1 食堂采购预算资金的10%（832平台）" in html


def test_lagging_units_are_grouped_with_their_shortfall(login, bought):
    response = get(login("coordinator"))
    groups = response.context["lagging_groups"]
    assert groups and groups[0].key == "towns"
    assert sum(group.total for group in groups) == len(response.context["overview"].lagging)
    assert all(group.units and not group.more for group in groups)  # a few units: every one listed
    html = response.content.decode()
    assert '差额 <b class="shortfall">240.00</b> 万元' in html  # 横河镇


def test_a_long_lagging_list_and_glance_show_the_first_units_and_say_how_many_more(
    login, bought, monkeypatch
):
    """A city has thousands of lagging units: the page lists the first of each kind and counts the rest
    (rendering every one took seconds at a million records, bench/README.md)."""
    from bangfu.progress import overview as overview_module
    from bangfu.web.views import dashboard

    monkeypatch.setattr(dashboard, "LAGGING_SHOWN", 1)
    monkeypatch.setattr(overview_module, "GLANCE_SHOWN", 1)
    response = get(login("coordinator"))
    lagging = response.context["overview"].lagging
    groups = response.context["lagging_groups"]
    assert sum(group.total for group in groups) == len(lagging)
    assert all(len(group.units) == 1 and group.more == group.total - 1 for group in groups)
    assert [unit for group in groups for unit in group.units] == [
        next(u for u in lagging if u.group == group.key) for group in groups
    ]  # the slowest of each kind
    html = response.content.decode()
    more = [group for group in groups if group.more]
    assert more, "the fixture needs a kind with two lagging units"
    assert f"另有 {more[0].more} 个单位进度滞后，未列出" in html
    glance = response.context["overview"].glance
    assert all(group.short_shown == group.short[:1] for group in glance)
    cut = [group for group in glance if group.short_more]
    assert cut and f"另有 {cut[0].short_more} 项有差额，未列出" in html
