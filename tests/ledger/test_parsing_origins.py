"""Inferring an origin from a record's product, supplier or remarks when its origin cell is empty."""

from __future__ import annotations

import datetime

import pytest

from bangfu.ledger.parsing import ORIGIN_SOURCES, PurchaseFields, infer_origin, open_ledger
from bangfu.regions.matching import Place, PlaceIndex

from .builders import write_csv


@pytest.fixture
def areas() -> PlaceIndex[str]:
    """What the importer would give: the paired area and some 832 counties."""
    index: PlaceIndex[str] = PlaceIndex()
    index.add("butuo", Place("四川省", "凉山彝族自治州", "布拖县"))
    index.add("zhaojue", Place("四川省", "凉山彝族自治州", "昭觉县"))
    index.add("dafang", Place("贵州省", "毕节市", "大方县"))
    index.add("heishan", Place("辽宁省", "锦州市", "黑山县"))
    return index


def record(product: str = "", supplier: str = "", remarks: str = "", origin: str = "") -> PurchaseFields:
    return PurchaseFields(
        "周巷镇",
        datetime.date(2022, 3, 15),
        100,
        product,
        supplier,
        origin,
        "",
        "",
        None,
        "",
        "",
        "",
        remarks,
        "",
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"product": "布拖苦荞茶"}, ("butuo", "product", "short", "布拖苦荞茶")),
        ({"supplier": "凉山州布拖县某合作社"}, ("butuo", "supplier", "with_area", "凉山州布拖县某合作社")),
        ({"remarks": "产自布拖"}, ("butuo", "remarks", "after_word", "产自布拖")),
        # two fields naming the same county: the stronger naming wins
        ({"product": "布拖苦荞茶", "supplier": "布拖县彝家苦荞公司"}, ("butuo", "supplier", "full", "布拖县彝家苦荞公司")),
        # equally strong: the product first
        ({"product": "布拖苦荞茶", "supplier": "布拖彝家苦荞公司"}, ("butuo", "product", "short", "布拖苦荞茶")),
        ({"product": "贵州大方天麻"}, ("dafang", "product", "with_area", "贵州大方天麻")),
    ],
)  # fmt: skip
def test_an_origin_is_inferred(areas, fields, expected):
    guess = infer_origin(record(**fields), areas)
    assert guess == expected
    key, field, *_rest = guess
    assert (key, field) == expected[:2]


@pytest.mark.parametrize(
    "fields",
    [
        {"product": "苦荞茶", "supplier": "慈溪市某超市"},  # nothing named
        {"product": "黑山羊肉礼盒"},  # a goat, not 黑山县
        {"product": "大方礼盒"},  # an ordinary word
        {"supplier": "某某布拖鞋店"},  # 布拖 inside another word
        {"product": "拖布"},
        {"product": "布拖苦荞茶", "supplier": "昭觉县某合作社"},  # two counties: nothing to infer
        {"product": "布拖苦荞茶", "origin": "四川省凉山州"},  # the origin is written: the caller resolves it
        {},
    ],
)
def test_no_origin_is_inferred(areas, fields):
    assert infer_origin(record(**fields), areas) is None


def test_the_cache_saves_matching_a_text_twice(areas):
    calls = []

    class Counting:
        def mention(self, text):
            calls.append(text)
            return areas.mention(text)

    cache: dict = {}
    first = infer_origin(record(product="布拖苦荞茶", supplier="慈溪市某超市"), Counting(), cache)
    second = infer_origin(record(product="布拖苦荞茶", supplier="慈溪市某超市"), Counting(), cache)
    assert first == second == ("butuo", "product", "short", "布拖苦荞茶")
    assert calls == ["布拖苦荞茶", "慈溪市某超市"]


def test_the_sources_are_record_fields():
    assert set(ORIGIN_SOURCES) <= set(PurchaseFields.__dataclass_fields__)


def test_records_read_from_a_file_without_an_origin_column(tmp_path, areas):
    rows = [
        ["采购单位", "采购日期", "商品名称", "供应商", "金额", "备注"],
        ["周巷镇", "2022-03-15", "布拖苦荞茶", "慈溪市某超市", "100", ""],
        ["周巷镇", "2022-03-16", "花椒", "凉山州布拖县花椒合作社", "200", ""],
        ["周巷镇", "2022-03-17", "马铃薯", "某农业公司", "300", "产地：昭觉"],
        ["周巷镇", "2022-03-18", "黑山羊肉", "某公司", "400", ""],
    ]
    ledger = open_ledger(write_csv(tmp_path / "台账.csv", rows))
    assert "origin" in ledger.sheets[0].missing
    guesses = [infer_origin(row.record, areas) for row in ledger.rows()]
    assert [(g.key, g.field) if g else None for g in guesses] == [
        ("butuo", "product"),
        ("butuo", "supplier"),
        ("zhaojue", "remarks"),
        None,
    ]
