from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.orgs.models import Organisation


class PurchaseTotal(models.Model):
    """Running totals of the purchases that count (submitted and approved), from 1 January to the end
    of ``month``, per purchaser and per what progress filters on: the origin county, the channel and the
    category. Kept current in the same transaction by every write to a purchase (``ledger.totals``), so
    that a figure as of a month's end is a look-up, not a scan of every record; checked and rebuilt by
    ``bangfu totals check|rebuild``.

    ``origin_region_id`` is the county's id, 0 for none (a plain number: part of the unique key, where
    NULLs would never collide). Whether a county counts for a year (the year's pairings) stays a filter
    at read time, so changing a pairing changes no total.
    """

    #: A unit merge rebuilds these rows (``ledger.totals.totals_after_merge``) instead of re-pointing them.
    ORG_MERGE_REBUILT = True

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("截至月份"))
    purchaser = models.ForeignKey(
        Organisation,
        verbose_name=_("采购单位"),
        on_delete=models.CASCADE,
        db_index=False,  # served by the key
        related_name="+",
    )
    origin_region_id = models.BigIntegerField(_("产地（县）编号"), default=0)
    channel = models.CharField(_("采购渠道"), max_length=10)
    category = models.CharField(_("采购类别"), max_length=16, blank=True, default="")
    approved_fen = models.BigIntegerField(_("已审核金额（分）"), default=0)
    approved_n = models.IntegerField(_("已审核条数"), default=0)
    submitted_fen = models.BigIntegerField(_("已提交金额（分）"), default=0)
    submitted_n = models.IntegerField(_("已提交条数"), default=0)

    class Meta:
        verbose_name = _("采购累计数")
        verbose_name_plural = _("采购累计数")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "purchaser", "origin_region_id", "channel", "category"],
                name="purchase_total_key",
            )
        ]
        indexes = [
            # A month's figures read from the index alone, grouped by purchaser as it streams.
            models.Index(
                fields=[
                    "year",
                    "month",
                    "purchaser",
                    "origin_region_id",
                    "channel",
                    "category",
                    "approved_fen",
                    "approved_n",
                    "submitted_fen",
                    "submitted_n",
                ],
                name="purchase_total_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.purchaser_id}"


class TotalsChange(models.Model):
    """Which purchasers' totals a transaction changed: one row per purchaser and write, in the write's
    transaction (``ledger.totals``), so that a reader holding figures computed earlier can tell which
    purchasers to read again instead of reading them all (``progress.live``). ``purchaser_id`` empty:
    every purchaser (a rebuild). ``txid`` is PostgreSQL's transaction id of the write (transactions
    commit in another order than they take ids; the reader keeps to what every finished transaction
    wrote, see :func:`ledger.totals.totals_changed_since`); on SQLite, where one writer at a time
    commits in the order of ``id``, it stays empty. Rows older than a day are pruned by the writes."""

    id = models.BigAutoField(primary_key=True)
    purchaser_id = models.BigIntegerField(_("采购单位编号"), null=True)
    txid = models.BigIntegerField(_("事务号"), null=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("累计数变动")
        verbose_name_plural = _("累计数变动")
        indexes = [
            models.Index(fields=["txid"], name="totals_change_txid"),
            models.Index(fields=["created_at"], name="totals_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.purchaser_id or '*'}"
