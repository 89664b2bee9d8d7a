"""Grids → tasks and items: where the header is, which rows are tasks, items, sections and notes.

Handles the layouts offices use:

* (A) a number per task, a task-name column and one row per item (the 2022 Cixi table);
* (B) a number per item and a task column merged over its items;
* (C) no task column: section rows ("一、基层工会共参与") start tasks, items numbered 1, 2 or 1.1;
* (D) task cells written with their number ("一、基层工会共参与").

Merged cells repeat their text over the rows they span; in a text extraction (no merge information)
an empty number/task cell continues the task and an empty unit cell repeats the item above.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bangfu.common.numbers import CN_DIGITS, cn_to_int
from bangfu.common.text import join_lines, name_key

from .grid import Cell, Grid, is_horizontal_continuation, is_own, is_vertical_continuation
from .header import DEADLINE, NOTE, ROLE, SEQ, TASK, Header, find_header, row_header
from .model import ParsedItem, ParsedTask
from .roles import Roles, known_names, parse_roles, read_role_statements
from .targets import extract_targets
from .title import is_note

_CN_LABEL = "[一二三四五六七八九十百零〇]+"
_PAREN_LABEL_RE = re.compile(rf"^[（(]\s*({_CN_LABEL}|\d+)\s*[)）]\s*[、.．:：]?\s*(.*)$", re.S)
_PLAIN_LABEL_RE = re.compile(rf"^({_CN_LABEL}|\d+)(?:\s*[、，,．:：]\s*|\.(?!\d)\s*|\s+|$)(.*)$", re.S)
_ORDINAL_LABEL_RE = re.compile(rf"^第\s*({_CN_LABEL}|\d+)\s*(?:部分|项|条|类)?\s*[、.．:：]?\s*(.*)$", re.S)
_GROUPED_SEQ_RE = re.compile(r"^(\d+)\s*[.．]\s*\d+")
_NOTE_LABELS = {"备注", "注", "说明", "附注", "填表说明", "填报说明"}
_TOTAL_ROWS = {"合计", "小计", "总计"}
_LEVELS = (
    (0, re.compile(rf"^(?:{_CN_LABEL}\s*(?:[、.．:：]|$)|第\s*{_CN_LABEL}\s*(?:部分|项|条|类)?)")),
    (1, re.compile(rf"^[（(]\s*{_CN_LABEL}\s*[)）]")),
    (4, re.compile(r"^\d+\s*[.．]\s*\d+")),
    (3, re.compile(r"^[（(]\s*\d+\s*[)）]")),
    (2, re.compile(r"^\d+\s*(?:[、.．:：)）]|$)")),
)
#: Levels a title in the content cell may carry ("一、…", "（一）…", "第一部分…").
_SECTION_LEVELS = {0, 1}
_MAX_HEADING = 40
_MAX_TERSE = 20
_SENTENCE_MARK_RE = re.compile(r"[。；;！!？?]")
_TERMINAL_RE = re.compile(r"[。；;！!？?…][”’」』）)】\]]*$")
#: A row ending in one of these stops mid-clause; a row starting with one of these cannot start an item.
_OPEN_ENDINGS = "，,、：:（(—-～~"
_CONTINUATION_STARTS = "，,、。；;：:）)%％"
#: The number an item's text may start with: "1.", "2、", "（三）", "四、", "(5)".
_ITEM_LABEL_RE = re.compile(
    rf"^\s*(?:[（(]\s*(?:{_CN_LABEL}|\d+)\s*[)）]|{_CN_LABEL}\s*[、.．]|\d+(?:\.\d+)*\s*(?:[、)）]|[.．](?!\d)))"
)


@dataclass
class Layout:
    preface: list[str] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Row:
    grid: Grid
    index: int
    header: Header

    @property
    def cells(self) -> list[Cell]:
        return self.grid.rows[self.index]

    def cell(self, col: int | None) -> Cell | None:
        if col is None or col >= len(self.cells):
            return None
        return self.cells[col]

    def own_text(self, col: int | None) -> str:
        """The text of the cell at ``col`` when it starts there (not carried from a merged area)."""
        cell = self.cell(col)
        if cell is None or col is None or not is_own(cell, self.index, col):
            return ""
        return cell.text

    def own_cells(self) -> list[tuple[int, Cell]]:
        """Non-empty cells that start in this row (a merged area counts once, where it starts)."""
        return [
            (col, cell) for col, cell in enumerate(self.cells) if cell.text and is_own(cell, self.index, col)
        ]

    def is_blank(self) -> bool:
        return not any(cell.text for cell in self.cells)

    @property
    def location(self) -> str:
        return self.grid.location(self.index)


def split_task_label(text: str) -> tuple[str, str]:
    """``"一、基层工会共参与"`` → ``("一", "基层工会共参与")``; ``"（二）名称"`` → ``("二", "名称")``."""
    text = join_lines(text)
    for pattern in (_PAREN_LABEL_RE, _ORDINAL_LABEL_RE, _PLAIN_LABEL_RE):
        match = pattern.match(text)
        if match:
            return match.group(1), match.group(2).strip().rstrip("：:")
    return "", text


def _label_number(label: str) -> int | None:
    if label and (label.isdigit() or all(ch in CN_DIGITS or ch in "十百" for ch in label)):
        return cn_to_int(label)
    return None


def _row_texts(grid: Grid, rows: Iterable[int]) -> list[str]:
    texts: list[str] = []
    for r in rows:
        for col, cell in enumerate(grid.rows[r]):
            if cell.text and is_own(cell, r, col) and cell.text not in texts:
                texts.append(cell.text)
    return texts


def _notes_in(paragraphs: Iterable[str]) -> list[str]:
    """Paragraphs from the first note ("备注：…") on."""
    notes: list[str] = []
    for text in paragraphs:
        if notes or is_note(text):
            notes.append(join_lines(text))
    return notes


@dataclass
class _Collected:
    preface: list[str] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    found: bool = False


def collect_rows(grids: Iterable[Grid]) -> _Collected:
    """Preface lines, data rows of every table under a header (continued tables too) and notes."""
    collected = _Collected()
    preface, rows, notes = collected.preface, collected.rows, collected.notes
    header: Header | None = None
    width = 0
    for grid in grids:
        found = find_header(grid)
        if found is None and (header is None or grid.width != width):
            if header is None:
                preface += grid.before + _row_texts(grid, range(len(grid.rows)))
            else:
                notes += _notes_in(grid.before)
            notes += _notes_in(grid.after)
            continue
        if header is None and found is not None:
            preface += grid.before + _row_texts(grid, range(found.top))
        else:
            notes += _notes_in(grid.before)
        if found is not None:
            header, width = found, grid.width
        assert header is not None
        start = found.row + 1 if found is not None else 0
        rows += [_Row(grid, r, header) for r in range(start, len(grid.rows))]
        notes += _notes_in(grid.after)
    collected.found = header is not None
    return collected


def _seq_is_per_item(rows: list[_Row]) -> bool:
    """Whether the number column counts items (1..17) rather than tasks (layout B, not A)."""
    previous_seq = None
    previous_task = None
    for row in rows:
        seq_col, task_col = row.header.first(SEQ), row.header.first(TASK)
        if seq_col is None or task_col is None:
            return False
        if not row.own_text(row.header.content) or row_header(row.cells) is not None:
            continue  # not an item row: blank, note, section or a repeated header
        task_text = row.own_text(task_col)
        seq_text = row.own_text(seq_col)
        same_task = not task_text or task_text == previous_task
        if same_task and seq_text and previous_seq is not None and seq_text != previous_seq:
            return True
        previous_task = task_text or previous_task
        previous_seq = seq_text or previous_seq
    return False


@dataclass
class _Pending:
    """The item being read, kept open while the rows below continue it."""

    item: ParsedItem
    task: ParsedTask
    pieces: list[str]
    #: Units of each unit column (for a text extraction, also the columns repeated from the rows above).
    columns: dict[int, Roles]
    #: The columns of ``columns`` written in the item's own rows.
    own: set[int]
    #: Units of further rows of a content cell spanning them.
    extra: Roles = field(default_factory=Roles)
    remarks: list[str] = field(default_factory=list)
    #: Texts of the task, unit and deadline cells of its last row.
    cells: dict[int, str] = field(default_factory=dict)
    inferred: list[str] = field(default_factory=list)


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence ("…。", "…；", "…。（市总工会牵头）")."""
    text = text.rstrip()
    while text:
        if _TERMINAL_RE.search(text):
            return True
        if text[-1] not in ")）】]":
            return False
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += text[index] in ")）】]"
            depth -= text[index] in "(（【["
            if depth == 0:
                text = text[:index].rstrip()
                break
        else:
            return False
    return False


def _continues_cell(above: str, written: str, *, is_task: bool) -> bool:
    """A cell of a continued row: empty, the same as above, or the rest of a list cut off above
    ("配合单位：市商务局、" above, "市财政局" here) — but never another task's name."""
    if not written or name_key(written) == name_key(above):
        return True
    return not is_task and bool(above.rstrip()) and above.rstrip()[-1] in _OPEN_ENDINGS


def _continues_sentence(previous: str, text: str) -> bool:
    """Text that cannot stand alone: the row above stops mid-clause, or this one starts with a mark."""
    return bool(previous) and (previous[-1] in _OPEN_ENDINGS or text[0] in _CONTINUATION_STARTS)


class _Builder:
    """Walks the data rows once, keeping the current task and the item being read."""

    def __init__(self, rows: list[_Row], known: Collection[str] = ()) -> None:
        self.rows = rows
        self.known = known_names(known)
        self.seq_per_item = _seq_is_per_item(rows)
        self.heading_levels = _heading_levels(rows)
        self.sentences_end = _sentences_usually_end(rows)
        self.tasks: list[ParsedTask] = []
        self.notes: list[str] = []
        self.task: ParsedTask | None = None
        self.grouped = False  # the current task came from "1.1"-style numbers, not from the table
        self.column_roles: dict[int, Roles] = {}
        self.deadline: str | None = None
        self.pending: _Pending | None = None

    def build(self) -> tuple[list[ParsedTask], list[str]]:
        for row in self.rows:
            self.read(row)
        self.finish()
        return self.tasks, self.notes

    # -- rows ---------------------------------------------------------------------------------------------

    def read(self, row: _Row) -> None:
        if row.is_blank() or row_header(row.cells) is not None:
            return
        note = self.note_of(row)
        if note:
            self.finish()
            self.notes.append(note)
            return
        section = self.section_of(row)
        if section is not None and self.notes and not split_task_label(section)[0]:
            self.notes.append(join_lines(row.own_cells()[0][1].text))  # a note continues below it
            return
        if section is not None:
            self.start_section(section)
            return
        heading = self.heading_of(row)
        if heading is not None:
            self.new_task(*heading)
            return
        content = row.cell(row.header.content)
        if content is None or not content.text:
            self.start_task_only(row)
        elif is_vertical_continuation(content, row.index):
            self.extend_previous(row)
        elif self.continues_item(row, content.text):
            self.continue_item(row, content.text)
        else:
            self.add_item(row, self.task_for(row), content.text)

    def note_of(self, row: _Row) -> str:
        own = [cell.text for _, cell in row.own_cells()]
        if not own:
            return ""
        if is_note(own[0]):
            return join_lines("\n".join(own))
        if name_key(own[0]) in _NOTE_LABELS and len(own) > 1:
            return f"{own[0]}：{join_lines(' '.join(own[1:]))}"
        return ""

    def section_of(self, row: _Row) -> str | None:
        """The text of a row that is one cell (spanning the row, or alone in it), else ``None``."""
        own = row.own_cells()
        if len(own) != 1:
            return None
        cell = own[0][1]
        content_col = row.header.content
        covers = [c for c, other in enumerate(row.cells) if other.origin == cell.origin]
        if content_col in covers and len(covers) == 1:
            return None
        content = row.cell(content_col)
        if content_col not in covers and content is not None and content.text:
            return None
        label = split_task_label(cell.text)[0]
        if name_key(cell.text) in _TOTAL_ROWS or (not label and row.header.first(TASK) is not None):
            return ""
        return cell.text

    def heading_of(self, row: _Row) -> tuple[str, str] | None:
        """A section heading written in the number and content cells of a table without a task column:
        ``"一 | 基层工会共参与"`` above items numbered 1, 2 (a numbering of a higher level than the items'),
        or ``" | 一、基层工会共参与"`` — a short title, no units, no deadline. ``(label, name)``, else ``None``."""
        if row.header.first(TASK) is not None:
            return None
        if any(text for text in self.cell_texts(row).values()):
            return None
        content = join_lines(row.own_text(row.header.content))
        seq = join_lines(row.own_text(row.header.first(SEQ)))
        if seq:
            label, rest = split_task_label(seq)
            if rest or not label or numbering_level(seq) not in self.heading_levels:
                return None
            name = content
        else:
            label, name = split_task_label(content)
            if not label or numbering_level(content) not in _SECTION_LEVELS:
                return None
        if not name or len(name) > _MAX_HEADING or _SENTENCE_MARK_RE.search(name):
            return None
        return label, name

    def start_section(self, text: str) -> None:
        if not text:
            return
        label, name = split_task_label(text)
        self.new_task(label, name)

    def start_task_only(self, row: _Row) -> None:
        """A row with a task cell but no work content starts a task with no items yet."""
        text = row.own_text(row.header.first(TASK))
        if text:
            label, name = split_task_label(text)
            self.new_task(label or self.seq_label(row), name)

    def extend_previous(self, row: _Row) -> None:
        """A row under a content cell that spans it: its unit cells add to the item."""
        if self.pending is None:
            return
        for roles in self.cell_roles(row).values():
            self.pending.extra.extend(roles)
        self.pending.remarks += self.remarks_of(row)
        self.pending.cells.update(self.cell_texts(row))

    # -- continued rows -------------------------------------------------------------------------------------

    def continues_item(self, row: _Row, text: str) -> bool:
        """A row that carries on the item above (its sentence split by a page break): no number, no task
        of its own, unit and deadline cells empty, the same, or the rest of a list cut off above, and text
        that does not stand alone."""
        pending = self.pending
        if pending is None or pending.task is not self.task or row.own_text(row.header.first(SEQ)):
            return False
        task_col = row.header.first(TASK)
        for col, written in self.cell_texts(row).items():
            if not _continues_cell(pending.cells.get(col, ""), written, is_task=col == task_col):
                return False
        text = join_lines(text)
        if not text or _ITEM_LABEL_RE.match(text):
            return False
        previous = pending.pieces[-1]
        if _continues_sentence(previous, text):
            return True
        # In a table whose items end with "。", an item that does not has lost its end to the next row.
        return self.sentences_end and not ends_sentence(previous)

    def continue_item(self, row: _Row, text: str) -> None:
        pending = self.pending
        assert pending is not None
        pending.pieces.append(text)
        pending.remarks += self.remarks_of(row)
        roles = {column.index: column.role for column in row.header.roles}
        for col, written in self.cell_texts(row).items():
            above = pending.cells.get(col, "")
            if not written or name_key(written) == name_key(above):
                continue
            joined = join_lines(f"{above}\n{written}")
            pending.cells[col] = joined
            if col in roles:
                pending.columns[col] = parse_roles(joined, roles[col], known=self.known)
                pending.own.add(col)
            else:
                pending.item.deadline = joined
        pending.inferred.append(f"{row.location}没有序号，文字接续上一行（跨页断行），已并入本事项")

    # -- tasks --------------------------------------------------------------------------------------------

    def seq_label(self, row: _Row) -> str:
        if self.seq_per_item:
            return ""
        return split_task_label(row.own_text(row.header.first(SEQ)))[0]

    def task_for(self, row: _Row) -> ParsedTask:
        if row.header.first(TASK) is None:
            return self.task_without_column(row)
        task_text = row.own_text(row.header.first(TASK))
        seq_label = self.seq_label(row)
        if task_text:
            label, name = split_task_label(task_text)
            label = label or seq_label
            current = self.task
            if (
                current is not None
                and name_key(current.name) == name_key(name)
                and label in ("", current.label)
            ):
                return current
            return self.new_task(label, name)
        if seq_label and (self.task is None or seq_label != self.task.label):
            return self.new_task(seq_label, "")
        return self.task or self.new_task("", "")

    def task_without_column(self, row: _Row) -> ParsedTask:
        match = _GROUPED_SEQ_RE.match(row.own_text(row.header.first(SEQ)))
        if (
            match
            and (self.task is None or self.grouped)
            and (self.task is None or self.task.label != match[1])
        ):
            task = self.new_task(match[1], "")
            self.grouped = True
            return task
        if self.task is None:
            self.grouped = True
            return self.new_task("", "")
        return self.task

    def new_task(self, label: str, name: str) -> ParsedTask:
        self.finish()
        used = {task.seq for task in self.tasks}
        number = _label_number(label)
        seq = number if number is not None and number not in used else max(used, default=0) + 1
        self.task = ParsedTask(seq=seq, label=label, name=join_lines(name))
        self.tasks.append(self.task)
        self.grouped = False
        self.column_roles, self.deadline = {}, None
        return self.task

    # -- items --------------------------------------------------------------------------------------------

    def cell_roles(self, row: _Row) -> dict[int, Roles]:
        """The units of each non-empty unit cell of the row, by column."""
        found: dict[int, Roles] = {}
        indexes = {col.index for col in row.header.roles}
        for column in row.header.roles:
            cell = row.cell(column.index)
            if cell is None or not cell.text:
                continue
            if is_horizontal_continuation(cell, column.index) and cell.origin[1] in indexes:
                continue
            found[column.index] = parse_roles(cell.text, column.role, known=self.known)
        return found

    def cell_texts(self, row: _Row) -> dict[int, str]:
        """Texts of the task, unit and deadline cells of a row, by column."""
        columns = [col.index for col in row.header.columns if col.kind in (TASK, ROLE, DEADLINE)]
        texts: dict[int, str] = {}
        for col in columns:
            cell = row.cell(col)
            texts[col] = cell.text if cell is not None else ""
        return texts

    def remarks_of(self, row: _Row) -> list[str]:
        texts = []
        for column in row.header.columns:
            cell = row.cell(column.index)
            if column.kind == NOTE and cell is not None and cell.text:
                texts.append(cell.text)
        return texts

    def item_roles(self, row: _Row) -> tuple[dict[int, Roles], set[int]]:
        """The row's units by column, and which columns the row writes itself.

        Without merge information (a text extraction) each empty unit column repeats its own cell
        above, since that is what a merged cell looks like there; otherwise only a row with no units
        at all repeats the units above (within the same task).
        """
        own = self.cell_roles(row)
        found = own
        if not row.grid.merged:
            found = {**self.column_roles, **own}
        elif not own:
            found = dict(self.column_roles)
        self.column_roles = found
        return found, set(own)

    def deadline_of(self, row: _Row) -> str | None:
        cell = row.cell(row.header.first(DEADLINE))
        if cell is not None and cell.text:
            return join_lines(cell.text)
        return None if row.grid.merged else self.deadline

    def add_item(self, row: _Row, task: ParsedTask, content: str) -> None:
        self.finish()
        columns, own = self.item_roles(row)
        self.deadline = self.deadline_of(row)
        item = ParsedItem(seq=len(task.items) + 1, content="", location=row.location, deadline=self.deadline)
        task.items.append(item)
        self.pending = _Pending(
            item=item,
            task=task,
            pieces=[content],
            columns=columns,
            own=own,
            remarks=self.remarks_of(row),
            cells=self.cell_texts(row),
        )

    def finish(self) -> None:
        """Complete the item being read: its text, its units (from the unit cells, the remarks and the
        text itself) and its targets."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        item = pending.item
        item.content = join_lines("\n".join(pending.pieces))
        stated = read_role_statements(item.content, known=self.known)
        from_remarks = Roles()
        for text in dict.fromkeys(pending.remarks):
            from_remarks.extend(read_role_statements(text, known=self.known).roles)
        roles = Roles()
        written = not (stated.roles.is_empty() and from_remarks.is_empty())
        for col in sorted(pending.columns):
            if col in pending.own or not written:  # units stated for the item replace repeated ones
                roles.extend(pending.columns[col])
        roles.extend(pending.extra)
        roles.extend(from_remarks)
        roles.extend(stated.roles)
        item.lead, item.responsible, item.cooperating = roles.lead, roles.responsible, roles.cooperating
        item.inferred = list(pending.inferred)
        repeated = Roles()
        for col in sorted(set(pending.columns) - pending.own):
            repeated.extend(pending.columns[col])
        if not written and not repeated.is_empty():
            item.inferred.append(f"单位栏为空，沿用上一事项的单位（{repeated.describe()}）")
        if not stated.roles.is_empty():
            item.inferred.append(f"工作内容中写明了单位，已识别为（{stated.roles.describe()}）")
        if not from_remarks.is_empty():
            item.inferred.append(f"备注栏中写明了单位，已识别为（{from_remarks.describe()}）")
        text = stated.rest if stated.spans else item.content
        item.targets = extract_targets(text, lead=item.lead, responsible=item.responsible)


def numbering_level(text: str) -> int | None:
    """How high a number ranks: 一 / 一、 (0), （一） (1), 第一部分 (0), 1 / 1. / 1、 (2), (1) (3), 1.1 (4)."""
    text = join_lines(text)
    for level, pattern in _LEVELS:
        if pattern.match(text):
            return level
    return None


def _heading_levels(rows: list[_Row]) -> set[int]:
    """The numbering levels of the number column above its lowest one (the items'): rows numbered so are
    section headings when they read as one (see ``_Builder.heading_of``)."""
    levels = set()
    for row in rows:
        seq = row.own_text(row.header.first(SEQ))
        level = numbering_level(seq) if seq else None
        if level is not None:
            levels.add(level)
    return levels - {max(levels)} if len(levels) > 1 else set()


def _sentences_usually_end(rows: list[_Row]) -> bool:
    """Whether most work-content cells of the table end with "。" (or another end of a sentence); short
    texts without any sentence mark (headings, terse items) do not count either way."""
    texts = [join_lines(row.own_text(row.header.content)) for row in rows if row_header(row.cells) is None]
    texts = [text for text in texts if len(text) > _MAX_TERSE or _SENTENCE_MARK_RE.search(text)]
    return bool(texts) and 2 * sum(ends_sentence(text) for text in texts) >= len(texts)


def read_layout(grids: Iterable[Grid], *, known: Collection[str] = ()) -> Layout | None:
    """Tasks and items of the first table with a header (and the tables continuing it), else ``None``.

    ``known`` names (the groups and units the caller knows) stay whole where they contain a separator.
    """
    collected = collect_rows(grids)
    if not collected.found:
        return None
    tasks, inner_notes = _Builder(collected.rows, known).build()
    return Layout(preface=collected.preface, tasks=tasks, notes=inner_notes + collected.notes)
