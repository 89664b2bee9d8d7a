"""Every endpoint × every role (and anonymous): who may, who may not, and which records each one sees.

Refusals: 401 without credentials, 403 when the role may not act (the leader writes nothing), 404 for an
object outside the caller's scope — the same answer as for an object that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bangfu.accounts.services import api_token_create
from tests.support.worlds import ROLES
from tests.support.worlds import ApiWorld as World

pytestmark = pytest.mark.django_db

ALL_OK = dict.fromkeys(ROLES, 200)


def _purchaser(world: World, role: str) -> int:
    """A unit each writing role may record purchases for."""
    return {
        "coordinator": world.units["guanhaiwei"],
        "reporter": world.units["union"],
        "lead": world.units["union2"],
        "leader": world.units["zhouxiang"],
    }[role].pk


def _record_body(world: World, role: str) -> dict[str, Any]:
    return {"purchaser_id": _purchaser(world, role), "date": "2022-07-01", "amount_yuan": "88.80"}


def _csv(role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        f"采购单位,采购日期,金额（元）,产地,订单号\n周巷镇甲公司工会,2022-07-02,100.00,布拖县,M-{role}\n"
    )
    return {"file": SimpleUploadedFile(f"{role}.csv", content.encode("utf-8"), content_type="text/csv")}


def _batch(world: Any) -> int:
    """A batch imported by the reporter of 周巷镇 (so: 周巷镇 is its reporting unit); ``world`` is the
    :class:`World` of ``tmp_world``, with a ``tmp`` folder."""
    from bangfu.ledger.choices import RecordStatus
    from bangfu.ledger.services import ledger_import

    path = world.tmp / "周巷镇.csv"
    path.write_text(
        "采购单位,采购日期,金额（元）,产地\n周巷镇,2022-07-03,1.00,布拖县\n周巷镇,坏日期,2.00,布拖县\n",
        "utf-8",
    )
    summary = ledger_import(
        path=path, org=world.units["zhouxiang"], user=world.users["reporter"], status=RecordStatus.SUBMITTED
    )
    assert summary.batch_id is not None
    return summary.batch_id


Case = tuple[str, Callable[[World], str], Callable[[World, str], dict[str, Any]] | None, dict[str, int]]

CASES: dict[str, Case] = {
    "records list": ("get", lambda w: "/api/records", None, ALL_OK),
    "record in 周巷镇": (
        "get",
        lambda w: f"/api/records/{w.records['town'].pk}",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 200, "lead": 404},
    ),
    "record of a 周巷镇 union": ("get", lambda w: f"/api/records/{w.records['union'].pk}", None, ALL_OK),
    "record in 观海卫镇": (
        "get",
        lambda w: f"/api/records/{w.records['other'].pk}",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 404, "lead": 404},
    ),
    "record of a 观海卫镇 union": (
        "get",
        lambda w: f"/api/records/{w.records['union2'].pk}",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 404, "lead": 200},
    ),
    "no such record": ("get", lambda w: "/api/records/987654321", None, dict.fromkeys(ROLES, 404)),
    "record create": (
        "post_json",
        lambda w: "/api/records",
        _record_body,
        {"coordinator": 201, "reporter": 201, "lead": 201, "leader": 403},
    ),
    "record import": (
        "post_multipart",
        lambda w: "/api/records/import",
        lambda w, role: _csv(role),
        {"coordinator": 201, "reporter": 201, "lead": 201, "leader": 403},
    ),
    "batch of 周巷镇": (
        "get",
        lambda w: f"/api/batches/{_batch(w)}",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 200, "lead": 404},
    ),
    "batch report of 周巷镇": (
        "get",
        lambda w: f"/api/batches/{_batch(w)}/report",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 200, "lead": 404},
    ),
    "progress": ("get", lambda w: "/api/progress?year=2022&as_of=2022-06-30", None, ALL_OK),
    "progress of 观海卫镇": (
        "get",
        lambda w: f"/api/progress?year=2022&unit={w.units['guanhaiwei'].pk}",
        None,
        {"coordinator": 200, "leader": 200, "reporter": 404, "lead": 404},
    ),
    "plans": ("get", lambda w: "/api/plans", None, ALL_OK),
    "plan 2022": ("get", lambda w: "/api/plans/2022", None, ALL_OK),
    "my tokens": ("get", lambda w: "/api/tokens", None, ALL_OK),
    "token create": (
        "post_json",
        lambda w: "/api/tokens",
        lambda w, role: {"name": "同步"},
        dict.fromkeys(ROLES, 201),
    ),
}


def _call(client, method: str, url: str, body: dict[str, Any] | None):
    if method == "get":
        return client.get(url)
    if method == "post_json":
        return client.post(url, body, content_type="application/json")
    return client.post(url, body)


@pytest.fixture
def tmp_world(world, tmp_path):
    world.tmp = tmp_path
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(CASES))
def test_role_matrix_with_the_session(tmp_world, role, case):
    method, url, body, expected = CASES[case]
    response = _call(tmp_world.client(role), method, url(tmp_world), body(tmp_world, role) if body else None)
    assert response.status_code == expected[role], response.content.decode()
    assert response["Content-Type"].startswith(("application/json", "application/vnd.openxmlformats"))
    if response.status_code >= 400:
        detail = response.json()["detail"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith(("token", "my tokens"))])
def test_role_matrix_with_a_token(tmp_world, role, case):
    method, url, body, expected = CASES[case]
    response = _call(
        tmp_world.token_client(role), method, url(tmp_world), body(tmp_world, role) if body else None
    )
    assert response.status_code == expected[role], response.content.decode()


@pytest.mark.parametrize("case", list(CASES))
def test_anonymous_callers_get_401_json(tmp_world, case, client):
    method, url, body, _expected = CASES[case]
    response = _call(client, method, url(tmp_world), body(tmp_world, "coordinator") if body else None)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_revoke_matrix(world):
    for role in ROLES:
        _token, own = api_token_create(user=world.users[role], name="自己的")
        _token, foreign = api_token_create(
            user=world.users["coordinator" if role != "coordinator" else "leader"], name="别人的"
        )
        client = world.client(role)
        assert client.delete(f"/api/tokens/{foreign.pk}").status_code == 404
        assert client.delete(f"/api/tokens/{own.pk}").status_code == 204


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_exactly_the_records_in_its_scope(world, role):
    items = world.client(role).get("/api/records?limit=500").json()["items"]
    assert {item["id"] for item in items} == world.visible(role)


def test_an_account_without_a_role_is_refused(world, django_user_model):
    user = django_user_model.objects.create_user("norole", password="a-long-test-password")
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get("/api/records")
    assert response.status_code == 403 and "未分配角色" in response.json()["detail"]
