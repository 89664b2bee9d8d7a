"""Small worlds several test modules stand on: a few units, records and one account per role, built once
per run as a layer (see ``tests/support/layers.py``) on the seed plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.test import Client

from bangfu.accounts.services import api_token_create
from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from bangfu.plans.models import Plan
from tests.factories import PurchaseFactory, UserFactory
from tests.support.layers import layer, layer_value
from tests.support.world import org

ROLES = ("coordinator", "reporter", "lead", "leader")
UNIT_OF = {"reporter": "周巷镇", "lead": "市总工会"}


@dataclass
class World:
    """Units, records and users by short name; signed-in clients for each."""

    units: dict[str, Organisation]
    users: dict[str, Any]
    records: dict[str, Any] = field(default_factory=dict)
    plan: Plan | None = None

    def client(self, who: str, *, csrf: bool = False) -> Client:
        """A signed-in web session (``csrf=True``: Django's CSRF check enforced)."""
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(self.users[who])
        return client

    def user(self, who: str) -> Any:
        """A fresh copy of the account (a user object caches its scope, as a request does)."""
        return get_user_model().objects.get(pk=self.users[who].pk)

    def pk(self, name: str) -> int:
        return self.records[name].pk


@dataclass
class ApiWorld(World):
    """The API tests' world (``tests/api/conftest.py``)."""

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


def one_user_per_role(prefix: str, roles: tuple[str, ...] = ROLES) -> dict[str, Any]:
    """``{role: account}``, the reporter of 周巷镇 and the lead reviewer of 市总工会."""
    return {
        role: UserFactory(
            username=f"{prefix}-{role}",
            role=role,
            organisation=org(UNIT_OF[role]) if role in UNIT_OF else None,
        )
        for role in roles
    }


def town_unions() -> dict[str, Organisation]:
    """周巷镇 and 观海卫镇, each with a company union under it."""
    units = {"zhouxiang": org("周巷镇"), "guanhaiwei": org("观海卫镇")}
    units["union"] = org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=units["zhouxiang"])
    units["union2"] = org_create(name="观海卫镇乙公司工会", kind=OrgKind.UNION, parent=units["guanhaiwei"])
    return units


@layer("ledger_world", on="seed_plan")
def _build_ledger_world(request: Any) -> World:
    """The ledger pages' world:

    | record   | purchaser           | status    | coordinator | leader | reporter 周巷镇 | lead 市总工会 |
    |----------|---------------------|-----------|-------------|--------|-----------------|---------------|
    | town     | 周巷镇              | submitted | yes         | yes    | yes             | no            |
    | union    | 周巷镇甲公司工会    | submitted | yes         | yes    | yes (its town)  | yes (unions)  |
    | other    | 观海卫镇            | submitted | yes         | yes    | no              | no            |
    | union2   | 观海卫镇乙公司工会  | submitted | yes         | yes    | no              | yes (unions)  |
    | draft    | 周巷镇              | draft     | yes         | yes    | yes             | no            |
    | approved | 周巷镇              | approved  | yes         | yes    | yes             | no            |
    """
    S = RecordStatus
    units = town_unions()

    def buy(unit: str, month: int, fen: int, status: str, **kw: Any) -> Purchase:
        made = cast(
            Purchase,
            PurchaseFactory(
                purchaser=units[unit],
                date=dt.date(2022, month, 1),
                amount_fen=fen,
                origin=kw.pop("origin", "凉山州布拖县"),
                product=kw.pop("product", "苦荞茶"),
                channel=kw.pop("channel", Channel.OFFLINE),
                status=status,
                **kw,
            ),
        )
        return made

    records = {
        "town": buy("zhouxiang", 3, 100_000, S.SUBMITTED, order_no="ZX-1001"),
        "union": buy("union", 4, 12_345, S.SUBMITTED, product="花椒"),
        "other": buy("guanhaiwei", 5, 50_000, S.SUBMITTED, order_no="GH-1"),
        "union2": buy("union2", 6, 777, S.SUBMITTED, channel=Channel.PLATFORM_832),
        "draft": buy("zhouxiang", 7, 2_000, S.DRAFT, product='=HYPERLINK("http://x")', origin="慈溪"),
        "approved": buy("zhouxiang", 8, 150_000, S.APPROVED, order_no="ZX-2002"),
    }
    plan = Plan.objects.get(pk=layer_value(request, "seed_plan"))
    return World(units=units, records=records, users=one_user_per_role("web"), plan=plan)
