"""Shared pieces of the progress pages' tests: the seed plan with its rules, purchases, signed-in clients.

Test modules import the fixtures by name (``from tests.web.test_progress_fixtures import plan, ...``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.services import purchase_create
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from bangfu.plans.parsing import parse_table
from bangfu.plans.services import plan_import
from bangfu.progress.services import progress_rules_ensure
from bangfu.regions.services import regions_seed

SEED = settings.BASE_DIR / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
AS_OF = dt.date(2022, 6, 30)
PERIOD = "year=2022&as_of=2022-06-30"


def org(name: str) -> Organisation:
    key = org_name_index().resolve(name).key
    assert key is not None, name
    return Organisation.objects.get(pk=key)


def buy(
    purchaser: Organisation,
    fen: int,
    *,
    day: dt.date = dt.date(2022, 3, 1),
    origin: str = "布拖县",
    channel: str = "offline",
    status: str = RecordStatus.APPROVED,
    **extra,
):
    return purchase_create(
        purchaser=purchaser, date=day, amount_fen=fen, origin=origin, channel=channel, status=status, **extra
    )


@pytest.fixture
def plan(cixi_orgs):
    regions_seed()
    plan = plan_import(parsed=parse_table(SEED)).plan
    progress_rules_ensure(plan)
    return plan


@pytest.fixture
def login(client, make_user):
    """``login(role, unit=None)`` → the test client signed in as a new user of that role."""

    def sign_in(role: str, unit: str | None = None):
        client.force_login(make_user(role, unit))
        return client

    return sign_in


def test_the_fixtures_load_the_plan(plan):
    assert plan.year == 2022 and plan.tasks.count() == 6
