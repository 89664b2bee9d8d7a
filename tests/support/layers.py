"""Shared worlds built once and reused through transactions.

Loading Cixi's unit list, the regions and the seed plan takes one or two seconds; hundreds of tests need
them. A *layer* is such a set-up, built once inside a transaction (a savepoint above the layers it stands
on) and kept open while the tests that need it run; each test then runs in its own savepoint on top
(pytest-django's ``db``, Django's ``TestCase``), so whatever a test writes is rolled back and the next test
sees the layer as it was built. This is Django's ``setUpTestData`` stretched over a whole test run.

Layers form a chain from the empty database (``cixi_orgs`` → ``seeded_regions`` → ``seed_plan`` → …). A
test asks for a layer by requesting the fixture of the same name; before its own transaction opens, the
stack of open layers is made to equal the layer's chain: layers the test does not stand on are rolled
back, missing ones are built. A test that asks for no layer sees the empty database, and a transactional
test (``transactional_db``, ``live_server``) runs with no layer open. Tests are ordered so that those on
the same chain run together (see ``sort_key``), so each layer is built about once per run (per worker
under pytest-xdist).

A layer's builder runs once; its value is what the builder returns. Model instances in a value are
shared by the tests standing on it: a test that changes one in memory should re-read it (the database
row itself is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Layer:
    name: str
    build: Callable[[pytest.FixtureRequest], Any]
    parent: str | None


LAYERS: dict[str, Layer] = {}


def layer(name: str, *, on: str | None = None) -> Callable[[Callable[[pytest.FixtureRequest], Any]], Any]:
    """Register ``build(request)`` as the layer ``name`` standing on the layer ``on``. The test module or
    conftest also defines a fixture ``name`` (usually ``return layer_value(request, name)``)."""

    def register(build: Callable[[pytest.FixtureRequest], Any]) -> Callable[[pytest.FixtureRequest], Any]:
        if name in LAYERS and LAYERS[name].build.__qualname__ != build.__qualname__:
            raise ValueError(f"two layers named {name!r}")
        LAYERS[name] = Layer(name, build, on)
        return build

    return register


def chain(name: str) -> tuple[str, ...]:
    names: list[str] = []
    current: str | None = name
    while current is not None:
        if current not in LAYERS:
            raise pytest.UsageError(f"unknown layer {current!r} (under {name!r})")
        names.append(current)
        current = LAYERS[current].parent
    return tuple(reversed(names))


def wanted(fixturenames: Iterable[str]) -> tuple[str, ...]:
    """The chain of layers a test with these fixtures stands on (all its layers must lie on one chain)."""
    chains = [chain(name) for name in fixturenames if name in LAYERS]
    longest = max(chains, key=len, default=())
    for other in chains:
        if longest[: len(other)] != other:
            raise pytest.UsageError(f"layers {other[-1]!r} and {longest[-1]!r} are not on one chain")
    return longest


def is_transactional(item: pytest.Item) -> bool:
    """As pytest-django decides it."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return "transactional_db" in names or "live_server" in names


def sort_key(item: pytest.Item) -> tuple[int, tuple[str, ...]]:
    """pytest-django's order (TestCase-like tests, then transactional ones, then the rest), and within the
    first group tests grouped by the chain of layers they stand on (the order is otherwise kept)."""
    names = getattr(item, "fixturenames", ())
    if is_transactional(item):
        return (1, ())
    if item.get_closest_marker("django_db") is not None or "db" in names:
        return (0, wanted(names))
    return (2, ())


class Stack:
    """The open layers, bottom first, each with its transaction and value."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any, Any]] = []

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _block, _value in self.entries)

    def ensure(self, chain: tuple[str, ...], request: pytest.FixtureRequest) -> None:
        keep = 0
        for open_name, name in zip(self.names, chain, strict=False):
            if open_name != name:
                break
            keep += 1
        while len(self.entries) > keep:
            self.pop()
        for name in chain[keep:]:
            self.push(name, request)

    def push(self, name: str, request: pytest.FixtureRequest) -> None:
        from django.db import transaction

        block = transaction.atomic()
        block.__enter__()
        try:
            value = LAYERS[name].build(request)
        except BaseException:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
            raise
        self.entries.append((name, block, value))

    def pop(self) -> None:
        from django.db import transaction

        _name, block, _value = self.entries.pop()
        transaction.set_rollback(True)
        block.__exit__(None, None, None)

    def value(self, name: str) -> Any:
        for open_name, _block, value in self.entries:
            if open_name == name:
                return value
        raise LookupError(f"layer {name!r} is not open (open: {self.names})")


def layer_value(request: pytest.FixtureRequest, name: str) -> Any:
    """The value of an open layer, from a fixture that depends on ``db``."""
    stack: Stack = request.getfixturevalue("_layer_stack")
    return stack.value(name)
