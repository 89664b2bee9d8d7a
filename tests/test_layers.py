"""The shared layers (``tests/conftest.py``): what they hold, and that a test's writes never reach the next
test standing on the same layer."""

from __future__ import annotations

import pytest

from bangfu.ledger.models import Purchase
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db


def test_the_fixtures_load_the_plan(plan):
    assert plan.year == 2022 and plan.tasks.count() == 6


def test_a_test_without_layers_sees_an_empty_database():
    assert not Organisation.objects.exists() and not Plan.objects.exists()


@pytest.mark.parametrize("attempt", [1, 2])
def test_writes_on_a_layer_are_rolled_back_for_the_next_test(plan, attempt):
    assert not Purchase.objects.exists() and plan.title != "改过的标题"
    buy(org("周巷镇"), 100)
    Plan.objects.filter(pk=plan.pk).update(title="改过的标题")
    assert Purchase.objects.count() == 1
