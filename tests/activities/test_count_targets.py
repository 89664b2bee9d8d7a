"""Count targets of a table take their progress from activity records, met exactly at the number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.activities.services import activity_create
from bangfu.orgs.models import Organisation
from bangfu.plans.parsing import parse_text
from bangfu.plans.services import plan_import
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import progress_rules_ensure

pytestmark = pytest.mark.django_db

TABLE = (
    "2022年慈溪市消费帮扶工作任务分解表\n\t序号\n\t工作任务\n\t工作内容\n\t责任单位\n"
    "\t1\n\t促销渠道多样化\n\t全年举办展销活动不少于4场。\n\t牵头单位：市商务局\n"
    "\t2\n\t电商补短板\n\t开展电商培训200人次以上。\n\t牵头单位：市商务局\n"
)


@pytest.fixture
def plan(cixi_orgs):
    plan = plan_import(parsed=parse_text(TABLE, source_name="count.txt")).plan
    progress_rules_ensure(plan)
    return plan


def line(plan, seq):
    report = progress_compute(plan, as_of=dt.date(2022, 12, 31))
    return next(x for x in report.lines if x.task.seq == seq)


def event(plan, n, unit="市商务局", day=dt.date(2022, 5, 1)):
    item = plan.tasks.get(seq=1).items.get()
    return activity_create(
        kind="event", organisation=Organisation.objects.get(name=unit), item=item, title=f"展销会{n}", date=day,
        details={"event_type": "展销会", "place": "慈溪"},
    )  # fmt: skip


def test_events_meet_the_count_exactly_at_four(plan):
    target = line(plan, 1)
    assert target.target.kind == "count" and target.target.value == 4 and target.target.unit == "场"
    for n in range(3):
        event(plan, n)
    three = line(plan, 1)
    assert (
        three.result.achieved == 3 and three.result.rate == Decimal("0.75") and three.result.status != "done"
    )
    event(plan, 3)
    four = line(plan, 1)
    assert four.result.achieved == 4 and four.result.rate == 1 and four.result.status == "done"


def test_trainees_add_up_to_the_target(plan):
    item = plan.tasks.get(seq=2).items.get()
    commerce = Organisation.objects.get(name="市商务局")
    for trainees in (120, 79):
        activity_create(
            kind="training",
            organisation=commerce,
            item=item,
            title="电商培训",
            date=dt.date(2022, 6, 1),
            details={"sessions": 1, "trainees": trainees},
        )
    assert line(plan, 2).result.achieved == 199 and line(plan, 2).result.status != "done"
    activity_create(
        kind="training",
        organisation=commerce,
        item=item,
        title="电商培训",
        date=dt.date(2022, 7, 1),
        details={"sessions": 1, "trainees": 1},
    )
    assert line(plan, 2).result.achieved == 200 and line(plan, 2).result.status == "done"


def test_other_units_activities_do_not_count(plan):
    for n in range(4):
        event(plan, n, unit="市民政局")
    assert line(plan, 1).result.achieved == 0
