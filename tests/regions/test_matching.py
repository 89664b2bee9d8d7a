from __future__ import annotations

import pytest

from bangfu.regions.matching import (
    COMMON_SHORT_NAMES,
    Place,
    PlaceIndex,
    area_forms,
    county_forms,
    gazetteer,
    gazetteer_lookup,
)

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


# --- counties named in free text ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def china() -> PlaceIndex[int]:
    idx: PlaceIndex[int] = PlaceIndex()
    for number, place in enumerate(gazetteer()):
        idx.add(number, place)
    return idx


def _county(index: PlaceIndex[int], text: str) -> tuple[str, str] | None:
    found = index.mention(text)
    return None if found is None else (gazetteer()[found.key].county, found.how)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("布拖苦荞茶", ("布拖县", "short")),
        ("【布拖】苦荞", ("布拖县", "short")),
        ("苦荞茶（布拖）", ("布拖县", "short")),
        ("布拖县彝家苦荞有限公司", ("布拖县", "full")),
        ("凉山州布拖县特产合作社", ("布拖县", "with_area")),
        ("四川凉山布拖苦荞", ("布拖县", "with_area")),
        ("产地：布拖", ("布拖县", "short")),
        ("产自布拖县", ("布拖县", "after_word")),
        ("来自布拖的花椒", ("布拖县", "after_word")),
        ("福建省漳州市平和县蜜柚", ("平和县", "with_area")),
        ("五常大米", ("五常市", "short")),
        ("贵州大方天麻", ("大方县", "with_area")),  # an ordinary word after its own province is the county
        ("北京市朝阳区", ("朝阳区", "with_area")),
    ],
)
def test_mentions(china: PlaceIndex[int], text: str, expected: tuple[str, str]) -> None:
    assert _county(china, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # ordinary products
        "大米", "苦荞茶", "花椒", "马铃薯", "土豆", "食用油", "鸡蛋", "核桃", "苹果", "牛肉", "茶叶", "蜂蜜", "香菇",
        "木耳", "腊肉", "荞麦面", "大凉山", "凉山", "四川",
        # a county's short name as an ordinary word or brand
        "黑山羊肉礼盒", "黑山羊养殖专业合作社", "龙井茶", "长寿面", "永和豆浆", "东方树叶", "白沙烟", "红星二锅头",
        "牡丹花茶", "芙蓉糕", "大理石", "天山雪莲", "泰山啤酒", "平安果", "太平猴魁",
        # a county name inside another word
        "某某布拖鞋店", "拖布", "特级布拖苦荞", "彝家布拖特产店",
        # two counties, or one name shared by several
        "布拖苦荞 昭觉荞麦", "朝阳区特产", "",
    ],
)  # fmt: skip
def test_no_mention(china: PlaceIndex[int], text: str) -> None:
    assert china.mention(text) is None


def test_every_common_short_name_is_a_short_name_and_needs_its_area(china: PlaceIndex[int]) -> None:
    places: dict[str, Place] = {}
    for place in gazetteer():
        full, short = county_forms(place)
        if short != full:
            places.setdefault(short, place)
    for name in COMMON_SHORT_NAMES:
        assert name in places, name  # no dead entries
        assert china.mention(f"{name}牌礼盒") is None, name
        place = places[name]
        area = place.prefecture or place.province
        found = china.mention(f"{area}{name}特产")
        assert found is not None and gazetteer()[found.key] == place, name
