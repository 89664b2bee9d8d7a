"""Reads of plans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models
from django.db.models import Count, Prefetch, QuerySet

from .matching import ItemKey, TargetKey, match_items, match_targets
from .models import Item, Plan, RoleAssignment, Target, Task
from .parsing import ParsedPlan, parse_table
from .parsing.roles import multi_part_names


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.order_by("-year")


def plan_get(*, year: int | None = None) -> Plan | None:
    """The plan of ``year``, or the latest plan when no year is given."""
    qs = plan_list()
    return qs.filter(year=year).first() if year else qs.first()


def plan_tasks(plan: Plan) -> QuerySet[Task]:
    """The whole table in reading order, with roles and targets, in a fixed number of queries."""
    items = Item.objects.order_by("seq").prefetch_related(
        Prefetch(
            "roles",
            queryset=RoleAssignment.objects.select_related("organisation", "group").order_by(
                "role", "position"
            ),
        ),
        Prefetch("targets", queryset=Target.objects.prefetch_related("orgs", "groups").order_by("position")),
    )
    return plan.tasks.order_by("seq").prefetch_related(Prefetch("items", queryset=items))


def plan_names_preview(names: list[str]) -> dict[str, str]:
    """How each unit name of a parsed table will be saved: the group or unit it matches, or "" when a new
    unit will be created (marked 待核实)."""
    from bangfu.orgs.models import Organisation, OrgGroup
    from bangfu.orgs.selectors import group_name_index, org_name_index

    groups, orgs = group_name_index(), org_name_index()
    group_names = dict(OrgGroup.objects.values_list("pk", "name"))
    org_names = dict(Organisation.objects.values_list("pk", "name"))
    preview: dict[str, str] = {}
    for name in names:
        group = groups.resolve(name)
        if group.key is not None:
            preview[name] = f"单位组：{group_names[group.key]}"
            continue
        org = orgs.resolve(name)
        preview[name] = org_names[org.key] if org.key is not None else ""
    return preview


def plan_known_names() -> list[str]:
    """Names of groups and units that contain a separator ("党政机关、学校、医院食堂（餐厅）"), which a
    table's lists of units must keep whole."""
    from bangfu.orgs.models import OrganisationName, OrgGroup

    names: list[str] = []
    for name, aliases in OrgGroup.objects.values_list("name", "aliases"):
        names += [name, *(aliases or ())]
    names += OrganisationName.objects.values_list("name", flat=True)
    return multi_part_names(names)


def plan_parse_file(path: str | Path, *, default_year: int | None = None) -> ParsedPlan:
    """Parse a task table knowing the database's names — the one parse behind every import (the
    command line and the web review read a file the same way)."""
    return parse_table(path, default_year=default_year, known=plan_known_names())


# --- replacing a year's plan -------------------------------------------------------------------

#: The plan's own rows; every other relation to an item or a target is something hanging on it.
_OWN_MODELS = (Task, Item, RoleAssignment, Target)


@dataclass(frozen=True)
class Dependent:
    """Rows of another model that point at an item or a target through ``field``."""

    model: type[models.Model]
    field: str
    #: Whether deleting what they point at only empties the link (else the rows are deleted with it).
    kept_on_delete: bool

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    def rows(self, **lookup: object) -> QuerySet[models.Model]:
        return self.model._base_manager.filter(
            **{f"{self.field}{key}": value for key, value in lookup.items()}
        )


def dependents(model: type[models.Model]) -> list[Dependent]:
    """What other rows hang on ``model`` (activity records on items, attribution rules on targets),
    found from the model graph so that what later apps hang on items and targets is kept too."""
    found = []
    for rel in model._meta.related_objects:
        related = rel.related_model
        if isinstance(related, str) or related in _OWN_MODELS or not (rel.one_to_many or rel.one_to_one):
            continue
        found.append(Dependent(related, rel.field.name, rel.on_delete is models.SET_NULL))
    return found


@dataclass
class Replacement:
    """How a new table lines up with the plan it replaces: matched items and targets (by index in
    reading order) and, in Chinese, what would be cut loose."""

    plan: Plan
    old_items: list[Item]
    old_targets: list[list[Target]]
    items: dict[int, int] = field(default_factory=dict)
    targets: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    detached: list[str] = field(default_factory=list)


def _parsed_keys(parsed: ParsedPlan) -> list[ItemKey]:
    return [
        ItemKey(
            task.seq,
            item.seq,
            item.content,
            tuple(TargetKey(t.kind, t.value, t.text) for t in item.targets),
        )
        for task in parsed.tasks
        for item in task.items
    ]


def _counts(dependent: Dependent, ids: Iterable[int]) -> dict[int, int]:
    rows = (
        dependent.rows(__in=list(ids))
        .values(dependent.field)
        .annotate(n=Count("pk"))
        .values_list(dependent.field, "n")
    )
    return dict(rows)


def _effect(dependent: Dependent, of: str) -> str:
    return f"将不再属于任何{of}" if dependent.kept_on_delete else "将被删除"


def _short(text: str, length: int = 24) -> str:
    return text if len(text) <= length else text[:length] + "…"


def plan_replacement(plan: Plan, parsed: ParsedPlan) -> Replacement:
    """Line ``parsed`` up with ``plan``: which items and targets carry over (matched by number and text,
    see :mod:`bangfu.plans.matching`) and what hanging on the others would be detached."""
    old_items = list(
        Item.objects.filter(task__plan=plan)
        .select_related("task")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("position")))
        .order_by("task__seq", "seq")
    )
    old_targets = [list(item.targets.all()) for item in old_items]
    old_keys = [
        ItemKey(
            item.task.seq,
            item.seq,
            item.content,
            tuple(TargetKey(t.kind, t.value, t.text) for t in targets),
        )
        for item, targets in zip(old_items, old_targets, strict=True)
    ]
    new_keys = _parsed_keys(parsed)
    found = Replacement(plan=plan, old_items=old_items, old_targets=old_targets)
    found.items = match_items(old_keys, new_keys)
    for i, j in found.items.items():
        for a, b in match_targets(old_keys[i].targets, new_keys[j].targets).items():
            found.targets[(i, a)] = (j, b)
    for rel in dependents(Item):
        label = rel.label
        counts = _counts(rel, [item.pk for item in old_items])
        for i, item in enumerate(old_items):
            number = counts.get(item.pk, 0)
            if not number:
                continue
            if i in found.items:
                found.kept[label] = found.kept.get(label, 0) + number
            else:
                found.detached.append(
                    f"事项{item.task.seq}.{item.seq}“{_short(item.content)}”：{number} 条{label}{_effect(rel, '事项')}"
                )
    for rel in dependents(Target):
        label = rel.label
        counts = _counts(rel, [t.pk for targets in old_targets for t in targets])
        for i, targets in enumerate(old_targets):
            for a, target in enumerate(targets):
                number = counts.get(target.pk, 0)
                if not number:
                    continue
                if (i, a) in found.targets:
                    found.kept[label] = found.kept.get(label, 0) + number
                else:
                    item = old_items[i]
                    found.detached.append(
                        f"事项{item.task.seq}.{item.seq}的目标“{_short(target.text or target.display_value)}”："
                        f"{number} 条{label}{_effect(rel, '目标')}"
                    )
    return found
