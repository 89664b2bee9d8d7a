"""A short per-process cache of computed progress (the dashboard at a million records).

A full computation reads every eligible purchase; a page that shows it is opened again and again. The
cache keeps the last computations for ``BANGFU_PROGRESS_CACHE_SECONDS`` (default 300; 0 turns it off),
keyed by what they were computed for *and* by a data stamp — the newest purchase, import batch, review
event and audit-log entry — so that an import, a record entered, a review step (approve/return, which
the workflow writes as set-based updates with one event per record) or any audited change (bases,
targets, rules, units) is seen on the next request. Changes that leave no such trace (a raw SQL update)
are seen when the entry expires. Requests that want the same computation while it runs wait for it
instead of starting their own (no stampede when a busy page's entry goes stale).

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


def lifetime() -> float:
    return float(getattr(settings, "BANGFU_PROGRESS_CACHE_SECONDS", 300))


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from the last ``lifetime()`` seconds for the same key and data."""
    seconds = lifetime()
    if seconds <= 0 or connection.in_atomic_block:
        return compute()
    full_key = (key, data_stamp())
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


def cache_clear() -> None:
    """Forget every cached computation (for services that change figures without leaving a trace)."""
    with _lock:
        _entries.clear()
