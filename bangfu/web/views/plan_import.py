"""Plan import for the coordinator: upload the table → review what was read, correct it → save."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.accounts.access import require_role
from bangfu.common.numbers import parse_id
from bangfu.plans.models import PlanDraft
from bangfu.plans.parsing import ParsedPlan, TableParseError
from bangfu.plans.selectors import (
    Replacement,
    plan_get,
    plan_names_preview,
    plan_parse_file,
    plan_replacement,
)
from bangfu.plans.services import (
    NO_YEAR,
    YEAR_TAKEN,
    PlanImportError,
    plan_draft_commit,
    plan_draft_create,
    plan_draft_update,
)
from bangfu.web.forms.plans import (
    ItemReviewForm,
    NewTargetForm,
    PlanUploadForm,
    TargetReviewForm,
    item_data,
    item_initial,
    renumber_parents,
    target_data,
    target_initial,
)


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request: HttpRequest) -> HttpResponse:
    require_role(request, administer=True)
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="bangfu-plan-") as folder:
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                parsed = plan_parse_file(path, default_year=form.cleaned_data.get("year"))
            except TableParseError as exc:
                form.add_error("file", str(exc))
            else:
                draft = plan_draft_create(parsed=parsed, user=request.user)
                return redirect("plans:review", token=draft.token)
    return render(request, "web/plans/import.html", {"form": form})


@dataclass
class ReviewedItem:
    code: str
    original: dict[str, Any]
    form: ItemReviewForm
    targets: list[tuple[dict[str, Any], TargetReviewForm]]
    new_target: NewTargetForm
    #: What the item lacks (no units, targets without units): the item is shown in red.
    warnings: list[str]
    #: What the parser inferred and says so.
    inferred: list[str]

    @property
    def has_errors(self) -> bool:
        forms = [self.form, self.new_target, *(form for _target, form in self.targets)]
        return any(form.is_bound and form.errors for form in forms)

    @property
    def needs_attention(self) -> bool:
        """Shown unfolded: what the parser could not read, or a correction with an error."""
        return bool(self.warnings) or self.has_errors

    @property
    def summary(self) -> str:
        content = " ".join(str(self.original.get("content") or "").split())
        return content if len(content) <= 60 else content[:60] + "…"


def _draft_for(request: HttpRequest, token: str) -> PlanDraft:
    require_role(request, administer=True)
    draft = PlanDraft.objects.filter(token=token).first()
    if draft is None:
        raise Http404(_("待确认的分解表不存在或已保存。"))
    return draft


def _unknown_names(names: list[str]) -> list[str]:
    """The names, added by hand in the review, that are no unit or group of the database."""
    preview = plan_names_preview(names)
    return [name for name in names if not preview.get(name)]


def _rows(draft: PlanDraft, post: Any = None) -> list[ReviewedItem]:
    parsed = ParsedPlan.from_dict(draft.data)
    checks = {"unknown_names": _unknown_names}
    rows = []
    for ti, task in enumerate(draft.data["tasks"]):
        for ii, item in enumerate(task["items"]):
            prefix = f"i{ti}-{ii}"
            targets = [
                (
                    target,
                    TargetReviewForm(
                        post, prefix=f"{prefix}-g{gi}", initial=target_initial(target), **checks
                    ),
                )
                for gi, target in enumerate(item["targets"])
            ]
            reviewed = parsed.tasks[ti].items[ii]
            rows.append(
                ReviewedItem(
                    code=f"{task['seq']}.{item['seq']}",
                    original=item,
                    form=ItemReviewForm(post, prefix=prefix, initial=item_initial(item), **checks),
                    targets=targets,
                    new_target=NewTargetForm(post, prefix=f"{prefix}-new", **checks),
                    warnings=reviewed.warnings,
                    inferred=reviewed.inferred,
                )
            )
    return rows


def _corrected(draft: PlanDraft, rows: list[ReviewedItem]) -> dict[str, Any] | None:
    """The draft with every form's corrections, or None when a form is invalid."""
    if not all(row.form.is_valid() and all(f.is_valid() for _t, f in row.targets) for row in rows):
        return None
    if not all(row.new_target.is_valid() for row in rows):
        return None
    data = {**draft.data, "tasks": []}
    position = 0
    for task in draft.data["tasks"]:
        items = []
        for item in task["items"]:
            row = rows[position]
            position += 1
            kept: list[tuple[int | None, dict[str, Any]]] = [
                (index, target_data(form.cleaned_data, original))
                for index, (original, form) in enumerate(row.targets)
                if not form.cleaned_data.get("delete")
            ]
            if row.new_target.filled:
                kept.append((None, target_data(row.new_target.cleaned_data)))
            items.append(item_data(row.form.cleaned_data, item, renumber_parents(kept)))
        data["tasks"].append({**task, "items": items})
    return data


def _all_names(data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for task in data["tasks"]:
        for item in task["items"]:
            for role in ("lead", "responsible", "cooperating"):
                names.extend(item.get(role) or [])
            for target in item["targets"]:
                names.extend(target.get("orgs") or [])
    return list(dict.fromkeys(names))


def _replacement(draft: PlanDraft, year_text: str) -> Replacement | None:
    """When the year already has another table: what confirming with 替换 keeps and detaches."""
    year = int(year_text) if year_text.strip().isdigit() else draft.data.get("year")
    existing = plan_get(year=year) if year else None
    if existing is None or (existing.source_sha256 == draft.source_sha256 and not draft.edited):
        return None
    return plan_replacement(existing, ParsedPlan.from_dict(draft.data))


#: What the coordinator can do about a refused import, in the words of this page.
_WAY_OUT = {
    NO_YEAR: _("请在上方“年度”中填写年度后再确认。"),
    YEAR_TAKEN: _("如需用本表替换，请勾选“替换该年度已有的任务分解表”，核对下方将脱钩的记录后再确认。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft_for(request, token)
    rows = _rows(draft, request.POST if request.method == "POST" else None)
    year_text = (
        request.POST.get("year", "") if request.method == "POST" else str(draft.data.get("year") or "")
    )
    if request.method == "POST":
        corrected = _corrected(draft, rows)
        if corrected is None:
            messages.error(request, _("有填写错误，请检查标红的项目。"))
        else:
            plan_draft_update(draft, data=corrected)
            if "confirm" in request.POST:
                year = parse_id(year_text)
                try:
                    result = plan_draft_commit(draft, year=year, replace="replace" in request.POST)
                except PlanImportError as exc:
                    messages.error(request, f"{exc}{_WAY_OUT.get(exc.reason, '')}")
                else:
                    _report(request, result)
                    return redirect("plans:table-year", year=result.plan.year)
            else:
                messages.success(request, _("修改已保存，确认无误后请点击“确认导入”。"))
            rows = _rows(draft)
    preview = plan_names_preview(_all_names(draft.data))
    context = {
        "new_names": [name for name, matched in preview.items() if not matched],
        "rows": rows,
        "year": year_text,
        "draft": draft,
        "preview": preview,
        "warning_count": sum(len(row.warnings) for row in rows),
        "attention": [(row.code, line) for row in rows for line in row.warnings],
        "error_rows": [row.code for row in rows if row.has_errors],
        "replacement": _replacement(draft, year_text),
    }
    return render(request, "web/plans/review.html", context)


def _report(request: HttpRequest, result: Any) -> None:
    if result.unchanged:
        messages.info(
            request, _("%(year)s年已导入过同一份任务分解表，内容未变。") % {"year": result.plan.year}
        )
        return
    created = "、".join(org.name for org in result.created_orgs)
    messages.success(
        request,
        _("已保存%(year)s年任务分解表：%(items)s 个工作事项、%(targets)s 个目标。")
        % {"year": result.plan.year, "items": result.item_count, "targets": result.target_count}
        + (_("新建待核实的单位：%(names)s") % {"names": created} if created else ""),
    )
    if result.kept:
        kept = "、".join(f"{number} 条{label}" for label, number in result.kept.items())
        messages.info(request, _("原表上的%(kept)s已随对应的事项和目标保留。") % {"kept": kept})
    if result.detached:
        messages.warning(
            request,
            _("以下记录在新表中找不到对应，已脱钩：%(lines)s") % {"lines": "；".join(result.detached)},
        )
    if result.warnings:
        messages.warning(
            request,
            _("%(count)s 处未能识别，请在任务分解表中核对补充：%(lines)s")
            % {"count": len(result.warnings), "lines": "；".join(result.warnings)},
        )


@login_required
@require_POST
def plan_discard(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft_for(request, token)
    draft.delete()
    messages.success(request, _("已放弃本次导入。"))
    return redirect("plans:import")
