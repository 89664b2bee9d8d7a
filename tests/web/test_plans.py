from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seed_plan):
    return seed_plan


@pytest.fixture
def user_client(client, make_user):
    client.force_login(make_user("leader"))
    return client


def test_anonymous_is_sent_to_login(client, seeded):
    response = client.get(reverse("plans:table"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_plan_table_shows_every_item_with_units_and_targets(
    user_client, seeded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        response = user_client.get(reverse("plans:table-year", args=[2022]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2022年慈溪市消费帮扶工作任务分解表" in html
    assert html.count('class="code"') == 17
    assert "300.00万元" in html and "龙山镇（滨海区管委会）" in html
    assert "832平台" in html and "20%" in html


def test_the_page_is_chinese_by_default_and_english_on_request(user_client, seeded):
    assert "任务分解表" in user_client.get(reverse("plans:table")).content.decode()
    response = user_client.get(reverse("plans:table"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Task table" in response.content.decode()


def test_names_are_escaped(user_client, seeded):
    from bangfu.plans.models import Item

    item = Item.objects.first()
    item.content = "<script>alert(1)</script>"
    item.save()
    html = user_client.get(reverse("plans:table")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- live progress --------------------------------------------------------------------------------


def _item(response, code: str):
    return next(
        entry
        for row in response.context["tasks"]
        for entry in row.items
        if f"{row.task.seq}.{entry.item.seq}" == code
    )


@pytest.fixture
def bought(ruled_plan):
    from bangfu.ledger.choices import RecordStatus
    from tests.support.world import buy, org

    seeded = ruled_plan
    buy(org("周巷镇"), 150_000_000, day=dt.date(2022, 2, 1))
    buy(org("横河镇"), 25_000_000, day=dt.date(2022, 2, 1), status=RecordStatus.SUBMITTED)
    return seeded


def test_each_item_shows_its_progress_and_each_units_line(
    client, make_user, bought, django_assert_max_num_queries
):
    from bangfu.progress.selectors import progress_compute

    client.force_login(make_user("coordinator"))
    url = reverse("plans:table-year", args=[2022]) + "?as_of=2022-06-30"
    with django_assert_max_num_queries(45):
        response = client.get(url)
    assert response.status_code == 200
    towns = _item(response, "2.2")
    lines = {line.org_label: line for line in towns.lines}
    assert set(lines) == {"周巷镇", "观海卫镇", "龙山镇（滨海区管委会）"}
    report = progress_compute(bought, as_of=dt.date(2022, 6, 30))
    engine = next(line for line in report.lines if line.org_label == "周巷镇" and line.item_code == "2.2")
    assert lines["周巷镇"].result == engine.result
    assert towns.rollup.statuses == engine_statuses(report, "2.2")
    html = response.content.decode()
    # achieved, rate, rank in the town ranking (18 town-level units, not only the tier's 3)
    assert "150.00万元" in html and "50%" in html and "1/18" in html
    assert 'class="status status-' in html and "<details" in html
    # Items without a measurable target are qualitative work.
    qualitative = [e for row in response.context["tasks"] for e in row.items if e.qualitative]
    assert qualitative and all(not e.lines for e in qualitative)
    assert html.count("定性工作") >= 2 * len(qualitative)
    # Records awaiting review count unless only approved records are asked for.
    hengche = {line.org_label: line for line in _item(response, "2.3").lines}["横河镇"]
    assert hengche.result.achieved_fen == 25_000_000
    approved = client.get(url + "&approved=1")
    assert {line.org_label: line for line in _item(approved, "2.3").lines}["横河镇"].result.achieved_fen == 0


def engine_statuses(report, code: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in report.lines:
        if line.item_code == code:
            counts[line.result.status] = counts.get(line.result.status, 0) + 1
    return counts


def test_a_reporter_sees_the_whole_table_but_only_its_lines(client, make_user, bought):
    client.force_login(make_user("reporter", "周巷镇"))
    response = client.get(reverse("plans:table") + "?as_of=2022-06-30")
    assert response.status_code == 200
    assert [line.org_label for line in _item(response, "2.2").lines] == ["周巷镇"]
    assert _item(response, "2.3").lines == []
    html = response.content.decode()
    assert html.count('class="code"') >= 17 and "横河镇" in html  # the table itself names every unit
    from tests.support.world import org

    assert reverse("progress:unit", args=[org("横河镇").pk]) not in html  # no way into another town
    assert "本单位范围内无此项目标" in html


def test_a_long_list_of_units_is_cut_and_shown_whole_on_request(client, make_user, bought, monkeypatch):
    from bangfu.web.views import plans as views

    monkeypatch.setattr(views, "ITEM_LINES", 2)
    client.force_login(make_user("leader"))
    response = client.get(reverse("plans:table"))
    towns = _item(response, "2.4")
    assert len(towns.lines) == 11 and len(towns.shown) == 2 and towns.hidden == 9
    assert "还有 9 个单位，显示全部" in response.content.decode()
    whole = client.get(reverse("plans:table") + f"?item={towns.item.pk}")
    assert len(_item(whole, "2.4").shown) == 11


def test_every_seed_item_receives_its_kind_of_record_and_the_table_shows_it(client, seeded, make_user):
    """Issue 6: each item of the seed table can take an activity of the kind its text calls for, and the
    task table shows, for every item, its progress or its activity timeline."""
    import datetime as dt

    from bangfu.activities.kinds import KINDS, guess_kinds
    from bangfu.activities.services import activity_create
    from bangfu.orgs.models import Organisation
    from bangfu.plans.models import Item

    commerce = Organisation.objects.get(name="市商务局")
    sample = {
        "event": {"event_type": "展销会", "place": "慈溪"},
        "outlet": {"place_type": "超市", "address": "某路1号", "operator": "某超市", "status": "营业中"},
        "media": {"media_type": "报纸", "outlet": "慈溪日报"},
        "training": {"sessions": 1, "trainees": 30},
        "enterprise": {"enterprise": "某公司"},
        "claim": {"claim_type": "土地", "claimant": "某企业"},
        "contract": {"parties": "某企业与某合作社"},
        "fund": {"recipient": "某合作社", "purpose": "订单农业", "amount": "10万"},
        "inspection": {"entities": 5},
        "milestone": {"done": True},
    }
    items = list(Item.objects.filter(task__plan=seeded))
    assert len(items) == 17
    for item in items:
        kind = (guess_kinds(item.content) or ["milestone"])[0]
        assert kind in KINDS
        activity_create(
            kind=kind,
            organisation=commerce,
            item=item,
            title=f"{item.code} 工作",
            date=dt.date(2022, 5, 1),
            details=sample[kind],
        )
    client.force_login(make_user("coordinator"))
    html = client.get(reverse("plans:table-year", args=[2022]), {"as_of": "2022-12-31"}).content.decode()
    for item in items:
        assert reverse("activities:item", args=[item.pk]) in html
    assert html.count("工作记录 1 条 ›") + html.count("已有 1 条工作记录") == 17
