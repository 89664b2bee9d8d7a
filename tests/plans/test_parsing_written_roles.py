"""Facts offices write where the table has no column: units inside the work content or the remarks, a
sentence continued on the next row after a page break — in every format, and said so."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bangfu.plans.parsing import parse_table, parse_text
from tests.plans.fixtures import (
    FORMATS,
    Outline,
    Table,
    comparable,
    full_row,
    outline,
    parse_as,
    to_text,
    write,
)

CANTEENS = "党政机关、学校、医院食堂（餐厅）"

# -- roles in the content cell, numbered sections, no unit column at all ------------------------------------

_E_ONE, _E_ONE_MERGE = full_row(3, "一、基层工会共参与", 1)
_E_TWO, _E_TWO_MERGE = full_row(3, "二、社会力量同参与", 5)
TABLE_E = Table(
    before=["2023年某市消费帮扶工作任务清单"],
    rows=[
        ["序号", "工作内容", "完成时限"],
        _E_ONE,
        [
            "1",
            "各基层工会全年购买对口地区产品金额应达到年度发放职工法定节假日慰问品总金额的20%。（市总工会牵头）",
            "2023年12月",
        ],
        ["2", "各基层工会每名职工每年不少于300元用于采购帮扶产品，由市总工会牵头，", "2023年12月"],
        ["", "各镇（街道）配合。", ""],  # the sentence goes on after a page break
        _E_TWO,
        [
            "（一）",
            "组织企业参加产销对接会不少于3场。\n"
            "牵头单位：市商务局；责任单位：各镇（街道）；配合单位：市农业农村局、市工商联",
            "全年",
        ],
        [
            "（二）",
            "由市财政局牵头，各镇（街道）负责，各镇（街道）全年采购对口地区农特产品不少于100万元。",
            "全年",
        ],
        [
            "（三）",
            f"{CANTEENS}每年安排10%以上的采购预算资金在832平台购买帮扶产品，市财政局牵头，"
            "市教育局、市卫生健康局配合。",
            "2023年11月",
        ],
    ],
    merges=[_E_ONE_MERGE, _E_TWO_MERGE],
)
EXPECTED_E: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "各基层工会全年购买对口地区产品金额应达到年度发放职工法定节假日慰问品总金额的20%。（市总工会牵头）",
                ["市总工会"],
                [],
                [],
                "2023年12月",
                [("ratio", Decimal("0.2"), "比例", ["各基层工会"], "each")],
            ),
            (
                "各基层工会每名职工每年不少于300元用于采购帮扶产品，由市总工会牵头，各镇（街道）配合。",
                ["市总工会"],
                [],
                ["各镇（街道）"],
                "2023年12月",
                [("per_capita", Decimal(300), "元/人/年", ["各基层工会"], "each")],
            ),
        ],
    ),
    (
        2,
        "二",
        "社会力量同参与",
        [
            (
                "组织企业参加产销对接会不少于3场。"
                "牵头单位：市商务局；责任单位：各镇（街道）；配合单位：市农业农村局、市工商联",
                ["市商务局"],
                ["各镇（街道）"],
                ["市农业农村局", "市工商联"],
                "全年",
                [("count", Decimal(3), "场", ["各镇（街道）"], "each")],
            ),
            (
                "由市财政局牵头，各镇（街道）负责，各镇（街道）全年采购对口地区农特产品不少于100万元。",
                ["市财政局"],
                ["各镇（街道）"],
                [],
                "全年",
                [("amount", Decimal(1_000_000), "元", ["各镇（街道）"], "each")],
            ),
            (
                f"{CANTEENS}每年安排10%以上的采购预算资金在832平台购买帮扶产品，市财政局牵头，"
                "市教育局、市卫生健康局配合。",
                ["市财政局"],
                [],
                ["市教育局", "市卫生健康局"],
                "2023年11月",
                [("ratio", Decimal("0.1"), "比例", [CANTEENS], "each")],
            ),
        ],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_units_written_in_the_content_cell(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_E, fmt)
    assert plan.year == 2023
    assert outline(plan) == EXPECTED_E
    assert plan.warnings() == []
    first = plan.tasks[0].items[0]
    assert first.inferred == ["工作内容中写明了单位，已识别为（牵头：市总工会）"]
    joined = plan.tasks[0].items[1]
    assert joined.inferred[0].endswith("没有序号，文字接续上一行（跨页断行），已并入本事项")


def test_units_written_in_the_content_cell_are_the_same_in_every_format(tmp_path: Path) -> None:
    results = [comparable(parse_as(tmp_path, TABLE_E, fmt)) for fmt in FORMATS]
    assert all(result == results[0] for result in results[1:])
    inferred = [
        [re.sub(r"[^：（]*第\d+行", "", line) for line in parse_as(tmp_path, TABLE_E, fmt).inferences()]
        for fmt in FORMATS
    ]
    assert all(lines == inferred[0] for lines in inferred[1:])


def test_a_statement_of_units_does_not_become_the_subject_of_a_target() -> None:
    plan = parse_text("\t序号\n\t工作内容\n\t1\n\t（市总工会牵头）各基层工会全年购买帮扶产品不少于10万元。\n")
    (item,) = plan.items()
    assert item.lead == ["市总工会"]
    (target,) = item.targets
    assert (target.orgs, target.value) == (["各基层工会"], Decimal(100_000))


# -- remarks column, a continued row with its unit cells repeated, a table split over two Word tables -----

F_HEADER = ["序号", "工作任务", "工作内容", "牵头单位", "责任单位", "备注"]
TABLE_F = Table(
    before=["2024年消费帮扶工作任务分解表"],
    rows=[
        F_HEADER,
        [
            "1",
            "镇街采购",
            "周巷镇、观海卫镇各采购对口地区农特产品300万元，",
            "市商务局",
            "周巷镇、观海卫镇",
            "",
        ],
        ["", "", "其中通过832平台采购不少于100万元。", "", "", ""],
        [
            "2",
            "食堂采购",
            "各预算单位食堂每年在832平台采购比例不低于10%。",
            "",
            "",
            "市财政局牵头，市教育局配合",
        ],
        ["3", "宣传推广", "开展消费帮扶宣传报道不少于", "市委宣传部", "市融媒体中心", ""],
        ["", "", "20篇。", "市委宣传部", "市融媒体中心", ""],  # the unit cells repeated on the new page
        ["4", "电商培训", "开展电商培训2期。", "", "", ""],
    ],
    split_at=5,  # in Word, the rest of the table is a second table after the page break
)
TOWNS = ["周巷镇", "观海卫镇"]
EXPECTED_F: Outline = [
    (
        1,
        "1",
        "镇街采购",
        [
            (
                "周巷镇、观海卫镇各采购对口地区农特产品300万元，其中通过832平台采购不少于100万元。",
                ["市商务局"],
                TOWNS,
                [],
                None,
                [
                    ("amount", Decimal(3_000_000), "元", TOWNS, "each"),
                    ("amount", Decimal(1_000_000), "元", TOWNS, "each"),
                ],
            )
        ],
    ),
    (
        2,
        "2",
        "食堂采购",
        [
            (
                "各预算单位食堂每年在832平台采购比例不低于10%。",
                ["市财政局"],
                [],
                ["市教育局"],
                None,
                [("ratio", Decimal("0.1"), "比例", ["各预算单位食堂"], "each")],
            )
        ],
    ),
    (
        3,
        "3",
        "宣传推广",
        [
            (
                "开展消费帮扶宣传报道不少于20篇。",
                ["市委宣传部"],
                ["市融媒体中心"],
                [],
                None,
                [("count", Decimal(20), "篇", ["市融媒体中心"], "each")],
            )
        ],
    ),
    (
        4,
        "4",
        "电商培训",
        [("开展电商培训2期。", [], [], [], None, [("count", Decimal(2), "期", [], "each")])],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_remarks_column_and_rows_continued_after_a_page_break(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_F, fmt)
    assert outline(plan) == EXPECTED_F
    assert plan.tasks[0].items[0].targets[1].parent == 0
    assert plan.tasks[1].items[0].inferred == [
        "备注栏中写明了单位，已识别为（牵头：市财政局；配合：市教育局）"
    ]
    # What could not be assigned is said, item by item.
    lacking = plan.tasks[3].items[0]
    assert lacking.warnings == [
        "未识别出牵头、责任或配合单位，请核对并补充",
        "目标“开展电商培训2期”未识别出适用单位，请核对并补充",
    ]
    assert [line.split("：", 1)[0].split("（")[0] for line in plan.warnings()] == ["事项4.1", "事项4.1"]


def test_warnings_and_inferences_are_in_the_json(tmp_path: Path) -> None:
    data = json.loads(json.dumps(parse_as(tmp_path, TABLE_F, "xlsx").to_dict(), ensure_ascii=False))
    item = data["tasks"][3]["items"][0]
    assert item["warnings"] and item["inferred"] == []
    assert data["warnings"] == [
        "事项4.1（工作表“任务分解”第8行）：未识别出牵头、责任或配合单位，请核对并补充",
        "事项4.1（工作表“任务分解”第8行）：目标“开展电商培训2期”未识别出适用单位，请核对并补充",
    ]
    assert (
        "事项1.1（工作表“任务分解”第3行）：工作表“任务分解”第4行没有序号，文字接续上一行（跨页断行），已并入本事项"
        in (data["inferred"])
    )


# -- a column of sentences ("责任分工"), known group names, items numbered 1.1 ------------------------------

TABLE_G = Table(
    rows=[
        ["编号", "主要内容", "责任分工"],
        ["1.1", "各镇（街道）全年采购对口地区农特产品150万元。", "由市商务局牵头，各镇（街道）负责"],
        ["1.2", f"{CANTEENS}每年通过832平台采购比例不低于10%。", f"市财政局牵头，{CANTEENS}、市教育局落实"],
        ["2.1", "开展宣传报道。", "（市委宣传部牵头）"],
        ["", "2.2 组织展销活动不少于2场。", "市商务局负责"],  # a number in the text starts an item
    ]
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_column_of_sentences_and_group_names_with_separators(tmp_path: Path, fmt: str) -> None:
    plan = parse_table(write(tmp_path, TABLE_G, fmt), known=[CANTEENS, "各镇、街道"])
    assert [(task.label, len(task.items)) for task in plan.tasks] == [("1", 2), ("2", 2)]
    towns, canteens = plan.tasks[0].items
    assert (towns.lead, towns.responsible) == (["市商务局"], ["各镇（街道）"])
    assert towns.targets[0].orgs == ["各镇（街道）"]
    assert (canteens.lead, canteens.responsible) == (["市财政局"], [CANTEENS, "市教育局"])
    assert canteens.targets[0].orgs == [CANTEENS]
    publicity, fairs = plan.tasks[1].items
    assert publicity.lead == ["市委宣传部"] and fairs.responsible == ["市商务局"]


def test_without_the_known_names_a_listed_group_is_split(tmp_path: Path) -> None:
    canteens = parse_table(write(tmp_path, TABLE_G, "xlsx")).tasks[0].items[1]
    assert canteens.responsible == ["党政机关", "学校", "医院食堂（餐厅）", "市教育局"]


# -- what is not a continuation, and not a role ----------------------------------------------------------


NO_FULL_STOPS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位"],
        ["1", "渠道建设", "开设消费帮扶专柜10个", "市商务局"],
        ["", "", "开设线上店铺2家", ""],
        ["", "", "组织职工参与消费帮扶活动", ""],
    ],
    merges=[(1, 0, 3, 0), (1, 1, 3, 1), (1, 3, 3, 3)],
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_of_a_table_without_full_stops_stay_items(tmp_path: Path, fmt: str) -> None:
    table = NO_FULL_STOPS
    items = parse_as(tmp_path, table, fmt).tasks[0].items
    assert [item.content for item in items] == [
        "开设消费帮扶专柜10个",
        "开设线上店铺2家",
        "组织职工参与消费帮扶活动",
    ]
    assert all(item.responsible == ["市商务局"] for item in items)
    assert not any("接续" in line for item in items for line in item.inferred)


FULL_STOPS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位"],
        ["1", "渠道建设", "开设消费帮扶专柜10个。", "市商务局"],
        ["", "", "开设线上店铺2家。", ""],
    ]
)


def test_a_row_that_starts_a_sentence_after_a_full_stop_is_an_item() -> None:
    table = FULL_STOPS
    items = parse_text(to_text(table)).tasks[0].items
    assert [item.content for item in items] == ["开设消费帮扶专柜10个。", "开设线上店铺2家。"]


OTHER_UNITS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位"],
        ["1", "镇街采购", "周巷镇采购对口地区农特产品", "周巷镇"],
        ["", "", "古塘街道采购对口地区农特产品100万元。", "古塘街道"],
        ["2", "宣传", "开展宣传。", "市委宣传部"],
    ]
)


def test_a_continued_row_with_other_units_is_a_new_item() -> None:
    table = OTHER_UNITS
    items = parse_text(to_text(table)).tasks[0].items
    assert [item.responsible for item in items] == [["周巷镇"], ["古塘街道"]]


# -- section headings in the number and content cells; a unit list cut by the page break -------------------

TABLE_H = Table(
    before=["2025年消费帮扶重点工作清单"],
    rows=[
        ["序号", "工作内容", "责任分工", "完成时限"],
        ["（一）", "基层工会共参与", "", ""],
        [
            "1.",
            "各基层工会全年购买帮扶产品金额不低于节日慰问品总额的20%。",
            "市总工会牵头，各基层工会负责",
            "12月底",
        ],
        ["2.", "各基层工会每名职工每年不少于300元用于采购帮扶产品，", "市总工会牵头，", "12月底"],
        ["", "并于年底前报送完成情况。", "市财政局配合", ""],  # the page broke inside both cells
        ["（二）", "社会力量同参与", "", ""],
        ["1.", "牵头单位为市工商联，组织会员企业认购对口地区产品不少于50万元。", "", "全年"],
        ["", "二、加强工作保障", "", ""],  # a heading written in the content cell
        ["1.", "由市商务局会同市财政局负责落实专项扶持资金。", "", "全年"],
    ],
)
EXPECTED_H: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "各基层工会全年购买帮扶产品金额不低于节日慰问品总额的20%。",
                ["市总工会"],
                ["各基层工会"],
                [],
                "12月底",
                [("ratio", Decimal("0.2"), "比例", ["各基层工会"], "each")],
            ),
            (
                "各基层工会每名职工每年不少于300元用于采购帮扶产品，并于年底前报送完成情况。",
                ["市总工会"],
                [],
                ["市财政局"],
                "12月底",
                [("per_capita", Decimal(300), "元/人/年", ["各基层工会"], "each")],
            ),
        ],
    ),
    (
        2,
        "二",
        "社会力量同参与",
        [
            (
                "牵头单位为市工商联，组织会员企业认购对口地区产品不少于50万元。",
                ["市工商联"],
                [],
                [],
                "全年",
                [("amount", Decimal(500_000), "元", ["市工商联"], "each")],
            )
        ],
    ),
    (
        3,
        "二",
        "加强工作保障",
        [("由市商务局会同市财政局负责落实专项扶持资金。", [], ["市商务局", "市财政局"], [], "全年", [])],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_headings_in_the_number_and_content_cells(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_H, fmt)
    assert outline(plan) == EXPECTED_H
    assert plan.warnings() == []
    joined = plan.tasks[0].items[1]
    assert any("文字接续上一行" in line for line in joined.inferred)


def test_a_heading_needs_a_higher_number_than_the_items() -> None:
    table = Table(
        rows=[
            ["序号", "工作内容", "责任单位"],
            ["1", "加强组织领导", ""],  # an item without units, numbered like the others: not a heading
            ["2", "各镇（街道）采购农特产品100万元。", "各镇（街道）"],
        ]
    )
    plan = parse_text(to_text(table))
    assert [len(task.items) for task in plan.tasks] == [2]
    assert plan.tasks[0].items[0].warnings == ["未识别出牵头、责任或配合单位，请核对并补充"]
