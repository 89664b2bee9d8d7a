"""The ledger pages: list (filters, keyset pages, export), record detail, entry and edit, the import
wizard (upload → preview → confirm → summary), batches and the review queue.

Each view: the role check (``require_role``) → a scoped fetch (``ledger.access``) → a service or selector
→ render. A record outside the user's scope is a 404; an action the role may not take is a 403.
"""

from __future__ import annotations

import tempfile
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.accounts.access import Scope, require_role
from bangfu.accounts.choices import Role
from bangfu.accounts.write_scope import write_units
from bangfu.common.money import format_wan, format_yuan
from bangfu.common.numbers import ID_MAX
from bangfu.ledger import access, exports, selectors
from bangfu.ledger.access import import_terms_for, upload_get_for_user, upload_list_for_user
from bangfu.ledger.choices import ApprovalAction, FlagKind, RecordStatus, UploadState
from bangfu.ledger.models import ImportBatch, Purchase, Upload
from bangfu.ledger.services import (
    PURCHASE_STATES,
    LedgerImportError,
    purchase_approve,
    purchase_delete,
    purchase_enter,
    purchase_reopen,
    purchase_return,
    purchase_submit,
    purchase_update,
)
from bangfu.ledger.services.enrichment import flag_resolve
from bangfu.ledger.services.imports import batch_report_file
from bangfu.ledger.services.uploads import (
    PREVIEW_PROBLEMS,
    upload_discard,
    upload_import_start,
    upload_preview_start,
    upload_progress,
    upload_store,
)
from bangfu.orgs.models import Organisation
from bangfu.web.forms.ledger import (
    BatchReviewForm,
    ImportUploadForm,
    PurchaseFilterForm,
    PurchaseForm,
    RecordReviewForm,
    SubmitForm,
)
from bangfu.web.paging import keyset_page_for, list_query

LIST = "web/ledger/list.html"
BATCHES_PAGE = 100
FLAGS_PAGE = 50
FIELD_NAMES = {
    "purchaser": gettext_lazy("采购单位"),
    "date": gettext_lazy("采购日期"),
    "amount": gettext_lazy("金额"),
    "product": gettext_lazy("产品"),
    "supplier": gettext_lazy("供应商"),
    "origin": gettext_lazy("产地"),
    "channel": gettext_lazy("采购渠道"),
    "category": gettext_lazy("采购类别"),
    "quantity": gettext_lazy("数量"),
    "quantity_unit": gettext_lazy("计量单位"),
    "order_no": gettext_lazy("订单号"),
    "remarks": gettext_lazy("备注"),
    "status": gettext_lazy("订单状态"),
}


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _query_without(request: HttpRequest, *names: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


# --- the list ------------------------------------------------------------------------------------


@login_required
@require_GET
def purchase_list(request: HttpRequest) -> HttpResponse:
    scope = require_role(request)
    form = PurchaseFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound and form.is_valid() else selectors.PurchaseFilters()
    qs = selectors.purchase_filter(access.purchase_list_for_user(request.user), filters)
    listing = selectors.purchase_listing(
        qs,
        parts=selectors.purchase_filter_parts(access.purchase_parts_for_user(request.user), filters),
        countable=filters.countable,
        sort=form.sort_key,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    total = listing.total_fen
    context = {
        "form": form,
        "page": listing.page,
        "count": listing.count,
        "exact": listing.exact,
        "total_yuan": format_yuan(total) if total is not None else None,
        "total_wan": format_wan(total) if total is not None else None,
        "query": _query_without(request, "after", "before"),
        "export_query": _query_without(request, "after", "before", "sort"),
        "can_submit": PURCHASE_STATES.may(scope, ApprovalAction.SUBMIT),
        "submit_from": PURCHASE_STATES.sources(ApprovalAction.SUBMIT),
        "submittable": PURCHASE_STATES.may(scope, ApprovalAction.SUBMIT)
        and any(PURCHASE_STATES.allows(ApprovalAction.SUBMIT, p.status) for p in listing.page.items),
        "batch": filters.batch,
        # the eligible filter judges origins by one year's pairings: say which
        "pairing_year": selectors.purchase_list_year(filters) if filters.eligible is not None else None,
    }
    template = f"{LIST}#results" if getattr(request, "htmx", False) else LIST
    return render(request, template, context)


@login_required
@require_GET
def purchase_export(request: HttpRequest) -> HttpResponseBase:
    require_role(request)
    form = PurchaseFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound and form.is_valid() else selectors.PurchaseFilters()
    qs = selectors.purchase_filter(access.purchase_list_for_user(request.user), filters)
    field_name, descending = selectors.SORTS[form.sort_key]
    qs = qs.order_by(*(f"{'-' if descending else ''}{name}" for name in (field_name, "id")))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        _count, exact = selectors.purchase_count(
            qs,
            limit=exports.XLSX_MAX_ROWS,
            parts=selectors.purchase_filter_parts(access.purchase_parts_for_user(request.user), filters),
        )
        if not exact:
            messages.error(
                request,
                _("筛选结果超过 %(n)s 条，无法导出为 Excel；请缩小筛选范围，或导出为 CSV。")
                % {"n": f"{exports.XLSX_MAX_ROWS:,}"},
            )
            return redirect(f"{reverse('ledger:list')}?{_query_without(request, 'format')}")
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        exports.write_xlsx(qs, target)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=f"采购台账-{stamp}.xlsx")
    response = StreamingHttpResponse(exports.csv_chunks(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"采购台账-{stamp}.csv") or ""
    return response


@login_required
@require_POST
def purchase_submit_view(request: HttpRequest) -> HttpResponse:
    require_role(request, write=True)
    form = SubmitForm(request.POST)
    back = _next_url(request, reverse("ledger:list"))
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(list(form.errors.values()))))
        return redirect(back)
    purchases = access.purchases_get_for_user(request.user, form.cleaned_data["ids"])
    try:
        n = purchase_submit(purchases, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已提交 %(n)s 条记录，等待审核。") % {"n": n})
    return redirect(back)


# --- one record ----------------------------------------------------------------------------------


@login_required
@require_GET
def purchase_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request)
    purchase = access.purchase_get_for_user(request.user, pk)
    events = selectors.purchase_events(purchase)
    context = {
        "purchase": purchase,
        "amount_yuan": format_yuan(purchase.amount_fen),
        "provenance": selectors.purchase_provenance(purchase),
        "batch_visible": purchase.batch_id is not None
        and access.batch_list_for_user(request.user).filter(pk=purchase.batch_id).exists(),
        "events": [(event, selectors.describe_changes(event.changes)) for event in events],
        "audit": selectors.purchase_audit_entries(purchase) if scope.can_write or scope.can_review else [],
        "review_form": RecordReviewForm(initial={"ids": [purchase.pk]}),
        # What the page offers: the state machine's table for the user's role; approving is withheld
        # from the record's author (four-eyes, ``ledger.access.authored_by``), returning is not.
        "actions": PURCHASE_STATES.offers(
            scope, purchase.status, authored=lambda: access.purchase_authored_by(request.user, purchase)
        ),
    }
    return render(request, "web/ledger/detail.html", context)


def _form_context(form: PurchaseForm, purchase: Any) -> dict[str, Any]:
    """The entry and edit form: whether saving may also submit (a new record is a draft) and whether a
    change sends the record back to review (an approved one) — both from the state machine."""
    status = purchase.status if purchase is not None else RecordStatus.DRAFT
    return {
        "form": form,
        "purchase": purchase,
        "submittable": PURCHASE_STATES.allows(ApprovalAction.SUBMIT, status),
        "resubmits": PURCHASE_STATES.target(ApprovalAction.CHANGE, status) != status,
    }


def _home_unit(scope: Scope) -> Organisation | None:
    if scope.home_unit_id is None:
        return None
    return Organisation.objects.filter(pk=scope.home_unit_id).first()


@login_required
@require_http_methods(["GET", "POST"])
def purchase_create_view(request: HttpRequest) -> HttpResponse:
    scope = require_role(request, write=True)
    form = PurchaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            purchase = purchase_enter(
                user=request.user,
                submit="submit" in request.POST,
                reporting_org=_home_unit(scope),
                within=write_units(scope),
                **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if purchase.status == RecordStatus.SUBMITTED:
                messages.success(request, _("记录已保存并提交审核。"))
            else:
                messages.success(request, _("记录已保存为草稿，确认无误后请提交审核。"))
            return redirect("ledger:detail", pk=purchase.pk)
    return render(request, "web/ledger/form.html", _form_context(form, None))


@login_required
@require_http_methods(["GET", "POST"])
def purchase_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request, write=True)
    purchase = access.purchase_get_for_user(request.user, pk)
    form = PurchaseForm(request.POST or None, user=request.user, purchase=purchase)
    if request.method == "POST" and form.is_valid():
        was_approved = purchase.status == RecordStatus.APPROVED
        try:
            updated = purchase_update(
                purchase,
                user=request.user,
                comment=form.cleaned_data.get("comment") or "",
                submit="submit" in request.POST,
                within=write_units(scope),
                **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if was_approved and updated.status == RecordStatus.SUBMITTED:
                messages.warning(request, _("记录已修改。它原已审核通过，现已退回审核流程，等待重新审核。"))
            else:
                messages.success(request, _("记录已保存。"))
            return redirect("ledger:detail", pk=purchase.pk)
    return render(request, "web/ledger/form.html", _form_context(form, purchase))


@login_required
@require_http_methods(["GET", "POST"])
def purchase_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request, write=True)
    purchase = access.purchase_get_for_user(request.user, pk)
    if request.method == "POST":
        try:
            purchase_delete(purchase, user=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("ledger:detail", pk=pk)
        messages.success(request, _("记录 %(pk)s 已删除。") % {"pk": pk})
        return redirect("ledger:list")
    return render(
        request,
        "web/ledger/delete.html",
        {"purchase": purchase, "amount_yuan": format_yuan(purchase.amount_fen)},
    )


# --- review --------------------------------------------------------------------------------------


@login_required
@require_POST
def review(request: HttpRequest) -> HttpResponse:
    """Approve, return or reopen the ticked records (or one record from its page)."""
    require_role(request, review=True)
    form = RecordReviewForm(request.POST)
    back = _next_url(request, reverse("ledger:approvals"))
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(list(form.errors.values()))))
        return redirect(back)
    purchases = access.purchases_get_for_user(request.user, form.cleaned_data["ids"])
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    try:
        if action == "approve":
            n = purchase_approve(purchases, user=request.user, comment=comment)
            messages.success(request, _("已审核通过 %(n)s 条记录。") % {"n": n})
        elif action == "return":
            n = purchase_return(purchases, user=request.user, comment=comment)
            messages.success(request, _("已退回 %(n)s 条记录。") % {"n": n})
        else:
            n = purchase_reopen(purchases, user=request.user, comment=comment)
            messages.success(request, _("已撤销 %(n)s 条记录的审核，记录回到待审核状态。") % {"n": n})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(back)


@login_required
@require_POST
def batch_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or return every submitted record of an import batch that the reviewer's scope covers and
    that they did not author themselves (four-eyes: those are left to another reviewer)."""
    require_role(request, review=True)
    queue = access.review_queue_for_user(request.user).filter(batch_id=pk)
    form = BatchReviewForm(request.POST)
    back = _next_url(request, reverse("ledger:approvals"))
    if not queue.exists():
        batch = access.batch_list_for_user(request.user).filter(pk=pk).first()
        if (
            batch is None
            or not access.purchase_list_for_user(request.user)
            .filter(batch=batch, status=RecordStatus.SUBMITTED)
            .exists()
        ):
            raise Http404(_("该批次没有待您审核的记录。"))
        messages.error(request, _("该批次待审核的记录由您本人导入、提交或修改，需由其他审核人员审核。"))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(list(form.errors.values()))))
        return redirect(back)
    comment = form.cleaned_data["comment"]
    try:
        if form.cleaned_data["action"] == "approve":
            n = purchase_approve(queue, user=request.user, comment=comment)
            messages.success(request, _("批次 %(b)s：已审核通过 %(n)s 条记录。") % {"b": pk, "n": n})
        else:
            n = purchase_return(queue, user=request.user, comment=comment)
            messages.success(request, _("批次 %(b)s：已退回 %(n)s 条记录。") % {"b": pk, "n": n})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(back)


def _group_from(
    request: HttpRequest, queue: QuerySet[Purchase], groups: list[selectors.QueueGroup]
) -> selectors.QueueGroup | None:
    """The group the page shows: the one asked for (``?batch=`` or ``?unit=``, 0 for hand entry with no
    unit) — listed or not, when it holds records for this reviewer — else the first listed."""
    batch, unit = request.GET.get("batch", ""), request.GET.get("unit", "")
    if not (batch or unit):
        return groups[0] if groups else None
    for group in groups:
        if batch and group.batch and str(group.batch.pk) == batch:
            return group
        if unit and not group.batch and str(group.unit.pk if group.unit else 0) == unit:
            return group
    wanted = batch or unit
    if not (wanted.isascii() and wanted.isdigit()) or int(wanted) > ID_MAX:
        return None
    if batch:
        return selectors.approval_group(queue, int(batch), None)
    return selectors.approval_group(queue, None, int(unit) or None)


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    require_role(request, review=True)
    queue = access.review_queue_for_user(request.user)
    listed = selectors.approval_groups(queue)
    group = _group_from(request, queue, listed.groups)
    page = None
    pending: dict[int, list[Any]] = {}
    if group is not None:
        records = selectors.approval_group_records(
            queue, group.batch.pk if group.batch else None, group.unit.pk if group.unit else None
        )
        page = selectors.purchase_page(
            selectors.for_list(records),
            sort="id",
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
        pending = selectors.pending_changes([p.pk for p in page.items])
    rows = [
        (p, [(e, selectors.describe_changes(e.changes)) for e in pending.get(p.pk, [])])
        for p in (page.items if page else [])
    ]
    context = {
        "groups": listed.groups,
        "more_groups": listed.more,
        "group_count_limit": selectors.QUEUE_GROUP_COUNT,
        "group": group,
        # four-eyes: the user's own records awaiting review are left to another reviewer (not listed)
        "own_pending": access.authored_awaiting_count(request.user)[0],
        "page": page,
        "rows": rows,
        "query": _query_without(request, "after", "before"),
        "review_form": RecordReviewForm(),
        "batch_form": BatchReviewForm(),
    }
    return render(request, "web/ledger/approvals.html", context)


# --- the import wizard ---------------------------------------------------------------------------
# Upload → preview (a background dry run) → confirm → import (a background job) → result. The pages of a
# running job poll it with htmx; the state lives with the upload (``ledger.Upload``), so a preview can be
# reopened after logging in again.

SAMPLE_KINDS = {
    "record": gettext_lazy("记录"),
    "refund": gettext_lazy("退款（冲减）"),
    "rejected": gettext_lazy("拒绝"),
    "blank": gettext_lazy("空行"),
    "total": gettext_lazy("合计行"),
    "note": gettext_lazy("说明行"),
    "cancelled": gettext_lazy("已取消"),
}


def _mapping(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """Each header of a sheet and the field it was recognised as — or why none ("未识别", "不导入" with
    the reason); batches stored before the reader reported it show the field or nothing."""
    if sheet.get("mapping"):
        return [
            {
                "column": m["column"],
                "header": m["header"],
                "field": m["label"] if m["field"] else "",
                "status": "" if m["field"] else m["label"],
                "unrecognised": m["how"] == "unrecognised",
                "note": m.get("note", ""),
            }
            for m in sheet["mapping"]
        ]
    by_column = {col: name for name, col in sheet.get("columns", {}).items()}
    return [
        {"column": i + 1, "header": header, "field": str(FIELD_NAMES.get(by_column.get(i, ""), ""))}
        for i, header in enumerate(sheet.get("headers", []))
    ]


def _summary_context(upload: Upload) -> dict[str, Any]:
    """What the preview and result pages show of an upload's stored summary."""
    summary = SimpleNamespace(**upload.summary)
    return {
        "summary": summary,
        "sheets": [{**s, "mapping": _mapping(s)} for s in upload.summary.get("sheets", [])],
        "sample": [
            {**r, "kind_label": SAMPLE_KINDS.get(r["kind"], r["kind"])}
            for r in upload.summary.get("sample", [])
        ],
        "problems": upload.summary.get("problems", []),
        "problem_count": upload.summary.get("problem_count", 0),
        "problem_limit": PREVIEW_PROBLEMS,
        "total_yuan": upload.summary.get("total_text", ""),
    }


def _waiting(request: HttpRequest, upload: Upload, template: str) -> HttpResponse:
    """The page of a running job; its htmx poll reloads the whole page once the job is done."""
    if getattr(request, "htmx", False) and not upload.waiting:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "upload": upload,
        "progress": upload_progress(upload),
        "stale": (timezone.now() - upload.updated_at).total_seconds() > 60,
    }
    fragment = "#status" if getattr(request, "htmx", False) else ""
    return render(request, f"{template}{fragment}", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = require_role(request, write=True)
    choose_unit = scope.role == Role.COORDINATOR
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, user=request.user, choose_unit=choose_unit
    )
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        org = form.cleaned_data.get("reporting_org")
        try:
            import_terms_for(request.user, org.pk if org else None)
            upload = upload_store(
                user=request.user,
                chunks=file.chunks(),
                name=file.name,
                size=file.size,
                reporting_org=org,
                year=form.cleaned_data.get("year"),
                channel=form.cleaned_data.get("channel") or "",
            )
            upload_preview_start(upload)
        except LedgerImportError as exc:
            form.add_error("file", str(exc))
        else:
            upload.refresh_from_db()
            if upload.state != UploadState.FAILED:
                return redirect("ledger:import-preview", token=upload.token)
            form.add_error("file", upload.error)  # already read (a quick worker) and found unreadable
    context = {
        "form": form,
        "home_unit": _home_unit(scope),
        "uploads": upload_list_for_user(request.user),
    }
    return render(request, "web/ledger/import_upload.html", context)


@login_required
@require_GET
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    require_role(request, write=True)
    upload = upload_get_for_user(request.user, token)
    if upload.state == UploadState.PREVIEWING:
        return _waiting(request, upload, "web/ledger/import_wait.html")
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if upload.state in (UploadState.IMPORTING, UploadState.IMPORTED):
        return redirect("ledger:import-done", token=token)
    if upload.state == UploadState.CANCELLED:
        raise Http404(_("这次上传已取消或已过期，请重新上传。"))
    earlier = None
    if upload.summary.get("already_imported") and upload.summary.get("batch"):
        earlier = access.batch_list_for_user(request.user).filter(pk=upload.summary["batch"]).first()
    context = {
        "token": token,
        "upload": upload,
        "org": upload.reporting_org,
        "error": upload.error if upload.state == UploadState.FAILED else None,
        "earlier": earlier,
        **(_summary_context(upload) if upload.state == UploadState.PREVIEWED else {"summary": None}),
    }
    return render(request, "web/ledger/import_preview.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    require_role(request, write=True)
    upload = upload_get_for_user(request.user, token)
    try:
        upload_import_start(upload)
    except LedgerImportError as exc:
        messages.error(request, str(exc))
        return redirect("ledger:import-preview", token=token)
    return redirect("ledger:import-done", token=token)


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    require_role(request, write=True)
    upload = upload_get_for_user(request.user, token)
    try:
        upload_discard(upload)
    except LedgerImportError as exc:
        messages.error(request, str(exc))
        return redirect("ledger:import-done", token=token)
    messages.info(request, _("已取消导入，上传的文件已删除。"))
    return redirect("ledger:import")


@login_required
@require_GET
def import_done(request: HttpRequest, token: str) -> HttpResponse:
    require_role(request, write=True)
    upload = upload_get_for_user(request.user, token)
    if upload.state == UploadState.IMPORTING:
        return _waiting(request, upload, "web/ledger/import_wait.html")
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if upload.state in (UploadState.RECEIVED, UploadState.PREVIEWING, UploadState.PREVIEWED):
        return redirect("ledger:import-preview", token=token)
    if upload.state == UploadState.CANCELLED:
        raise Http404(_("这次上传已取消或已过期，请重新上传。"))
    batch = None
    if upload.batch_id:
        batch = access.batch_list_for_user(request.user).filter(pk=upload.batch_id).first()
    context = {
        "upload": upload,
        "result": upload.summary,
        "error": upload.error if upload.state == UploadState.FAILED else None,
        "batch": batch,
        "total_yuan": upload.summary.get("total_text", ""),
    }
    return render(request, "web/ledger/import_done.html", context)


# --- batches -------------------------------------------------------------------------------------


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    require_role(request)
    batches = access.batch_list_for_user(request.user).select_related("reporting_org", "created_by")
    page = keyset_page_for(request, batches, order=("-created_at", "-id"), size=BATCHES_PAGE)
    return render(
        request,
        "web/ledger/batches.html",
        {"batches": page.items, "page": page, "query": list_query(request)},
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request)
    batch = access.batch_get_for_user(request.user, pk)
    records = selectors.for_list(access.batch_purchases_for_user(request.user, batch))
    page = selectors.purchase_page(
        records, sort="id", after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    submitted = (
        access.review_queue_for_user(request.user).filter(batch=batch).count() if scope.can_review else 0
    )
    context = {
        "batch": batch,
        "total_yuan": format_yuan(batch.total_fen),
        "sheets": [{**s, "mapping": _mapping(s)} for s in batch.sheets],
        "problems": selectors.batch_problem_rows(batch, limit=PREVIEW_PROBLEMS),
        "problem_count": batch.rejected + batch.duplicates,
        "problem_limit": PREVIEW_PROBLEMS,
        "page": page,
        "query": _query_without(request, "after", "before"),
        "submitted": submitted,
        "batch_form": BatchReviewForm(),
        "has_report": bool(batch.report) or batch.problem_rows.exists(),
    }
    return render(request, "web/ledger/batch.html", context)


@login_required
@require_GET
def batch_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    require_role(request)
    batch: ImportBatch = access.batch_get_for_user(request.user, pk)
    path = batch_report_file(batch)
    if path is None:
        raise Http404(_("该批次没有问题行。"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


# --- flags: records to check ---------------------------------------------------------------------


@login_required
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    """Records that sources disagree on, 832 purchases from non-832 counties, implausible amounts."""
    require_role(request, review=True)
    resolved = request.GET.get("resolved") == "1"
    flags = access.flag_list_for_user(request.user, resolved=resolved).select_related(
        "purchase", "purchase__purchaser", "other", "batch", "resolved_by"
    )
    kind = request.GET.get("kind", "")
    if kind in FlagKind.values:
        flags = flags.filter(kind=kind)
    page = keyset_page_for(request, flags, order=("-id",), size=FLAGS_PAGE)
    context = {
        "page": page,
        "kinds": FlagKind.choices,
        "kind": kind,
        "resolved": resolved,
        "query": list_query(request),
    }
    return render(request, "web/ledger/flags.html", context)


@login_required
@require_POST
def flag_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request, review=True)
    flag = access.flag_get_for_user(request.user, pk)
    try:
        flag_resolve(flag, user=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已记录核查结果。"))
    return redirect(_next_url(request, reverse("ledger:flags")))
