"""Matching unit names as offices write them. Pure Python, no Django.

A name matches a unit when, after normalisation, it equals one of the unit's names (official, alias,
short or former) — also when written with or without the city prefix (慈溪市周巷镇 = 周巷镇, 慈溪市总工会 =
市总工会), in full- or half-width punctuation, or as "main name（alias）" (龙山镇（滨海区管委会）).
A name that could mean several units is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bangfu.common.text import name_key

K = TypeVar("K", bound=Hashable)

_PAREN_RE = re.compile(r"^(?P<main>[^()]+)\((?P<inner>[^()]+)\)$")
_TRAILING_RE = re.compile(r"(等单位|等部门|等)$")


def city_prefix_pattern(city: str, parents: Sequence[str] = ()) -> re.Pattern[str]:
    """Regex for the optional province/prefecture plus the city at the start of a name.

    ``city_prefix_pattern("慈溪市", ["浙江省", "宁波市"])`` strips 浙江省宁波市慈溪市, 宁波市慈溪市, 慈溪市
    and 慈溪 — but not 宁波市 alone: 宁波市总工会 is a different unit from 市总工会.
    """
    city = name_key(city)
    short = city[:-1] if city.endswith(("市", "县", "区")) and len(city) > 2 else city
    parent_part = "".join(f"(?:{re.escape(name_key(p))})?" for p in parents)
    alternatives = sorted({re.escape(city), re.escape(short)}, key=len, reverse=True)
    return re.compile(f"^{parent_part}(?:{'|'.join(alternatives)})")


def split_alias(name: str) -> tuple[str, str | None]:
    """``"龙山镇（滨海区管委会）"`` → ``("龙山镇", "滨海区管委会")``; other names → ``(name, None)``.

    Only a trailing parenthesis that reads as a unit name of its own (three characters or more) is an
    alias; ``各镇（街道）`` and ``食堂（餐厅）`` stay whole.
    """
    text = name.strip()
    match = _PAREN_RE.match(name_key(text))
    if not match or len(match["inner"]) < 3:
        return text, None
    # Cut the written form at its last opening bracket, whatever its width.
    cut = max(text.rfind("("), text.rfind("（"))
    return text[:cut].strip(), text[cut + 1 : -1].strip()


def clean_name(name: str) -> str:
    """Trim a name as written in a list: surrounding spaces and punctuation, a trailing 等/等单位."""
    text = name.strip().strip("。.;；,，、:：")
    return _TRAILING_RE.sub("", text).strip()


def name_variants(name: str, prefix: re.Pattern[str] | None) -> Iterator[str]:
    """Keys under which a name is filed and looked up, most specific first."""
    key = name_key(clean_name(name))
    if not key:
        return
    yield key
    stripped = prefix.sub("", key) if prefix is not None else key
    if stripped and stripped != key:
        yield stripped
    # 市总工会 written for 慈溪市总工会: the leading 市 stands for the city.
    if stripped.startswith("市") and len(stripped) > 2:
        yield stripped[1:]


@dataclass(frozen=True)
class Match(Generic[K]):
    """The outcome of looking up one name."""

    name: str
    key: K | None = None
    candidates: tuple[K, ...] = ()
    how: str = ""

    @property
    def found(self) -> bool:
        return self.key is not None

    @property
    def ambiguous(self) -> bool:
        return self.key is None and len(self.candidates) > 1


@dataclass
class NameIndex(Generic[K]):
    """An in-memory index from every spelling of a name to the key (e.g. the id) of what it names."""

    prefix: re.Pattern[str] | None = None
    _by_variant: dict[str, dict[K, int]] = field(default_factory=dict)

    def add(self, key: K, name: str) -> None:
        for rank, variant in enumerate(name_variants(name, self.prefix)):
            holders = self._by_variant.setdefault(variant, {})
            holders[key] = min(rank, holders.get(key, rank))

    def add_all(self, pairs: Iterable[tuple[K, str]]) -> None:
        for key, name in pairs:
            self.add(key, name)

    def resolve(self, name: str) -> Match[K]:
        match = self._resolve_whole(name)
        if match.found or match.ambiguous:
            return match
        main, alias = split_alias(name)
        if alias is None:
            return match
        outer, inner = self._resolve_whole(main), self._resolve_whole(alias)
        keys = {m.key for m in (outer, inner) if m.key is not None}
        if len(keys) == 1:
            return Match(name, keys.pop(), how="alias")
        if len(keys) > 1:
            return Match(name, None, tuple(sorted(keys, key=str)), how="ambiguous")
        return Match(name)

    def _resolve_whole(self, name: str) -> Match[K]:
        best: dict[K, int] = {}
        for query_rank, variant in enumerate(name_variants(name, self.prefix)):
            for key, stored_rank in self._by_variant.get(variant, {}).items():
                score = query_rank + stored_rank
                best[key] = min(score, best.get(key, score))
        if not best:
            return Match(name)
        top = min(best.values())
        winners = [key for key, score in best.items() if score == top]
        if len(winners) == 1:
            return Match(name, winners[0], how="exact" if top == 0 else "variant")
        return Match(name, None, tuple(sorted(winners, key=str)), how="ambiguous")


# Suffixes that tell what kind of unit an unknown name is (values of orgs.choices.OrgKind).
_KIND_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # A town's government or a street's office is part of it, not another town (its purchases still
    # roll up to the town through the jurisdiction tree).
    ("other", ("居委会", "村委会", "居民委员会", "村民委员会", "社区", "村", "人民政府", "政府", "办事处")),
    ("union", ("工会",)),
    ("canteen", ("食堂", "餐厅")),
    ("hospital", ("医院", "卫生院", "卫生服务中心")),
    ("school", ("学校", "中学", "小学", "幼儿园", "学院", "大学", "职高", "中专")),
    ("committee", ("管委会", "管理委员会")),
    ("street", ("街道", "街道办事处")),
    ("town", ("镇", "乡")),
    ("work_team", ("工作组", "工作队", "工作专班")),
    ("enterprise", ("公司", "集团", "厂", "合作社", "超市", "商场", "酒店", "宾馆", "银行")),
    ("social_org", ("协会", "商会", "联合会", "基金会", "慈善总会", "促进会", "研究会", "学会", "工商联")),
    (
        "department",
        ("局", "办", "部", "委", "中心", "院", "所", "站", "队", "会", "社", "处", "室", "馆", "台"),
    ),
)


def guess_kind(name: str) -> str:
    """Best guess of an unknown unit's kind from how its name ends; ``"other"`` when nothing fits."""
    key = re.sub(r"\([^()]*\)$", "", name_key(name))
    for kind, suffixes in _KIND_SUFFIXES:
        if key.endswith(suffixes):
            return kind
    return "other"
