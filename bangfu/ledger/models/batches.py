from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.common.money import format_yuan
from bangfu.orgs.models import Organisation

from ..choices import BatchKind, RowOutcome


class ImportBatch(models.Model):
    """One imported file: where it came from and what became of each of its rows."""

    file_name = models.CharField(_("文件名"), max_length=255)
    # Unique: a file is imported once, also when two imports of it run at the same time.
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    kind = models.CharField(_("来源"), max_length=16, choices=BatchKind.choices, default=BatchKind.LEDGER)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    reporting_org = models.ForeignKey(
        Organisation,
        verbose_name=_("填报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    sheets = models.JSONField(_("工作表与表头"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    accepted = models.PositiveIntegerField(_("导入条数"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝条数"), default=0)
    duplicates = models.PositiveIntegerField(_("重复条数"), default=0)
    skipped = models.PositiveIntegerField(_("跳过条数"), default=0)
    total_fen = models.BigIntegerField(_("导入金额（分）"), default=0)
    unassigned = models.JSONField(_("未匹配的采购单位"), default=list, blank=True)
    created_orgs = models.JSONField(_("新建的单位"), default=list, blank=True)
    report = models.CharField(_("问题行报告"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.created_at:%Y-%m-%d %H:%M}）" if self.created_at else self.file_name

    @property
    def total_yuan(self) -> str:
        return format_yuan(self.total_fen)

    def headers_of(self, sheet: str) -> list[str]:
        for entry in self.sheets:
            if entry.get("name") == sheet:
                return list(entry.get("headers", []))
        return []


class RejectedRow(models.Model):
    """A row that was not stored as a purchase, kept with its original values and the reason."""

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE, related_name="problem_rows"
    )
    outcome = models.CharField(_("处理结果"), max_length=10, choices=RowOutcome.choices)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("行号"))
    raw = models.JSONField(_("原始值"), default=list)
    reason = models.TextField(_("原因"))

    class Meta:
        verbose_name = _("问题行")
        verbose_name_plural = _("问题行")
        ordering = ["batch_id", "id"]

    def __str__(self) -> str:
        return f"{self.sheet} 第{self.row_number}行：{self.reason}"
