"""Importing base values: one row per unit, bad rows listed with their reason, nothing silently lost."""

from __future__ import annotations

import pytest

from bangfu.common.tables import TableReadError
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from bangfu.progress.models import BaseValue
from bangfu.progress.parsing import read_base_rows
from bangfu.progress.services import BaseImportError, bases_import
from tests.ledger.builders import write_csv, write_xlsx

ROWS = [
    ["2022年基层工会及食堂基数表"],
    [
        "单位名称",
        "法定节假日慰问品总金额（万元）",
        "职工人数",
        "食堂采购预算（元）",
        "是否有食堂",
        "代表单位",
        "计入单位",
    ],
    ["周巷镇总工会", "12.5", "350", None, None, None, None],
    ["市民政局", None, None, None, "否", None, None],
    ["市商务局", None, None, None, "是", "市财政局", None],
    ["市财政局", None, None, "1,200,000", "是", None, None],
    ["某餐饮管理有限公司", None, None, None, None, None, "市教育局"],
    ["横河镇总工会", "abc", "10", None, None, None, None],
    ["合计", "12.5", "360", None, None, None, None],
    ["备注：金额以年度预算为准"],
]


def test_read_base_rows(tmp_path):
    rows = list(read_base_rows(write_xlsx(tmp_path / "基数.xlsx", {"基数": ROWS})))
    assert [r.unit for r in rows if not r.error] == [
        "周巷镇总工会",
        "市民政局",
        "市商务局",
        "市财政局",
        "某餐饮管理有限公司",
    ]
    first = rows[0]
    assert (first.holiday_gift_fen, first.member_count, first.no_canteen) == (125_000_00, 350, None)
    assert rows[1].no_canteen is True and rows[2].no_canteen is False and rows[2].representative == "市财政局"
    assert rows[3].food_budget_fen == 1_200_000_00
    assert rows[4].counts_for == "市教育局"
    bad = rows[5]
    assert bad.error == "工作表“基数”第8行“法定节假日慰问品总金额（万元）”列：“abc”不是有效金额"


def test_a_file_without_a_base_header_is_refused(tmp_path):
    with pytest.raises(TableReadError, match="未找到基数表头"):
        list(read_base_rows(write_csv(tmp_path / "x.csv", [["姓名", "电话"], ["张三", "1"]])))


@pytest.mark.django_db
def test_bases_import(cixi_orgs, tmp_path):
    index = org_name_index()
    zhouxiang = Organisation.objects.get(pk=index.resolve("周巷镇").key)
    result = bases_import(write_xlsx(tmp_path / "基数.xlsx", {"基数": ROWS}), year=2022)
    assert result.saved == 4
    assert result.rejected == [
        # Names no town and no parent was given: kept out, and said so.
        "工作表“基数”第7行：单位“某餐饮管理有限公司”无法归属，未导入",
        "工作表“基数”第8行“法定节假日慰问品总金额（万元）”列：“abc”不是有效金额",
    ]
    union = Organisation.objects.get(name="周巷镇总工会")
    assert union.parent == zhouxiang and union.needs_review  # created under the town its name contains
    base = BaseValue.objects.get(organisation=union)
    assert (base.year, base.holiday_gift_fen, base.member_count) == (2022, 125_000_00, 350)
    assert BaseValue.objects.get(organisation__name="市民政局").no_canteen
    assert BaseValue.objects.get(organisation__name="市商务局").canteen_representative.name == "市财政局"
    # With a parent for new units, the operator is placed and its link saved.
    again = bases_import(
        write_xlsx(tmp_path / "外包.xlsx", {"基数": [ROWS[1], ROWS[6]]}), year=2022, default_parent=zhouxiang
    )
    assert (
        again.saved == 1
        and BaseValue.objects.get(organisation__name="某餐饮管理有限公司").counts_for.name == "市教育局"
    )
    # Importing again updates, never duplicates.
    bases_import(write_xlsx(tmp_path / "基数2.xlsx", {"基数": ROWS[:3]}), year=2022)
    assert BaseValue.objects.filter(organisation=union).count() == 1


@pytest.mark.django_db
def test_bases_import_unreadable(cixi_orgs, tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04xx")
    with pytest.raises(BaseImportError, match="坏"):
        bases_import(bad, year=2022)


NO_VALUE_ROWS = [
    ["单位名称", "有无食堂", "食堂采购预算（万元）", "职工人数", "法定节假日慰问品总金额", "代表单位"],
    ["市民政局", "无", "—", "—", "/", "—"],
    ["市教育局", "无", "", "", "", ""],
    ["市卫生健康局", "无", "不适用", "-", "无", "/"],
    ["市商务局", "无", "120", "", "", ""],  # a budget is given, yet the unit has no canteen
    ["市财政局", "无", "见附表", "", "", ""],  # whatever the budget cell says
    ["市委宣传部", "—", "50", "／", "", ""],  # a dash in 有无食堂 says nothing
    ["市文广旅体局", "有", "—", "", "", ""],  # a canteen and no budget yet: not an error, not exempt
    ["市总工会", "有", "见附表", "", "", ""],  # a canteen and an unreadable budget: an error
]


def test_no_value_marks_and_units_without_a_canteen(tmp_path):
    rows = list(read_base_rows(write_xlsx(tmp_path / "食堂.xlsx", {"食堂": NO_VALUE_ROWS})))
    read = {row.unit: row for row in rows if not row.error}
    assert [row.error for row in rows if row.error] == [
        "工作表“食堂”第9行“食堂采购预算（万元）”列：“见附表”不是有效金额"
    ]
    for unit in ("市民政局", "市教育局", "市卫生健康局", "市财政局"):
        row = read[unit]
        assert row.no_canteen is True and row.food_budget_fen is None, unit
        assert (row.member_count, row.holiday_gift_fen, row.representative) == (None, None, ""), unit
    assert (read["市商务局"].no_canteen, read["市商务局"].food_budget_fen) == (True, 120_0000_00)
    assert (read["市委宣传部"].no_canteen, read["市委宣传部"].food_budget_fen) == (None, 50_0000_00)
    assert (read["市文广旅体局"].no_canteen, read["市文广旅体局"].food_budget_fen) == (False, None)


@pytest.mark.django_db
def test_units_without_a_canteen_are_exempt_not_missing(cixi_orgs, plan, tmp_path):
    import datetime as dt

    from bangfu.progress.selectors import progress_compute

    result = bases_import(write_xlsx(tmp_path / "食堂.xlsx", {"食堂": NO_VALUE_ROWS}), year=2022)
    assert result.saved == 7 and len(result.rejected) == 1
    report = progress_compute(plan, as_of=dt.date(2022, 6, 30))
    status = {line.org_label: line.result.status for line in report.lines if line.item_code == "2.1"}
    for unit in ("市民政局", "市教育局", "市卫生健康局", "市商务局", "市财政局"):
        assert status[unit] == "exempt", unit
    assert status["市文广旅体局"] == "no_base"


def test_every_column_is_reported_with_what_it_was_taken_for(cixi_orgs, tmp_path):
    rows = [["单位名称", "职工人数", "联系人", "食堂采购预算（万元）"], ["周巷镇总工会", "120", "王五", "3"]]
    result = bases_import(write_xlsx(tmp_path / "基数.xlsx", {"基数": rows}), year=2022)
    assert result.saved == 1
    assert [(c["header"], c["label"]) for c in result.columns] == [
        ("单位名称", "单位名称"),
        ("职工人数", "职工人数"),
        ("联系人", "未识别"),
        ("食堂采购预算（万元）", "食堂采购预算"),
    ]
    assert result.unrecognised == ["联系人"]
