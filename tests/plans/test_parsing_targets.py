"""Targets read from item text: amounts, ratios, per-capita quotas, counts — and what is not a target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bangfu.plans.parsing.model import ParsedTarget
from bangfu.plans.parsing.targets import (
    base_kind_of,
    extract_targets,
    find_subject,
    looks_like_org,
    ratio_base,
)

LEAD = ["市商务局"]
TOWNS = ["周巷镇", "观海卫镇"]


def read(
    text: str, *, lead: list[str] | None = None, responsible: list[str] | None = None
) -> list[ParsedTarget]:
    return extract_targets(text, lead=LEAD if lead is None else lead, responsible=responsible or [])


def values(text: str) -> list[tuple[str, Decimal, str]]:
    return [(t.kind, t.value, t.unit) for t in read(text)]


# -- amounts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("采购对口地区农特产品300万元。", 3_000_000),
        ("全年采购1.2亿元以上", 120_000_000),
        ("采购金额达到3,000元", 3_000),
        ("采购金额达到1，280元", 1_280),
        ("采购三百万元农产品", 3_000_000),
        ("采购一千二百万元", 12_000_000),
        ("力争采购１２０万元", 1_200_000),
        ("不少于50万元", 500_000),
        ("不低于２.５万元", 25_000),
        ("采购额1,280.50元", Decimal("1280.50")),
        ("采购帮扶产品5千元", 5_000),
    ],
)
def test_amounts(text: str, yuan: int | Decimal) -> None:
    assert values(text) == [("amount", Decimal(yuan), "元")]


def test_amount_applies_to_each_responsible_unit() -> None:
    (target,) = read("采购对口地区农特产品150万元。", responsible=TOWNS)
    assert (target.orgs, target.scope, target.text) == (TOWNS, "each", "采购对口地区农特产品150万元")


def test_amount_falls_back_to_the_lead_units() -> None:
    (target,) = read("采购对口地区农特产品150万元。", responsible=[])
    assert (target.orgs, target.scope) == (LEAD, "each")


def test_per_unit_amount_names_the_listed_units() -> None:
    (target,) = read("周巷镇、观海卫镇各采购对口地区农特产品200万元。", responsible=["某镇"])
    assert (target.value, target.orgs, target.scope) == (Decimal(2_000_000), TOWNS, "each")


def test_per_unit_amount_without_a_list_uses_the_responsible_units() -> None:
    (target,) = read("以上三镇各200万元", responsible=TOWNS)
    assert (target.orgs, target.scope) == (TOWNS, "each")


def test_city_total_and_sub_total() -> None:
    total, part = read(
        "全市全年采购对口地区农特产品1.2亿元以上，其中通过832平台采购3000万元以上。", responsible=TOWNS
    )
    assert (total.value, total.scope, total.orgs, total.parent) == (Decimal(120_000_000), "total", LEAD, None)
    assert (part.value, part.scope, part.orgs, part.parent) == (Decimal(30_000_000), "total", LEAD, 0)
    assert (total.channel, part.channel) == ("", "832平台")
    assert part.text == "其中通过832平台采购3000万元以上"


def test_sub_total_of_a_per_unit_target_keeps_its_units() -> None:
    total, part = read("各镇（街道）每年采购帮扶产品100万元，其中农特产品不少于60万元。")
    assert (total.orgs, total.scope) == (["各镇（街道）"], "each")
    assert (part.orgs, part.scope, part.parent) == (["各镇（街道）"], "each", 0)


@pytest.mark.parametrize(
    "text", ["累计销售5000万元", "合计采购800万元", "共采购帮扶产品300万元", "采购总额达到1亿元"]
)
def test_total_markers(text: str) -> None:
    (target,) = read(text, responsible=TOWNS)
    assert (target.scope, target.orgs) == ("total", LEAD)


def test_total_without_lead_goes_to_the_responsible_units() -> None:
    (target,) = read("全市累计销售5000万元", lead=[], responsible=TOWNS)
    assert (target.scope, target.orgs) == ("total", TOWNS)


@pytest.mark.parametrize("text", ["市总工会采购帮扶产品50万元", "市电商公共服务中心采购帮扶产品50万元"])
def test_words_containing_total_characters_are_not_totals(text: str) -> None:
    (target,) = read(text, responsible=TOWNS)
    assert target.scope == "each"


# -- ratios -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("占比20%", "0.2"),
        ("占比20％", "0.2"),
        ("安排10%以上的资金", "0.1"),
        ("比例不低于15%", "0.15"),
        ("比例达到百分之二十", "0.2"),
        ("比例达到百分之十五", "0.15"),
        ("比例达到１２.５％", "0.125"),
    ],
)
def test_ratios(text: str, fraction: str) -> None:
    assert values(text) == [("ratio", Decimal(fraction), "比例")]


def test_ratio_range_keeps_the_lower_bound() -> None:
    assert values("预留15%-30%的食堂食材采购份额") == [("ratio", Decimal("0.15"), "比例")]


def test_ratio_base_before_de() -> None:
    (target,) = read("各基层工会单位全年购买对口地区产品金额应达到年度发放职工法定节假日慰问品总金额的20%")
    assert target.base == "年度发放职工法定节假日慰问品总金额"
    assert target.base_kind == "holiday_gift_total"
    assert target.orgs == ["各基层工会"]


def test_ratio_base_after_de_and_channel() -> None:
    (target,) = read(
        "党政机关、学校、医院食堂（餐厅）等食堂（餐厅）每年要安排10%以上的采购预算资金在832平台购买帮扶产品。"
    )
    assert (target.base, target.base_kind, target.channel) == (
        "采购预算资金",
        "procurement_budget",
        "832平台",
    )
    assert target.orgs == ["党政机关、学校、医院食堂（餐厅）"]


@pytest.mark.parametrize(
    ("clause", "base"),
    [
        ("预留不低于15%的食材采购份额用于采购脱贫地区农副产品", "食材采购份额"),
        ("采购额占食堂采购总额的30%", "食堂采购总额"),
        ("比例达到20%", ""),
    ],
)
def test_ratio_base(clause: str, base: str) -> None:
    match = next(i for i, ch in enumerate(clause) if ch.isdigit())
    end = clause.index("%") + 1
    assert ratio_base(clause, match, end) == base


@pytest.mark.parametrize(
    ("base", "kind"),
    [
        ("年度发放职工法定节假日慰问品总金额", "holiday_gift_total"),
        ("采购预算资金", "procurement_budget"),
        ("食堂食材采购金额", "procurement_budget"),
        ("会员人数", "member_count"),
        ("销售额", ""),
    ],
)
def test_base_kinds(base: str, kind: str) -> None:
    assert base_kind_of(base) == kind


def test_832_platform_spelled_out() -> None:
    (target,) = read("通过脱贫地区农副产品网络销售平台采购比例不低于10%")
    assert target.channel == "832平台"


# -- per-capita quotas --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yuan", "unit"),
    [
        ("做好每人每年500元工会费采购帮扶产品工作", 500, "元/人/年"),
        ("每年每人不少于300元", 300, "元/人/年"),
        ("人均500元", 500, "元/人"),
        ("每名职工500元", 500, "元/人"),
        ("每名职工每年500元", 500, "元/人/年"),
        ("按500元/人的标准采购", 500, "元/人"),
        ("按500元/人/年的标准采购", 500, "元/人/年"),
        ("每人每年五百元", 500, "元/人/年"),
        ("每位会员每年0.1万元", 1000, "元/人/年"),
    ],
)
def test_per_capita_quotas_are_not_amounts(text: str, yuan: int, unit: str) -> None:
    assert values(text) == [("per_capita", Decimal(yuan), unit)]


def test_per_capita_quota_inherits_the_subject_of_the_sentence_before() -> None:
    ratio, quota = read(
        "各基层工会单位全年购买对口地区产品金额应达到年度发放职工法定节假日慰问品总金额的20%；"
        "做好宁波市总工会许可额外新增的每人每年500元工会费采购帮扶产品工作。",
        lead=["市总工会"],
    )
    assert ratio.orgs == quota.orgs == ["各基层工会"]
    assert quota.base_kind == "member_count"


# -- counts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("举办展销活动不少于4场", 4, "场"),
        ("培训200人次以上", 200, "人次"),
        ("开设专柜30个", 30, "个"),
        ("举办2期培训", 2, "期"),
        ("开展培训3期以上", 3, "期"),
        ("举办不少于三场推介会", 3, "场"),
        ("培育五个以上示范点", 5, "个"),
        ("发布报道30篇", 30, "篇"),
        ("组织企业10家", 10, "家"),
        ("带动1.5万人次消费", 15_000, "人次"),
        ("完成两批采购", 2, "批"),
        ("认领土地100亩", 100, "亩"),
        ("开展活动5场次", 5, "场次"),
        ("走访企业20家次", 20, "家次"),
    ],
)
def test_counts(text: str, number: int, unit: str) -> None:
    assert values(text) == [("count", Decimal(number), unit)]


@pytest.mark.parametrize(
    "text",
    [
        "集中推介一批对口地区农特产品和乡村旅游精品目的地。",
        "打造一个消费帮扶品牌",
        "组织实施“万企兴万村”行动",
        "2022年6月底前完成",
        "在832平台购买帮扶产品",
        "参加第3期培训",
        "1个月内完成",
        "比例提高2个百分点",
        "走进千家万户",
        "鼓励我市电商企业积极帮助对口地区开展补电商短板工作",
        "推动“电商+龙头企业（合作社、协会）+农户”的直采直销模式",
        "",
    ],
)
def test_not_targets(text: str) -> None:
    assert read(text) == []


def test_several_targets_in_one_item_in_reading_order() -> None:
    found = values("举办展销会不少于4场，培训电商人员200人次以上，销售额达到300万元，线上占比不低于20%。")
    assert found == [
        ("count", Decimal(4), "场"),
        ("count", Decimal(200), "人次"),
        ("amount", Decimal(3_000_000), "元"),
        ("ratio", Decimal("0.2"), "比例"),
    ]


# -- subjects -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "subject"),
    [
        ("各基层工会单位全年购买对口地区产品金额应达到…的20%", "各基层工会"),
        (
            "党政机关、学校、医院食堂（餐厅）等食堂（餐厅）每年要安排10%以上的采购预算资金",
            "党政机关、学校、医院食堂（餐厅）",
        ),
        ("全市各镇（街道）每年采购100万元", "各镇（街道）"),
        ("各预算单位每年预留10%", "各预算单位"),
        ("各机关食堂原则上在832平台采购", "各机关食堂"),
        ("各基层工会每名职工不少于300元", "各基层工会"),
        ("各基层工会采购30个帮扶产品", "各基层工会"),
        ("做好宁波市总工会许可额外新增的每人每年500元工会费采购帮扶产品工作", ""),
        ("全市全年采购对口地区农特产品1.2亿元以上", ""),
        ("采购对口地区农特产品300万元", ""),
        ("鼓励以市场化方式引导农业、食品等行业龙头企业优先购买对口地区农副产品作为原材料", ""),
    ],
)
def test_find_subject(sentence: str, subject: str) -> None:
    assert find_subject(sentence) == subject


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("各基层工会", True),
        ("龙山镇（滨海区管委会）", True),
        ("市对口支援办", True),
        ("做好工作", False),
        ("2022", False),
    ],
)
def test_looks_like_org(text: str, expected: bool) -> None:
    assert looks_like_org(text) is expected


def test_subject_applies_to_later_sentences_until_a_new_one() -> None:
    first, second, third = read(
        "各镇（街道）每年采购50万元。开展活动2场。各管委会要采购30万元。", responsible=TOWNS
    )
    assert first.orgs == second.orgs == ["各镇（街道）"]
    assert third.orgs == ["各管委会"]


def test_targets_serialise_with_plain_numbers() -> None:
    ratio, amount = read("线上占比不低于20%，销售额达到1.5万元")
    assert ratio.to_dict()["value"] == 0.2
    assert amount.to_dict()["value"] == 15_000 and isinstance(amount.to_dict()["value"], int)
