"""Files we write are never seen half-written.

A report, bulletin or backup written straight to its name is truncated when the process is killed (a
restarted service, an out-of-memory kill, Ctrl+C), and the truncated file looks like a finished one. So
every file is written to a hidden temporary file in the same folder — the same disk, so that the final
rename is atomic — flushed to disk, and only then renamed over the real name. Interrupted, the real name
still holds the previous complete file (or nothing) and the temporary file is removed.

Plain Python (no Django): the pure renderers use it too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path | str, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` when the block ends without an
    exception, removed otherwise. ``mode``: the file's permissions (default: as a new file would get).

    >>> with atomic_path(target) as temp:
    ...     workbook.save(temp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_file_beside(target)
    try:
        yield temp
        if mode is not None:
            os.chmod(temp, mode)
        fsync_file(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def atomic_write_bytes(path: Path | str, data: bytes, *, mode: int | None = None) -> Path:
    """``path.write_bytes(data)``, atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode=mode) as temp:
        temp.write_bytes(data)
    return Path(path)


def atomic_write_text(
    path: Path | str, text: str, *, encoding: str = "utf-8", mode: int | None = None
) -> Path:
    """``path.write_text(text)``, atomically (see :func:`atomic_path`)."""
    return atomic_write_bytes(path, text.encode(encoding), mode=mode)


def create_once(path: Path | str, text: str, *, mode: int = 0o600, encoding: str = "utf-8") -> str:
    """Writes ``text`` to ``path`` unless a complete file is already there, and returns the file's text.

    For values made once and then kept (the generated secret key): the file appears complete or not at
    all (hard link of a finished temporary file, which never replaces an existing one), so two processes
    starting together agree on one value. An empty file — left by a version that wrote in place and was
    killed — counts as absent and is replaced."""
    target = Path(path)
    existing = _read_text(target, encoding)
    if existing:
        return existing
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_file_beside(target)
    try:
        os.chmod(temp, mode)
        temp.write_bytes(text.encode(encoding))
        fsync_file(temp)
        if existing == "":  # an empty leftover: replace it
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)
            except FileExistsError:
                return _read_text(target, encoding) or text
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(target.parent)
    return text


def _read_text(path: Path, encoding: str) -> str | None:
    """The file's text without surrounding whitespace; None when there is no file."""
    try:
        return path.read_text(encoding=encoding).strip()
    except FileNotFoundError:
        return None


def temp_file_beside(target: Path) -> Path:
    """A new empty file ``.<name>.<random>.partial`` beside ``target``, with the permissions a new file
    gets (0666 less the umask; ``tempfile.mkstemp`` would make it 0600)."""
    for _attempt in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temp
    raise FileExistsError(f"无法在 {target.parent} 中创建临时文件")


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Makes the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
