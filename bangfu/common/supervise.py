"""Keeping a helper process running next to the web server (the background-job worker). Pure Python.

``bangfu serve`` starts the worker with :class:`Supervised`; if the worker dies it is started again
(waiting a little longer after each quick failure), and it is stopped when the server stops.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence


class Supervised:
    """A child process kept alive by a watcher thread until :meth:`stop`."""

    def __init__(self, command: Sequence[str], *, name: str, grace: float = 30.0) -> None:
        self.command = list(command)
        self.name = name
        self.grace = grace
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"supervise-{name}", daemon=True)

    def start(self) -> Supervised:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command)

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            process = self.process
            assert process is not None
            started = time.monotonic()
            while process.poll() is None:
                if self._stopping.wait(0.5):
                    return
            if self._stopping.is_set():
                return
            lived = time.monotonic() - started
            delay = 1.0 if lived > 60 else min(delay * 2, 60.0)
            print(
                f"{self.name} 已退出（状态 {process.returncode}），{delay:.0f} 秒后重新启动",
                file=sys.stderr,
                flush=True,
            )
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            self._spawn()

    def stop(self) -> None:
        """Ask the process to finish (SIGTERM: a running job completes or is rolled back), then kill it
        after ``grace`` seconds."""
        self._stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(self.grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
