"""A short per-process cache of computed progress (the dashboard at a million records).

A full computation reads every eligible purchase; a page that shows it is opened again and again. The
cache keeps the last computations for ``BANGFU_PROGRESS_CACHE_SECONDS`` (default 300; 0 turns it off),
keyed by what they were computed for *and* by a data stamp — the newest purchase, import batch, review
event and audit-log entry — so that an import, a record entered, a review step (approve/return, which
the workflow writes as set-based updates with one event per record) or any audited change (bases,
targets, rules, units) is seen on the next request. Changes that leave no such trace (a raw SQL update)
are seen when the entry expires. Requests that want the same computation while it runs wait for it
instead of starting their own (no stampede when a busy page's entry goes stale).

A plan's lines before any purchase is summed (:func:`progress.lines.lines_prepare` for the whole plan:
targets expanded to units, purchaser sets, bases, expected shares) are cached the same way under a
*structure* stamp (:func:`structure_stamp`) instead: purchases do not change them, so an import does not
throw them away.

Objects are shared, not copied: callers must treat what they get as read-only. Nothing is cached inside
a transaction (its data may not be committed, or may be rolled back — as in every test).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Max

T = TypeVar("T")
MAX_ENTRIES = 32

WAIT_SECONDS = 120

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
_running: dict[Hashable, threading.Event] = {}


def _stamp_models() -> list[Any]:
    names = [("ledger", "Purchase"), ("ledger", "ImportBatch"), ("ledger", "ApprovalEvent")]
    names.append(("auditlog", "LogEntry"))
    found = []
    for app_label, model_name in names:
        try:
            found.append(apps.get_model(app_label, model_name))
        except LookupError:
            continue
    return found


def data_stamp() -> tuple[int | None, ...]:
    """The newest id of each table whose changes move progress figures (an index lookup each)."""
    return tuple(model.objects.aggregate(newest=Max("pk"))["newest"] for model in _stamp_models())


#: What a plan's lines are built from: the jurisdiction tree and groups, the plan, its targets and rules,
#: bases, settings, activities (count targets), pairings and regions.
_STRUCTURE = (
    ("orgs", "Organisation"),
    ("orgs", "OrgGroup"),
    ("plans", "Plan"),
    ("plans", "Task"),
    ("plans", "Item"),
    ("plans", "RoleAssignment"),
    ("plans", "Target"),
    ("progress", "BaseValue"),
    ("progress", "TargetRule"),
    ("progress", "ProgressSettings"),
    ("activities", "Activity"),
    ("regions", "Pairing"),
    ("regions", "Region"),
)


def _structure_queries() -> list[tuple[str, list[Any]]]:
    """One (SQL, parameters) per stamp part: row count, newest id and newest change time (where the
    table has one) of every structure table and its many-to-many tables; and the newest audit-log entry
    about a structure model (an edit in place of a table without a change time: a target's value)."""
    quote = connection.ops.quote_name
    queries: dict[str, tuple[str, list[Any]]] = {}
    models = []
    for app_label, model_name in _STRUCTURE:
        try:
            models.append(apps.get_model(app_label, model_name))
        except LookupError:
            continue
    for model in models:
        for each in [model] + [f.remote_field.through for f in model._meta.local_many_to_many]:
            table = each._meta.db_table
            columns = {f.name: f.column for f in each._meta.concrete_fields}
            newest = f"MAX({quote(columns['updated_at'])})" if "updated_at" in columns else "NULL"
            queries[table] = (
                f"SELECT COUNT(*), MAX({quote(each._meta.pk.column)}), {newest} FROM {quote(table)}",
                [],
            )
    try:
        log = apps.get_model("auditlog", "LogEntry")
        from django.contrib.contenttypes.models import ContentType

        types = sorted(t.pk for t in ContentType.objects.get_for_models(*models).values())
        queries[log._meta.db_table] = (
            f"SELECT COUNT(*), MAX(id), NULL FROM {quote(log._meta.db_table)} "
            f"WHERE content_type_id IN ({', '.join(['%s'] * len(types))})",
            types,
        )
    except LookupError:
        pass
    return list(queries.values())


def structure_stamp() -> tuple[Any, ...]:
    """What the tables a plan's lines are built from look like, in one query: any row added, deleted or
    saved, or any audited change of them, gives another stamp. Purchases do not change it."""
    parts = _structure_queries()
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _params in parts), [p for _sql, ps in parts for p in ps]
        )
        return tuple(cursor.fetchall())


def lifetime() -> float:
    return float(getattr(settings, "BANGFU_PROGRESS_CACHE_SECONDS", 300))


def cached(key: Hashable, compute: Callable[[], T], stamp: Callable[[], Hashable] | None = None) -> T:
    """``compute()``, or its result from the last ``lifetime()`` seconds for the same key and data
    (``stamp()``: by default :func:`data_stamp`)."""
    seconds = lifetime()
    if seconds <= 0 or connection.in_atomic_block:
        return compute()
    full_key = (key, (stamp or data_stamp)())
    while True:
        with _lock:
            entry = _entries.get(full_key)
            if entry is not None and entry[0] > time.monotonic():
                _entries.move_to_end(full_key)
                return entry[1]
            running = _running.get(full_key)
            if running is None:
                done = _running[full_key] = threading.Event()
                break
        running.wait(WAIT_SECONDS)  # another request computes it; then look again
    try:
        value = compute()
        with _lock:
            _entries[full_key] = (time.monotonic() + seconds, value)
            _entries.move_to_end(full_key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return value
    finally:
        with _lock:
            _running.pop(full_key, None)
        done.set()


def peek(key: Hashable, stamp: Callable[[], Hashable] | None = None) -> Any | None:
    """What :func:`cached` holds for ``key`` and the current ``stamp()`` — or None (nothing computed)."""
    if lifetime() <= 0 or connection.in_atomic_block:
        return None
    full_key = (key, (stamp or data_stamp)())
    with _lock:
        entry = _entries.get(full_key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
    return None


_also_cleared: list[Callable[[], None]] = []


def on_clear(forget: Callable[[], None]) -> None:
    """Have :func:`cache_clear` call ``forget`` too (the live figures, :mod:`progress.live`)."""
    _also_cleared.append(forget)


def cache_clear() -> None:
    """Forget every cached computation (for services that change figures without leaving a trace)."""
    with _lock:
        _entries.clear()
    for forget in _also_cleared:
        forget()
