from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan

from .choices import DeliveryChannel, DeliveryStatus, Reason
from .webhook import mask_url

PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
#: A mainland mobile number, or a fixed line with its area code (and an optional extension).
PHONE_RE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$"
_SEPARATORS = re.compile(r"[\s,;，；、]+")


def split_emails(text: str) -> list[str]:
    """Addresses written one per line or separated by commas or semicolons (half- or full-width),
    lower-cased, each once, in the order written."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text or ""):
        if part:
            seen.setdefault(part.lower(), None)
    return list(seen)


def validate_webhook_url(value: str) -> None:
    """http(s) with a host. Intranet gateways often have single-label host names (``http://dtgw/…``),
    which Django's URLValidator refuses, so only the scheme and the host are checked."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("群机器人地址应以 http:// 或 https:// 开头并包含主机名。"))


class UnitContact(TimeStampedModel):
    """Where a unit's reminders go, when not to its accounts' e-mail addresses and the default robot."""

    # On a merge the target unit keeps its own contact; the merged unit's is dropped.
    ORG_MERGE_DROPS_DUPLICATES = True

    unit = models.OneToOneField(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="contact"
    )
    person = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(
        _("联系电话"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                PHONE_RE,
                _(
                    "联系电话格式不正确：请填写11位手机号（如 13805741234）或带区号的固定电话（如 0574-63012345）。"
                ),
            )
        ],
    )
    emails = models.TextField(
        _("电子邮箱"),
        blank=True,
        help_text=_("多个地址用逗号、分号或换行分隔。留空则发给本单位有电子邮箱的账号。"),
    )
    webhook_url = models.CharField(
        _("群机器人地址"),
        max_length=500,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_(
            "钉钉/浙政钉群机器人的 Webhook 地址。留空则使用系统默认的群机器人（BANGFU_WEBHOOK_URL）。"
        ),
    )
    webhook_secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("群机器人安全设置中的“加签”密钥（SEC 开头）；未启用加签时留空。"),
    )

    class Meta:
        verbose_name = _("单位联系方式")
        verbose_name_plural = _("单位联系方式")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit}"

    @property
    def email_list(self) -> list[str]:
        return split_emails(self.emails)

    def clean(self) -> None:
        bad = []
        for address in self.email_list:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError({"emails": _("电子邮箱格式不正确：%(bad)s") % {"bad": "、".join(bad)}})
        if self.webhook_secret and not self.webhook_url:
            raise ValidationError({"webhook_secret": _("填写了加签密钥，但没有填写群机器人地址。")})


class Reminder(TimeStampedModel):
    """One reminder notice to one recipient of a unit for one reporting period, and its delivery.

    A unit gets at most one reminder per period, channel and recipient: preparing the same month again
    adds nothing already there, so nobody is reminded twice.
    """

    # On a merge a duplicate (the same recipient reminded for both units in a period) is dropped.
    ORG_MERGE_DROPS_DUPLICATES = True

    plan = models.ForeignKey(
        Plan, verbose_name=_("任务分解表"), on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.CharField(
        _("报送期"),
        max_length=7,
        validators=[RegexValidator(PERIOD_RE, _("报送期格式应为 YYYY-MM。"))],
        help_text=_("所催报数据的月份，如 2022-10。"),
    )
    as_of = models.DateField(_("截至日期"))
    unit = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="reminders"
    )
    reason = models.CharField(_("提醒原因"), max_length=8, choices=Reason.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=DeliveryChannel.choices)
    recipient = models.CharField(_("接收方"), max_length=500)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(
        _("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("下次发送时间"), null=True, blank=True, help_text=_("空表示尽快发送。")
    )
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("催报提醒")
        verbose_name_plural = _("催报提醒")
        ordering = ["-period", "unit_id", "channel", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "channel", "recipient"], name="reminder_once_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="reminder_due"),
            models.Index(fields=["plan", "period"], name="reminder_plan_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit} {self.get_channel_display()} {self.recipient_display}"

    @property
    def recipient_display(self) -> str:
        """The recipient as shown on pages and in logs: a robot's address without its token."""
        return mask_url(self.recipient) if self.channel == DeliveryChannel.WEBHOOK else self.recipient

    @property
    def retrying(self) -> bool:
        return self.status == DeliveryStatus.PENDING and self.attempts > 0

    @property
    def status_label(self) -> str:
        return str(_("待重试")) if self.retrying else str(self.get_status_display())
