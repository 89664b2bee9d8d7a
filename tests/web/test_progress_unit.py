"""A unit's page and the records behind each figure: scoped by jurisdiction, submitted records labelled
beside the approved-only figure, provenance of every record, sub-units of a town."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bangfu.common.money import format_wan, format_yuan
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.services import ledger_import
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.plans.models import Target
from bangfu.progress.selectors import progress_compute
from tests.ledger.builders import write_csv
from tests.support.world import AS_OF, PERIOD, buy, org

pytestmark = pytest.mark.django_db

WAN = 1_000_000


@pytest.fixture
def town(plan, tmp_path):
    """周巷镇 with a school and its canteen; purchases entered and imported, approved and submitted."""
    zhouxiang = org("周巷镇")
    school = org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=zhouxiang)
    buy(zhouxiang, 100 * WAN, product="布拖苦荞茶")
    buy(school, 20 * WAN, status=RecordStatus.SUBMITTED, day=dt.date(2022, 4, 2))
    ledger = [
        ["采购单位", "日期", "金额", "产地", "产品", "订单号"],
        ["周巷镇中心小学", "2022-05-03", "30000", "布拖县", "黑山羊肉礼盒", "Z1"],
        ["周巷镇", "2022-05-04", "12,345.67", "凉山州布拖县", "布拖马铃薯", "Z2"],
    ]
    ledger_import(path=write_csv(tmp_path / "周巷镇5月台账.csv", ledger), org=zhouxiang)
    buy(org("横河镇"), 10 * WAN)
    return plan


def amount_target(plan, code: str) -> Target:
    task, item = (int(part) for part in code.split("."))
    return Target.objects.get(item__task__plan=plan, item__task__seq=task, item__seq=item, kind="amount")


def unit_url(name: str) -> str:
    return reverse("progress:unit", args=[org(name).pk]) + "?" + PERIOD


def test_a_reporter_sees_its_own_unit(login, town, django_assert_max_num_queries):
    client = login("reporter", "周巷镇")
    # Whole months come from the running totals, the days of the last month from the records; the
    # menu adds its two bounded inbox counts.
    with django_assert_max_num_queries(66):
        response = client.get(reverse("progress:my-unit") + "?" + PERIOD)
    assert response.status_code == 200
    progress = response.context["progress"]
    assert progress.unit.name == "周巷镇"
    (pair,) = progress.pairs
    line = progress_compute(town, as_of=AS_OF, org_ids=[org("周巷镇").pk], approved_only=False)
    own = next(ln for ln in line.lines if ln.org_label == "周巷镇")
    assert pair.with_submitted.result.achieved_fen == own.result.achieved_fen == 123 * WAN + 1_234_567
    assert pair.line.result.achieved_fen == 103 * WAN + 1_234_567  # approved only
    assert pair.pending_fen == 20 * WAN and pair.pending_records == 1
    html = response.content.decode()
    assert "其中已审核" in html and "待审核" in html
    assert format_wan(123 * WAN + 1_234_567) in html and format_wan(20 * WAN) in html


def test_a_reporter_cannot_open_another_towns_page_by_guessing_its_id(login, town):
    client = login("reporter", "周巷镇")
    assert client.get(unit_url("横河镇")).status_code == 404
    target = amount_target(town, "2.3")
    url = reverse("progress:line-records", args=[org("横河镇").pk, target.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("progress:unit", args=[999_999])).status_code == 404


@pytest.mark.parametrize(("role", "unit"), [("coordinator", None), ("leader", None)])
def test_the_office_and_leaders_see_every_unit(login, town, role, unit):
    client = login(role, unit)
    assert client.get(unit_url("横河镇")).status_code == 200
    assert client.get(unit_url("周巷镇")).status_code == 200


def test_a_lead_sees_the_units_of_its_items_only(login, town):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    client = login("lead", "市总工会")
    assert client.get(reverse("progress:unit", args=[union.pk])).status_code == 200
    assert client.get(unit_url("周巷镇")).status_code == 404


def test_the_leadership_has_no_unit_of_its_own(login, town):
    response = login("leader").get(reverse("progress:my-unit"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_a_towns_page_rolls_up_its_sub_units(login, town):
    progress = login("coordinator").get(unit_url("周巷镇")).context["progress"]
    rows = {row.org.name: row for row in progress.sub_units}
    # Approved purchases of the school count toward the town: the imported 30,000 元 (the 20万 awaits review).
    assert rows["周巷镇中心小学"].contributed_fen == 30_000_00
    assert progress.trend.by_purchaser_fen[org("周巷镇").pk] == 100 * WAN + 1_234_567
    assert progress.trend.cumulative_fen[5] == progress.pairs[0].line.result.achieved_fen


def test_line_records_prove_the_figure(login, town, django_assert_max_num_queries):
    client = login("reporter", "周巷镇")
    target = amount_target(town, "2.2")
    url = reverse("progress:line-records", args=[org("周巷镇").pk, target.pk]) + "?" + PERIOD
    with django_assert_max_num_queries(45):
        response = client.get(url)
    assert response.status_code == 200
    line = response.context["line"]
    records = response.context["page"].items
    assert len(records) == line.result.records == 4
    assert sum(p.amount_fen for p in records) == line.result.achieved_fen
    html = response.content.decode()
    assert "周巷镇5月台账.csv" in html and "第3行" in html  # file / sheet / row of the imported record
    assert "手工录入" in html and "黑山羊肉礼盒" in html and format_yuan(12_345_67) in html
    assert "已提交" in html  # the record awaiting review is listed, labelled

    approved = client.get(url + "&approved=1")
    assert approved.context["line"].result.records == 3
    assert all(p.status == RecordStatus.APPROVED for p in approved.context["page"].items)


def test_line_records_are_paginated_with_a_fixed_number_of_queries(
    login, town, django_assert_max_num_queries
):
    for n in range(120):
        buy(org("周巷镇"), 1_000_00 + n, day=dt.date(2022, 2, 1 + n % 28))
    client = login("coordinator")
    target = amount_target(town, "2.2")
    url = reverse("progress:line-records", args=[org("周巷镇").pk, target.pk]) + "?" + PERIOD
    with django_assert_max_num_queries(45):
        first = client.get(url)
    page = first.context["page"]
    assert len(page.items) == 100 and first.context["line"].result.records == 124
    assert not page.has_prev and page.has_next
    with django_assert_max_num_queries(45):
        second = client.get(url + "&after=" + page.next_cursor, HTTP_HX_REQUEST="true")
    fragment = second.content.decode()
    assert second.status_code == 200 and "<html" not in fragment  # the fragment only
    assert fragment.count("<tr>") == 1 + 24  # the header and the second page's records
    assert "上一页" in fragment and "下一页" not in fragment
    shown = [p.pk for p in page.items] + [p.pk for p in second.context["page"].items]
    assert len(set(shown)) == 124  # every record once, in date order
    dates = [p.date for p in page.items] + [p.date for p in second.context["page"].items]
    assert dates == sorted(dates)
    back = client.get(url + "&before=" + second.context["page"].prev_cursor)
    assert [p.pk for p in back.context["page"].items] == [p.pk for p in page.items]


def test_a_unit_without_lines_says_so(login, town):
    village = org_create(name="周巷镇某村", kind=OrgKind.OTHER, parent=org("周巷镇"))
    html = login("reporter", "周巷镇").get(reverse("progress:unit", args=[village.pk])).content.decode()
    assert "没有以本单位为对象的目标" in html
