from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.common.money import format_yuan
from bangfu.orgs.models import Organisation
from bangfu.regions.models import Region

from ..choices import Category, Channel, DatePrecision, InferredFrom, PurchaserFrom, RecordStatus
from .batches import ImportBatch
from .catalog import Product, Supplier


class Purchase(TimeStampedModel):
    """One purchase of assistance products, stored once however many files it appears in.

    The amount is integer fen. Eligibility is not decided here: the origin county, channel and category
    are recorded, and each target decides which purchases count.
    """

    purchaser = models.ForeignKey(
        Organisation,
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases",
        db_index=False,  # served by the (purchaser, date) index
    )
    purchaser_name = models.CharField(_("采购单位（原文）"), max_length=200)
    #: Whether the purchaser was written in the row or filled in (the file's 填报单位 line, the importer).
    purchaser_from = models.CharField(
        _("采购单位来源"), max_length=16, choices=PurchaserFrom.choices, default=PurchaserFrom.CELL
    )
    reporting_org = models.ForeignKey(
        Organisation,
        verbose_name=_("填报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="reported_purchases",
    )
    date = models.DateField(_("采购日期"))
    #: "month" when only the month was written: the date is that month's last day, shown as "2022年3月".
    date_precision = models.CharField(
        _("日期精度"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    #: Negative for a refund (退货、退款、冲红), which is linked to the purchase it reduces.
    amount_fen = models.BigIntegerField(_("金额（分）"))
    product = models.CharField(_("产品"), max_length=200, blank=True)
    supplier = models.CharField(_("供应商"), max_length=200, blank=True)
    product_ref = models.ForeignKey(
        Product,
        verbose_name=_("产品目录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="purchases",
    )
    supplier_ref = models.ForeignKey(
        Supplier,
        verbose_name=_("供应商目录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="purchases",
    )
    origin = models.CharField(_("产地（原文）"), max_length=200, blank=True)
    origin_region = models.ForeignKey(
        Region,
        verbose_name=_("产地（县）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="purchases",
    )
    #: Where an origin not written in the origin cell was inferred from (the product or supplier name …).
    origin_inferred_from = models.CharField(
        _("产地来源"), max_length=10, choices=InferredFrom.choices, blank=True, default=InferredFrom.WRITTEN
    )
    channel = models.CharField(_("采购渠道"), max_length=10, choices=Channel.choices, default=Channel.OTHER)
    category = models.CharField(
        _("采购类别"), max_length=16, choices=Category.choices, blank=True, default=""
    )
    quantity = models.DecimalField(_("数量"), max_digits=16, decimal_places=3, null=True, blank=True)
    quantity_unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    order_no = models.CharField(_("订单号/发票号"), max_length=100, blank=True)
    order_key = models.CharField(_("订单号（规范化）"), max_length=100, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=140)
    remarks = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.SUBMITTED
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases",
    )
    #: The purchase a refund reduces (same order or invoice number).
    refund_of = models.ForeignKey(
        "self",
        verbose_name=_("冲减的原采购"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # the partial index below: few records are refunds
        related_name="refunds",
    )
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    raw = models.JSONField(_("原始值"), default=list, blank=True)
    # Who entered the record by hand (a form, the API, an activity); an imported record's importer is its
    # batch's ``created_by``. Together with the submit and change events it says who may not approve it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # the partial index below: imports store no entrant and pay for no index entry
        related_name="+",
    )

    class Meta:
        verbose_name = _("采购记录")
        verbose_name_plural = _("采购记录")
        ordering = ["-date", "-id"]
        constraints = [
            # Every purchase has a key: its order number and amount, its content within its file (c:…),
            # or a random key for a hand-entered record without a number (m:…). A full (not partial)
            # unique index, so that `dedupe_key IN (…)` lookups use it on SQLite too.
            models.UniqueConstraint(fields=["dedupe_key"], name="purchase_unique_dedupe_key"),
            # A purchase has a positive amount; a refund a negative one, and says which purchase it reduces.
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) | Q(amount_fen__lt=0, refund_of__isnull=False),
                name="purchase_amount_positive_or_refund",
            ),
        ]
        indexes = [
            # The progress engine's grouped sums read this index alone (covering): per purchaser, the
            # counted statuses, the period, and the eligibility columns with the amount (measured:
            # bench/README.md, progress.py). The reads written for it: ledger.query_plans.
            models.Index(
                fields=["purchaser", "status", "date", "origin_region", "channel", "category", "amount_fen"],
                name="purchase_progress",
            ),
            # The ledger list's keyset pages: newest first (and oldest first) …
            # It also covers what progress sums, date first: the days of a month a period covers in part
            # are read from it alone (whole months come from the running totals).
            models.Index(
                fields=[
                    "date",
                    "id",
                    "status",
                    "purchaser",
                    "origin_region",
                    "channel",
                    "category",
                    "amount_fen",
                ],
                name="purchase_date_id",
            ),
            # … and largest or smallest amount first.
            models.Index(fields=["amount_fen", "id"], name="purchase_amount_id"),
            # A scope is "bought by or reported by one of its units": both sides of the OR need an index.
            # Status and purchaser ride along, so that the reported part's filters ("bought elsewhere",
            # a status) are checked in the index, not row by row in the table (a town's drafts among
            # its 16,700 reported records at 1M: 126 → 45 ms, bench/README.md).
            models.Index(
                fields=["reporting_org", "date", "status", "purchaser"], name="purchase_reporter_date"
            ),
            # Records not (yet) approved, for the status filters; few rows, so cheap to keep. Queries
            # repeat the condition (NOT status = approved) so that SQLite can prove the index applies.
            models.Index(
                fields=["status", "date"],
                name="purchase_open_status_date",
                condition=~Q(status=RecordStatus.APPROVED),
            ),
            # The review queue: submitted records grouped by batch and reporting unit, read from the
            # index alone (scope, dates and amounts included).
            models.Index(
                fields=["batch", "reporting_org", "purchaser", "date", "amount_fen"],
                name="purchase_review_queue",
                condition=Q(status=RecordStatus.SUBMITTED),
            ),
            # Other records of the same order number (a platform's order lines against a ledger's order
            # total): found, not merged — a difference is flagged for the coordinator.
            models.Index(fields=["order_key"], name="purchase_order_key", condition=~Q(order_key="")),
            models.Index(
                fields=["refund_of"], name="purchase_refund_of", condition=Q(refund_of__isnull=False)
            ),
            # The records a user entered by hand (four-eyes review; a user's deletion).
            models.Index(
                fields=["created_by"], name="purchase_created_by", condition=Q(created_by__isnull=False)
            ),
        ]

    def get_additional_data(self) -> dict[str, int | None]:
        """The unit an audit-trail entry concerns (the trail's unit filter)."""
        return {"unit_id": self.purchaser_id or self.reporting_org_id}

    def __str__(self) -> str:
        return f"{self.purchaser_name} {self.date} {format_yuan(self.amount_fen)}元"

    @property
    def date_text(self) -> str:
        """The date as written: "2022-03-15", or "2022年3月" for a month-only date."""
        if self.date_precision == DatePrecision.MONTH:
            return f"{self.date.year}年{self.date.month}月"
        return self.date.isoformat()

    @property
    def amount_yuan(self) -> str:
        """The amount for display: ``"1,234.56"`` (元)."""
        return format_yuan(self.amount_fen)

    @property
    def quantity_text(self) -> str:
        """The quantity without trailing zeros (``131.000`` → ``"131"``); "" when not given."""
        return "" if self.quantity is None else format(self.quantity.normalize(), "f")


class PurchaseSighting(models.Model):
    """Another place the same purchase was found (a duplicate row), kept for tracing and reconciliation."""

    purchase = models.ForeignKey(
        Purchase, verbose_name=_("采购记录"), on_delete=models.CASCADE, related_name="sightings"
    )
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE, related_name="sightings"
    )
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("行号"))
    purchaser_name = models.CharField(_("采购单位（原文）"), max_length=200, blank=True)
    raw = models.JSONField(_("原始值"), default=list)

    class Meta:
        verbose_name = _("重复出现")
        verbose_name_plural = _("重复出现")
        ordering = ["purchase_id", "id"]

    def __str__(self) -> str:
        return f"{self.batch} {self.sheet} 第{self.row_number}行"
