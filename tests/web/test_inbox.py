"""The inbox (待办) of each role and the review queue of records and activities together: what each role
finds, batch actions through the services (four-eyes, scope), and the menu's count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bangfu.activities.models import Activity
from bangfu.activities.services import activity_create, activity_update
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_return
from bangfu.notifications.choices import DeliveryChannel, DeliveryStatus, Reason
from bangfu.notifications.models import Reminder
from bangfu.plans.models import Plan

pytestmark = pytest.mark.django_db
S = RecordStatus


@pytest.fixture
def world(ledger_world):
    """The ledger pages' world (a shared layer: tests/support/worlds.py)."""
    return ledger_world


@pytest.fixture
def work(world):
    """Two activities awaiting review (周巷镇's and 观海卫镇's union's), one of 周巷镇 returned, one
    record of 周巷镇 returned, and a reminder 周巷镇 received."""
    training = {"sessions": 1, "trainees": 30}
    acts = {
        "town": activity_create(
            kind="training", organisation=world.units["zhouxiang"], title="电商培训", date=dt.date(2022, 4, 2),
            details=training,
        ),
        "union2": activity_create(
            kind="training", organisation=world.units["union2"], title="工会培训", date=dt.date(2022, 5, 2),
            details=training,
        ),
        "returned": activity_create(
            kind="training", organisation=world.units["zhouxiang"], title="退回的培训", date=dt.date(2022, 6, 2),
            details=training, status=S.RETURNED,
        ),
    }  # fmt: skip
    purchase_return(
        Purchase.objects.filter(pk=world.pk("town")), user=world.users["coordinator"], comment="金额有误"
    )
    Reminder.objects.create(
        plan=Plan.objects.get(),
        period="2022-05",
        as_of=dt.date(2022, 6, 1),
        unit=world.units["zhouxiang"],
        reason=Reason.SILENT,
        channel=DeliveryChannel.EMAIL,
        recipient="zx@example.cn",
        subject="请报送5月份数据",
        body="周巷镇：请于6月5日前报送。",
        status=DeliveryStatus.SENT,
        sent_at=dt.datetime(2022, 6, 1, 9, tzinfo=dt.UTC),
    )
    return acts


def test_a_reporter_finds_returned_work_and_reminders_on_the_home_page(world, work):
    response = world.client("reporter").get(reverse("dashboard"))
    inbox = response.context["inbox"]
    assert inbox.returned_purchases.n == 1 and [p.pk for p in inbox.purchases] == [world.pk("town")]
    assert [a.pk for a in inbox.activities] == [work["returned"].pk]
    assert [r.subject for r in inbox.reminders] == ["请报送5月份数据"]
    assert not inbox.review_total  # a reporter reviews nothing
    page = response.content.decode()
    # each is one click from the home page
    assert f"{reverse('ledger:list')}?status=returned" in page
    assert f"{reverse('activities:list')}?status=returned" in page
    assert "请报送5月份数据" in page
    # the menu's count: what was returned to them
    assert response.context["menu"][1]["url"] == reverse("inbox:index")
    assert str(response.context["menu"][1]["count"]) == "2"


def test_another_towns_reporter_sees_none_of_it(world, work, make_user):
    other = make_user("reporter", "观海卫镇")
    from django.test import Client

    client = Client()
    client.force_login(other)
    inbox = client.get(reverse("inbox:index")).context["inbox"]
    assert not inbox.returned_purchases and not inbox.returned_activities and inbox.reminders == []


def test_reviewers_see_records_and_activities_in_one_queue(world, work):
    lead = world.client("lead").get(reverse("inbox:queue"))
    kinds = {(row["kind"], row["obj"].pk) for row in lead.context["rows"]}
    # the lead reviewer of unions: both unions' records and the union's activity, nothing of the towns
    assert kinds == {
        ("purchase", world.pk("union")),
        ("purchase", world.pk("union2")),
        ("activity", work["union2"].pk),
    }
    office = world.client("coordinator").get(reverse("inbox:queue")).context["rows"]
    assert {("activity", work["town"].pk), ("purchase", world.pk("other"))} <= {
        (row["kind"], row["obj"].pk) for row in office
    }
    home = world.client("lead").get(reverse("dashboard"))
    assert home.context["inbox"].review_total.n == 3 and str(home.context["menu"][1]["count"]) == "3"


def test_one_kind_of_the_queue_is_paged_oldest_first(world, work, monkeypatch):
    """Both kinds together show the oldest of each; one kind alone pages through all of it (keyset)."""
    from bangfu.web.views import inbox as inbox_views

    monkeypatch.setattr(inbox_views, "QUEUE_SHOWN", 2)
    client = world.client("coordinator")
    awaiting = list(
        Purchase.objects.filter(status=S.SUBMITTED).order_by("date", "id").values_list("pk", flat=True)
    )
    assert len(awaiting) > 2
    both = client.get(reverse("inbox:queue"))
    assert both.context["page"] is None and "选择一类可逐页查看全部" in both.content.decode()
    seen: list[int] = []
    query: dict[str, str] = {"kind": "purchase"}
    for _pages in range(len(awaiting)):
        response = client.get(reverse("inbox:queue"), query)
        seen += [row["obj"].pk for row in response.context["rows"]]
        page = response.context["page"]
        if not page.has_next:
            break
        assert f"after={page.next_cursor}" in response.content.decode().replace("&amp;", "&")
        query = {"kind": "purchase", "after": page.next_cursor}
    assert seen == awaiting  # every record awaiting review, once, oldest first
    back = client.get(reverse("inbox:queue"), {"kind": "purchase", "before": page.prev_cursor})
    shown = len(page.items)
    assert [row["obj"].pk for row in back.context["rows"]] == seen[-shown - 2 : -shown]  # the page before


def test_batch_approve_goes_through_both_services(world, work):
    client = world.client("coordinator")
    response = client.post(
        reverse("inbox:review"),
        {
            "action": "approve",
            "purchase": [world.pk("other")],
            "activity": [work["town"].pk, work["union2"].pk],
        },
    )
    assert response.status_code == 302
    assert Purchase.objects.get(pk=world.pk("other")).status == S.APPROVED
    assert set(Activity.objects.filter(status=S.APPROVED).values_list("pk", flat=True)) == {
        work["town"].pk,
        work["union2"].pk,
    }


def test_batch_approve_respects_four_eyes_all_or_nothing(world, work):
    coordinator = world.users["coordinator"]
    activity_update(work["town"], user=coordinator, title="电商培训（改）")  # now one of its authors
    client = world.client("coordinator")
    queue = client.get(reverse("inbox:queue")).context["rows"]
    assert ("activity", work["town"].pk) not in {(row["kind"], row["obj"].pk) for row in queue}
    response = client.post(
        reverse("inbox:review"),
        {"action": "approve", "purchase": [world.pk("other")], "activity": [work["town"].pk]},
        follow=True,
    )
    assert "本人" in response.content.decode()
    # nothing approved: the other record's approval was undone with the refusal
    assert Purchase.objects.get(pk=world.pk("other")).status == S.SUBMITTED
    assert Activity.objects.get(pk=work["town"].pk).status == S.SUBMITTED


def test_batch_actions_stay_in_scope(world, work):
    client = world.client("lead")  # 市总工会: unions only
    response = client.post(reverse("inbox:review"), {"action": "approve", "activity": [work["town"].pk]})
    assert response.status_code == 404
    response = client.post(reverse("inbox:review"), {"action": "approve", "purchase": [world.pk("other")]})
    assert response.status_code == 404
    assert Activity.objects.get(pk=work["town"].pk).status == S.SUBMITTED


def test_returning_needs_a_reason_and_reaches_the_reporter(world, work):
    client = world.client("lead")
    response = client.post(
        reverse("inbox:review"), {"action": "return", "activity": [work["union2"].pk]}, follow=True
    )
    assert "退回时请填写审核意见" in response.content.decode()
    assert Activity.objects.get(pk=work["union2"].pk).status == S.SUBMITTED
    client.post(
        reverse("inbox:review"),
        {
            "action": "return",
            "activity": [work["union2"].pk],
            "purchase": [world.pk("union2")],
            "comment": "缺佐证",
        },
    )
    assert Activity.objects.get(pk=work["union2"].pk).status == S.RETURNED
    assert Purchase.objects.get(pk=world.pk("union2")).status == S.RETURNED


def test_the_menu_count_costs_two_bounded_queries(world, work, django_assert_num_queries):
    from django.test import RequestFactory

    from bangfu.web.context import navigation

    request = RequestFactory().get("/")
    request.user = world.users["lead"]
    context = navigation(request)
    with django_assert_num_queries(2):
        assert str(context["menu"][1]["count"]) == "3"
    leader = RequestFactory().get("/")
    leader.user = world.users["leader"]
    assert all(item["url"] != reverse("inbox:index") for item in navigation(leader)["menu"])


def test_the_leader_has_no_inbox(world):
    assert world.client("leader").get(reverse("inbox:index")).status_code == 403
    assert world.client("leader").get(reverse("dashboard")).context["inbox"] is None


def test_a_reporter_sees_the_periods_not_yet_reported(world, make_user):
    import time_machine
    from django.test import Client

    from bangfu.notifications.access import unit_periods_for_user

    plan = Plan.objects.get()
    with time_machine.travel(dt.datetime(2022, 6, 3, 9, tzinfo=dt.UTC), tick=False):
        (row,) = unit_periods_for_user(world.users["reporter"], plan, today=dt.date(2022, 6, 3))
        assert row.unit.name == "周巷镇"
        assert [p.month for p in row.missing] == [1, 2, 3, 4] and [p.month for p in row.open] == [5]
        page = world.client("reporter").get(reverse("inbox:index")).content.decode()
        assert (
            "2022年1月、2022年2月、2022年3月、2022年4月" in page and "2022年5月的数据请于6月5日前报送" in page
        )
        # a union under the town reports through it: nothing to report on its own
        union_reporter = make_user("reporter", "周巷镇甲公司工会")
        assert unit_periods_for_user(union_reporter, plan, today=dt.date(2022, 6, 3)) == []
        client = Client()
        client.force_login(union_reporter)
        assert client.get(reverse("inbox:index")).context["inbox"].periods == []
