"""Targets run in a child process by tests/common/test_isolation.py (a child imports them by name)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from bangfu.common.tables import TableReadError


def echo(payload: Any, commands: Iterator[Any]) -> Iterator[Any]:
    yield from payload
    for command in commands:
        if command == "stop":
            return
        yield from [command] * 3


def refuse(payload: Any, _commands: Iterator[Any]) -> Iterator[Any]:
    yield "started"
    raise TableReadError(f"文件“{payload}”无法读取")


def hoard(payload: Any, _commands: Iterator[Any]) -> Iterator[Any]:
    chunks = []
    while True:  # ~64 MiB at a time until the limit stops it
        chunks.append(bytearray(64 << 20))
        yield len(chunks)


def spin(payload: Any, _commands: Iterator[Any]) -> Iterator[Any]:
    n = 0
    while True:
        n += 1
        if n % 10_000_000 == 0:
            yield n


def die(payload: Any, _commands: Iterator[Any]) -> Iterator[Any]:
    yield "before"
    os.abort()
    yield "never"


def many(payload: int, _commands: Iterator[Any]) -> Iterator[Any]:
    for i in range(payload):
        yield [i, str(i), float(i)]
