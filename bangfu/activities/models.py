from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Item

from .kinds import KINDS

KIND_CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]


class Activity(TimeStampedModel):
    """A piece of qualitative work under a table item: a fair, an outlet, a report, a training …

    Common fields are columns; each kind's own fields live in ``details`` (validated by
    ``activities.kinds``; money as integer fen, dates ISO).
    """

    kind = models.CharField(_("类型"), max_length=16, choices=KIND_CHOICES)
    item = models.ForeignKey(
        Item,
        verbose_name=_("工作事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("名称"), max_length=200)
    date = models.DateField(_("日期"))
    details = models.JSONField(_("详细信息"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.SUBMITTED
    )
    public = models.BooleanField(_("在公众专柜名录中展示"), default=False)
    purchase = models.OneToOneField(
        Purchase,
        verbose_name=_("对应采购记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity",
        help_text=_("企业采购原料同时记作一条采购记录，只录入一次。"),
    )
    source = models.CharField(_("来源"), max_length=255, blank=True, help_text=_("导入文件、工作表和行号"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Everyone who changed the record after it was entered. With ``created_by`` they are its authors,
    # who may not approve it (four-eyes review).
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("工作记录")
        verbose_name_plural = _("工作记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["item", "date"], name="activity_item_date"),
            models.Index(fields=["organisation", "date"], name="activity_org_date"),
            models.Index(fields=["kind", "public"], name="activity_kind_public"),
        ]

    def get_additional_data(self) -> dict[str, int | None]:
        """The unit an audit-trail entry concerns (the trail's unit filter)."""
        return {"unit_id": self.organisation_id}

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class Evidence(models.Model):
    """A file proving a record or an activity: stored by content hash, served only within scope."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("工作记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("采购记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, purchase__isnull=True)
                | Q(activity__isnull=True, purchase__isnull=False),
                name="evidence_belongs_to_one_record",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def previewable(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")
