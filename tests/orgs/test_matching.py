from __future__ import annotations

import pytest

from bangfu.orgs.matching import NameIndex, city_prefix_pattern, clean_name, guess_kind, split_alias

PREFIX = city_prefix_pattern("慈溪市", ["浙江省", "宁波市"])


@pytest.fixture
def index() -> NameIndex[str]:
    idx: NameIndex[str] = NameIndex(prefix=PREFIX)
    idx.add_all(
        [
            ("zhouxiang", "周巷镇"),
            ("longshan", "龙山镇（滨海区管委会）"),
            ("longshan", "龙山镇"),
            ("longshan", "滨海区管委会"),
            ("union", "市总工会"),
            ("market", "市市场监督管理局"),
            ("team", "前方工作组"),
            ("team", "前方工作队"),
            ("hitech", "慈溪高新区管委会"),
            ("supply", "市农合联执委会（市供销社）"),
        ]
    )
    return idx


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("周巷镇", "zhouxiang"),
        ("慈溪市周巷镇", "zhouxiang"),
        ("浙江省宁波市慈溪市周巷镇", "zhouxiang"),
        (" 周巷镇 ", "zhouxiang"),
        ("周 巷 镇", "zhouxiang"),
        ("龙山镇（滨海区管委会）", "longshan"),
        ("龙山镇(滨海区管委会)", "longshan"),
        ("龙山镇【滨海区管委会】", "longshan"),
        ("慈溪市龙山镇", "longshan"),
        ("滨海区管委会", "longshan"),
        ("慈溪市总工会", "union"),
        ("市总工会", "union"),
        ("慈溪市市场监督管理局", "market"),
        ("市场监督管理局", "market"),
        ("前方工作队", "team"),
        ("前方工作组", "team"),
        ("高新区管委会", "hitech"),
        ("慈溪市高新区管委会", "hitech"),
        ("市供销社", None),  # not registered as its own spelling …
        ("市农合联执委会(市供销社)", "supply"),
        ("市商务局等", None),
    ],
)
def test_resolve_spellings(index: NameIndex[str], written: str, expected: str | None) -> None:
    assert index.resolve(written).key == expected


def test_alias_in_parentheses_resolves_through_either_part(index: NameIndex[str]) -> None:
    index.add("zongqi", "宗汉街道")
    # Written with a parenthetical alias never registered as a whole: both parts agree.
    assert index.resolve("周巷镇（慈溪市周巷镇）").key == "zhouxiang"
    assert index.resolve("市供销社（市农合联执委会）").key is None


def test_parts_naming_different_units_are_ambiguous(index: NameIndex[str]) -> None:
    match = index.resolve("周巷镇（滨海区管委会）")
    assert match.key is None
    assert match.ambiguous
    assert set(match.candidates) == {"zhouxiang", "longshan"}


def test_ningbo_city_union_is_not_the_cixi_union(index: NameIndex[str]) -> None:
    assert index.resolve("宁波市总工会").key is None


def test_same_variant_for_two_units_is_ambiguous_not_guessed() -> None:
    idx: NameIndex[int] = NameIndex(prefix=PREFIX)
    idx.add(1, "慈溪市教育局")
    idx.add(2, "市教育局")
    # The exact spelling wins; a spelling that fits both equally is refused.
    assert idx.resolve("市教育局").key == 2
    assert idx.resolve("慈溪市教育局").key == 1
    assert idx.resolve("教育局").ambiguous


def test_split_alias() -> None:
    assert split_alias("龙山镇（滨海区管委会）") == ("龙山镇", "滨海区管委会")
    assert split_alias("市农合联执委会(市供销社)") == ("市农合联执委会", "市供销社")
    assert split_alias("各镇（街道）") == ("各镇（街道）", None)
    assert split_alias("学校食堂（餐厅）") == ("学校食堂（餐厅）", None)
    assert split_alias("周巷镇") == ("周巷镇", None)


def test_clean_name() -> None:
    assert clean_name(" 市商务局等 ") == "市商务局"
    assert clean_name("各镇（街道）。") == "各镇（街道）"
    assert clean_name("市农业农村局等单位") == "市农业农村局"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("周巷镇", "town"),
        ("古塘街道", "street"),
        ("慈溪高新区管委会", "committee"),
        ("市商务局", "department"),
        ("市对口支援办", "department"),
        ("慈溪工贸集团", "enterprise"),
        ("市电商协会（市电商公共服务中心）", "social_org"),
        ("前方工作组", "work_team"),
        ("浒山街道总工会", "union"),
        ("慈溪市人民医院", "hospital"),
        ("实验中学", "school"),
        ("市机关食堂（餐厅）", "canteen"),
        ("某某", "other"),
    ],
)
def test_guess_kind(name: str, kind: str) -> None:
    from bangfu.orgs.choices import OrgKind

    assert guess_kind(name) == kind
    assert kind in OrgKind.values
