"""The reporting calendar: windows and statuses (pure), and who reported when (from batches and records),
with the clock controlled by time_machine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.services import ledger_import
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.selectors import org_children_map
from bangfu.orgs.services import org_create
from bangfu.progress.calendar import (
    calendar_table,
    expected_units,
    reporting_activity,
    reporting_calendar_get,
    reporting_days,
)
from bangfu.progress.calendar_periods import (
    LATE,
    MISSING,
    ON_TIME,
    OPEN,
    current_period,
    period_of,
    period_status,
    periods,
    unit_reporting,
)
from bangfu.progress.lines import line_units
from bangfu.progress.models import ReportingCalendar
from bangfu.progress.services import reporting_calendar_set
from tests.ledger.builders import write_csv
from tests.support.world import buy, org

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(year: int, month: int, day: int, hour: int = 10):
    return time_machine.travel(dt.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


# --- pure ------------------------------------------------------------------------------------------


def test_windows_follow_one_another():
    january = period_of(2022, 1, 5)
    assert (january.start, january.due, january.next_due) == (D(2022, 1, 1), D(2022, 2, 5), D(2022, 3, 5))
    february = period_of(2022, 2, 5)
    assert february.start == D(2022, 2, 6) and february.due == D(2022, 3, 5)
    december = period_of(2022, 12, 5)
    assert (december.start, december.due, december.next_due) == (D(2022, 12, 6), D(2023, 1, 5), D(2023, 2, 5))
    assert [p.month for p in periods(2022, 5, D(2022, 4, 3))] == [1, 2, 3]
    assert current_period(2022, 5, D(2022, 4, 3)).month == 3
    assert current_period(2022, 5, D(2022, 4, 6)).month == 4
    assert current_period(2022, 5, D(2026, 1, 1)).month == 12
    assert current_period(2022, 5, D(2021, 12, 31)) is None


def test_period_statuses():
    february = period_of(2022, 2, 5)
    later = D(2022, 6, 1)
    assert period_status(february, later, first_record=D(2022, 2, 20)) == ON_TIME
    assert period_status(february, later, first_record=D(2022, 3, 5)) == ON_TIME  # the due day counts
    assert period_status(february, later, first_record=D(2022, 3, 6)) == LATE
    assert period_status(february, later, first_record=D(2022, 5, 6)) == LATE  # however late
    # A file imported in the window without records of the month: reported, nothing to report.
    assert period_status(february, later, first_record=None, batch_days=[D(2022, 3, 2)]) == ON_TIME
    assert period_status(february, later, first_record=None, batch_days=[D(2022, 2, 2)]) == MISSING
    assert period_status(february, D(2022, 3, 1), first_record=None) == OPEN
    assert period_status(february, D(2022, 3, 6), first_record=None) == MISSING
    assert period_status(february, D(2022, 3, 6), first_record=D(2022, 3, 7)) == MISSING  # not yet


def test_a_unit_reporting_on_the_tenth_is_late_every_month():
    today = D(2022, 4, 20)
    firsts = {1: D(2022, 2, 10), 2: D(2022, 3, 10), 3: D(2022, 4, 10)}
    row = unit_reporting(
        1, periods(2022, 5, today), today, first_records=firsts, batch_days=list(firsts.values())
    )
    assert row.statuses == [LATE, LATE, LATE, OPEN]
    assert (row.due, row.on_time, row.late, row.missing) == (3, 0, 3, 0)
    assert row.completeness == 1 and row.on_time_rate == 0


def test_rates_count_only_periods_already_due():
    today = D(2022, 4, 3)
    row = unit_reporting(
        1,
        periods(2022, 5, today),
        today,
        first_records={1: D(2022, 2, 3), 3: D(2022, 3, 10)},
        last_day=D(2022, 3, 10),
    )
    assert row.statuses == [ON_TIME, MISSING, ON_TIME]
    assert (row.due, row.on_time, row.late, row.missing) == (2, 1, 0, 1)
    assert row.completeness == Decimal("0.5") and row.on_time_rate == Decimal("0.5")
    assert row.last_day == D(2022, 3, 10)
    silent = unit_reporting(2, periods(2022, 5, today), today)
    assert silent.statuses == [MISSING, MISSING, OPEN] and silent.completeness == 0
    assert unit_reporting(3, [], today).completeness is None


# --- from the database -----------------------------------------------------------------------------


@pytest.fixture
def reported(plan, tmp_path):
    """周巷镇 imports January's data on 3 February and enters a March record on 10 March; a school under
    龙山镇 imports in January; 观海卫镇 only keeps a draft; the platform export names 横河镇, which
    enters February's data late, on 20 March."""
    zhouxiang, longshan = org("周巷镇"), org("龙山镇（滨海区管委会）")
    school = org_create(name="龙山镇中心小学", kind=OrgKind.SCHOOL, parent=longshan)
    rows = [["采购单位", "日期", "金额", "产地", "订单号"], ["周巷镇", "2022-01-20", "1000", "布拖县", "A1"]]
    with at(2022, 2, 3):
        ledger_import(path=write_csv(tmp_path / "周巷镇1月.csv", rows), org=zhouxiang)
    with at(2022, 3, 10):
        buy(zhouxiang, 500_00, day=D(2022, 3, 9), status=RecordStatus.SUBMITTED)
    with at(2022, 1, 10):
        school_rows = [
            ["采购单位", "日期", "金额", "产地", "订单号"],
            ["龙山镇中心小学", "2022-01-05", "800", "布拖县", "L1"],
        ]
        ledger_import(path=write_csv(tmp_path / "龙山镇中心小学.csv", school_rows), org=school)
    with at(2022, 1, 20):
        buy(org("观海卫镇"), 300_00, day=D(2022, 1, 19), status=RecordStatus.DRAFT)
    with at(2022, 3, 20):
        buy(org("横河镇"), 200_00, day=D(2022, 2, 15))  # February's data, after its due date
    platform = [
        ["订单编号", "下单时间", "采购单位", "订单金额(元)", "订单状态"],
        ["P1", "2022-01-05 10:00", "横河镇", "100.00", "交易成功"],
    ]
    with at(2022, 1, 25):
        ledger_import(path=write_csv(tmp_path / "832平台导出.csv", platform), org=org("横河镇"))
    calendar = reporting_calendar_set(plan=plan, due_day=5)
    calendar.units.set([zhouxiang, longshan, org("横河镇"), org("观海卫镇")])
    return plan


@pytest.mark.django_db
def test_reporting_days_come_from_batches_and_records(reported):
    units = [org(name).pk for name in ("周巷镇", "龙山镇（滨海区管委会）", "横河镇", "观海卫镇")]
    days = reporting_days(units, start=D(2022, 1, 1), end=D(2022, 12, 31), children=org_children_map())
    zhouxiang, longshan, hengche, guanhaiwei = units
    assert days[zhouxiang] == [D(2022, 2, 3), D(2022, 3, 10)]
    assert days[longshan] == [D(2022, 1, 10)]  # a unit under it reported
    assert days[hengche] == [D(2022, 3, 20)]  # the platform's export is not the town's report
    assert days[guanhaiwei] == []  # a draft is not a report


@pytest.mark.django_db
def test_the_calendar_table_on_a_small_plan(reported):
    with at(2022, 4, 3):
        calendar = reporting_calendar_get(reported)
        units = expected_units(reported, calendar)
        table = calendar_table(reported, today=D(2022, 4, 3), units=units, children=org_children_map())
    rows = {row.unit.name: row.reporting for row in table.rows}
    assert [p.month for p in table.periods] == [1, 2, 3]
    assert rows["周巷镇"].statuses == [ON_TIME, MISSING, ON_TIME]
    assert rows["龙山镇（滨海区管委会）"].statuses == [ON_TIME, MISSING, OPEN]  # its school reported
    assert rows["横河镇"].statuses == [MISSING, LATE, OPEN]  # the platform's export does not count
    assert rows["观海卫镇"].statuses == [MISSING, MISSING, OPEN]  # a draft is not a report
    assert rows["周巷镇"].last_day == D(2022, 3, 10)
    assert (table.due, table.on_time, table.late, table.missing) == (8, 2, 1, 5)
    assert table.completeness == Decimal(3) / 8 and table.on_time_rate == Decimal(2) / 8


@pytest.mark.django_db
def test_activity_by_the_month_the_records_are_dated_in(reported):
    zhouxiang = org("周巷镇").pk
    activity = reporting_activity([zhouxiang], year=2022, children=org_children_map())[zhouxiang]
    assert activity.first_records == {1: D(2022, 2, 3), 3: D(2022, 3, 10)}
    assert activity.batch_days == [D(2022, 2, 3)] and activity.last_day == D(2022, 3, 10)


@pytest.mark.django_db
def test_without_a_calendar_every_unit_with_a_line_is_expected(plan):
    calendar = reporting_calendar_get(plan)
    assert calendar.pk is None and calendar.due_day == 5
    expected = expected_units(plan, calendar)
    assert expected.keys() == line_units(plan).keys()
    assert {"周巷镇", "横河镇", "慈溪高新区管委会"} <= {unit.name for unit in expected.values()}


@pytest.mark.django_db
def test_the_due_day_is_kept_in_one_calendar_per_plan(plan):
    reporting_calendar_set(plan=plan, due_day=10)
    reporting_calendar_set(plan=plan, due_day=8)
    assert ReportingCalendar.objects.get(plan=plan).due_day == 8
    assert str(ReportingCalendar.objects.get()).endswith("每月8日前报送")
