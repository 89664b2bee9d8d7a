"""Does a piece of text read as the name of a unit or group? Pure Python, no Django.

Two questions use it: which words of a sentence are its subject ("各基层工会每年…" → 各基层工会), and
whether the words before 牵头／负责／配合 are units ("由市财政局牵头" is a role, "组织职工参与" is not).
"""

from __future__ import annotations

import re

#: Endings of unit and group names ("…工会", "…镇", "…管委会", "…食堂（餐厅）" after its parenthesis).
ORG_SUFFIXES = (
    "工会",
    "单位",
    "食堂",
    "餐厅",
    "镇",
    "乡",
    "街道",
    "村",
    "社区",
    "部门",
    "机关",
    "学校",
    "医院",
    "企业",
    "会",
    "局",
    "办",
    "中心",
    "社",
    "集团",
    "机构",
    "组织",
    "公司",
    "政府",
    "委",
    "院",
    "所",
    "站",
    "队",
    "组",
    "商超",
    "团体",
    "区",
    "县",
    "市",
)
#: Further endings a unit named in a role statement may have (市委宣传部, 市妇联, 市科协, 市政府办公室).
_UNIT_SUFFIXES = (*ORG_SUFFIXES, "部", "厅", "处", "科", "联", "协", "办公室")
#: Words that make a phrase a sentence about work, not a name.
SENTENCE_VERBS = (
    "购买",
    "采购",
    "安排",
    "做好",
    "开展",
    "组织",
    "鼓励",
    "支持",
    "推动",
    "引导",
    "实施",
    "发挥",
    "落实",
    "加强",
    "建立",
    "利用",
    "强化",
    "畅通",
    "完成",
    "举办",
    "参加",
    "动员",
    "推进",
    "帮助",
    "推介",
    "宣传",
    "提供",
    "发展",
    "打造",
    "加大",
    "的",
)
#: Words never found in the name of a unit a role statement names (市委组织部 and 市金融发展服务中心 are
#: units, so this list is shorter than :data:`SENTENCE_VERBS`).
_NOT_IN_UNIT_NAMES = (
    "采购",
    "购买",
    "开展",
    "举办",
    "推动",
    "鼓励",
    "引导",
    "动员",
    "积极",
    "做好",
    "加强",
    "确保",
    "负责",
    "牵头",
    "配合",
)
_TRAILING_PAREN_RE = re.compile(r"[（(][^（）()]*[）)]$")
_PUNCTUATION = set("，。；：,;:！？!?")


def strip_parenthetical(text: str) -> str:
    """``"医院食堂（餐厅）"`` → ``"医院食堂"``: the name before a trailing parenthesis."""
    return _TRAILING_PAREN_RE.sub("", text)


def looks_like_org(text: str) -> bool:
    """A unit or group a sentence is about ("各基层工会", "党政机关、学校、医院食堂（餐厅）"), not a verb phrase."""
    if not 2 <= len(text) <= 40 or any(ch.isdigit() for ch in text):
        return False
    if any(verb in text for verb in SENTENCE_VERBS) or text.startswith(("以上", "上述", "前述", "以下")):
        return False
    return strip_parenthetical(text).endswith(ORG_SUFFIXES)


def looks_like_unit(text: str) -> bool:
    """A unit or group named in a role statement ("市财政局", "各镇（街道）", "市委组织部")."""
    text = text.strip()
    if not 2 <= len(text) <= 40 or any(ch.isdigit() for ch in text) or _PUNCTUATION & set(text):
        return False
    if any(word in text for word in _NOT_IN_UNIT_NAMES):
        return False
    return strip_parenthetical(text).endswith(_UNIT_SUFFIXES)
