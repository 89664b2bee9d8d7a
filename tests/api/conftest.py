"""A small world for the API tests: Cixi's units, the 2022 seed table, two unions, four purchases and one
account per role.

| record | purchaser            | coordinator | leader | reporter 周巷镇 | lead 市总工会 |
|--------|----------------------|-------------|--------|-----------------|---------------|
| town   | 周巷镇               | yes         | yes    | yes             | no            |
| union  | 周巷镇甲公司工会     | yes         | yes    | yes (its town)  | yes (unions)  |
| other  | 观海卫镇             | yes         | yes    | no              | no            |
| union2 | 观海卫镇乙公司工会   | yes         | yes    | no              | yes (unions)  |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from bangfu.accounts.services import api_token_create
from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_create
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from bangfu.orgs.services import org_create
from bangfu.plans.models import Plan
from bangfu.plans.parsing import parse_table
from bangfu.plans.services import plan_import
from bangfu.regions.services import regions_seed
from tests.test_cli import SEED_DOCX

ROLES = ("coordinator", "reporter", "lead", "leader")
UNIT_OF = {"reporter": "周巷镇", "lead": "市总工会"}


def org(name: str) -> Organisation:
    key = org_name_index().resolve(name).key
    assert key is not None, name
    return Organisation.objects.get(pk=key)


@dataclass
class World:
    plan: Plan
    units: dict[str, Organisation]
    records: dict[str, Purchase]
    users: dict[str, Any]
    _clients: dict[str, Client] = field(default_factory=dict)

    def client(self, role: str, *, csrf: bool = False) -> Client:
        """A signed-in web session for the role (``csrf=True``: Django's CSRF check enforced)."""
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(self.users[role])
        return client

    def token_client(self, role: str) -> Client:
        token, _record = api_token_create(user=self.users[role], name="测试")
        return Client(headers={"Authorization": f"Bearer {token}"})

    def visible(self, role: str) -> set[int]:
        names = {
            "coordinator": {"town", "union", "other", "union2"},
            "leader": {"town", "union", "other", "union2"},
            "reporter": {"town", "union"},
            "lead": {"union", "union2"},
        }[role]
        return {self.records[name].pk for name in names}


def _build_world() -> World:
    from django.conf import settings

    from bangfu.accounts.services import account_create
    from bangfu.orgs.services import orgs_load_file

    orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()
    plan = plan_import(parsed=parse_table(SEED_DOCX)).plan
    units = {
        "zhouxiang": org("周巷镇"),
        "guanhaiwei": org("观海卫镇"),
        "union_hq": org("市总工会"),
    }
    units["union"] = org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=units["zhouxiang"])
    units["union2"] = org_create(name="观海卫镇乙公司工会", kind=OrgKind.UNION, parent=units["guanhaiwei"])

    def buy(purchaser: Organisation, day: dt.date, fen: int, status: str, **kw: Any) -> Purchase:
        return purchase_create(
            purchaser=purchaser,
            date=day,
            amount_fen=fen,
            origin="凉山州布拖县",
            product=kw.pop("product", "苦荞茶"),
            channel=kw.pop("channel", Channel.OFFLINE),
            status=status,
            **kw,
        )

    records = {
        "town": buy(units["zhouxiang"], dt.date(2022, 3, 1), 100_000, RecordStatus.APPROVED, order_no="ZX-1"),
        "union": buy(units["union"], dt.date(2022, 4, 1), 12_345, RecordStatus.SUBMITTED, product="花椒"),
        "other": buy(units["guanhaiwei"], dt.date(2022, 5, 1), 50_000, RecordStatus.APPROVED),
        "union2": buy(
            units["union2"], dt.date(2022, 6, 1), 777, RecordStatus.DRAFT, channel=Channel.PLATFORM_832
        ),
    }
    users = {
        role: account_create(
            username=f"api-{role}",
            password="a-long-test-password",
            role=role,
            organisation=org(UNIT_OF[role]) if role in UNIT_OF else None,
            validate=False,
        )
        for role in ROLES
    }
    return World(plan=plan, units=units, records=records, users=users)


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """Built once per test module inside a transaction that is rolled back afterwards (what Django's
    ``setUpTestData`` does); each test runs in its own savepoint on top, through ``db``."""
    from django.db import transaction

    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(_world, db, media) -> World:
    return _world
