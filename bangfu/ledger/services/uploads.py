"""Uploaded ledgers waiting between the import wizard's preview and its confirmation.

A file is kept under ``MEDIA_ROOT/ledger-uploads/<token>/<name>``: the token is random and made here, the
name is the uploaded file's own name reduced to a safe file name. The web keeps the token in the user's
session; nothing a client sends is ever used as a path. Uploads are removed once imported or cancelled,
and any left behind for a day are pruned.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ..parsing import LedgerReadError, open_ledger
from .imports import LedgerImportError

FOLDER = "ledger-uploads"
MAX_AGE_SECONDS = 24 * 3600
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class StoredUpload:
    token: str
    name: str
    size: int

    @property
    def path(self) -> Path:
        return upload_path(self.token, self.name)


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def ledger_suffixes() -> tuple[str, ...]:
    """Suffixes a ledger may have: the site's upload types that the ledger reader reads (not .docx)."""
    return tuple(s for s in settings.BANGFU_UPLOAD_SUFFIXES if s != ".docx")


def safe_name(name: str) -> str:
    """The last part of an uploaded file's name without separators or control characters, at most 120
    characters (its suffix kept)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .") or "upload"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 8:
        return f"{stem[: 120 - len(suffix) - 1] or 'upload'}.{suffix}"
    return name[:120]


def upload_check(name: str, size: int) -> None:
    """Refuse a file by its name and size before it is stored (Chinese messages)."""
    suffix = Path(name).suffix.lower()
    allowed = ledger_suffixes()
    if suffix not in allowed:
        raise LedgerImportError(
            f"不支持文件“{name}”的类型（{suffix or '无扩展名'}）；请上传 {'、'.join(allowed)} 文件。"
        )
    limit = settings.BANGFU_UPLOAD_MAX_BYTES
    if size > limit:
        raise LedgerImportError(
            f"文件“{name}”有 {size / 2**20:.1f} MB，超过了 {limit / 2**20:.0f} MB 的上限；请拆分后分别导入。"
        )
    if size == 0:
        raise LedgerImportError(f"文件“{name}”是空文件。")


def ledger_upload_store(*, chunks: Iterable[bytes], name: str, size: int) -> StoredUpload:
    """Store an upload under a new token and check that the ledger reader can read it: its content is
    sniffed (an .xls that is really HTML, a PDF renamed .xlsx …) and a header must be found. A file that
    cannot be imported is removed again and :class:`LedgerImportError` says why."""
    upload_check(name, size)
    uploads_prune()
    token = secrets.token_urlsafe(24)
    stored = StoredUpload(token=token, name=safe_name(name), size=size)
    stored.path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with stored.path.open("wb") as handle:
        for chunk in chunks:
            written += len(chunk)
            if written > settings.BANGFU_UPLOAD_MAX_BYTES:
                handle.close()
                ledger_upload_discard(token)
                upload_check(name, written)
            handle.write(chunk)
    try:
        ledger = open_ledger(stored.path)
        ledger.close()
    except LedgerReadError as exc:
        ledger_upload_discard(token)
        raise LedgerImportError(str(exc)) from exc
    return stored


def upload_path(token: str, name: str) -> Path:
    """Where an upload is kept; ValueError for a token that is not one of ours."""
    if not _TOKEN_RE.fullmatch(token or ""):
        raise ValueError("invalid upload token")
    return _root() / token / safe_name(name)


def ledger_upload_discard(token: str) -> None:
    if _TOKEN_RE.fullmatch(token or ""):
        shutil.rmtree(_root() / token, ignore_errors=True)


def uploads_prune(max_age: float = MAX_AGE_SECONDS) -> int:
    """Remove uploads older than ``max_age`` seconds (abandoned wizards); returns how many."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = time.time() - max_age
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed
