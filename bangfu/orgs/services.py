"""Writes to units and groups. Every function is atomic and keyword-only after the subject."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from bangfu.common.text import name_key

from .choices import NameKind, OrgEventKind, OrgKind
from .matching import clean_name
from .models import Organisation, OrganisationName, OrgEvent, OrgGroup
from .selectors import org_name_index


class OrgError(Exception):
    """A unit operation that cannot be done; the message is for the user (Chinese)."""


def _today() -> dt.date:
    return timezone.localdate()


def org_add_name(org: Organisation, *, name: str, kind: str = NameKind.ALIAS) -> OrganisationName:
    """Record another spelling of ``org``. A spelling already used by another unit is refused."""
    name = clean_name(name)
    key = name_key(name)
    if not key:
        raise OrgError("单位名称不能为空。")
    existing = OrganisationName.objects.filter(key=key).select_related("organisation").first()
    if existing is not None:
        if existing.organisation_id != org.pk:
            raise OrgError(f"名称“{name}”已被单位“{existing.organisation.name}”使用。")
        return existing
    return OrganisationName.objects.create(organisation=org, name=name, key=key, kind=kind)


@transaction.atomic
def org_create(
    *,
    name: str,
    kind: str = OrgKind.OTHER,
    short_name: str = "",
    aliases: Iterable[str] = (),
    parent: Organisation | None = None,
    needs_review: bool = False,
    on: dt.date | None = None,
) -> Organisation:
    name = clean_name(name)
    if OrganisationName.objects.filter(key=name_key(name)).exists():
        raise OrgError(f"单位“{name}”已存在。")
    org = Organisation.objects.create(
        name=name, kind=kind, short_name=short_name, parent=parent, needs_review=needs_review
    )
    org_add_name(org, name=name, kind=NameKind.OFFICIAL)
    if short_name:
        org_add_name(org, name=short_name, kind=NameKind.SHORT)
    for alias in aliases:
        org_add_name(org, name=alias, kind=NameKind.ALIAS)
    OrgEvent.objects.create(organisation=org, kind=OrgEventKind.CREATED, on=on or _today(), detail={})
    return org


@transaction.atomic
def org_rename(org: Organisation, *, new_name: str, on: dt.date | None = None) -> Organisation:
    """Rename a unit; the old name stays as a former name so old files still match."""
    on = on or _today()
    new_name = clean_name(new_name)
    old_name = org.name
    if name_key(new_name) == name_key(old_name):
        return org
    org.names.filter(kind=NameKind.OFFICIAL).update(
        kind=NameKind.FORMER, valid_until=on - dt.timedelta(days=1)
    )
    record = org_add_name(org, name=new_name, kind=NameKind.OFFICIAL)
    if record.kind != NameKind.OFFICIAL:  # the new name was already an alias of this unit
        record.kind, record.valid_until = NameKind.OFFICIAL, None
        record.save(update_fields=["kind", "valid_until"])
    org.name = new_name
    org.save(update_fields=["name", "updated_at"])
    OrgEvent.objects.create(
        organisation=org, kind=OrgEventKind.RENAMED, on=on, detail={"from": old_name, "to": new_name}
    )
    return org


#: Steps other apps add to a merge, run after every reference has moved: ``hook(source id, into id)``.
#: A model whose rows a hook rebuilds declares ``ORG_MERGE_REBUILT = True`` and is not moved row by row
#: (the ledger's running totals: two units' rows of one key must be added up, not re-pointed).
MERGE_HOOKS: list[Callable[[int, int], None]] = []


def _org_references() -> list[models.ForeignKey]:
    """Every foreign key in the project that points at a unit (including many-to-many link tables)."""
    return [
        rel.field
        for rel in Organisation._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel)
        and (rel.one_to_many or rel.one_to_one)
        and isinstance(rel.field, models.ForeignKey)
    ]


def _move_references(source: Organisation, into: Organisation) -> dict[str, int]:
    """Point every row that references ``source`` at ``into``.

    A row whose move would duplicate a row that ``into`` already has (a unique link such as a role
    assignment or a group membership) is redundant and is removed; any other conflict is an error.
    """
    moved: dict[str, int] = {}
    skip = {("orgs", "organisationname"), ("orgs", "orgevent")}
    for fk in _org_references():
        model = fk.model
        if (
            (model._meta.app_label, model._meta.model_name) in skip
            or (model is Organisation and fk.name in {"merged_into"})
            or getattr(model, "ORG_MERGE_REBUILT", False)
        ):
            continue
        rows = model._default_manager.filter(**{fk.name: source})
        if not rows.exists():
            continue
        label = f"{model._meta.label}.{fk.name}"
        try:
            with transaction.atomic():
                moved[label] = rows.update(**{fk.name: into})
        except IntegrityError:
            count = 0
            for row in rows:
                try:
                    with transaction.atomic():
                        model._default_manager.filter(pk=row.pk).update(**{fk.name: into})
                        count += 1
                except IntegrityError:
                    if not getattr(model, "ORG_MERGE_DROPS_DUPLICATES", model._meta.auto_created):
                        raise OrgError(
                            f"合并时“{model._meta.verbose_name}”出现重复，无法自动合并。"
                        ) from None
                    row.delete()
            moved[label] = count
    return moved


@transaction.atomic
def org_merge(source: Organisation, *, into: Organisation, on: dt.date | None = None) -> Organisation:
    """Merge ``source`` into ``into``: its names, units, records and targets all move to ``into``."""
    on = on or _today()
    if source.pk == into.pk:
        raise OrgError("不能将单位并入其自身。")
    if into.merged_into_id or not into.active:
        raise OrgError(f"单位“{into.name}”已撤销或已并入其他单位，不能作为并入目标。")
    moved = _move_references(source, into)
    for hook in MERGE_HOOKS:
        hook(source.pk, into.pk)
    source.names.update(
        organisation=into,
        kind=NameKind.FORMER,
        valid_until=on - dt.timedelta(days=1),
    )
    source.active, source.merged_into, source.closed_on = False, into, on
    source.save(update_fields=["active", "merged_into", "closed_on", "updated_at"])
    OrgEvent.objects.create(
        organisation=source, kind=OrgEventKind.MERGED, on=on, detail={"into": into.name, "moved": moved}
    )
    OrgEvent.objects.create(
        organisation=into, kind=OrgEventKind.MERGED, on=on, detail={"from": source.name, "moved": moved}
    )
    return into


@transaction.atomic
def org_close(org: Organisation, *, on: dt.date | None = None) -> Organisation:
    """Close a unit: it stops receiving new targets; its records and history stay."""
    on = on or _today()
    org.active, org.closed_on = False, on
    org.save(update_fields=["active", "closed_on", "updated_at"])
    OrgEvent.objects.create(organisation=org, kind=OrgEventKind.CLOSED, on=on, detail={})
    return org


@transaction.atomic
def org_reopen(org: Organisation, *, on: dt.date | None = None) -> Organisation:
    if org.merged_into_id:
        raise OrgError(f"单位“{org.name}”已并入“{org.merged_into}”，不能恢复。")
    org.active, org.closed_on = True, None
    org.save(update_fields=["active", "closed_on", "updated_at"])
    OrgEvent.objects.create(organisation=org, kind=OrgEventKind.REOPENED, on=on or _today(), detail={})
    return org


@dataclass
class OrgLoadResult:
    created: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)
    names_added: int = 0


@transaction.atomic
def orgs_load(data: dict[str, Any]) -> OrgLoadResult:
    """Load a unit list (see ``bangfu/data/cixi_orgs.json``). Idempotent: existing units are kept as
    they are (an office may have corrected them) and only missing units, names and groups are added."""
    result = OrgLoadResult()
    index = org_name_index()
    by_name: dict[str, Organisation] = {}
    for entry in data.get("units", []):
        match = index.resolve(entry["name"])
        if match.key is not None:
            org = Organisation.objects.get(pk=match.key)
        else:
            parent = by_name.get(entry.get("parent", "")) if entry.get("parent") else None
            org = org_create(
                name=entry["name"],
                kind=entry.get("kind", OrgKind.OTHER),
                short_name=entry.get("short_name", ""),
                parent=parent,
            )
            result.created.append(org.name)
            index.add(org.pk, org.name)
        for alias in [entry.get("short_name", ""), *entry.get("aliases", [])]:
            if alias and not OrganisationName.objects.filter(key=name_key(alias)).exists():
                kind = NameKind.SHORT if alias == entry.get("short_name") else NameKind.ALIAS
                org_add_name(org, name=alias, kind=kind)
                index.add(org.pk, alias)
                result.names_added += 1
        by_name[entry["name"]] = org
    for entry in data.get("groups", []):
        group, created = OrgGroup.objects.get_or_create(
            name=entry["name"],
            defaults={
                "aliases": entry.get("aliases", []),
                "kinds": entry.get("kinds", []),
                "exclude_named": entry.get("exclude_named", False),
                "topmost_only": entry.get("topmost_only", False),
                "description": entry.get("description", ""),
            },
        )
        if created:
            result.groups_created.append(group.name)
        else:
            missing = [a for a in entry.get("aliases", []) if a not in group.aliases]
            if missing:
                group.aliases = [*group.aliases, *missing]
                group.save(update_fields=["aliases", "updated_at"])
    return result


def orgs_load_file(path: Path) -> OrgLoadResult:
    return orgs_load(json.loads(Path(path).read_text(encoding="utf-8")))
