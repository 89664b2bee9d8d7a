"""The bulletin from the database: its figures are `bangfu progress --json`'s figures for the same date,
and `bangfu bulletin` writes the Word and Excel files or refuses with one Chinese line."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from docx import Document
from openpyxl import load_workbook

import bangfu.cli
from bangfu.cli import main
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from bangfu.plans.models import Plan
from bangfu.progress.services import base_value_set
from bangfu.reports.bulletin import bulletin_data
from tests.support.world import org

from .builders import EVIL
from .reading import W, east_asia_fonts

pytestmark = pytest.mark.django_db
SEED_DOCX = Path(settings.BASE_DIR) / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
AS_OF = "2022-06-30"
MODULE = "bangfu.reports.commands"


@pytest.fixture(autouse=True)
def bulletin_command(monkeypatch):
    """`bangfu bulletin` is registered through COMMAND_MODULES (a no-op once cli.py lists it)."""
    if MODULE not in bangfu.cli.COMMAND_MODULES:
        monkeypatch.setattr(bangfu.cli, "COMMAND_MODULES", (*bangfu.cli.COMMAND_MODULES, MODULE))


@pytest.fixture
def seeded(capsys, cixi_orgs, tmp_path):
    """The seed table, a union and a canteen with bases, and a few purchases in two towns."""
    from bangfu.regions.services import regions_seed

    regions_seed()
    org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    assert main(["plan", "import", str(SEED_DOCX)]) == 0
    base_value_set(organisation=org("周巷镇总工会"), year=2022, holiday_gift_fen=10_000_000, member_count=100)
    base_value_set(organisation=org("市财政局"), year=2022, food_budget_fen=100_000_000)
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "采购单位,采购日期,金额（元）,产地,订单号,渠道\n"
        "周巷镇,2022-03-01,1000000,布拖县,Z1,线下\n"
        "周巷镇,2022-04-01,500000,浙江省宁波市慈溪市,Z2,线下\n"
        "周巷镇中心小学,2022-05-01,200000,凉山州布拖县,Z3,线下\n"
        "坎墩街道,2022-05-20,456789.12,布拖县,K1,线下\n"
        "周巷镇总工会,2022-06-01,12345.67,布拖县,U1,线下\n"
        "市财政局,2022-06-02,30000,布拖县,C1,832平台\n",
        encoding="utf-8",
    )
    assert main(["ledger", "import", str(ledger)]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def progress_json(capsys) -> list[dict]:
    code, out, err = run(capsys, "progress", "--year", "2022", "--as-of", AS_OF, "--json")
    assert code == 0, err
    return json.loads(out)


def wan(yuan: float | Decimal) -> str:
    """What the bulletin prints for an amount of `progress --json` (元) in 万元, 2 decimals."""
    value = (Decimal(str(yuan)) / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.2f}"


def percent_close(text: str, fraction: float) -> bool:
    # JSON rates are rounded to 4 places, the bulletin to 0.1%: equal within that rounding.
    return abs(float(text.rstrip("%")) / 100 - fraction) <= 0.0005 + 1e-9


def town_rows(rows: list[dict]) -> list[dict]:
    towns = {o.name for o in Organisation.objects.filter(kind__in=["town", "street", "committee"])}
    return [r for r in rows if r["kind"] == "amount" and r["org"] in towns]


# --- the content ----------------------------------------------------------------------------------


def test_bulletin_data_equals_progress_json(capsys, seeded):
    rows = progress_json(capsys)
    data = bulletin_data(Plan.objects.get(year=2022), as_of=dt.date(2022, 6, 30))
    assert data.title == "2022年全市消费帮扶工作进度通报" and data.issue_no == 6
    assert data.issuer == "慈溪市对口支援办" and data.issued == data.as_of == dt.date(2022, 6, 30)

    towns = {r["org"]: r for r in town_rows(rows)}
    assert len(data.towns) == len(towns) == 18
    for row in data.towns:
        expected = towns[row.unit]
        assert row.item == expected["item"]
        assert row.achieved_fen == round(expected["achieved_yuan"] * 100)
        assert row.required_fen == round(expected["required_yuan"] * 100)
        assert round(float(row.rate), 4) == expected["rate"]
        assert round(float(row.expected), 4) == expected["expected_rate"]
        assert row.status == expected["status"]
    # Ranked by completion rate over all towns; equal rates share a rank.
    assert [row.unit for row in data.towns[:2]] == ["周巷镇", "坎墩街道"]
    assert [row.rank for row in data.towns[:4]] == [1, 2, 3, 3]

    amounts = [r for r in rows if r["kind"] == "amount"]
    assert data.overall.amount_lines == len(amounts)
    assert data.overall.required_fen == round(sum(r["required_yuan"] for r in amounts) * 100)
    assert data.overall.achieved_fen == round(sum(r["achieved_yuan"] for r in amounts) * 100)
    assert data.overall.lines == len(rows)
    assert {s.code: s.count for s in data.overall.statuses} == Counter(r["status"] for r in rows)

    behind = {(r["item"], r["org"]) for r in rows if r["status"] in ("lagging", "severe")}
    assert {(item.item, line.unit) for item in data.lagging for line in item.lines} == behind

    assert data.unions is not None and data.canteens is not None
    union_rows = [r for r in rows if r["item"] == "1.1"]
    assert sum(t.units for t in data.unions.targets) == len(union_rows) == 2
    assert all(t.bases_reported == 1 for t in data.unions.targets)
    canteen_rows = [r for r in rows if r["item"] == "2.1"]
    (canteens,) = data.canteens.targets
    assert canteens.units == len(canteen_rows)
    assert canteens.bases_reported == sum(1 for r in canteen_rows if r["status"] != "no_base") == 1
    assert canteens.achieved_fen == 3_000_000 and canteens.required_fen == 10_000_000
    assert len(data.details) == len(rows)


def test_bulletin_counts_the_same_records_as_progress(capsys, seeded):
    """Records awaiting review count exactly when `bangfu progress` counts them (the plan's setting)."""
    from bangfu.ledger.choices import RecordStatus
    from bangfu.ledger.services import purchase_create
    from bangfu.progress.models import ProgressSettings

    plan = Plan.objects.get(year=2022)
    purchase_create(
        purchaser=org("周巷镇"),
        date=dt.date(2022, 6, 10),
        amount_fen=50_000_000,
        origin="布拖县",
        channel="offline",
        status=RecordStatus.SUBMITTED,
    )
    figures = []
    for count_submitted in (True, False):
        ProgressSettings.objects.update_or_create(plan=plan, defaults={"count_submitted": count_submitted})
        towns = {r["org"]: round(r["achieved_yuan"] * 100) for r in town_rows(progress_json(capsys))}
        data = bulletin_data(plan, as_of=dt.date(2022, 6, 30))
        assert {row.unit: row.achieved_fen for row in data.towns} == towns
        figures.append(towns["周巷镇"])
    assert figures[0] - figures[1] == 50_000_000


# --- the command ----------------------------------------------------------------------------------


def test_bulletin_command_writes_word_with_the_progress_figures(capsys, seeded):
    rows = progress_json(capsys)
    out_docx, out_xlsx = seeded / "通报" / "第6期.docx", seeded / "通报" / "第6期.xlsx"
    code, out, err = run(
        capsys,
        "bulletin",
        "--year",
        "2022",
        "--as-of",
        AS_OF,
        "--out",
        str(out_docx),
        "--xlsx",
        str(out_xlsx),
    )
    assert code == 0, err
    assert f"已写入 {out_docx}" in out and f"已写入 {out_xlsx}" in out

    document = Document(str(out_docx))
    assert document.paragraphs[0].text == "2022年全市消费帮扶工作进度通报"
    assert document.paragraphs[1].text == "第6期"
    table = document.tables[0]
    printed = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}
    towns = town_rows(rows)
    assert len(printed) == len(towns)
    for expected in towns:
        rank, _unit, target, achieved, rate, time_progress, status = printed[expected["org"]]
        assert target == wan(expected["required_yuan"])
        assert achieved == wan(expected["achieved_yuan"])
        assert percent_close(rate, expected["rate"]) and percent_close(
            time_progress, expected["expected_rate"]
        )
        assert status == expected["status_label"]
        assert int(rank) == 1 + sum(1 for r in towns if r["rate"] > expected["rate"])
    assert printed["坎墩街道"][3] == "45.68"  # 456,789.12 元

    amounts = [r for r in rows if r["kind"] == "amount"]
    overall = next(p.text for p in document.paragraphs if p.text.startswith("截至2022年6月30日，时序进度"))
    required = wan(sum((Decimal(str(r["required_yuan"])) for r in amounts), Decimal(0)))
    achieved = wan(sum((Decimal(str(r["achieved_yuan"])) for r in amounts), Decimal(0)))
    assert f"应完成采购{required}万元，已完成{achieved}万元" in overall

    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01
    footer = section.footer.paragraphs[0]
    assert [e.text.strip() for e in footer._p.iter(f"{W}instrText")] == ["PAGE"]
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"} <= east_asia_fonts(out_docx)
    assert len(document.inline_shapes) == 1

    workbook = load_workbook(out_xlsx)
    ranking = workbook["镇街排名"]
    values = {row[1].value: row for row in ranking.iter_rows(min_row=4) if row[1].value}
    for expected in towns:
        row = values[expected["org"]]
        assert row[3].value == pytest.approx(expected["required_yuan"] / 10_000)
        assert row[4].value == pytest.approx(expected["achieved_yuan"] / 10_000)
        assert row[5].value == pytest.approx(expected["rate"], abs=5e-5)
        assert row[4].number_format == "#,##0.00" and row[5].number_format == "0.0%"
    assert len(ranking._charts) == 1
    assert workbook["明细"].max_row == 3 + len(rows)


def test_bulletin_issue_number_and_unit_names_safe_in_excel(capsys, seeded):
    Organisation.objects.filter(name="坎墩街道").update(name=EVIL)
    out_docx, out_xlsx = seeded / "b.docx", seeded / "b.xlsx"
    code, out, err = run(
        capsys, "bulletin", "--as-of", AS_OF, "--issue", "7", "--out", str(out_docx), "--xlsx", str(out_xlsx)
    )
    assert code == 0, err
    assert "第7期" in out
    document = Document(str(out_docx))
    assert document.paragraphs[1].text == "第7期"
    assert EVIL in [row.cells[1].text for row in document.tables[0].rows]
    cell = load_workbook(out_xlsx)["镇街排名"]["B5"]
    assert cell.value == EVIL and cell.data_type == "s" and cell.quotePrefix


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--year", "2030"], "2030"),
        (["--as-of", "2022-13-01"], "YYYY-MM-DD"),
        (["--as-of", "2023-01-15"], "不在2022年内"),
        (["--issue", "0"], "期数"),
        (["--xlsx", "通报.csv"], ".xlsx"),
    ],
)
def test_bulletin_user_errors(capsys, seeded, argv, message):
    code, out, err = run(capsys, "bulletin", "--out", str(seeded / "b.docx"), *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and message in lines[0]
    assert not (seeded / "b.docx").exists()


def test_bulletin_refuses_a_non_word_output_and_an_unwritable_path(capsys, seeded):
    code, _out, err = run(capsys, "bulletin", "--out", str(seeded / "b.pdf"))
    assert code == 2 and ".docx" in err and len(err.strip().splitlines()) == 1
    blocker = seeded / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    code, _out, err = run(capsys, "bulletin", "--as-of", AS_OF, "--out", str(blocker / "b.docx"))
    assert code == 2 and "无法写入" in err and len(err.strip().splitlines()) == 1


def test_bulletin_without_a_plan(capsys, cixi_orgs, tmp_path):
    code, _out, err = run(capsys, "bulletin", "--out", str(tmp_path / "b.docx"))
    assert code == 2 and "尚未导入任务分解表" in err
