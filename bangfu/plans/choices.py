from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemRole(models.TextChoices):
    """A unit's part in a work item (the table's unit columns); not an account's role (accounts.Role)."""

    LEAD = "lead", _("牵头单位")
    RESPONSIBLE = "responsible", _("责任单位")
    COOPERATING = "cooperating", _("配合单位")


class TargetKind(models.TextChoices):
    AMOUNT = "amount", _("金额")
    RATIO = "ratio", _("比例")
    PER_CAPITA = "per_capita", _("人均定额")
    COUNT = "count", _("数量")


class TargetScope(models.TextChoices):
    EACH = "each", _("每个单位")
    TOTAL = "total", _("合计")


class BaseKind(models.TextChoices):
    NONE = "", _("无")
    HOLIDAY_GIFT_TOTAL = "holiday_gift_total", _("法定节假日慰问品总金额")
    PROCUREMENT_BUDGET = "procurement_budget", _("食堂采购预算资金")
    MEMBER_COUNT = "member_count", _("职工人数")
