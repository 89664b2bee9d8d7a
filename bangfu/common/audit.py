"""The audit trail (操作记录) as office staff read it — django-auditlog's entries, plus one entry per user
action that changes many rows at once.

**Writing.** Field changes of the audited models are django-auditlog's (``settings._AUDITED``); each
entry carries the unit it concerns (``additional_data["unit_id"]``, from the model's
``get_additional_data``) so that the trail can be filtered by unit. An action on many rows — a ledger
import, a task-table import, approving or returning records — is one entry written by
:func:`audit_action`, with its counts; :func:`audit_grouped` keeps the rows it writes from adding an
entry each.

**Reading.** :func:`audit_rows` turns entries into what a person reads: the action in Chinese, the
model's and the fields' verbose names, values as users know them (unit names instead of ids, status
labels, 元 amounts, 是/否), timestamps to the second.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models

#: The actions that stand for many rows, and their names (``additional_data["kind"]``).
ACTION_KINDS = {
    "ledger_import": "导入台账",
    "plan_import": "导入任务分解表",
    "records_approve": "审核通过",
    "records_return": "退回",
    "records_reopen": "撤销审核",
    "records_submit": "提交审核",
    "activities_approve": "审核通过工作记录",
    "activities_return": "退回工作记录",
}
#: auditlog's own actions, in Chinese.
ACTION_NAMES = {
    LogEntry.Action.CREATE: "新增",
    LogEntry.Action.UPDATE: "修改",
    LogEntry.Action.DELETE: "删除",
    LogEntry.Action.ACCESS: "查看",
}
#: Names of counts an action entry may carry.
COUNT_NAMES = {
    "accepted": "新增记录",
    "duplicates": "重复",
    "rejected": "问题行",
    "skipped": "跳过",
    "enriched": "补全",
    "units_created": "新建单位",
    "records": "记录",
    "tasks": "工作任务",
    "items": "工作事项",
    "targets": "目标",
    "total_yuan": "金额（元）",
}
#: Keys no person needs to read.
HIDDEN_FIELDS = {
    "id",
    "dedupe_key",
    "order_key",
    "updated_at",
    "created_at",
    "raw",
    "password",
    "last_login",
    "key",
}


def audit_action(
    *,
    kind: str,
    obj: models.Model,
    summary: str,
    actor: Any = None,
    unit_id: int | None = None,
    counts: Mapping[str, Any] | None = None,
    action: int = LogEntry.Action.CREATE,
) -> LogEntry:
    """One entry for a user action on many rows (``kind``: a key of :data:`ACTION_KINDS`), attached to
    ``obj`` (the batch, the plan, the first record). Without ``actor``, the request's user (auditlog's
    context) or none (the command line)."""
    assert kind in ACTION_KINDS, kind
    pk = obj.pk
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=summary[:2000],
        action=action,
        changes={},
        actor=actor if getattr(actor, "pk", None) else None,
        additional_data={
            "kind": kind,
            "unit_id": unit_id,
            "counts": {k: v for k, v in (counts or {}).items() if v not in (None, 0, "")},
        },
    )


@contextlib.contextmanager
def audit_grouped() -> Iterator[None]:
    """Rows written inside add no entry of their own: the action's one entry stands for them."""
    with disable_auditlog():
        yield


# --- reading ----------------------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class AuditRow:
    entry: LogEntry
    action: str
    what: str
    obj: str
    changes: list[Change] = field(default_factory=list)
    counts: list[tuple[str, Any]] = field(default_factory=list)


def _model(entry: LogEntry) -> type[models.Model] | None:
    return entry.content_type.model_class() if entry.content_type_id else None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        try:  # auditlog names a foreign key by its attribute (organisation_id) in some versions
            found = model._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:
            return None
    return found if isinstance(found, models.Field) and found.concrete else None


def _references(entries: Iterable[LogEntry]) -> dict[type[models.Model], set[int]]:
    """Ids of related rows the changes name, by model: read once per page."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for entry in entries:
        model = _model(entry)
        for name, values in (entry.changes_dict or {}).items():
            found = _field(model, name)
            if found is None or not found.is_relation or found.many_to_many:
                continue
            for value in values if isinstance(values, list | tuple) else []:
                if value not in (None, "None", "") and str(value).isdigit():
                    wanted[found.related_model].add(int(value))  # type: ignore[index]
    return wanted


def _names(wanted: Mapping[type[models.Model], set[int]]) -> dict[tuple[type[models.Model], int], str]:
    names: dict[tuple[type[models.Model], int], str] = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=sorted(ids)):
            names[(model, obj.pk)] = str(obj)
    return names


def _value(found: models.Field | None, value: Any, names: Mapping[tuple[Any, int], str]) -> str:
    from bangfu.common.money import format_yuan

    if value in (None, "None", ""):
        return "（空）"
    if found is None:
        return str(value)
    if found.is_relation and str(value).isdigit():
        return names.get((found.related_model, int(value)), f"（已删除：{value}）")
    if found.choices:
        labels = {str(k): str(v) for k, v in found.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(found, models.BooleanField):
        return {"True": "是", "False": "否"}.get(str(value), str(value))
    if found.name.endswith("_fen"):
        try:
            return f"{format_yuan(int(value))} 元"
        except (TypeError, ValueError):
            return str(value)
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _label(model: type[models.Model] | None, name: str, found: models.Field | None) -> str:
    if found is not None:
        label = str(found.verbose_name)
        if found.name.endswith("_fen"):
            label = label.replace("（分）", "")
        return label
    return name


def audit_rows(entries: Iterable[LogEntry]) -> list[AuditRow]:
    """Entries as a person reads them (one query per kind of related row named on the page)."""
    entries = list(entries)
    names = _names(_references(entries))
    rows = []
    for entry in entries:
        model = _model(entry)
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        kind = data.get("kind")
        what = str(model._meta.verbose_name) if model is not None else str(entry.content_type)
        if kind in ACTION_KINDS:
            counts = [(COUNT_NAMES.get(k, k), v) for k, v in (data.get("counts") or {}).items()]
            rows.append(AuditRow(entry, ACTION_KINDS[kind], what, entry.object_repr, counts=counts))
            continue
        changes = []
        for name, values in sorted((entry.changes_dict or {}).items()):
            if name in HIDDEN_FIELDS or not isinstance(values, list | tuple):
                continue
            found = _field(model, name)
            if model is not None and found is None:
                continue  # a reverse relation or a field that no longer exists
            before = values[0] if len(values) > 0 else None
            after = values[1] if len(values) > 1 else None
            if entry.action == LogEntry.Action.CREATE:
                if after in (None, "None", ""):
                    continue  # a new record's empty fields say nothing
                changes.append(Change(_label(model, name, found), "", _value(found, after, names)))
                continue
            changes.append(
                Change(_label(model, name, found), _value(found, before, names), _value(found, after, names))
            )
        action = ACTION_NAMES.get(entry.action, str(entry.get_action_display()))
        rows.append(AuditRow(entry, action, what, entry.object_repr, changes=changes))
    return rows


def unit_of(obj: Any, attribute: str) -> dict[str, Any]:
    """``get_additional_data`` of an audited model: the unit an entry concerns (for the unit filter)."""
    return {"unit_id": getattr(obj, attribute, None)}
