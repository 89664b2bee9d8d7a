"""Unit contacts in the web: the office edits any unit's, a reporter their own unit's only; phone and
e-mail addresses are validated; reminders then reach the unit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bangfu.notifications.models import UnitContact
from bangfu.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unit(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


GOOD = {
    "person": "张三",
    "phone": "0574-63012345",
    "emails": "a@cixi.gov.cn；B@cixi.gov.cn",
    "webhook_url": "",
}


def test_a_reporter_edits_their_own_units_contact_only(cixi_orgs, make_user):
    client = client_for(make_user("reporter", "周巷镇"))
    assert client.get(reverse("contacts:list"))["Location"] == reverse(
        "contacts:edit", args=[unit("周巷镇").pk]
    )
    response = client.post(reverse("contacts:edit", args=[unit("周巷镇").pk]), GOOD)
    assert response.status_code == 302
    contact = UnitContact.objects.get(unit__name="周巷镇")
    assert (contact.person, contact.phone, contact.email_list) == (
        "张三",
        "0574-63012345",
        ["a@cixi.gov.cn", "b@cixi.gov.cn"],
    )
    # another town's: not found, nothing saved
    other = client.post(reverse("contacts:edit", args=[unit("横河镇").pk]), GOOD)
    assert other.status_code == 404 and not UnitContact.objects.filter(unit__name="横河镇").exists()


def test_bad_phone_and_email_are_refused_with_one_message_each(cixi_orgs, make_user):
    client = client_for(make_user("coordinator"))
    response = client.post(
        reverse("contacts:edit", args=[unit("横河镇").pk]),
        {**GOOD, "phone": "12345", "emails": "not-an-address"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "联系电话格式不正确" in page and "电子邮箱格式不正确：not-an-address" in page
    assert not UnitContact.objects.exists()
    assert (
        client.post(
            reverse("contacts:edit", args=[unit("横河镇").pk]), {**GOOD, "phone": "13805741234"}
        ).status_code
        == 302
    )


def test_the_signing_secret_is_kept_when_left_blank_and_never_shown(cixi_orgs, make_user):
    client = client_for(make_user("coordinator"))
    url = reverse("contacts:edit", args=[unit("横河镇").pk])
    robot = {**GOOD, "webhook_url": "http://dtgw/robot/send?access_token=abc", "webhook_secret": "SECxyz"}
    client.post(url, robot)
    client.post(url, {**robot, "webhook_secret": ""})
    assert UnitContact.objects.get().webhook_secret == "SECxyz"
    assert "SECxyz" not in client.get(url).content.decode()
    client.post(url, {**robot, "webhook_url": "", "webhook_secret": ""})
    assert UnitContact.objects.get().webhook_secret == ""


def test_the_office_sees_units_without_a_contact_and_the_leader_is_refused(cixi_orgs, make_user):
    UnitContact.objects.create(unit=unit("周巷镇"), emails="zx@cixi.gov.cn")
    response = client_for(make_user("coordinator")).get(reverse("contacts:list"))
    rows = response.context["rows"]
    assert ("周巷镇", True) in {(u.name, c is not None) for u, c in rows}
    assert client_for(make_user("leader")).get(reverse("contacts:list")).status_code == 403
