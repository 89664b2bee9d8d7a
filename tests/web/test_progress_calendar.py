"""The reporting calendar page: who may see it, the coordinator changes the due day, the figures shown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from bangfu.ledger.choices import RecordStatus
from bangfu.progress.models import ReportingCalendar
from bangfu.progress.services import reporting_calendar_set
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db

URL = reverse("progress:calendar")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int):
    return time_machine.travel(dt.datetime(year, month, day, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def calendar(plan):
    with at(2022, 1, 20):
        buy(org("周巷镇"), 1000_00, day=dt.date(2022, 1, 15), status=RecordStatus.SUBMITTED)
    with at(2022, 3, 1):
        buy(org("横河镇"), 1000_00, day=dt.date(2022, 1, 31))  # January's data, after 5 February
    return plan


def test_a_reporter_has_no_calendar(login, calendar):
    assert login("reporter", "周巷镇").get(URL).status_code == 403


@pytest.mark.parametrize(("role", "unit"), [("coordinator", None), ("leader", None), ("lead", "市总工会")])
def test_the_office_leads_and_leaders_see_it(login, calendar, role, unit, django_assert_max_num_queries):
    client = login(role, unit)
    with at(2022, 3, 10), django_assert_max_num_queries(40):
        response = client.get(URL)
    assert response.status_code == 200
    table = response.context["table"]
    names = {row.unit.name for row in table.rows}
    if role == "lead":
        assert "周巷镇" not in names  # not the union lead's to see
    else:
        rows = {row.unit.name: row.reporting for row in table.rows}
        assert rows["周巷镇"].statuses == ["on_time", "missing", "open"]
        assert rows["横河镇"].statuses == ["late", "missing", "open"]
        html = response.content.decode()
        assert "每月5日前" in html and "报送完整率" in html and "按时报送率" in html


def test_the_coordinator_changes_the_due_day(login, calendar):
    client = login("coordinator")
    response = client.post(URL + "?year=2022", {"due_day": "10"})
    assert response.status_code == 302
    assert ReportingCalendar.objects.get(plan=calendar).due_day == 10
    with at(2022, 3, 10):
        page = client.get(URL)
    assert "每月10日前" in page.content.decode()
    assert client.post(URL, {"due_day": "31"}).status_code == 200  # refused with a message
    assert ReportingCalendar.objects.get(plan=calendar).due_day == 10


@pytest.mark.parametrize(("role", "unit"), [("leader", None), ("lead", "市总工会"), ("reporter", "周巷镇")])
def test_nobody_else_changes_it(login, calendar, role, unit):
    assert login(role, unit).post(URL, {"due_day": "10"}).status_code == 403
    assert not ReportingCalendar.objects.exists()


def test_the_expected_units_can_be_narrowed_and_filtered_by_town(login, calendar):
    saved = reporting_calendar_set(plan=calendar, due_day=5)
    saved.units.set([org("周巷镇"), org("横河镇")])
    client = login("coordinator")
    with at(2022, 3, 10):
        rows = client.get(URL).context["table"].rows
        assert [row.unit.name for row in rows] == sorted(["周巷镇", "横河镇"])
        filtered = client.get(f"{URL}?town={org('横河镇').pk}", HTTP_HX_REQUEST="true")
    fragment = filtered.content.decode()
    assert "<html" not in fragment and "横河镇" in fragment and "周巷镇" not in fragment
