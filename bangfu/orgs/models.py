from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel

from .choices import NameKind, OrgEventKind, OrgKind


class Organisation(TimeStampedModel):
    """A unit (单位): a department, town, street, committee, union, canteen, enterprise …"""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices, default=OrgKind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位（属地）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("在用"), default=True)
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_units",
    )
    needs_review = models.BooleanField(
        _("待核实"), default=False, help_text=_("导入时未能匹配到已有单位而自动新建，需要管理员核实。")
    )
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="org_not_own_parent"),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(active=False), name="org_merged_is_inactive"
            ),
        ]

    def get_additional_data(self) -> dict[str, int | None]:
        """The unit an audit-trail entry concerns (the trail's unit filter)."""
        return {"unit_id": self.pk}

    def __str__(self) -> str:
        return self.name


class OrganisationName(models.Model):
    """Every spelling a unit is known by: its official name, aliases, short names and former names."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(_("名称"), max_length=100)
    key = models.CharField(_("匹配键"), max_length=100, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=10, choices=NameKind.choices, default=NameKind.ALIAS)
    valid_until = models.DateField(_("使用至"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位名称")
        verbose_name_plural = _("单位名称与别名")
        ordering = ["organisation_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class OrgGroup(TimeStampedModel):
    """A collective reference in a task table (各镇（街道）, 各基层工会, 其他市级各部门 …).

    Members resolve at use time: active units of the listed kinds (within ``scope``'s jurisdiction when
    set), plus explicit members. ``exclude_named`` groups ("其他…") leave out the units an item names.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    kinds = models.JSONField(_("包含的单位类型"), default=list, blank=True)
    scope = models.ForeignKey(
        Organisation,
        verbose_name=_("限定属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoped_groups",
    )
    members = models.ManyToManyField(
        Organisation, verbose_name=_("额外成员"), blank=True, related_name="explicit_groups"
    )
    exclude_named = models.BooleanField(
        _("排除同一事项已列明的单位"), default=False, help_text=_("用于“其他市级各部门”等表述。")
    )
    topmost_only = models.BooleanField(
        _("下属单位并入上级"),
        default=False,
        help_text=_("成员的下属单位也符合条件时（如部门下属的食堂），只列上级单位，下属单位的采购计入上级。"),
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("单位组")
        verbose_name_plural = _("单位组")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrgEvent(models.Model):
    """The history of a unit: created, renamed, merged, closed, reopened."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=10, choices=OrgEventKind.choices)
    on = models.DateField(_("生效日期"))
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位变更记录")
        verbose_name_plural = _("单位变更记录")
        ordering = ["organisation_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_kind_display()} {self.on}"
