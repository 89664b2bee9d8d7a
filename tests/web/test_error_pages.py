"""Error pages are Chinese and inside the site's layout, with a way back; the API's stay JSON."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_page_in_layout(response, status: int, *words: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert 'class="topbar"' in html and "回到首页" in html, html[:500]
    assert "Not Found" not in html and "Forbidden" not in html and "Server Error" not in html
    for word in words:
        assert word in html, word
    return html


def test_a_missing_page(client, make_user, cixi_orgs):
    client.force_login(make_user("reporter", "周巷镇"))
    html = chinese_page_in_layout(client.get("/no/such/page/"), 404, "页面不存在")
    assert 'aria-label="主菜单"' in html  # the menu, to go on from


def test_a_record_outside_the_scope_says_why_in_chinese(client, make_user, cixi_orgs):
    client.force_login(make_user("reporter", "周巷镇"))
    chinese_page_in_layout(client.get(reverse("ledger:detail", args=[987654])), 404, "不在本单位范围内")


def test_a_forbidden_page(client, make_user, cixi_orgs):
    client.force_login(make_user("leader"))
    chinese_page_in_layout(client.get(reverse("ledger:import")), 403, "没有权限", "当前账号无此权限")


def test_a_bad_request(client, make_user, cixi_orgs):
    client.force_login(make_user("coordinator"))
    response = client.get(reverse("audit:list"), {"date": "2022-13-01"})
    assert response.status_code == 400 and CJK.search(response.content.decode())


def test_an_expired_form_is_explained(make_user, cixi_orgs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reporter", "周巷镇"))
    response = client.post(reverse("ledger:import"), {}, HTTP_REFERER="http://testserver/ledger/")
    html = chinese_page_in_layout(response, 403, "页面已过期")
    assert 'href="http://testserver/ledger/"' in html


def test_a_referer_elsewhere_is_no_way_back(client, make_user, cixi_orgs):
    client.force_login(make_user("reporter", "周巷镇"))
    html = client.get("/no/such/page/", HTTP_REFERER="javascript:alert(1)").content.decode()
    assert "javascript:" not in html


def test_a_server_error_is_chinese_and_needs_no_database(client, make_user, monkeypatch):
    from bangfu.web.views import dashboard

    def boom(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(dashboard, "render", boom)
    client.raise_request_exception = False
    client.force_login(make_user("coordinator"))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错" in html and "database is locked" not in html


def test_the_api_answers_json(client):
    response = client.get("/api/no/such/endpoint")
    assert response.status_code in (401, 404)
    assert response["Content-Type"].startswith("application/json")
