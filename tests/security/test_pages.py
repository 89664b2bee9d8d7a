"""Every paginated list of the web UI and the API under hostile page parameters: ``?page=-1``,
``?page=9286``, numbers too big for any column, made-up and tampered cursors. Each answers a clean
first (or last) page — never a 500 — with no more queries than its first page, and every row of the
list is reachable by following the links.

Page sizes are patched down to 2 so that a handful of rows make several pages.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.security.test_url_matrix import COORD
from tests.support.layers import layer, layer_value

pytestmark = pytest.mark.django_db

SIZE = 2
HUGE = "9" * 30


def cursor_of(values: list[Any]) -> str:
    """A cursor in the keyset pages' format, made up by a client."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


#: Values a client may send as a page number or cursor; each must give the first page (or, for a cursor
#: past the end, the last page).
GARBAGE = {
    "page": ["-1", "0", "9286", HUGE, "abc", "²", "1.5", ""],
    "after": ["garbage", "~", "2022-13-01~1", f"2022-01-01~{HUGE}", f"{HUGE}~{HUGE}", cursor_of([HUGE]),
              cursor_of(["x", "y", "z", "w", "v", "u"]), cursor_of([None, None]), "%00", "A" * 5000],
    "before": ["garbage", "-5~-5", f"{HUGE}~1", cursor_of([[1], {"a": 1}])],
}  # fmt: skip


@dataclass(frozen=True)
class List:
    name: str
    kwargs: Any  # world → URL kwargs
    params: dict[str, str]
    patch: tuple[str, str] | None  # (module, constant) of the page size
    numbered: bool = False  # a list built in memory, cut by page number (``?page=``)
    page_key: str = "page"


def _line(w: dict[str, Any]) -> dict[str, int]:
    return {"unit": w["zx_union"].pk, "target": w["union_target"].pk}


LISTS = [
    List("progress:line-records", _line, {"year": "2022", "as_of": "2022-12-31"}, ("bangfu.progress.selectors", "LINE_RECORDS_PAGE")),
    List("progress:bases", lambda w: {}, {"year": "2022"}, ("bangfu.web.views.progress", "BASES_PAGE")),
    List("activities:list", lambda w: {}, {}, ("bangfu.web.views.activities", "LIST_PAGE")),
    List("activities:item", lambda w: {"item_id": w["town_target"].item_id}, {}, ("bangfu.web.views.activities", "TIMELINE_PAGE")),
    List("activities:outlets", lambda w: {}, {}, ("bangfu.web.views.activities", "OUTLETS_PAGE")),
    List("activities:outlets-public", lambda w: {}, {}, ("bangfu.web.views.activities", "PUBLIC_PAGE")),
    List("assessment:runs", lambda w: {}, {}, ("bangfu.web.views.assessment", "RUNS_PAGE")),
    List("reminders:history", lambda w: {}, {"year": "2022"}, ("bangfu.web.views.reminders", "PAGE")),
    List("ledger:batches", lambda w: {}, {}, ("bangfu.web.views.ledger", "BATCHES_PAGE")),
    List("ledger:flags", lambda w: {}, {}, ("bangfu.web.views.ledger", "FLAGS_PAGE")),
    List("audit:list", lambda w: {}, {"object": "周巷镇总工会"}, ("bangfu.web.views.audit", "PAGE")),
    List("ledger:list", lambda w: {}, {}, None),
    List("ledger:batch", lambda w: {"pk": w["b_in"].pk}, {}, None),
    List("ledger:approvals", lambda w: {}, {"batch": "{b_in}"}, None),
    List("progress:calendar", lambda w: {}, {"year": "2022"}, ("bangfu.web.views.progress", "CALENDAR_PAGE"), numbered=True),
    List("progress:reminders", lambda w: {}, {"year": "2022", "as_of": "2022-06-30"}, ("bangfu.web.views.progress", "REMINDERS_PAGE"), numbered=True, page_key="silent"),
]  # fmt: skip


@layer("page_rows", on="matrix_world")
def _build_rows(request) -> None:
    """More rows than one page of every list, on the matrix's world."""
    world = layer_value(request, "matrix_world")
    tmp_path = request.getfixturevalue("tmp_path_factory").mktemp("pages")
    with override_settings(MEDIA_ROOT=world["media"]):
        _add_rows(world, tmp_path)


def _add_rows(world: dict[str, Any], tmp_path: Path) -> None:
    from bangfu.activities.services import activity_create
    from bangfu.assessment.services import score_publish
    from bangfu.ledger.services import ledger_import, purchase_create
    from bangfu.notifications.models import Reminder
    from bangfu.progress.services import base_value_set
    from tests.ledger.builders import write_csv

    zx_union = world["zx_union"]
    for day in range(1, 6):
        purchase_create(
            purchaser=zx_union, date=dt.date(2022, 5, day), amount_fen=1_000_00 + day, origin="布拖", status="submitted"
        )  # fmt: skip
    ledger = write_csv(
        tmp_path / "第三批.csv", [["采购单位", "日期", "金额", "产地"], ["", "2022-06-01", "70", "布拖"]]
    )
    ledger_import(path=ledger, org=zx_union, status="submitted")
    for unit in (zx_union, world["zhouxiang"], world["henghe"]):
        base_value_set(organisation=unit, year=2022, member_count=100)
    from bangfu.ledger.models import Purchase, PurchaseFlag

    for purchase in Purchase.objects.filter(purchaser=zx_union)[:4]:
        PurchaseFlag.objects.create(purchase=purchase, kind="amount", message="单笔金额异常")
    outlet = {"place_type": "超市", "address": "某路1号", "operator": "某超市", "status": "营业中"}
    item = world["town_target"].item
    for n in range(3):
        activity_create(kind="outlet", organisation=zx_union, title=f"专柜{n}", date=dt.date(2022, 4, 2 + n),
                        details=outlet, item=item, public=True, status="approved")  # fmt: skip
    for month in (7, 8):
        score_publish(world["scheme"], as_of=dt.date(2022, month, 31))
    for n in range(3):
        Reminder.objects.create(
            plan=world["reminder_in"].plan,
            period=f"2022-0{n + 1}", unit=zx_union, channel="email", recipient=f"r{n}@example.gov.cn",
            reason="behind", subject="提醒", body="请报送", as_of=dt.date(2022, n + 1, 28),
        )  # fmt: skip


@pytest.fixture
def page_rows(db, request) -> None:
    return layer_value(request, "page_rows")


@pytest.fixture
def rows(page_rows, matrix_world):
    """The matrix's world with more rows than one page of every list."""
    return matrix_world


def _ids(response, spec: List) -> list[Any]:
    page = response.context[spec.page_key]
    items = page.object_list if spec.numbered else page.items
    return [getattr(item, "pk", None) or repr(item) for item in items]


def _url(spec: List, w: dict[str, Any]) -> str:
    return reverse(spec.name, kwargs=spec.kwargs(w))


def _params(spec: List, w: dict[str, Any], **more: str) -> dict[str, str]:
    params = {k: v.format(b_in=w["b_in"].pk) for k, v in spec.params.items()}
    return {**params, **more}


def _get(client: Client, url: str, params: dict[str, str]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response, len(queries)


def _walk(client: Client, url: str, spec: List, w: dict[str, Any]) -> list[list[Any]]:
    """Every page, by the links each page offers."""
    pages, params = [], _params(spec, w)
    for _ in range(100):
        response, _n = _get(client, url, params)
        pages.append(_ids(response, spec))
        page = response.context[spec.page_key]
        if spec.numbered:
            if not page.has_next():
                return pages
            params = _params(
                spec, w, **{"sp" if spec.page_key == "silent" else "page": str(page.next_page_number())}
            )
        else:
            if not page.has_next:
                return pages
            params = _params(spec, w, after=page.next_cursor)
    raise AssertionError("the pages never end")


@pytest.mark.parametrize("spec", LISTS, ids=[spec.name for spec in LISTS])
def test_hostile_page_values_give_a_clean_page_with_bounded_work(rows, spec, monkeypatch):
    import importlib

    if spec.patch:
        monkeypatch.setattr(importlib.import_module(spec.patch[0]), spec.patch[1], SIZE)
    client = Client(raise_request_exception=True)
    client.force_login(rows["users"][COORD])
    url = _url(spec, rows)
    client.get(url, _params(spec, rows))  # warm the session and caches
    first, first_queries = _get(client, url, _params(spec, rows))
    first_ids = _ids(first, spec)
    pages = _walk(client, url, spec, rows)
    everything = [pk for page in pages for pk in page]
    assert len(everything) == len(set(everything)), "a row shown twice"
    if spec.patch:
        assert len(pages) >= 2, "the list does not have two pages: the test would prove nothing"
    last_ids = pages[-1]
    names = (
        ("sp",) if spec.page_key == "silent" else ("page",) if spec.numbered else ("page", "after", "before")
    )
    for name in names:
        for value in GARBAGE["page" if name == "sp" else name]:
            response, queries = _get(client, url, _params(spec, rows, **{name: value}))
            got = _ids(response, spec)
            if spec.numbered and value in ("9286", HUGE, "-1", "0"):
                assert got == last_ids, (name, value)  # out of range: the last page
            else:
                assert got == first_ids, (name, value)
            assert queries <= first_queries + 3, (name, value, queries, first_queries)
    if not spec.numbered and len(pages) > 1:
        # A cursor at the last row (that row since deleted, or the cursor made up) shows the last rows;
        # one at the first row, asking for what comes before, shows the first.
        last = _get(client, url, _params(spec, rows, after=_walk_cursors(client, url, spec, rows)[-1]))[0]
        end = _row_cursor(last.context["page"], last.context["page"].items[-1])
        beyond, queries = _get(client, url, _params(spec, rows, after=end))
        assert _ids(beyond, spec) == everything[-SIZE:] and queries <= first_queries + 3
        start = _row_cursor(first.context["page"], first.context["page"].items[0])
        before, queries = _get(client, url, _params(spec, rows, before=start))
        assert _ids(before, spec) == first_ids and queries <= first_queries + 3


def _walk_cursors(client: Client, url: str, spec: List, w: dict[str, Any]) -> list[str]:
    """The ``after`` cursor of every page but the first."""
    cursors: list[str] = []
    params = _params(spec, w)
    while True:
        page = client.get(url, params).context[spec.page_key]
        if not page.has_next:
            return cursors
        cursors.append(page.next_cursor)
        params = _params(spec, w, after=page.next_cursor)


def _row_cursor(page: Any, row: Any) -> str:
    """The cursor a page would give for ``row`` (in the page's own format)."""
    from bangfu.common.paging import KeysetPage, _encode
    from bangfu.ledger.selectors import SORTS, _cursor_of

    if isinstance(page, KeysetPage):
        keys = sorted(name for name in vars(row) if name.startswith("_keyset_"))
        return _encode([getattr(row, name) for name in keys])
    return _cursor_of(row, SORTS[page.sort][0])
