"""Task tables (任务分解表): the list of years, and one year's table in the shape of
``bangfu plan parse --json`` (BRIEF §7) with the stored ids added. Every signed-in role reads plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from bangfu.plans.choices import ItemRole
from bangfu.plans.models import Item, Target
from bangfu.plans.parsing.model import json_number
from bangfu.plans.selectors import plan_get, plan_list, plan_tasks

from .auth import require
from .errors import COMMON_ERRORS, ErrorOut

router = Router(tags=["任务分解表"])


# --- GET /plans -----------------------------------------------------------------------------------


class PlanListItemOut(Schema):
    id: int
    year: int
    title: str
    source_name: str
    tasks: int
    items: int
    updated_at: dt.datetime
    url: str


@router.get("/plans", response={200: list[PlanListItemOut], **COMMON_ERRORS}, summary="任务分解表列表")
def plan_index(request: HttpRequest) -> Any:
    """Every year's table, newest first."""
    require(request)
    plans = plan_list().annotate(
        task_count=Count("tasks", distinct=True), item_count=Count("tasks__items", distinct=True)
    )
    return [
        {
            "id": plan.pk,
            "year": plan.year,
            "title": plan.title,
            "source_name": plan.source_name,
            "tasks": plan.task_count,
            "items": plan.item_count,
            "updated_at": plan.updated_at,
            "url": f"{request.path.rstrip('/')}/{plan.year}",
        }
        for plan in plans
    ]


# --- GET /plans/{year} ----------------------------------------------------------------------------


class PlanRoleOut(Schema):
    id: int
    role: str = Field(..., description="lead 牵头 · responsible 责任 · cooperating 配合")
    name: str = Field(..., description="表中写法")
    organisation_id: int | None
    group_id: int | None
    position: int


class PlanTargetOut(Schema):
    id: int
    kind: str = Field(..., description="amount · ratio · per_capita · count")
    value: float = Field(..., description="金额和人均定额为元，比例为小数（0.2），数量为个数")
    amount_fen: int | None = Field(..., description="金额和人均定额的精确值（分）")
    unit: str
    orgs: list[str] = Field(..., description="目标适用的单位（表中写法）")
    org_ids: list[int] = Field(..., description="已匹配的单位 id")
    group_ids: list[int] = Field(..., description="已匹配的单位组 id（组内每个单位都适用）")
    text: str
    scope: str = Field(..., description="each 每个单位 · total 合计")
    base: str
    base_kind: str
    channel: str
    parent: int | None = Field(..., description="所属总目标的 id")


class PlanItemOut(Schema):
    id: int
    seq: int
    code: str = Field(..., description="事项编号，如“2.2”")
    content: str
    lead: list[str]
    responsible: list[str]
    cooperating: list[str]
    deadline: str | None
    location: str
    qualitative: bool
    roles: list[PlanRoleOut]
    targets: list[PlanTargetOut]


class PlanTaskOut(Schema):
    id: int
    seq: int
    label: str
    name: str
    items: list[PlanItemOut]


class PlanDetailOut(Schema):
    id: int
    title: str
    year: int
    source_name: str
    notes: list[str]
    tasks: list[PlanTaskOut]


def _target(target: Target) -> dict[str, Any]:
    return {
        "id": target.pk,
        "kind": target.kind,
        "value": json_number(target.value),
        "amount_fen": target.amount_fen,
        "unit": target.unit,
        "orgs": list(target.subjects_as_written),
        "org_ids": sorted(org.pk for org in target.orgs.all()),
        "group_ids": sorted(group.pk for group in target.groups.all()),
        "text": target.text,
        "scope": target.scope,
        "base": target.base_text,
        "base_kind": target.base_kind,
        "channel": target.channel,
        "parent": target.parent_id,
    }


def _item(item: Item, task_seq: int) -> dict[str, Any]:
    roles = sorted(item.roles.all(), key=lambda a: (a.role, a.position))
    names = {
        role: [a.name_as_written for a in roles if a.role == role]
        for role in (ItemRole.LEAD, ItemRole.RESPONSIBLE, ItemRole.COOPERATING)
    }
    targets = list(item.targets.all())
    return {
        "id": item.pk,
        "seq": item.seq,
        "code": f"{task_seq}.{item.seq}",
        "content": item.content,
        "lead": names[ItemRole.LEAD],
        "responsible": names[ItemRole.RESPONSIBLE],
        "cooperating": names[ItemRole.COOPERATING],
        "deadline": item.deadline or None,
        "location": item.location,
        "qualitative": not targets,
        "roles": [
            {
                "id": a.pk,
                "role": a.role,
                "name": a.name_as_written,
                "organisation_id": a.organisation_id,
                "group_id": a.group_id,
                "position": a.position,
            }
            for a in roles
        ],
        "targets": [_target(target) for target in targets],
    }


@router.get(
    "/plans/{int:year}", response={200: PlanDetailOut, **COMMON_ERRORS, 404: ErrorOut}, summary="任务分解表"
)
def plan_detail(request: HttpRequest, year: int) -> Any:
    """One year's table: tasks, items, the units in each role and the typed targets."""
    require(request)
    plan = plan_get(year=year)
    if plan is None or plan.year != year:
        raise Http404(f"没有{year}年的任务分解表。")
    return {
        "id": plan.pk,
        "title": plan.title,
        "year": plan.year,
        "source_name": plan.source_name,
        "notes": [line for line in plan.notes.splitlines() if line.strip()],
        "tasks": [
            {
                "id": task.pk,
                "seq": task.seq,
                "label": task.label,
                "name": task.name,
                "items": [_item(item, task.seq) for item in task.items.all()],
            }
            for task in plan_tasks(plan)
        ],
    }
