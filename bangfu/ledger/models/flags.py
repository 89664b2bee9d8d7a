from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import FlagKind
from .batches import ImportBatch
from .purchases import Purchase


class PurchaseFlag(models.Model):
    """A purchase the coordinator should look at: two sources of it disagree, an 832-platform purchase
    from a county that is not an 832 county, an implausibly large single purchase. The record still
    counts as it is; the flag says what is doubtful and where the other value came from."""

    purchase = models.ForeignKey(
        Purchase, verbose_name=_("采购记录"), on_delete=models.CASCADE, related_name="flags"
    )
    #: The other record of a conflict (same order number, another amount), when there is one.
    other = models.ForeignKey(
        Purchase,
        verbose_name=_("另一条记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=FlagKind.choices)
    field = models.CharField(_("字段"), max_length=20, blank=True)
    stored_value = models.CharField(_("已有值"), max_length=200, blank=True)
    incoming_value = models.CharField(_("新来源的值"), max_length=200, blank=True)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("来源批次"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    message = models.TextField(_("说明"))
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("待核查记录")
        verbose_name_plural = _("待核查记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"], name="purchaseflag_open", condition=Q(resolved_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return self.message
