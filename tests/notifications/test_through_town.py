"""Units under a town report through it: neither expected on their own (no 未报送 every month) nor
reminded as silent — unless the office lists them in the calendar."""

from __future__ import annotations

import pytest

from bangfu.notifications.services import reminders_prepare
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.calendar import expected_units, reporting_calendar_get, through_town
from bangfu.progress.lines import line_units
from bangfu.progress.services import base_value_set
from tests.support.notifications import TODAY
from tests.support.world import org

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(plan):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    base_value_set(organisation=union, year=2022, holiday_gift_fen=100_0000_00, member_count=500)
    return union


def test_a_union_under_a_town_is_not_expected_on_its_own(plan, union):
    calendar = reporting_calendar_get(plan)
    assert union.pk in line_units(plan)  # it has lines (the unions' targets) …
    assert through_town(line_units(plan))[union.pk] == org("周巷镇").pk
    expected = expected_units(plan, calendar)
    assert union.pk not in expected  # … but its town reports for it
    assert org("周巷镇").pk in expected and org("市总工会").pk in expected


def test_silent_reminders_skip_it_unless_the_calendar_lists_it(plan, union):
    result = reminders_prepare(plan, as_of=TODAY, issued=TODAY, sender="办")
    silent = {n.unit.name for n in result.notices if n.reason in ("silent", "both")}
    assert "周巷镇总工会" not in silent and "横河镇" in silent
    calendar = reporting_calendar_get(plan)
    calendar.save()
    calendar.units.set([union, org("横河镇")])
    again = reminders_prepare(plan, as_of=TODAY, issued=TODAY, sender="办")
    assert "周巷镇总工会" in {n.unit.name for n in again.notices if n.reason in ("silent", "both")}
