"""The `bangfu` command as scripts use it: exit codes, JSON, one-line Chinese errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bangfu.cli import main
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Item, Plan, RoleAssignment, Target
from tests.support.world import SEED_DOCX, SEED_TXT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("seed", [SEED_DOCX, SEED_TXT], ids=["docx", "txt"])
def test_plan_parse_json(capsys, seed):
    code, out, err = run(capsys, "plan", "parse", str(seed), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["year"] == 2022
    assert [len(task["items"]) for task in data["tasks"]] == [1, 5, 2, 3, 2, 4]
    amounts = [
        t
        for task in data["tasks"]
        for item in task["items"]
        for t in item["targets"]
        if t["kind"] == "amount"
    ]
    assert sum(t["value"] * len(t["orgs"]) for t in amounts) == 33_500_000


def test_plan_parse_missing_file(capsys, tmp_path):
    missing = tmp_path / "没有这个表.docx"
    code, out, err = run(capsys, "plan", "parse", str(missing), "--json")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [f"错误：文件不存在：{missing}"]


def test_plan_parse_unreadable_file(capsys, tmp_path):
    bad = tmp_path / "损坏的表.docx"
    bad.write_bytes(b"this is not a word file")
    code, _out, err = run(capsys, "plan", "parse", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "损坏的表.docx" in lines[0] and "Traceback" not in err


def test_plan_parse_without_a_table(capsys, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "无表头.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "123"])
    wb.save(path)
    code, _out, err = run(capsys, "plan", "parse", str(path))
    assert code == 2 and "无表头.xlsx" in err and len(err.strip().splitlines()) == 1


@pytest.mark.django_db
def test_commands_needing_the_database_ask_for_init_first(capsys, django_db_blocker):
    # The test database is migrated, so the check passes; an unmigrated one is covered by the
    # subprocess test below.
    code, out, _err = run(capsys, "orgs", "list")
    assert code == 0 and "共 0 个单位" in out


@pytest.mark.django_db
def test_plan_import_saves_and_is_idempotent(capsys, cixi_orgs):
    code, out, err = run(capsys, "plan", "import", str(SEED_DOCX))
    assert code == 0, err
    assert "已导入2022年任务分解表" in out and "17 个工作事项" in out
    plan = Plan.objects.get(year=2022)
    assert plan.source_sha256 and plan.source_name == SEED_DOCX.name
    counts = (
        Item.objects.count(),
        RoleAssignment.objects.count(),
        Target.objects.count(),
        Organisation.objects.count(),
    )
    # Every unit the seed names is on the shipped list: nothing had to be created.
    assert "待核实" not in out
    assert not Organisation.objects.filter(needs_review=True).exists()

    code, out, _ = run(capsys, "plan", "import", str(SEED_DOCX))
    assert code == 0 and "已导入过" in out
    assert (
        Item.objects.count(),
        RoleAssignment.objects.count(),
        Target.objects.count(),
        Organisation.objects.count(),
    ) == counts

    # The text extraction is another file for the same year: refused unless asked to replace.
    code, _out, err = run(capsys, "plan", "import", str(SEED_TXT))
    assert code == 2 and "--replace" in err
    code, out, err = run(capsys, "plan", "import", str(SEED_TXT), "--replace")
    assert code == 0 and "已替换" in out, err
    assert "找不到对应" not in out and "警告" not in out
    assert (
        Item.objects.count(),
        RoleAssignment.objects.count(),
        Target.objects.count(),
        Organisation.objects.count(),
    ) == counts


UNKNOWN_UNITS_TABLE = (
    "2023年某县消费帮扶任务分解表\n\t序号\n\t工作任务\n\t工作内容\n\t责任单位\n"
    "\t1\n\t采购\n\t采购对口地区农特产品100万元。\n\t责任单位：甲镇、乙街道\n"
)


@pytest.mark.django_db
def test_plan_import_lists_units_it_had_to_create(capsys, tmp_path):
    table = tmp_path / "2023年某县消费帮扶任务分解表.txt"
    table.write_text(UNKNOWN_UNITS_TABLE, encoding="utf-8")
    code, out, err = run(capsys, "plan", "import", str(table))
    assert code == 0, err
    assert "以下 2 个单位未在单位库中找到" in out and "甲镇" in out and "乙街道" in out
    created = Organisation.objects.filter(needs_review=True)
    assert {(o.name, o.kind) for o in created} == {("甲镇", "town"), ("乙街道", "street")}


@pytest.mark.django_db
def test_plan_import_warns_item_by_item_and_says_what_it_inferred(capsys, cixi_orgs, tmp_path):
    from tests.plans.fixtures import write
    from tests.plans.test_parsing_written_roles import TABLE_F

    code, out, err = run(capsys, "plan", "import", str(write(tmp_path, TABLE_F, "xls")))
    assert code == 0, err
    lines = out.splitlines()
    warnings = lines.index("警告：以下 2 处未能识别，请核对后在网页上修改或补充：")
    assert lines[warnings + 1 : warnings + 3] == [
        "  事项4.1（工作表“任务分解”第8行）：未识别出牵头、责任或配合单位，请核对并补充",
        "  事项4.1（工作表“任务分解”第8行）：目标“开展电商培训2期”未识别出适用单位，请核对并补充",
    ]
    assert "说明：以下 3 处由系统推断，请核对：" in lines
    assert (
        "  事项2.1（工作表“任务分解”第5行）：备注栏中写明了单位，已识别为（牵头：市财政局；配合：市教育局）"
        in lines
    )


def test_plan_parse_json_carries_warnings_and_keeps_shipped_groups_whole(capsys, tmp_path):
    from tests.plans.fixtures import write
    from tests.plans.test_parsing_written_roles import TABLE_F, TABLE_G

    code, out, _err = run(capsys, "plan", "parse", str(write(tmp_path, TABLE_F, "docx")), "--json")
    data = json.loads(out)
    assert code == 0 and len(data["warnings"]) == 2 and data["tasks"][3]["items"][0]["warnings"]
    code, out, _err = run(capsys, "plan", "parse", str(write(tmp_path, TABLE_G, "xlsx")), "--json")
    canteens = json.loads(out)["tasks"][0]["items"][1]
    assert canteens["responsible"] == ["党政机关、学校、医院食堂（餐厅）", "市教育局"]


@pytest.mark.django_db
def test_orgs_list_json(capsys, cixi_orgs):
    code, out, _ = run(capsys, "orgs", "list", "--kind", "committee", "--json")
    assert code == 0
    assert [o["name"] for o in json.loads(out)] == ["慈溪高新区管委会"]


def test_console_script_end_to_end(tmp_path):
    """`python -m bangfu` in a fresh data directory: init twice, import, list."""
    env = {**os.environ, "BANGFU_HOME": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    env.pop("DATABASE_URL", None)

    def bangfu(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bangfu", *argv], env=env, capture_output=True, text=True, timeout=120
        )

    before_init = bangfu("orgs", "list")
    assert before_init.returncode == 2 and "bangfu init" in before_init.stderr
    assert bangfu("init").returncode == 0
    second = bangfu("init")
    assert second.returncode == 0 and "已载入" not in second.stdout
    imported = bangfu("plan", "import", str(SEED_DOCX))
    assert imported.returncode == 0, imported.stderr
    listed = bangfu("orgs", "list", "--kind", "town")
    assert "周巷镇" in listed.stdout
    assert (tmp_path / "bangfu.sqlite3").exists()


@pytest.mark.django_db
def test_region_add_and_list(capsys):
    code, out, err = run(capsys, "region", "add", "布拖", "--year", "2022")
    assert code == 0, err
    assert "四川省凉山彝族自治州布拖县" in out and "东西部协作" in out
    code, out, err = run(capsys, "region", "add", "朝阳区")
    assert code == 2 and "多个县" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "region", "list", "--json")
    assert json.loads(out)[0]["county"] == "布拖县"


@pytest.mark.django_db
def test_ledger_import_json_summary(capsys, seeded_regions, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text(
        "采购单位,采购日期,金额（元）,产地,订单号,状态\n"
        '周巷镇,2022-03-01,"1,280.00",布拖县,X1,\n'
        "周巷镇,2022-03-02,abc,布拖县,X2,\n"
        "周巷镇,2022-03-03,500,布拖县,X3,已取消\n"
        "周巷镇,2022-03-01,1280,布拖县,X1,\n"
        "合计,,1780,,,\n",
        encoding="gbk",
    )
    code, out, err = run(capsys, "ledger", "import", str(path), "--year", "2022", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert {k: summary[k] for k in ("accepted", "rejected", "duplicates", "skipped")} == {
        "accepted": 1,
        "rejected": 1,
        "duplicates": 1,
        "skipped": 2,
    }
    assert summary["total_yuan"] == 1280.0
    assert Path(summary["report"]).exists()
    # Human-readable form, and the second import changes nothing.
    code, out, _ = run(capsys, "ledger", "import", str(path), "--year", "2022")
    assert code == 0 and "已于" in out and "导入 0 条" in out


@pytest.mark.django_db
def test_ledger_import_unreadable_file(capsys, tmp_path):
    bad = tmp_path / "坏台账.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    code, out, err = run(capsys, "ledger", "import", str(bad), "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "坏台账.xlsx" in err and "Traceback" not in err
    code, _out, err = run(capsys, "ledger", "import", str(tmp_path / "没有.csv"))
    assert code == 2 and "文件不存在" in err


@pytest.mark.django_db
def test_ledger_import_with_unknown_org(capsys, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("采购单位,日期,金额\n甲,2022-01-01,1\n", encoding="utf-8")
    code, _out, err = run(capsys, "ledger", "import", str(path), "--org", "不存在的单位")
    assert code == 2 and "找不到单位" in err


@pytest.fixture
def seeded_with_purchases(capsys, seeded_regions, tmp_path):
    assert main(["plan", "import", str(SEED_DOCX)]) == 0
    ledger = tmp_path / "周巷镇台账.csv"
    ledger.write_text(
        "采购单位,采购日期,金额（万元）,产地,订单号\n"
        "周巷镇,2022-03-01,100,布拖县,Z1\n"
        "周巷镇,2022-04-01,50,浙江省宁波市慈溪市,Z2\n"
        "周巷镇中心小学,2022-05-01,20,凉山州布拖县,Z3\n",
        encoding="utf-8",
    )
    assert main(["ledger", "import", str(ledger)]) == 0
    capsys.readouterr()
    return tmp_path


@pytest.mark.django_db
def test_progress_json_rows(capsys, seeded_with_purchases):
    code, out, err = run(capsys, "progress", "--year", "2022", "--as-of", "2022-06-30", "--json")
    assert code == 0, err
    rows = json.loads(out)
    for key in ("task", "item", "org", "kind", "target", "achieved", "rate", "expected_rate", "status"):
        assert key in rows[0]
    town = next(r for r in rows if r["org"] == "周巷镇")
    assert town["item"] == "2.2" and town["kind"] == "amount" and town["target"] == 3_000_000
    assert town["achieved"] == 1_200_000 and town["rate"] == 0.4 and town["status"] == "lagging"
    assert town["shortfall_yuan"] == 1_800_000 and town["counted_at"] == "" and town["represents"] == []
    assert town["expected_rate"] == round(181 / 365, 4)
    # Ranked in the town ranking: all 18 town-level units' purchase targets, not only its tier's 3.
    assert town["rank"] == 1 and town["rank_of"] == 18 and town["records"] == 2
    others = [r for r in rows if r["item"] == "2.2" and r["org"] != "周巷镇"]
    assert all(r["achieved"] == 0 and r["status"] == "severe" for r in others)
    assert {r["status"] for r in rows if r["item"] == "1.1"} <= {"no_base"}


@pytest.mark.django_db
@pytest.mark.parametrize(("today", "as_of"), [("2021-06-01", "2022-01-01"), ("2023-03-01", "2022-12-31")])
def test_progress_default_date_is_the_pages_default(capsys, seeded_with_purchases, today, as_of):
    """Today kept inside the plan's year — as on the pages and in the API (progress.rules.default_as_of)."""
    import datetime as dt

    import time_machine

    moment = dt.datetime.fromisoformat(f"{today}T12:00:00+08:00")
    with time_machine.travel(moment, tick=False):
        code, out, err = run(capsys, "progress", "--year", "2022", "--json")
    assert code == 0, err
    code, expected, err = run(capsys, "progress", "--year", "2022", "--as-of", as_of, "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(expected)


@pytest.mark.django_db
def test_progress_xlsx_and_text(capsys, seeded_with_purchases):
    from openpyxl import load_workbook

    path = seeded_with_purchases / "进度.xlsx"
    code, out, err = run(capsys, "progress", "--as-of", "2022-06-30", "--xlsx", str(path))
    assert code == 0, err
    sheet = load_workbook(path).active
    assert sheet["A1"].value.endswith("完成进度") and sheet.freeze_panes == "D4"
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["任务", "事项", "单位"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    town = next(r for r in rows if r[2] == "周巷镇")
    assert town[6] == 120 and town[5] == 300 and town[9] == "滞后"
    code, out, _ = run(capsys, "progress", "--as-of", "2022-06-30", "--org", "周巷镇")
    assert code == 0 and "周巷镇" in out and "横河镇" not in out


@pytest.mark.django_db
def test_progress_errors(capsys, cixi_orgs):
    code, _out, err = run(capsys, "progress", "--year", "2030")
    assert code == 2 and "2030" in err
    code, _out, err = run(capsys, "progress", "--as-of", "2022-13-01")
    assert code == 2 and "YYYY-MM-DD" in err


@pytest.mark.django_db
def test_base_import_and_reconcile_commands(capsys, seeded_with_purchases):
    path = seeded_with_purchases / "基数.csv"
    path.write_text(
        "单位名称,法定节假日慰问品总金额（元）,职工人数\n周巷镇总工会,100000,200\n横河镇总工会,x,1\n",
        encoding="gbk",
    )
    code, out, err = run(capsys, "base", "import", str(path), "--year", "2022")
    assert code == 0, err
    assert "已导入 1 个单位" in out and "第3行" in out
    code, out, _ = run(capsys, "reconcile", "--json")
    assert code == 0 and json.loads(out) == []
