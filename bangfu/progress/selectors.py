"""Reads for progress: each (target, unit) line's achievement as of a date, roll-ups and drill-down.

Flow: load the plan's targets and rules → expand them into lines (:mod:`progress.lines`: groups to
members, "其他…" groups without the units the item names) → one grouped SUM per distinct eligibility
filter (:mod:`progress.sums`, the filters from :mod:`progress.rules`) → the pure engine
(:mod:`progress.calculation`) → presentational lines and roll-ups. The monthly trend is
:mod:`progress.trend`; the 832 reconciliation :mod:`progress.reconciliation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from django.db.models import Prefetch, QuerySet

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.ledger.selectors import Listing, for_list, purchase_listing
from bangfu.orgs.choices import TOWN_LEVEL
from bangfu.orgs.models import Organisation
from bangfu.plans.choices import ItemRole
from bangfu.plans.models import Plan, RoleAssignment

from .calculation.engine import with_place
from .lines import Prepared, ProgressLine, lines_prepare, org_index
from .live import live_report, usable
from .ranking import plan_ranks
from .report import ProgressReport, report_build, report_of_part
from .rules import EVERY_COUNTED, counted_statuses, eligible
from .sums import grouped_sums, merged


def progress_compute(
    plan: Plan,
    *,
    as_of: dt.date,
    org_ids: Iterable[int] | None = None,
    target_ids: Iterable[int] | None = None,
    approved_only: bool | None = None,
    ranked: bool = False,
) -> ProgressReport:
    """Every line of the plan as of ``as_of`` (or only the lines of ``org_ids`` / ``target_ids``).

    Lines are ranked over the whole plan (:mod:`progress.ranking`): a whole-plan computation ranks
    them itself; a computation of some units or targets takes the whole plan's ranks when ``ranked``
    (one whole-plan computation, cached), and leaves them empty otherwise.

    Rules must exist (``services.progress_rules_ensure``); a target without one is computed with the
    default rule but not saved.
    """
    prepared = lines_prepare(plan, as_of, org_ids, target_ids)
    statuses = counted_statuses(plan, approved_only)
    if usable(prepared):  # the whole plan: kept current between computations (progress.live)
        return live_report(prepared, statuses, partial(report_build, prepared))
    whole = prepared.derived.get("whole")
    if isinstance(whole, Prepared) and usable(whole):
        # Some units' or targets' lines out of the whole plan's live figures (ranked over the whole plan).
        kept = live_report(whole, statuses, partial(report_build, whole))
        results = [kept.lines[position].result for position in prepared.derived["positions"]]
        return report_of_part(
            whole, kept.orgs, prepared, results if ranked else [with_place(r, None) for r in results]
        )
    ((sums, counts),) = grouped_sums(prepared.keys, plan.year, [statuses], prepared.restrict)
    ranks = None
    if ranked and not prepared.complete:
        ranks = plan_ranks(plan, as_of=as_of)[statuses == [RecordStatus.APPROVED]]
    return report_build(prepared, sums, counts, ranks=ranks)


@dataclass
class OfficialProgress:
    """The official figures (approved records only) and, line for line, the figures that would hold if
    every record awaiting review (submitted) were approved. ``approved.lines[i]`` and
    ``with_submitted.lines[i]`` are the same (target, unit) line."""

    approved: ProgressReport
    with_submitted: ProgressReport

    def pairs(self) -> Iterator[tuple[ProgressLine, ProgressLine]]:
        return zip(self.approved.lines, self.with_submitted.lines, strict=True)


def progress_compute_official(
    plan: Plan,
    *,
    as_of: dt.date,
    org_ids: Iterable[int] | None = None,
    target_ids: Iterable[int] | None = None,
    ranked: bool = False,
) -> OfficialProgress:
    """Approved-only and approved-plus-submitted figures from one grouped scan (approved and submitted
    records summed apart) instead of two full computations; ranks as in :func:`progress_compute`."""
    prepared = lines_prepare(plan, as_of, org_ids, target_ids)
    if usable(prepared):  # the whole plan: both kept current between computations (progress.live)
        return OfficialProgress(
            approved=live_report(prepared, [RecordStatus.APPROVED], partial(report_build, prepared)),
            with_submitted=live_report(prepared, EVERY_COUNTED, partial(report_build, prepared)),
        )
    (approved_sums, approved_counts), (submitted_sums, submitted_counts) = grouped_sums(
        prepared.keys, plan.year, [[RecordStatus.APPROVED], [RecordStatus.SUBMITTED]], prepared.restrict
    )
    ranks = plan_ranks(plan, as_of=as_of) if ranked and not prepared.complete else {}
    orgs = org_index(prepared)
    return OfficialProgress(
        approved=report_build(prepared, approved_sums, approved_counts, orgs, ranks.get(True)),
        with_submitted=report_build(
            prepared,
            merged(approved_sums, submitted_sums),
            merged(approved_counts, submitted_counts),
            orgs,
            ranks.get(False),
        ),
    )


# --- drill-down -------------------------------------------------------------------------------


def progress_line_records(
    line: ProgressLine, *, as_of: dt.date, approved_only: bool | None = None
) -> QuerySet[Purchase]:
    """The purchases behind a line's figure, so that any number can be proven."""
    spec = line.result.spec
    if spec.sums_key is None:
        return Purchase.objects.none()
    return (
        Purchase.objects.filter(
            eligible(spec.sums_key, line.task.plan.year, counted_statuses(line.task.plan, approved_only)),
            purchaser_id__in=sorted(spec.purchasers),
        )
        .select_related("purchaser", "origin_region", "batch")
        .order_by("date", "id")
    )


def plan_for_progress(year: int | None) -> Plan | None:
    qs = Plan.objects.order_by("-year")
    return qs.filter(year=year).first() if year else qs.first()


# --- who leads, towns ------------------------------------------------------------------------------


def plan_leads(plan: Plan) -> list[Organisation]:
    """The lead units (牵头单位) of the plan's items, by name."""
    ids = RoleAssignment.objects.filter(
        item__task__plan=plan, role=ItemRole.LEAD, organisation__isnull=False
    ).values_list("organisation_id", flat=True)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def led_item_ids(plan: Plan, lead_id: int) -> set[int]:
    return set(
        RoleAssignment.objects.filter(
            item__task__plan=plan, role=ItemRole.LEAD, organisation_id=lead_id
        ).values_list("item_id", flat=True)
    )


def town_units() -> list[Organisation]:
    """The town-level units (镇、街道、管委会), by name."""
    return list(Organisation.objects.filter(kind__in=sorted(TOWN_LEVEL), active=True).order_by("name"))


#: Records shown per page behind a figure.
LINE_RECORDS_PAGE = 100


def _with_provenance(qs: QuerySet[Purchase]) -> QuerySet[Purchase]:
    """The columns the records page shows: the list's, and where each record came from (file, sheet,
    row). The batch's name is fetched for the page's rows, not its stored headers."""
    return for_list(qs, also=("sheet",)).prefetch_related(
        Prefetch("batch", queryset=ImportBatch.objects.only("id", "file_name"))
    )


def progress_line_record_page(
    line: ProgressLine,
    *,
    as_of: dt.date,
    approved_only: bool | None = None,
    after: str = "",
    before: str = "",
    size: int | None = None,
) -> Listing:
    """A page of the records behind a line, oldest first, continued by cursor (``after``/``before``) as
    the ledger list is: the same cost on the last page of 900,000 records as on the first, and a cursor
    that is not one of ours shows the first page."""
    records = progress_line_records(line, as_of=as_of, approved_only=approved_only)
    return purchase_listing(
        records,
        sort="date",
        after=after,
        before=before,
        size=size or LINE_RECORDS_PAGE,
        shape=_with_provenance,
    )
