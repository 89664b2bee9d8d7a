"""Item text → typed targets: amounts, ratios of a base, per-capita quotas and counts.

``"各基层工会单位全年购买对口地区产品金额应达到年度发放职工法定节假日慰问品总金额的20%"`` → a ratio
0.2 of the holiday-gift total for 各基层工会. Each target keeps the clause it was read from (``text``),
the units it applies to (``orgs``) and whether each unit must reach it or all of them together (``scope``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from bangfu.common.numbers import CN_NUMERAL_CHARS, parse_amount_yuan, parse_number, parse_ratio

from .model import (
    AMOUNT,
    COUNT,
    EACH,
    PER_CAPITA,
    RATIO,
    TOTAL,
    UNIT_PER_CAPITA,
    UNIT_PER_CAPITA_YEAR,
    UNIT_RATIO,
    UNIT_YUAN,
    ParsedTarget,
)
from .names import looks_like_org

# Full-width ASCII → ASCII and the ideographic space → space, one character for one (offsets stay valid).
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_NUM = r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CN = rf"[{CN_NUMERAL_CHARS}]+"
_AMOUNT = rf"(?:{_NUM}\s*[万亿千]?|{_CN})\s*元"
_AMOUNT_RE = re.compile(_AMOUNT)
_RATIO_RE = re.compile(rf"(?P<num>{_NUM})\s*%|百分之(?P<cn>[{CN_NUMERAL_CHARS}\d.]+)")
_RANGE_BEFORE_RE = re.compile(r"%\s*[-~～至到—]\s*$")
_YEAR_WORDS = r"(?:每年|全年|年均|一年|每年度)"
_PER_CAPITA_RES = (
    re.compile(
        rf"(?P<y1>{_YEAR_WORDS})?(?:每人|人均|每名[\u4e00-\u9fff]{{0,4}}?|每位[\u4e00-\u9fff]{{0,4}}?|每个(?:职工|会员|员工))"
        rf"(?P<y2>{_YEAR_WORDS})?(?:不少于|不低于|至少|达到|为)?\s*(?P<amount>{_AMOUNT})"
    ),
    re.compile(rf"(?P<amount>{_AMOUNT})\s*/\s*(?:人|名|位)(?P<y3>\s*[/·.]\s*年)?"),
)
_COUNT_UNITS = "家次|期次|人次|场次|场|个|期|篇|家|次|批|条|户|亩|人|所|项|名|件|处"
_COUNT_RE = re.compile(rf"(?P<num>{_NUM}(?:\s*[万千])?|{_CN})\s*(?P<unit>{_COUNT_UNITS})")
_COUNT_NOT_AFTER = re.compile(r"^(?:个)?(?:月|工作日|百分点|小时|季度|星期|民币|员|次年)")
_CN_QUALIFIER_BEFORE_RE = re.compile(r"(?:不少于|至少|达到|不低于|超过|完成)\s*$")
_QUALIFIER_AFTER_RE = re.compile(r"^\s*(?:以上|及以上)")

_SENTENCE_RE = re.compile(r"[。；;！!？?\n]+")
_SUBCLAUSE_RE = re.compile(r"[，,]\s*(?=其中)")
_SUBJECT_KEYWORD_RE = re.compile(r"每年|全年|年度|必须|力争|原则上|要|应|须|每人|每名|每位|人均")
_SUBJECT_VERB_RE = re.compile(r"采购|购买|认购|预留|安排|落实|完成|开展|举办")
_SCOPE_PREFIX_RE = re.compile(r"^(?:全市|我市|全县|全区|市级)")
_ETC_RE = re.compile(r"等[^、，,（）()]*(?:[（(][^）)]*[）)])?$")
_PER_UNIT_RE = re.compile(
    r"各\s*(?:(?:采购|购买|完成|认购|销售|安排|落实|实现)[\u4e00-\u9fff（）()]{0,14}?)?"
    r"(?:不少于|不低于|至少|达到)?\s*$"
)
_TOTAL_RE = re.compile(r"全市|合计|累计|总计|总额|总量|总共|共计|总金额|(?<![公同])共(?![同享建性])")
_CHANNEL_RE = re.compile(r"832|脱贫地区农副产品网络销售平台")
CHANNEL_832 = "832平台"
_BASE_BEFORE_BOUNDARY_RE = re.compile(r"达到|占|不低于|不少于|超过|按照|按|为|是|要|应|须|安排|[，,；;：:]")
_BASE_AFTER_RE = re.compile(
    r"^(?:以上|及以上|以下|左右)?的(?P<base>.+?)(?=在|用于|用来|通过|向|从|购买|[，,。；;]|$)"
)
_BASE_KINDS = (
    ("holiday_gift_total", ("慰问品",)),
    ("procurement_budget", ("预算", "采购资金", "食材采购", "采购额", "采购总额", "采购份额", "食堂")),
    ("member_count", ("会员人数", "职工人数", "人数")),
)


@dataclass
class _Hit:
    kind: str
    value: Decimal
    unit: str
    start: int
    end: int


def _fold(text: str) -> str:
    return text.translate(_FOLD)


# -- numbers in a clause ------------------------------------------------------------------------------


def _overlaps(start: int, end: int, hits: list[_Hit]) -> bool:
    return any(start < hit.end and hit.start < end for hit in hits)


def _ratio_hits(text: str) -> Iterator[_Hit]:
    for match in _RATIO_RE.finditer(text):
        if _RANGE_BEFORE_RE.search(text[: match.start()]):
            continue  # the upper bound of "15%-30%"
        value = parse_ratio(match.group(0))
        if value is not None and value > 0:
            yield _Hit(RATIO, value, UNIT_RATIO, match.start(), match.end())


def _per_capita_hits(text: str) -> Iterator[_Hit]:
    for pattern in _PER_CAPITA_RES:
        for match in pattern.finditer(text):
            value = parse_amount_yuan(match.group("amount"))
            if value is None or value <= 0:
                continue
            groups = match.groupdict()
            yearly = any(groups.get(name) for name in ("y1", "y2", "y3"))
            unit = UNIT_PER_CAPITA_YEAR if yearly else UNIT_PER_CAPITA
            yield _Hit(PER_CAPITA, value, unit, match.start(), match.end())


def _amount_hits(text: str, taken: list[_Hit]) -> Iterator[_Hit]:
    for match in _AMOUNT_RE.finditer(text):
        if _overlaps(match.start(), match.end(), taken) or text[match.end() :].lstrip().startswith("/"):
            continue
        value = parse_amount_yuan(match.group(0))
        if value is not None and value > 0:
            yield _Hit(AMOUNT, value, UNIT_YUAN, match.start(), match.end())


def _count_allowed(text: str, match: re.Match[str]) -> bool:
    before, after = text[: match.start()], text[match.end() :]
    if before.endswith(("第", "前")) or _COUNT_NOT_AFTER.match(after):
        return False
    if match.group("num")[0].isdigit():
        return True
    return bool(_CN_QUALIFIER_BEFORE_RE.search(before) or _QUALIFIER_AFTER_RE.match(after))


def _count_hits(text: str, taken: list[_Hit]) -> Iterator[_Hit]:
    for match in _COUNT_RE.finditer(text):
        if _overlaps(match.start(), match.end(), taken) or not _count_allowed(text, match):
            continue
        value = parse_number(match.group("num"))
        if value is not None and value > 0:
            yield _Hit(COUNT, value, match.group("unit"), match.start(), match.end())


def find_hits(text: str) -> list[_Hit]:
    """Every target-like number in one clause, in reading order."""
    folded = _fold(text)
    hits: list[_Hit] = list(_ratio_hits(folded))
    hits += list(_per_capita_hits(folded))
    hits += list(_amount_hits(folded, hits))
    hits += list(_count_hits(folded, hits))
    return sorted(hits, key=lambda hit: hit.start)


# -- who a target applies to --------------------------------------------------------------------------


def _clean_subject(text: str) -> str:
    text = _SCOPE_PREFIX_RE.sub("", text.strip(" ，,、"))
    text = _ETC_RE.sub("", text).strip(" ，,、")
    if text.endswith("单位") and looks_like_org(text[:-2]):
        text = text[:-2]
    return text


def find_subject(sentence: str) -> str:
    """The unit or group a sentence is about: the words before 每年/全年/要/应/须…, if they name one."""
    match = _SUBJECT_KEYWORD_RE.search(sentence)
    candidates = [sentence[: match.start()]] if match else []
    verb = _SUBJECT_VERB_RE.search(sentence)
    if verb and sentence.startswith("各"):
        candidates.append(sentence[: verb.start()])
    for candidate in candidates:
        subject = _clean_subject(candidate)
        if looks_like_org(subject):
            return subject
    return ""


def _listed_orgs(text: str) -> list[str]:
    """Units listed before "各" ("周巷镇、观海卫镇各采购…"), when every part reads as a unit."""
    parts = [
        part.strip() for part in re.split(r"[、，,和及]", _SCOPE_PREFIX_RE.sub("", text)) if part.strip()
    ]
    if parts and all(looks_like_org(part) for part in parts):
        return parts
    return []


# -- base and channel of a ratio --------------------------------------------------------------------------


def ratio_base(clause: str, start: int, end: int) -> str:
    """What a ratio is of: "…总金额的20%" (before 的) or "10%以上的采购预算资金" (after 的)."""
    after = _BASE_AFTER_RE.match(clause[end:])
    if after:
        return after.group("base").strip()
    before = clause[:start].rstrip()
    if not before.endswith("的"):
        return ""
    phrase = before[:-1]
    boundaries = list(_BASE_BEFORE_BOUNDARY_RE.finditer(phrase))
    if boundaries:
        phrase = phrase[boundaries[-1].end() :]
    return phrase.strip()


def base_kind_of(text: str) -> str:
    for kind, words in _BASE_KINDS:
        if any(word in text for word in words):
            return kind
    return ""


# -- putting it together ---------------------------------------------------------------------------------


@dataclass
class _ItemUnits:
    lead: list[str]
    responsible: list[str]
    subject: str = ""

    @property
    def each_orgs(self) -> list[str]:
        return list(self.responsible or self.lead)

    @property
    def total_orgs(self) -> list[str]:
        return list(self.lead or self.responsible)


def _clauses(sentence: str) -> list[tuple[str, bool]]:
    """A sentence split before "其中": ``[(clause, is_part_of_previous)]``."""
    parts = _SUBCLAUSE_RE.split(sentence)
    return [(part.strip(" ，,"), index > 0) for index, part in enumerate(parts) if part.strip(" ，,")]


def _parent_of(targets: list[ParsedTarget], first: int, kind: str) -> int | None:
    """The target a "其中…" part belongs to: the last one of the same kind in the sentence."""
    candidates = [i for i in range(first, len(targets)) if targets[i].parent is None]
    same_kind = [i for i in candidates if targets[i].kind == kind]
    pool = same_kind or candidates
    return pool[-1] if pool else None


def _assign(target: ParsedTarget, clause: str, hit: _Hit, context: _ItemUnits) -> None:
    before = clause[: hit.start]
    per_unit = hit.kind in (AMOUNT, COUNT) and _PER_UNIT_RE.search(before)
    if per_unit:
        listed = _listed_orgs(before[: before.rfind("各")]) or _listed_orgs(context.subject)
        target.orgs, target.scope = (
            listed or ([context.subject] if context.subject else context.each_orgs),
            EACH,
        )
    elif context.subject:
        target.orgs, target.scope = [context.subject], EACH
    elif hit.kind in (AMOUNT, COUNT) and _TOTAL_RE.search(before):
        target.orgs, target.scope = context.total_orgs, TOTAL
    else:
        target.orgs, target.scope = context.each_orgs, EACH


def _target(clause: str, hit: _Hit) -> ParsedTarget:
    target = ParsedTarget(kind=hit.kind, value=hit.value, unit=hit.unit, text=clause)
    if _CHANNEL_RE.search(clause) and hit.kind in (AMOUNT, RATIO, COUNT):
        target.channel = CHANNEL_832
    if hit.kind == RATIO:
        target.base = ratio_base(clause, hit.start, hit.end)
        target.base_kind = base_kind_of(target.base or clause)
    elif hit.kind == PER_CAPITA:
        target.base_kind = "member_count"
    return target


def _sentence_targets(sentence: str, context: _ItemUnits, targets: list[ParsedTarget]) -> None:
    first = len(targets)
    for clause, is_part in _clauses(sentence):
        for hit in find_hits(clause):
            target = _target(clause, hit)
            parent = _parent_of(targets, first, hit.kind) if is_part else None
            if parent is not None:
                target.orgs, target.scope, target.parent = (
                    list(targets[parent].orgs),
                    targets[parent].scope,
                    parent,
                )
            else:
                _assign(target, clause, hit, context)
            targets.append(target)


def extract_targets(content: str, *, lead: list[str], responsible: list[str]) -> list[ParsedTarget]:
    """All targets of one item; an item without any is qualitative work."""
    context = _ItemUnits(lead=list(lead), responsible=list(responsible))
    targets: list[ParsedTarget] = []
    for sentence in _SENTENCE_RE.split(content):
        sentence = sentence.strip()
        if not sentence:
            continue
        context.subject = find_subject(sentence) or context.subject
        _sentence_targets(sentence, context, targets)
    return targets
