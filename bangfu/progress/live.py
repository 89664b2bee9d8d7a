"""Live figures: the whole plan's progress kept current between computations, so that after a change of
the purchases only what changed is computed again.

A whole-plan computation (every line, the ranks, the roll-ups) is kept per process with the per-purchaser
sums it was computed from and a horizon of the totals' change notes (:func:`ledger.totals
.totals_changed_since`: every write to a purchase notes, in its own transaction, whose totals it
changed). The next computation asks which purchasers changed since, and:

- nobody: the kept report is still the figures — a look-up;
- some: their sums are read again (the same grouped sums, for those purchasers only), the lines they buy
  for are computed again, the lines ranked with a changed line are ranked again and the roll-up groups
  of a changed line summed again, over their lines in the same order as a full computation (so every
  figure, ``Decimal`` digits included, is the full computation's);
- everyone (a rebuild), many, or a kept report older than the progress cache's lifetime: computed in
  full.

The plan's lines (:func:`progress.lines.lines_prepare`) are cached under the structure stamp; another
structure (a unit, target, base or rule changed) is another ``Prepared`` object and starts afresh. Only
outside transactions (what a computation reads inside one may be rolled back) and only while the
progress cache is on (``BANGFU_PROGRESS_CACHE_SECONDS`` > 0). Reports are shared: read-only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from bangfu.ledger.totals import Horizon, totals_changed_since, totals_horizon

from .cache import lifetime, on_clear
from .calculation import LineResult
from .calculation.engine import (
    ZERO,
    Rollup,
    capped_rate,
    compute_line,
    rank_group_of,
    rank_places,
    with_place,
)
from .lines import Prepared, ProgressLine
from .report import ROLLUPS, ProgressReport, report_shape
from .sums import SumTable, grouped_sums

#: Beyond this share of the purchasers changed, a full computation is as quick.
FULL_SHARE = 0.2
MAX_KEPT = 8


@dataclass
class _Kept:
    prepared: Prepared
    horizon: Horizon | None
    sums: SumTable
    counts: SumTable
    report: ProgressReport | None
    expires: float
    lock: threading.Lock
    limit: float = 0.0  # more purchasers changed than this: compute in full
    caps: list[Decimal | None] = field(default_factory=list)  # each line's part of a roll-up's rate_sum


_lock = threading.Lock()
_kept: OrderedDict[Hashable, _Kept] = OrderedDict()


def live_forget() -> None:
    with _lock:
        _kept.clear()


on_clear(live_forget)


def usable(prepared: Prepared) -> bool:
    return (
        prepared.complete and prepared.restrict is None and lifetime() > 0 and not connection.in_atomic_block
    )


def live_report(
    prepared: Prepared, statuses: Sequence[str], full: Callable[[SumTable, SumTable], ProgressReport]
) -> ProgressReport:
    """The whole plan's report for ``statuses``, kept current (see the module). ``full(sums, counts)``
    makes a report from complete sums (:func:`progress.report.report_build`)."""
    key = (id(prepared), tuple(statuses))
    with _lock:
        kept = _kept.get(key)
        stale = kept is not None and kept.report is not None and kept.expires <= time.monotonic()
        if kept is not None and (kept.prepared is not prepared or stale):
            del _kept[key]
            kept = None
        if kept is None:
            kept = _Kept(prepared, None, {}, {}, None, 0.0, threading.Lock())
            _kept[key] = kept
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
        _kept.move_to_end(key)
    with kept.lock:  # one refresh at a time; the others wait for it and read its result
        if kept.report is None:
            _compute_full(kept, statuses, full)
        else:
            assert kept.horizon is not None  # set with the report
            changed, horizon = totals_changed_since(kept.horizon)
            if changed is None or len(changed) > kept.limit:
                _compute_full(kept, statuses, full)
            elif changed:
                try:
                    _patch(kept, statuses, changed)
                except BaseException:
                    kept.report = None  # half patched: computed in full next time
                    raise
                kept.horizon = horizon
            else:
                kept.horizon = horizon
        assert kept.report is not None
        return kept.report


def _compute_full(
    kept: _Kept, statuses: Sequence[str], full: Callable[[SumTable, SumTable], ProgressReport]
) -> None:
    prepared = kept.prepared
    horizon = totals_horizon()  # before the sums: what changes while they are read is read again next time
    ((sums, counts),) = grouped_sums(prepared.keys, prepared.plan.year, [list(statuses)], None)
    report = full(sums, counts)
    kept.caps = [capped_rate(line.result.rate) for line in report.lines]
    kept.report, kept.sums, kept.counts, kept.horizon = report, sums, counts, horizon
    kept.expires = time.monotonic() + lifetime()
    index = _index(prepared, report_shape(prepared, report.orgs).groups)  # now, not in the first patch
    kept.limit = max(FULL_SHARE * len(index.lines_of), 1)


@dataclass(frozen=True)
class _Index:
    """Which lines each purchaser buys for, each ranking group's lines and each roll-up group's lines
    (in line order), worked out once per prepared lines."""

    lines_of: dict[int, list[int]]
    rank_group_of: list[Hashable]
    rank_members: dict[Hashable, list[int]]
    rollup_members: dict[str, dict[Hashable, list[int]]]


def _index(prepared: Prepared, groups: dict[str, list[Any]]) -> _Index:
    found = prepared.derived.get("live_index")
    if isinstance(found, _Index):
        return found
    lines_of: dict[int, list[int]] = defaultdict(list)
    rank_members: dict[Hashable, list[int]] = defaultdict(list)
    groups_of: list[Hashable] = []
    for position, line in enumerate(prepared.lines):
        spec = line.spec
        if spec.sums_key is not None:
            for purchaser in spec.purchasers:
                lines_of[purchaser].append(position)
        group = rank_group_of(spec)
        groups_of.append(group)
        rank_members[group].append(position)
    members: dict[str, dict[Hashable, list[int]]] = {}
    for name, per_line in groups.items():
        table: dict[Hashable, list[int]] = defaultdict(list)
        for position, line_groups in enumerate(per_line):
            for group in line_groups:
                table[group].append(position)
        members[name] = dict(table)
    built = _Index(dict(lines_of), groups_of, dict(rank_members), members)
    prepared.derived["live_index"] = built
    return built


def _patch(kept: _Kept, statuses: Sequence[str], changed: set[int]) -> None:
    prepared = kept.prepared
    ((fresh_sums, fresh_counts),) = grouped_sums(
        prepared.keys, prepared.plan.year, [list(statuses)], set(changed)
    )
    for tables, fresh in ((kept.sums, fresh_sums), (kept.counts, fresh_counts)):
        for key in prepared.keys:
            table = tables.setdefault(key, {})
            for purchaser in changed:
                table.pop(purchaser, None)
            table.update(fresh.get(key, {}))
    old = kept.report
    assert old is not None
    shape = report_shape(prepared, old.orgs)
    index = _index(prepared, shape.groups)
    earlier: list[LineResult] = [line.result for line in old.lines]
    results = list(earlier)
    touched = sorted({i for purchaser in changed for i in index.lines_of.get(purchaser, ())})
    moved: list[int] = []
    for i in touched:
        before = results[i]
        after = compute_line(before.spec, kept.sums, kept.counts, prepared.thresholds)
        if (after.achieved_fen, after.records) != (before.achieved_fen, before.records):
            results[i] = after
            kept.caps[i] = capped_rate(after.rate)
            moved.append(i)
    if not moved:
        return
    lines = list(old.lines)
    for i in _reranked(index, results, moved):
        line = lines[i]  # the constructor, not dataclasses.replace: hundreds of lines move a rank
        lines[i] = ProgressLine(
            results[i],
            line.target,
            line.item,
            line.task,
            line.orgs,
            line.rule,
            line.counted_at,
            line.represents,
        )
    report = ProgressReport(plan=old.plan, as_of=old.as_of, lines=lines, orgs=old.orgs)
    for name, attribute in ROLLUPS:
        setattr(
            report, attribute, _rolled_up(kept, index, name, getattr(old, attribute), earlier, results, moved)
        )
    kept.report = report


def _reranked(index: _Index, results: list[LineResult], moved: list[int]) -> set[int]:
    """Rank again the groups of the moved lines (in ``results``); the lines whose result changed."""
    replaced = set(moved)
    for group in {index.rank_group_of[i] for i in moved}:
        members = index.rank_members[group]
        places = rank_places([results[i].rate for i in members])
        for i, place in zip(members, places, strict=True):
            result = results[i]
            if i in replaced or place != ((result.rank, result.rank_of) if result.rank is not None else None):
                results[i] = with_place(result, place)
                replaced.add(i)
    return replaced


def _rolled_up(
    kept: _Kept,
    index: _Index,
    name: str,
    rolled: dict[Hashable, Rollup],
    earlier: list[LineResult],
    results: list[LineResult],
    moved: list[int],
) -> dict[Hashable, Rollup]:
    """Roll-up ``name`` with the groups of the moved lines brought up to date: counts and fen by the
    difference of each moved line, ``rate_sum`` summed again over the group's lines in line order, as a
    full computation sums them (the same Decimal, digit for digit)."""
    shape = kept.prepared.derived["shape"]
    moved_in: dict[Hashable, list[int]] = defaultdict(list)
    for i in moved:
        for group in shape.groups[name][i]:
            moved_in[group].append(i)
    rolled = dict(rolled)
    caps = kept.caps
    for group, lines_moved in moved_in.items():
        total = _copied(rolled[group])
        for i in lines_moved:
            _take(total, earlier[i], shape.required[i], -1)
            _take(total, results[i], shape.required[i], 1)
        members = index.rollup_members[name][group]
        total.rate_sum = sum([cap for i in members if (cap := caps[i]) is not None], ZERO)
        rolled[group] = total
    return rolled


def _copied(total: Rollup) -> Rollup:
    return Rollup(
        total.lines,
        dict(total.statuses),
        total.achieved_fen,
        total.required_fen,
        total.rate_sum,
        total.measured,
    )


def _take(total: Rollup, result: LineResult, required: int | None, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) a line's part of a roll-up, as ``calculation.rollups`` counts it
    (its ``rate_sum`` is summed again apart)."""
    count = total.statuses.get(result.status, 0) + sign
    if count:
        total.statuses[result.status] = count
    else:
        del total.statuses[result.status]
    if result.rate is not None:
        total.measured += sign
        if required is not None:
            total.required_fen += sign * required
            total.achieved_fen += sign * result.achieved_fen
