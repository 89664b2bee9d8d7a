"""Authentication: API tokens (valid, revoked, wrong, malformed, inactive user, last use) and the web
session (CSRF on unsafe methods); token management through the session only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from bangfu.accounts.models import ApiToken
from bangfu.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

RECORD = {"date": "2022-07-01", "amount_yuan": "10.00"}


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_valid_token_authenticates_as_its_user(world):
    token, _record = api_token_create(user=world.users["reporter"], name="同步")
    response = bearer(token).get("/api/records")
    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == world.visible("reporter")


@pytest.mark.parametrize(
    "header",
    ["Bearer bf_wrong", "Bearer ", "Bearer", "bearer bf_wrong", "Token abc", "Basic dXNlcjpwYXNz"],
)
def test_a_wrong_or_malformed_token_is_401(world, header):
    response = Client(headers={"Authorization": header}).get("/api/records")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "令牌" in response.json()["detail"] or "未登录" in response.json()["detail"]


def test_a_revoked_token_is_401(world):
    token, record = api_token_create(user=world.users["coordinator"], name="旧")
    assert bearer(token).get("/api/plans").status_code == 200
    assert world.client("coordinator").delete(f"/api/tokens/{record.pk}").status_code == 204
    response = bearer(token).get("/api/plans")
    assert response.status_code == 401 and response.json()["detail"] == "API令牌无效或已停用。"


def test_the_token_of_an_inactive_user_is_401(world):
    token, _record = api_token_create(user=world.users["leader"], name="x")
    world.users["leader"].is_active = False
    world.users["leader"].save()
    assert bearer(token).get("/api/plans").status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(world):
    client = world.client("coordinator")
    assert client.get("/api/plans").status_code == 200
    assert client.get("/api/plans", headers={"Authorization": "Bearer bf_wrong"}).status_code == 401


def test_only_the_digest_is_stored_and_the_token_is_shown_once(world):
    client = world.client("reporter", csrf=False)
    created = client.post("/api/tokens", {"name": "财务系统同步"}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("bf_") and body["prefix"] == token[:8]
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == ApiToken.digest_of(token) and token not in (stored.digest, stored.prefix)
    listed = client.get("/api/tokens").json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and token not in client.get("/api/tokens").content.decode()
    assert bearer(token).get("/api/records").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(world):
    token, record = api_token_create(user=world.users["leader"], name="x")
    start = dt.datetime(2022, 6, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        bearer(token).get("/api/plans")
    record.refresh_from_db()
    assert record.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        bearer(token).get("/api/plans")
    record.refresh_from_db()
    assert record.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        bearer(token).get("/api/plans")
    record.refresh_from_db()
    assert record.last_used_at == start + dt.timedelta(seconds=61)


def test_last_use_costs_no_write_within_the_minute(world, django_assert_num_queries):
    token, _record = api_token_create(user=world.users["leader"], name="x")
    bearer(token).get("/api/plans")
    client = bearer(token)
    with django_assert_num_queries(2):  # the token (with its user), the plans
        assert client.get("/api/plans").status_code == 200


def test_tokens_are_created_and_revoked_with_the_session_only(world):
    token, record = api_token_create(user=world.users["coordinator"], name="x")
    client = bearer(token)
    assert client.post("/api/tokens", {"name": "新"}, content_type="application/json").status_code == 401
    assert client.delete(f"/api/tokens/{record.pk}").status_code == 401
    assert client.get("/api/tokens").status_code == 401
    assert ApiToken.objects.filter(user=world.users["coordinator"]).count() == 1


def test_someone_elses_token_cannot_be_revoked(world):
    _token, record = api_token_create(user=world.users["coordinator"], name="x")
    response = world.client("reporter").delete(f"/api/tokens/{record.pk}")
    assert response.status_code == 404
    record.refresh_from_db()
    assert not record.revoked


def test_a_token_name_is_required(world):
    client = world.client("reporter")
    response = client.post("/api/tokens", {"name": "  "}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"] == "请填写令牌用途。"
    response = client.post("/api/tokens", {}, content_type="application/json")
    assert response.status_code == 422 and "name：必填" in response.json()["detail"]


# --- the session and CSRF -------------------------------------------------------------------------


def _csrf_token(client: Client) -> str:
    """The token a page of the site would carry (the docs page has it in ``data-csrf-token``)."""
    import re

    html = client.get("/api/docs").content.decode()
    found = re.search(r'data-csrf-token="([^"]+)"', html)
    assert found is not None, "no CSRF token on the docs page"
    return found.group(1)


@pytest.mark.parametrize("path", ["/api/records", "/api/tokens"])
def test_session_post_without_csrf_is_403(world, path):
    client = world.client("coordinator", csrf=True)
    body = {**RECORD, "purchaser_id": world.units["zhouxiang"].pk, "name": "x"}
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF校验失败")


def test_session_post_with_csrf_succeeds(world):
    client = world.client("reporter", csrf=True)
    token = _csrf_token(client)
    body = {**RECORD, "purchaser_id": world.units["zhouxiang"].pk}
    response = client.post(
        "/api/records", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.content
    response = client.post(
        "/api/tokens", {"name": "x"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201


def test_session_delete_needs_csrf_too(world):
    _token, record = api_token_create(user=world.users["leader"], name="x")
    client = world.client("leader", csrf=True)
    assert client.delete(f"/api/tokens/{record.pk}").status_code == 403
    assert (
        client.delete(f"/api/tokens/{record.pk}", headers={"X-CSRFToken": _csrf_token(client)}).status_code
        == 204
    )


def test_session_reads_need_no_csrf(world):
    assert world.client("leader", csrf=True).get("/api/records").status_code == 200


def test_a_token_needs_no_csrf(world):
    token, _record = api_token_create(user=world.users["reporter"], name="x")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    body = {**RECORD, "purchaser_id": world.units["zhouxiang"].pk}
    assert client.post("/api/records", body, content_type="application/json").status_code == 201


def test_anonymous_post_is_401_not_a_csrf_403(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/records", {}, content_type="application/json")
    assert response.status_code == 401


def test_writes_with_a_token_are_audited_under_its_user(world):
    from auditlog.models import LogEntry

    from bangfu.ledger.models import Purchase

    token, _record = api_token_create(user=world.users["reporter"], name="x")
    body = {**RECORD, "purchaser_id": world.units["zhouxiang"].pk}
    created = bearer(token).post("/api/records", body, content_type="application/json").json()
    entry = LogEntry.objects.get_for_object(Purchase.objects.get(pk=created["id"])).get()
    assert entry.actor == world.users["reporter"]


def test_another_authorization_scheme_leaves_the_session_in_charge(world):
    # e.g. Basic auth added by a reverse proxy in front of the site
    client = world.client("leader")
    assert client.get("/api/plans", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 200
