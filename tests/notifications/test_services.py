"""Reminders end to end: who is reminded (the progress reminders, one per unit, recipient and period),
delivery to a real local SMTP server and a local group-robot endpoint, failures retried with back-off."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import override_settings

from bangfu.notifications.choices import DeliveryChannel as Channel
from bangfu.notifications.choices import DeliveryStatus, Reason
from bangfu.notifications.models import Reminder, UnitContact
from bangfu.notifications.reminders import reminders_build
from bangfu.notifications.selectors import ReminderError, reminder_plan_default, reminders_due
from bangfu.notifications.services import _claim, reminders_prepare, reminders_requeue, reminders_send
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan
from bangfu.progress.calendar import expected_units, reporting_calendar_get
from bangfu.progress.selectors import progress_compute
from tests.support.notifications import SHANGHAI, TODAY, signature_ok
from tests.support.world import org

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2022, 4, 3, 9, 0, tzinfo=SHANGHAI)
SENDER = "慈溪市对口支援办"


def prepare(plan, **kwargs):
    return reminders_prepare(plan, as_of=TODAY, issued=TODAY, sender=SENDER, **kwargs)


def with_email(user, email: str, *, active: bool = True):
    user.email, user.is_active = email, active
    user.save(update_fields=["email", "is_active"])
    return user


@pytest.fixture
def contacts(season, make_user):
    """横河镇 (behind and silent): two accounts with e-mail, one inactive, one without; 周巷镇 (neither
    behind nor silent): an account with e-mail; 观海卫镇 (silent): its own addresses, which replace its
    account's; 龙山镇 (behind and silent): its own signed robot, no e-mail."""
    with_email(make_user("reporter", "横河镇"), "Henghe@CIXI.example")
    with_email(make_user("lead", "横河镇"), "hengheleader@cixi.example")
    with_email(make_user("reporter", "横河镇"), "gone@cixi.example", active=False)
    make_user("reporter", "横河镇")
    with_email(make_user("reporter", "周巷镇"), "zhouxiang@cixi.example")
    with_email(make_user("reporter", "观海卫镇"), "account@cixi.example")
    UnitContact.objects.create(
        unit=org("观海卫镇"), emails="ghw1@cixi.example；ghw2@cixi.example\nGHW1@cixi.example"
    )
    return season


def robot_for_longshan(robot, secret: str = "SECsigning-secret") -> UnitContact:
    return UnitContact.objects.create(
        unit=org("龙山镇（滨海区管委会）"), webhook_url=robot.robot_url(), webhook_secret=secret
    )


def keys(reminders) -> set[tuple[str, str, str, str]]:
    return {(r.unit.name, r.reason, r.channel, r.recipient) for r in reminders}


# --- prepare --------------------------------------------------------------------------------------


def test_prepare_reminds_the_behind_and_the_silent_through_their_contacts(contacts, robot):
    robot_for_longshan(robot)
    result = prepare(contacts)
    assert result.key == "2022-03" and result.as_of == TODAY
    assert keys(result.created) == {
        ("横河镇", Reason.BOTH, Channel.EMAIL, "hengheleader@cixi.example"),
        ("横河镇", Reason.BOTH, Channel.EMAIL, "henghe@cixi.example"),
        ("观海卫镇", Reason.SILENT, Channel.EMAIL, "ghw1@cixi.example"),
        ("观海卫镇", Reason.SILENT, Channel.EMAIL, "ghw2@cixi.example"),
        ("龙山镇（滨海区管委会）", Reason.BOTH, Channel.WEBHOOK, robot.robot_url()),
    }
    assert all(r.status == DeliveryStatus.PENDING and r.attempts == 0 and r.pk for r in result.created)
    reminded = {n.unit.name for n in result.notices}
    assert "周巷镇" not in reminded  # on schedule and reported this period: nothing to remind
    assert {"周巷镇总工会", "匡堰镇", "横河镇", "观海卫镇"} <= reminded
    # Units to remind without any address are named, not silently dropped.
    assert "匡堰镇" in {u.name for u in result.unreachable}
    assert {"横河镇", "观海卫镇", "龙山镇（滨海区管委会）"}.isdisjoint(u.name for u in result.unreachable)
    assert Reminder.objects.count() == 5


def test_the_text_is_the_notice_of_the_reminders_page(contacts):
    result = prepare(contacts)
    calendar = reporting_calendar_get(contacts)
    page = reminders_build(
        contacts,
        progress_compute(contacts, as_of=TODAY),
        as_of=TODAY,
        candidates=expected_units(contacts, calendar),
        children=org_children_map(),
        sender=SENDER,
        issued=TODAY,
    )
    silent = next(r for r in page.silent if r.unit.name == "横河镇").notice
    hengche = next(r for r in result.created if r.unit.name == "横河镇")
    assert (hengche.subject, hengche.body) == (silent.subject, silent.body)
    assert hengche.subject == "关于横河镇报送3月份消费帮扶数据的提醒"
    assert "进度严重滞后" in hengche.body or "进度滞后" in hengche.body  # its figures are in it too
    union = next(n for n in result.notices if n.unit.name == "周巷镇总工会")
    assert union.reason == Reason.BEHIND and union.notice == next(
        r.notice for r in page.behind if r.unit.name == "周巷镇总工会"
    )


def test_preparing_the_period_again_adds_only_what_is_new(contacts):
    first = prepare(contacts)
    again = prepare(contacts)
    assert again.created == [] and again.existing == len(first.created) == 4
    Reminder.objects.filter(unit__name="观海卫镇").update(status=DeliveryStatus.SENT, sent_at=NOW)
    contact = UnitContact.objects.get(unit__name="观海卫镇")
    contact.emails += "\nghw3@cixi.example"
    contact.save()
    third = prepare(contacts)
    assert keys(third.created) == {("观海卫镇", Reason.SILENT, Channel.EMAIL, "ghw3@cixi.example")}
    assert Reminder.objects.filter(unit__name="观海卫镇", status=DeliveryStatus.SENT).count() == 2


def test_the_default_robot_reaches_every_unit_without_its_own(contacts, robot):
    robot_for_longshan(robot)
    default = robot.robot_url("office-robot")
    with override_settings(BANGFU_WEBHOOK_URL=default, BANGFU_WEBHOOK_SECRET="SECoffice"):
        result = prepare(contacts)
    robots = {r.unit.name: r.recipient for r in result.created if r.channel == Channel.WEBHOOK}
    assert set(robots) == {n.unit.name for n in result.notices} and result.unreachable == []
    assert robots["龙山镇（滨海区管委会）"] == robot.robot_url() and robots["横河镇"] == default


def test_a_dry_run_saves_nothing(contacts):
    result = prepare(contacts, dry_run=True)
    assert len(result.created) == 4 and all(r.pk is None for r in result.created)
    assert Reminder.objects.count() == 0


def test_a_period_other_than_the_as_of_dates_is_refused(contacts):
    with pytest.raises(ReminderError, match="不在2022年5月的报送期"):
        prepare(contacts, period="2022-05")
    with pytest.raises(ReminderError, match="格式"):
        prepare(contacts, period="2022/03")
    assert prepare(contacts, period="2022-03").key == "2022-03"


def test_early_january_reminds_for_the_last_year(db):
    Plan.objects.create(year=2022, title="2022年表")
    Plan.objects.create(year=2023, title="2023年表")
    assert reminder_plan_default(dt.date(2023, 1, 1)).year == 2022  # December's data due 5 January
    assert reminder_plan_default(dt.date(2023, 1, 5)).year == 2022
    assert reminder_plan_default(dt.date(2023, 1, 6)).year == 2023
    assert reminder_plan_default(dt.date(2022, 11, 1)).year == 2023  # the latest otherwise


# --- send: e-mail ---------------------------------------------------------------------------------


def test_email_goes_through_smtp_with_chinese_intact(contacts, smtp_server):
    prepare(contacts)
    result = reminders_send(now=NOW)
    assert len(result.sent) == 4 and result.retrying == result.failed == []
    by_recipient = {tuple(e.rcpt_tos): e for e in smtp_server.envelopes}
    assert set(by_recipient) == {
        ("hengheleader@cixi.example",),
        ("henghe@cixi.example",),
        ("ghw1@cixi.example",),
        ("ghw2@cixi.example",),
    }
    assert all(e.mail_from == "bangfu@cixi.example" for e in smtp_server.envelopes)
    message = next(m for m in smtp_server.messages if m["To"] == "hengheleader@cixi.example")
    reminder = Reminder.objects.get(recipient="hengheleader@cixi.example")
    # Django folds the long encoded subject onto the next line; the parser keeps the folding space.
    assert message["Subject"].strip() == "关于横河镇报送3月份消费帮扶数据的提醒" == reminder.subject
    assert message["From"] == "慈溪市对口支援办 <bangfu@cixi.example>"
    assert message["X-Bangfu-Reminder"] == str(reminder.pk)
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content().replace("\r\n", "\n")
    assert body.rstrip("\n") == reminder.body
    assert body.startswith("横河镇：\n") and "慈溪市对口支援办" in body and "2022年4月3日" in body
    assert reminder.status == DeliveryStatus.SENT and reminder.sent_at == NOW and reminder.attempts == 1
    # Sending again delivers nothing twice.
    assert reminders_send(now=NOW + dt.timedelta(hours=1)).attempted == []
    assert len(smtp_server.envelopes) == 4


def test_an_unreachable_mail_server_does_not_stop_the_robot(contacts, smtp_down, robot, caplog):
    robot_for_longshan(robot)
    prepare(contacts)
    with caplog.at_level(logging.WARNING, logger="bangfu.notifications"):
        result = reminders_send(now=NOW)
    assert [r.channel for r in result.sent] == [Channel.WEBHOOK] and len(robot.calls) == 1
    assert len(result.retrying) == 4 and result.failed == []
    failed = Reminder.objects.filter(channel=Channel.EMAIL)
    assert all(r.status == DeliveryStatus.PENDING and r.attempts == 1 for r in failed)
    assert all("邮件发送失败（127.0.0.1:" in r.last_error for r in failed)
    assert all(r.next_attempt_at == NOW + dt.timedelta(minutes=15) for r in failed)
    assert "催报提醒发送失败（第1次" in caplog.text and "观海卫镇" in caplog.text


# --- send: the group robot ------------------------------------------------------------------------


def test_the_robot_receives_the_signed_text(contacts, robot):
    robot_for_longshan(robot, secret="SECabc+/=")
    prepare(contacts)
    before = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    result = reminders_send(now=NOW)
    reminder = Reminder.objects.get(channel=Channel.WEBHOOK)
    assert result.sent and reminder.status == DeliveryStatus.SENT
    (call,) = robot.calls
    assert call.path == "/robot/send" and call.query["access_token"] == ["tok-0123456789"]
    assert call.content_type.startswith("application/json")
    assert call.body == {"msgtype": "text", "text": {"content": f"{reminder.subject}\n\n{reminder.body}"}}
    assert "龙山镇（滨海区管委会）：" in call.body["text"]["content"]
    assert signature_ok(call, "SECabc+/=") and not signature_ok(call, "SECother")
    assert int(call.query["timestamp"][0]) >= before  # the real time: robots refuse stale signatures


def test_a_failing_robot_is_retried_with_backoff_until_it_succeeds(contacts, robot, caplog):
    robot_for_longshan(robot)
    prepare(contacts)
    robot.script.extend(
        [(500, {"message": "busy"}), (200, {"errcode": 310000, "errmsg": "sign not match"}), "hang"]
    )
    reminder = Reminder.objects.get(channel=Channel.WEBHOOK)
    history = []
    with override_settings(BANGFU_WEBHOOK_TIMEOUT=0.5), caplog.at_level(logging.WARNING):
        for minutes in (0, 1, 15, 44, 45, 104, 105):
            reminders_send(now=NOW + dt.timedelta(minutes=minutes))
            reminder.refresh_from_db()
            history.append((minutes, len(robot.calls), reminder.status, reminder.attempts))
            if minutes in (0, 15, 45):
                assert reminder.status == DeliveryStatus.PENDING and reminder.retrying
                errors = {0: "HTTP 500", 15: "errcode=310000 sign not match", 45: "超时 0.5 秒"}
                assert errors[minutes] in reminder.last_error and errors[minutes] in caplog.text
                assert "tok-0123456789" not in reminder.last_error + caplog.text
    assert history == [
        (0, 1, "pending", 1),  # HTTP 500 → retry in 15 minutes
        (1, 1, "pending", 1),  # not due yet: nothing sent
        (15, 2, "pending", 2),  # errcode ≠ 0 → retry in 30 minutes
        (44, 2, "pending", 2),
        (45, 3, "pending", 3),  # no answer → retry in 60 minutes
        (104, 3, "pending", 3),
        (105, 4, "sent", 4),
    ]
    assert reminder.sent_at == NOW + dt.timedelta(minutes=105) and reminder.next_attempt_at is None


def test_after_max_attempts_it_is_failed_until_requeued(contacts, robot):
    robot_for_longshan(robot)
    prepare(contacts)
    robot.script.extend([(502, {})] * 3)
    now = NOW
    for _ in range(3):
        result = reminders_send(now=now, max_attempts=3)
        now += dt.timedelta(hours=2)
    assert [r.status for r in result.failed] == [DeliveryStatus.FAILED]
    reminder = Reminder.objects.get(channel=Channel.WEBHOOK)
    assert (reminder.status, reminder.attempts, reminder.next_attempt_at) == ("failed", 3, None)
    assert "HTTP 502" in reminder.last_error
    assert reminders_send(now=now + dt.timedelta(days=1)).attempted == [] and len(robot.calls) == 3
    assert reminders_requeue(Reminder.objects.all(), now=now) == 1  # only the failed one
    assert reminders_send(now=now).sent[0].pk == reminder.pk and len(robot.calls) == 4


def test_a_robot_no_longer_configured_is_not_posted_to(contacts, robot):
    contact = robot_for_longshan(robot)
    prepare(contacts)
    contact.webhook_url = robot.robot_url("new-token")
    contact.save()
    result = reminders_send(now=NOW)
    assert "已不在单位联系方式或系统设置中" in result.retrying[0].last_error and robot.calls == []


def test_a_reminder_taken_by_another_run_is_skipped(contacts):
    prepare(contacts)
    mine = reminders_due(NOW).first()
    stale = Reminder.objects.get(pk=mine.pk)
    assert _claim(mine, NOW)
    assert not _claim(stale, NOW)  # another run holding the same row sees it taken
    assert mine.pk not in {r.pk for r in reminders_due(NOW)}
    assert mine.pk in {r.pk for r in reminders_due(NOW + dt.timedelta(minutes=11))}  # claim expired


def test_the_robot_address_is_shown_without_its_token(contacts, robot):
    robot_for_longshan(robot)
    prepare(contacts)
    reminder = Reminder.objects.get(channel=Channel.WEBHOOK)
    assert reminder.recipient_display.endswith("/robot/send?access_token=tok-…")
    assert "0123456789" not in str(reminder)
