from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.common.models import TimeStampedModel
from bangfu.orgs.models import Organisation

from .choices import Role


class Profile(TimeStampedModel):
    """A user's role and, for reporters and lead reviewers, their unit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices, default=Role.REPORTER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text=_("填报员和牵头单位审核员必填。"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("账号角色")
        verbose_name_plural = _("账号角色")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[Role.COORDINATOR, Role.LEADER]) | Q(organisation__isnull=False),
                name="profile_unit_roles_need_unit",
            )
        ]

    def get_additional_data(self) -> dict[str, int | None]:
        """The unit an audit-trail entry concerns (the trail's unit filter)."""
        return {"unit_id": self.organisation_id}

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"


class ApiToken(models.Model):
    """A token for the JSON API. Only its SHA-256 is stored; the token is shown once when created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    digest = models.CharField(_("摘要"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已停用"), default=False)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @staticmethod
    def new_token() -> str:
        return "bf_" + secrets.token_urlsafe(32)
