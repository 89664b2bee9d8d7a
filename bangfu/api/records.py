"""Purchase records (采购记录): list, one record with its provenance, and entry of a new record.

Amounts travel as integer fen (``amount_fen``) and as an exact 元 string (``amount_yuan``, "1280.50") —
never as a JSON float. Every fetch goes through ``ledger.access``; a record outside the caller's scope
answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from bangfu.accounts.choices import Role
from bangfu.accounts.write_scope import unit_writable, write_units
from bangfu.common.money import fen_to_yuan
from bangfu.common.numbers import ID_MAX
from bangfu.ledger.access import batch_list_for_user, purchase_get_for_user, purchase_list_for_user
from bangfu.ledger.choices import Category, Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.selectors import PurchaseFilters, purchase_filter, purchase_provenance
from bangfu.ledger.services import purchase_enter
from bangfu.orgs.models import Organisation
from bangfu.progress.access import unit_get_for_user

from .auth import audited, require
from .errors import COMMON_ERRORS, ErrorOut
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor, next_url

router = Router(tags=["采购记录"])

UNIT_OUT_OF_SCOPE = "采购单位不存在或不在本单位范围内。"
_YUAN = re.compile(r"^\d{1,13}(\.\d{1,2})?$")
_QUANTITY = re.compile(r"^\d{1,13}(\.\d{1,3})?$")


def _yuan_text(fen: int) -> str:
    return format(fen_to_yuan(fen), "f")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- GET /records ---------------------------------------------------------------------------------


class RecordListFilter(Schema):
    unit: int | None = Field(None, ge=1, le=ID_MAX, description="单位 id：该单位及其辖区内单位采购的记录")
    date_from: dt.date | None = Field(None, description="采购日期自（含）")
    date_to: dt.date | None = Field(None, description="采购日期至（含）")
    status: RecordStatus | None = Field(None, description="状态")
    channel: Channel | None = Field(None, description="采购渠道")
    eligible: bool | None = Field(None, description="true：产地为对口地区；false：产地不是或不明")
    batch: int | None = Field(None, ge=1, le=ID_MAX, description="导入批次 id")
    q: str | None = Field(None, max_length=100, description="采购单位或产品名称包含")
    order_no: str | None = Field(None, max_length=100, description="订单号/发票号以此开头")
    cursor: str | None = Field(None, max_length=200, description="上一页返回的 next_cursor")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")


class RecordListItemOut(Schema):
    id: int
    date: dt.date
    purchaser_id: int | None
    purchaser: str = Field(..., description="采购单位（已匹配的单位名称，未匹配时为原文）")
    purchaser_name: str = Field(..., description="采购单位（原文）")
    reporting_org_id: int | None
    reporting_org: str | None
    amount_fen: int = Field(..., description="金额（分）")
    amount_yuan: str = Field(..., description="金额（元），两位小数的精确文本")
    product: str
    supplier: str
    origin: str
    origin_region_id: int | None
    channel: str
    channel_label: str
    category: str
    status: str
    status_label: str
    order_no: str
    batch_id: int | None

    @staticmethod
    def resolve_purchaser(obj: Purchase) -> str:
        return obj.purchaser.name if obj.purchaser else obj.purchaser_name

    @staticmethod
    def resolve_reporting_org(obj: Purchase) -> str | None:
        return obj.reporting_org.name if obj.reporting_org else None

    @staticmethod
    def resolve_amount_yuan(obj: Purchase) -> str:
        return _yuan_text(obj.amount_fen)

    @staticmethod
    def resolve_channel_label(obj: Purchase) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_status_label(obj: Purchase) -> str:
        return str(obj.get_status_display())


class RecordPageOut(Schema):
    items: list[RecordListItemOut]
    next_cursor: str | None = Field(None, description="下一页的游标；没有下一页时为 null")
    next: str | None = Field(None, description="下一页的地址（保留本次的筛选条件）")


@router.get(
    "/records",
    response={200: RecordPageOut, **COMMON_ERRORS, 404: ErrorOut},
    summary="采购记录列表",
)
def record_list(request: HttpRequest, filters: Query[RecordListFilter]) -> Any:
    """The records the caller may see, newest record first (by record number), a page at a time.

    Pagination is by keyset: pass the ``next_cursor`` of one page as ``cursor`` to get the next one (or
    follow ``next``). Pages stay equally fast deep into a million records, and records added meanwhile
    neither shift nor repeat rows. Use ``date_from``/``date_to`` for a period of purchase dates.
    """
    require(request)
    unit = unit_get_for_user(request.user, filters.unit).pk if filters.unit is not None else None
    qs = purchase_filter(
        purchase_list_for_user(request.user),
        PurchaseFilters(
            unit=unit,
            date_from=filters.date_from,
            date_to=filters.date_to,
            status=filters.status or "",
            channel=filters.channel or "",
            eligible=filters.eligible,
            batch=filters.batch,
            q=(filters.q or "").strip(),
            order_no=(filters.order_no or "").strip(),
        ),
    )
    if filters.cursor:
        qs = qs.filter(id__lt=decode_cursor(filters.cursor))
    # Ordered by the primary key, the one order every database serves from an index under any filter and
    # scope (measured against date order: bench/README.md, "The API's record list").
    rows = list(
        qs.select_related("purchaser", "reporting_org")
        .defer("raw", "remarks", "dedupe_key")
        .order_by("-id")[: filters.limit + 1]
    )
    page, more = rows[: filters.limit], len(rows) > filters.limit
    cursor = encode_cursor(page[-1].pk) if more else None
    return {"items": page, "next_cursor": cursor, "next": next_url(request, cursor) if cursor else None}


# --- GET /records/{id} ----------------------------------------------------------------------------


class RecordBatchRefOut(Schema):
    id: int
    file_name: str
    kind: str
    created_at: dt.datetime


class RecordCellOut(Schema):
    column: str = Field(..., description="列（A、B、C …）")
    header: str = Field(..., description="表头（原文）")
    value: str = Field(..., description="单元格原文")


class RecordSightingOut(Schema):
    batch_id: int
    file_name: str
    sheet: str
    row: int
    cells: list[RecordCellOut]


class RecordProvenanceOut(Schema):
    batch: RecordBatchRefOut | None = Field(None, description="导入批次（手工录入的记录为 null）")
    sheet: str
    row: int | None
    cells: list[RecordCellOut] = Field(..., description="原始行：每个单元格及其表头")
    sightings: list[RecordSightingOut] = Field(
        ..., description="同一笔采购在其他文件中重复出现的位置（本账号可见的批次）"
    )


class RecordDetailOut(Schema):
    id: int
    date: dt.date
    purchaser_id: int | None
    purchaser: str = Field(..., description="采购单位（已匹配的单位名称，未匹配时为原文）")
    purchaser_name: str = Field(..., description="采购单位（原文）")
    purchaser_kind: str | None
    reporting_org_id: int | None
    reporting_org: str | None
    amount_fen: int = Field(..., description="金额（分）")
    amount_yuan: str = Field(..., description="金额（元），两位小数的精确文本")
    product: str
    supplier: str
    origin: str
    origin_region_id: int | None
    channel: str
    channel_label: str
    category: str
    status: str
    status_label: str
    order_no: str
    batch_id: int | None
    category_label: str
    quantity: str | None
    quantity_unit: str
    remarks: str
    created_at: dt.datetime
    updated_at: dt.datetime
    provenance: RecordProvenanceOut


def _provenance(purchase: Purchase, visible_batches: set[int]) -> dict[str, Any]:
    found = purchase_provenance(purchase)

    def cells(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [
            {"column": _column_letter(i), "header": header, "value": value}
            for i, (header, value) in enumerate(pairs)
        ]

    return {
        "batch": found.batch,
        "sheet": found.sheet,
        "row": found.row,
        "cells": cells(found.cells),
        # other files the same purchase appeared in — only those the caller may see
        "sightings": [
            {
                "batch_id": s["batch"].pk,
                "file_name": s["batch"].file_name,
                "sheet": s["sheet"],
                "row": s["row"],
                "cells": cells(s["cells"]),
            }
            for s in found.sightings
            if s["batch"].pk in visible_batches
        ],
    }


@router.get(
    "/records/{int:record_id}",
    response={200: RecordDetailOut, **COMMON_ERRORS, 404: ErrorOut},
    summary="采购记录详情（含来源）",
)
def record_detail(request: HttpRequest, record_id: int) -> Any:
    """One record with where it came from: the imported file, sheet, row and the row's original cells,
    and the other files it also appeared in (those the caller may see)."""
    require(request)
    purchase = purchase_get_for_user(request.user, record_id)
    visible_batches = set(
        batch_list_for_user(request.user).filter(sightings__purchase=purchase).values_list("pk", flat=True)
    )
    return {
        **{field: getattr(purchase, field) for field in _DETAIL_FIELDS},
        "purchaser": purchase.purchaser.name if purchase.purchaser else purchase.purchaser_name,
        "reporting_org": purchase.reporting_org.name if purchase.reporting_org else None,
        "purchaser_kind": purchase.purchaser.kind if purchase.purchaser else None,
        "amount_yuan": _yuan_text(purchase.amount_fen),
        "channel_label": str(purchase.get_channel_display()),
        "status_label": str(purchase.get_status_display()),
        "category_label": str(purchase.get_category_display()),
        "quantity": None if purchase.quantity is None else format(purchase.quantity.normalize(), "f"),
        "provenance": _provenance(purchase, visible_batches),
    }


_DETAIL_FIELDS = (
    "id",
    "date",
    "purchaser_id",
    "purchaser_name",
    "reporting_org_id",
    "amount_fen",
    "product",
    "supplier",
    "origin",
    "origin_region_id",
    "channel",
    "category",
    "status",
    "order_no",
    "batch_id",
    "quantity_unit",
    "remarks",
    "created_at",
    "updated_at",
)


# --- POST /records --------------------------------------------------------------------------------


class RecordCreateIn(Schema):
    purchaser_id: int = Field(..., description="采购单位 id（须在本单位范围内）")
    date: dt.date = Field(..., description="采购日期")
    amount_yuan: str = Field(..., description='金额（元），文本，最多两位小数，如 "1280.50"')
    product: str = Field("", max_length=200)
    supplier: str = Field("", max_length=200)
    origin: str = Field("", max_length=200, description="产地，如“凉山州布拖县”")
    channel: Channel = Channel.OTHER
    category: Category = Category.UNKNOWN
    quantity: str | None = Field(None, description="数量，文本，最多三位小数")
    quantity_unit: str = Field("", max_length=20)
    order_no: str = Field("", max_length=100, description="订单号或发票号；同号同金额的记录只能有一条")
    remarks: str = Field("", max_length=2000)
    status: Literal["draft", "submitted"] = Field("draft", description="保存为草稿，或直接提交审核")
    reporting_org_id: int | None = Field(None, description="填报单位 id（仅管理员可指定；其他角色为本单位）")

    @field_validator("amount_yuan")
    @classmethod
    def _amount(cls, value: str) -> str:
        value = value.strip()
        if not _YUAN.match(value):
            raise ValueError('金额应为不超过两位小数的正数文本，如 "1280.50"')
        if Decimal(value) <= 0:
            raise ValueError("金额必须大于0")
        return value

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _QUANTITY.match(value):
            raise ValueError("数量应为不超过三位小数的非负数文本")
        return value


class RecordCreatedOut(Schema):
    id: int
    status: str
    date: dt.date
    purchaser_id: int
    reporting_org_id: int | None
    amount_fen: int
    amount_yuan: str
    order_no: str
    url: str


def _unit_in_scope(request: HttpRequest, unit_id: int) -> Organisation:
    """The unit when the caller may write for it (``accounts.write_scope``); one message for "no such unit" and
    "not yours"."""
    unit = Organisation.objects.filter(pk=unit_id).first()
    if unit is None or not unit_writable(unit.pk, write_units(require(request))):
        raise HttpError(422, UNIT_OUT_OF_SCOPE)
    return unit


@router.post(
    "/records",
    response={201: RecordCreatedOut, **COMMON_ERRORS, 409: ErrorOut},
    summary="录入采购记录",
)
def record_create(request: HttpRequest, payload: RecordCreateIn) -> Any:
    """Enter one purchase (reporter, lead reviewer, coordinator). It is saved as a draft or submitted
    for review; a record with the same order number and amount as a stored one is refused (409)."""
    scope = require(request, write=True)
    purchaser = _unit_in_scope(request, payload.purchaser_id)
    if scope.role == Role.COORDINATOR:
        reporting_org = (
            _unit_in_scope(request, payload.reporting_org_id) if payload.reporting_org_id else purchaser
        )
    else:
        if payload.reporting_org_id not in (None, scope.home_unit_id):
            raise HttpError(403, "只有管理员可以指定其他填报单位。")
        home = Organisation.objects.filter(pk=scope.home_unit_id).first() if scope.home_unit_id else None
        if home is None:
            raise HttpError(403, "当前账号没有所属单位，不能录入。")
        reporting_org = home
    amount_fen = int(Decimal(payload.amount_yuan) * 100)  # exact: at most two decimals (validated)
    try:
        with audited(request):
            # The web form's service: a draft, or submitted at once with its "submit" approval event.
            purchase = purchase_enter(
                user=request.user,
                purchaser=purchaser,
                reporting_org=reporting_org,
                within=write_units(scope),
                submit=payload.status == RecordStatus.SUBMITTED,
                date=payload.date,
                amount_fen=amount_fen,
                product=payload.product.strip(),
                supplier=payload.supplier.strip(),
                origin=payload.origin.strip(),
                channel=str(payload.channel),
                category=str(payload.category),
                quantity=Decimal(payload.quantity) if payload.quantity else None,
                quantity_unit=payload.quantity_unit.strip(),
                order_no=payload.order_no.strip(),
                remarks=payload.remarks.strip(),
            )
    except ValidationError as exc:
        # A stored purchase with the same order number and amount is reported on ``order_no``.
        if hasattr(exc, "error_dict") and "order_no" in exc.error_dict:
            raise HttpError(409, "；".join(exc.message_dict["order_no"])) from exc
        raise
    return Status(
        201,
        {
            "id": purchase.pk,
            "status": purchase.status,
            "date": purchase.date,
            "purchaser_id": purchase.purchaser_id,
            "reporting_org_id": purchase.reporting_org_id,
            "amount_fen": purchase.amount_fen,
            "amount_yuan": _yuan_text(purchase.amount_fen),
            "order_no": purchase.order_no,
            "url": f"{request.path.rstrip('/')}/{purchase.pk}",
        },
    )
