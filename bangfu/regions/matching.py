"""Recognising a county in an origin as offices write it. Pure Python, no Django.

``四川省凉山彝族自治州布拖县``, ``凉山州布拖县``, ``布拖县``, ``布拖`` and ``布拖县特尔果乡`` all name 布拖县.
A county's name (full or short) counts at the start of the text, right after its own province or
prefecture, or after punctuation — never inside another word (新县 in 某某新县, 布拖 in 某某布拖鞋店).

:meth:`PlaceIndex.mention` reads free text (a product, a supplier, a remark) more strictly, because a
short name there is often an ordinary word: 黑山羊 is no goat of 黑山县, 龙井茶 no tea of 龙井市, 长寿面
no noodle of 长寿区. See its docstring and :data:`COMMON_SHORT_NAMES`.
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from bangfu.common.text import name_key

K = TypeVar("K", bound=Hashable)

_COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "市", "区", "旗")
_PREFECTURE_SUFFIXES = ("自治州", "地区", "盟", "市", "州")
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# The 55 minority nationalities, which autonomous areas carry in their names (凉山彝族自治州).
_NATIONALITIES = (
    "柯尔克孜族",
    "乌孜别克族",
    "维吾尔族",
    "哈萨克族",
    "达斡尔族",
    "塔吉克族",
    "俄罗斯族",
    "鄂温克族",
    "塔塔尔族",
    "鄂伦春族",
    "蒙古族",
    "布依族",
    "朝鲜族",
    "土家族",
    "哈尼族",
    "傈僳族",
    "拉祜族",
    "东乡族",
    "纳西族",
    "景颇族",
    "仫佬族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "德昂族",
    "保安族",
    "裕固族",
    "独龙族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "高山族",
    "回族",
    "藏族",
    "苗族",
    "彝族",
    "壮族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "傣族",
    "黎族",
    "佤族",
    "畲族",
    "水族",
    "土族",
    "羌族",
    "怒族",
    "京族",
)


@dataclass(frozen=True)
class Place:
    """A county-level division with its province and prefecture (prefecture may be empty)."""

    province: str
    prefecture: str
    county: str
    code: str = ""


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    """布拖县 → 布拖, 凉山彝族自治州 → 凉山, 峨边彝族自治县 → 峨边; never shorter than two characters."""
    base = name
    for suffix in suffixes:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base[: -len(suffix)]
            break
    if "自治" in name:
        stripped = True
        while stripped:
            stripped = False
            for nationality in (*_NATIONALITIES, "各族"):
                if base.endswith(nationality) and len(base) - len(nationality) >= 2:
                    base, stripped = base[: -len(nationality)], True
    return base if len(base) >= 2 else name


def county_forms(place: Place) -> tuple[str, str]:
    county = name_key(place.county)
    return county, _short(county, _COUNTY_SUFFIXES)


def area_forms(name: str, suffixes: tuple[str, ...]) -> set[str]:
    """All the ways a province or prefecture is written: 凉山彝族自治州, 凉山州, 凉山."""
    key = name_key(name)
    if not key:
        return set()
    short = _short(key, suffixes)
    forms = {key, short}
    if key.endswith("自治州"):
        forms.add(short + "州")
    return forms


#: Short county names that are also ordinary words, brands or the first word of a product name; in free
#: text they name the county only after its province or prefecture or after 产地/产自 (贵州大方, 产自长寿).
COMMON_SHORT_NAMES = frozenset(
    {
        "黑山", "龙井", "长寿", "永和", "东方", "大方", "白云", "白沙", "红星", "红旗", "牡丹", "芙蓉", "平安",
        "太平", "长安", "新华", "和平", "富民", "天山", "泰山", "龙凤", "红河", "大理", "玉树", "海南", "河南",
        "河北", "江南", "江北", "河东", "河西", "南山", "东山", "西山", "中山", "青山", "金山", "宝山", "城关",
        "城中", "城东", "城西", "城北", "市中", "市北", "市南", "友好", "友谊", "解放", "前进", "工农",
        "向阳", "振兴", "复兴", "新城", "新市", "新兴", "兴隆", "吉利", "合作", "互助", "共和", "永安", "安宁",
        "安定", "太和", "长乐", "福田", "金牛", "白银", "金沙", "紫金", "银海", "港口", "河口", "江口", "湖口",
        "石门", "龙门", "天河", "七星", "三元", "双桥", "宏伟", "建华", "爱民",
        "红山", "石林", "长白", "高明", "顺德", "元宝", "美兰", "五华", "民和",
        "大通", "通道", "普安", "永定", "太白", "清河", "清水", "白水", "黄龙", "青龙", "东至",
    }
)  # fmt: skip
# Words after which a county name is an origin in free text: 产地布拖, 产自布拖县, 来自布拖.
_ORIGIN_WORDS = ("产地", "产自", "产于", "原产", "来自", "源自", "来源", "来源地", "产区")


class Mention(NamedTuple, Generic[K]):
    """A county named in free text: its key and how it was named."""

    key: K
    #: "full" (布拖县), "with_area" (凉山布拖), "after_word" (产地布拖) or "short" (布拖 at the start).
    how: str


#: How strongly each way of naming a county in free text says it (``Mention.how``).
MENTION_STRENGTH = {"full": 3, "with_area": 3, "after_word": 3, "short": 1}


@dataclass
class PlaceIndex(Generic[K]):
    """Finds which known county an origin text names."""

    _places: dict[K, Place] = field(default_factory=dict)
    _full: dict[str, set[K]] = field(default_factory=dict)
    _short: dict[str, set[K]] = field(default_factory=dict)
    _areas: dict[K, set[str]] = field(default_factory=dict)
    _aliases: dict[str, set[K]] = field(default_factory=dict)
    _lengths: set[int] = field(default_factory=set)
    # Province and prefecture names with their suffix (承德市, 凉山州): a county name inside one is not a
    # county (承德 of 承德县 in 承德市).
    _area_names: set[str] = field(default_factory=set)

    def add(self, key: K, place: Place, aliases: Iterable[str] = ()) -> None:
        self._places[key] = place
        full, short = county_forms(place)
        self._full.setdefault(full, set()).add(key)
        self._lengths.add(len(full))
        if short != full:
            self._short.setdefault(short, set()).add(key)
            self._lengths.add(len(short))
        self._areas[key] = area_forms(place.province, _PROVINCE_SUFFIXES) | area_forms(
            place.prefecture, _PREFECTURE_SUFFIXES
        )
        self._area_names.update(
            form for form in self._areas[key] if form.endswith((*_PROVINCE_SUFFIXES, *_PREFECTURE_SUFFIXES))
        )
        for alias in aliases:
            if name_key(alias):
                self._aliases.setdefault(name_key(alias), set()).add(key)
                self._lengths.add(len(name_key(alias)))

    def place(self, key: K) -> Place:
        return self._places[key]

    def _stands_alone(self, before: str, key: K) -> bool:
        """A county name counts at the start, after its own province or prefecture, or after a non-CJK
        character (产地:布拖县) — not inside another name (新县 in 某某新县, 布拖 in 某某布拖鞋店)."""
        if not before or not "\u4e00" <= before[-1] <= "\u9fff":
            return True
        return any(before.endswith(area) for area in self._areas[key])

    def resolve(self, text: str) -> K | None:
        """The county the text names, or None when it names none or could mean several."""
        key_text = name_key(text)
        if not key_text:
            return None
        if key_text in self._aliases and len(self._aliases[key_text]) == 1:
            return next(iter(self._aliases[key_text]))
        candidates: dict[K, int] = {}
        for forms, bonus in ((self._full, 1), (self._short, 0)):
            for form, keys in forms.items():
                position = key_text.find(form)
                while position >= 0:
                    before = key_text[:position]
                    for key in keys:
                        if self._stands_alone(before, key):
                            candidates[key] = max(candidates.get(key, 0), len(form) * 2 + bonus)
                    position = key_text.find(form, position + 1)
        if not candidates:
            return None
        # A county named inside a longer county's name (和县 in 平和县) loses to the longer one.
        best = max(candidates.values())
        winners = [key for key, score in candidates.items() if score == best]
        if len(winners) > 1:
            mentioned = [key for key in winners if any(area in key_text for area in self._areas[key])]
            winners = mentioned if mentioned else winners
        return winners[0] if len(winners) == 1 else None

    def mention(self, text: str) -> Mention[K] | None:
        """The one county that free text (a product or supplier name, a remark) names, or None.

        Stricter than :meth:`resolve`, which reads an origin cell. A county counts when
        - its full name or an alias stands alone: at the start, after its own province or prefecture,
          after a non-Chinese character or after an origin word ("布拖县彝家苦荞公司", "产自布拖县");
        - its short name follows its own province or prefecture ("凉山布拖苦荞") or an origin word
          ("产地：布拖" — the colon already stands alone, "产自布拖");
        - its short name stands at the start or after a non-Chinese character ("布拖苦荞茶", "【布拖】…"),
          unless it is an ordinary word (:data:`COMMON_SHORT_NAMES`: 黑山羊, 龙井茶, 长寿面 …).
        A name inside a longer name that also counts loses to it (和县 in 平和县). Two different counties
        (a product of one, sold by a company of another; a county name shared by several provinces
        without its area) give None: an origin is inferred only when the text is unambiguous.
        """
        # A space separates words here ("布拖苦荞 昭觉荞麦" names two counties).
        key_text = " ".join(part for word in (text or "").split() if (part := name_key(word)))
        if not key_text:
            return None
        hits: list[tuple[int, int, str, set[K]]] = []  # (start, end, how, keys)
        for length in sorted(self._lengths, reverse=True):
            for start in range(len(key_text) - length + 1):
                form = key_text[start : start + length]
                before = key_text[:start]
                after_word = before.endswith(_ORIGIN_WORDS)
                for forms, short in ((self._full, False), (self._aliases, False), (self._short, True)):
                    keys = forms.get(form)
                    if not keys:
                        continue
                    found: set[K] = set()
                    how = ""
                    for key in keys:
                        with_area = bool(before) and any(before.endswith(area) for area in self._areas[key])
                        alone = not before or not "\u4e00" <= before[-1] <= "\u9fff"
                        if with_area:
                            found.add(key)
                            how = "with_area"
                        elif after_word:
                            found.add(key)
                            how = how or "after_word"
                        elif alone and not (short and form in COMMON_SHORT_NAMES):
                            found.add(key)
                            how = how or ("short" if short else "full")
                    if found:
                        hits.append((start, start + length, how, found))
        if not hits:
            return None
        areas = [
            (start, start + len(name)) for name in self._area_names for start in _occurrences(key_text, name)
        ]
        # Hits inside a longer hit are part of it (布拖 in 布拖县, 和县 in 平和县), and hits inside the name
        # of a province or prefecture are part of that name (承德 of 承德县 in 承德市).
        outer = [
            hit
            for hit in hits
            if not any(
                o is not hit and o[0] <= hit[0] and hit[1] <= o[1] and o[1] - o[0] > hit[1] - hit[0]
                for o in hits
            )
            and not any(a[0] <= hit[0] and hit[1] <= a[1] and a[1] - a[0] > hit[1] - hit[0] for a in areas)
        ]
        named: set[K] = set()
        for _start, _end, _how, found in outer:
            if len(found) > 1:
                mentioned = {key for key in found if any(area in key_text for area in self._areas[key])}
                found = mentioned or found
            named |= found
        if len(named) != 1:
            return None
        key = named.pop()
        how = max((hit[2] for hit in outer), key=lambda h: MENTION_STRENGTH[h])
        return Mention(key, how)


def _occurrences(text: str, part: str) -> Iterator[int]:
    start = text.find(part)
    while start >= 0:
        yield start
        start = text.find(part, start + 1)


@lru_cache(maxsize=1)
def gazetteer(path: Path | None = None) -> tuple[Place, ...]:
    """China's county-level divisions shipped in ``bangfu/data/gazetteer.csv``."""
    path = path or Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return tuple(
            Place(
                province=row["province"],
                prefecture=row["prefecture"],
                county=row["county"],
                code=row["adcode"],
            )
            for row in csv.DictReader(handle)
        )


def gazetteer_lookup(text: str) -> list[Place]:
    """Counties of the gazetteer the text could name (several when a county name repeats in China)."""
    index: PlaceIndex[int] = PlaceIndex()
    places = gazetteer()
    for number, place in enumerate(places):
        index.add(number, place)
    found = index.resolve(text)
    if found is not None:
        return [places[found]]
    # Ambiguous: list every county whose full or short name is the text itself.
    key = name_key(text)
    return [p for p in places if key in county_forms(p)]
