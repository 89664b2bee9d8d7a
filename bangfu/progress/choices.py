from django.db import models
from django.utils.translation import gettext_lazy as _


class PurchaserScope(models.TextChoices):
    SELF = "self", _("本单位")
    SUBTREE = "subtree", _("本单位及属地所有单位")


class OriginFilter(models.TextChoices):
    PAIRED = "paired", _("当年对口地区")
    ANY_832 = "832", _("832平台县")
    COUNTY = "county", _("指定县")
    ANY = "any", _("不限产地")


class MeasureSource(models.TextChoices):
    PURCHASES = "purchases", _("采购记录")
    ACTIVITIES = "activities", _("工作记录")


class Status(models.TextChoices):
    DONE = "done", _("已完成")
    NORMAL = "normal", _("正常")
    LAGGING = "lagging", _("滞后")
    SEVERE = "severe", _("严重滞后")
    NO_BASE = "no_base", _("基数未填报")
    EXEMPT = "exempt", _("免于考核")
    REPRESENTED = "represented", _("由代表单位统计")
    NO_DATA = "no_data", _("暂无统计来源")
