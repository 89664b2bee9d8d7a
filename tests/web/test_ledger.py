"""Ledger pages: list, export, record detail, entry and edit, deletion, the review queue — each role,
allowed and refused side by side, and scoping by guessed ids.

The world (``ledger_world``, built once per run, each test rolled back on top):

| record   | purchaser           | status    | coordinator | leader | reporter 周巷镇 | lead 市总工会 |
|----------|---------------------|-----------|-------------|--------|-----------------|---------------|
| town     | 周巷镇              | submitted | yes         | yes    | yes             | no            |
| union    | 周巷镇甲公司工会    | submitted | yes         | yes    | yes (its town)  | yes (unions)  |
| other    | 观海卫镇            | submitted | yes         | yes    | no              | no            |
| union2   | 观海卫镇乙公司工会  | submitted | yes         | yes    | no              | yes (unions)  |
| draft    | 周巷镇              | draft     | yes         | yes    | yes             | no            |
| approved | 周巷镇              | approved  | yes         | yes    | yes             | no            |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.ledger import selectors
from bangfu.ledger.choices import ApprovalAction, Channel, RecordStatus
from bangfu.ledger.models import ApprovalEvent, Purchase
from bangfu.ledger.services import purchase_create
from bangfu.ledger.totals import totals_rebuild
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from tests.support.worlds import ROLES, World

pytestmark = pytest.mark.django_db
S = RecordStatus
VISIBLE = {
    "coordinator": {"town", "union", "other", "union2", "draft", "approved"},
    "leader": {"town", "union", "other", "union2", "draft", "approved"},
    "reporter": {"town", "union", "draft", "approved"},
    "lead": {"union", "union2"},
}
NAMES = ("town", "union", "other", "union2", "draft", "approved")


@pytest.fixture
def world(ledger_world) -> World:
    return ledger_world


def ids_on(response) -> set[int]:
    return {p.pk for p in response.context["page"].items}


def status_of(pk: int) -> str:
    return Purchase.objects.values_list("status", flat=True).get(pk=pk)


# --- who may open what ---------------------------------------------------------------------------

PAGES = {
    # name → (url builder, roles allowed)
    "list": (lambda w: reverse("ledger:list"), set(ROLES)),
    "export": (lambda w: reverse("ledger:export") + "?format=csv", set(ROLES)),
    "batches": (lambda w: reverse("ledger:batches"), set(ROLES)),
    "create": (lambda w: reverse("ledger:create"), {"coordinator", "reporter", "lead"}),
    "import": (lambda w: reverse("ledger:import"), {"coordinator", "reporter", "lead"}),
    "approvals": (lambda w: reverse("ledger:approvals"), {"coordinator", "lead"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_by_role(world, role, page):
    url, allowed = PAGES[page]
    response = world.client(role).get(url(world))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_users_are_sent_to_log_in(world, client, page):
    response = client.get(PAGES[page][0](world))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_record_pages_by_role_and_scope(world, role):
    """Detail for every visible record; 404 for a guessed id outside the scope; edit and delete only
    for writers (403 for the leader before anything is fetched)."""
    client = world.client(role)
    for name in NAMES:
        pk = world.pk(name)
        visible = name in VISIBLE[role]
        assert client.get(reverse("ledger:detail", args=[pk])).status_code == (200 if visible else 404)
        for action in ("edit", "delete"):
            expected = 403 if role == "leader" else (200 if visible else 404)
            assert client.get(reverse(f"ledger:{action}", args=[pk])).status_code == expected, (name, action)


def test_ids_that_do_not_exist_are_404(world):
    client = world.client("coordinator")
    assert client.get(reverse("ledger:detail", args=[999_999])).status_code == 404
    assert client.get(reverse("ledger:edit", args=[999_999])).status_code == 404


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_only_the_scope(world, role):
    response = world.client(role).get(reverse("ledger:list"))
    assert ids_on(response) == {world.pk(n) for n in VISIBLE[role]}
    html = response.content.decode()
    assert ("新增记录" in html) == (role != "leader")


@pytest.mark.parametrize("large", [False, True])
def test_filters(world, large, monkeypatch):
    """``large``: every jurisdiction and batch counts as large, so SQLite filters them while reading
    the date index (``purchaser_id + 0``) — the same records either way."""
    from bangfu.ledger import query_plans

    if large:
        monkeypatch.setattr(query_plans, "LARGE_UNIT_ROWS", 1)
    client = world.client("coordinator")

    def listed(**params) -> set[str]:
        response = client.get(reverse("ledger:list"), params)
        assert response.status_code == 200
        found = ids_on(response)
        return {name for name in NAMES if world.pk(name) in found}

    assert listed(status="submitted") == {"town", "union", "other", "union2"}
    assert listed(unit=world.units["zhouxiang"].pk) == {"town", "union", "draft", "approved"}
    assert listed(unit=world.units["union2"].pk) == {"union2"}
    assert listed(channel="832") == {"union2"}
    assert listed(eligible="no") == {"draft"}
    assert listed(eligible="yes") == set(NAMES) - {"draft"}
    assert listed(date_from="2022-05-01", date_to="2022-06-30") == {"other", "union2"}
    assert listed(q="花椒") == {"union"}
    assert listed(q="甲公司") == {"union"}
    assert listed(order_no="zx-") == {"town", "approved"}
    assert listed(order_no="ZX-1") == {"town"}
    assert listed(order_no="＝＝") == set()
    assert listed(batch=999) == set()
    # A bad date range is said, and filters nothing.
    response = client.get(reverse("ledger:list"), {"date_from": "2022-06-01", "date_to": "2022-01-01"})
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_eligible_means_paired_in_the_lists_year_as_progress_counts(world):
    """产地“是对口地区” admits what that year's progress counts (``paired_region_ids(year)``): an area
    paired only in 2021 is not eligible in the 2022 list — the year of the date range, else the plan's."""
    from bangfu.regions.models import Pairing, Region

    region = Region.objects.create(province="四川省", prefecture="凉山彝族自治州", county="昭觉县")
    Pairing.objects.create(region=region, year_from=2021, year_to=2021)
    old = [
        purchase_create(purchaser=world.units["zhouxiang"], date=day, amount_fen=900, origin="昭觉县")
        for day in (dt.date(2021, 6, 1), dt.date(2022, 6, 1))
    ]
    Purchase.objects.filter(pk__in=[p.pk for p in old]).update(origin_region=region)
    in_2021, in_2022 = (p.pk for p in old)
    client = world.client("coordinator")

    def listed(**params) -> tuple[set[int], str]:
        response = client.get(reverse("ledger:list"), params)
        assert response.status_code == 200
        return ids_on(response), response.content.decode()

    # No dates: the current plan's year (the 2022 table).
    found, html = listed(eligible="yes")
    assert in_2021 not in found and in_2022 not in found and world.pk("town") in found
    assert "产地按 2022 年的对口地区判断" in html
    found, _html = listed(eligible="no")
    assert {in_2021, in_2022} <= found
    # A range within 2022 is judged by 2022's pairings; within 2021 by 2021's.
    assert in_2022 not in listed(eligible="yes", date_from="2022-01-01", date_to="2022-12-31")[0]
    found, html = listed(eligible="yes", date_from="2021-01-01", date_to="2021-12-31")
    assert found == {in_2021} and "产地按 2021 年的对口地区判断" in html
    # Without the filter the list names no year.
    assert "对口地区判断" not in listed()[1]


def test_the_unit_picker_offers_only_the_scope_and_a_guessed_unit_is_refused(world):
    client = world.client("reporter")
    response = client.get(reverse("ledger:list"))
    choices = {o.pk for o in response.context["form"].fields["unit"].queryset}
    assert world.units["zhouxiang"].pk in choices and world.units["union"].pk in choices
    assert world.units["guanhaiwei"].pk not in choices
    response = client.get(reverse("ledger:list"), {"unit": world.units["guanhaiwei"].pk})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    # The invalid filter is dropped, never widened beyond the scope.
    assert ids_on(response) == {world.pk(n) for n in VISIBLE["reporter"]}


def test_a_large_scope_gets_a_search_box_and_a_small_one_a_drop_down(world, monkeypatch):
    from bangfu.web.forms import units as picker

    reporter, office = world.client("reporter"), world.client("coordinator")
    html = reporter.get(reverse("ledger:list")).content.decode()
    assert '<select name="unit"' in html and f'<option value="{world.units["union"].pk}">' in html
    monkeypatch.setattr(picker, "SELECT_MAX", 3)  # the office's thousands of units, in miniature
    html = office.get(reverse("ledger:list"), {"unit": world.units["zhouxiang"].pk}).content.decode()
    assert '<select name="unit"' not in html
    assert 'type="search"' in html and 'list="id_unit-units"' in html and 'value="周巷镇"' in html
    assert reverse("unit-suggest") + "?field=unit" in html
    assert "<option" not in html.split('id="id_unit-units"')[1].split("</datalist>")[0]


def test_the_unit_filter_takes_a_name_as_offices_write_it_within_the_scope(world):
    reporter = world.client("reporter")
    for typed in ("周巷镇", "慈溪市周巷镇", " 周巷镇 "):
        response = reporter.get(reverse("ledger:list"), {"unit": typed})
        assert not response.context["form"].errors, typed
        assert ids_on(response) == {world.pk(n) for n in ("town", "union", "draft", "approved")}
    response = reporter.get(reverse("ledger:list"), {"unit": "观海卫镇"})
    assert "unit" in response.context["form"].errors
    assert ids_on(response) == {world.pk(n) for n in VISIBLE["reporter"]}
    response = reporter.get(reverse("ledger:list"), {"unit": "没有这个单位"})
    assert "没有找到该单位" in response.content.decode()


def test_unit_suggestions_are_scoped_and_match_aliases(world):
    url = reverse("unit-suggest")
    reporter, office = world.client("reporter"), world.client("coordinator")

    def suggested(client, **params):
        response = client.get(url, {"field": "unit", **params})
        assert response.status_code == 200
        return [o.split('"')[1] for o in response.content.decode().split("<option value=")[1:]]

    assert "周巷镇甲公司工会" in suggested(office, unit="工会")
    assert "观海卫镇乙公司工会" in suggested(office, unit="工会")
    assert "观海卫镇乙公司工会" not in suggested(reporter, unit="工会")
    assert "周巷镇甲公司工会" in suggested(reporter, unit="甲公司")
    assert suggested(reporter, unit="观海卫") == []
    assert suggested(office, unit="") == []
    # Names that start with the text come first.
    assert suggested(office, unit="周巷镇")[0] == "周巷镇"
    # Closed units are left out where only active units may be chosen.

    Organisation.objects.filter(pk=world.units["union"].pk).update(active=False)
    assert "周巷镇甲公司工会" in suggested(office, unit="甲公司")
    assert "周巷镇甲公司工会" not in suggested(office, unit="甲公司", active="1")
    # A name the unit is also known by finds it.
    org_create(name="周巷镇中心学校", aliases=["周巷中学食堂"], parent=world.units["zhouxiang"])
    assert suggested(reporter, unit="中学食堂") == ["周巷镇中心学校"]
    # Escaped like every name on the site.
    org_create(name="<b>周巷镇丙厂</b>", parent=world.units["zhouxiang"])
    body = office.get(url, {"field": "unit", "unit": "丙厂"}).content.decode()
    assert "<b>" not in body and "&lt;b&gt;" in body


def test_count_and_total_of_the_filtered_set(world):
    response = world.client("reporter").get(reverse("ledger:list"), {"status": "submitted"})
    assert response.context["count"] == 2 and response.context["exact"]
    assert response.context["total_yuan"] == "1,123.45"
    assert "1,123.45" in response.content.decode()


def test_sorting_is_stable_by_id(world):
    client = world.client("coordinator")
    by_amount = [p.pk for p in client.get(reverse("ledger:list"), {"sort": "amount"}).context["page"].items]
    assert by_amount[0] == world.pk("union2") and by_amount[-1] == world.pk("approved")
    by_date = [p.pk for p in client.get(reverse("ledger:list"), {"sort": "-date"}).context["page"].items]
    assert by_date[0] == world.pk("approved")


def test_htmx_requests_get_the_results_fragment_only(world):
    response = world.client("coordinator").get(
        reverse("ledger:list"), {"status": "draft"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">') and "<html" not in html
    assert str(world.pk("draft")) in html


def test_names_are_escaped(world):
    html = world.client("coordinator").get(reverse("ledger:list"), {"status": "draft"}).content.decode()
    assert '=HYPERLINK("http://x")' not in html and "=HYPERLINK(&quot;http://x&quot;)" in html


@pytest.fixture
def many(world):
    """130 more records of 周巷镇 (some on the same day, for ties), 40 of 观海卫镇."""
    town, other = world.units["zhouxiang"], world.units["guanhaiwei"]
    rows = [
        Purchase(
            purchaser=town if i < 130 else other,
            purchaser_name="x",
            reporting_org=town if i < 130 else other,
            date=dt.date(2022, 1, 1 + (i % 20)),
            amount_fen=1_000 + (i % 7),
            dedupe_key=f"m:many-{i}",
            status=S.APPROVED,
        )
        for i in range(170)
    ]
    made = Purchase.objects.bulk_create(rows)
    totals_rebuild([town.pk, other.pk])  # written past the services, as a bulk load is: totals rebuilt
    return made


@pytest.mark.parametrize("sort", ["-date", "date", "-amount", "amount"])
@pytest.mark.parametrize("path", ["in memory", "from the index"])
def test_keyset_pages_walk_every_record_once_both_ways(world, many, sort, path, monkeypatch):
    """A set up to COUNT_LIMIT rows is paged in memory; a larger one by ORDER BY … LIMIT on an index.
    Both walk every record exactly once, forwards and back."""
    from bangfu.ledger import selectors

    if path == "from the index":
        monkeypatch.setattr(selectors, "COUNT_LIMIT", 20)
    client = world.client("reporter")
    expected = {world.pk(n) for n in VISIBLE["reporter"]} | {p.pk for p in many[:130]}
    seen: list[int] = []
    pages = []
    params: dict[str, str] = {"sort": sort}
    while True:
        response = client.get(reverse("ledger:list"), params)
        page = response.context["page"]
        pages.append([p.pk for p in page.items])
        seen.extend(p.pk for p in page.items)
        if not page.has_next:
            break
        params = {"sort": sort, "after": page.next_cursor}
    assert len(seen) == len(set(seen)) == len(expected) and set(seen) == expected
    assert [len(p) for p in pages] == [50, 50, 34]
    # … and back: "previous" from the last page gives the pages before, in the same order.
    previous = client.get(
        reverse("ledger:list"), {"sort": sort, "before": response.context["page"].prev_cursor}
    )
    assert [p.pk for p in previous.context["page"].items] == pages[1]
    assert response.context["page"].has_prev and pages[0] != pages[1]


def test_a_broken_cursor_shows_the_first_page(world, many):
    client = world.client("coordinator")
    first = client.get(reverse("ledger:list")).context["page"].items
    broken = client.get(reverse("ledger:list"), {"after": "not-a-cursor"}).context["page"].items
    assert [p.pk for p in broken] == [p.pk for p in first]


@pytest.mark.parametrize("role", ROLES)
def test_the_list_reads_a_fixed_number_of_queries(world, many, role, django_assert_max_num_queries):
    client = world.client(role)
    client.get(reverse("ledger:list"))  # warm the session
    # session, user, profile; the scope (a lead's: its plan's targets, 6); the bounded count and the
    # sort keys, each in two parts for a unit's scope (bought by it / reported by it); the page's rows,
    # their purchasers and origin counties; the unit picker (its size and its units); the menu's inbox
    # count (two bounded counts, web.inbox.inbox_count). None per row.
    with django_assert_max_num_queries(20):
        response = client.get(reverse("ledger:list"), {"sort": "-amount", "date_from": "2022-01-01"})
    assert response.status_code == 200 and response.context["page"].items


def test_the_count_is_bounded(world, many, monkeypatch):
    from bangfu.ledger import selectors

    monkeypatch.setattr(selectors, "COUNT_LIMIT", 100)
    response = world.client("coordinator").get(reverse("ledger:list"))
    assert response.context["count"] == 100 and not response.context["exact"]
    assert response.context["total_yuan"] is None
    assert "超过 100 条" in response.content.decode()


# --- export --------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("role", ROLES)
def test_csv_export_is_scoped_filtered_and_formula_safe(world, role):
    response = world.client(role).get(reverse("ledger:export"), {"format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:3] == ["编号", "采购日期", "采购单位"]
    assert {int(r[0]) for r in rows[1:]} == {world.pk(n) for n in VISIBLE[role]}
    if "draft" in VISIBLE[role]:
        draft = next(r for r in rows[1:] if int(r[0]) == world.pk("draft"))
        assert draft[6] == '\'=HYPERLINK("http://x")' and draft[5] == "20.00"


def test_xlsx_export_keeps_formulas_as_text(world):
    response = world.client("reporter").get(reverse("ledger:export"), {"format": "xlsx", "status": "draft"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    row = list(ws[2])
    assert header[6] == "产品"
    assert row[6].value == '=HYPERLINK("http://x")' and row[6].data_type == "s"
    assert row[5].value == 20 and ws.max_row == 2
    # Columns wide enough to read: the unit's name and the product are not Excel's default 8.43.
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDG"}
    assert widths["C"] >= 20 and widths["G"] >= 20 and widths["B"] >= 10, widths


def test_xlsx_export_refuses_too_many_rows(world, many, monkeypatch):
    from bangfu.ledger import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    response = world.client("coordinator").get(reverse("ledger:export"), {"format": "xlsx"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("ledger:list"))


# --- entry and edit ------------------------------------------------------------------------------


def _form(world, **overrides) -> dict[str, Any]:
    data = {
        "purchaser": world.units["union"].pk,
        "date": "2022-09-09",
        "amount": "1,234.56",
        "product": "高原蜂蜜",
        "supplier": "布拖县彝家苦荞有限公司",
        "origin": "四川省凉山彝族自治州布拖县",
        "channel": Channel.OFFLINE,
        "category": "",
        "quantity": "3",
        "quantity_unit": "瓶",
        "order_no": "NEW-1",
        "remarks": "",
    }
    data.update(overrides)
    return data


def test_a_reporter_enters_a_draft_in_yuan_stored_exactly_in_fen(world):
    response = world.client("reporter").post(reverse("ledger:create"), _form(world))
    purchase = Purchase.objects.get(order_no="NEW-1")
    assert response.status_code == 302 and response["Location"] == reverse(
        "ledger:detail", args=[purchase.pk]
    )
    assert purchase.amount_fen == 123_456 and purchase.status == S.DRAFT
    assert purchase.reporting_org == world.units["zhouxiang"] and purchase.purchaser == world.units["union"]
    assert purchase.origin_region is not None and purchase.origin_region.county == "布拖县"


def test_save_and_submit(world):
    world.client("reporter").post(reverse("ledger:create"), {**_form(world, order_no="NEW-2"), "submit": "1"})
    purchase = Purchase.objects.get(order_no="NEW-2")
    assert purchase.status == S.SUBMITTED
    assert ApprovalEvent.objects.filter(purchase=purchase, action=ApprovalAction.SUBMIT).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"date": ""}, "date"),
        ({"product": ""}, "product"),
    ],
)
def test_entry_form_errors(world, overrides, field):
    response = world.client("reporter").post(reverse("ledger:create"), _form(world, **overrides))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Purchase.objects.filter(order_no="NEW-1").exists()


def test_a_purchaser_outside_the_scope_cannot_be_chosen(world):
    response = world.client("reporter").post(
        reverse("ledger:create"), _form(world, purchaser=world.units["guanhaiwei"].pk)
    )
    assert response.status_code == 200 and "purchaser" in response.context["form"].errors


def test_a_duplicate_order_is_shown_on_the_form(world):
    response = world.client("reporter").post(
        reverse("ledger:create"), _form(world, order_no="zx-1001", amount="1000")
    )
    assert response.status_code == 200
    assert "已存在" in " ".join(response.context["form"].errors["order_no"])


def test_leaders_cannot_post_the_forms(world):
    client = world.client("leader")
    assert client.post(reverse("ledger:create"), _form(world)).status_code == 403
    assert client.post(reverse("ledger:edit", args=[world.pk("draft")]), _form(world)).status_code == 403
    assert client.post(reverse("ledger:delete", args=[world.pk("draft")])).status_code == 403


def test_the_edit_form_shows_the_record_as_the_browser_needs_it(world):
    html = world.client("reporter").get(reverse("ledger:edit", args=[world.pk("approved")])).content.decode()
    assert 'type="date" name="date" value="2022-08-01"' in html  # ISO, whatever the language
    assert 'name="amount" value="1500.00"' in html


def test_editing_approved_data_warns_then_sends_it_back_with_the_diff(world):
    client = world.client("reporter")
    pk = world.pk("approved")
    page = client.get(reverse("ledger:edit", args=[pk])).content.decode()
    assert "保存修改后，它将回到“已提交”状态" in page
    form = page and {
        **_form(world, purchaser=world.units["zhouxiang"].pk, order_no="ZX-2002", amount="1,800.50"),
        "date": "2022-08-01",
        "product": "苦荞茶",
        "supplier": "",
        "origin": "凉山州布拖县",
        "quantity": "",
        "quantity_unit": "",
        "comment": "按发票更正金额",
    }
    response = client.post(reverse("ledger:edit", args=[pk]), form)
    assert response.status_code == 302
    assert status_of(pk) == S.SUBMITTED
    event = ApprovalEvent.objects.get(purchase_id=pk)
    assert event.changes == {"amount_fen": [150_000, 180_050]}
    assert event.comment == "按发票更正金额"
    # The reviewer sees exactly what changed, in the queue and on the record.
    queue = world.client("coordinator").get(
        reverse("ledger:approvals"), {"unit": world.units["zhouxiang"].pk}
    )
    html = queue.content.decode()
    assert "审核后修改" in html and "1,500.00" in html and "1,800.50" in html
    detail = client.get(reverse("ledger:detail", args=[pk])).content.decode()
    assert "按发票更正金额" in detail and "1,800.50" in detail
    # The audit trail (django-auditlog) of the same change, readable: amounts in 元, no internal keys.
    assert "<b>金额（元）</b>：1,500.00 → 1,800.50" in detail and "去重键" not in detail


def test_edit_refused_for_a_record_outside_the_scope_even_by_post(world):
    response = world.client("reporter").post(reverse("ledger:edit", args=[world.pk("other")]), _form(world))
    assert response.status_code == 404
    assert Purchase.objects.get(pk=world.pk("other")).product == "苦荞茶"


# --- deletion ------------------------------------------------------------------------------------


def test_delete_a_draft_but_not_a_submitted_record(world):
    client = world.client("reporter")
    response = client.post(reverse("ledger:delete", args=[world.pk("town")]))
    assert response.status_code == 302 and Purchase.objects.filter(pk=world.pk("town")).exists()
    response = client.post(reverse("ledger:delete", args=[world.pk("draft")]))
    assert response.status_code == 302 and not Purchase.objects.filter(pk=world.pk("draft")).exists()
    assert client.post(reverse("ledger:delete", args=[world.pk("other")])).status_code == 404


# --- submit and review ---------------------------------------------------------------------------


def test_submit_from_the_list_and_by_guessed_ids(world):
    client = world.client("reporter")
    response = client.post(
        reverse("ledger:submit"), {"ids": [world.pk("draft")], "next": reverse("ledger:list")}
    )
    assert response.status_code == 302 and status_of(world.pk("draft")) == S.SUBMITTED
    # Another town's record: not found, nothing changes.
    assert client.post(reverse("ledger:submit"), {"ids": [world.pk("other")]}).status_code == 404
    assert (
        world.client("leader").post(reverse("ledger:submit"), {"ids": [world.pk("draft")]}).status_code == 403
    )


class _Undo(Exception):
    pass


def _accepted(take) -> bool:
    """Whether the service takes the action (then undone)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    try:
        with transaction.atomic():
            take()
            raise _Undo
    except _Undo:
        return True
    except (ValidationError, PermissionDenied):
        return False


@pytest.mark.parametrize("role", ["coordinator", "reporter", "leader"])
def test_the_record_page_offers_exactly_what_the_services_accept(world, role):
    """One table (``PURCHASE_STATES``) for the buttons and the services: from every status, for each
    role and for the author of a record (four-eyes), a button is shown exactly when its action would
    be taken."""
    from bangfu.ledger.services import (
        purchase_approve,
        purchase_delete,
        purchase_enter,
        purchase_reopen,
        purchase_return,
        purchase_submit,
        purchase_update,
    )

    user = world.users[role]
    returned = purchase_create(
        purchaser=world.units["zhouxiang"], date=dt.date(2022, 9, 1), amount_fen=3_000, status=S.RETURNED
    )
    mine = purchase_enter(  # submitted by the coordinator: not theirs to approve
        user=world.users["coordinator"], purchaser=world.units["zhouxiang"], submit=True,
        date=dt.date(2022, 9, 2), amount_fen=4_000,
    )  # fmt: skip
    records = [Purchase.objects.get(pk=world.pk(n)) for n in ("town", "draft", "approved")] + [returned, mine]
    assert {p.status for p in records} == set(S.values)
    take = {
        "submit": lambda p: purchase_submit([p], user=user),
        "approve": lambda p: purchase_approve([p], user=user),
        "return": lambda p: purchase_return([p], user=user, comment="请核实"),
        "reopen": lambda p: purchase_reopen([p], user=user, comment="重新核对"),
        "change": lambda p: purchase_update(p, user=user, remarks="补充说明"),
        "delete": lambda p: purchase_delete(p, user=user),
    }
    for purchase in records:
        pk = purchase.pk
        shown = {
            "submit": f'action="{reverse("ledger:submit")}"',
            "approve": 'value="approve"',
            "return": 'value="return"',
            "reopen": 'value="reopen"',
            "change": f'href="{reverse("ledger:edit", args=[pk])}"',
            "delete": f'href="{reverse("ledger:delete", args=[pk])}"',
        }
        html = world.client(role).get(reverse("ledger:detail", args=[pk])).content.decode()
        for action, marker in shown.items():
            accepted = _accepted(lambda action=action, purchase=purchase: take[action](purchase))
            assert (marker in html) == accepted, (role, purchase.status, action)


@pytest.mark.parametrize("role", ["reporter", "leader"])
def test_non_reviewers_cannot_review(world, role):
    client = world.client(role)
    response = client.post(reverse("ledger:review"), {"action": "approve", "ids": [world.pk("town")]})
    assert response.status_code == 403
    response = client.post(reverse("ledger:batch-review", args=[1]), {"action": "approve"})
    assert response.status_code == 403
    assert status_of(world.pk("town")) == S.SUBMITTED


def test_a_large_queue_lists_a_bounded_number_of_groups_each_counted_up_to_a_limit(world, many, monkeypatch):
    """The grouped queue never reads the whole queue: at most QUEUE_GROUPS groups, each counted up to
    QUEUE_GROUP_COUNT ("N 条以上", no total); a group beyond the list is still shown when asked for."""
    Purchase.objects.filter(pk__in=[p.pk for p in many]).update(status=S.SUBMITTED)
    totals_rebuild([world.units["zhouxiang"].pk, world.units["guanhaiwei"].pk])  # a bulk change, as in `many`
    client = world.client("coordinator")
    full = client.get(reverse("ledger:approvals")).context["groups"]
    assert len(full) >= 3 and all(g.exact for g in full)
    zhouxiang = next(g for g in full if g.unit == world.units["zhouxiang"])
    hand = Purchase.objects.filter(
        batch__isnull=True, reporting_org=world.units["zhouxiang"], status=S.SUBMITTED
    )
    assert zhouxiang.count == hand.count() >= 130
    assert zhouxiang.total_fen == sum(hand.values_list("amount_fen", flat=True))
    monkeypatch.setattr(selectors, "QUEUE_GROUPS", 2)
    monkeypatch.setattr(selectors, "QUEUE_GROUP_COUNT", 100)
    response = client.get(reverse("ledger:approvals"))
    groups = response.context["groups"]
    assert len(groups) == 2 and response.context["more_groups"]
    assert [g.key for g in groups] == [g.key for g in full[:2]]  # the oldest batches first, then units
    html = response.content.decode()
    assert "只列出最早的 2 组" in html
    # a group beyond the list, asked for by its link: shown, counted up to the limit, no total
    response = client.get(reverse("ledger:approvals"), {"unit": world.units["zhouxiang"].pk})
    group = response.context["group"]
    assert group.unit == world.units["zhouxiang"] and (group.count, group.exact, group.total_fen) == (
        100,
        False,
        None,
    )
    assert "100 条以上待审核" in response.content.decode()
    assert len(response.context["rows"]) == 50 and response.context["page"].has_next


def test_the_lead_reviews_its_scope_only(world):
    client = world.client("lead")
    queue = client.get(reverse("ledger:approvals"))
    groups = queue.context["groups"]
    assert sum(g.count for g in groups) == 2
    # Hand-entered records are grouped by the unit that reported them.
    assert {g.unit for g in groups} == {world.units["union"], world.units["union2"]}
    # A record outside its scope, guessed: 404, and nothing approved.
    response = client.post(
        reverse("ledger:review"), {"action": "approve", "ids": [world.pk("union"), world.pk("town")]}
    )
    assert response.status_code == 404 and status_of(world.pk("union")) == S.SUBMITTED
    response = client.post(
        reverse("ledger:review"),
        {"action": "approve", "ids": [world.pk("union"), world.pk("union2")], "comment": "同意"},
    )
    assert response.status_code == 302
    assert status_of(world.pk("union")) == status_of(world.pk("union2")) == S.APPROVED


def test_return_needs_a_comment_and_says_so(world):
    client = world.client("coordinator")
    response = client.post(
        reverse("ledger:review"), {"action": "return", "ids": [world.pk("other")], "comment": ""}, follow=True
    )
    assert "必须填写意见" in response.content.decode()
    assert status_of(world.pk("other")) == S.SUBMITTED
    client.post(
        reverse("ledger:review"), {"action": "return", "ids": [world.pk("other")], "comment": "缺发票"}
    )
    assert status_of(world.pk("other")) == S.RETURNED
    html = (
        world.client("coordinator").get(reverse("ledger:detail", args=[world.pk("other")])).content.decode()
    )
    assert "缺发票" in html and "退回" in html


def test_a_wrong_state_is_a_message_not_an_error_page(world):
    response = world.client("coordinator").post(
        reverse("ledger:review"), {"action": "approve", "ids": [world.pk("approved")]}, follow=True
    )
    assert response.status_code == 200 and "不能审核通过" in response.content.decode()


def test_reopen_from_the_record_page(world):
    client = world.client("coordinator")
    detail = client.get(reverse("ledger:detail", args=[world.pk("approved")])).content.decode()
    assert "撤销审核" in detail
    client.post(
        reverse("ledger:review"), {"action": "reopen", "ids": [world.pk("approved")], "comment": "复核"}
    )
    assert status_of(world.pk("approved")) == S.SUBMITTED


def test_the_queue_reads_a_fixed_number_of_queries_per_group(world, many, django_assert_max_num_queries):
    """Two queries per group listed (a seek for it, a bounded count), never per record: the groups are
    at most ``QUEUE_GROUPS``."""
    Purchase.objects.filter(pk__in=[p.pk for p in many]).update(status=S.SUBMITTED)
    totals_rebuild([world.units["zhouxiang"].pk, world.units["guanhaiwei"].pk])  # a bulk change, as in `many`
    client = world.client("coordinator")
    groups = len(client.get(reverse("ledger:approvals")).context["groups"])
    with django_assert_max_num_queries(14 + 2 * groups):
        response = client.get(reverse("ledger:approvals"), {"unit": world.units["zhouxiang"].pk})
    assert len(response.context["rows"]) == 50
