"""The pure core of the progress engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from bangfu.progress.calculation import (
    LineSpec,
    Thresholds,
    compute_line,
    compute_lines,
    elapsed_share,
    purchaser_set,
    rollup,
    scheduled_share,
    subtree,
)
from bangfu.progress.calculation.engine import status_for
from bangfu.progress.services import UNION_CUMULATIVE

YEAR_START, YEAR_END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)


@pytest.mark.parametrize(
    ("as_of", "share"),
    [
        (dt.date(2021, 12, 31), D(0)),
        (dt.date(2022, 1, 1), D(1) / D(365)),
        (dt.date(2022, 7, 2), D(183) / D(365)),
        (dt.date(2022, 12, 31), D(1)),
        (dt.date(2023, 2, 1), D(1)),
    ],
)
def test_elapsed_share(as_of, share):
    assert elapsed_share(as_of, YEAR_START, YEAR_END) == share


def test_scheduled_share_interpolates_within_the_month():
    cumulative = [D(value) for value in UNION_CUMULATIVE]
    assert scheduled_share(dt.date(2022, 1, 31), 2022, cumulative) == D("0.25")
    assert scheduled_share(dt.date(2022, 2, 14), 2022, cumulative) == D("0.25") + (D("0.13") * 14 / 28)
    assert scheduled_share(dt.date(2022, 12, 31), 2022, cumulative) == 1
    assert scheduled_share(dt.date(2021, 6, 1), 2022, cumulative) == 0
    # Unions are ahead of a flat line in spring: a flat line would call them late.
    assert scheduled_share(dt.date(2022, 2, 28), 2022, cumulative) > elapsed_share(
        dt.date(2022, 2, 28), YEAR_START, YEAR_END
    )
    with pytest.raises(ValueError):
        scheduled_share(dt.date(2022, 2, 1), 2022, cumulative[:11])


@pytest.mark.parametrize(
    ("rate", "expected", "status"),
    [
        (D("1.00"), D("0.5"), "done"),
        (D("1.20"), D("1"), "done"),
        (D("0.45"), D("0.5"), "normal"),  # 0.45 >= 0.5 × 0.9
        (D("0.44"), D("0.5"), "lagging"),
        (D("0.30"), D("0.5"), "lagging"),  # >= 0.5 × 0.6
        (D("0.29"), D("0.5"), "severe"),
        (D("0"), D("0"), "normal"),  # nothing expected yet
    ],
)
def test_status_thresholds(rate, expected, status):
    assert status_for(rate, expected, Thresholds()) == status


def test_configurable_thresholds():
    strict = Thresholds(lagging_below=D("1.0"), severe_below=D("0.8"))
    assert status_for(D("0.49"), D("0.5"), strict) == "lagging"
    assert status_for(D("0.39"), D("0.5"), strict) == "severe"


SUMS = {"k": {1: 100_000_00, 2: 50_000_00, 3: 25_000_00}}
COUNTS = {"k": {1: 3, 2: 2, 3: 1}}


def spec(**kw):
    values = {
        "target_id": 1,
        "kind": "amount",
        "value": D(300_000),
        "org_ids": (1,),
        "purchasers": frozenset({1, 2}),
        "sums_key": "k",
        "expected": D("0.5"),
    }
    values.update(kw)
    return LineSpec(**values)


def test_amount_line():
    result = compute_line(spec(), SUMS, COUNTS)
    assert result.achieved_fen == 150_000_00 and result.records == 5
    assert result.achieved == D(150_000) and result.rate == D("0.5")
    assert result.status == "normal" and result.forecast_rate == D(1)
    assert result.required_fen == 300_000_00


def test_ratio_line_measures_against_its_base():
    result = compute_line(spec(kind="ratio", value=D("0.2"), base=D(1_000_000)), SUMS, COUNTS)
    assert result.achieved == D("0.15") and result.rate == D("0.75")
    assert result.required_fen == 200_000_00


def test_ratio_without_base_says_so_instead_of_zero():
    result = compute_line(spec(kind="ratio", value=D("0.2"), base=None), SUMS, COUNTS)
    assert result.status == "no_base" and result.rate is None and result.achieved is None
    assert result.achieved_fen == 150_000_00  # the purchases are still shown


def test_per_capita_line():
    result = compute_line(spec(kind="per_capita", value=D(500), base=D(200)), SUMS, COUNTS)
    assert result.achieved == D(750) and result.rate == D("1.5") and result.status == "done"


def test_override_and_count_lines():
    assert compute_line(spec(override="exempt"), SUMS, COUNTS).status == "exempt"
    assert compute_line(spec(kind="count", value=D(4), sums_key=None), SUMS, COUNTS).status == "no_data"
    counted = compute_line(spec(kind="count", value=D(4), sums_key=None, count=D(3)), SUMS, COUNTS)
    assert counted.rate == D("0.75")


def test_ranks_within_a_target_share_ties():
    specs = [
        spec(org_ids=(1,), purchasers=frozenset({1})),
        spec(org_ids=(2,), purchasers=frozenset({2})),
        spec(org_ids=(3,), purchasers=frozenset({2})),
        spec(org_ids=(4,), purchasers=frozenset({3})),
        spec(target_id=2, org_ids=(5,), purchasers=frozenset({3})),
        spec(org_ids=(6,), kind="ratio", value=D("0.2"), base=None),
    ]
    results = compute_lines(specs, SUMS, COUNTS)
    assert [(r.rank, r.rank_of) for r in results] == [(1, 4), (2, 4), (2, 4), (4, 4), (1, 1), (None, None)]


def test_a_rank_group_ranks_lines_of_several_targets_together():
    # Two tiers of the towns' amounts (300,000 and 100,000: targets 1 and 2) in one ranking; target 3
    # ranked on its own.
    specs = [
        spec(target_id=1, org_ids=(1,), purchasers=frozenset({1}), rank_group="towns"),  # 1/3
        spec(target_id=1, org_ids=(2,), purchasers=frozenset({2}), rank_group="towns"),  # 1/6
        spec(target_id=2, value=D(100_000), org_ids=(3,), purchasers=frozenset({3}), rank_group="towns"),
        spec(target_id=3, org_ids=(4,), purchasers=frozenset({2})),
    ]
    results = compute_lines(specs, SUMS, COUNTS)
    assert results[2].rate == D("0.25")
    assert [(r.rank, r.rank_of) for r in results] == [(1, 3), (3, 3), (2, 3), (1, 1)]


def test_rollup_caps_rates_and_counts_statuses():
    results = compute_lines(
        [
            spec(purchasers=frozenset({1, 2, 3}), value=D(100_000)),
            spec(org_ids=(2,), purchasers=frozenset({3})),
        ],
        SUMS,
        COUNTS,
    )
    groups = rollup(results, lambda r: ["all", f"org{r.spec.org_ids[0]}"])
    total = groups["all"]
    assert total.lines == 2 and total.statuses == {"done": 1, "severe": 1}
    assert total.mean_rate == (D(1) + D(25_000) / D(300_000)) / 2
    assert total.achieved_fen == 175_000_00 + 25_000_00 and total.required_fen == 400_000_00
    assert total.behind == 1 and groups["org2"].lines == 1


def test_purchaser_sets_count_each_unit_once():
    children = {None: [1, 9], 1: [2, 3], 2: [4], 3: [4]}  # 4 reachable twice
    assert subtree(1, children) == {1, 2, 3, 4}
    assert purchaser_set([1], whole_subtree=True, children=children, counts_for={}) == {1, 2, 3, 4}
    assert purchaser_set([2], whole_subtree=False, children=children, counts_for={2: [9]}) == {2, 9}
    # An outsourced canteen (9) counting for unit 2, itself counting for 1: reached transitively, once.
    assert purchaser_set([1, 2], whole_subtree=False, children=children, counts_for={1: [2], 2: [9]}) == {
        1,
        2,
        9,
    }
