from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.orgs.models import Organisation


class Scheme(TimeStampedModel):
    """An assessment scheme (考核办法) for one year."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=200)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("考核办法")
        verbose_name_plural = _("考核办法")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="scheme_unique_name_per_year")]

    def __str__(self) -> str:
        return self.name


class ScoreGroup(models.Model):
    """Units scored and ranked together (镇（街道）, 市级部门 …), chosen by unit kind."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考核办法"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("名称"), max_length=100)
    kinds = models.JSONField(_("单位类型"), default=list)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核分组")
        verbose_name_plural = _("考核分组")
        ordering = ["scheme_id", "position"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One indicator: where its figure comes from (``source`` + ``source_params``) and how it scores
    (``method`` + ``method_params``, see ``assessment.scoring``)."""

    SOURCES = [
        ("lines", _("本单位的目标完成率")),
        ("jurisdiction_lines", _("属地单位的目标完成率")),
        ("activities", _("工作记录数量")),
        ("reporting", _("按时报送")),
        ("veto", _("一票否决事项")),
    ]
    METHODS = [
        ("linear", _("按完成率线性计分")),
        ("thresholds", _("分档计分")),
        ("deduction", _("扣分")),
        ("veto", _("一票否决")),
    ]

    group = models.ForeignKey(
        ScoreGroup, verbose_name=_("考核分组"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("指标"), max_length=200)
    source = models.CharField(_("数据来源"), max_length=20, choices=SOURCES)
    source_params = models.JSONField(_("来源参数"), default=dict, blank=True)
    method = models.CharField(_("计分方式"), max_length=12, choices=METHODS)
    method_params = models.JSONField(_("计分参数"), default=dict, blank=True)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["group_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="indicator_code_unique_in_group")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class VetoRecord(TimeStampedModel):
    """A 一票否决 event: a unit's violation found in the year (e.g. by an inspection)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="vetoes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    date = models.DateField(_("日期"))
    reason = models.TextField(_("事由"))

    class Meta:
        verbose_name = _("一票否决事项")
        verbose_name_plural = _("一票否决事项")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.date}"


class ScoreRun(models.Model):
    """Published (final) scores, frozen with the figures they used: a later edit of records, bases or the
    scheme does not change them."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考核办法"), on_delete=models.PROTECT, related_name="runs"
    )
    as_of = models.DateField(_("数据截至"))
    title = models.CharField(_("名称"), max_length=200)
    scheme_snapshot = models.JSONField(_("考核办法快照"), default=dict)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class UnitScore(models.Model):
    run = models.ForeignKey(
        ScoreRun, verbose_name=_("考核结果"), on_delete=models.CASCADE, related_name="scores"
    )
    group_name = models.CharField(_("考核分组"), max_length=100)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    unit_name = models.CharField(_("单位名称（发布时）"), max_length=100)
    total = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    full_marks = models.DecimalField(_("满分"), max_digits=7, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("名次"))
    vetoed = models.BooleanField(_("一票否决"), default=False)

    class Meta:
        verbose_name = _("单位得分")
        verbose_name_plural = _("单位得分")
        ordering = ["run_id", "group_name", "rank"]

    def __str__(self) -> str:
        return f"{self.unit_name} {self.total}"


class IndicatorScore(models.Model):
    unit_score = models.ForeignKey(
        UnitScore, verbose_name=_("单位得分"), on_delete=models.CASCADE, related_name="lines"
    )
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("指标"), max_length=200)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    points = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    explanation = models.TextField(_("计分说明"))
    figures = models.JSONField(_("所用数据"), default=dict)

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        ordering = ["unit_score_id", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.points}"
