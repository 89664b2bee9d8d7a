from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel

from .choices import PairingKind
from .matching import Place


class Region(TimeStampedModel):
    """A county-level area whose products may count: a paired area or an 832-platform county."""

    code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    province = models.CharField(_("省"), max_length=30)
    prefecture = models.CharField(_("市（州）"), max_length=30, blank=True)
    county = models.CharField(_("县（市、区）"), max_length=30)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    is_832 = models.BooleanField(
        _("832平台县"), default=False, help_text=_("脱贫地区农副产品网络销售平台（832平台）覆盖的脱贫县。")
    )

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["province", "prefecture", "county"]
        constraints = [
            models.UniqueConstraint(fields=["province", "prefecture", "county"], name="region_unique_place")
        ]

    def __str__(self) -> str:
        return self.county

    @property
    def full_name(self) -> str:
        return f"{self.province}{self.prefecture}{self.county}"

    @property
    def place(self) -> Place:
        return Place(province=self.province, prefecture=self.prefecture, county=self.county, code=self.code)


class Pairing(TimeStampedModel):
    """The city's pairing with an area, for the years it applies (year_to empty = still in force)."""

    region = models.ForeignKey(
        Region, verbose_name=_("对口地区"), on_delete=models.CASCADE, related_name="pairings"
    )
    kind = models.CharField(
        _("结对类型"), max_length=16, choices=PairingKind.choices, default=PairingKind.EAST_WEST
    )
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("结对关系")
        verbose_name_plural = _("结对关系")
        ordering = ["region_id", "year_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_to__isnull=True) | Q(year_to__gte=F("year_from")),
                name="pairing_years_ordered",
            )
        ]

    def __str__(self) -> str:
        years = f"{self.year_from}–{self.year_to or ''}"
        return f"{self.region} {self.get_kind_display()} {years}"
