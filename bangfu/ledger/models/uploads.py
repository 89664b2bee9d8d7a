from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.orgs.models import Organisation

from ..choices import UploadState
from .batches import ImportBatch


class Upload(models.Model):
    """A ledger file uploaded through the web or the API, and what became of it: its preview (a dry run
    in the background), then its import (also in the background). The file itself waits under
    ``MEDIA_ROOT/ledger-uploads/<token>/`` until it is imported, cancelled or pruned."""

    token = models.CharField(_("编号"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    reporting_org = models.ForeignKey(
        Organisation,
        verbose_name=_("填报单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    #: The channel the uploader stated for the file's purchases ("" = decided from the file).
    channel = models.CharField(_("采购渠道"), max_length=10, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=UploadState.choices, default=UploadState.RECEIVED
    )
    #: The preview's or the import's summary as shown (counts, sheets, sample and problem rows, capped).
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("原因"), blank=True)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: "host:pid" of the process running its job (to recognise a job whose process died).
    worker = models.CharField(_("处理进程"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("上传的台账")
        verbose_name_plural = _("上传的台账")
        ordering = ["-created_at"]
        constraints = [
            # A second import of the same file is refused while the first runs.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(state="importing"),
                name="ledger_upload_one_import_per_file",
            )
        ]
        indexes = [models.Index(fields=["user", "state"], name="ledger_upload_user_state")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def waiting(self) -> bool:
        """Its job is queued or running."""
        return self.state in (UploadState.PREVIEWING, UploadState.IMPORTING)
