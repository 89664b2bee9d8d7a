"""Writes to single purchase records (form entry)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bangfu.orgs.models import Organisation

from ..choices import Category, Channel, RecordStatus
from ..models import Purchase
from ..parsing import normalise_order_key
from ..resolving import RegionResolver


@transaction.atomic
def purchase_create(
    *,
    purchaser: Organisation,
    date: dt.date,
    amount_fen: int,
    reporting_org: Organisation | None = None,
    product: str = "",
    supplier: str = "",
    origin: str = "",
    channel: str = Channel.OTHER,
    category: str = Category.UNKNOWN,
    quantity: Decimal | None = None,
    quantity_unit: str = "",
    order_no: str = "",
    remarks: str = "",
    status: str = RecordStatus.DRAFT,
    **extra: Any,
) -> Purchase:
    """Record one purchase entered by hand. A purchase whose order number and amount are already
    stored is refused, so that it cannot count twice."""
    if amount_fen <= 0:
        raise ValidationError({"amount_fen": "金额必须大于0。"})
    order_key = normalise_order_key(order_no)
    dedupe_key = f"n:{order_key}:{amount_fen}" if order_key else f"m:{uuid.uuid4().hex}"
    purchase = Purchase(
        purchaser=purchaser,
        purchaser_name=purchaser.name,
        reporting_org=reporting_org or purchaser,
        date=date,
        amount_fen=amount_fen,
        product=product,
        supplier=supplier,
        origin=origin,
        origin_region_id=RegionResolver().resolve(origin),
        channel=channel,
        category=category,
        quantity=quantity,
        quantity_unit=quantity_unit,
        order_no=order_no,
        order_key=order_key,
        dedupe_key=dedupe_key,
        remarks=remarks,
        status=status,
        **extra,
    )
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError as exc:
        existing = Purchase.objects.filter(dedupe_key=dedupe_key).first()
        raise ValidationError(
            {
                "order_no": f"订单号 {order_no} 金额相同的采购记录已存在（编号 {existing.pk if existing else '?'}）。"
            }
        ) from exc
    return purchase
