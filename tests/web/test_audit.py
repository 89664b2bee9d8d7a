from __future__ import annotations

import pytest
from django.urls import reverse

from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_rename

pytestmark = pytest.mark.django_db


def test_audit_trail_shows_who_changed_what(client, cixi_orgs, make_user, django_assert_max_num_queries):
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    org = Organisation.objects.get(name="市卫生健康局")
    # Changes made through a request are attributed to the signed-in user.
    from auditlog.context import set_actor

    with set_actor(coordinator):
        org_rename(org, new_name="市卫健局")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:list"), {"object": "市卫健局"})
    html = response.content.decode()
    assert response.status_code == 200
    assert coordinator.username in html and "市卫生健康局 → 市卫健局" in html
    partial = client.get(reverse("audit:list"), {"object": "市卫健局"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "市卫健局" in partial.content.decode()


def test_only_the_coordinator_browses_the_audit_trail(client, cixi_orgs, make_user):
    for role, unit in (("reporter", "周巷镇"), ("lead", "市总工会"), ("leader", None)):
        client.force_login(make_user(role, unit))
        assert client.get(reverse("audit:list")).status_code == 403
