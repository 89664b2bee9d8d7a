"""The whole plan's lines are cached under a structure stamp: kept across purchases, rebuilt after any
change of what lines are built from (units, bases, targets), and a cached computation gives the same
figures as a fresh one."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.conf import settings

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.services import purchase_create
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.orgs.services import org_create
from bangfu.plans.models import Target
from bangfu.plans.parsing import parse_table
from bangfu.plans.services import plan_import
from bangfu.progress import cache
from bangfu.progress.lines import _lines_prepare, lines_prepare, narrowed
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import base_value_set, progress_rules_ensure
from bangfu.regions.services import regions_seed

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2022, 6, 30)


@pytest.fixture
def plan(cixi_orgs):
    regions_seed()
    seed = settings.BASE_DIR / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
    plan = plan_import(parsed=parse_table(seed)).plan
    progress_rules_ensure(plan)
    return plan


def town() -> Organisation:
    return Organisation.objects.get(name="周巷镇")


def test_structure_stamp_ignores_purchases_and_sees_units_bases_and_targets(plan):
    before = cache.structure_stamp()
    purchase_create(
        purchaser=town(), date=dt.date(2022, 3, 1), amount_fen=100_00, origin="布拖县", channel="offline",
        status=RecordStatus.APPROVED,
    )  # fmt: skip
    assert cache.structure_stamp() == before
    org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=town())
    after_unit = cache.structure_stamp()
    assert after_unit != before
    base_value_set(organisation=town(), year=plan.year, member_count=10)
    after_base = cache.structure_stamp()
    assert after_base != after_unit
    target = Target.objects.filter(item__task__plan=plan, amount_fen__isnull=False).first()
    target.amount_fen += 100
    target.save()  # an edit in place of a table without a change time: seen through its audit entry
    assert cache.structure_stamp() != after_base


def test_cached_lines_are_reused_until_the_structure_changes(plan, outside_a_transaction):
    first = outside_a_transaction(lambda: lines_prepare(plan, AS_OF, None, None))
    purchase_create(
        purchaser=town(), date=dt.date(2022, 3, 1), amount_fen=100_00, origin="布拖县", channel="offline",
        status=RecordStatus.APPROVED,
    )  # fmt: skip
    assert outside_a_transaction(lambda: lines_prepare(plan, AS_OF, None, None)) is first
    org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=town())
    again = outside_a_transaction(lambda: lines_prepare(plan, AS_OF, None, None))
    assert again is not first
    fresh = _lines_prepare(plan, AS_OF, None, None)
    assert [line.spec for line in again.lines] == [line.spec for line in fresh.lines]


def test_a_computation_from_cached_lines_equals_a_fresh_one(plan, outside_a_transaction, settings):
    purchase_create(
        purchaser=town(), date=dt.date(2022, 3, 1), amount_fen=5_000_00, origin="布拖县", channel="832",
        status=RecordStatus.SUBMITTED,
    )  # fmt: skip
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))  # fills the cache
    cached = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    fresh = progress_compute(plan, as_of=AS_OF)
    assert [dataclasses.astuple(line.result) for line in cached.lines] == [
        dataclasses.astuple(line.result) for line in fresh.lines
    ]
    for name in ("by_task", "by_item", "by_lead", "by_town"):
        assert getattr(cached, name) == getattr(fresh, name)


def _same(a, b) -> None:
    assert [(line.target.pk, line.rule.pk, [o.pk for o in line.orgs], line.spec) for line in a.lines] == [
        (line.target.pk, line.rule.pk, [o.pk for o in line.orgs], line.spec) for line in b.lines
    ]
    assert (a.keys, a.restrict, a.complete, a.thresholds) == (b.keys, b.restrict, b.complete, b.thresholds)


def test_some_units_lines_taken_from_the_whole_plan_equal_their_own(plan):
    school = org_create(name="周巷镇中心小学", kind=OrgKind.SCHOOL, parent=town())
    org_create(name="周巷镇中心小学工会", kind=OrgKind.UNION, parent=school)
    base_value_set(organisation=school, year=plan.year, food_budget_fen=1_000_000_00)
    whole = _lines_prepare(plan, AS_OF, None, None)
    some_targets = sorted({line.target.pk for line in whole.lines})[:3]
    for org_ids, target_ids in (
        (org_subtree_ids(town().pk), None),
        ({school.pk}, None),
        ({Organisation.objects.get(name="市教育局").pk}, None),
        (None, some_targets),
        (org_subtree_ids(town().pk), some_targets),
    ):
        mine = _lines_prepare(plan, AS_OF, org_ids, target_ids)
        assert mine.lines, (org_ids, target_ids)
        _same(narrowed(whole, org_ids, target_ids), mine)


def test_a_units_page_from_the_cached_plan_equals_a_fresh_one(plan, outside_a_transaction, settings):
    purchase_create(
        purchaser=town(), date=dt.date(2022, 3, 1), amount_fen=5_000_00, origin="布拖县", channel="832",
        status=RecordStatus.APPROVED,
    )  # fmt: skip
    units = org_subtree_ids(town().pk)
    outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF))  # the whole plan's lines cached
    from_cache = outside_a_transaction(lambda: progress_compute(plan, as_of=AS_OF, org_ids=units))
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    fresh = progress_compute(plan, as_of=AS_OF, org_ids=units)
    assert [dataclasses.astuple(line.result) for line in from_cache.lines] == [
        dataclasses.astuple(line.result) for line in fresh.lines
    ]
    # Out of the whole plan's live figures, the page's units come from the whole plan's (already loaded).
    assert from_cache.by_town == fresh.by_town and fresh.orgs.keys() <= from_cache.orgs.keys()
