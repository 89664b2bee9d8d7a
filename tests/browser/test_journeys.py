"""End-to-end journeys in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A reporter of 周巷镇 imports a ledger through the wizard and sees the unit's progress change; the
coordinator approves it and sees the official dashboard change. Screenshots of the main pages are saved
under tests/artifacts/screenshots/ as artifacts of the run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PASSWORD = "browser-test-password"

if os.environ.get("BANGFU_SKIP_BROWSER") == "1":
    pytest.skip("BANGFU_SKIP_BROWSER=1: browser journeys not run", allow_module_level=True)
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.fail(
        "Chromium is missing: `make test` installs Debian's chromium (or set BANGFU_SKIP_BROWSER=1)",
        pytrace=False,
    )

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
            ],
        )  # fmt: skip
        yield chromium
        chromium.close()


@pytest.fixture
def world(transactional_db, tmp_path, settings):
    from django.conf import settings as django_settings

    from bangfu.accounts.services import account_create
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.services import orgs_load_file
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from bangfu.progress.services import progress_rules_ensure
    from bangfu.regions.services import regions_seed

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    orgs_load_file(django_settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()
    seed = django_settings.BASE_DIR / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
    progress_rules_ensure(plan_import(parsed=parse_table(seed)).plan)
    zhouxiang = Organisation.objects.get(name="周巷镇")
    account_create(
        username="zhouxiang", password=PASSWORD, role="reporter", organisation=zhouxiang, validate=False
    )
    account_create(username="office", password=PASSWORD, role="coordinator", validate=False)
    ledger = tmp_path / "周巷镇2022年采购台账.xlsx"
    from tests.ledger.builders import write_xlsx

    write_xlsx(
        ledger,
        {
            "台账": [
                ["周巷镇消费帮扶采购台账"],
                ["填报单位（盖章）：周巷镇"],
                ["序号", "采购单位", "采购日期", "商品名称", "产地", "金额（万元）", "订单号"],
                [
                    1,
                    "周巷镇人民政府",
                    dt.date(2022, 3, 15),
                    "苦荞茶",
                    "四川省凉山彝族自治州布拖县",
                    12.5,
                    "BZ-001",
                ],
                [2, "周巷镇中心小学食堂", "2022.4.2", "马铃薯", "凉山州布拖县", 7.5, "BZ-002"],
                [3, "周巷镇人民政府", "2022/05/20", "本地杨梅", "浙江省宁波市慈溪市", 3, "BZ-003"],
                [4, "周巷镇人民政府", "2022年6月1日", "花椒", "布拖", "abc", "BZ-004"],
            ]
        },
    )
    return ledger


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, page.inner_text("main")
    return context, page


def unit_achieved(page, base: str) -> str:
    """周巷镇's 2.2 amount target as the unit page shows it (including records awaiting review)."""
    page.goto(f"{base}/progress/mine/?as_of=2022-12-31")
    row = page.locator("#lines tbody tr", has_text="2.2").first
    return row.locator("td.achieved").text_content() or ""


def dashboard_achieved(page, base: str) -> str:
    """周巷镇's approved figure in the dashboard's town ranking (万元)."""
    page.goto(f"{base}/?as_of=2022-12-31")
    row = page.locator("#town-ranking tbody tr", has_text="周巷镇").first
    return row.locator("td").nth(3).text_content() or ""


def test_reporter_imports_and_coordinator_approves(browser, live_server, world):
    base = live_server.url

    # The coordinator's official dashboard before anything is reported.
    office_context, office = log_in(browser, base, "office")
    before_dashboard = dashboard_achieved(office, base)
    shot(office, "00-dashboard-before")
    assert before_dashboard.strip() == "0.00", office.text_content("#town-ranking")

    # A reporter of 周巷镇 imports the town's ledger through the wizard.
    context, page = log_in(browser, base, "zhouxiang")
    shot(page, "01-reporter-dashboard")
    before_unit = unit_achieved(page, base)
    page.goto(f"{base}/ledger/import/")
    shot(page, "02-import-upload")
    page.set_input_files("input[type=file]", str(world))
    with page.expect_navigation():
        page.click("main button.primary")
    # Three rows will be stored (the local product too, as not counting), one is rejected with its reason.
    assert "确认导入（3 条）" in page.content()
    shot(page, "03-import-preview")
    with page.expect_navigation():
        page.click("main button.primary")
    body = page.inner_text("main")
    assert "1\n条被拒绝" in body and "下载问题行报告" in body
    shot(page, "04-import-done")

    after_unit = unit_achieved(page, base)
    assert after_unit != before_unit and "20.00" in after_unit  # 12.5万 + 7.5万 of 布拖 products
    shot(page, "05-unit-progress")
    page.goto(f"{base}/ledger/")
    shot(page, "06-ledger-list")
    context.close()

    # Submitted records do not move the official dashboard …
    assert dashboard_achieved(office, base).strip() == "0.00"
    # … until the coordinator approves them.
    office.goto(f"{base}/ledger/approvals/")
    shot(office, "07-approvals")
    with office.expect_navigation():
        office.locator("button[name=action][value=approve]").first.click()
    after_dashboard = dashboard_achieved(office, base)
    assert after_dashboard.strip() == "20.00"
    shot(office, "08-dashboard-after-approval")
    office.goto(f"{base}/plans/")
    shot(office, "09-task-table")
    office_context.close()


def test_the_office_finds_a_unit_among_thousands_by_typing(browser, live_server, world, monkeypatch):
    """Above a few hundred units the unit filter is a search box whose suggestions arrive as one types."""
    from bangfu.web.forms import units as picker

    monkeypatch.setattr(picker, "SELECT_MAX", 5)  # the live server runs in this process
    base = live_server.url
    context, page = log_in(browser, base, "office")
    page.goto(f"{base}/ledger/")
    box = page.locator("input[name=unit]")
    assert box.get_attribute("type") == "search"
    box.press_sequentially("周巷", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#id_unit-units option')].some(o => o.value === '周巷镇')"
    )
    box.fill("周巷镇")
    with page.expect_response(lambda r: "/ledger/" in r.url and "unit=" in r.url):
        box.press("Enter")
    page.wait_for_function("() => location.search.includes('unit=')")
    assert "errorlist" not in page.content()
    context.close()
