from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.regions.models import Region

from ..choices import Category


class Supplier(TimeStampedModel):
    """A seller of assistance products (a cooperative or company in the paired area, a platform shop)."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在地区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppliers",
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """An assistance product (帮扶产品) with its origin and, where known, its certification."""

    name = models.CharField(_("名称"), max_length=200)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("供应商"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    origin_region = models.ForeignKey(
        Region,
        verbose_name=_("产地"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    category = models.CharField(_("品类"), max_length=50, blank=True)
    certificate_no = models.CharField(_("认定编号"), max_length=100, blank=True)
    certificate_valid_until = models.DateField(_("认定有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "supplier"], name="product_unique_per_supplier")
        ]

    def __str__(self) -> str:
        return self.name


__all__ = ["Category", "Product", "Supplier"]
