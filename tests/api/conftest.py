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

import copy
import datetime as dt

import pytest

from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from tests.support.layers import layer, layer_value
from tests.support.world import buy, org
from tests.support.worlds import ApiWorld, one_user_per_role, town_unions


@layer("api_world", on="seed_plan")
def _build_world(request) -> ApiWorld:
    units: dict[str, Organisation] = {**town_unions(), "union_hq": org("市总工会")}

    def bought(unit: str, day: dt.date, fen: int, status: str, **kw) -> Purchase:
        return buy(
            units[unit],
            fen,
            day=day,
            origin="凉山州布拖县",
            product=kw.pop("product", "苦荞茶"),
            channel=kw.pop("channel", Channel.OFFLINE),
            status=status,
            **kw,
        )

    records = {
        "town": bought("zhouxiang", dt.date(2022, 3, 1), 100_000, RecordStatus.APPROVED, order_no="ZX-1"),
        "union": bought("union", dt.date(2022, 4, 1), 12_345, RecordStatus.SUBMITTED, product="花椒"),
        "other": bought("guanhaiwei", dt.date(2022, 5, 1), 50_000, RecordStatus.APPROVED),
        "union2": bought(
            "union2", dt.date(2022, 6, 1), 777, RecordStatus.DRAFT, channel=Channel.PLATFORM_832
        ),
    }
    plan = Plan.objects.get(pk=layer_value(request, "seed_plan"))
    return ApiWorld(units=units, records=records, users=one_user_per_role("api"), plan=plan)


@pytest.fixture
def api_world(db, request) -> ApiWorld:
    return copy.deepcopy(layer_value(request, "api_world"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(api_world, media) -> ApiWorld:
    return api_world
