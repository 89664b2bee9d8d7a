"""The backup archive: one ``.tar.gz`` holding the database, the media folder and a manifest.

PURE: paths and plain data in, plain data out; no Django. Layout of an archive::

    database/bangfu.sqlite3   or   database/bangfu.pgdump
    media/<path under MEDIA_ROOT>          evidence files, import reports, pending uploads
    manifest.json                          written last: it lists the SHA-256 and size of every other member

The manifest comes last so that every file is hashed while it is written, in one pass, and a file that
changes during the backup cannot disagree with its recorded checksum. Reading extracts every member into
a staging folder while hashing it, and only then compares with the manifest: nothing outside the staging
folder is touched until the whole archive is known to be sound.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any

FORMAT = "bangfu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
_CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be written, or is not a sound bangfu backup. The message is for the user."""


@dataclass(frozen=True)
class Member:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a backup holds. ``database`` has at least ``engine`` (``sqlite`` / ``postgresql``) and
    ``file`` (the member holding the dump); ``counts`` maps model labels to row counts."""

    bangfu_version: str
    created_at: str
    database: dict[str, str]
    migrations: dict[str, list[str]]
    counts: dict[str, int]
    files: dict[str, Member] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def engine(self) -> str:
        return self.database["engine"]

    @property
    def database_file(self) -> str:
        return self.database["file"]

    @property
    def media_files(self) -> list[str]:
        return [name for name in self.files if name.startswith(MEDIA_DIR + "/")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "format_version": self.format_version,
            "bangfu_version": self.bangfu_version,
            "created_at": self.created_at,
            "database": self.database,
            "migrations": self.migrations,
            "counts": self.counts,
            "files": {name: {"sha256": m.sha256, "size": m.size} for name, m in self.files.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        try:
            if data["format"] != FORMAT:
                raise ArchiveError("不是 bangfu 备份文件（manifest.json 的格式标记不符）")
            version = int(data["format_version"])
            if version > FORMAT_VERSION:
                raise ArchiveError(f"备份格式版本 {version} 比本程序支持的新，请先升级 bangfu 再恢复")
            database = {str(k): str(v) for k, v in data["database"].items()}
            if not {"engine", "file"} <= database.keys():
                raise KeyError("database")
            return cls(
                format_version=version,
                bangfu_version=str(data["bangfu_version"]),
                created_at=str(data["created_at"]),
                database=database,
                migrations={str(app): [str(n) for n in names] for app, names in data["migrations"].items()},
                counts={str(label): int(n) for label, n in data["counts"].items()},
                files={
                    str(name): Member(sha256=str(m["sha256"]), size=int(m["size"]))
                    for name, m in data["files"].items()
                },
            )
        except ArchiveError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ArchiveError("备份文件的清单 manifest.json 格式不正确") from exc


class _HashingReader:
    """Hands tarfile the bytes of a file and hashes exactly the bytes that went into the archive."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


class ArchiveWriter:
    """Writes an archive to a temporary file beside ``path`` and moves it into place only when
    :meth:`finish` has written the manifest; a failed or interrupted backup leaves nothing at ``path``.

    ``with ArchiveWriter(path) as writer: writer.add_file(...); writer.add_tree(...); writer.finish(m)``
    """

    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self.members: dict[str, Member] = {}
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)  # mode 0600
        self.temp_path = Path(temp)
        self._file = os.fdopen(fd, "wb")
        self._tar = tarfile.open(  # noqa: SIM115  (closed by finish() or __exit__)
            fileobj=self._file, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT, encoding="utf-8"
        )
        self._done = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._done:
            self._tar.close()
            self._file.close()
            self.temp_path.unlink(missing_ok=True)

    def add_file(self, name: str, source: Path, *, mode: int = 0o644) -> Member:
        _check_name(name)
        if name in self.members:
            raise ArchiveError(f"备份中重复的文件名：{name}")
        with source.open("rb") as raw:
            stat = os.fstat(raw.fileno())
            info = _tarinfo(name, size=stat.st_size, mtime=stat.st_mtime, mode=mode)
            reader = _HashingReader(raw)
            try:
                self._tar.addfile(info, reader)  # reads exactly info.size bytes
            except OSError as exc:
                if source.stat().st_size < stat.st_size:
                    raise ArchiveError(f"文件在备份过程中被改动：{source}，请重新备份") from exc
                raise
        member = Member(sha256=reader.digest.hexdigest(), size=stat.st_size)
        self.members[name] = member
        return member

    def add_tree(self, prefix: str, root: Path, *, exclude: tuple[Path, ...] = ()) -> tuple[int, list[Path]]:
        """Every regular file under ``root`` as ``prefix/<relative path>``, in a stable order.
        Returns (files added, paths skipped: links, special files, names an archive cannot hold)."""
        added, skipped = 0, []
        skip = tuple(p.resolve() for p in (*exclude, self.path, self.temp_path))  # never itself
        for path in _walk(root, skip):
            name = f"{prefix}/{path.relative_to(root).as_posix()}"
            if path.is_symlink() or not path.is_file() or not _safe_name(name):
                skipped.append(path)
                continue
            self.add_file(name, path)
            added += 1
        return added, skipped

    def finish(self, manifest: Manifest) -> Manifest:
        """Adds the manifest (with the checksums of every member), syncs the file to disk and moves it
        to ``path``."""
        manifest = replace(manifest, files=dict(self.members))
        data = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2).encode("utf-8")
        info = _tarinfo(MANIFEST, size=len(data), mtime=None, mode=0o644)
        self._tar.addfile(info, _BytesReader(data))
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self.path.exists() and not self.overwrite:
            raise ArchiveError(f"文件已存在：{self.path}（要覆盖请加 --force）")
        os.replace(self.temp_path, self.path)
        self._done = True
        return manifest


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk = self.data[self.offset : end]
        self.offset += len(chunk)
        return chunk


def _tarinfo(name: str, *, size: int, mtime: float | None, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime if mtime is not None else time.time())
    info.mode = mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _walk(root: Path, exclude: tuple[Path, ...]) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _excluded(here / d, exclude))
        for name in sorted(files):
            path = here / name
            if not _excluded(path, exclude):
                yield path


def _excluded(path: Path, exclude: tuple[Path, ...]) -> bool:
    resolved = path.resolve() if not path.is_symlink() else path.parent.resolve() / path.name
    return any(resolved == p or resolved.is_relative_to(p) for p in exclude)


def _check_name(name: str) -> None:
    if not _safe_name(name):
        raise ArchiveError(f"备份文件中有不允许的条目：{name}")


def _safe_name(name: str) -> bool:
    """Only ``manifest.json``, ``database/<file>`` and ``media/<relative path>``; never an absolute
    path or a ``..`` that would climb out of the folder it is extracted into."""
    parts = PurePosixPath(name).parts
    return (
        PurePosixPath(name).as_posix() == name
        and not name.startswith("/")
        and "\\" not in name
        and "\x00" not in name
        and all(part not in ("", ".", "..") for part in parts)
        and (
            name == MANIFEST
            or (len(parts) == 2 and parts[0] == DATABASE_DIR)
            or (len(parts) >= 2 and parts[0] == MEDIA_DIR)
        )
    )


# --- reading ----------------------------------------------------------------------------------


def archive_extract(path: Path, into: Path) -> Manifest:
    """Extracts the archive at ``path`` into the (empty) folder ``into`` and verifies it: a manifest of
    a known format, every member listed in it with the recorded SHA-256 and size, nothing else.
    Raises :class:`ArchiveError` with a one-line Chinese message otherwise."""
    seen: dict[str, Member] = {}
    manifest_data: bytes | None = None
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for info in tar:
                if info.isdir():
                    continue
                _check_name(info.name)
                if not info.isfile():
                    raise ArchiveError(f"备份文件中有不允许的条目（链接或特殊文件）：{info.name}")
                if info.name in seen or (info.name == MANIFEST and manifest_data is not None):
                    raise ArchiveError(f"备份文件中有重复的条目：{info.name}")
                source = tar.extractfile(info)
                assert source is not None  # a regular file always has contents
                if info.name == MANIFEST:
                    manifest_data = source.read(16 * 1024 * 1024)
                    continue
                seen[info.name] = _extract_member(source, into / info.name, mtime=info.mtime)
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"备份文件已损坏或不完整，无法读取：{path}") from exc
    except OSError as exc:
        raise ArchiveError(f"恢复时无法读写 {exc.filename or path}：{exc.strerror or exc}") from exc
    return _verified(manifest_data, seen, path)


def _verified(manifest_data: bytes | None, seen: dict[str, Member], path: Path) -> Manifest:
    """The archive's manifest, once every extracted member matches it and nothing else was extracted."""
    if manifest_data is None:
        raise ArchiveError(f"备份文件中没有 manifest.json，不是 bangfu 备份或已不完整：{path}")
    try:
        manifest = Manifest.from_dict(json.loads(manifest_data.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError("备份文件的清单 manifest.json 无法读取") from exc
    for name, expected in manifest.files.items():
        actual = seen.get(name)
        if actual is None:
            raise ArchiveError(f"备份文件不完整：缺少 {name}")
        if actual != expected:
            raise ArchiveError(f"备份文件已损坏：{name} 的校验值与清单不符")
    extra = sorted(seen.keys() - manifest.files.keys())
    if extra:
        raise ArchiveError(f"备份文件中有清单之外的条目：{extra[0]}")
    if manifest.database_file not in seen:
        raise ArchiveError(f"备份文件不完整：缺少数据库 {manifest.database_file}")
    return manifest


def _extract_member(source: IO[bytes], target: Path, *, mtime: float) -> Member:
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.utime(target, (mtime, mtime))
    return Member(sha256=digest.hexdigest(), size=size)
