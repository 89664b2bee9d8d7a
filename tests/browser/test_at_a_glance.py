"""Issue 15 in a real headless Chromium: what a leader, a town's reporter and the office see.

- one rank everywhere: each unit's page shows the task table's rank (never 1/1 for the last town);
- error pages are Chinese, inside the site's layout, with a way back (404, 403, a CSRF failure);
- the leader's 差额 (万元) on the home page equal ``bangfu progress --json --approved-only``, and every
  lagging unit's 差额 is readable without unfolding anything;
- on a phone (390×844) no page overflows sideways — the home page, the task table, a unit's page and
  the ledger, with every folded section opened too;
- printing opens the folded sections (print.js), and the print button is there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from decimal import Decimal

import pytest

from tests.browser.test_journeys import CHROMIUM, PASSWORD, browser, shot  # noqa: F401  (fixtures)

AS_OF = "2022-06-30"
PERIOD = f"year=2022&as_of={AS_OF}"
PHONE = {"width": 390, "height": 844}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def town_world(transactional_db, tmp_path, settings):
    """The seed table; every town bought a different share of its target (高新区 the least: last); two
    unions and two departments' canteens with bases; one town's records partly awaiting review (so the
    official figures differ from those with pending records)."""
    from django.conf import settings as django_settings

    from bangfu.accounts.services import account_create
    from bangfu.ledger.choices import RecordStatus
    from bangfu.ledger.services import purchase_create
    from bangfu.orgs.choices import OrgKind
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.services import org_create, orgs_load_file
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from bangfu.progress.rules import TOWN_RANKING
    from bangfu.progress.selectors import progress_compute
    from bangfu.progress.services import base_value_set, progress_rules_ensure
    from bangfu.regions.services import regions_seed

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    orgs_load_file(django_settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()
    seed = django_settings.BASE_DIR / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
    plan = plan_import(parsed=parse_table(seed)).plan
    progress_rules_ensure(plan)

    def buy(unit: Organisation, fen: int, status: str = RecordStatus.APPROVED) -> None:
        purchase_create(
            purchaser=unit, date=dt.date(2022, 3, 1), amount_fen=fen, origin="布拖县", channel="832",
            status=status,
        )  # fmt: skip

    as_of = dt.date.fromisoformat(AS_OF)
    towns = [
        line
        for line in progress_compute(plan, as_of=as_of).lines
        if line.result.spec.rank_group == TOWN_RANKING
    ]
    last = "慈溪高新区管委会"
    for position, line in enumerate(sorted(towns, key=lambda line: line.org_label), start=2):
        share = Decimal(1) / 200 if line.org_label == last else Decimal(position * 3) / 100
        buy(line.orgs[0], int(line.target.value * 100 * share))
    zhouxiang = Organisation.objects.get(name="周巷镇")
    buy(zhouxiang, 5_000_000, status=RecordStatus.SUBMITTED)  # 5万元 awaiting review
    for position, town in enumerate(["周巷镇", "横河镇"], start=1):
        union = org_create(
            name=f"{town}总工会", kind=OrgKind.UNION, parent=Organisation.objects.get(name=town)
        )
        base_value_set(organisation=union, year=2022, holiday_gift_fen=100_000_00 * 10, member_count=1_883)
        buy(union, position * 30_000_00)
    for position, name in enumerate(["市文广旅体局", "市委宣传部"], start=1):
        department = Organisation.objects.get(name=name)
        base_value_set(organisation=department, year=2022, food_budget_fen=2_000_000_00)
        buy(department, position * 2_000_000)
    account_create(username="leader", password=PASSWORD, role="leader", validate=False)
    account_create(username="office", password=PASSWORD, role="coordinator", validate=False)
    account_create(
        username="zhouxiang", password=PASSWORD, role="reporter", organisation=zhouxiang, validate=False
    )
    return plan


def sign_in(browser, base: str, username: str, viewport=None):  # noqa: F811  (the fixture's name)
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, page.inner_text("main")
    return context, page


def table_ranks(page, base: str) -> dict[tuple[str, str], str]:
    """(unit id, target id) → the rank the task table shows (its sections stay folded: read the DOM)."""
    page.goto(f"{base}/plans/?{PERIOD}")
    rows = page.locator("tr[data-unit][data-target]").evaluate_all(
        "rows => rows.map(r => [r.dataset.unit, r.dataset.target, r.querySelector('td.rank').textContent.trim()])"
    )
    return {(unit, target): rank for unit, target, rank in rows if unit}


def page_ranks(page, base: str, unit: str) -> dict[tuple[str, str], str]:
    page.goto(f"{base}/progress/{unit}/?{PERIOD}")
    rows = page.locator("#lines tr[data-target]").evaluate_all(
        "rows => rows.map(r => [r.dataset.target, r.querySelector('td.rank').textContent.trim()])"
    )
    return {(unit, target): rank for target, rank in rows}


def test_every_units_page_shows_the_task_tables_rank(browser, live_server, town_world):  # noqa: F811
    base = live_server.url
    context, page = sign_in(browser, base, "office")
    table = table_ranks(page, base)
    ranked = sorted({unit for (unit, _target), rank in table.items() if rank not in ("", "—")})
    assert len(ranked) >= 18 + 2, table  # the towns and the unions with a base
    places = []
    for unit in ranked:
        shown = page_ranks(page, base, unit)
        assert shown, unit
        for key, rank in shown.items():
            assert rank == table[key], (key, rank, table[key])
            places.append(rank)
    assert "18/18" in places and places.count("1/1") == 0
    context.close()
    # The town's own reporter sees the same place on its page, and its town among all 18 at home.
    context, page = sign_in(browser, base, "zhouxiang")
    mine = page_ranks(page, base, str(_unit_id("周巷镇")))
    assert all(table[key] == rank for key, rank in mine.items() if key in table)
    page.goto(f"{base}/?{PERIOD}")
    rows = page.locator("#town-ranking tbody tr").evaluate_all(
        "rows => rows.map(r => [r.className, r.cells[1].textContent.trim()])"
    )
    assert len(rows) == 18 and [name for cls, name in rows if cls == "own"] == ["周巷镇"]
    context.close()


def _unit_id(name: str) -> int:
    from bangfu.orgs.models import Organisation

    return Organisation.objects.get(name=name).pk


def test_error_pages_are_chinese_inside_the_layout(browser, live_server, town_world):  # noqa: F811
    base = live_server.url
    context, page = sign_in(browser, base, "zhouxiang")
    response = page.goto(f"{base}/no/such/page/")
    assert response is not None and response.status == 404
    assert page.locator("header.topbar nav").is_visible()
    assert "页面不存在" in page.inner_text("main") and page.get_by_role("link", name="回到首页").is_visible()
    response = page.goto(f"{base}/progress/reminders/")  # the office's and the lead reviewers' page
    assert response is not None and response.status == 403
    assert "没有权限" in page.inner_text("main") and page.locator("header.topbar").is_visible()
    # A form sent without its security token (a page left open too long).
    status = page.evaluate("fetch('/ledger/submit/', {method: 'POST'}).then(r => r.status)")
    html = page.evaluate("fetch('/ledger/submit/', {method: 'POST'}).then(r => r.text())")
    assert status == 403 and "页面已过期" in html and 'class="topbar"' in html
    for text in (page.content(), html):
        assert "Forbidden" not in text and "Not Found" not in text and "CSRF verification" not in text
    shot(page, "15-error-403")
    context.close()


def progress_json(*args: str) -> list[dict]:
    from bangfu.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["progress", "--json", "--as-of", AS_OF, *args]) == 0
    return json.loads(out.getvalue())


def wan(yuan: float) -> str:
    from bangfu.common.money import format_wan, yuan_to_fen

    return format_wan(yuan_to_fen(Decimal(str(yuan))))


def test_the_leaders_shortfalls_are_the_commands(browser, live_server, town_world):  # noqa: F811
    base = live_server.url
    rows = progress_json("--approved-only")
    expected = {
        (row["org"], row["item"], wan(row["shortfall_yuan"]))
        for row in rows
        if row["shortfall_yuan"]  # measured in money and still short
    }
    assert len(expected) >= 20
    # With the records awaiting review, 周巷镇's would be smaller: the home page counts approved only.
    pending = {(r["org"], r["item"]): r["shortfall_yuan"] for r in progress_json()}
    official = {(r["org"], r["item"]): r["shortfall_yuan"] for r in rows}
    assert pending[("周巷镇", "2.2")] < official[("周巷镇", "2.2")]

    context, page = sign_in(browser, base, "leader")
    page.goto(f"{base}/?{PERIOD}")
    shown = page.locator("#glance tbody tr:not(.met)").evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim(), r.cells[4].innerText.trim()])"
    )
    on_page = {(unit, target.split(" ")[0], shortfall) for unit, target, shortfall in shown}
    assert on_page == expected
    # Grouped by kind of unit, the largest 差额 first in each group.
    groups = page.locator("#glance .glance-group h3").all_inner_texts()
    assert [g.split(" ")[0] for g in groups][:2] == ["镇（街道）、管委会", "市级部门"]
    first = page.locator("#glance-towns tbody tr:not(.met) td.shortfall").all_inner_texts()
    figures = [Decimal(text.replace(",", "")) for text in first]
    assert figures == sorted(figures, reverse=True)
    # Every lagging unit's 差额 in 万元, with the target's name, visible without unfolding anything.
    lagging = page.inner_text("#lagging")
    for row in rows:
        if row["status"] in ("lagging", "severe") and row["shortfall_yuan"]:
            assert row["org"] in lagging, row["org"]
            assert f"差额 {wan(row['shortfall_yuan'])} 万元" in lagging, row
    assert "2.2 采购对口地区农特产品300万元" in lagging and "：完成率" in lagging
    shot(page, "15-leader-glance")
    context.close()


PAGES = ("/", "/plans/", "/progress/{unit}/", "/ledger/")


@pytest.mark.parametrize("username", ["leader", "zhouxiang"])
def test_no_page_overflows_on_a_phone(browser, live_server, town_world, username):  # noqa: F811
    base = live_server.url
    context, page = sign_in(browser, base, username, viewport=PHONE)
    unit = _unit_id("周巷镇")
    for path in PAGES:
        page.goto(f"{base}{path.format(unit=unit)}?{PERIOD}")
        page.wait_for_load_state("load")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
        # Unfolded too (the ranking, the monthly figures, the task table's units).
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, "unfolded", widths)
        header = page.locator("header.topbar").bounding_box()
        assert header is not None and header["height"] <= 90, (path, header)  # not a third of the screen
        shot(page, f"15-phone-{username}-{path.strip('/').split('/')[0] or 'home'}")
    context.close()


def test_printing_opens_the_folded_sections(browser, live_server, town_world):  # noqa: F811
    base = live_server.url
    context, page = sign_in(browser, base, "leader")
    unit = _unit_id("周巷镇")
    for path in ("/", "/plans/", f"/progress/{unit}/"):
        page.goto(f"{base}{path}?{PERIOD}")
        assert page.locator("button[data-print]").is_visible(), path
        assert page.locator("details:not([open])").count() > 0, path
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.locator("details:not([open])").count() == 0, path
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert page.locator("details:not([open])").count() > 0, path  # folded again on screen
    page.emulate_media(media="print")
    page.goto(f"{base}/?{PERIOD}")
    assert (
        not page.locator("header.topbar").is_visible() and not page.locator("button[data-print]").is_visible()
    )
    context.close()
