"""Ranks (排名): one ranking for every page, the bulletin, the API and the command line.

A line's rank is its place by completion rate among the lines it is ranked with — the town ranking for
the towns' purchase targets (:data:`progress.rules.TOWN_RANKING`), else the lines of its target — over
the whole plan, whatever part of the plan a page computes: the pure engine ranks a whole-plan
computation; a computation of some units or targets (a unit's page, a reporter's view) takes the ranks
of the whole plan from :func:`plan_ranks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

from bangfu.ledger.choices import RecordStatus
from bangfu.plans.models import Plan

from .cache import cached
from .calculation import LineResult, compute_lines
from .lines import ProgressLine, lines_prepare
from .live import live_report, usable
from .report import RankTable, report_build
from .rules import EVERY_COUNTED, TOWN_RANKING
from .sums import grouped_sums, merged


def town_ranking(lines: Iterable[ProgressLine]) -> list[ProgressLine]:
    """The lines of the town ranking, first place first (equal rates share a place, then by name);
    lines that cannot be measured come last."""
    towns = [line for line in lines if line.result.spec.rank_group == TOWN_RANKING]
    return sorted(towns, key=lambda line: (line.result.rank is None, line.result.rank or 0, line.org_label))


def _table(results: Iterable[LineResult]) -> RankTable:
    return {(r.spec.target_id, r.spec.org_ids): (r.rank, r.rank_of) for r in results}


def plan_ranks(plan: Plan, *, as_of: dt.date) -> dict[bool, RankTable]:
    """Every line's rank over the whole plan, counting approved records only (``True``) and with the
    records awaiting review (``False``): one grouped scan for both. Cached like the pages' figures
    (:mod:`progress.cache`): every page of every user shares one computation per change of the data."""

    def compute() -> dict[bool, RankTable]:
        prepared = lines_prepare(plan, as_of, None, None)
        if usable(prepared):  # the whole plan's live figures (progress.live) hold the ranks already
            full = partial(report_build, prepared)
            return {
                True: _table(
                    line.result for line in live_report(prepared, [RecordStatus.APPROVED], full).lines
                ),
                False: _table(line.result for line in live_report(prepared, EVERY_COUNTED, full).lines),
            }
        specs = [line.spec for line in prepared.lines]
        (approved, approved_n), (submitted, submitted_n) = grouped_sums(
            prepared.keys, plan.year, [[RecordStatus.APPROVED], [RecordStatus.SUBMITTED]], None
        )
        return {
            True: _table(compute_lines(specs, approved, approved_n, prepared.thresholds)),
            False: _table(
                compute_lines(
                    specs, merged(approved, submitted), merged(approved_n, submitted_n), prepared.thresholds
                )
            ),
        }

    return cached(("ranks", plan.pk, as_of), compute)
