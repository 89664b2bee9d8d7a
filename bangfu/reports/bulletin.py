"""The monthly progress bulletin's content (进度通报), read from computed progress.

A selector: it loads nothing of its own beyond ``progress_compute`` — called exactly as
``bangfu progress --json`` calls it (the plan's own record statuses) so that every figure in the bulletin
equals that command's figure for the same date — and returns the plain dataclasses of
``reports.rendering.bulletin_content`` that the Word, Excel and chart renderers read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.conf import settings

from bangfu.plans.choices import TargetKind
from bangfu.plans.models import Plan
from bangfu.progress.calculation import elapsed_share
from bangfu.progress.calculation.engine import EXEMPT, NO_BASE, REPRESENTED
from bangfu.progress.choices import Status
from bangfu.progress.formats import achieved_text, schedule_names, target_label
from bangfu.progress.lines import ProgressLine
from bangfu.progress.ranking import town_ranking
from bangfu.progress.rules import is_canteen_target, is_union_target
from bangfu.progress.selectors import ProgressReport, progress_compute

from .progress_rows import xlsx_rows
from .rendering.bulletin_content import (
    BEHIND,
    DONE,
    LAGGING,
    NORMAL,
    SEVERE,
    BaseTargetSummary,
    BulletinData,
    GroupSummary,
    LaggingItem,
    LaggingLine,
    Overall,
    StatusCount,
    TownRow,
)

__all__ = ["BulletinData", "bulletin_data", "bulletin_from_report"]


def bulletin_data(
    plan: Plan,
    *,
    as_of: dt.date,
    issue_no: int | None = None,
    issuer: str | None = None,
    issued: dt.date | None = None,
) -> BulletinData:
    """The bulletin of ``plan`` as of ``as_of``: issue number (default: the month of ``as_of``), the
    publisher and date of the date line (default: the city's counterpart-support office, ``as_of``)."""
    report = progress_compute(plan, as_of=as_of)
    return bulletin_from_report(report, issue_no=issue_no, issuer=issuer, issued=issued)


def bulletin_from_report(
    report: ProgressReport,
    *,
    issue_no: int | None = None,
    issuer: str | None = None,
    issued: dt.date | None = None,
) -> BulletinData:
    plan, as_of = report.plan, report.as_of
    return BulletinData(
        year=plan.year,
        title=f"{plan.year}年全市消费帮扶工作进度通报",
        issue_no=issue_no if issue_no is not None else as_of.month,
        issuer=issuer if issuer is not None else f"{settings.BANGFU_CITY}对口支援办",
        issued=issued or as_of,
        as_of=as_of,
        plan_title=plan.title,
        overall=_overall(report),
        towns=tuple(_town_rows(report.lines)),
        lagging=tuple(_lagging(report.lines)),
        unions=_group("基层工会", [line for line in report.lines if is_union_target(line.target)]),
        canteens=_group("单位食堂", [line for line in report.lines if is_canteen_target(line.target)]),
        details=tuple(xlsx_rows(report)),
        schedules=tuple(schedule_names(report.lines)),
    )


# --- parts ------------------------------------------------------------------------------------------


def _status_counts(lines: Iterable[ProgressLine]) -> tuple[StatusCount, ...]:
    counts = Counter(line.result.status for line in lines)
    return tuple(
        StatusCount(code, str(label), counts[code]) for code, label in Status.choices if counts.get(code)
    )


def _overall(report: ProgressReport) -> Overall:
    amounts = [line.result for line in report.lines if line.target.kind == TargetKind.AMOUNT]
    year = report.plan.year
    return Overall(
        time_progress=elapsed_share(report.as_of, dt.date(year, 1, 1), dt.date(year, 12, 31)),
        amount_lines=len(amounts),
        required_fen=sum(r.required_fen or 0 for r in amounts),
        achieved_fen=sum(r.achieved_fen for r in amounts),
        lines=len(report.lines),
        statuses=_status_counts(report.lines),
    )


def _town_rows(lines: Sequence[ProgressLine]) -> list[TownRow]:
    """The town ranking (:func:`progress.ranking.town_ranking`): first place first; equal rates share
    a place."""
    rows: list[TownRow] = []
    for line in town_ranking(lines):
        r = line.result
        rows.append(
            TownRow(
                rank=r.rank,
                unit=line.org_label,
                short="、".join(org.short_name or org.name for org in line.orgs),
                item=line.item_code,
                required_fen=r.required_fen or 0,
                achieved_fen=r.achieved_fen,
                rate=r.rate,
                expected=r.expected,
                status=r.status,
                status_label=str(Status(r.status).label),
            )
        )
    return rows


def _lagging(lines: Sequence[ProgressLine]) -> list[LaggingItem]:
    """Lines behind the time progress, by item in the table's order; severe first, then slowest."""
    by_item: dict[int, list[ProgressLine]] = {}
    for line in lines:
        if line.result.status in BEHIND:
            by_item.setdefault(line.item.pk, []).append(line)
    items = []
    for behind in by_item.values():
        behind.sort(key=lambda ln: (ln.result.status != SEVERE, ln.result.rate or 0, ln.org_label))
        first = behind[0]
        items.append(
            LaggingItem(
                item=first.item_code,
                content=first.item.content,
                lines=tuple(
                    LaggingLine(
                        unit=ln.org_label,
                        target_label=target_label(ln.target),
                        target_text=ln.target.display_value,
                        achieved_text=achieved_text(ln),
                        rate=ln.result.rate,
                        expected=ln.result.expected,
                        status=ln.result.status,
                        status_label=str(Status(ln.result.status).label),
                    )
                    for ln in behind
                ),
            )
        )
    return items


def _group(name: str, lines: Sequence[ProgressLine]) -> GroupSummary | None:
    if not lines:
        return None
    by_target: dict[int, list[ProgressLine]] = {}
    for line in lines:
        by_target.setdefault(line.target.pk, []).append(line)
    summaries = []
    for target_lines in by_target.values():
        first = target_lines[0]
        statuses = Counter(line.result.status for line in target_lines)
        measured = [
            line.result
            for line in target_lines
            if line.result.rate is not None and line.result.required_fen is not None
        ]
        summaries.append(
            BaseTargetSummary(
                item=first.item_code,
                label=target_label(first.target),
                units=len(target_lines),
                bases_reported=len(target_lines) - statuses[NO_BASE],
                exempt=statuses[EXEMPT] + statuses[REPRESENTED],
                done=statuses[DONE],
                normal=statuses[NORMAL],
                lagging=statuses[LAGGING],
                severe=statuses[SEVERE],
                required_fen=sum(r.required_fen or 0 for r in measured),
                achieved_fen=sum(r.achieved_fen for r in measured),
            )
        )
    return GroupSummary(name=name, targets=tuple(summaries))
