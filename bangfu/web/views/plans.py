from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bangfu.accounts.access import require_role
from bangfu.activities.access import activity_list_for_user
from bangfu.plans.models import Item, Target, Task
from bangfu.plans.selectors import plan_list, plan_tasks
from bangfu.progress.access import progress_for_user
from bangfu.progress.calculation.engine import Rollup
from bangfu.progress.formats import schedule_names
from bangfu.progress.lines import ProgressLine
from bangfu.progress.overview import AmountTotals, status_counts, year_progress
from bangfu.web.forms.progress import PeriodForm

ITEM_LINES = 30  # an item's lines shown at once (folded); "all" on request (?item=<id>). 200 cost 1 s at 1M


@dataclass
class ItemProgressRow:
    item: Item
    lines: list[ProgressLine]
    rollup: Rollup | None
    expanded: bool
    activities: int = 0  # activity records under the item that the user may see

    @property
    def shown(self) -> list[ProgressLine]:
        return self.lines if self.expanded else self.lines[:ITEM_LINES]

    @property
    def target_totals(self) -> list[tuple[Target, AmountTotals]]:
        """Each target measured in money: bought ÷ required over its lines (the figure the home page's
        card shows for one target), beside the item's mean rate."""
        by_target: dict[int, tuple[Target, list[ProgressLine]]] = {}
        for line in self.lines:
            by_target.setdefault(line.target.pk, (line.target, []))[1].append(line)
        totals = [(target, AmountTotals.of(lines)) for target, lines in by_target.values()]
        return [(target, total) for target, total in totals if total.required_fen]

    @property
    def units(self) -> int:
        """Distinct units with a line (17 unions with two targets each are 17 units, 34 lines)."""
        return len({org.pk for line in self.lines for org in line.orgs})

    @property
    def hidden(self) -> int:
        return len(self.lines) - len(self.shown)

    @property
    def statuses(self) -> list[tuple[str, str, int]]:
        return status_counts(self.rollup.statuses) if self.rollup else []

    @property
    def qualitative(self) -> bool:
        return not self.item.targets.all()


@dataclass
class TaskRow:
    task: Task
    items: list[ItemProgressRow]

    @property
    def rowspan(self) -> int:
        return sum(2 if entry.lines else 1 for entry in self.items)  # an item's row, its lines' row


@login_required
def plan_table(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """The task table as the office knows it — task, item, content, targets, 牵头·责任·配合 — with each
    item's progress and each unit's line (the units the user may see)."""
    require_role(request)
    plans = list(plan_list())
    query = request.GET.copy()
    if year is not None:
        query["year"] = str(year)
    form = PeriodForm(query, plans=plans)
    plan, as_of = form.resolve()
    if year is not None and (plan is None or plan.year != year):
        plan = None
    context: dict[str, object] = {"plan": plan, "plans": plans, "form": form, "as_of": as_of}
    if plan is not None:
        approved_only = True if request.GET.get("approved") == "1" else None
        report = progress_for_user(request.user, plan, as_of=as_of, approved_only=approved_only, ranked=True)
        by_item: dict[int, list[ProgressLine]] = {}
        for line in report.lines:
            by_item.setdefault(line.item.pk, []).append(line)
        wanted = request.GET.get("item", "")
        recorded = dict(
            activity_list_for_user(request.user)
            .filter(item__task__plan=plan, date__lte=as_of)
            .order_by()
            .values_list("item")
            .annotate(n=Count("id"))
        )
        rows = [
            TaskRow(
                task,
                [
                    ItemProgressRow(
                        item,
                        by_item.get(item.pk, []),
                        report.by_item.get(item.pk),
                        expanded=wanted == str(item.pk),
                        activities=recorded.get(item.pk, 0),
                    )
                    for item in task.items.all()
                ],
            )
            for task in plan_tasks(plan)
        ]
        context.update(
            tasks=rows,
            approved_only=bool(approved_only),
            time_progress=year_progress(plan.year, as_of),
            schedules=schedule_names(report.lines),
            period_query=f"year={plan.year}&as_of={as_of.isoformat()}",
        )
    return render(request, "web/plans/table.html", context)
