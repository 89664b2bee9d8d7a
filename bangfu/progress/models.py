from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.ledger.choices import Category, Channel
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan, Target
from bangfu.regions.models import Region

from .choices import MeasureSource, OriginFilter, PurchaserScope


class BaseValue(TimeStampedModel):
    """A unit's base figures for a year: what its ratio and per-capita targets are measured against."""

    ORG_MERGE_DROPS_DUPLICATES = False

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="base_values"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    holiday_gift_fen = models.BigIntegerField(_("法定节假日慰问品总金额（分）"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("职工（会员）人数"), null=True, blank=True)
    food_budget_fen = models.BigIntegerField(_("食堂食材采购预算（分）"), null=True, blank=True)
    no_canteen = models.BooleanField(
        _("无食堂"), default=False, help_text=_("无食堂的单位免于食堂采购比例考核。")
    )
    canteen_representative = models.ForeignKey(
        Organisation,
        verbose_name=_("共用食堂的代表单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represented_canteens",
        help_text=_("多个单位共用一个食堂时，由代表单位统一统计和考核。"),
    )
    counts_for = models.ForeignKey(
        Organisation,
        verbose_name=_("采购计入单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counted_purchasers",
        help_text=_("如外包食堂的采购计入所服务的单位。"),
    )
    source = models.CharField(_("来源"), max_length=255, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("基数")
        verbose_name_plural = _("基数")
        ordering = ["year", "organisation_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="base_value_unique_per_year"),
            models.CheckConstraint(
                condition=Q(holiday_gift_fen__isnull=True) | Q(holiday_gift_fen__gte=0),
                name="base_gift_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(food_budget_fen__isnull=True) | Q(food_budget_fen__gte=0),
                name="base_budget_not_negative",
            ),
        ]

    def get_additional_data(self) -> dict[str, int | None]:
        """The unit an audit-trail entry concerns (the trail's unit filter)."""
        return {"unit_id": self.organisation_id}

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class TargetRule(TimeStampedModel):
    """Which records count toward a target (its attribution rule). Defaults follow the table."""

    target = models.OneToOneField(
        Target, verbose_name=_("目标"), on_delete=models.CASCADE, related_name="rule"
    )
    source = models.CharField(
        _("统计来源"), max_length=12, choices=MeasureSource.choices, default=MeasureSource.PURCHASES
    )
    purchaser_scope = models.CharField(
        _("采购单位范围"), max_length=8, choices=PurchaserScope.choices, default=PurchaserScope.SUBTREE
    )
    origin = models.CharField(
        _("产地要求"), max_length=8, choices=OriginFilter.choices, default=OriginFilter.PAIRED
    )
    origin_region = models.ForeignKey(
        Region, verbose_name=_("指定县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("渠道要求"), max_length=10, choices=Channel.choices, blank=True)
    category = models.CharField(_("类别要求"), max_length=16, choices=Category.choices, blank=True)
    period_start = models.DateField(_("统计起始日"), null=True, blank=True, help_text=_("留空为年度第一天。"))
    period_end = models.DateField(_("统计截止日"), null=True, blank=True, help_text=_("留空为年度最后一天。"))
    schedule = models.ForeignKey(
        "ProgressSchedule",
        verbose_name=_("时序进度"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("留空按全年时间均匀推进。"),
    )

    class Meta:
        verbose_name = _("统计口径")
        verbose_name_plural = _("统计口径")
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin=OriginFilter.COUNTY) | Q(origin_region__isnull=False),
                name="rule_county_needs_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target}"


def _month_field(month: int) -> models.DecimalField:
    return models.DecimalField(
        _("%(month)d月底累计") % {"month": month},
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )


class ProgressSchedule(TimeStampedModel):
    """A monthly time-progress schedule: the share of the year's work expected by each month's end.

    Union gift buying peaks before 春节, 端午 and 中秋; a flat line would call every union late in spring.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    m01, m02, m03, m04 = _month_field(1), _month_field(2), _month_field(3), _month_field(4)
    m05, m06, m07, m08 = _month_field(5), _month_field(6), _month_field(7), _month_field(8)
    m09, m10, m11, m12 = _month_field(9), _month_field(10), _month_field(11), _month_field(12)

    class Meta:
        verbose_name = _("时序进度表")
        verbose_name_plural = _("时序进度表")
        constraints = [models.CheckConstraint(condition=Q(m12=1), name="schedule_ends_at_one")]

    def __str__(self) -> str:
        return self.name

    @property
    def cumulative(self) -> tuple[Decimal, ...]:
        return tuple(getattr(self, f"m{month:02d}") for month in range(1, 13))


class ProgressSettings(TimeStampedModel):
    """How far behind the time progress a unit may be before it is 滞后 or 严重滞后 (per plan)."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("任务分解表"), on_delete=models.CASCADE, related_name="progress_settings"
    )
    lagging_below = models.DecimalField(
        _("低于时序进度的比例视为滞后"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.90"),
        help_text=_("完成率低于时序进度×该值为滞后，默认0.90。"),
    )
    severe_below = models.DecimalField(
        _("低于时序进度的比例视为严重滞后"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.60"),
        help_text=_("完成率低于时序进度×该值为严重滞后，默认0.60。"),
    )
    count_submitted = models.BooleanField(
        _("计入已提交未审核的记录"), default=True, help_text=_("关闭后只统计已审核的记录。")
    )

    class Meta:
        verbose_name = _("进度参数")
        verbose_name_plural = _("进度参数")
        constraints = [
            models.CheckConstraint(
                condition=Q(severe_below__lte=models.F("lagging_below")), name="severe_below_lagging"
            )
        ]

    def __str__(self) -> str:
        return str(self.plan)


class ReportingCalendar(TimeStampedModel):
    """When units report (报送日历): each month's data by a day of the next month, e.g. the 5th.

    The expected units are those listed, or — when none are listed — every unit with a line in the plan.
    """

    plan = models.OneToOneField(
        Plan, verbose_name=_("任务分解表"), on_delete=models.CASCADE, related_name="reporting_calendar"
    )
    due_day = models.PositiveSmallIntegerField(
        _("每月报送截止日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("各单位于每月该日（含）前报送上月数据，取1—28。"),
    )
    units = models.ManyToManyField(
        Organisation,
        verbose_name=_("应报送单位"),
        blank=True,
        related_name="+",
        help_text=_("留空为任务分解表中有目标的所有单位。"),
    )

    class Meta:
        verbose_name = _("报送日历")
        verbose_name_plural = _("报送日历")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1) & Q(due_day__lte=28), name="calendar_due_day_in_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan}：每月{self.due_day}日前报送"
