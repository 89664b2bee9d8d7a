"""Build task tables in every format the parser reads, from one description.

A :class:`Table` lists its rows (text in the top-left cell of a merged area, ``""`` elsewhere) and its
merged areas. Writers produce a .docx (python-docx ``cell.merge``), an .xlsx (openpyxl ``merge_cells``),
an .xls (xlwt ``write_merge``) and the text extraction (one TAB-led line per cell, merged positions left
empty, as in the seed .txt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bangfu.plans.parsing import ParsedPlan, parse_table

FORMATS = ("docx", "xlsx", "xls", "txt")

Merge = tuple[int, int, int, int]  # top, left, bottom, right — inclusive


@dataclass
class Table:
    rows: list[list[str]]
    merges: list[Merge] = field(default_factory=list)
    #: Lines above the table: paragraphs (docx, text) or rows merged across the sheet (xlsx, xls).
    before: list[str] = field(default_factory=list)
    #: Lines below the table, likewise.
    after: list[str] = field(default_factory=list)
    #: docx only: continue the table in a second Word table (header repeated) from this row on.
    split_at: int | None = None

    @property
    def width(self) -> int:
        return max(len(row) for row in self.rows)

    def padded(self) -> list[list[str]]:
        return [row + [""] * (self.width - len(row)) for row in self.rows]

    def covered(self) -> set[tuple[int, int]]:
        """Positions inside a merged area other than its top-left cell."""
        cells: set[tuple[int, int]] = set()
        for top, left, bottom, right in self.merges:
            cells |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
            cells.discard((top, left))
        return cells


def full_row(table_width: int, text: str, row: int) -> tuple[list[str], Merge]:
    """A row whose single cell spans the table (a title, section or note row)."""
    return [text] + [""] * (table_width - 1), (row, 0, row, table_width - 1)


# -- writers ---------------------------------------------------------------------------------------------


def _docx_table(document, rows: list[list[str]], merges: list[Merge]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    for top, left, bottom, right in merges:
        table.cell(top, left).merge(table.cell(bottom, right))


def write_docx(path: Path, table: Table) -> Path:
    import docx

    document = docx.Document()
    for line in table.before:
        document.add_paragraph(line)
    rows = table.padded()
    if table.split_at is None:
        _docx_table(document, rows, table.merges)
    else:
        cut = table.split_at
        first = [m for m in table.merges if m[2] < cut]
        second = [(t - cut + 1, left, b - cut + 1, right) for t, left, b, right in table.merges if t >= cut]
        _docx_table(document, rows[:cut], first)
        document.add_paragraph("续表")
        _docx_table(document, [rows[0], *rows[cut:]], second)
    for line in table.after:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _sheet_rows(table: Table) -> tuple[list[list[str]], list[Merge]]:
    """Rows of a worksheet: the lines before, the table, the lines after; merges shifted to match."""
    width = table.width
    rows: list[list[str]] = []
    merges: list[Merge] = []
    for line in table.before:
        merges.append((len(rows), 0, len(rows), width - 1))
        rows.append([line] + [""] * (width - 1))
    offset = len(rows)
    rows += table.padded()
    merges += [(t + offset, left, b + offset, right) for t, left, b, right in table.merges]
    for line in table.after:
        merges.append((len(rows), 0, len(rows), width - 1))
        rows.append([line] + [""] * (width - 1))
    return rows, merges


def write_xlsx(
    path: Path, table: Table, *, sheet: str = "任务分解", leading_sheets: tuple[str, ...] = ()
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    for index, name in enumerate(leading_sheets):
        worksheet = first if index == 0 else workbook.create_sheet(name)
        worksheet.title = name
        worksheet["A1"] = f"{name}：本表用于说明"
    worksheet = workbook.create_sheet(sheet) if leading_sheets else first
    worksheet.title = sheet
    rows, merges = _sheet_rows(table)
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            if text:
                worksheet.cell(row=r, column=c, value=text)
    for top, left, bottom, right in merges:
        if (top, left) != (bottom, right):
            worksheet.merge_cells(
                start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1
            )
    workbook.save(str(path))
    return path


def write_xls(path: Path, table: Table, *, sheet: str = "任务分解") -> Path:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    worksheet = workbook.add_sheet(sheet)
    rows, merges = _sheet_rows(table)
    starts = {
        (top, left): (bottom, right) for top, left, bottom, right in merges if (top, left) != (bottom, right)
    }
    covered = {
        (r, c)
        for (top, left), (bottom, right) in starts.items()
        for r in range(top, bottom + 1)
        for c in range(left, right + 1)
    }
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) in starts:
                bottom, right = starts[(r, c)]
                worksheet.write_merge(r, bottom, c, right, text)
            elif (r, c) not in covered and text:
                worksheet.write(r, c, text)
    workbook.save(str(path))
    return path


def to_text(table: Table) -> str:
    """The seed's text extraction: lines before, then one TAB-led line per cell, then lines after."""
    covered = table.covered()
    lines = list(table.before)
    for r, row in enumerate(table.padded()):
        for c, text in enumerate(row):
            cell_lines = [] if (r, c) in covered else text.split("\n")
            lines.append("\t" + (cell_lines[0] if cell_lines else ""))
            lines += cell_lines[1:]
        lines.append("")
    lines += table.after
    return "\n".join(lines) + "\n"


def write_text(path: Path, table: Table, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(to_text(table).encode(encoding))
    return path


def write(tmp_path: Path, table: Table, fmt: str, stem: str = "任务分解表") -> Path:
    """Write ``table`` as ``fmt`` (one of :data:`FORMATS`) under ``tmp_path``."""
    path = tmp_path / f"{stem}.{fmt}"
    writers: dict[str, Callable[[Path, Table], Path]] = {
        "docx": write_docx,
        "xlsx": write_xlsx,
        "xls": write_xls,
        "txt": write_text,
    }
    return writers[fmt](path, table)


def edited_seed(tmp_path: Path) -> Path:
    """The seed table with one value corrected and one item reworded, written to ``tmp_path``."""
    from tests.support.world import SEED_TXT

    text = SEED_TXT.read_text(encoding="utf-8")
    text = text.replace("采购对口地区农特产品300万元。", "采购对口地区农特产品350万元。")  # a corrected value
    text = text.replace(
        "将消费帮扶纳入年度东西部协作、对口帮扶工作计划，建立消费帮扶考核机制。", "组织开展年度评比表彰。"
    )
    path = tmp_path / "2022年慈溪市消费帮扶工作任务分解表（修订）.txt"
    path.write_text(text, encoding="utf-8")
    return path


Outline = list[tuple[int, str, str, list[tuple[Any, ...]]]]


def outline(plan: ParsedPlan) -> Outline:
    """Tasks as (seq, label, name, items); items as (content, lead, responsible, cooperating, deadline, targets)."""
    return [
        (
            task.seq,
            task.label,
            task.name,
            [
                (
                    item.content,
                    item.lead,
                    item.responsible,
                    item.cooperating,
                    item.deadline,
                    [(t.kind, t.value, t.unit, t.orgs, t.scope) for t in item.targets],
                )
                for item in task.items
            ],
        )
        for task in plan.tasks
    ]


def comparable(plan: ParsedPlan) -> dict:
    """The plan without what depends on the format: provenance, and what the format made the parser infer
    (a text extraction cannot tell a merged cell from an empty one, and says so)."""
    data = plan.to_dict()
    del data["source_name"], data["sha256"], data["inferred"]
    for task in data["tasks"]:
        for item in task["items"]:
            del item["location"], item["inferred"]
    return data


def parse_as(tmp_path: Path, table: Table, fmt: str) -> ParsedPlan:
    """The table written in ``fmt`` under ``tmp_path``, parsed."""
    return parse_table(write(tmp_path, table, fmt))
