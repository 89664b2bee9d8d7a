"""The admin pages: unit contacts with a secret that is never shown again, the read-only delivery log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bangfu.notifications.models import Reminder, UnitContact
from bangfu.plans.models import Plan
from tests.support.world import org

pytestmark = pytest.mark.django_db
ROBOT = "http://dtgw/robot/send?access_token=0123456789"


def test_a_contact_keeps_its_secret_unless_changed_or_cleared(admin_client, cixi_orgs):
    unit = org("横河镇")
    add = reverse("admin:notifications_unitcontact_add")
    form = {"unit": unit.pk, "emails": "a@cixi.example；b@cixi.example", "webhook_url": ROBOT}
    response = admin_client.post(add, {**form, "webhook_secret": "SECfirst"})
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = UnitContact.objects.get(unit=unit)
    assert contact.email_list == ["a@cixi.example", "b@cixi.example"] and contact.webhook_secret == "SECfirst"
    change = reverse("admin:notifications_unitcontact_change", args=[contact.pk])
    page = admin_client.get(change).content.decode()
    assert "SECfirst" not in page
    admin_client.post(change, {**form, "webhook_secret": ""})
    assert UnitContact.objects.get(pk=contact.pk).webhook_secret == "SECfirst"
    admin_client.post(change, {**form, "webhook_secret": "", "clear_secret": "on"})
    assert UnitContact.objects.get(pk=contact.pk).webhook_secret == ""
    listing = admin_client.get(reverse("admin:notifications_unitcontact_changelist")).content.decode()
    assert "access_token=0123…" in listing and "0123456789" not in listing


def test_a_contact_with_bad_addresses_is_refused(admin_client, cixi_orgs):
    response = admin_client.post(
        reverse("admin:notifications_unitcontact_add"),
        {"unit": org("横河镇").pk, "emails": "a@cixi.example, not-an-address", "webhook_url": "ftp://x"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not-an-address" in str(errors["emails"]) and "webhook_url" in errors
    assert not UnitContact.objects.exists()


def test_the_delivery_log_is_read_only_and_failed_ones_can_be_requeued(admin_client, cixi_orgs):
    plan = Plan.objects.create(year=2022, title="2022年表")
    common = {"plan": plan, "period": "2022-03", "as_of": dt.date(2022, 4, 3), "unit": org("横河镇")}
    failed = Reminder.objects.create(
        **common, reason="silent", channel="webhook", recipient=ROBOT, subject="提醒", body="正文",
        status="failed", attempts=5, last_error="HTTP 500",
    )  # fmt: skip
    Reminder.objects.create(
        **common, reason="silent", channel="email", recipient="a@cixi.example", subject="提醒", body="正文",
        status="sent", attempts=1, sent_at=dt.datetime(2022, 4, 3, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    changelist = reverse("admin:notifications_reminder_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "横河镇" in page and "0123456789" not in page and "HTTP 500" in page
    assert admin_client.get(reverse("admin:notifications_reminder_add")).status_code == 403
    detail = admin_client.get(reverse("admin:notifications_reminder_change", args=[failed.pk]))
    assert detail.status_code == 200 and "0123456789" not in detail.content.decode()
    everything = list(Reminder.objects.values_list("pk", flat=True))
    admin_client.post(changelist, {"action": "requeue", "_selected_action": everything})
    assert sorted(Reminder.objects.values_list("status", "attempts")) == [("pending", 0), ("sent", 1)]
