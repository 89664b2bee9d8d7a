"""The live figures (``progress.live``): after a change of the purchases only what changed is computed
again, and the figures are always a full computation's — every line, rank and roll-up — whatever the
sequence of writes (a property test over every service that writes purchases)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.ledger.models import TotalsChange
from bangfu.ledger.services import purchase_create, purchase_return
from bangfu.ledger.totals import changes_note, totals_changed_since, totals_horizon, totals_rebuild
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from bangfu.progress import live
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import base_value_set
from tests.support.purchase_steps import apply, operation

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2022, 6, 20)  # within a month: its first days are read from the records
UNITS = ("周巷镇", "周巷镇中心小学", "观海卫镇", "市财政局")


@pytest.fixture
def world(plan, make_user):
    org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=Organisation.objects.get(name="周巷镇"))
    base_value_set(
        organisation=Organisation.objects.get(name="市财政局"), year=plan.year, food_budget_fen=80_000_00
    )
    return {"plan": plan, "office": make_user("coordinator"), "other": make_user("coordinator")}


def figures(report):
    """Everything a report shows: each line's result (figures, status, rank) and the four roll-ups."""
    return (
        [(line.target.pk, tuple(o.pk for o in line.orgs), line.result) for line in report.lines],
        report.by_task,
        report.by_item,
        report.by_lead,
        report.by_town,
    )


def buy(name: str, fen: int, day: dt.date = dt.date(2022, 3, 10), **fields):
    return purchase_create(
        purchaser=Organisation.objects.get(name=name), date=day, amount_fen=fen, origin="布拖县",
        status="submitted", **fields,
    )  # fmt: skip


@pytest.fixture
def full_computations(monkeypatch):
    """How many times the live figures were computed in full."""
    calls = []
    original = live._compute_full

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(live, "_compute_full", counted)
    return calls


def test_a_change_is_patched_in_and_nothing_changed_is_a_look_up(
    world, outside_a_transaction, full_computations
):
    plan = world["plan"]
    buy("周巷镇", 500_00)
    buy("观海卫镇", 300_00)
    first = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert full_computations == [1]
    assert outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF)) is first  # nothing changed

    record = buy("周巷镇中心小学", 900_00)  # counts for 周巷镇's line: it passes 观海卫镇
    patched = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert full_computations == [1] and patched is not first
    assert figures(patched) == figures(progress_compute(plan, as_of=AS_OF))  # in a transaction: in full
    town = {line.org_label: line.result for line in patched.lines if line.result.spec.kind == "amount"}
    assert town["周巷镇"].achieved_fen == 1400_00 and town["周巷镇"].rank == 1
    assert town["观海卫镇"].rank == 2
    assert first.lines[0].result is not None  # the earlier report is left as it was (shared, read-only)
    old_town = {line.org_label: line.result for line in first.lines if line.result.spec.kind == "amount"}
    assert old_town["周巷镇"].achieved_fen == 500_00

    purchase_return([record], user=world["other"], comment="请核实")  # a review step: counted no more
    after_return = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert full_computations == [1]
    assert figures(after_return) == figures(progress_compute(plan, as_of=AS_OF))
    assert {line.org_label: line.result.achieved_fen for line in after_return.lines}["周巷镇"] == 500_00


def test_a_rebuild_or_a_cleared_cache_computes_in_full(world, outside_a_transaction, full_computations):
    plan = world["plan"]
    buy("周巷镇", 500_00)
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    totals_rebuild()  # notes "every purchaser"
    rebuilt = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert full_computations == [1, 1]
    assert figures(rebuilt) == figures(progress_compute(plan, as_of=AS_OF))
    live.live_forget()
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert full_computations == [1, 1, 1]


def test_a_line_moved_within_a_month_is_noted(world):
    """A record moved from one day to another of the same month changes no monthly total, but a figure
    as of a day within that month: its purchaser is noted all the same."""
    from bangfu.ledger.services import purchase_update

    record = buy("周巷镇", 500_00, dt.date(2022, 6, 25))
    horizon = totals_horizon()
    purchase_update(record, user=world["office"], date=dt.date(2022, 6, 5))
    changed, _horizon = totals_changed_since(horizon)
    assert changed is not None and Organisation.objects.get(name="周巷镇").pk in changed


def test_notes_say_who_changed_and_old_notes_go(world):
    start = totals_horizon()
    zhouxiang = buy("周巷镇", 500_00)
    changed, horizon = totals_changed_since(start)
    assert changed == {zhouxiang.purchaser_id}
    assert totals_changed_since(horizon)[0] in (set(), {zhouxiang.purchaser_id})  # PostgreSQL: read again
    TotalsChange.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    changes_note({12345})  # a write prunes notes older than a day
    assert list(TotalsChange.objects.values_list("purchaser_id", flat=True)) == [12345]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operation, min_size=1, max_size=8))
def test_live_figures_equal_a_full_computation_after_every_write(
    world, outside_a_transaction, tmp_path, steps
):
    plan = world["plan"]
    counter = [0]
    with transaction.atomic():
        live.live_forget()
        outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
        for step in steps:
            apply(step, world, tmp_path, counter, UNITS)
            kept = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
            assert figures(kept) == figures(progress_compute(plan, as_of=AS_OF)), step
        transaction.set_rollback(True)
    live.live_forget()


def test_figures_are_exact_decimals_after_a_patch(world, outside_a_transaction):
    plan = world["plan"]
    buy("市财政局", 333_33, channel="832")
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    buy("市财政局", 111_11, channel="832")
    kept = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    line = next(line for line in kept.lines if line.org_label == "市财政局" and line.result.rate is not None)
    assert line.result.achieved == Decimal(444_44) / 100 / Decimal("80000")


def test_the_official_figures_and_the_ranks_are_kept_live_too(
    world, outside_a_transaction, full_computations
):
    from bangfu.ledger.services import purchase_approve
    from bangfu.progress.ranking import plan_ranks
    from bangfu.progress.selectors import progress_compute_official

    plan = world["plan"]
    buy("周巷镇", 500_00)
    outside_a_transaction(lambda: progress_compute_official(plan, as_of=AS_OF))
    assert len(full_computations) == 2  # approved only; with those awaiting review
    record = buy("观海卫镇", 900_00)
    purchase_approve([record], user=world["other"])
    kept = outside_a_transaction(lambda: progress_compute_official(plan, as_of=AS_OF))
    fresh = progress_compute_official(plan, as_of=AS_OF)
    assert figures(kept.approved) == figures(fresh.approved)
    assert figures(kept.with_submitted) == figures(fresh.with_submitted)
    assert len(full_computations) == 2
    ranks = outside_a_transaction(lambda: plan_ranks(plan, as_of=AS_OF))
    assert ranks == plan_ranks(plan, as_of=AS_OF)
    guanhai = next(
        line.result
        for line in kept.approved.lines
        if line.org_label == "观海卫镇" and line.result.rank is not None
    )
    assert ranks[True][(guanhai.spec.target_id, guanhai.spec.org_ids)] == (
        1,
        guanhai.rank_of,
    )  # approved: first
    assert len(full_computations) == 2  # the ranks came from the same live figures


@pytest.mark.parametrize("ranked", [True, False])
def test_a_units_page_takes_its_lines_from_the_live_figures(
    world, outside_a_transaction, full_computations, ranked
):
    from bangfu.orgs.selectors import org_subtree_ids

    plan = world["plan"]
    buy("观海卫镇", 700_00)
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))  # the whole plan, kept
    buy("周巷镇中心小学", 900_00)
    ids = org_subtree_ids(Organisation.objects.get(name="周巷镇").pk)
    page = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF, org_ids=ids, ranked=ranked))
    assert full_computations == [1]  # patched, then the unit's lines taken out of it
    with transaction.atomic():  # computed for the unit alone, ranks from a whole-plan computation
        fresh = progress_compute(plan, as_of=AS_OF, org_ids=ids, ranked=ranked)
    assert figures(page) == figures(fresh)
    town = next(line.result for line in page.lines if line.org_label == "周巷镇")
    assert town.achieved_fen == 900_00 and (town.rank == 1 if ranked else town.rank is None)


def test_a_patch_that_fails_leaves_nothing_half_done(
    world, outside_a_transaction, full_computations, monkeypatch
):
    plan = world["plan"]
    buy("周巷镇", 500_00)
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    buy("观海卫镇", 300_00)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    working = live._rolled_up
    monkeypatch.setattr(live, "_rolled_up", broken)
    with pytest.raises(RuntimeError):
        outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    monkeypatch.setattr(live, "_rolled_up", working)
    kept = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    assert len(full_computations) == 2  # computed in full after the failure
    assert figures(kept) == figures(progress_compute(plan, as_of=AS_OF))
