"""The home page: the official progress of the user's units (approved records only), what still awaits
review, the town ranking, lagging units and the monthly trend."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bangfu.accounts.access import require_role
from bangfu.progress.access import overview_for_user
from bangfu.progress.overview import lagging_groups
from bangfu.web.charts import town_chart, trend_chart
from bangfu.web.inbox import inbox_for
from bangfu.web.views.progress import period

#: Lagging units listed per kind of unit, slowest first; the reminders page lists them all.
LAGGING_SHOWN = 20


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = require_role(request)
    form, plan, as_of = period(request)
    inbox = request.inbox = inbox_for(request.user, plan=plan)  # type: ignore[attr-defined]
    context: dict[str, Any] = {"form": form, "plan": plan, "as_of": as_of, "scope": scope, "inbox": inbox}
    if plan is not None:
        overview = overview_for_user(request.user, plan, as_of=as_of)
        context.update(
            overview=overview,
            lagging_groups=lagging_groups(overview.lagging, shown=LAGGING_SHOWN),
            town_chart=town_chart(overview),
            trend_chart=trend_chart(overview.trend),
            period_query=f"year={plan.year}&as_of={as_of.isoformat()}",
        )
    return render(request, "web/dashboard/index.html", context)
