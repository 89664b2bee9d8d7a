"""The OpenAPI document and the docs page: valid JSON listing every path; the page's scripts and styles
come from this site (no CDN, no inline script — the site's CSP would block it); both only for signed-in
users and API tokens."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/records": {"get", "post"},
    "/api/records/{record_id}": {"get"},
    "/api/records/import": {"post"},
    "/api/records/import/{token}": {"get"},
    "/api/batches/{batch_id}": {"get"},
    "/api/batches/{batch_id}/report": {"get"},
    "/api/progress": {"get"},
    "/api/plans": {"get"},
    "/api/plans/{year}": {"get"},
    "/api/tokens": {"get", "post"},
    "/api/tokens/{token_id}": {"delete"},
}


@pytest.fixture
def reader(client, cixi_orgs, make_user):
    """A signed-in session (the read-only leader: any role may read the document)."""
    client.force_login(make_user("leader"))
    return client


@pytest.fixture
def document(reader):
    response = reader.get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_the_document_lists_every_path_and_method(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "bangfu API" and document["info"]["version"] == "1"
    assert {path: set(ops) for path, ops in document["paths"].items()} == PATHS


def test_every_operation_is_documented_with_its_errors(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"] and operation["operationId"], (path, method)
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
            assert operation.get("security"), (path, method)


def test_both_ways_to_authenticate_are_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"
    token_ops = document["paths"]["/api/tokens"]["post"]["security"]
    assert token_ops == [{"SessionAuth": []}]


def test_references_resolve(document):
    text = json.dumps(document)
    names = set(document["components"]["schemas"])
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text):
        assert ref in names


def test_money_is_documented_as_text_and_integers(document):
    schemas = document["components"]["schemas"]
    item = schemas["RecordListItemOut"]["properties"]
    assert item["amount_yuan"]["type"] == "string" and item["amount_fen"]["type"] == "integer"
    assert schemas["RecordCreateIn"]["properties"]["amount_yuan"]["type"] == "string"


def test_the_import_takes_a_multipart_file(document):
    body = document["paths"]["/api/records/import"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        if tag == "script":
            self._in_script = attributes

    def handle_data(self, data):
        script = self._in_script
        if script is not None and data.strip() and script.get("type") != "application/json":
            self.inline_scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def test_the_docs_page_loads_only_local_assets(reader):
    client = reader
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "the page loads its scripts and styles"
    assert not parser.inline_scripts
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
    assert any(url.endswith("swagger-ui-bundle.js") for url in parser.urls)
    assert any(url.endswith("swagger-ui.css") for url in parser.urls)
    # the page points Swagger UI at this site's document, and fetches no validator badge
    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    swagger = json.loads(settings_json.group(1))
    assert swagger["url"] == "/api/openapi.json" and swagger["validatorUrl"] is None


def test_the_docs_page_keeps_the_sites_security_headers(reader):
    response = reader.get("/api/docs")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "https:" not in policy


def test_unknown_api_addresses_are_json_404(client):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404 and response.json() == {"detail": "接口不存在。"}


def test_a_wrong_method_is_json_405(client):
    response = client.put("/api/records")
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    assert "PUT" in response.json()["detail"]


def test_the_document_and_its_page_are_for_signed_in_users_and_tokens_only(client, cixi_orgs, make_user):
    from bangfu.accounts.services import api_token_create

    page = client.get("/api/docs")
    assert page.status_code == 302 and page["Location"].startswith("/login/?next=/api/docs")
    document = client.get("/api/openapi.json")
    assert document.status_code == 401 and "API 令牌" in document.json()["detail"]
    assert "paths" not in document.json()  # nothing of the document leaks with the refusal
    forged = client.get("/api/openapi.json", headers={"Authorization": "Bearer bf_not-a-token"})
    assert forged.status_code == 401

    token, _record = api_token_create(user=make_user("reporter", "周巷镇"), name="脚本")
    scripted = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert scripted.status_code == 200 and "/api/records" in scripted.json()["paths"]
    assert "no-store" in scripted["Cache-Control"]  # a token's answers are not cached either
