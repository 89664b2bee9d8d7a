from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.common.money import format_percent, format_wan, format_yuan
from bangfu.orgs.models import Organisation, OrgGroup

from .choices import BaseKind, ItemRole, TargetKind, TargetScope


class Plan(TimeStampedModel):
    """One year's task breakdown table (消费帮扶工作任务分解表)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    title = models.CharField(_("标题"), max_length=200)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("来源文件SHA-256"), max_length=64, blank=True)
    notes = models.TextField(_("表注"), blank=True)

    class Meta:
        verbose_name = _("任务分解表")
        verbose_name_plural = _("任务分解表")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    """A task (工作任务) of the table, e.g. 1 基层工会共参与."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("任务分解表"), on_delete=models.CASCADE, related_name="tasks"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("原序号"), max_length=20, blank=True)
    name = models.CharField(_("工作任务"), max_length=200)

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["plan_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["plan", "seq"], name="task_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq} {self.name}"


class Item(models.Model):
    """A work item (工作内容) of a task; numbered 1.1, 2.3 … across the table."""

    task = models.ForeignKey(Task, verbose_name=_("工作任务"), on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField(_("序号"))
    content = models.TextField(_("工作内容"))
    deadline = models.CharField(_("完成时限"), max_length=100, blank=True)
    location = models.CharField(_("来源位置"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作事项")
        verbose_name_plural = _("工作事项")
        ordering = ["task_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="item_seq_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.content[:30]}"

    @property
    def code(self) -> str:
        return f"{self.task.seq}.{self.seq}"

    def role_lists(self) -> list[tuple[str, list[str]]]:
        """(role label, names as written) for each role the item names, in the table's order."""
        names: dict[str, list[str]] = {role: [] for role in ItemRole.values}
        for assignment in sorted(self.roles.all(), key=lambda a: a.position):
            names[assignment.role].append(assignment.name_as_written)
        return [(str(ItemRole(role).label), written) for role, written in names.items() if written]


class RoleAssignment(models.Model):
    """A unit or group named in an item's 牵头/责任/配合 list, in the order written."""

    ORG_MERGE_DROPS_DUPLICATES = True

    item = models.ForeignKey(Item, verbose_name=_("工作事项"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=12, choices=ItemRole.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
    )
    group = models.ForeignKey(
        OrgGroup,
        verbose_name=_("单位组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
    )
    name_as_written = models.CharField(_("表中写法"), max_length=100)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["item_id", "role", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, group__isnull=True)
                | Q(organisation__isnull=True, group__isnull=False),
                name="role_org_xor_group",
            ),
            models.UniqueConstraint(
                fields=["item", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="role_unique_org",
            ),
            models.UniqueConstraint(
                fields=["item", "role", "group"], condition=Q(group__isnull=False), name="role_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.organisation or self.group}"

    @property
    def subject(self) -> Organisation | OrgGroup:
        return self.organisation or self.group  # type: ignore[return-value]


class Target(models.Model):
    """A typed, measurable target read from an item's text. Money is kept in integer fen."""

    item = models.ForeignKey(
        Item, verbose_name=_("工作事项"), on_delete=models.CASCADE, related_name="targets"
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("类型"), max_length=12, choices=TargetKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    ratio = models.DecimalField(_("比例"), max_digits=7, decimal_places=4, null=True, blank=True)
    count = models.DecimalField(_("数量"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    scope = models.CharField(
        _("适用方式"), max_length=8, choices=TargetScope.choices, default=TargetScope.EACH
    )
    base_text = models.CharField(_("比例基数"), max_length=100, blank=True)
    base_kind = models.CharField(
        _("基数类型"), max_length=24, choices=BaseKind.choices, blank=True, default=""
    )
    channel = models.CharField(_("渠道要求"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属总目标"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
    )
    text = models.TextField(_("原文"))
    orgs = models.ManyToManyField(
        Organisation, verbose_name=_("适用单位"), blank=True, related_name="targets"
    )
    groups = models.ManyToManyField(
        OrgGroup, verbose_name=_("适用单位组"), blank=True, related_name="targets"
    )
    subjects_as_written = models.JSONField(_("表中写法"), default=list, blank=True)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["item_id", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[TargetKind.AMOUNT, TargetKind.PER_CAPITA],
                        amount_fen__isnull=False,
                        amount_fen__gte=0,
                    )
                    | Q(kind=TargetKind.RATIO, ratio__isnull=False, ratio__gt=0, ratio__lte=1)
                    | Q(kind=TargetKind.COUNT, count__isnull=False, count__gte=0)
                ),
                name="target_value_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_value}"

    @property
    def value(self) -> Decimal:
        """The value in its natural unit: 元 for amounts and quotas, a fraction for ratios, a count."""
        if self.kind in (TargetKind.AMOUNT, TargetKind.PER_CAPITA):
            return Decimal(self.amount_fen or 0) / 100
        if self.kind == TargetKind.RATIO:
            return self.ratio or Decimal(0)
        return self.count or Decimal(0)

    @property
    def display_value(self) -> str:
        if self.kind == TargetKind.AMOUNT:
            return f"{format_wan(self.amount_fen or 0)}万元"
        if self.kind == TargetKind.PER_CAPITA:
            return f"{format_yuan(self.amount_fen or 0)}{self.unit or '元/人'}"
        if self.kind == TargetKind.RATIO:
            return format_percent(self.ratio or Decimal(0), places=2)
        return f"{(self.count or Decimal(0)).normalize():f}{self.unit}"


class PlanDraft(models.Model):
    """A parsed table waiting for the coordinator's review and corrections before it is saved."""

    token = models.CharField(_("编号"), max_length=32, unique=True)
    data = models.JSONField(_("解析结果"))
    source_name = models.CharField(_("来源文件"), max_length=255)
    source_sha256 = models.CharField(_("来源文件SHA-256"), max_length=64)
    edited = models.BooleanField(_("已修改"), default=False)
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待确认的分解表")
        verbose_name_plural = _("待确认的分解表")

    def __str__(self) -> str:
        return self.source_name
