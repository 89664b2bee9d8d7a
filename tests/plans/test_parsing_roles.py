"""Responsibility cells, header cells, task labels and title lines."""

from __future__ import annotations

import pytest

from bangfu.plans.parsing.grid import Cell
from bangfu.plans.parsing.header import (
    CONTENT,
    DEADLINE,
    NOTE,
    ROLE,
    SEQ,
    TASK,
    classify,
    header_run,
    row_header,
)
from bangfu.plans.parsing.layout import split_task_label
from bangfu.plans.parsing.roles import (
    COOPERATING,
    LEAD,
    RESPONSIBLE,
    parse_roles,
    read_role_statements,
    split_names,
)
from bangfu.plans.parsing.title import find_year, is_note, pick_title


def roles(text: str, default: str = RESPONSIBLE) -> tuple[list[str], list[str], list[str]]:
    found = parse_roles(text, default)
    return found.lead, found.responsible, found.cooperating


# -- roles --------------------------------------------------------------------------------------------------


def test_labels_on_their_own_lines_with_blank_lines() -> None:
    text = "牵头单位：市总工会\n\n配合单位：市商务局、市对口支援办，其他市级各部门，各镇（街道）、各管委会\n"
    assert roles(text) == (
        ["市总工会"],
        [],
        ["市商务局", "市对口支援办", "其他市级各部门", "各镇（街道）", "各管委会"],
    )


def test_three_labels_and_half_width_colons() -> None:
    text = "牵头单位:市委宣传部\n责任单位:市融媒体中心\n配合单位:市文广旅体局;市商务局"
    assert roles(text) == (["市委宣传部"], ["市融媒体中心"], ["市文广旅体局", "市商务局"])


def test_several_labels_in_one_line() -> None:
    assert roles("牵头单位：市商务局；配合单位：市农业农村局、市工商联") == (
        ["市商务局"],
        [],
        ["市农业农村局", "市工商联"],
    )
    assert roles("牵头部门：市财政局 责任部门：市教育局 协办单位：市卫健局") == (
        ["市财政局"],
        ["市教育局"],
        ["市卫健局"],
    )


def test_label_on_its_own_line_then_names() -> None:
    assert roles("牵头单位\n市商务局\n参与单位\n市供销社  慈溪工贸集团") == (
        ["市商务局"],
        [],
        ["市供销社", "慈溪工贸集团"],
    )


def test_text_without_label_goes_to_the_column_role() -> None:
    assert roles("周巷镇、观海卫镇、龙山镇（滨海区管委会）") == (
        [],
        ["周巷镇", "观海卫镇", "龙山镇（滨海区管委会）"],
        [],
    )
    assert roles("市总工会", LEAD) == (["市总工会"], [], [])
    assert roles("市财政局，市教育局", COOPERATING) == ([], [], ["市财政局", "市教育局"])
    assert roles("牵头（责任）单位：市商务局") == (["市商务局"], [], [])


def test_names_are_kept_as_written() -> None:
    assert split_names("市农合联执委会（市供销社）、前方工作组，前方工作队") == [
        "市农合联执委会（市供销社）",
        "前方工作组",
        "前方工作队",
    ]


def test_never_split_inside_parentheses() -> None:
    assert split_names("龙山镇（滨海区管委会、慈东滨海区）、市电商协会(市电商公共服务中心)") == [
        "龙山镇（滨海区管委会、慈东滨海区）",
        "市电商协会(市电商公共服务中心)",
    ]
    assert split_names("龙山镇 (滨海区管委会) 周巷镇") == ["龙山镇 (滨海区管委会)", "周巷镇"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("各镇（街道）等", ["各镇（街道）"]),
        ("市商务局、市财政局等单位。", ["市商务局", "市财政局"]),
        ("市商务局；", ["市商务局"]),
        ("市商务局,市财政局;市教育局", ["市商务局", "市财政局", "市教育局"]),
        ("  ", []),
    ],
)
def test_trailing_etc_and_punctuation(text: str, names: list[str]) -> None:
    assert split_names(text) == names


def test_duplicate_names_in_one_role_are_listed_once() -> None:
    assert roles("配合单位：市商务局、市商务局") == ([], [], ["市商务局"])


def test_label_words_inside_a_name_are_not_labels() -> None:
    assert roles("各参与单位") == ([], ["各参与单位"], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("由市财政局牵头，各镇（街道）负责", (["市财政局"], ["各镇（街道）"], [])),
        ("市商务局牵头，市农业农村局配合", (["市商务局"], [], ["市农业农村局"])),
        ("市商务局牵头、市农业农村局配合", (["市商务局"], [], ["市农业农村局"])),
        (
            "由市委宣传部牵头，市融媒体中心、市文广旅体局配合",
            (["市委宣传部"], [], ["市融媒体中心", "市文广旅体局"]),
        ),
        ("市总工会（牵头）、市财政局", (["市总工会"], ["市财政局"], [])),
        ("由市商务局和市财政局负责", ([], ["市商务局", "市财政局"], [])),
        ("各镇（街道）具体负责实施", ([], ["各镇（街道）"], [])),
        ("责任单位：各镇（街道）负责落实", ([], ["各镇（街道）"], [])),
        ("由市商务局牵头组织实施，各镇（街道）按职责分工负责", (["市商务局"], ["各镇（街道）"], [])),
        ("责任单位：各镇（街道）（市商务局牵头）", (["市商务局"], ["各镇（街道）"], [])),
        ("由各镇（街道）负责，市商务局牵头", (["市商务局"], ["各镇（街道）"], [])),
        ("市财政局（牵头单位）、市教育局、市卫生健康局", (["市财政局"], ["市教育局", "市卫生健康局"], [])),
        (
            "市商务局（牵头），市农业农村局、市供销社（配合）",
            (["市商务局"], [], ["市农业农村局", "市供销社"]),
        ),
        ("牵头：市商务局；配合：市农业农村局", (["市商务局"], [], ["市农业农村局"])),
    ],
)
def test_sentences_in_a_responsibility_cell(text: str, expected: tuple[list[str], ...]) -> None:
    assert roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        (
            "各镇（街道）采购100万元。（由市商务局牵头，各镇（街道）负责）",
            (["市商务局"], ["各镇（街道）"], []),
            "各镇（街道）采购100万元。",
        ),
        ("（市总工会牵头）各基层工会采购帮扶产品。", (["市总工会"], [], []), "各基层工会采购帮扶产品。"),
        (
            "开展培训。牵头单位：市商务局；责任单位：各镇（街道）；配合单位：市农业农村局",
            (["市商务局"], ["各镇（街道）"], ["市农业农村局"]),
            "开展培训。",
        ),
        ("开展培训（牵头单位：市商务局）。", (["市商务局"], [], []), "开展培训。"),
        (
            "由市财政局牵头，各镇（街道）负责，全年采购农特产品各100万元。",
            (["市财政局"], ["各镇（街道）"], []),
            "全年采购农特产品各100万元。",
        ),
        (
            "开展直播带货。市商务局牵头，市农业农村局配合。",
            (["市商务局"], [], ["市农业农村局"]),
            "开展直播带货。",
        ),
        ("牵头单位为市工商联，组织会员企业认购。", (["市工商联"], [], []), "组织会员企业认购。"),
        ("各镇（街道）为责任单位，市商务局为牵头单位。", (["市商务局"], ["各镇（街道）"], []), ""),
        ("由市商务局会同市财政局负责落实专项资金。", ([], ["市商务局", "市财政局"], []), "专项资金。"),
        ("市总工会作为牵头单位。", (["市总工会"], [], []), ""),
    ],
)
def test_statements_of_units_in_running_text(text: str, expected: tuple[list[str], ...], rest: str) -> None:
    found = read_role_statements(text)
    assert (found.roles.lead, found.roles.responsible, found.roles.cooperating) == expected
    assert found.rest == rest


@pytest.mark.parametrize(
    "text",
    [
        "组织动员爱心企业、爱心人士等积极参与消费帮扶。",
        "市委宣传部牵头组织各类媒体宣传。",
        "各镇（街道）负责组织开展展销活动。",
        "营造全社会参与消费帮扶的浓厚氛围。",
        "落实专项扶持资金。",
        "各责任单位要加强协调。",
        "龙山镇（滨海区管委会）采购300万元。",
    ],
)
def test_sentences_about_work_name_no_units(text: str) -> None:
    found = read_role_statements(text)
    assert found.roles.is_empty() and found.rest == text


def test_known_names_with_separators_stay_whole() -> None:
    known = ["党政机关、学校、医院食堂（餐厅）", "各镇、街道"]
    assert split_names("党政机关、学校、医院食堂（餐厅）、市教育局，各镇、街道", known) == [
        "党政机关、学校、医院食堂（餐厅）",
        "市教育局",
        "各镇、街道",
    ]
    assert split_names("党政机关、学校、医院食堂(餐厅)等", known) == ["党政机关、学校、医院食堂(餐厅)"]
    assert split_names("党政机关、学校", known) == ["党政机关", "学校"]
    assert roles("责任单位：党政机关、学校、医院食堂（餐厅）", RESPONSIBLE) != (
        [],
        ["党政机关、学校、医院食堂（餐厅）"],
        [],
    )
    found = parse_roles("责任单位：党政机关、学校、医院食堂（餐厅）", known=known)
    assert found.responsible == ["党政机关、学校、医院食堂（餐厅）"]


# -- header cells --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "role"),
    [
        ("序号", SEQ, ""),
        ("编号", SEQ, ""),
        ("工作任务", TASK, ""),
        ("重点任务", TASK, ""),
        ("任务", TASK, ""),
        ("主要任务", TASK, ""),
        ("工作内容", CONTENT, ""),
        ("工  作  内  容", CONTENT, ""),
        ("具\u3000体\u3000内\u3000容", CONTENT, ""),
        ("主要内容", CONTENT, ""),
        ("任务内容", CONTENT, ""),
        ("工作措施", CONTENT, ""),
        ("具体措施", CONTENT, ""),
        ("责任单位", ROLE, RESPONSIBLE),
        ("责任部门", ROLE, RESPONSIBLE),
        ("牵头单位", ROLE, LEAD),
        ("牵头部门", ROLE, LEAD),
        ("牵头（责任）单位", ROLE, LEAD),
        ("配合单位", ROLE, COOPERATING),
        ("配合部门", ROLE, COOPERATING),
        ("协办单位", ROLE, COOPERATING),
        ("完成时限", DEADLINE, ""),
        ("时间节点", DEADLINE, ""),
        ("完成时间", DEADLINE, ""),
        ("时限", DEADLINE, ""),
        ("完成期限", DEADLINE, ""),
        ("时间要求", DEADLINE, ""),
        ("备注", NOTE, ""),
        ("责任分工", ROLE, RESPONSIBLE),
        ("职责分工", ROLE, RESPONSIBLE),
        ("责任主体", ROLE, RESPONSIBLE),
    ],
)
def test_header_synonyms(text: str, kind: str, role: str) -> None:
    assert classify(text) == (kind, role)


@pytest.mark.parametrize("text", ["2022年慈溪市消费帮扶工作任务分解表", "基层工会共参与", "1", ""])
def test_not_header_cells(text: str) -> None:
    assert classify(text) is None


def _row(*texts: str) -> list[Cell]:
    return [Cell(text, (0, col)) for col, text in enumerate(texts)]


def test_header_rows() -> None:
    assert row_header(_row("序号", "工作任务", "工  作  内  容", "责任单位")) is not None
    assert row_header(_row("2022年慈溪市消费帮扶工作任务分解表", "", "", "")) is None
    assert (
        row_header(
            _row("1", "基层工会共参与", "各基层工会单位全年购买对口地区产品金额应达到…", "牵头单位：市总工会")
        )
        is None
    )
    assert row_header(_row("序号", "姓名", "金额", "日期")) is None
    # "重点任务" holds the work when there is no content column
    columns = row_header(_row("序号", "重点任务", "责任单位"))
    assert columns is not None and [c.kind for c in columns] == [SEQ, CONTENT, ROLE]


def test_header_run_in_a_flat_cell_list() -> None:
    texts = [
        "2022年慈溪市消费帮扶工作任务分解表",
        "序号",
        "工作任务",
        "工作内容",
        "责任单位",
        "1",
        "基层工会共参与",
    ]
    assert header_run(texts) == (1, 4)
    assert header_run(["附件", "说明"]) is None


# -- task labels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "name"),
    [
        ("一、基层工会共参与", "一", "基层工会共参与"),
        ("（二）食堂采购", "二", "食堂采购"),
        ("(3) 宣传推广", "3", "宣传推广"),
        ("十一．加强保障", "十一", "加强保障"),
        ("1、渠道建设", "1", "渠道建设"),
        ("2.宣传", "2", "宣传"),
        ("第三部分 社会参与", "三", "社会参与"),
        ("一", "一", ""),
        ("12", "12", ""),
        ("电商、\n外贸产业\n补短板", "", "电商、外贸产业补短板"),
        ("两新组织同参与", "", "两新组织同参与"),
        ("三农服务", "", "三农服务"),
        ("1.1", "", "1.1"),
    ],
)
def test_split_task_label(text: str, label: str, name: str) -> None:
    assert split_task_label(text) == (label, name)


# -- title and notes ------------------------------------------------------------------------------------------


def test_pick_title() -> None:
    lines = ["附件", "2022年慈溪市消费帮扶工作任务分解表", "（2022年3月）", "填报单位：市对口支援办"]
    assert pick_title(lines) == "2022年慈溪市消费帮扶工作任务分解表"
    assert pick_title(["附件1：2023年消费帮扶任务清单"]) == "2023年消费帮扶任务清单"
    assert pick_title(["附件1", "（2022年3月）"]) == ""
    assert pick_title(["2024年消费帮扶\n工作任务分解表"]) == "2024年消费帮扶工作任务分解表"


def test_find_year() -> None:
    assert find_year("2022年慈溪市消费帮扶工作任务分解表") == 2022
    assert find_year("慈溪市消费帮扶工作任务分解表") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("备注：各单位每月报送。", True),
        ("注：本表由县对口支援办负责解释。", True),
        ("注1：金额单位为万元", True),
        ("说明：时间节点为最迟完成时间。", True),
        ("填表说明", True),
        ("备注", True),
        ("注重宣传效果", False),
        ("说明会", False),
        ("采购农特产品", False),
    ],
)
def test_is_note(text: str, expected: bool) -> None:
    assert is_note(text) is expected
