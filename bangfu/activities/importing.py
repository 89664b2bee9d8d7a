"""Importing activities of one kind from a spreadsheet, with the ledger's nothing-lost rules: every row
is saved or reported back with its reason (sheet, row, column) in an .xlsx that can be fixed and imported
again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from bangfu.common.dates import parse_date
from bangfu.common.tables import TableReadError, table_rows
from bangfu.common.text import name_key
from bangfu.ledger.reporting import ProblemRow, write_problem_report
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import OrgResolver
from bangfu.plans.models import Item

from .kinds import KINDS
from .services import ActivityError, activity_create

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
    skipped: int = 0
    report: str = ""
    problems: list[ProblemRow] = field(default_factory=list)


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


@transaction.atomic
def activities_import(
    path: Path,
    *,
    kind: str,
    user: Any = None,
    default_org: Organisation | None = None,
    plan_items: dict[str, Item] | None = None,
) -> ActivityImportResult:
    if kind not in KINDS:
        raise ActivityImportError(f"未知的工作记录类型：{kind}")
    try:
        rows = list(table_rows(Path(path)))
    except TableReadError as exc:
        raise ActivityImportError(str(exc)) from exc
    result = ActivityImportResult()
    resolver = OrgResolver(default_parent=default_org)
    columns: dict[str, dict[str, int]] = {}
    headers: dict[str, list[str]] = {}
    for sheet, number, cells in rows:
        if sheet not in columns:
            found = _columns(cells, kind)
            if "title" in found and "date" in found:
                columns[sheet], headers[sheet] = found, cells
            continue
        if (
            not any(c.strip() for c in cells)
            or name_key(cells[0]) in {"合计", "小计"}
            or cells[0].startswith(("备注", "说明"))
        ):
            result.skipped += 1
            continue
        col = columns[sheet]

        def cell(name: str, cells: list[str] = cells, col: dict[str, int] = col) -> str:
            index = col.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        where = f"工作表“{sheet}”第{number}行"
        reason = ""
        date = parse_date(cell("date"))
        unit_name = cell("unit")
        org_id = resolver.resolve(unit_name) if unit_name else (default_org.pk if default_org else None)
        if date is None:
            reason = f"{where}“{headers[sheet][col['date']]}”列：“{cell('date')}”不是有效日期"
        elif org_id is None:
            reason = f"{where}：单位“{unit_name}”无法归属" if unit_name else f"{where}：缺少填报单位"
        else:
            try:
                activity_create(
                    kind=kind,
                    organisation=Organisation.objects.get(pk=org_id),
                    item=_item_by_code(plan_items or {}, cell("item")),
                    title=cell("title"),
                    date=date,
                    details={spec.name: cell(spec.name) for spec in KINDS[kind].fields},
                    description=cell("description"),
                    source=f"{Path(path).name} {where}",
                    user=user,
                )
                result.saved += 1
                continue
            except ActivityError as exc:
                reason = f"{where}：" + "；".join(
                    m for messages in exc.message_dict.values() for m in messages
                )
        result.rejected += 1
        result.problems.append(
            ProblemRow(outcome="rejected", sheet=sheet, row=number, raw=tuple(cells), reason=reason)
        )
    if not columns:
        raise ActivityImportError(f"文件“{Path(path).name}”中未找到表头（需要“名称”“日期”等列）。")
    if result.problems:
        folder = Path(settings.MEDIA_ROOT) / "import-reports"
        report = folder / f"工作记录-{Path(path).stem}-问题行.xlsx"
        write_problem_report(
            report,
            batch_name=Path(path).name,
            sheets=[{"name": s, "headers": h} for s, h in headers.items()],
            problems=result.problems,
        )
        result.report = str(report)
    return result
