"""Reconciliation of self-reported 832-platform purchases with the platform's own export (对账)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from bangfu.ledger.choices import BatchKind, Channel
from bangfu.ledger.models import Purchase, PurchaseSighting
from bangfu.orgs.models import Organisation


@dataclass
class ReconciliationRow:
    org: Organisation | None
    matched: int = 0
    matched_fen: int = 0
    reported_only: int = 0
    reported_only_fen: int = 0
    platform_only: int = 0
    platform_only_fen: int = 0
    reported_only_ids: list[int] = field(default_factory=list)
    platform_only_ids: list[int] = field(default_factory=list)


def reconciliation(*, year: int, as_of: dt.date | None = None) -> list[ReconciliationRow]:
    """Units' self-reported 832-platform purchases against the platform's own export, per purchaser:
    matched (in both), reported but not on the platform, on the platform but not reported."""
    last = as_of or dt.date(year, 12, 31)
    platform_batch = Q(batch__kind=BatchKind.PLATFORM_832)
    seen_on_platform = Exists(
        PurchaseSighting.objects.filter(purchase=OuterRef("pk"), batch__kind=BatchKind.PLATFORM_832)
    )
    seen_in_ledger = Exists(
        PurchaseSighting.objects.filter(purchase=OuterRef("pk"), batch__kind=BatchKind.LEDGER)
    )
    rows = (
        Purchase.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=last)
        .annotate(on_platform=seen_on_platform, in_ledger=seen_in_ledger)
        .filter(Q(channel=Channel.PLATFORM_832) | platform_batch | Q(on_platform=True))
        .values_list("pk", "purchaser_id", "amount_fen", "batch__kind", "on_platform", "in_ledger")
        .order_by()
    )
    table: dict[int | None, ReconciliationRow] = {}
    for pk, purchaser_id, fen, batch_kind, on_platform, in_ledger in rows:
        platform = on_platform or batch_kind == BatchKind.PLATFORM_832
        reported = in_ledger or batch_kind != BatchKind.PLATFORM_832
        row = table.setdefault(purchaser_id, ReconciliationRow(org=None))
        if platform and reported:
            row.matched += 1
            row.matched_fen += fen
        elif reported:
            row.reported_only += 1
            row.reported_only_fen += fen
            row.reported_only_ids.append(pk)
        else:
            row.platform_only += 1
            row.platform_only_fen += fen
            row.platform_only_ids.append(pk)
    units = Organisation.objects.in_bulk([pk for pk in table if pk is not None])
    for unit_id, row in table.items():
        row.org = units.get(unit_id) if unit_id is not None else None
    return sorted(
        table.values(), key=lambda r: (-(r.reported_only + r.platform_only), r.org.name if r.org else "")
    )
