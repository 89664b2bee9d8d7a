"""Writes to single purchase records (form entry)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bangfu.common.money import format_yuan
from bangfu.orgs.models import Organisation

from ..access import purchase_list_for_user
from ..choices import Category, Channel, RecordStatus
from ..models import Purchase
from ..parsing import normalise_order_key
from ..resolving import RegionResolver
from ..totals import delta_of, totals_apply


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
    user: Any = None,
    **extra: Any,
) -> Purchase:
    """Record one purchase entered by hand (by ``user``, stored as its entrant). A purchase whose order
    number and amount are already stored is refused, so that it cannot count twice.

    Nothing here checks roles or scopes: callers do (``purchase_enter`` for forms and the API)."""
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
        created_by=user if getattr(user, "pk", None) else None,
        **extra,
    )
    try:
        with transaction.atomic():
            purchase.save()
            totals_apply(delta_of([purchase]))
    except IntegrityError as exc:
        existing = Purchase.objects.filter(dedupe_key=dedupe_key).values_list("pk", flat=True).first()
        raise ValidationError(
            {
                "order_no": duplicate_message(
                    order_no=order_no, amount_fen=amount_fen, existing_id=existing, user=user
                )
            }
        ) from exc
    return purchase


def duplicate_message(*, order_no: str, amount_fen: int, existing_id: int | None, user: Any) -> str:
    """The refusal of a second record of one purchase (same order number and amount). The stored record's
    number is given only to a user who may see that record (and to system code, without a user): to
    anyone else a record outside their scope is neither named nor described — only that it exists."""
    text = f"订单号 {order_no} 金额 {format_yuan(amount_fen)} 元的采购记录已存在"
    if existing_id is not None and (
        user is None or purchase_list_for_user(user).filter(pk=existing_id).exists()
    ):
        text += f"（编号 {existing_id}）"
    return text + "，同一笔采购只能记录一次。"
