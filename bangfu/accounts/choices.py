from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("管理员（市对口支援办）")
    REPORTER = "reporter", _("填报员（责任单位）")
    LEAD = "lead", _("牵头单位审核员")
    LEADER = "leader", _("领导（只读）")
