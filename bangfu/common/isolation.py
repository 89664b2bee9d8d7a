"""Running a reader of untrusted files in a child process with memory and CPU limits.

Pure Python, no Django. Spreadsheet and Word libraries are native code: a crafted or merely odd file (one
value in cell XFD1048576) can make them request hundreds of GiB and abort the whole process. Whatever
opens such a file therefore runs in a fresh child interpreter whose address space and CPU time are
limited (``resource.setrlimit``); if the child dies, the caller gets :class:`ChildFailed` and the web
server, the task worker or the command line carries on.

The protocol is a generator on each side. The child's *target* is a generator function
``target(payload, commands)``: what it yields is sent to the parent in batches (frames of pickled lists,
length-prefixed, through the child's stdout); ``commands`` is an iterator over what the parent sends with
:meth:`Child.send` (the child's pending output is flushed before it waits for one). The parent iterates
:class:`Child` for the items. Pipes give flow control: a child never runs ahead of its reader by more
than a pipe buffer and one batch, so neither side's memory grows with the file.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import pickle
import resource
import signal
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

_LENGTH = struct.Struct("<Q")
#: Items per frame; a frame is also sent whenever the child is about to wait for a command.
BATCH = 2000
_ITEMS, _ERROR, _END, _DONE = 0, 1, 2, 3
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class _FlushMarker:
    """Yielded by a target after an item the parent must see at once (a progress marker)."""


#: A target yields ``FLUSH`` to send what it has yielded so far without waiting for a full batch.
FLUSH = _FlushMarker()


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """What one child may use. Defaults come from the environment (``BANGFU_READER_MEMORY_MB``,
    ``BANGFU_READER_CPU_SECONDS``) so that an office with very large workbooks can raise them."""

    memory_bytes: int
    cpu_seconds: int

    @classmethod
    def default(cls) -> Limits:
        return cls(
            memory_bytes=_env_int("BANGFU_READER_MEMORY_MB", 1024) << 20,
            cpu_seconds=_env_int("BANGFU_READER_CPU_SECONDS", 600),
        )


class ChildFailed(Exception):
    """The child died (or was killed) before finishing: ``reason`` is "memory", "cpu" or "crash"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class _Unpickler(pickle.Unpickler):
    """Only plain values, dates and this project's own classes (exceptions, dataclasses) cross the pipe."""

    _ALLOWED = frozenset({"datetime", "decimal", "builtins", "collections"})

    def find_class(self, module: str, name: str) -> Any:
        root = module.split(".", 1)[0]
        if root == "bangfu" or (module in self._ALLOWED and not name.startswith("_")):
            if module == "builtins" and name in {"eval", "exec", "getattr", "open", "__import__", "compile"}:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed")
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def _read_frame(stream: IO[bytes]) -> tuple[int, Any] | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    kind, value = _Unpickler(io.BytesIO(data)).load()
    return kind, value


def _write_frame(stream: IO[bytes], kind: int, value: Any) -> None:
    data = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)


class Child:
    """A running child: iterate it for the target's items; :meth:`send` a command; :meth:`close` it.

    Exceptions raised by the target in the child are raised again here when picklable (the project's
    own exceptions carry their Chinese messages across); any death of the child is :class:`ChildFailed`.
    """

    def __init__(self, target: str, payload: Any, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.default()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        env = dict(os.environ)
        paths = (_PACKAGE_ROOT, os.getcwd(), env.get("PYTHONPATH", ""))
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bangfu.common.isolation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            close_fds=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in = self._process.stdin
        self._out = self._process.stdout
        self._done = False
        self.send((target, payload, self.limits.memory_bytes, self.limits.cpu_seconds))

    def send(self, command: Any) -> None:
        data = pickle.dumps(command, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._in.write(_LENGTH.pack(len(data)))
            self._in.write(data)
            self._in.flush()
        except BrokenPipeError:
            self._fail()

    def __iter__(self) -> Iterator[Any]:
        """The items the target yields up to its next wait for a command, or up to its end."""
        while not self._done:
            frame = _read_frame(self._out)
            if frame is None:
                self._fail()
            kind, value = frame  # type: ignore[misc]
            if kind == _ITEMS:
                yield from value
            elif kind == _END:  # the target waits for a command
                return
            elif kind == _DONE:
                self.close()
                return
            else:
                self.close()
                raise value

    @property
    def finished(self) -> bool:
        return self._done

    def _fail(self) -> None:
        self._done = True
        code = self._process.wait()
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - 4000))
        detail = self._stderr.read().decode("utf-8", "replace")
        self.close()
        lowered = detail.lower()
        if code in (-signal.SIGXCPU, -signal.SIGKILL) and "memory" not in lowered:
            raise ChildFailed("cpu", detail)
        if "memory" in lowered or "alloc" in lowered or code == -signal.SIGABRT:
            raise ChildFailed("memory", detail)
        raise ChildFailed("crash", detail or f"exit status {code}")

    def close(self) -> None:
        """Stop the child (if it still runs) and free its pipes."""
        if self._stderr.closed:
            return
        self._done = True
        process = self._process
        for stream in (self._in, self._out):
            with contextlib.suppress(OSError):
                stream.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        self._stderr.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_process", None) is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def call(target: str, payload: Any, *, limits: Limits | None = None) -> list[Any]:
    """Run a target to its end in a child and return everything it yielded."""
    with Child(target, payload, limits=limits) as child:
        return list(child)


# --- the child's side ----------------------------------------------------------------------------


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


class _Output:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.batch: list[Any] = []

    def add(self, item: Any) -> None:
        self.batch.append(item)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            _write_frame(self.stream, _ITEMS, self.batch)
            self.batch = []
        self.stream.flush()

    def end(self, kind: int = _END) -> None:
        if self.batch:
            _write_frame(self.stream, _ITEMS, self.batch)
            self.batch = []
        _write_frame(self.stream, kind, None)
        self.stream.flush()


def _commands(source: IO[bytes], output: _Output) -> Iterator[Any]:
    while True:
        output.end()
        head = source.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return
        (length,) = _LENGTH.unpack(head)
        yield pickle.loads(source.read(length))


def _resolve(target: str) -> Callable[..., Iterator[Any]]:
    module, _, name = target.partition(":")
    if not module.startswith(("bangfu.", "tests.")):  # only this project's own readers (and its tests')
        raise ValueError(f"not a bangfu target: {target}")
    function = getattr(importlib.import_module(module), name)
    return function


def _child_main() -> int:
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the frames' stream.
    sys.stdout = sys.stderr
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return 1
    (length,) = _LENGTH.unpack(head)
    target, payload, memory_bytes, cpu_seconds = pickle.loads(source.read(length))
    _limit(memory_bytes, cpu_seconds)
    output = _Output(sink)
    try:
        for item in _resolve(target)(payload, _commands(source, output)):
            if item is FLUSH:
                output.flush()
            else:
                output.add(item)
    except MemoryError:
        sys.stderr.write("memory: MemoryError\n")
        return 3
    except Exception as exc:  # the target's own errors (messages for the user) go to the parent
        try:
            _write_frame(sink, _ERROR, exc)
        except Exception:
            _write_frame(sink, _ERROR, RuntimeError(f"{type(exc).__name__}: {exc}"))
        sink.flush()
        return 0
    output.end(_DONE)
    return 0


if __name__ == "__main__":
    # Run the child from the importable module, not from ``__main__``: targets compare with its FLUSH.
    from bangfu.common import isolation

    try:
        code = isolation._child_main()
    except BrokenPipeError:  # the parent stopped reading (closed the child early)
        code = 0
    sys.stdout.flush = lambda: None  # type: ignore[method-assign]
    os._exit(code)
