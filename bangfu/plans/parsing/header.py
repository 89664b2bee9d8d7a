"""Header rows: which column holds the number, the task, the work content, the units and the deadline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bangfu.common.text import name_key

from .grid import Cell, Grid, is_horizontal_continuation, is_vertical_continuation
from .roles import COOPERATING, LEAD, RESPONSIBLE

SEQ = "seq"
TASK = "task"
CONTENT = "content"
ROLE = "role"
DEADLINE = "deadline"
NOTE = "note"

#: A header cell is short; anything longer is data or a title.
MAX_HEADER_LENGTH = 14

_SEQ_KEYS = {"序号", "编号", "序", "序列", "序列号", "项目编号", "任务编号", "No", "No.", "NO", "NO."}
_NOTE_KEYS = {"备注", "备考", "附注", "说明"}
_DEADLINE_WORDS = (
    "完成时限",
    "时间节点",
    "完成时间",
    "时限",
    "完成期限",
    "期限",
    "时间要求",
    "截止时间",
    "时间安排",
    "进度安排",
)
_CONTENT_WORDS = (
    "工作内容",
    "具体内容",
    "主要内容",
    "任务内容",
    "工作措施",
    "具体措施",
    "主要措施",
    "工作要求",
    "具体工作",
    "目标任务",
    "任务要求",
    "工作目标",
    "内容",
    "措施",
)
_TASK_KEYS = {"项目", "工作项目", "类别", "分类", "工作类别", "重点工作", "主要工作", "工作重点"}
_COOPERATING_WORDS = ("配合", "协办", "参与", "协助", "协同")
_RESPONSIBLE_WORDS = ("责任", "主责", "主办", "承办", "实施")
_DIVISION_WORDS = ("分工", "责任主体", "责任分解")
_UNIT_SUFFIX_RE = re.compile(r"\(.*?\)$")
#: The first cell of a data row: "1", "1.1", "一", "一、名称", "（一）…".
_ROW_START_RE = re.compile(r"^\s*(?:\d+(?:\.\d+)*|[（(]?[一二三四五六七八九十]+[)）]?)(?:[、.．)）\s]|$)")
MAX_UNKNOWN_HEADERS = 3


@dataclass(frozen=True)
class Column:
    index: int
    kind: str
    role: str = ""


@dataclass
class Header:
    """The recognised columns of a table: header rows ``top``..``row``; data starts on the row after."""

    top: int
    row: int
    columns: list[Column] = field(default_factory=list)

    def first(self, kind: str) -> int | None:
        return next((col.index for col in self.columns if col.kind == kind), None)

    @property
    def content(self) -> int:
        index = self.first(CONTENT)
        assert index is not None  # a header always has a content column
        return index

    @property
    def roles(self) -> list[Column]:
        return [col for col in self.columns if col.kind == ROLE]


def _role_of(key: str) -> str:
    if key.startswith("牵头"):
        return LEAD
    if any(word in key for word in _COOPERATING_WORDS):
        return COOPERATING
    return RESPONSIBLE


def classify(text: str) -> tuple[str, str] | None:
    """``(kind, role)`` of a header cell, or ``None`` when the text is not a header we know."""
    key = name_key(text)
    if not key or len(key) > MAX_HEADER_LENGTH:
        return None
    if key in _NOTE_KEYS:
        return NOTE, ""
    if key in _SEQ_KEYS or key.startswith("序号"):
        return SEQ, ""
    if any(word in key for word in _DEADLINE_WORDS):
        return DEADLINE, ""
    bare = _UNIT_SUFFIX_RE.sub("", key)
    if bare.endswith(("单位", "部门")) or key.startswith("牵头"):
        return ROLE, _role_of(key)
    if any(word in key for word in _DIVISION_WORDS):
        return ROLE, RESPONSIBLE  # "责任分工": sentences such as "由市财政局牵头，各镇（街道）负责"
    if any(word in key for word in _CONTENT_WORDS):
        return CONTENT, ""
    if "任务" in key or key in _TASK_KEYS:
        return TASK, ""
    return None


def row_header(row: Sequence[Cell]) -> list[Column] | None:
    """The columns named by one row, or ``None`` when the row does not read as a header."""
    columns: list[Column] = []
    others = 0
    for col, cell in enumerate(row):
        if not cell.text:
            continue
        if is_horizontal_continuation(cell, col):
            previous = columns[-1] if columns and columns[-1].index == col - 1 else None
            if previous is not None and previous.kind == ROLE:
                columns.append(Column(col, ROLE, previous.role))
            continue
        found = classify(cell.text)
        if found is None:
            if len(name_key(cell.text)) > MAX_HEADER_LENGTH:
                return None
            others += 1
            continue
        columns.append(Column(col, *found))
    return _accept(columns, others)


def _accept(columns: list[Column], others: int) -> list[Column] | None:
    kinds = [col.kind for col in columns]
    if CONTENT not in kinds:
        if TASK not in kinds or ROLE not in kinds:
            return None
        # "序号 | 重点任务 | 责任单位": the task column is where the work is written.
        task = kinds.index(TASK)
        columns[task] = Column(columns[task].index, CONTENT)
    distinct = {col.kind for col in columns if col.kind != NOTE}
    if len(distinct) < 2 or others > len(columns):
        return None
    return columns


def _sub_header(grid: Grid, header: Header) -> Header:
    """A second header row ("责任单位" over "牵头单位 | 配合单位") refines the columns above it."""
    r = header.row + 1
    if r >= len(grid.rows):
        return header
    overrides: dict[int, Column] = {}
    for col, cell in enumerate(grid.rows[r]):
        if not cell.text or is_vertical_continuation(cell, r) or is_horizontal_continuation(cell, col):
            continue
        found = classify(cell.text)
        if found is None:
            return header
        overrides[col] = Column(col, *found)
    if not overrides:
        return header
    merged = {col.index: col for col in header.columns}
    merged.update(overrides)
    return Header(top=header.top, row=r, columns=[merged[index] for index in sorted(merged)])


def find_header(grid: Grid) -> Header | None:
    """The first row of ``grid`` that reads as a task-table header (plus a sub-header row, if any)."""
    for r, row in enumerate(grid.rows):
        columns = row_header(row)
        if columns is not None:
            return _sub_header(grid, Header(top=r, row=r, columns=columns))
    return None


def _starts_a_row(text: str) -> bool:
    return bool(_ROW_START_RE.match(text))


def _is_short_label(text: str) -> bool:
    key = name_key(text)
    return 0 < len(key) <= MAX_HEADER_LENGTH and not any(ch.isdigit() for ch in key)


def _unknown_tail(texts: Sequence[str], end: int) -> int:
    """Header cells we do not know ("联系人") between the known ones and the first data row."""
    if end >= len(texts) or _starts_a_row(texts[end]):
        return 0
    for extra in range(1, MAX_UNKNOWN_HEADERS + 1):
        stop = end + extra
        if stop < len(texts) and all(map(_is_short_label, texts[end:stop])) and _starts_a_row(texts[stop]):
            return extra
    return 0


def header_run(texts: Sequence[str]) -> tuple[int, int] | None:
    """In a flat list of cell texts (a text extraction), ``(start, width)`` of the header cells."""
    for start in range(len(texts)):
        width = 0
        while start + width < len(texts) and classify(texts[start + width]) is not None:
            width += 1
        if width >= 2:
            cells = [Cell(text, (0, col)) for col, text in enumerate(texts[start : start + width])]
            if row_header(cells) is not None:
                return start, width + _unknown_tail(texts, start + width)
    return None
