"""Writes to plans: saving a parsed task table with its units, groups and targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from bangfu.common.audit import audit_action, audit_grouped
from bangfu.common.money import yuan_to_fen
from bangfu.orgs.matching import NameIndex, guess_kind, split_alias
from bangfu.orgs.models import Organisation, OrgGroup
from bangfu.orgs.selectors import group_name_index, org_name_index
from bangfu.orgs.services import org_create

from .choices import ItemRole, TargetKind
from .models import Item, Plan, PlanDraft, RoleAssignment, Target, Task
from .parsing import ParsedPlan, ParsedTarget
from .selectors import Dependent, Replacement, dependents, plan_replacement


class PlanImportError(Exception):
    """A plan that cannot be saved as asked; the message is for the user (Chinese).

    ``reason`` lets each caller add its own way out (the command line names its option, the web page its
    field): ``"year"`` when no year is known, ``"exists"`` when the year already has another table.
    """

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


NO_YEAR = "year"
YEAR_TAKEN = "exists"


@dataclass
class PlanImportResult:
    plan: Plan
    unchanged: bool = False
    replaced: bool = False
    created_orgs: list[Organisation] = field(default_factory=list)
    #: Items that lack units or targets without units, one Chinese line each ("事项2.3（…）：…").
    warnings: list[str] = field(default_factory=list)
    #: What the parser inferred and says so (units read from the content, rows joined after a page break).
    inferred: list[str] = field(default_factory=list)
    #: On replacing: records that stay with their items and targets, by kind ("工作记录": 5).
    kept: dict[str, int] = field(default_factory=dict)
    #: On replacing: what could not be matched to the new table and was detached.
    detached: list[str] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return Item.objects.filter(task__plan=self.plan).count()

    @property
    def target_count(self) -> int:
        return Target.objects.filter(item__task__plan=self.plan).count()


class _Resolver:
    """Turns names as written into groups or units, creating (and remembering) units it cannot find."""

    def __init__(self) -> None:
        self.groups: NameIndex[int] = group_name_index()
        self.orgs: NameIndex[int] = org_name_index()
        self.created: list[Organisation] = []
        self._group_cache: dict[int, OrgGroup] = {}
        self._org_cache: dict[int, Organisation] = {}

    def resolve(self, name: str) -> Organisation | OrgGroup:
        group = self.groups.resolve(name)
        if group.found:
            assert group.key is not None
            if group.key not in self._group_cache:
                self._group_cache[group.key] = OrgGroup.objects.get(pk=group.key)
            return self._group_cache[group.key]
        match = self.orgs.resolve(name)
        if match.found:
            assert match.key is not None
            if match.key not in self._org_cache:
                self._org_cache[match.key] = Organisation.objects.get(pk=match.key)
            return self._org_cache[match.key]
        # Unknown (or ambiguous) name: keep it as a unit to review rather than drop it.
        main, alias = split_alias(name)
        if match.ambiguous or self.orgs.resolve(main).found:
            main, alias = name, None
        org = org_create(
            name=main,
            kind=guess_kind(name),
            aliases=[a for a in (alias, name) if a and a != main],
            needs_review=True,
        )
        self.created.append(org)
        for written in {main, name, *(a for a in [alias] if a)}:
            self.orgs.add(org.pk, written)
        self._org_cache[org.pk] = org
        return org


def _target_fields(target: ParsedTarget) -> dict[str, object]:
    fields: dict[str, object] = {
        "kind": target.kind,
        "unit": target.unit,
        "scope": target.scope,
        "base_text": target.base,
        "base_kind": target.base_kind,
        "channel": target.channel,
        "text": target.text,
        "subjects_as_written": list(target.orgs),
    }
    if target.kind in (TargetKind.AMOUNT, TargetKind.PER_CAPITA):
        fields["amount_fen"] = yuan_to_fen(target.value)
    elif target.kind == TargetKind.RATIO:
        fields["ratio"] = target.value
    else:
        fields["count"] = target.value
    return fields


def _save_tasks(plan: Plan, parsed: ParsedPlan, resolver: _Resolver) -> list[tuple[Item, list[Target]]]:
    """Create the tasks, items, role assignments and targets; returns the items and their targets in
    reading order."""
    created: list[tuple[Item, list[Target]]] = []
    roles = (
        (ItemRole.LEAD, "lead"),
        (ItemRole.RESPONSIBLE, "responsible"),
        (ItemRole.COOPERATING, "cooperating"),
    )
    for parsed_task in parsed.tasks:
        task = Task.objects.create(
            plan=plan, seq=parsed_task.seq, label=parsed_task.label, name=parsed_task.name
        )
        for parsed_item in parsed_task.items:
            item = Item.objects.create(
                task=task,
                seq=parsed_item.seq,
                content=parsed_item.content,
                deadline=parsed_item.deadline or "",
                location=parsed_item.location,
            )
            for role, attribute in roles:
                seen: set[tuple[str, int]] = set()
                for position, name in enumerate(getattr(parsed_item, attribute)):
                    subject = resolver.resolve(name)
                    marker = (type(subject).__name__, subject.pk)
                    if marker in seen:  # the same unit written twice under one role
                        continue
                    seen.add(marker)
                    RoleAssignment.objects.create(
                        item=item,
                        role=role,
                        organisation=subject if isinstance(subject, Organisation) else None,
                        group=subject if isinstance(subject, OrgGroup) else None,
                        name_as_written=name,
                        position=position,
                    )
            saved: list[Target] = []
            for position, parsed_target in enumerate(parsed_item.targets):
                parent = saved[parsed_target.parent] if parsed_target.parent is not None else None
                target = Target.objects.create(
                    item=item, position=position, parent=parent, **_target_fields(parsed_target)
                )
                subjects = [resolver.resolve(name) for name in parsed_target.orgs]
                target.orgs.set([s for s in subjects if isinstance(s, Organisation)])
                target.groups.set([s for s in subjects if isinstance(s, OrgGroup)])
                saved.append(target)
            created.append((item, saved))
    return created


#: Old tasks are moved out of the way of the new ones while what hangs on them is carried over.
_OLD_TASK_SHIFT = 10_000


def _carry_over(replacement: Replacement, created: list[tuple[Item, list[Target]]]) -> None:
    """Move what hangs on the old items and targets (activity records, attribution rules, …) to the
    matched new ones, one row at a time so that the audit trail records each move."""
    pairs: list[tuple[list[Dependent], Item | Target, Item | Target]] = []
    on_items, on_targets = dependents(Item), dependents(Target)
    pairs += [(on_items, replacement.old_items[i], created[j][0]) for i, j in replacement.items.items()]
    pairs += [
        (on_targets, replacement.old_targets[i][a], created[j][1][b])
        for (i, a), (j, b) in replacement.targets.items()
    ]
    for relations, old, new in pairs:
        for dependent in relations:
            for row in dependent.rows(**{"": old}):
                setattr(row, dependent.field, new)
                row.save(update_fields=[dependent.field])


@transaction.atomic
def plan_import(
    *, parsed: ParsedPlan, year: int | None = None, replace: bool = False, user: Any = None
) -> PlanImportResult:
    """Save a parsed table as the plan of its year: one audit-trail entry with its counts (not one per
    task, item, unit and target it writes); ``user``: who imported it (default the request's user).

    The same file imported again changes nothing. A different table for a year that already has one is
    refused unless ``replace`` is given, in which case its tasks, items and targets are rebuilt and what
    hangs on them — activity records on items, attribution rules on targets — moves to the matching new
    item or target (:func:`~bangfu.plans.selectors.plan_replacement`); what has no match is listed in the
    result. Base values belong to units and years, not to the table, and stay as they are.
    """
    with audit_grouped():
        result = _plan_import(parsed=parsed, year=year, replace=replace)
    if not result.unchanged:
        audit_action(
            kind="plan_import",
            obj=result.plan,
            summary=f"{result.plan.title}（{parsed.source_name or '未注明文件'}）"
            + ("，替换原表" if result.replaced else ""),
            actor=user,
            counts={
                "tasks": result.plan.tasks.count(),
                "items": result.item_count,
                "targets": result.target_count,
                "units_created": len(result.created_orgs),
            },
        )
    return result


def _plan_import(*, parsed: ParsedPlan, year: int | None, replace: bool) -> PlanImportResult:
    year = year or parsed.year
    if not year:
        raise PlanImportError(f"无法从标题“{parsed.title}”中识别年度，请指定年度。", reason=NO_YEAR)
    existing = Plan.objects.filter(year=year).first()
    replacement: Replacement | None = None
    if existing is not None:
        if existing.source_sha256 and existing.source_sha256 == parsed.sha256:
            return PlanImportResult(plan=existing, unchanged=True)
        if not replace:
            raise PlanImportError(
                f"{year}年已有任务分解表“{existing.title}”（来源：{existing.source_name or '未知'}）。",
                reason=YEAR_TAKEN,
            )
        replacement = plan_replacement(existing, parsed)
        existing.tasks.update(seq=F("seq") + _OLD_TASK_SHIFT)
        plan = existing
        plan.title, plan.source_name, plan.source_sha256 = parsed.title, parsed.source_name, parsed.sha256
        plan.notes = "\n".join(parsed.notes)
        plan.save()
    else:
        plan = Plan.objects.create(
            year=year,
            title=parsed.title or f"{year}年消费帮扶工作任务分解表",
            source_name=parsed.source_name,
            source_sha256=parsed.sha256,
            notes="\n".join(parsed.notes),
        )
    resolver = _Resolver()
    created = _save_tasks(plan, parsed, resolver)
    result = PlanImportResult(
        plan=plan,
        replaced=existing is not None,
        created_orgs=resolver.created,
        warnings=parsed.warnings(),
        inferred=parsed.inferences(),
    )
    if replacement is not None:
        _carry_over(replacement, created)
        plan.tasks.filter(seq__gte=_OLD_TASK_SHIFT).delete()
        result.kept, result.detached = replacement.kept, replacement.detached
    return result


# --- review before saving (web) -----------------------------------------------------------------


def plan_draft_create(*, parsed: ParsedPlan, user: Any = None) -> PlanDraft:
    """Keep a parsed table for review; nothing is saved to the plan until it is confirmed."""
    import secrets

    return PlanDraft.objects.create(
        token=secrets.token_hex(16),
        data=parsed.to_dict(),
        source_name=parsed.source_name,
        source_sha256=parsed.sha256,
        created_by=user if getattr(user, "pk", None) else None,
    )


def plan_draft_update(draft: PlanDraft, *, data: dict) -> PlanDraft:
    """Store the coordinator's corrections (the whole structure, as `ParsedPlan.to_dict()` shapes it)."""
    corrected = ParsedPlan.from_dict(data)  # refuses a structure that cannot be read back
    # Edited only when the table itself differs: a form posted back unchanged (numbers as text) is not.
    changed = corrected.to_dict() != ParsedPlan.from_dict(draft.data).to_dict()
    draft.data, draft.edited = corrected.to_dict(), draft.edited or changed
    draft.save(update_fields=["data", "edited"])
    return draft


@transaction.atomic
def plan_draft_commit(
    draft: PlanDraft, *, year: int | None = None, replace: bool = False
) -> PlanImportResult:
    """Save the reviewed table as the plan of its year and discard the draft.

    A corrected table is a different table from the file it came from: its fingerprint combines the file's
    SHA-256 with the corrections, so importing the uncorrected file later is not mistaken for it.
    """
    import hashlib
    import json

    parsed = ParsedPlan.from_dict(draft.data)
    parsed.source_name, parsed.sha256 = draft.source_name, draft.source_sha256
    if draft.edited:
        payload = json.dumps(draft.data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        parsed.sha256 = hashlib.sha256(draft.source_sha256.encode() + payload).hexdigest()
    result = plan_import(parsed=parsed, year=year, replace=replace)
    draft.delete()
    return result
