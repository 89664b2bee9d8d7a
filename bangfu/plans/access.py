"""Plans are read by every signed-in role; only the coordinator imports or edits them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from bangfu.accounts.access import scope_for

from .models import Plan
from .selectors import plan_get


def plan_get_for_user(user: Any, *, year: int | None = None) -> Plan | None:
    if scope_for(user).role is None:
        raise PermissionDenied("请先登录。")
    return plan_get(year=year)
