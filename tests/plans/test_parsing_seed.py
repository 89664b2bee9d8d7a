"""The real 2022 Cixi table, in both shipped forms (.docx and its text extraction)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bangfu.plans.parsing import ParsedPlan, parse_table, parse_text

SEEDS = Path(__file__).resolve().parents[2] / "bangfu" / "data" / "seeds"
DOCX = SEEDS / "2022年慈溪市消费帮扶工作任务分解表.docx"
TXT = SEEDS / "2022年慈溪市消费帮扶工作任务分解表.txt"

TOWNS_AND_BOARDS = ["各镇（街道）", "各管委会"]

#: (task, item) → (lead, responsible, cooperating), exactly as the table writes them.
EXPECTED_ROLES: dict[tuple[int, int], tuple[list[str], list[str], list[str]]] = {
    (1, 1): (
        ["市总工会"],
        [],
        [
            "市商务局",
            "市对口支援办",
            "市财政局",
            "市机关事务管理局",
            "市教育局",
            "市卫生健康局",
            "市国有资产管理中心",
            "其他市级各部门",
            *TOWNS_AND_BOARDS,
        ],
    ),
    (2, 1): (
        ["市财政局"],
        ["市委直属机关工委", "市教育局", "市卫生健康局", "市金融发展服务中心"],
        ["市对口支援办", "市商务局", "其他市级部门", *TOWNS_AND_BOARDS],
    ),
    (2, 2): ([], ["周巷镇", "观海卫镇", "龙山镇（滨海区管委会）"], []),
    (2, 3): ([], ["古塘街道", "宗汉街道", "横河镇"], []),
    (2, 4): (
        [],
        [
            "浒山街道",
            "白沙路街道",
            "坎墩街道",
            "逍林镇",
            "掌起镇",
            "附海镇",
            "桥头镇",
            "胜山镇",
            "新浦镇",
            "匡堰镇",
            "长河镇",
        ],
        [],
    ),
    (2, 5): ([], ["慈溪高新区管委会"], []),
    (3, 1): (
        ["市农业农村局", "市工商联", "市商务局", "市金融发展服务中心"],
        [],
        ["市财政局", "其他市级各部门", "前方工作组"],
    ),
    (3, 2): (["市民政局"], [], ["市农业农村局", "市商务局", "市工商联", "前方工作队"]),
    (4, 1): (
        ["市商务局"],
        [],
        ["市农业农村局", "市文广旅体局", "市农合联执委会（市供销社）", "慈溪工贸集团"],
    ),
    (4, 2): (
        ["市商务局"],
        [],
        [
            "市市场监督管理局",
            "市农业农村局",
            "市农合联执委会（市供销社）",
            "市文广旅体局",
            "慈溪工贸集团",
            "慈溪农旅集团",
            "各镇（街道）",
        ],
    ),
    (4, 3): (
        ["市委宣传部"],
        ["市融媒体中心"],
        ["市文广旅体局", "市商务局", "市对口支援办", "市山海协作办", "各镇（街道）"],
    ),
    (5, 1): (["市商务局"], [], ["各镇（街道）", "市电商协会（市电商公共服务中心）"]),
    (5, 2): (["市商务局"], [], ["各镇（街道）", "市电商协会（市电商公共服务中心）"]),
    (6, 1): (["市对口支援办"], [], []),
    (6, 2): (["市商务局", "市财政局"], [], []),
    (6, 3): (["市市场监督管理局", "市商务局"], [], []),
    (6, 4): (["市委宣传部"], [], []),
}


@pytest.fixture(scope="module", params=["docx", "txt"])
def seed(request: pytest.FixtureRequest) -> ParsedPlan:
    return parse_table(DOCX if request.param == "docx" else TXT)


def _item(plan: ParsedPlan, task: int, item: int):
    return plan.tasks[task - 1].items[item - 1]


def _comparable(plan: ParsedPlan) -> dict:
    data = plan.to_dict()
    del data["source_name"], data["sha256"], data["inferred"]
    for task in data["tasks"]:
        for item in task["items"]:
            del item["location"], item["inferred"]
    return data


def test_seed_title_year_and_shape(seed: ParsedPlan) -> None:
    assert seed.title == "2022年慈溪市消费帮扶工作任务分解表"
    assert seed.year == 2022
    assert [len(task.items) for task in seed.tasks] == [1, 5, 2, 3, 2, 4]
    assert [task.seq for task in seed.tasks] == [1, 2, 3, 4, 5, 6]
    assert [task.name for task in seed.tasks] == [
        "基层工会共参与",
        "五进对接持续推",
        "社会力量同努力",
        "促销渠道多样化",
        "电商、外贸产业补短板",
        "加强工作保障",
    ]
    assert seed.notes == []


def test_seed_roles_match_the_table_exactly(seed: ParsedPlan) -> None:
    found = {
        (task.seq, item.seq): (item.lead, item.responsible, item.cooperating)
        for task in seed.tasks
        for item in task.items
    }
    assert found == EXPECTED_ROLES


def test_seed_town_amounts_total_33_5_million(seed: ParsedPlan) -> None:
    values = []
    total = Decimal(0)
    for number in (2, 3, 4, 5):
        item = _item(seed, 2, number)
        assert len(item.targets) == 1
        target = item.targets[0]
        assert (target.kind, target.unit, target.scope) == ("amount", "元", "each")
        assert target.orgs == item.responsible
        values.append(target.value)
        total += target.value * len(target.orgs)
    assert values == [Decimal(3_000_000), Decimal(2_500_000), Decimal(1_500_000), Decimal(500_000)]
    assert total == Decimal(33_500_000)


def test_seed_union_ratio_and_per_capita_quota(seed: ParsedPlan) -> None:
    ratio, quota = _item(seed, 1, 1).targets
    assert ratio.kind == "ratio" and ratio.value == Decimal("0.20") and ratio.unit == "比例"
    assert ratio.base == "年度发放职工法定节假日慰问品总金额"
    assert ratio.base_kind == "holiday_gift_total"
    assert ratio.orgs == ["各基层工会"] and ratio.scope == "each"
    assert quota.kind == "per_capita" and quota.value == Decimal(500) and quota.unit == "元/人/年"
    assert quota.orgs == ["各基层工会"]
    assert "每人每年500元" in quota.text


def test_seed_canteen_ratio_on_the_832_platform(seed: ParsedPlan) -> None:
    (target,) = _item(seed, 2, 1).targets
    assert target.kind == "ratio" and target.value == Decimal("0.10")
    assert target.channel == "832平台"
    assert target.base == "采购预算资金" and target.base_kind == "procurement_budget"
    assert target.orgs == ["党政机关、学校、医院食堂（餐厅）"]


def test_seed_other_items_are_qualitative(seed: ParsedPlan) -> None:
    with_targets = {(task.seq, item.seq) for task in seed.tasks for item in task.items if item.targets}
    assert with_targets == {(1, 1), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5)}
    assert all(item.to_dict()["qualitative"] for item in _item_list(seed) if not item.targets)


def _item_list(plan: ParsedPlan):
    return [item for task in plan.tasks for item in task.items]


def test_seed_docx_and_text_parse_identically() -> None:
    assert _comparable(parse_table(DOCX)) == _comparable(parse_table(TXT))


def test_the_text_extraction_says_where_it_repeated_units() -> None:
    # In Word, 5.2's unit cell is merged with 5.1's; the text extraction leaves it empty.
    assert parse_table(DOCX).inferences() == []
    assert parse_table(TXT).inferences() == [
        "事项5.2（文本第14行）：单位栏为空，沿用上一事项的单位"
        "（牵头：市商务局；配合：各镇（街道）、市电商协会（市电商公共服务中心））"
    ]


def test_seed_text_via_parse_text_matches_the_file() -> None:
    from_text = parse_text(TXT.read_text(encoding="utf-8"), source_name=TXT.name)
    assert _comparable(from_text) == _comparable(parse_table(TXT))
    assert from_text.sha256 == ""
    assert from_text.source_name == TXT.name


def test_seed_provenance_and_json() -> None:
    plan = parse_table(DOCX)
    assert plan.source_name == DOCX.name
    assert len(plan.sha256) == 64
    assert _item(plan, 2, 2).location == "表格1第4行"
    data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
    first = data["tasks"][0]["items"][0]["targets"]
    assert first[0]["value"] == 0.2 and first[1]["value"] == 500
    assert isinstance(first[1]["value"], int)
    assert data["tasks"][1]["items"][1]["targets"][0]["value"] == 3_000_000
    assert data["tasks"][0]["label"] == "1"


def test_seed_default_year_is_not_needed_when_the_title_has_one() -> None:
    assert parse_table(TXT, default_year=2030).year == 2022


def test_to_dict_and_from_dict_round_trip():
    parsed = parse_table(SEEDS / "2022年慈溪市消费帮扶工作任务分解表.docx")
    again = ParsedPlan.from_dict(parsed.to_dict())
    assert again == parsed
