"""Progress (完成进度): one row per (target, unit), limited to the units the caller may see. The row
(:func:`bangfu.reports.progress_rows.progress_row`) is also what ``bangfu progress --json`` prints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from bangfu.common.numbers import ID_MAX
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.plans.selectors import plan_get
from bangfu.progress.access import progress_for_user, unit_get_for_user
from bangfu.progress.rules import default_as_of
from bangfu.reports.progress_rows import progress_row

from .auth import require
from .errors import COMMON_ERRORS, ErrorOut

router = Router(tags=["完成进度"])


class ProgressFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度（默认最近的任务分解表）")
    as_of: dt.date | None = Field(None, description="截至日期（默认今天，限于该年度内）")
    unit: int | None = Field(None, ge=1, le=ID_MAX, description="单位 id：只看该单位及其辖区内单位的目标")
    approved_only: bool | None = Field(None, description="只计已审核的记录（默认按该年度的设置）")


class ProgressRowOut(Schema):
    task: str = Field(..., description="工作任务，如“2 镇街道共发力”")
    item: str = Field(..., description="事项编号，如“2.2”")
    org: str = Field(..., description="单位（合计目标为多个单位，以“、”分隔）")
    kind: str = Field(..., description="amount · ratio · per_capita · count")
    target: float | None = Field(..., description="目标值：金额和人均定额为元，比例为小数，数量为个数")
    achieved: float | None
    rate: float | None = Field(..., description="完成率（1.0 = 100%）")
    expected_rate: float | None = Field(..., description="时序进度")
    status: str
    status_label: str
    unit: str
    target_id: int
    org_ids: list[int]
    achieved_yuan: float
    required_yuan: float | None
    shortfall_yuan: float | None = Field(
        ..., description="差额（元）：距目标还差的金额，已完成为0；不按金额计量的目标为null"
    )
    base: float | None
    records: int
    forecast_rate: float | None
    rank: int | None
    rank_of: int | None
    counted_at: str = Field(
        "", description="共用食堂：本行的采购计入哪个代表单位的目标行（本行仅作展示，不重复计算）"
    )
    represents: list[str] = Field(
        default_factory=list, description="共用食堂的代表单位：本行还计入了哪些单位的食堂采购"
    )


@router.get(
    "/progress", response={200: list[ProgressRowOut], **COMMON_ERRORS, 404: ErrorOut}, summary="完成进度"
)
def progress_list(request: HttpRequest, filters: Query[ProgressFilter]) -> Any:
    """Achievement of every target the caller may see, as of a date, with time progress and status."""
    require(request)
    plan = plan_get(year=filters.year)
    if plan is None:
        raise Http404(f"没有{filters.year}年的任务分解表。" if filters.year else "尚未导入任务分解表。")
    as_of = filters.as_of or default_as_of(plan.year)
    org_ids = None
    if filters.unit is not None:
        org_ids = org_subtree_ids(unit_get_for_user(request.user, filters.unit).pk)
    report = progress_for_user(
        request.user, plan, as_of=as_of, org_ids=org_ids, approved_only=filters.approved_only, ranked=True
    )
    return [progress_row(line) for line in report.lines]
