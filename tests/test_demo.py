from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_demo_loads_realistic_data_once(cixi_orgs, settings, tmp_path):
    from bangfu.demo import demo_load
    from bangfu.regions.services import regions_seed

    settings.BANGFU_HOME = tmp_path
    regions_seed()
    lines = list(demo_load())
    assert Plan.objects.get(year=2022).tasks.count() == 6
    purchases = Purchase.objects.count()
    assert purchases > 500
    # Ineligible origins and duplicates across a town ledger and the platform export are present.
    assert Purchase.objects.filter(origin_region__isnull=True).exists()
    assert Purchase.objects.filter(sightings__isnull=False).exists()
    assert any("coordinator" in line for line in lines)
    batches = ImportBatch.objects.count()
    list(demo_load())
    assert Purchase.objects.count() == purchases and ImportBatch.objects.count() == batches


@pytest.fixture
def demo(cixi_orgs, settings, tmp_path):
    from bangfu.demo import demo_load
    from bangfu.regions.services import regions_seed

    settings.BANGFU_HOME = tmp_path
    regions_seed()
    return list(demo_load())


def test_the_demo_year_arrives_month_by_month_and_mostly_on_time(demo):
    from bangfu.orgs.selectors import org_children_map
    from bangfu.progress.calendar import calendar_table, expected_units, reporting_calendar_get

    days = {timezone.localtime(b.created_at).date() for b in ImportBatch.objects.all()}
    # each month's ledgers arrive early the next month (December's in January 2023), not "today"
    assert {(d.year, d.month) for d in days} == {(2022, m) for m in range(2, 13)} | {(2023, 1)}
    first = Purchase.objects.filter(date__month=3).order_by("created_at").first()
    assert first is not None and timezone.localtime(first.created_at).date() >= dt.date(2022, 4, 1)
    plan = Plan.objects.get(year=2022)
    calendar = reporting_calendar_get(plan)
    units = expected_units(plan, calendar)
    assert len(units) == 18  # the towns; unions and canteens report through them
    table = calendar_table(plan, today=dt.date(2023, 2, 1), units=units, children=org_children_map())
    assert table.due == 18 * 12
    assert table.on_time_rate > 0.8 and table.late > 0  # a realistic year: most on time, some late


def test_the_demo_has_work_waiting_and_totals_that_add_up(demo):
    from bangfu.activities.models import Activity
    from bangfu.ledger.totals import totals_differences
    from bangfu.notifications.models import Reminder, UnitContact

    assert totals_differences() == []
    returned = Purchase.objects.filter(status="returned")
    assert returned.count() == 3 and {p.reporting_org.name for p in returned} == {"周巷镇"}
    assert Purchase.objects.filter(status="submitted").exists()  # December ledgers await review
    assert set(Activity.objects.values_list("status", flat=True)) == {"approved", "submitted", "returned"}
    assert UnitContact.objects.filter(unit__name="周巷镇").exists()
    sent = Reminder.objects.filter(status="sent")
    assert sent.exists() and {r.period for r in sent} == {"2022-11"}
