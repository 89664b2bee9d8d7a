"""An item's page: its count targets' progress is exactly ``progress_compute``'s, its amount targets show
their figures, items without numbers show their timeline alone — within the user's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bangfu.activities.services import activity_create, evidence_add
from bangfu.orgs.models import Organisation
from bangfu.plans.parsing import parse_text
from bangfu.plans.services import plan_import
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import progress_rules_ensure
from tests.support.world import buy

pytestmark = pytest.mark.django_db

TABLE = (
    "2022年慈溪市消费帮扶工作任务分解表\n\t序号\n\t工作任务\n\t工作内容\n\t责任单位\n"
    "\t1\n\t促销渠道多样化\n\t全年举办展销活动不少于4场。\n\t牵头单位：市商务局\n"
    "\t2\n\t电商补短板\n\t开展电商培训200人次以上。\n\t牵头单位：市商务局\n"
    "\t3\n\t营造氛围\n\t组织媒体宣传推介对口地区农特产品。\n\t牵头单位：市委宣传部\n"
    "\t4\n\t镇街采购\n\t采购对口地区农特产品300万元。\n\t责任单位：周巷镇\n"
)
AS_OF = dt.date(2022, 6, 30)


@pytest.fixture
def plan(cixi_orgs, settings, tmp_path):
    from bangfu.regions.services import regions_seed

    settings.MEDIA_ROOT = tmp_path / "media"
    regions_seed()
    plan = plan_import(parsed=parse_text(TABLE, source_name="count.txt")).plan
    progress_rules_ensure(plan)
    return plan


def item_of(plan, seq):
    return plan.tasks.get(seq=seq).items.get()


def unit(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def event(plan, n, day=dt.date(2022, 5, 1), unit_name="市商务局"):
    return activity_create(
        kind="event", organisation=unit(unit_name), item=item_of(plan, 1), title=f"展销会{n}", date=day,
        details={"event_type": "展销会", "place": "慈溪"},
    )  # fmt: skip


def page(client, item, **params):
    return client.get(reverse("activities:item", args=[item.pk]), {"year": 2022, "as_of": AS_OF, **params})


def figures(lines):
    return [(line.org_label, line.result.achieved, line.result.rate, line.result.status) for line in lines]


def test_count_progress_on_the_item_page_equals_progress_compute(plan, login):
    client = login("coordinator")
    item = item_of(plan, 1)
    for n in range(3):
        event(plan, n)
    event(plan, 99, day=dt.date(2022, 8, 1))  # after the as-of date: not counted yet
    response = page(client, item)
    assert response.status_code == 200
    [block] = response.context["blocks"]
    expected = progress_compute(plan, as_of=AS_OF, target_ids=[block.target.pk]).lines
    assert figures(block.lines) == figures(expected)
    assert block.lines[0].result.achieved == 3 and block.lines[0].result.status != "done"
    html = response.content.decode()
    assert "3场" in html and "按工作记录计数" in html and "展销会99" in html  # the timeline shows it
    event(plan, 3)
    done = page(client, item).context["blocks"][0].lines[0]
    assert done.result.achieved == 4 and done.result.rate == 1 and done.result.status == "done"
    year_end = page(client, item, as_of="2022-12-31").context["blocks"][0].lines
    assert figures(year_end) == figures(
        progress_compute(plan, as_of=dt.date(2022, 12, 31), target_ids=[year_end[0].target.pk]).lines
    )
    assert year_end[0].result.achieved == 5


def test_trainees_are_counted_in_person_times(plan, login):
    item = item_of(plan, 2)
    for trainees in (120, 80):
        activity_create(
            kind="training", organisation=unit("市商务局"), item=item, title="电商培训", date=dt.date(2022, 6, 1),
            details={"sessions": 1, "trainees": trainees},
        )  # fmt: skip
    response = page(login("leader"), item)
    [line] = response.context["blocks"][0].lines
    assert line.result.achieved == 200 and line.result.status == "done"
    assert figures([line]) == figures(progress_compute(plan, as_of=AS_OF, target_ids=[line.target.pk]).lines)
    assert "200人次" in response.content.decode()


def test_an_amount_target_shows_its_figures(plan, login):
    item = item_of(plan, 4)
    buy(unit("周巷镇"), 150_000_000, day=dt.date(2022, 3, 1))
    response = page(login("reporter", "周巷镇"), item)
    [line] = response.context["blocks"][0].lines
    assert line.result.achieved_fen == 150_000_000
    html = response.content.decode()
    assert (
        "150.00万元" in html
        and reverse("progress:line-records", args=[unit("周巷镇").pk, line.target.pk]) in html
    )


def test_an_item_without_numbers_shows_its_timeline_alone(plan, login):
    item = item_of(plan, 3)
    assert not item.targets.exists()
    report = activity_create(
        kind="media", organisation=unit("市委宣传部"), item=item, title="慈溪日报专版", date=dt.date(2022, 4, 2),
        details={"media_type": "报纸", "outlet": "慈溪日报", "link": "https://example.org/p"},
    )  # fmt: skip
    coordinator = login("coordinator")
    proof = evidence_add(name="版面.pdf", content=b"%PDF-1.4\n%%EOF\n", user=None, activity=report)
    response = page(coordinator, item)
    html = response.content.decode()
    assert response.context["blocks"] == [] and "本事项没有量化目标" in html
    assert "慈溪日报专版" in html and reverse("activities:evidence-preview", args=[proof.pk]) in html
    assert "登记媒体宣传报道" in html  # the kind its text suggests


def test_the_timeline_and_the_lines_are_scoped(plan, login):
    item = item_of(plan, 1)
    event(plan, 1)
    zhouxiang = event(plan, 2, unit_name="周巷镇")
    response = page(login("reporter", "周巷镇"), item)
    assert [a.pk for a, _rows in response.context["entries"]] == [zhouxiang.pk]
    assert response.context["blocks"][0].lines == []  # 市商务局's line is not 周巷镇's to see
    assert "本单位范围内无此项目标" in response.content.decode()
    assert "登记展销推介活动" in response.content.decode()
    leader = page(login("leader"), item)
    assert len(leader.context["entries"]) == 2 and "登记展销推介活动" not in leader.content.decode()


def test_unknown_items_are_404(plan, login):
    assert login("coordinator").get(reverse("activities:item", args=[999_999])).status_code == 404


def test_the_item_page_reads_a_bounded_number_of_queries(plan, login, django_assert_max_num_queries):
    for n in range(40):
        activity = event(plan, n)
        evidence_add(name=f"{n}.pdf", content=b"%PDF-1.4\n%%EOF\n", user=None, activity=activity)
    item = item_of(plan, 1)
    client = login("coordinator")
    page(client, item)
    with django_assert_max_num_queries(26):
        response = page(client, item, as_of="2022-06-29")  # not cached: the figures are computed again
    assert response.status_code == 200 and len(response.context["entries"]) == 40
