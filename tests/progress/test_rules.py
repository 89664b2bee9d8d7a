"""The attribution rules read from one place: what each kind of target is measured against, when a
base is missing, which targets are the unions' and the canteens', which lines are ranked together."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.orgs.choices import TOWN_LEVEL, OrgKind
from bangfu.orgs.models import Organisation
from bangfu.plans.choices import BaseKind, TargetKind
from bangfu.plans.models import Target
from bangfu.progress.rules import (
    TOWN_RANKING,
    UnitBase,
    base_missing,
    default_as_of,
    is_canteen_target,
    is_town_line,
    is_union_target,
    line_base,
    measured_base,
    rank_group,
)

# (target kind, stated base) → (measured against, a union target, a canteen target); every pair.
MEASURED = {
    (TargetKind.AMOUNT, BaseKind.NONE): (None, False, False),
    (TargetKind.AMOUNT, BaseKind.HOLIDAY_GIFT_TOTAL): (None, False, False),
    (TargetKind.AMOUNT, BaseKind.PROCUREMENT_BUDGET): (None, False, False),
    (TargetKind.AMOUNT, BaseKind.MEMBER_COUNT): (None, False, False),
    (TargetKind.RATIO, BaseKind.NONE): (BaseKind.PROCUREMENT_BUDGET, False, True),
    (TargetKind.RATIO, BaseKind.HOLIDAY_GIFT_TOTAL): (BaseKind.HOLIDAY_GIFT_TOTAL, True, False),
    (TargetKind.RATIO, BaseKind.PROCUREMENT_BUDGET): (BaseKind.PROCUREMENT_BUDGET, False, True),
    (TargetKind.RATIO, BaseKind.MEMBER_COUNT): (BaseKind.MEMBER_COUNT, True, False),
    (TargetKind.PER_CAPITA, BaseKind.NONE): (BaseKind.MEMBER_COUNT, True, False),
    (TargetKind.PER_CAPITA, BaseKind.HOLIDAY_GIFT_TOTAL): (BaseKind.MEMBER_COUNT, True, False),
    (TargetKind.PER_CAPITA, BaseKind.PROCUREMENT_BUDGET): (BaseKind.MEMBER_COUNT, True, False),
    (TargetKind.PER_CAPITA, BaseKind.MEMBER_COUNT): (BaseKind.MEMBER_COUNT, True, False),
    (TargetKind.COUNT, BaseKind.NONE): (None, False, False),
    (TargetKind.COUNT, BaseKind.HOLIDAY_GIFT_TOTAL): (None, False, False),
    (TargetKind.COUNT, BaseKind.PROCUREMENT_BUDGET): (None, False, False),
    (TargetKind.COUNT, BaseKind.MEMBER_COUNT): (None, False, False),
}


def test_the_table_covers_every_kind_and_base():
    assert set(MEASURED) == {(kind, base) for kind in TargetKind for base in BaseKind}


@pytest.mark.parametrize(("kind", "base"), sorted(MEASURED))
def test_what_a_target_is_measured_against(kind, base):
    target = Target(kind=kind, base_kind=base)
    assert (measured_base(target), is_union_target(target), is_canteen_target(target)) == MEASURED[
        (kind, base)
    ]


def unit_base(**values) -> UnitBase:
    fields = {
        "holiday_gift_fen": None,
        "member_count": None,
        "food_budget_fen": None,
        "no_canteen": False,
        "canteen_representative_id": None,
    }
    return UnitBase(**(fields | values))


def test_a_line_reads_the_base_it_is_measured_against():
    unions = Target(kind=TargetKind.RATIO, base_kind=BaseKind.HOLIDAY_GIFT_TOTAL)
    quota = Target(kind=TargetKind.PER_CAPITA, amount_fen=500_00)
    canteen = Target(kind=TargetKind.RATIO, base_kind=BaseKind.PROCUREMENT_BUDGET)
    town = Target(kind=TargetKind.AMOUNT, amount_fen=300_000_000)
    a, b = Organisation(pk=1, name="甲"), Organisation(pk=2, name="乙")
    bases = {
        1: unit_base(holiday_gift_fen=100_000_00, member_count=10, food_budget_fen=50_000_00),
        2: unit_base(holiday_gift_fen=20_000_00, member_count=5, food_budget_fen=10_000_00),
    }
    assert line_base(unions, (a,), bases) == Decimal(100_000)
    assert line_base(unions, (a, b), bases) == Decimal(120_000)  # a total target: summed
    assert line_base(quota, (a, b), bases) == Decimal(15)
    assert line_base(canteen, (b,), bases) == Decimal(10_000)
    assert line_base(town, (a,), bases) is None  # an amount has no base (not a's food budget)
    assert line_base(unions, (a, Organisation(pk=3, name="丙")), bases) is None  # one unit's is missing


@pytest.mark.parametrize(
    ("target", "base", "missing"),
    [
        (Target(kind=TargetKind.AMOUNT), None, False),
        (Target(kind=TargetKind.PER_CAPITA), None, True),
        (Target(kind=TargetKind.PER_CAPITA), unit_base(member_count=0), True),
        (Target(kind=TargetKind.PER_CAPITA), unit_base(member_count=8), False),
        (
            Target(kind=TargetKind.RATIO, base_kind=BaseKind.HOLIDAY_GIFT_TOTAL),
            unit_base(member_count=8),
            True,
        ),
        (
            Target(kind=TargetKind.RATIO, base_kind=BaseKind.HOLIDAY_GIFT_TOTAL),
            unit_base(holiday_gift_fen=0),
            False,
        ),
        (Target(kind=TargetKind.RATIO, base_kind=BaseKind.PROCUREMENT_BUDGET), unit_base(), True),
        (
            Target(kind=TargetKind.RATIO, base_kind=BaseKind.PROCUREMENT_BUDGET),
            unit_base(no_canteen=True),
            False,
        ),
        (
            Target(kind=TargetKind.RATIO, base_kind=BaseKind.PROCUREMENT_BUDGET),
            unit_base(canteen_representative_id=7),
            False,
        ),
        (Target(kind=TargetKind.RATIO), unit_base(no_canteen=True), False),  # no stated base: the budget
    ],
)
def test_a_missing_base(target, base, missing):
    assert base_missing(target, base) is missing


@pytest.mark.parametrize("kind", sorted(OrgKind))
def test_the_town_ranking_takes_town_level_units_amounts(kind):
    unit = Organisation(pk=1, name="甲", kind=kind)
    town = Organisation(pk=2, name="周巷镇", kind=OrgKind.TOWN)
    amount = Target(kind=TargetKind.AMOUNT, amount_fen=100)
    expected = kind in TOWN_LEVEL
    assert is_town_line(amount, (unit,)) is expected
    assert is_town_line(amount, (town, unit)) is expected  # a total target: every unit town-level
    assert rank_group(amount, (unit,)) == (TOWN_RANKING if expected else None)
    assert not is_town_line(Target(kind=TargetKind.RATIO, ratio=Decimal("0.1")), (town,))
    assert not is_town_line(amount, ())


@pytest.mark.parametrize(
    ("today", "as_of"),
    [
        (dt.date(2022, 6, 30), dt.date(2022, 6, 30)),
        (dt.date(2023, 2, 1), dt.date(2022, 12, 31)),  # a past year: its last day
        (dt.date(2021, 6, 1), dt.date(2022, 1, 1)),  # a year not begun: its first day
    ],
)
def test_the_default_as_of_date_is_today_within_the_plans_year(today, as_of):
    assert default_as_of(2022, today) == as_of
