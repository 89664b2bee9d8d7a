"""The inbox (待办) and the review queue: purchase records and activities awaiting review in one list,
approved or returned together — through the ledger's and the activities' services, which apply the
state machines and the four-eyes rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.access import require_role
from bangfu.activities.access import activities_get_for_user, activity_review_queue_for_user
from bangfu.activities.services import activities_review
from bangfu.common.paging import KeysetPage, count_up_to
from bangfu.ledger import access as ledger_access
from bangfu.ledger.services import purchase_approve, purchase_return
from bangfu.web.forms.inbox import QueueReviewForm
from bangfu.web.inbox import inbox_for
from bangfu.web.paging import keyset_page_for

#: Rows of each kind the queue shows at once, oldest first (a page, when one kind is chosen).
QUEUE_SHOWN = 100
KINDS = {"purchase": "采购记录", "activity": "工作记录"}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    require_role(request, write=True)
    found = request.inbox = inbox_for(request.user)  # type: ignore[attr-defined]
    return render(request, "web/inbox/index.html", {"inbox": found})


def _purchase_row(p: Any) -> dict[str, Any]:
    return {
        "kind": "purchase",
        "obj": p,
        "date": p.date,
        "unit": p.purchaser.name if p.purchaser else p.purchaser_name,
        "what": p.product,
        "amount": p.amount_yuan,
        "source": p.batch.file_name if p.batch else _("手工录入"),
    }


def _activity_row(a: Any) -> dict[str, Any]:
    return {
        "kind": "activity",
        "obj": a,
        "date": a.date,
        "unit": a.organisation.name,
        "what": str(a),
        "amount": None,
        "source": a.source or _("网页填报"),
    }


def _queue_rows(
    request: HttpRequest, kind: str
) -> tuple[list[dict[str, Any]], dict[str, tuple[int, bool]], KeysetPage[Any] | None]:
    """The rows shown, the bounded counts of each kind, and — for one kind — its keyset page (oldest
    first, :data:`QUEUE_SHOWN` a page); both kinds together show the oldest of each."""
    purchases = ledger_access.review_queue_for_user(request.user).select_related(
        "purchaser", "reporting_org", "batch"
    )
    activities = activity_review_queue_for_user(request.user).select_related("organisation")
    counts = {"purchase": count_up_to(purchases), "activity": count_up_to(activities)}
    if kind:
        page = keyset_page_for(
            request, purchases if kind == "purchase" else activities, order=("date", "id"), size=QUEUE_SHOWN
        )
        row = _purchase_row if kind == "purchase" else _activity_row
        return [row(obj) for obj in page.items], counts, page
    rows = [_purchase_row(p) for p in purchases.order_by("date", "id")[:QUEUE_SHOWN]]
    rows += [_activity_row(a) for a in activities.order_by("date", "id")[:QUEUE_SHOWN]]
    rows.sort(key=lambda row: (row["date"], row["kind"], row["obj"].pk))
    return rows, counts, None


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Everything awaiting the reviewer's review, records and activities together, oldest first; one
    kind alone is paged (keyset: the same cost at any depth)."""
    require_role(request, review=True)
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    rows, counts, page = _queue_rows(request, kind)
    context = {
        "rows": rows,
        "counts": counts,
        "kind": kind,
        "kinds": KINDS,
        "shown": QUEUE_SHOWN,
        "page": page,
        "own_pending": ledger_access.authored_awaiting_count(request.user)[0],
    }
    return render(request, "web/inbox/queue.html", context)


@login_required
@require_POST
def review_selected(request: HttpRequest) -> HttpResponse:
    """Approve or return the ticked records and activities, all or none."""
    require_role(request, review=True)
    back = reverse("inbox:queue")
    form = QueueReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(back)
    data = form.cleaned_data
    approve = data["action"] == "approve"
    purchases = (
        ledger_access.purchases_get_for_user(request.user, data["purchase"]) if data["purchase"] else None
    )
    activities = list(activities_get_for_user(request.user, data["activity"])) if data["activity"] else []
    try:
        with transaction.atomic():
            n_purchases = n_activities = 0
            if purchases is not None:
                if approve:
                    n_purchases = purchase_approve(purchases, user=request.user, comment=data["comment"])
                else:
                    n_purchases = purchase_return(purchases, user=request.user, comment=data["comment"])
            if activities:
                n_activities = activities_review(activities, approve=approve, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(str(m) for m in exc.messages))
        return redirect(back)
    verb = _("审核通过") if approve else _("退回")
    messages.success(
        request,
        _("已%(verb)s采购记录 %(p)s 条、工作记录 %(a)s 条。")
        % {"verb": verb, "p": n_purchases, "a": n_activities},
    )
    return redirect(back)
