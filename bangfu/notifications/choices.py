from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryChannel(models.TextChoices):
    """How a reminder is delivered; not a purchase's channel (ledger.Channel)."""

    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Reason(models.TextChoices):
    BEHIND = "behind", _("进度滞后")
    SILENT = "silent", _("未报送")
    BOTH = "both", _("未报送且进度滞后")
