"""Reads of plans."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Item, Plan, RoleAssignment, Target, Task


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
