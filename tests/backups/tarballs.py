"""Make damaged or doctored backup archives in tests, with ``tarfile`` directly (not the code under test)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        out: dict[str, bytes] = {}
        for info in tar:
            source = tar.extractfile(info)
            assert source is not None
            out[info.name] = source.read()
        return out


def write_members(path: Path, members: dict[str, bytes], *, links: dict[str, str] | None = None) -> Path:
    """A .tar.gz with these regular files (in this order) and, optionally, symbolic links name → target."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


def repack(
    source: Path,
    target: Path,
    *,
    members: Callable[[dict[str, bytes]], None] | None = None,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    rehash: bool = False,
) -> Path:
    """A copy of the archive ``source`` with its members and/or its manifest edited in place by the given
    functions; with ``rehash`` the manifest's checksums are brought in line with the edited members (a
    consistent archive with different contents), without it they are left as they were (a corrupt one)."""
    files = read_members(source)
    data = json.loads(files.pop("manifest.json"))
    if members:
        members(files)
    if rehash:
        data["files"] = {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            for name, body in files.items()
        }
    if manifest:
        manifest(data)
    files["manifest.json"] = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return write_members(target, files)
