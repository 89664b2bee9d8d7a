from django.db import models
from django.utils.translation import gettext_lazy as _

from .parsing.model import DatePrecision as ReadPrecision


class Channel(models.TextChoices):
    PLATFORM_832 = "832", _("832平台")
    OFFLINE = "offline", _("线下采购")
    FAIR = "fair", _("展销会")
    ECOMMERCE = "ecommerce", _("电商平台")
    COUNTER = "counter", _("专柜")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    UNKNOWN = "", _("未注明")
    CANTEEN = "canteen", _("食堂食材")
    UNION_GIFT = "union_gift", _("工会慰问品")
    RAW_MATERIAL = "raw_material", _("企业原料")
    PERSONAL = "personal", _("个人消费")
    OTHER = "other", _("其他")


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class BatchKind(models.TextChoices):
    LEDGER = "ledger", _("单位台账")
    PLATFORM_832 = "platform_832", _("832平台导出")


class RowOutcome(models.TextChoices):
    REJECTED = "rejected", _("被拒绝")
    DUPLICATE = "duplicate", _("重复")
    SKIPPED = "skipped", _("跳过")


class ApprovalAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")
    CHANGE = "change", _("修改")
    REOPEN = "reopen", _("撤销审核")
    ENRICH = "enrich", _("由其他来源补全")


class UploadState(models.TextChoices):
    """Where an uploaded ledger is between the upload and the import (the wizard's and the API's jobs)."""

    RECEIVED = "received", _("已上传")
    PREVIEWING = "previewing", _("正在分析")
    PREVIEWED = "previewed", _("等待确认")
    IMPORTING = "importing", _("正在导入")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("未能完成")
    CANCELLED = "cancelled", _("已取消")


class FlagKind(models.TextChoices):
    """Why a purchase is on the coordinator's list to check (never rejected for it)."""

    SOURCE_CONFLICT = "conflict", _("来源不一致")
    CHANNEL_ORIGIN = "channel_origin", _("832渠道但产地非832县")
    IMPLAUSIBLE_AMOUNT = "amount", _("单笔金额异常")


class DatePrecision(models.TextChoices):
    """How exactly a purchase's date is known: the values the pure parser writes (``ReadPrecision``)."""

    DAY = ReadPrecision.DAY, _("日")
    MONTH = ReadPrecision.MONTH, _("月")


class InferredFrom(models.TextChoices):
    """Where an origin not written in its own cell was read from ("" = written, or unknown)."""

    WRITTEN = "", _("填写")
    PRODUCT = "product", _("商品名称")
    SUPPLIER = "supplier", _("供应商")
    REMARKS = "remarks", _("备注")
    CATALOG = "catalog", _("产品目录")


class PurchaserFrom(models.TextChoices):
    CELL = "cell", _("填写")
    DEFAULT = "default", _("导入时指定")
    REPORTING_UNIT = "reporting_unit", _("按填报单位填入")
