"""Responsibility cells → lead / responsible / cooperating unit names, exactly as written.

``"牵头单位：市总工会\\n\\n配合单位：市商务局、市对口支援办，各镇（街道）"`` →
lead ``["市总工会"]``, cooperating ``["市商务局", "市对口支援办", "各镇（街道）"]``. Names are only trimmed;
aliases are resolved later, against the organisations in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEAD = "lead"
RESPONSIBLE = "responsible"
COOPERATING = "cooperating"

_LABEL_RE = re.compile(
    r"(?<![^\s；;。，,、])"  # at the start of the text or after a separator
    r"(?P<label>牵头\s*[（(]\s*责任\s*[)）]\s*(?:单位|部门)"
    r"|(?:牵头|责任|配合|协办|参与|协助|协同|主责|主办|承办)\s*(?:单位|部门))"
    r"\s*(?:[:：]|(?=\s)|$)"
)
_OPEN = "（(【〔["
_CLOSE = "）)】〕]"
_SEPARATORS = "、，,；;\n"
_TRIM = " \t\u3000。.，,、；;：:"
_TRAILING_ETC_RE = re.compile(r"等(?:单位|部门|有关单位|相关单位|相关部门)?$")


@dataclass
class Roles:
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.lead or self.responsible or self.cooperating)

    def names(self, role: str) -> list[str]:
        return {LEAD: self.lead, RESPONSIBLE: self.responsible, COOPERATING: self.cooperating}[role]

    def add(self, role: str, names: list[str]) -> None:
        bucket = self.names(role)
        bucket.extend(name for name in names if name not in bucket)

    def extend(self, other: Roles) -> None:
        for role in (LEAD, RESPONSIBLE, COOPERATING):
            self.add(role, other.names(role))


def role_of_label(label: str) -> str:
    """The role a label such as ``"配合单位"`` or ``"牵头（责任）单位"`` names."""
    if label.startswith("牵头"):
        return LEAD
    if label.startswith(("配合", "协办", "参与", "协助", "协同")):
        return COOPERATING
    return RESPONSIBLE


def _is_separator(text: str, index: int, depth: int) -> bool:
    char = text[index]
    if depth > 0:
        return False
    if char in _SEPARATORS:
        return True
    if char.isspace():
        rest = text[index:].lstrip()
        return bool(rest) and rest[0] not in _OPEN
    return False


def _clean_name(name: str) -> str:
    name = name.strip(_TRIM)
    while True:
        stripped = _TRAILING_ETC_RE.sub("", name).strip(_TRIM)
        if stripped == name:
            return name
        name = stripped


def split_names(text: str) -> list[str]:
    """Unit names separated by 、，,；; line breaks or spaces — never inside parentheses."""
    names: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        elif _is_separator(text, index, depth):
            names.append(text[start:index])
            start = index + 1
    names.append(text[start:])
    return [name for name in (_clean_name(raw) for raw in names) if name]


def parse_roles(text: str, default_role: str = RESPONSIBLE) -> Roles:
    """Read one responsibility cell; text before any label belongs to ``default_role``."""
    roles = Roles()
    role, position = default_role, 0
    for match in _LABEL_RE.finditer(text):
        roles.add(role, split_names(text[position : match.start()]))
        role, position = role_of_label(match.group("label")), match.end()
    roles.add(role, split_names(text[position:]))
    return roles
