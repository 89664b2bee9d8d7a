from __future__ import annotations

import pytest

from bangfu.regions.matching import Place, PlaceIndex, area_forms, gazetteer, gazetteer_lookup

BUTUO = Place("四川省", "凉山彝族自治州", "布拖县", "513429")


@pytest.fixture
def index() -> PlaceIndex[str]:
    idx: PlaceIndex[str] = PlaceIndex()
    idx.add("butuo", BUTUO)
    idx.add("zhaojue", Place("四川省", "凉山彝族自治州", "昭觉县"))
    idx.add("hexian", Place("安徽省", "马鞍山市", "和县"))
    idx.add("pinghe", Place("福建省", "漳州市", "平和县"))
    idx.add("chaoyang-bj", Place("北京市", "", "朝阳区"))
    idx.add("chaoyang-cc", Place("吉林省", "长春市", "朝阳区"))
    return idx


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("四川省凉山彝族自治州布拖县", "butuo"),
        ("凉山州布拖县", "butuo"),
        ("布拖县", "butuo"),
        ("布拖", "butuo"),
        ("布拖县特尔果乡", "butuo"),
        ("四川凉山布拖", "butuo"),
        ("凉山布拖", "butuo"),
        ("四 川 省 凉 山 州 布 拖 县", "butuo"),
        ("昭觉", "zhaojue"),
        ("浙江省宁波市慈溪市", None),
        ("", None),
        ("福建省漳州市平和县", "pinghe"),  # 和县 inside 平和县 loses to the longer name
        ("和县", "hexian"),
        ("北京市朝阳区", "chaoyang-bj"),
        ("长春市朝阳区", "chaoyang-cc"),
        ("朝阳区", None),  # two counties of that name: refuse to guess
        ("拖布厂", None),
    ],
)
def test_resolve(index: PlaceIndex[str], origin: str, expected: str | None) -> None:
    assert index.resolve(origin) == expected


def test_short_form_does_not_fire_inside_other_words(index: PlaceIndex[str]) -> None:
    # "布拖" after an unrelated word is not an origin.
    assert index.resolve("某某布拖鞋店") is None


def test_aliases(index: PlaceIndex[str]) -> None:
    index.add("butuo", BUTUO, aliases=["布拖彝乡"])
    assert index.resolve("布拖彝乡") == "butuo"


def test_area_forms() -> None:
    assert area_forms("凉山彝族自治州", ("自治州", "州")) >= {"凉山彝族自治州", "凉山", "凉山州"}
    assert "广西" in area_forms("广西壮族自治区", ("壮族自治区", "自治区"))


def test_gazetteer_is_shipped_and_complete_enough() -> None:
    places = gazetteer()
    assert len(places) > 2800
    assert BUTUO in places
    assert gazetteer_lookup("布拖") == [BUTUO]
    assert len(gazetteer_lookup("朝阳区")) == 2
    assert gazetteer_lookup("峨边")[0].county == "峨边彝族自治县"
