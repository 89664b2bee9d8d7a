"""The reminder history: the office sees every reminder, a lead reviewer those of its scope; each with
its text and delivery error, robots' tokens hidden; the office prepares, sends and retries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.notifications.choices import DeliveryChannel as Channel
from bangfu.notifications.choices import DeliveryStatus, Reason
from bangfu.notifications.models import Reminder, UnitContact
from bangfu.notifications.selectors import ReminderError
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from tests.support.world import org

pytestmark = pytest.mark.django_db

URL = reverse("reminders:history")
TOKEN = "tok-supersecret-123456"
SECRET = "SECsigning-secret-987"


def remind(
    plan,
    unit,
    *,
    period="2022-03",
    channel=Channel.EMAIL,
    recipient="",
    status=DeliveryStatus.PENDING,
    **extra,
):
    recipient = recipient or f"{unit.pk}@cixi.example"
    fields = {"sent_at": timezone.now()} if status == DeliveryStatus.SENT else {}
    return Reminder.objects.create(
        plan=plan,
        period=period,
        as_of=dt.date(2022, 4, 3),
        unit=unit,
        reason=Reason.BEHIND,
        channel=channel,
        recipient=recipient,
        subject=f"关于{unit.name}消费帮扶进度的提醒",
        body=f"{unit.name}：请于4月5日前报送。<b>加粗</b>",
        status=status,
        **fields,
        **extra,
    )


@pytest.fixture
def history(plan, robot):
    """周巷镇: an e-mail sent in February and one failed in March; its union: a pending one; 横河镇: a
    robot reminder (its address carries the token, its contact a signing secret) that failed."""
    zhouxiang, henghe = org("周巷镇"), org("横河镇")
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=zhouxiang)
    robot_url = robot.robot_url(TOKEN)  # a local endpoint started by the test
    UnitContact.objects.create(unit=henghe, webhook_url=robot_url, webhook_secret=SECRET)
    return {
        "sent": remind(plan, zhouxiang, period="2022-02", status=DeliveryStatus.SENT, attempts=1),
        "failed": remind(
            plan,
            zhouxiang,
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_error="邮件发送失败：Connection refused",
        ),
        "pending": remind(plan, union),
        "robot": remind(
            plan,
            henghe,
            channel=Channel.WEBHOOK,
            recipient=robot_url,
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_error="群机器人拒收：errcode=310000 sign not match",
        ),
    }


def listed(response) -> set[int]:
    return {r.pk for r in response.context["page"]}


# --- the history ----------------------------------------------------------------------------------


def test_the_office_sees_every_reminder_with_its_text_and_error(
    login, history, django_assert_max_num_queries
):
    client = login("coordinator")
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert response.status_code == 200
    assert listed(response) == {r.pk for r in history.values()}
    html = response.content.decode()
    assert "关于周巷镇消费帮扶进度的提醒" in html and "请于4月5日前报送。&lt;b&gt;加粗&lt;/b&gt;" in html
    assert "邮件发送失败：Connection refused" in html and "sign not match" in html
    assert "生成本期提醒" in html and "重发失败的提醒" in html
    counts = {code: n for code, _label, n in response.context["counts"]}
    assert counts == {"pending": 1, "sent": 1, "failed": 2}


def test_the_query_count_does_not_grow_with_reminders(login, history, django_assert_max_num_queries):
    for n in range(30):
        remind(history["sent"].plan, org("周巷镇"), recipient=f"r{n}@cixi.example")
    client = login("coordinator")
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert len(response.context["page"]) == 34


def test_robot_tokens_and_signing_secrets_are_never_shown(login, history):
    client = login("coordinator")
    for url in (URL, reverse("reminders:detail", args=[history["robot"].pk])):
        html = client.get(url).content.decode()
        assert TOKEN not in html and SECRET not in html
        assert "access_token=tok-…" in html


def test_a_lead_reviewer_sees_the_reminders_of_its_scope(login, history):
    client = login("lead", "周巷镇")
    response = client.get(URL)
    assert response.status_code == 200
    assert listed(response) == {history["sent"].pk, history["failed"].pk, history["pending"].pk}
    html = response.content.decode()
    assert "横河镇" not in html and "生成本期提醒" not in html
    assert client.get(reverse("reminders:detail", args=[history["failed"].pk])).status_code == 200
    assert client.get(reverse("reminders:detail", args=[history["robot"].pk])).status_code == 404
    # Filtering by another unit's id shows nothing of it.
    response = client.get(f"{URL}?unit={org('横河镇').pk}")
    assert history["robot"].pk not in listed(response)


@pytest.mark.parametrize(("role", "unit"), [("reporter", "周巷镇"), ("leader", None)])
def test_reporters_and_the_leadership_are_refused(login, history, role, unit):
    client = login(role, unit)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("reminders:detail", args=[history["sent"].pk])).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", {"failed", "robot"}),
        ("status=sent", {"sent"}),
        ("channel=webhook", {"robot"}),
        ("period=2022-02", {"sent"}),
        ("period=2022-03&channel=email", {"failed", "pending"}),
        ("status=nonsense", {"sent", "failed", "pending", "robot"}),
    ],
)
def test_filters(login, history, query, expected):
    response = login("coordinator").get(f"{URL}?year=2022&{query}")
    assert listed(response) == {history[name].pk for name in expected}


def test_filter_by_unit_and_htmx_gets_only_the_list(login, history):
    response = login("coordinator").get(f"{URL}?unit={org('横河镇').pk}", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list">') and "<html" not in html
    assert f'id="reminder-{history["robot"].pk}"' in html and html.count('id="reminder-') == 1


def test_the_detail_page_shows_the_body_and_the_error(login, history):
    response = login("coordinator").get(reverse("reminders:detail", args=[history["failed"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Connection refused" in html and "请于4月5日前报送" in html and "重新发送" in html
    assert login("coordinator").get(reverse("reminders:detail", args=[999_999])).status_code == 404


# --- the office's actions -------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "unit"), [("lead", "周巷镇"), ("reporter", "周巷镇"), ("leader", None)])
def test_only_the_office_acts(login, history, role, unit):
    client = login(role, unit)
    before = list(Reminder.objects.values_list("pk", "status", "attempts"))
    assert (
        client.post(reverse("reminders:prepare"), {"year": "2022", "as_of": "2022-04-03"}).status_code == 403
    )
    assert client.post(reverse("reminders:send")).status_code == 403
    assert client.post(reverse("reminders:retry"), {"year": "2022"}).status_code == 403
    assert list(Reminder.objects.values_list("pk", "status", "attempts")) == before


def test_the_office_prepares_the_periods_reminders(login, season, make_user):
    henghe = make_user("reporter", "横河镇")
    henghe.email = "henghe@cixi.example"
    henghe.save(update_fields=["email"])
    client = login("coordinator")
    response = client.post(reverse("reminders:prepare"), {"year": "2022", "as_of": "2022-04-03"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?year=2022&period=2022-03"
    created = Reminder.objects.get()
    assert (created.unit, created.recipient, created.period) == (
        org("横河镇"),
        "henghe@cixi.example",
        "2022-03",
    )
    assert created.status == DeliveryStatus.PENDING and created.created_by is not None
    html = response.content.decode()
    assert "新生成提醒 1 条" in html and "没有电子邮箱或群机器人" in html
    again = client.post(reverse("reminders:prepare"), {"year": "2022", "as_of": "2022-04-03"}, follow=True)
    assert "新生成提醒 0 条，此前已生成 1 条" in again.content.decode() and Reminder.objects.count() == 1


def test_a_refused_preparation_says_why(login, season, monkeypatch):
    client = login("coordinator")
    bad = client.post(reverse("reminders:prepare"), {"year": "2022", "as_of": "2023-01-02"}, follow=True)
    assert "2022年内" in bad.content.decode()

    def refuse(*args, **kwargs):
        raise ReminderError("截至日期 2022-04-03 不在2022年3月的报送期内。")

    monkeypatch.setattr("bangfu.web.views.reminders.reminders_prepare", refuse)
    response = client.post(reverse("reminders:prepare"), {"year": "2022", "as_of": "2022-04-03"}, follow=True)
    assert "不在2022年3月的报送期内" in response.content.decode() and not Reminder.objects.exists()


def test_the_office_sends_the_due_reminders(login, history, smtp_server):
    response = login("coordinator").post(reverse("reminders:send"), {"year": "2022"}, follow=True)
    history["pending"].refresh_from_db()
    assert history["pending"].status == DeliveryStatus.SENT and history["pending"].attempts == 1
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[history["pending"].recipient]]
    assert "成功 1 条" in response.content.decode()
    history["failed"].refresh_from_db()
    assert history["failed"].status == DeliveryStatus.FAILED  # failed ones wait for a retry


def test_the_office_retries_one_failed_reminder(login, history, smtp_server):
    failed = history["failed"]
    response = login("coordinator").post(
        reverse("reminders:retry"), {"year": "2022", "reminder": failed.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reminders:detail", args=[failed.pk])
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT and failed.attempts == 1
    history["robot"].refresh_from_db()
    assert history["robot"].status == DeliveryStatus.FAILED  # only the one asked for was requeued
    history["sent"].refresh_from_db()
    assert history["sent"].attempts == 1  # sent reminders are never sent again


def test_retrying_every_failed_reminder_records_new_failures(login, history, robot, smtp_down):
    robot.script.append((200, {"errcode": 310000, "errmsg": f"sign not match {TOKEN}"}))
    response = login("coordinator").post(reverse("reminders:retry"), {"year": "2022"}, follow=True)
    html = response.content.decode()
    assert "已将 2 条发送失败的提醒重新排队" in html and "待重试 3 条" in html  # with the pending one
    failed = Reminder.objects.get(pk=history["failed"].pk)
    assert failed.status == DeliveryStatus.PENDING and failed.attempts == 1 and failed.next_attempt_at
    assert "邮件发送失败" in failed.last_error
    robot_reminder = Reminder.objects.get(pk=history["robot"].pk)
    assert robot_reminder.attempts == 1 and "sign not match" in robot_reminder.last_error
    assert len(robot.calls) == 1 and robot.calls[0].query["access_token"] == [TOKEN]
    page = login("coordinator").get(URL).content.decode()
    # The robot quoted its token in the refusal: the pages still hide it.
    assert TOKEN not in html and TOKEN not in page and "待重试" in page
    detail = login("coordinator").get(reverse("reminders:detail", args=[robot_reminder.pk]))
    assert TOKEN not in detail.content.decode() and "sign not match tok-…" in detail.content.decode()
