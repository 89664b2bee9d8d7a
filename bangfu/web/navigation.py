"""The main menu: what each role sees. A link whose page does not exist (yet) is left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.access import Scope
from bangfu.accounts.choices import Role

StrOrPromise = str | Promise
ALL = (Role.COORDINATOR, Role.REPORTER, Role.LEAD, Role.LEADER)
OFFICE = (Role.COORDINATOR,)
REVIEWERS = (Role.COORDINATOR, Role.LEAD)
WRITERS = (Role.COORDINATOR, Role.REPORTER, Role.LEAD)


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise
    url_name: str
    roles: tuple[str, ...]


MENU = (
    NavItem(_("首页"), "dashboard", ALL),
    NavItem(_("待办"), "inbox:index", WRITERS),
    NavItem(_("任务分解表"), "plans:table", ALL),
    NavItem(_("本单位"), "progress:my-unit", (Role.REPORTER, Role.LEAD)),
    NavItem(_("采购台账"), "ledger:list", ALL),
    NavItem(_("导入台账"), "ledger:import", WRITERS),
    NavItem(_("审核"), "ledger:approvals", REVIEWERS),
    NavItem(_("数据核查"), "ledger:flags", REVIEWERS),
    NavItem(_("工作记录"), "activities:list", ALL),
    NavItem(_("专柜名录"), "activities:outlets", ALL),
    NavItem(_("报送日历"), "progress:calendar", (Role.COORDINATOR, Role.LEAD, Role.LEADER)),
    NavItem(_("提醒"), "progress:reminders", (Role.COORDINATOR, Role.LEAD)),
    NavItem(_("提醒记录"), "reminders:history", (Role.COORDINATOR, Role.LEAD)),
    NavItem(_("联系方式"), "contacts:list", WRITERS),
    NavItem(_("考核"), "assessment:index", ALL),
    NavItem(_("通报"), "bulletins:index", (Role.COORDINATOR, Role.LEADER)),
    NavItem(_("基数"), "progress:bases", WRITERS),
    NavItem(_("导入分解表"), "plans:import", OFFICE),
    NavItem(_("操作记录"), "audit:list", OFFICE),
)


def menu_for(
    scope: Scope, current_path: str = "", *, counts: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The menu's links; ``counts`` (url name → a lazy count) adds a badge to a link."""
    counts = counts or {}
    items = []
    for item in MENU:
        if scope.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active, "count": counts.get(item.url_name)})
    return items
