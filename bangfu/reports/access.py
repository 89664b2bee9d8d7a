"""Permission-checked reads of the monthly bulletin (进度通报) for the web and the API.

The bulletin covers every unit of the city: the office, which publishes it, and the leadership, which
reads it, may produce it; reporters and lead reviewers are refused (their pages show their own units).
Only the office sets an issue number other than the default (the month of the as-of date).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied

from bangfu.accounts.access import Scope, scope_for
from bangfu.accounts.choices import Role
from bangfu.plans.models import Plan

from .bulletin import BulletinData, bulletin_data

READERS = (Role.COORDINATOR, Role.LEADER)


def bulletin_scope(user: Any) -> Scope:
    """The user's scope if the user may produce bulletins (403 otherwise)."""
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    if scope.role not in READERS:
        raise PermissionDenied("只有管理员和领导可以生成进度通报。")
    return scope


def bulletin_data_for_user(
    user: Any, plan: Plan, *, as_of: dt.date, issue_no: int | None = None
) -> BulletinData:
    """The bulletin's content as of ``as_of`` — the figures of ``bangfu progress`` for that date."""
    scope = bulletin_scope(user)
    if issue_no is not None and scope.role != Role.COORDINATOR:
        raise PermissionDenied("只有管理员可以指定通报期数。")
    return bulletin_data(plan, as_of=as_of, issue_no=issue_no)
