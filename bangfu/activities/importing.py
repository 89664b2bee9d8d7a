"""Importing activities of one kind from a spreadsheet, with the ledger's nothing-lost rules: every row
is saved or reported back with its reason (sheet, row, column) in an .xlsx that can be fixed and imported
again."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from bangfu.accounts.write_scope import Within, unit_writable
from bangfu.common.dates import parse_date
from bangfu.common.tables import TableReadError, column_report, table_rows
from bangfu.common.text import name_key
from bangfu.ledger.problem_report import ProblemRow, write_problem_report
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import KnownOrgResolver, OrgResolver
from bangfu.plans.models import Item

from .kinds import KINDS, DetailsError, clean_details
from .models import Activity
from .services import ActivityError, activity_create

COMMON_LABELS = {"unit": "单位", "item": "事项编号", "date": "日期", "title": "名称", "description": "说明"}
COMMON = {
    "unit": ("单位", "填报单位", "单位名称", "责任单位"),
    "item": ("事项", "事项编号", "工作事项"),
    "date": ("日期", "时间", "开始日期", "举办日期"),
    "title": ("名称", "标题", "活动名称", "项目名称"),
    "description": ("说明", "备注", "情况说明"),
}


class ActivityImportError(Exception):
    """A file that cannot be read at all (Chinese message naming the file)."""


@dataclass
class ActivityImportResult:
    saved: int = 0
    rejected: int = 0
    duplicates: int = 0
    skipped: int = 0
    report: str = ""
    problems: list[ProblemRow] = field(default_factory=list)
    #: Every header column with the field it was taken for, or 未识别 (``common.tables.column_report``).
    columns: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unrecognised(self) -> list[str]:
        return [str(c["header"]) for c in self.columns if c["field"] is None]


def _columns(cells: list[str], kind_code: str) -> dict[str, int]:
    wanted: dict[str, tuple[str, ...]] = dict(COMMON)
    for spec in KINDS[kind_code].fields:
        wanted[spec.name] = (spec.label, spec.label.split("（")[0])
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = name_key(cell)
        for field_name, names in wanted.items():
            if field_name not in found and key in {name_key(n) for n in names}:
                found[field_name] = index
    return found


def _item_by_code(plan_items: dict[str, Item], text: str) -> Item | None:
    return plan_items.get(text.strip().replace("．", "."))


def _fingerprint(item: Item | None, title: str, date: Any, details: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two records of one kind and unit the same record (for importing a file twice)."""
    return (
        item.pk if item is not None else None,
        title.strip()[:200],
        date.isoformat(),
        json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
    )


class _Existing:
    """Records already stored, per unit, counted by fingerprint (loaded once per unit)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._by_org: dict[int, Counter[tuple[Any, ...]]] = {}

    def count(self, org_id: int, key: tuple[Any, ...]) -> int:
        if org_id not in self._by_org:
            rows = Activity.objects.filter(kind=self.kind, organisation_id=org_id).values_list(
                "item_id", "title", "date", "details"
            )
            self._by_org[org_id] = Counter(
                (item_id, title, date.isoformat(), json.dumps(details, sort_keys=True, ensure_ascii=False))
                for item_id, title, date, details in rows
            )
        return self._by_org[org_id][key]

    def repeats(
        self,
        org_id: int,
        item: Item | None,
        title: str,
        date: dt.date,
        raw: dict[str, str],
        *,
        seen: Counter[tuple[int, tuple[Any, ...]]],
    ) -> bool:
        """Whether a row (counted in ``seen``, the rows of this file so far) repeats a stored record: the
        n-th equal row of a file is a duplicate while n stored records are equal to it."""
        try:
            key = _fingerprint(item, title, date, clean_details(KINDS[self.kind], raw))
        except DetailsError:
            return False  # refused when stored, with the reasons
        seen[(org_id, key)] += 1
        return seen[(org_id, key)] <= self.count(org_id, key)


def _cell(cells: list[str], col: dict[str, int], name: str) -> str:
    """The row's value of column ``name`` (empty when the sheet has no such column or the row is short)."""
    index = col.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


class _Purchasers:
    """Enterprises named in the rows (企业采购原料) are purchasers, resolved or created inside the write
    scope only: one resolver per reporting unit (new enterprises go under it), sharing one name index."""

    def __init__(self, *, within: Within, index: Any) -> None:
        self.within = within
        self.index = index
        self._by_unit: dict[int, OrgResolver] = {}

    def resolver(self, unit: Organisation) -> OrgResolver:
        if unit.pk not in self._by_unit:
            self._by_unit[unit.pk] = OrgResolver(default_parent=unit, within=self.within, index=self.index)
        return self._by_unit[unit.pk]


def _is_filler(cells: list[str]) -> bool:
    """An empty row, a total or a note below the table: skipped, not refused."""
    return (
        not any(c.strip() for c in cells)
        or name_key(cells[0]) in {"合计", "小计"}
        or cells[0].startswith(("备注", "说明"))
    )


def _unit_refusal(unit_name: str, org_id: int | None, allowed: Within) -> str:
    """Why a row's unit cannot be written for (no unit, unknown, unplaced, or outside the scope)."""
    if org_id is not None:
        return f"：单位“{unit_name}”不在本单位管辖范围内"
    if not unit_name:
        return "：缺少填报单位"
    if allowed is not None:
        return f"：单位“{unit_name}”未登记"
    return f"：单位“{unit_name}”无法归属"


@transaction.atomic
def activities_import(
    path: Path,
    *,
    kind: str,
    user: Any = None,
    default_org: Organisation | None = None,
    plan_items: dict[str, Item] | None = None,
    default_item: Item | None = None,
    within: Collection[int] | None = None,
    report_path: Path | None = None,
) -> ActivityImportResult:
    """Import the rows of one kind. Rows without a unit column go to ``default_org``, rows without an item
    column to ``default_item``. With ``within`` (a reporter's or lead reviewer's write scope,
    ``accounts.write_scope.write_units``) only units already known and inside it are written; rows naming others
    are refused and no unit is created outside it — an enterprise named in a row (its purchase) included. A row equal
    to a stored record (same unit, item, name, date and details) is a duplicate and is not stored again,
    so importing the same file twice changes nothing. The problem-row report goes to ``report_path``
    (default: under ``MEDIA_ROOT/import-reports``)."""
    if kind not in KINDS:
        raise ActivityImportError(f"未知的工作记录类型：{kind}")
    try:
        rows = list(table_rows(Path(path)))
    except TableReadError as exc:
        raise ActivityImportError(str(exc)) from exc
    result = ActivityImportResult()
    resolver: OrgResolver | KnownOrgResolver = (
        OrgResolver(default_parent=default_org) if within is None else KnownOrgResolver()
    )
    allowed: Within = None if within is None else frozenset(within)
    purchasers = _Purchasers(within=allowed, index=resolver.index)

    existing = _Existing(kind)
    seen: Counter[tuple[int, tuple[Any, ...]]] = Counter()
    columns: dict[str, dict[str, int]] = {}
    headers: dict[str, list[str]] = {}
    for sheet, number, cells in rows:
        if sheet not in columns:
            found = _header(kind, sheet, cells, result)
            if found:
                columns[sheet], headers[sheet] = found, cells
            continue
        if _is_filler(cells):
            result.skipped += 1
            continue
        col = columns[sheet]
        cell = functools.partial(_cell, cells, col)

        where = f"工作表“{sheet}”第{number}行"
        reason = ""
        outcome = "rejected"
        date = parse_date(cell("date"))
        unit_name = cell("unit")
        org_id = resolver.resolve(unit_name) if unit_name else (default_org.pk if default_org else None)
        item_code = cell("item")
        item = _item_by_code(plan_items or {}, item_code) if item_code else default_item
        if date is None:
            reason = f"{where}“{headers[sheet][col['date']]}”列：“{cell('date')}”不是有效日期"
        elif org_id is None or not unit_writable(org_id, allowed):
            reason = where + _unit_refusal(unit_name, org_id, allowed)
        elif item_code and item is None:
            reason = f"{where}：事项“{item_code}”不在当前任务分解表中"
        else:
            raw = {spec.name: cell(spec.name) for spec in KINDS[kind].fields}
            if existing.repeats(org_id, item, cell("title"), date, raw, seen=seen):
                outcome = "duplicate"
                reason = f"{where}：与已有记录相同，未重复导入"
            else:
                try:
                    org = Organisation.objects.get(pk=org_id)
                    activity_create(
                        kind=kind,
                        organisation=org,
                        item=item,
                        title=cell("title"),
                        date=date,
                        details=raw,
                        description=cell("description"),
                        source=f"{Path(path).name} {where}",
                        user=user,
                        within=allowed,
                        purchasers=purchasers.resolver(org),
                    )
                    result.saved += 1
                    continue
                except ActivityError as exc:
                    reason = f"{where}：" + "；".join(
                        m for messages in exc.message_dict.values() for m in messages
                    )
        if outcome == "duplicate":
            result.duplicates += 1
        else:
            result.rejected += 1
        result.problems.append(
            ProblemRow(outcome=outcome, sheet=sheet, row=number, raw=tuple(cells), reason=reason)
        )
    if not columns:
        raise ActivityImportError(f"文件“{Path(path).name}”中未找到表头（需要“名称”“日期”等列）。")
    if result.problems:
        report = report_path or (
            Path(settings.MEDIA_ROOT) / "import-reports" / f"工作记录-{Path(path).stem}-问题行.xlsx"
        )
        write_problem_report(
            report,
            batch_name=Path(path).name,
            sheets=[{"name": s, "headers": h} for s, h in headers.items()],
            problems=result.problems,
        )
        result.report = str(report)
    return result


def _header(kind: str, sheet: str, cells: list[str], result: ActivityImportResult) -> dict[str, int] | None:
    """The columns of a sheet's header row (its mapping reported in ``result``), or None when ``cells``
    is not the header (rows above it are passed over)."""
    found = _columns(cells, kind)
    if "title" not in found or "date" not in found:
        return None
    labels = {**COMMON_LABELS, **{spec.name: spec.label for spec in KINDS[kind].fields}}
    result.columns.extend(column_report(sheet, cells, found, labels))
    return found


def import_template(kind: str) -> list[str]:
    """The header row of an import file for ``kind`` (the columns the importer recognises)."""
    if kind not in KINDS:
        raise ActivityImportError(f"未知的工作记录类型：{kind}")
    return ["单位", "事项编号", "名称", "日期", *(spec.label for spec in KINDS[kind].fields), "说明"]


def import_template_xlsx(kind: str) -> bytes:
    """An empty import file for ``kind``: its header row, and the allowed values of choice columns."""
    from io import BytesIO

    from openpyxl import Workbook

    header = import_template(kind)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = KINDS[kind].label[:31]
    sheet.append(header)
    from bangfu.ledger.problem_report import header_widths, set_widths

    set_widths(sheet, [max(w, 12) for w in header_widths(header)])
    notes = [f"{spec.label}：{'、'.join(spec.choices)}" for spec in KINDS[kind].fields if spec.choices]
    if notes:
        sheet.append([])
        for note in notes:
            sheet.append([f"备注：{note}"])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
