"""Ledger selectors that decide a rule of their own (the filters' logic is tested through the list in
``tests/web/test_ledger.py``, the plans in ``test_query_plans.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bangfu.ledger.selectors import PurchaseFilters, purchase_list_year
from bangfu.plans.models import Plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("date_from", "date_to", "year"),
    [
        (dt.date(2021, 3, 1), dt.date(2021, 4, 30), 2021),  # a range in one year: that year
        (dt.date(2023, 1, 1), dt.date(2023, 12, 31), 2023),
        (dt.date(2021, 12, 1), dt.date(2022, 1, 31), 2022),  # across years: the plan's
        (dt.date(2021, 3, 1), None, 2022),  # open: the plan's
        (None, None, 2022),
    ],
)
def test_the_lists_year_is_its_date_ranges_else_the_current_plans(date_from, date_to, year):
    Plan.objects.create(year=2021, title="2021年任务分解表")
    Plan.objects.create(year=2022, title="2022年任务分解表")
    assert purchase_list_year(PurchaseFilters(date_from=date_from, date_to=date_to)) == year


@time_machine.travel(dt.datetime(2024, 12, 31, 20, 0, tzinfo=dt.UTC), tick=False)
def test_without_a_plan_the_lists_year_is_this_year_in_china():
    assert purchase_list_year(PurchaseFilters()) == 2025  # 2025-01-01 04:00 in Asia/Shanghai
