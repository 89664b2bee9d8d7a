"""Entry points: a task-table file (or its text) → :class:`ParsedPlan`."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from pathlib import Path

from bangfu.common.text import os_error_text

from .grid import Grid
from .header import find_header
from .layout import Layout, read_layout
from .model import ParsedPlan, TableParseError
from .readers import (
    CSV,
    DOCX,
    TEXT,
    XLS,
    XLSX,
    decode_text,
    detect_format,
    read_csv,
    read_docx,
    read_text,
    read_workbook,
)
from .title import find_year, pick_title

NO_TABLE = "文件 {label} 中未找到任务分解表（需要包含“工作内容”等表头）"


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TableParseError(f"无法读取文件 {label}：文件不存在") from None
    except IsADirectoryError:
        raise TableParseError(f"无法读取文件 {label}：这是一个文件夹，不是文件") from None
    except PermissionError:
        raise TableParseError(f"无法读取文件 {label}：没有读取权限") from None
    except OSError as exc:
        raise TableParseError(f"无法读取文件 {label}：读取失败（{os_error_text(exc)}）") from exc


def _first_sheet_with_header(grids: Iterable[Grid], label: str) -> list[Grid]:
    names: list[str] = []
    for grid in grids:
        if find_header(grid) is not None:
            return [grid]
        names.append(grid.name)
    checked = "、".join(names) or "（无工作表）"
    raise TableParseError(NO_TABLE.format(label=label) + f"；已检查：{checked}")


#: A task table is a few pages; a text or CSV file beyond this is not one (and is not read into memory).
MAX_TEXT_BYTES = 5 << 20


def _grids(fmt: str, data: bytes, label: str) -> list[Grid]:
    if fmt in (TEXT, CSV) and len(data) > MAX_TEXT_BYTES:
        raise TableParseError(
            f"无法读取文件 {label}：文本有 {len(data) / 2**20:.1f} MB，任务分解表不会这么大；请确认文件是否正确"
        )
    if fmt == DOCX:
        return read_docx(data, label)
    if fmt == TEXT:
        return [read_text(decode_text(data, label))]
    if fmt == CSV:
        return [read_csv(decode_text(data, label))]
    return _first_sheet_with_header(read_workbook(data, label, fmt=fmt), label)


def _build(
    layout: Layout | None, label: str, default_year: int | None, *, where: str = "任务分解表"
) -> ParsedPlan:
    if layout is None:
        raise TableParseError(NO_TABLE.format(label=label))
    if not any(task.items for task in layout.tasks):
        raise TableParseError(f"文件 {label} 的{where}中没有任何工作内容行")
    title = pick_title(layout.preface)
    year = find_year(title) or default_year
    return ParsedPlan(title=title, year=year, tasks=layout.tasks, notes=layout.notes)


def parse_table(
    path: str | Path, *, default_year: int | None = None, known: Collection[str] = ()
) -> ParsedPlan:
    """Parse a task table from .docx, .xlsx/.xlsm, .xls, .txt or .csv (sniffed when the extension is unknown).

    ``known`` are names that contain a separator yet are one name (groups such as
    "党政机关、学校、医院食堂（餐厅）"); the callers pass the names the database knows.

    Raises :class:`TableParseError` with a Chinese message naming the file for anything unreadable.
    """
    path = Path(path)
    label = path.name or str(path)
    data = _read_bytes(path, label)
    fmt = detect_format(path.suffix, data, label)
    grids = _grids(fmt, data, label)
    where = grids[0].name if fmt in (XLSX, XLS) else "任务分解表"
    plan = _build(read_layout(grids, known=known), label, default_year, where=where)
    plan.source_name = label
    plan.sha256 = hashlib.sha256(data).hexdigest()
    return plan


def parse_text(
    text: str, *, source_name: str = "", default_year: int | None = None, known: Collection[str] = ()
) -> ParsedPlan:
    """Parse the text extraction of a task table (one TAB-led line per cell, as in the seed .txt)."""
    label = source_name or "（文本）"
    plan = _build(read_layout([read_text(text)], known=known), label, default_year)
    plan.source_name = source_name
    return plan
