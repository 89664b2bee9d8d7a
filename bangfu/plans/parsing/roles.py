"""Who does the work: unit names and their roles (lead / responsible / cooperating), exactly as written.

Offices write responsibilities in three places, and all three are read here:

* a responsibility column: ``"牵头单位：市总工会\\n\\n配合单位：市商务局、市对口支援办，各镇（街道）"`` →
  lead ``["市总工会"]``, cooperating ``["市商务局", "市对口支援办", "各镇（街道）"]``; bare names belong to
  the column's role; a sentence ``"由市财政局牵头，各镇（街道）负责"`` is read by its verbs;
* the work content: ``"…采购300万元。（市总工会牵头）"``, ``"由X牵头，Y配合"``, ``"牵头单位：X；责任单位：Y"``;
* a remarks (备注) column, the same way.

In a responsibility column every name counts. In the content and the remarks only explicit statements
count (:func:`read_role_statements`): a label ("牵头单位：…"), or names followed by 牵头／负责／配合 that end
their clause — and every such name must read as a unit, so "组织职工参与消费帮扶" is no role.

Names are only trimmed; aliases are resolved later, against the organisations in the database. A name
that itself contains a separator ("党政机关、学校、医院食堂（餐厅）") stays whole when it is one of the
``known`` names the caller passes (the groups and units the database knows).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bangfu.common.text import name_key

from .names import looks_like_unit

LEAD = "lead"
RESPONSIBLE = "responsible"
COOPERATING = "cooperating"
#: The Chinese word of each role, as in "牵头：市财政局".
ROLE_WORDS = {LEAD: "牵头", RESPONSIBLE: "责任", COOPERATING: "配合"}

_LABEL_RE = re.compile(
    r"(?<![^\s；;。，,、（(])"  # at the start of the text, after a separator or an opening bracket
    r"(?P<label>牵头\s*[（(]\s*责任\s*[)）]\s*(?:单位|部门)"
    r"|(?:牵头|责任|配合|协办|参与|协助|协同|主责|主办|承办)\s*(?:单位|部门)"
    r"|(?:牵头|责任|配合|协办|协助|参与)(?=\s*[:：]))"  # "牵头：市商务局；配合：…"
    r"\s*(?:[:：]|为(?=\S)|(?=\s)|$)"
)
#: "市商务局（牵头）", "市财政局(配合单位)": a role word in brackets right after a name.
_BRACKETED_ROLE_RE = re.compile(
    r"(?<!牵头)[（(]\s*(牵头|配合|负责|责任|协办|协助|参与)\s*(?:单位|部门)?\s*[)）]"
)
#: The verb of a role statement, with the words offices put around it.
_VERB_RE = re.compile(
    r"(?:具体|分别|共同|积极|主要|按照职责分工|按职责分工|按职责)?"
    r"(?P<verb>(?:为|作为)(?:牵头|责任|配合|协办)(?:单位|部门)|负责牵头|牵头负责|牵头|负责|配合|协助|协办|参与|落实|实施)"
    r"(?:组织实施|组织|抓好|做好)?(?:实施|落实|推进)?(?:工作)?"
)
_NAMES_PREFIX_RE = re.compile(r"^(?:由|均由|分别由|并由|请)\s*")
#: "由…": names introduced so are assigned the work whatever follows the verb.
_ASSIGNED_RE = re.compile(r"^(?:由|均由|分别由|并由)")
_TRAILING_VERB_RE = re.compile(rf"(?<=[^\s]){_VERB_RE.pattern}$")
_CONJUNCTION_RE = re.compile(r"[和及与]|会同|联合")
_OPEN = "（(【〔["
_CLOSE = "）)】〕]"
_SEPARATORS = "、，,；;\n"
_CLAUSE_ENDS = "，,；;。\n"
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

    def describe(self) -> str:
        """``"牵头：市财政局；责任：各镇（街道）"`` — for messages."""
        return "；".join(
            f"{ROLE_WORDS[role]}：{'、'.join(self.names(role))}"
            for role in (LEAD, RESPONSIBLE, COOPERATING)
            if self.names(role)
        )


def role_of_label(label: str) -> str:
    """The role a label such as ``"配合单位"`` or ``"牵头（责任）单位"`` names."""
    if label.startswith("牵头"):
        return LEAD
    if label.startswith(("配合", "协办", "参与", "协助", "协同")):
        return COOPERATING
    return RESPONSIBLE


def _role_of_verb(verb: str) -> str:
    """ "牵头", "负责牵头", "为牵头单位" → lead; "配合", "协助", "参与" → cooperating; "负责", "落实" → responsible."""
    if "牵头" in verb:
        return LEAD
    if any(word in verb for word in ("配合", "协助", "协办", "参与")):
        return COOPERATING
    return RESPONSIBLE


# -- names ----------------------------------------------------------------------------------------------


def _depths(text: str) -> list[int]:
    """The bracket depth at each position (an opening bracket is inside its own group)."""
    depths: list[int] = []
    depth = 0
    for char in text:
        if char in _OPEN:
            depth += 1
        depths.append(depth)
        if char in _CLOSE:
            depth = max(depth - 1, 0)
    return depths


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


class KnownNames:
    """Names that contain a separator yet are one name, kept as comparison keys (built once per table)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.keys = frozenset(name_key(name) for name in names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name_key(name) in self.keys

    def __bool__(self) -> bool:
        return bool(self.keys)


Known = Collection[str] | KnownNames


def known_names(known: Known) -> KnownNames:
    return known if isinstance(known, KnownNames) else KnownNames(known)


def split_names(text: str, known: Known = ()) -> list[str]:
    """Unit names separated by 、，,；; line breaks or spaces — never inside brackets, and never inside
    one of the ``known`` names (``"党政机关、学校、医院食堂（餐厅）"`` stays one name when known)."""
    spans: list[tuple[int, int]] = []
    start = 0
    depth = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        elif _is_separator(text, index, depth):
            spans.append((start, index))
            start = index + 1
    spans.append((start, len(text)))
    keys = known_names(known)
    names: list[str] = []
    first = 0
    while first < len(spans):
        last = first
        if keys:  # the longest run of parts that together is a known name
            for end in range(len(spans) - 1, first, -1):
                if _clean_name(text[spans[first][0] : spans[end][1]]) in keys:
                    last = end
                    break
        names.append(_clean_name(text[spans[first][0] : spans[last][1]]))
        first = last + 1
    return [name for name in names if name]


def multi_part_names(names: Iterable[str]) -> list[str]:
    """The names that :func:`split_names` would cut (they contain a separator), once each."""
    return list(
        dict.fromkeys(
            name for name in names if any(char in _SEPARATORS or char.isspace() for char in name.strip())
        )
    )


def _split_conjunctions(name: str) -> list[str]:
    """``"市商务局和市财政局"``, ``"市商务局会同市农业农村局"`` → both, when every part reads as a unit."""
    parts = [part for part in _CONJUNCTION_RE.split(name) if part]
    if len(parts) > 1 and all(looks_like_unit(part) for part in parts):
        return parts
    return [name]


def _unit_names(text: str, known: KnownNames) -> list[str]:
    names: list[str] = []
    for name in split_names(_NAMES_PREFIX_RE.sub("", text.strip(_TRIM)), known):
        names.extend(_split_conjunctions(name))
    return names


def _is_unit(name: str, known: KnownNames) -> bool:
    return looks_like_unit(name) or name in known


def _without_trailing_verb(name: str) -> str:
    """``"各镇（街道）负责落实"`` → ``"各镇（街道）"`` (a name under a label, followed by its verb)."""
    stripped = _TRAILING_VERB_RE.sub("", name).strip(_TRIM)
    return stripped or name


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class RoleReading:
    """The roles found in a text and the text without the statements that named them."""

    roles: Roles
    rest: str
    spans: list[tuple[int, int]] = field(default_factory=list)


class _StatementReader:
    """One pass over one text. ``default_role`` is the column's role; ``None`` reads statements only."""

    def __init__(self, text: str, default_role: str | None, known: Known) -> None:
        self.text = text
        self.default_role = default_role
        self.known = known_names(known)
        self.depths = _depths(text)
        self.roles = Roles()
        self.spans: list[tuple[int, int]] = []

    @property
    def strict(self) -> bool:
        return self.default_role is None

    def read(self) -> None:
        labels = [m for m in _LABEL_RE.finditer(self.text) if self.depths[m.start()] == 0]
        position = 0
        for index, label in enumerate(labels):
            self.unlabelled(position, label.start())
            end = labels[index + 1].start() if index + 1 < len(labels) else len(self.text)
            position = self.labelled(role_of_label(label.group("label")), label.start(), label.end(), end)
        self.unlabelled(position, len(self.text))

    def labelled(self, role: str, start: int, names_start: int, end: int) -> int:
        """Names after a label; returns where unlabelled text resumes."""
        stop = end
        if self.strict:  # in running text a label's list ends with its sentence
            for index in range(names_start, end):
                if self.text[index] in "。\n" and self.depths[index] == 0:
                    stop = index
                    break
        self.bracketed_statements(names_start, stop)  # "责任单位：各镇（街道）（市商务局牵头）"
        names = [
            _without_trailing_verb(name)
            for name in _unit_names(self._without_spans(names_start, stop), self.known)
        ]
        if self.strict:  # the names that read as units; the text after them is the sentence going on
            valid = []
            for name in names:
                if not _is_unit(name, self.known):
                    break
                valid.append(name)
            if not valid:
                return names_start
            if len(valid) < len(names):
                found = self.text.find(valid[-1], names_start, stop)
                stop = found + len(valid[-1]) if found >= 0 else stop
            names = valid
        self.roles.add(role, names)
        self.spans.append((start, stop))
        return stop

    def unlabelled(self, start: int, end: int) -> None:
        if start >= end:
            return
        self.bracketed_statements(start, end)
        clause_start = start
        for index in range(start, end + 1):
            if index == end or (self.text[index] in _CLAUSE_ENDS and self.depths[index] == 0):
                self.clause(clause_start, index)
                clause_start = index + 1

    def bracketed_statements(self, start: int, end: int) -> None:
        """A bracketed note such as "（市总工会牵头，各镇（街道）负责）" is a statement of its own."""
        index = start
        while index < end:
            if self.text[index] in _OPEN and self.depths[index] == 1:
                close = index + 1
                while close < end and not (self.text[close] in _CLOSE and self.depths[close] == 1):
                    close += 1
                inner = self.text[index + 1 : close]
                found = read_role_statements(inner, known=self.known)
                if not found.roles.is_empty():
                    self.roles.extend(found.roles)
                    self.spans.append((index, min(close + 1, len(self.text))))
                index = close + 1
            else:
                index += 1

    def _inside_spans(self, index: int) -> bool:
        return any(a <= index < b for a, b in self.spans)

    def clause(self, start: int, end: int) -> None:
        """Names followed by their verb ("由市财政局牵头", "市商务局牵头、市农业农村局配合"); the rest of a
        responsibility cell belongs to the column's role."""
        position = start
        for match in _VERB_RE.finditer(self.text, start, end):
            if self.depths[match.start()] > 0 or self._inside_spans(match.start()):
                continue
            names_text = self.text[position : match.start()].lstrip("、和及与 ")
            after = self.text[match.end() : end].strip()
            if after and after[0] not in "、和及与" and not _ASSIGNED_RE.match(names_text):
                continue  # "各镇负责组织…" is a sentence; "由市商务局负责组织…" assigns the work
            names = _unit_names(names_text, self.known)
            if names and all(_is_unit(name, self.known) for name in names):
                self.roles.add(_role_of_verb(match.group("verb")), names)
                self.spans.append((position, match.end()))
                position = match.end()
        if self.default_role is not None:
            self.roles.add(self.default_role, _unit_names(self._without_spans(position, end), self.known))

    def _without_spans(self, start: int, end: int) -> str:
        """The text from ``start`` to ``end`` without the statements already read."""
        kept = []
        position = start
        for a, b in sorted(self.spans):
            if b <= position or a >= end:
                continue
            kept.append(self.text[position : max(a, position)])
            position = max(position, b)
        kept.append(self.text[position:end] if position < end else "")
        return "".join(kept)

    def rest(self) -> str:
        text = self._without_spans(0, len(self.text))
        text = re.sub(r"([，,；;、])[，,；;、\s]+", r"\1", text)
        text = re.sub(r"[，,；;、]+([。])", r"\1", text)
        text = re.sub(r"。{2,}", "。", text).strip(" \n，,；;、")
        return text if any(char.isalnum() for char in text) else ""


def _normalise(text: str) -> str:
    return _BRACKETED_ROLE_RE.sub(lambda m: "负责" if m.group(1) == "责任" else m.group(1), text)


def parse_roles(text: str, default_role: str = RESPONSIBLE, *, known: Known = ()) -> Roles:
    """Read one responsibility cell; names without a label or verb belong to ``default_role``."""
    reader = _StatementReader(_normalise(text), default_role, known)
    reader.read()
    return reader.roles


def read_role_statements(text: str, *, known: Known = ()) -> RoleReading:
    """The roles a running text states explicitly (work content, remarks), and the text without them."""
    reader = _StatementReader(_normalise(text), None, known)
    reader.read()
    return RoleReading(roles=reader.roles, rest=reader.rest(), spans=sorted(reader.spans))
