from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    DEPARTMENT = "department", _("市级部门")
    TOWN = "town", _("镇")
    STREET = "street", _("街道")
    COMMITTEE = "committee", _("管委会")
    UNION = "union", _("基层工会")
    CANTEEN = "canteen", _("食堂")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    WORK_TEAM = "work_team", _("工作队")
    OTHER = "other", _("其他")


# Town-level units (镇、街道、管委会): the jurisdictions a city is divided into — those with the towns'
# purchase targets, ranked together, and whose names a unit's name may start with (周巷中心小学).
TOWN_LEVEL = frozenset({OrgKind.TOWN, OrgKind.STREET, OrgKind.COMMITTEE})


class NameKind(models.TextChoices):
    OFFICIAL = "official", _("现用名称")
    ALIAS = "alias", _("别名")
    SHORT = "short", _("简称")
    FORMER = "former", _("曾用名")


class OrgEventKind(models.TextChoices):
    CREATED = "created", _("新建")
    RENAMED = "renamed", _("更名")
    MERGED = "merged", _("合并")
    CLOSED = "closed", _("撤销")
    REOPENED = "reopened", _("恢复")
