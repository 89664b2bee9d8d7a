"""The shipped data the tests build on, and small helpers to name and buy things in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from django.conf import settings

from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from tests.factories import PurchaseFactory

CIXI_ORGS = Path(settings.BASE_DIR) / "data" / "cixi_orgs.json"
SEEDS = Path(settings.BASE_DIR) / "data" / "seeds"
SEED_DOCX = SEEDS / "2022年慈溪市消费帮扶工作任务分解表.docx"
SEED_TXT = SEEDS / "2022年慈溪市消费帮扶工作任务分解表.txt"

AS_OF = dt.date(2022, 6, 30)
PERIOD = "year=2022&as_of=2022-06-30"


def org(name: str) -> Organisation:
    """The unit the name (or a known alias) resolves to."""
    key = org_name_index().resolve(name).key
    assert key is not None, f"no unit named {name}"
    return Organisation.objects.get(pk=key)


def buy(
    purchaser: Organisation,
    fen: int,
    *,
    day: dt.date = dt.date(2022, 3, 1),
    origin: str = "布拖县",
    channel: str = Channel.OFFLINE,
    status: str = RecordStatus.APPROVED,
    **extra: Any,
) -> Purchase:
    """One purchase through ``purchase_create``: approved, offline, 布拖县 goods, 1 March 2022 unless said."""
    made = cast(
        Purchase,
        PurchaseFactory(
            purchaser=purchaser,
            date=day,
            amount_fen=fen,
            origin=origin,
            channel=channel,
            status=status,
            **extra,
        ),
    )
    return made
