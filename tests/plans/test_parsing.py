"""Task tables built in the tests, in every layout and every format (.docx, .xlsx, .xls, text)."""

from __future__ import annotations

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

# -- layout A: a number per task, a task column, separate unit columns, a deadline column -----------------

A_HEADER = ["序号", "重点任务", "具体措施", "牵头单位", "责任单位", "配合单位", "完成时限", "备注"]
_A_NOTE, _A_NOTE_MERGE = full_row(8, "备注：各单位于每月5日前报送进度。", 7)
TABLE_A = Table(
    before=["附件1", "2023年某市消费帮扶工作任务分解表", "（2023年3月）"],
    rows=[
        A_HEADER,
        [
            "一",
            "基层工会\n共参与",
            "全市各基层工会单位每年采购对口地区产品金额不低于年度慰问品总金额的30%。",
            "市总工会",
            "",
            "市财政局、市商务局",
            "2023年12月底",
            "",
        ],
        [
            "二",
            "机关食堂",
            "各预算单位食堂预留不低于15%的食材采购份额，通过832平台采购。",
            "市财政局",
            "市机关事务管理局",
            "",
            "2023年\n12月底前",
            "",
        ],
        [
            "",
            "",
            "全市全年采购对口地区农特产品1.2亿元以上，其中通过832平台采购3000万元以上。",
            "市对口支援办",
            "各镇（街道）",
            "",
            "",
            "",
        ],
        [""] * 8,
        [
            "三",
            "展销活动",
            "周巷镇、观海卫镇各采购对口地区农特产品200万元。",
            "市商务局",
            "周巷镇、观海卫镇",
            "市农业农村局",
            "2023年6月底",
            "新增",
        ],
        ["", "", "举办消费帮扶专场展销活动不少于4场，培训电商人员200人次以上。", "", "", "", "", ""],
        _A_NOTE,
    ],
    merges=[
        (2, 0, 3, 0),
        (2, 1, 3, 1),
        (2, 6, 3, 6),
        (5, 0, 6, 0),
        (5, 1, 6, 1),
        (5, 3, 6, 3),
        (5, 4, 6, 4),
        (5, 5, 6, 5),
        (5, 6, 6, 6),
        _A_NOTE_MERGE,
    ],
)
TOWNS = ["周巷镇", "观海卫镇"]
EXPECTED_A: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "全市各基层工会单位每年采购对口地区产品金额不低于年度慰问品总金额的30%。",
                ["市总工会"],
                [],
                ["市财政局", "市商务局"],
                "2023年12月底",
                [("ratio", Decimal("0.3"), "比例", ["各基层工会"], "each")],
            )
        ],
    ),
    (
        2,
        "二",
        "机关食堂",
        [
            (
                "各预算单位食堂预留不低于15%的食材采购份额，通过832平台采购。",
                ["市财政局"],
                ["市机关事务管理局"],
                [],
                "2023年12月底前",
                [("ratio", Decimal("0.15"), "比例", ["各预算单位食堂"], "each")],
            ),
            (
                "全市全年采购对口地区农特产品1.2亿元以上，其中通过832平台采购3000万元以上。",
                ["市对口支援办"],
                ["各镇（街道）"],
                [],
                "2023年12月底前",
                [
                    ("amount", Decimal(120_000_000), "元", ["市对口支援办"], "total"),
                    ("amount", Decimal(30_000_000), "元", ["市对口支援办"], "total"),
                ],
            ),
        ],
    ),
    (
        3,
        "三",
        "展销活动",
        [
            (
                "周巷镇、观海卫镇各采购对口地区农特产品200万元。",
                ["市商务局"],
                TOWNS,
                ["市农业农村局"],
                "2023年6月底",
                [("amount", Decimal(2_000_000), "元", TOWNS, "each")],
            ),
            (
                "举办消费帮扶专场展销活动不少于4场，培训电商人员200人次以上。",
                ["市商务局"],
                TOWNS,
                ["市农业农村局"],
                "2023年6月底",
                [("count", Decimal(4), "场", TOWNS, "each"), ("count", Decimal(200), "人次", TOWNS, "each")],
            ),
        ],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_a_with_separate_unit_columns(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_A, fmt)
    assert plan.title == "2023年某市消费帮扶工作任务分解表"
    assert plan.year == 2023
    assert outline(plan) == EXPECTED_A
    assert plan.notes == ["备注：各单位于每月5日前报送进度。"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_a_target_details(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_A, fmt)
    canteen = plan.tasks[1].items[0].targets[0]
    assert (canteen.base, canteen.base_kind, canteen.channel) == (
        "食材采购份额",
        "procurement_budget",
        "832平台",
    )
    total, part = plan.tasks[1].items[1].targets
    assert (total.parent, total.channel, total.text) == (None, "", "全市全年采购对口地区农特产品1.2亿元以上")
    assert (part.parent, part.channel, part.text) == (0, "832平台", "其中通过832平台采购3000万元以上")
    assert plan.tasks[0].items[0].targets[0].base == "年度慰问品总金额"


def test_layout_a_is_the_same_in_every_format(tmp_path: Path) -> None:
    results = [comparable(parse_as(tmp_path, TABLE_A, fmt)) for fmt in FORMATS]
    assert all(result == results[0] for result in results[1:])


def test_layout_a_locations_name_table_and_row(tmp_path: Path) -> None:
    docx_plan = parse_as(tmp_path, TABLE_A, "docx")
    assert docx_plan.tasks[1].items[1].location == "表格1第4行"
    xlsx_plan = parse_as(tmp_path, TABLE_A, "xlsx")
    assert xlsx_plan.tasks[1].items[1].location == "工作表“任务分解”第7行"  # three title rows above


# -- layout B: a number per item, merged task cells "（一）…", one labelled unit column ---------------------

B_HEADER = ["序号", "工作任务", "工作内容", "责任单位", "完成时间"]
_B_TITLE, _B_TITLE_MERGE = full_row(5, "2024年某县消费帮扶重点任务清单", 0)
TABLE_B = Table(
    rows=[
        _B_TITLE,
        ["填报单位：某县对口支援办", "", "", "", "（2024年2月）"],
        B_HEADER,
        [
            "1",
            "（一）基层工会共参与",
            "各基层工会每名职工每年不少于300元用于采购帮扶产品。",
            "牵头单位：县总工会；配合单位：县财政局、县商务局",
            "2024年12月",
        ],
        ["2", "", "开展“工会帮扶月”活动，组织职工采购帮扶产品。", "", ""],
        [
            "3",
            "（二）食堂采购",
            "各机关食堂原则上在832平台采购比例达到百分之二十。",
            "牵头部门:县财政局\n责任部门:县机关事务中心、县教育局",
            "长期",
        ],
        B_HEADER,
        [
            "4",
            "（三）宣传推广",
            "开展电商培训3期以上，发布宣传报道30篇。",
            "牵头单位\n县商务局\n责任单位\n县融媒体中心  县电商协会",
            "2024年10月",
        ],
        ["5", "", "集中推介一批对口地区农特产品，培育两个以上消费帮扶示范点。", "", ""],
        [""] * 5,
        ["注：本表由县对口支援办负责解释。", "", "", "", ""],
    ],
    merges=[
        _B_TITLE_MERGE,
        (3, 1, 4, 1),
        (3, 3, 4, 3),
        (3, 4, 4, 4),
        (7, 1, 8, 1),
        (7, 3, 8, 3),
        (7, 4, 8, 4),
    ],
)
MEDIA = ["县融媒体中心", "县电商协会"]
EXPECTED_B: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "各基层工会每名职工每年不少于300元用于采购帮扶产品。",
                ["县总工会"],
                [],
                ["县财政局", "县商务局"],
                "2024年12月",
                [("per_capita", Decimal(300), "元/人/年", ["各基层工会"], "each")],
            ),
            (
                "开展“工会帮扶月”活动，组织职工采购帮扶产品。",
                ["县总工会"],
                [],
                ["县财政局", "县商务局"],
                "2024年12月",
                [],
            ),
        ],
    ),
    (
        2,
        "二",
        "食堂采购",
        [
            (
                "各机关食堂原则上在832平台采购比例达到百分之二十。",
                ["县财政局"],
                ["县机关事务中心", "县教育局"],
                [],
                "长期",
                [("ratio", Decimal("0.2"), "比例", ["各机关食堂"], "each")],
            )
        ],
    ),
    (
        3,
        "三",
        "宣传推广",
        [
            (
                "开展电商培训3期以上，发布宣传报道30篇。",
                ["县商务局"],
                MEDIA,
                [],
                "2024年10月",
                [("count", Decimal(3), "期", MEDIA, "each"), ("count", Decimal(30), "篇", MEDIA, "each")],
            ),
            (
                "集中推介一批对口地区农特产品，培育两个以上消费帮扶示范点。",
                ["县商务局"],
                MEDIA,
                [],
                "2024年10月",
                [("count", Decimal(2), "个", MEDIA, "each")],
            ),
        ],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_b_numbers_per_item_and_merged_task_cells(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_B, fmt)
    assert plan.title == "2024年某县消费帮扶重点任务清单"  # a merged title row inside the table
    assert plan.year == 2024
    assert outline(plan) == EXPECTED_B
    assert plan.notes == ["注：本表由县对口支援办负责解释。"]
    canteen = plan.tasks[1].items[0].targets[0]
    assert (canteen.channel, canteen.base_kind) == ("832平台", "procurement_budget")
    assert plan.tasks[0].items[1].to_dict()["qualitative"] is True


# -- layout C: no task column; section rows start tasks ----------------------------------------------------

C_HEADER = ["编号", "主\u3000要\u3000内\u3000容", "牵头（责任）单位", "配合部门", "时间节点"]
_C_ONE, _C_ONE_MERGE = full_row(5, "一、基层工会共参与", 1)
_C_TWO, _C_TWO_MERGE = full_row(5, "二、社会参与", 4)
TABLE_C = Table(
    before=["附件", "某市2025年消费帮扶工作任务清单"],
    rows=[
        C_HEADER,
        _C_ONE,
        [
            "1",
            "各基层工会采购帮扶产品金额不低于节日慰问品总额的25%。",
            "市总工会",
            "各镇（街道）等",
            "2025年12月",
        ],
        ["2", "组织工会会员参加消费帮扶月活动。", "市总工会", "市妇联", "全年"],
        _C_TWO,
        ["2.1", "全市累计销售对口地区农特产品5000万元。", "市商务局、市农业农村局", "市供销社", "2025年11月"],
        ["2.2", "动员企业认购帮扶产品，每家企业认购金额不少于三万元。", "市工商联", "市商务局", "2025年12月"],
    ],
    merges=[_C_ONE_MERGE, _C_TWO_MERGE],
    after=["说明：时间节点为最迟完成时间。", "请各单位认真落实。"],
)
EXPECTED_C: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "各基层工会采购帮扶产品金额不低于节日慰问品总额的25%。",
                ["市总工会"],
                [],
                ["各镇（街道）"],
                "2025年12月",
                [("ratio", Decimal("0.25"), "比例", ["各基层工会"], "each")],
            ),
            ("组织工会会员参加消费帮扶月活动。", ["市总工会"], [], ["市妇联"], "全年", []),
        ],
    ),
    (
        2,
        "二",
        "社会参与",
        [
            (
                "全市累计销售对口地区农特产品5000万元。",
                ["市商务局", "市农业农村局"],
                [],
                ["市供销社"],
                "2025年11月",
                [("amount", Decimal(50_000_000), "元", ["市商务局", "市农业农村局"], "total")],
            ),
            (
                "动员企业认购帮扶产品，每家企业认购金额不少于三万元。",
                ["市工商联"],
                [],
                ["市商务局"],
                "2025年12月",
                [("amount", Decimal(30_000), "元", ["市工商联"], "each")],
            ),
        ],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_c_section_rows_without_a_task_column(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_C, fmt)
    assert plan.title == "某市2025年消费帮扶工作任务清单"
    assert plan.year == 2025
    assert outline(plan) == EXPECTED_C
    assert plan.notes == ["说明：时间节点为最迟完成时间。", "请各单位认真落实。"]


SECTIONS_IN_TEXT = "\t序号\n\t工作内容\n\t责任单位\n\t一、基层工会共参与\n\t\n\t\n\t1\n\t各基层工会采购30个帮扶产品。\n\t市总工会\n"


def test_layout_c_sections_alone_in_the_first_cell_of_a_text_extraction() -> None:
    plan = parse_text(SECTIONS_IN_TEXT)
    assert outline(plan) == [
        (
            1,
            "一",
            "基层工会共参与",
            [
                (
                    "各基层工会采购30个帮扶产品。",
                    [],
                    ["市总工会"],
                    [],
                    None,
                    [("count", Decimal(30), "个", ["各基层工会"], "each")],
                )
            ],
        )
    ]


GROUPED = Table(
    rows=[
        ["编号", "具体内容", "责任单位"],
        ["1.1", "开展直播带货活动。", "市商务局"],
        ["1.2", "组织企业参加展会不少于2次。", "市商务局"],
        ["2.1", "建立考核机制。", "市对口支援办"],
    ]
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_items_numbered_1_1_are_grouped_into_tasks(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, GROUPED, fmt)
    assert [(task.seq, task.label, task.name, len(task.items)) for task in plan.tasks] == [
        (1, "1", "", 2),
        (2, "2", "", 1),
    ]
    assert plan.tasks[0].items[1].targets[0].value == Decimal(2)
    assert plan.title == "" and plan.year is None


# -- layout D: task cells carry their number; the docx splits over two tables ------------------------------

D_HEADER = ["工作任务", "任务内容", "责任单位", "配合单位", "完成期限"]
TABLE_D = Table(
    before=["2026年消费帮扶工作任务分解表"],
    rows=[
        D_HEADER,
        [
            "一、基层工会共参与",
            "各基层工会全年采购帮扶产品不少于10万元。",
            "各基层工会",
            "市总工会",
            "2026年底",
        ],
        ["", "举办职工消费帮扶活动不少于三场。", "市总工会", "市商务局", ""],
        [
            "二、机关食堂采购",
            "全市机关食堂通过832平台采购帮扶产品合计800万元以上。",
            "牵头单位：市财政局\n责任单位：市机关事务管理局",
            "市教育局",
            "2026年底",
        ],
    ],
    merges=[(1, 0, 2, 0), (1, 4, 2, 4)],
    split_at=3,
)
EXPECTED_D: Outline = [
    (
        1,
        "一",
        "基层工会共参与",
        [
            (
                "各基层工会全年采购帮扶产品不少于10万元。",
                [],
                ["各基层工会"],
                ["市总工会"],
                "2026年底",
                [("amount", Decimal(100_000), "元", ["各基层工会"], "each")],
            ),
            (
                "举办职工消费帮扶活动不少于三场。",
                [],
                ["市总工会"],
                ["市商务局"],
                "2026年底",
                [("count", Decimal(3), "场", ["市总工会"], "each")],
            ),
        ],
    ),
    (
        2,
        "二",
        "机关食堂采购",
        [
            (
                "全市机关食堂通过832平台采购帮扶产品合计800万元以上。",
                ["市财政局"],
                ["市机关事务管理局"],
                ["市教育局"],
                "2026年底",
                [("amount", Decimal(8_000_000), "元", ["市财政局"], "total")],
            )
        ],
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_d_numbered_task_cells(tmp_path: Path, fmt: str) -> None:
    plan = parse_as(tmp_path, TABLE_D, fmt)
    assert plan.title == "2026年消费帮扶工作任务分解表"
    assert outline(plan) == EXPECTED_D
    assert plan.tasks[1].items[0].targets[0].channel == "832平台"


def test_docx_split_over_two_tables_is_concatenated(tmp_path: Path) -> None:
    import docx

    path = write(tmp_path, TABLE_D, "docx")
    assert len(docx.Document(str(path)).tables) == 2
    plan = parse_table(path)
    assert plan.tasks[1].items[0].location == "表格2第2行"
    assert plan.notes == []


# -- more shapes -----------------------------------------------------------------------------------------


def test_first_worksheet_with_a_header_is_used(tmp_path: Path) -> None:
    from tests.plans.fixtures import write_xlsx

    path = write_xlsx(tmp_path / "plan.xlsx", TABLE_D, sheet="分解表", leading_sheets=("填表说明",))
    plan = parse_table(path)
    assert outline(plan) == EXPECTED_D
    assert plan.tasks[0].items[0].location == "工作表“分解表”第3行"


SUB_HEADER = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位", ""],
        ["", "", "", "牵头单位", "配合单位"],
        [
            "1",
            "食堂采购",
            "各预算单位食堂每年在832平台采购比例不低于10%。",
            "市财政局",
            "市教育局、市卫生健康局",
        ],
    ],
    merges=[(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 4)],
)


def test_header_spanning_two_unit_columns_with_a_sub_header(tmp_path: Path) -> None:
    table = SUB_HEADER
    for fmt in ("docx", "xlsx", "xls"):
        item = parse_as(tmp_path, table, fmt).tasks[0].items[0]
        assert (item.lead, item.responsible, item.cooperating) == (
            ["市财政局"],
            [],
            ["市教育局", "市卫生健康局"],
        )
        assert item.targets[0].orgs == ["各预算单位食堂"]


SPANNING_UNIT_CELL = Table(
    rows=[
        ["编号", "任务", "工作内容", "牵头（责任）单位"],
        ["1", "渠道建设", "开设消费帮扶专柜10个。", "市商务局"],
        ["1", "渠道建设", "开设线上店铺2家。", ""],
        ["2", "宣传", "发布宣传稿件不少于20篇。", ""],
    ],
    merges=[(1, 3, 3, 3)],
)


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "xls"])
def test_unit_cell_spanning_two_tasks_and_seq_repeated_without_merging(tmp_path: Path, fmt: str) -> None:
    table = SPANNING_UNIT_CELL
    plan = parse_as(tmp_path, table, fmt)
    assert [(task.seq, task.name, len(task.items)) for task in plan.tasks] == [
        (1, "渠道建设", 2),
        (2, "宣传", 1),
    ]
    assert all(item.lead == ["市商务局"] for task in plan.tasks for item in task.items)
    # A text extraction cannot tell a merged cell from an empty one: units carry over within a task only.
    text_plan = parse_text(to_text(table))
    assert [item.lead for task in text_plan.tasks for item in task.items] == [["市商务局"], ["市商务局"], []]


TEXT_INHERITS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "牵头单位", "责任单位", "完成时限"],
        ["1", "镇街采购", "采购对口地区农特产品300万元。", "市商务局", "周巷镇", "12月底"],
        ["", "", "采购对口地区农特产品250万元。", "", "古塘街道", ""],
        ["2", "宣传", "开展宣传活动。", "市委宣传部", "", ""],
    ]
)


def test_text_extraction_inherits_empty_cells_per_column() -> None:
    table = TEXT_INHERITS
    plan = parse_text(to_text(table))
    second = plan.tasks[0].items[1]
    assert (second.lead, second.responsible, second.deadline) == (["市商务局"], ["古塘街道"], "12月底")
    other_task = plan.tasks[1].items[0]
    assert (other_task.lead, other_task.responsible, other_task.deadline) == (["市委宣传部"], [], None)


DOCX_EMPTY_CELLS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "牵头单位", "责任单位", "完成时限"],
        ["1", "镇街采购", "采购对口地区农特产品300万元。", "市商务局", "周巷镇", "12月底"],
        ["", "", "采购对口地区农特产品250万元。", "", "古塘街道", ""],
        ["", "", "采购对口地区农特产品50万元。", "", "", ""],
    ],
    merges=[(1, 0, 3, 0), (1, 1, 3, 1)],
)


def test_docx_empty_cells_are_empty_unless_the_whole_unit_part_is(tmp_path: Path) -> None:
    table = DOCX_EMPTY_CELLS
    items = parse_as(tmp_path, table, "docx").tasks[0].items
    assert [(i.lead, i.responsible, i.deadline) for i in items] == [
        (["市商务局"], ["周巷镇"], "12月底"),
        ([], ["古塘街道"], None),
        ([], ["古塘街道"], None),
    ]


PREFACE_ROWS = Table(
    rows=[
        ["附件2", "", "", ""],
        ["2027年消费帮扶任务清单", "", "", ""],
        ["填报单位：（盖章）", "", "", "填报日期："],
        ["编  号", "主要任务", "工 作 措 施", "牵头部门"],
        ["（一）", "产销对接", "组织产销对接会2场。", "市商务局"],
    ]
)


def test_header_found_below_preface_rows_and_synonyms(tmp_path: Path) -> None:
    table = PREFACE_ROWS
    for fmt in ("xlsx", "txt"):
        plan = parse_as(tmp_path, table, fmt)
        assert plan.title == "2027年消费帮扶任务清单"
        assert outline(plan) == [
            (
                1,
                "一",
                "产销对接",
                [
                    (
                        "组织产销对接会2场。",
                        ["市商务局"],
                        [],
                        [],
                        None,
                        [("count", Decimal(2), "场", ["市商务局"], "each")],
                    )
                ],
            )
        ]


def test_default_year_when_the_title_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, GROUPED, "xlsx")
    assert parse_table(path, default_year=2022).year == 2022
    assert parse_table(path).year is None


def test_gbk_text_and_unknown_extension(tmp_path: Path) -> None:
    from tests.plans.fixtures import write_docx, write_text

    gbk = write_text(tmp_path / "gbk.txt", TABLE_C, encoding="gb18030")
    assert outline(parse_table(gbk)) == EXPECTED_C
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + to_text(TABLE_C).encode("utf-8"))
    assert outline(parse_table(bom)) == EXPECTED_C
    sniffed = write_docx(tmp_path / "download.bin", TABLE_A)
    assert outline(parse_table(sniffed)) == EXPECTED_A
    sniffed_text = write_text(tmp_path / "export.dat", TABLE_A)
    assert outline(parse_table(sniffed_text)) == EXPECTED_A


def test_xlsx_and_xls_bytes_are_sniffed_without_an_extension(tmp_path: Path) -> None:
    for fmt in ("xlsx", "xls"):
        path = write(tmp_path, TABLE_D, fmt)
        renamed = path.rename(tmp_path / f"no_extension_{fmt}")
        assert outline(parse_table(renamed)) == EXPECTED_D


CSV_TEXT = (
    "2022年消费帮扶工作任务分解表,,,\n序号,工作任务,工作内容,责任单位\n"
    '1,采购,"采购农特产品1,280万元。",周巷镇\n'
)


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(CSV_TEXT, encoding="gb18030")
    plan = parse_table(path)
    assert plan.year == 2022
    assert plan.tasks[0].items[0].targets[0].value == Decimal(12_800_000)


TSV_TEXT = "任务表\n序号\t工作任务\t工作内容\t责任单位\n1\t采购\t采购农特产品50万元。\t横河镇\n"


def test_tsv_text(tmp_path: Path) -> None:
    plan = parse_text(TSV_TEXT)
    assert plan.tasks[0].items[0].targets[0].value == Decimal(500_000)
    assert plan.tasks[0].items[0].responsible == ["横河镇"]


def write_typed_xlsx(path: Path) -> Path:
    """A worksheet whose numbers and dates are typed cells, not text."""
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "工作任务", "工作内容", "责任单位", "完成时限"])
    sheet.append([1, "采购", "采购农特产品50万元。", "横河镇", dt.date(2022, 6, 30)])
    sheet.append([2.0, "宣传", "宣传报道10篇。", "市融媒体中心", dt.datetime(2022, 12, 31)])
    workbook.save(path)
    return path


def test_excel_numbers_and_dates_are_read_as_text(tmp_path: Path) -> None:
    plan = parse_table(write_typed_xlsx(tmp_path / "typed.xlsx"))
    assert [(task.seq, task.label) for task in plan.tasks] == [(1, "1"), (2, "2")]
    assert [task.items[0].deadline for task in plan.tasks] == ["2022-06-30", "2022-12-31"]


CONTENT_SPANNING_UNIT_ROWS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位"],
        ["1", "镇街采购", "各镇（街道）每年采购对口地区农特产品100万元。", "周巷镇"],
        ["", "", "", "观海卫镇"],
    ],
    merges=[(1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 2, 2)],
)


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "xls"])
def test_content_cell_spanning_two_unit_rows_is_one_item(tmp_path: Path, fmt: str) -> None:
    table = CONTENT_SPANNING_UNIT_ROWS
    (item,) = parse_as(tmp_path, table, fmt).tasks[0].items
    assert item.responsible == ["周巷镇", "观海卫镇"]
    assert item.targets[0].orgs == ["各镇（街道）"]


UNKNOWN_COLUMNS = Table(
    rows=[
        ["序号", "工作任务", "工作内容", "责任单位", "联系人", "联系电话"],
        ["1", "采购", "采购对口地区农特产品300万元。", "周巷镇", "张三", "12345678"],
        ["2", "宣传", "开展宣传活动。", "市委宣传部", "李四", "87654321"],
    ]
)


def test_text_extraction_with_header_columns_the_parser_does_not_know() -> None:
    table = UNKNOWN_COLUMNS
    plan = parse_text(to_text(table))
    assert [(task.name, task.items[0].responsible) for task in plan.tasks] == [
        ("采购", ["周巷镇"]),
        ("宣传", ["市委宣传部"]),
    ]
