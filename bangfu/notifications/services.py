"""Writes for reminders (催报提醒): prepare a period's reminders, deliver the due ones, requeue failures.

Who is behind or silent and the text of each notice come from :mod:`bangfu.notifications.reminders` and
:mod:`bangfu.notifications.notices` — the very text the reminders page shows. This module only decides the
recipients, stores one reminder per (unit, period, channel, recipient) and delivers it:

- e-mail through Django's mail (``EMAIL_*`` settings), the notice as UTF-8 plain text;
- a DingTalk/浙政钉 group robot through :mod:`.webhook` (the unit's own robot or ``BANGFU_WEBHOOK_URL``).

A failed delivery stays pending and is retried with exponential back-off (15, 30, 60, 120 minutes …)
until ``max_attempts``, then it is marked failed. One failure never stops the batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan
from bangfu.progress.calendar import expected_units, reporting_calendar_get
from bangfu.progress.calendar_periods import Period
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import progress_rules_ensure

from .choices import DeliveryChannel, DeliveryStatus, Reason
from .models import Reminder, UnitContact, split_emails
from .notices import Notice
from .reminders import reminders_build
from .selectors import (
    due_filter,
    period_key,
    reminder_period_resolve,
    reminders_due,
    unit_recipients,
    webhook_secrets,
)
from .webhook import WebhookError, webhook_post

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=15)
# A reminder being delivered is claimed for this long, so that an overlapping run skips it.
CLAIM = dt.timedelta(minutes=10)


# --- prepare --------------------------------------------------------------------------------------


@dataclass
class UnitNotice:
    unit: Organisation
    reason: str
    notice: Notice


@dataclass
class PrepareResult:
    plan: Plan
    as_of: dt.date
    period: Period
    notices: list[UnitNotice] = field(default_factory=list)  # every unit to remind
    created: list[Reminder] = field(default_factory=list)  # unsaved when ``dry_run``
    existing: int = 0  # reminders of the period already there (not created again)
    unreachable: list[Organisation] = field(default_factory=list)  # no e-mail address and no robot

    @property
    def key(self) -> str:
        return period_key(self.period)

    def count(self, reason: str) -> int:
        return sum(1 for n in self.notices if n.reason in (reason, Reason.BOTH))


def _unit_notices(plan: Plan, *, as_of: dt.date, sender: str, issued: dt.date) -> list[UnitNotice]:
    """The progress reminders (behind the time progress, or silent in the current period) of every unit,
    one notice per unit: a unit both silent and behind gets the silent notice, which also lists its
    figures and their status (滞后/严重滞后)."""
    calendar = reporting_calendar_get(plan)
    report = progress_compute(plan, as_of=as_of)
    found = reminders_build(
        plan,
        report,
        as_of=as_of,
        candidates=expected_units(plan, calendar),
        children=org_children_map(),
        sender=sender,
        issued=issued,
        calendar=calendar,
    )
    behind = {r.unit.pk for r in found.behind}
    notices = {r.unit.pk: UnitNotice(r.unit, Reason.BEHIND, r.notice) for r in found.behind}
    for r in found.silent:
        notices[r.unit.pk] = UnitNotice(
            r.unit, Reason.BOTH if r.unit.pk in behind else Reason.SILENT, r.notice
        )
    return sorted(notices.values(), key=lambda n: n.unit.name)


def reminders_prepare(
    plan: Plan,
    *,
    as_of: dt.date,
    period: str | None = None,
    created_by: Any = None,
    sender: str | None = None,
    issued: dt.date | None = None,
    dry_run: bool = False,
) -> PrepareResult:
    """Create the pending reminders of the reporting period that holds ``as_of`` (``period``, when
    given, must be that period): one per unit behind schedule or silent, channel and recipient. What
    the period already has is left alone. With ``dry_run`` nothing is saved (``created`` unsaved)."""
    as_of, found = reminder_period_resolve(plan, as_of=as_of, period=period, today=as_of)
    result = PrepareResult(plan=plan, as_of=as_of, period=found)
    key = result.key
    if not dry_run:
        progress_rules_ensure(plan)  # as `bangfu progress` does; a dry run computes with unsaved defaults
    result.notices = _unit_notices(
        plan,
        as_of=as_of,
        sender=sender or settings.BANGFU_REMINDER_SENDER,
        issued=issued or timezone.localdate(),
    )
    recipients = unit_recipients(n.unit.pk for n in result.notices)
    existing = set(
        Reminder.objects.filter(period=key, unit_id__in=[n.unit.pk for n in result.notices]).values_list(
            "unit_id", "channel", "recipient"
        )
    )
    wanted: list[Reminder] = []
    for item in result.notices:
        pairs = recipients.get(item.unit.pk)
        if pairs is None:
            result.unreachable.append(item.unit)
            continue
        for channel, recipient in pairs.pairs():
            if (item.unit.pk, channel, recipient) in existing:
                result.existing += 1
                continue
            wanted.append(
                Reminder(
                    plan=plan,
                    period=key,
                    as_of=as_of,
                    unit=item.unit,
                    reason=item.reason,
                    channel=channel,
                    recipient=recipient,
                    subject=item.notice.subject,
                    body=item.notice.body,
                    created_by=created_by,
                )
            )
    if dry_run:
        result.created = wanted
        return result
    with transaction.atomic():
        for reminder in wanted:
            # get_or_create: a run preparing the same period at the same moment cannot add a duplicate.
            saved, created = Reminder.objects.get_or_create(
                unit=reminder.unit,
                period=key,
                channel=reminder.channel,
                recipient=reminder.recipient,
                defaults={
                    name: getattr(reminder, name)
                    for name in ("plan", "as_of", "reason", "subject", "body", "created_by")
                },
            )
            if created:
                result.created.append(saved)
            else:
                result.existing += 1
    for reminder in result.created:
        logger.info("催报提醒已生成：%s", reminder)
    return result


# --- send -----------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: list[Reminder] = field(default_factory=list)
    retrying: list[Reminder] = field(default_factory=list)  # failed this time, will be retried
    failed: list[Reminder] = field(default_factory=list)  # failed for the last time (given up)
    skipped: int = 0  # being delivered by another run

    @property
    def attempted(self) -> list[Reminder]:
        return [*self.sent, *self.retrying, *self.failed]


def _claim(reminder: Reminder, now: dt.datetime) -> bool:
    """Take the reminder for delivery unless another run has just taken it (or changed it)."""
    taken = (
        Reminder.objects.filter(pk=reminder.pk, status=DeliveryStatus.PENDING, attempts=reminder.attempts)
        .filter(due_filter(now))
        .update(next_attempt_at=now + CLAIM)
    )
    return taken == 1


def _error_text(exc: Exception) -> str:
    if isinstance(exc, WebhookError):
        return str(exc)
    if isinstance(exc, smtplib.SMTPException | OSError):
        server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        return f"邮件发送失败（{server}）：{type(exc).__name__}: {exc}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


class _Delivery:
    """The connections of one batch: one SMTP connection for all e-mails, one HTTP session for robots."""

    def __init__(self, secrets: dict[tuple[int, str], str]) -> None:
        self.secrets = secrets
        self.mail: Any = None  # opened with the first e-mail (a bad mail setting fails e-mails only)
        self.http = requests.Session()

    def send(self, reminder: Reminder) -> None:
        if reminder.channel == DeliveryChannel.EMAIL:
            if self.mail is None:
                self.mail = get_connection()
            EmailMessage(
                subject=reminder.subject,
                body=reminder.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[reminder.recipient],
                headers={"X-Bangfu-Reminder": str(reminder.pk)},
                connection=self.mail,
            ).send()
            return
        webhook_post(
            reminder.recipient,
            content=Notice(reminder.subject, reminder.body).text,
            secret=self._secret(reminder),
            # The signature must carry the real time (robots refuse one more than an hour off).
            timestamp_ms=int(timezone.now().timestamp() * 1000),
            timeout=settings.BANGFU_WEBHOOK_TIMEOUT,
            session=self.http,
        )

    def _secret(self, reminder: Reminder) -> str:
        own = self.secrets.get((reminder.unit_id, reminder.recipient))
        if own is not None:
            return own
        if reminder.recipient == settings.BANGFU_WEBHOOK_URL:
            return settings.BANGFU_WEBHOOK_SECRET
        raise WebhookError("该群机器人地址已不在单位联系方式或系统设置中，未发送。")

    def reset_mail(self) -> None:
        """Drop the SMTP connection after a failure: the next e-mail opens a fresh one."""
        if self.mail is None:
            return
        try:
            self.mail.close()
        except Exception:  # a broken connection may fail to close; it is discarded either way
            logger.debug("SMTP connection close failed", exc_info=True)
        self.mail = None

    def close(self) -> None:
        self.reset_mail()
        self.http.close()


def _record_success(reminder: Reminder, now: dt.datetime) -> None:
    reminder.status = DeliveryStatus.SENT
    reminder.attempts += 1
    reminder.sent_at = now
    reminder.next_attempt_at = None
    reminder.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at", "updated_at"])


def reminder_record_delivered(reminder: Reminder, *, at: dt.datetime) -> Reminder:
    """Record a reminder as delivered outside the system at ``at`` (handed over by phone or in person;
    the demo's reminders, which send nothing)."""
    _record_success(reminder, at)
    return reminder


def _record_failure(
    reminder: Reminder, error: str, now: dt.datetime, *, max_attempts: int, backoff: dt.timedelta
) -> bool:
    """Log the failure; schedule the retry, or give up after ``max_attempts``. True when given up."""
    reminder.attempts += 1
    reminder.last_error = error
    given_up = reminder.attempts >= max_attempts
    if given_up:
        reminder.status = DeliveryStatus.FAILED
        reminder.next_attempt_at = None
    else:
        reminder.next_attempt_at = now + backoff * 2 ** (reminder.attempts - 1)
    reminder.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
    logger.warning(
        "催报提醒发送失败（第%d次%s）：%s → %s：%s",
        reminder.attempts,
        "，不再重试" if given_up else f"，{timezone.localtime(reminder.next_attempt_at):%m-%d %H:%M}重试",
        reminder.unit.name,
        reminder.recipient_display,
        error,
    )
    return given_up


def reminders_send(
    *, now: dt.datetime, max_attempts: int = MAX_ATTEMPTS, backoff: dt.timedelta = BACKOFF
) -> SendResult:
    """Deliver every reminder due at ``now`` (new ones and retries). Each delivery is recorded on its
    own: sent, or failed with the error and a retry time (``backoff`` × 2^(attempts−1)), or failed for
    good after ``max_attempts``. Never raises because of one delivery."""
    result = SendResult()
    due = list(reminders_due(now))
    if not due:
        return result
    delivery = _Delivery(webhook_secrets({r.unit_id for r in due if r.channel == DeliveryChannel.WEBHOOK}))
    try:
        for reminder in due:
            if not _claim(reminder, now):
                result.skipped += 1
                continue
            try:
                delivery.send(reminder)
            except Exception as exc:  # any failure of one delivery is recorded; the batch goes on
                if not isinstance(exc, WebhookError | smtplib.SMTPException | OSError):
                    logger.exception("催报提醒发送出错：%s", reminder)
                if reminder.channel == DeliveryChannel.EMAIL:
                    delivery.reset_mail()
                error = _error_text(exc)
                if _record_failure(reminder, error, now, max_attempts=max_attempts, backoff=backoff):
                    result.failed.append(reminder)
                else:
                    result.retrying.append(reminder)
            else:
                _record_success(reminder, now)
                result.sent.append(reminder)
    finally:
        delivery.close()
    return result


def reminders_requeue(reminders: QuerySet[Reminder], *, now: dt.datetime) -> int:
    """Send failed reminders again (e.g. after the mail server was fixed): back to pending, due now,
    with a fresh count of attempts. Sent reminders are never sent again."""
    return reminders.filter(status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, updated_at=now
    )


# --- unit contacts -------------------------------------------------------------------------------

#: A contact's fields a user may set (the signing secret is kept when left blank).
CONTACT_FIELDS = ("person", "phone", "emails", "webhook_url", "webhook_secret")


@transaction.atomic
def unit_contact_set(*, unit: Organisation, keep_secret: bool = True, **fields: str) -> UnitContact:
    """Set where a unit's reminders go (validated: phone, e-mail addresses, robot address). A blank
    signing secret keeps the stored one unless ``keep_secret`` is false or the robot address is cleared.
    Which units a user may set is ``notifications.access.contact_units_for_user``."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    contact = UnitContact.objects.filter(unit=unit).first() or UnitContact(unit=unit)
    for name, value in fields.items():
        value = (value or "").strip()
        if name == "webhook_secret" and not value and keep_secret:
            continue
        if name == "emails":
            value = "\n".join(split_emails(value))
        setattr(contact, name, value)
    if not contact.webhook_url:
        contact.webhook_secret = ""
    contact.full_clean()
    contact.save()
    return contact
