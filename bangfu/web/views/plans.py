from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bangfu.plans.selectors import plan_get, plan_list, plan_tasks


@login_required
def plan_table(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """The task table as the office knows it, with each item's units and targets."""
    plan = plan_get(year=year)
    context = {
        "plan": plan,
        "plans": plan_list(),
        "tasks": plan_tasks(plan) if plan else [],
    }
    return render(request, "web/plans/table.html", context)
