"""Attacks on the running site: hostile query values on every page, impossible dates and numbers, the
login lock-out behind the reverse proxy, the production security settings, caching of downloads."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils.http import content_disposition_header

from bangfu.accounts.clientip import client_ip
from bangfu.config.middleware import NoStoreMiddleware
from tests.security.test_url_matrix import COORD, POLICY, REPORTER

HUGE = "9" * 30
#: Sent as every query parameter a page reads, one value at a time.
HOSTILE = ["-1", HUGE, "²", "2022-13-01", f"2022-01-01~{HUGE}", "\x00", "x" * 3000]
PARAMETERS = (
    "page", "bp", "sp", "after", "before", "cursor", "limit", "date", "year", "as_of", "date_from", "date_to",
    "unit", "batch", "model", "action", "actor", "object", "town", "lead", "kind", "item", "status", "channel",
    "eligible", "sort", "q", "order_no", "period", "approved", "approved_only", "scheme", "place_type",
)  # fmt: skip


def test_hostile_query_values_never_cause_a_server_error(matrix_world, settings):
    """Every GET page and endpoint, as the office and as a town's reporter, with every parameter any of
    them reads set to a hostile value — and with ids too large for any column in its address."""
    world = matrix_world
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 300  # the figures do not change here: compute them once
    failures = []
    for role in (COORD, REPORTER):
        client = Client(raise_request_exception=False)
        client.force_login(world["users"][role])
        for name, rule in sorted(POLICY.items()):
            if rule.method != "get" or rule.expect_login:
                continue
            url = reverse(name, kwargs=rule.inside(world) if rule.inside else {})
            for value in HOSTILE:
                response = client.get(url, dict.fromkeys(PARAMETERS, value))
                if response.status_code >= 500:
                    failures.append(
                        f"{name} as {role}: all parameters = {value[:20]!r} → {response.status_code}"
                    )
            for parameter in ("page", "after", "cursor", "unit", "batch", "year"):
                response = client.get(url, {parameter: HUGE})
                if response.status_code >= 500:
                    failures.append(f"{name} as {role}: {parameter}={HUGE} → {response.status_code}")
            kwargs = rule.inside(world) if rule.inside else {}
            if any(isinstance(v, int) for v in kwargs.values()):
                huge = {k: 10**30 if isinstance(v, int) else v for k, v in kwargs.items()}
                response = client.get(reverse(name, kwargs=huge))
                if response.status_code >= 500:
                    failures.append(f"{name} as {role}: ids {huge} → {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_a_nul_character_is_refused_in_chinese_before_it_reaches_the_database(client, cixi_orgs, make_user):
    """PostgreSQL cannot store U+0000 in text: unrefused, a search for it is a database error."""
    client.force_login(make_user("coordinator"))
    for url, params in (
        (reverse("ledger:list"), {"q": "布拖\x00"}),
        (reverse("unit-suggest"), {"unit": "\x00"}),
    ):
        response = client.get(url, params)
        assert response.status_code == 400 and "不允许的字符" in response.content.decode()
    response = client.post(
        "/api/records",
        data='{"product": "\\u0000"}',
        content_type="application/json",
        headers={"X-CSRFToken": "x"},
    )
    assert response.status_code == 400 and "不允许的字符" in response.json()["detail"]
    assert client.get(reverse("ledger:list"), {"q": "布拖"}).status_code == 200
    uploaded = client.post(reverse("ledger:import"), {"file": _binary_upload()})
    assert "不允许的字符" not in uploaded.content.decode()  # an uploaded file may hold any bytes


def _binary_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("台账.xlsx", b"PK\x03\x04\x00\x00 not really a workbook")


# --- the audit trail's date -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2022-13-01", "2022-02-30", "2022-1-32"])
def test_an_impossible_date_is_a_chinese_message_not_an_error(client, cixi_orgs, make_user, day):
    client.force_login(make_user("coordinator"))
    response = client.get(reverse("audit:list"), {"date": day})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"日期“{day}”无效" in html and "没有符合条件的记录" in html
    assert client.get(reverse("audit:list"), {"date": "2022-03-15"}).status_code == 200


# --- numbers outside their columns -----------------------------------------------------------------


@pytest.mark.django_db
def test_base_values_beyond_any_real_size_are_refused_in_chinese(client, seed_plan, make_user):
    from bangfu.orgs.models import Organisation
    from bangfu.progress.models import BaseValue

    client.force_login(make_user("coordinator"))
    unit = Organisation.objects.get(name="市总工会")
    url = reverse("progress:base-edit", args=[unit.pk]) + "?year=2022"
    for data in ({"member_count": HUGE}, {"holiday_gift": HUGE}, {"food_budget": "9" * 14 + "万"}):
        response = client.post(url, data)
        assert response.status_code == 200 and "errorlist" in response.content.decode(), data
    assert not BaseValue.objects.exists()
    assert client.post(url, {"member_count": "1200", "holiday_gift": "12.5万"}).status_code == 302


# --- downloads are not stored --------------------------------------------------------------------------


def _through_middleware(response: HttpResponse, *, signed_in: bool = False) -> HttpResponse:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/x")
    request.user = type("Signed", (), {"is_authenticated": True})() if signed_in else AnonymousUser()
    return NoStoreMiddleware(lambda _request: response)(request)  # type: ignore[return-value]


def test_a_download_is_not_stored_even_for_an_anonymous_client():
    download = HttpResponse(b"data")
    download["Content-Disposition"] = content_disposition_header(True, "台账.xlsx")  # as the views write it
    assert "no-store" in _through_middleware(download)["Cache-Control"]
    page = _through_middleware(HttpResponse(b"<html>"))
    assert not page.has_header("Cache-Control")  # a public page (the outlet directory) may be cached
    font = HttpResponse(b"font")
    font["Cache-Control"] = "public, max-age=31536000, immutable"
    assert _through_middleware(font, signed_in=True)["Cache-Control"] == "public, max-age=31536000, immutable"
    public_download = HttpResponse(b"data")
    public_download["Cache-Control"] = "public, max-age=60"
    public_download["Content-Disposition"] = "attachment"
    assert "no-store" in _through_middleware(public_download)["Cache-Control"]


# --- the production settings -------------------------------------------------------------------------


def _check_deploy(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "BANGFU_", "DJANGO_"))},
        "BANGFU_HOME": str(tmp_path),
        "SECRET_KEY": "a-long-random-production-key-" + "x" * 40,
        "ALLOWED_HOSTS": "bangfu.example.gov.cn",
        "CSRF_TRUSTED_ORIGINS": "https://bangfu.example.gov.cn",
        "DEBUG": "0",
        **env,
    }
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bangfu", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    """docs/operations.md: behind the intranet's HTTPS proxy, one switch."""
    result = _check_deploy(tmp_path, BANGFU_BEHIND_HTTPS_PROXY="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_them(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012"):  # HSTS, SSL redirect, cookies
        assert warning in result.stderr, result.stderr


@pytest.mark.django_db
def test_behind_the_proxy_http_is_redirected_and_https_carries_hsts(settings, client):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = client.get("/login/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    secure = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- the client's address behind the proxy --------------------------------------------------------


def _request(remote: str, forwarded: str | None = None) -> Any:
    meta: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/login/", **meta)


@override_settings(BANGFU_TRUSTED_PROXIES=["127.0.0.1", "10.1.0.0/16"])
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy():
    assert client_ip(_request("127.0.0.1", "192.168.3.7")) == "192.168.3.7"
    # A client cannot pose as someone else by writing the header itself: nginx appends the real address.
    assert client_ip(_request("127.0.0.1", "8.8.8.8, 192.168.3.7")) == "192.168.3.7"
    assert client_ip(_request("127.0.0.1", "192.168.3.7, 10.1.2.3")) == "192.168.3.7"  # two proxies
    assert client_ip(_request("127.0.0.1", "192.168.3.7:51234")) == "192.168.3.7"
    assert client_ip(_request("127.0.0.1", "[fd00::5]:443")) == "fd00::5"
    assert client_ip(_request("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    # From anywhere but a trusted proxy the header is ignored.
    assert client_ip(_request("192.168.3.9", "192.168.3.7")) == "192.168.3.9"


@override_settings(BANGFU_TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("127.0.0.1", "192.168.3.7")) == "127.0.0.1"


@pytest.mark.django_db
@override_settings(BANGFU_TRUSTED_PROXIES=["127.0.0.1"], AXES_FAILURE_LIMIT=3)
def test_the_lock_out_behind_the_proxy_is_per_client_not_for_everyone(cixi_orgs, make_user):
    from django.core.cache import cache

    cache.clear()
    user = make_user("reporter", "周巷镇")

    def login(address: str, password: str) -> int:
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
        return client.post(reverse("login"), {"username": user.username, "password": password}).status_code

    for _ in range(2):
        assert login("192.168.3.66", "wrong-guess") == 200  # the form again, with its error
    assert login("192.168.3.66", "wrong-guess") == 429  # the third failure locks …
    assert login("192.168.3.66", "a-long-test-password") == 429  # … that client, even with the password …
    assert login("192.168.3.7", "a-long-test-password") == 302  # … the user at another desk is not
    # … and the attacker cannot slip out of the lock by writing its own X-Forwarded-For.
    assert login("10.9.9.9, 192.168.3.66", "a-long-test-password") == 429


@pytest.mark.django_db
def test_the_audit_trail_records_the_clients_address_not_a_forged_one(settings, seed_plan, make_user):
    from auditlog.models import LogEntry

    from bangfu.orgs.models import Organisation

    settings.BANGFU_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.168.3.7")
    client.force_login(make_user("coordinator"))
    unit = Organisation.objects.get(name="市总工会")
    response = client.post(
        reverse("progress:base-edit", args=[unit.pk]) + "?year=2022", {"member_count": "1200"}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.filter(object_repr__contains="市总工会").latest("id")
    assert entry.remote_addr == "192.168.3.7"


def test_a_misconfigured_proxy_list_stops_the_start_with_one_line(tmp_path):
    result = _check_deploy(tmp_path, BANGFU_BEHIND_HTTPS_PROXY="1", BANGFU_TRUSTED_PROXIES="nginx")
    assert result.returncode != 0 and "BANGFU_TRUSTED_PROXIES 中的“nginx”不是 IP 地址或网段" in result.stderr
