"""Ledgers uploaded through the web or the API: stored, previewed and imported in the background.

A file is kept under ``MEDIA_ROOT/ledger-uploads/<token>/<name>``: the token is random and made here, the
name is the uploaded file's own name reduced to a safe file name; nothing a client sends is ever used as a
path. Its :class:`~bangfu.ledger.models.Upload` row records who uploaded it and where it stands.

The web request only stores the file and runs cheap checks (type, size, a page or PDF renamed, a
password, a zip that would unpack to too much); reading it — the preview, a dry run that writes nothing,
and the import — runs as a background job (:mod:`bangfu.ledger.tasks`), so a large or odd file never
holds a web request or the database's write lock for its length. While a job runs it writes its progress
to ``progress.json`` next to the file (not to the database, whose write lock the import holds). Uploads
are removed once imported or cancelled; any left behind for a day are pruned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from bangfu.common.files import atomic_path
from bangfu.common.money import format_yuan
from bangfu.common.tables import TableReadError, file_kind
from bangfu.common.workbooks import check_package

from ..choices import Channel, UploadState
from ..models import ImportBatch, Upload
from ..parsing import LedgerRow
from .imports import ImportSummary, LedgerImportError, ledger_import

FOLDER = "ledger-uploads"
MAX_AGE_SECONDS = 24 * 3600
PROGRESS_FILE = "progress.json"
#: What a preview keeps to show: the first rows as read, problem rows, and each cell's first characters.
PREVIEW_SAMPLE_ROWS = 20
PREVIEW_PROBLEMS = 200
PREVIEW_CELL_CHARS = 200
PREVIEW_COLUMNS = 60
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
#: States of an upload that waits for its user (counted against the per-user quota).
AWAITING = (UploadState.RECEIVED, UploadState.PREVIEWING, UploadState.PREVIEWED)


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


def upload_quota_check(user: Any, size: int) -> None:
    """Each user may keep a few uploads waiting for confirmation (``BANGFU_UPLOAD_PENDING_FILES``, of at
    most ``BANGFU_UPLOAD_PENDING_MB`` together); imported, cancelled and failed ones do not count."""
    waiting = Upload.objects.filter(user=user, state__in=AWAITING)
    count = waiting.count()
    if count >= settings.BANGFU_UPLOAD_PENDING_FILES:
        raise LedgerImportError(
            f"您已有 {count} 个上传的文件尚未确认导入；请先在“导入台账”中确认或取消它们，再上传新的文件。"
        )
    held = waiting.aggregate(total=Sum("size"))["total"] or 0
    limit = settings.BANGFU_UPLOAD_PENDING_MB << 20
    if held + size > limit:
        raise LedgerImportError(
            f"您上传后尚未确认导入的文件已有 {held / 2**20:.1f} MB，再加上这个文件将超过 "
            f"{limit >> 20} MB 的上限；请先确认或取消之前的上传。"
        )


def _sniff(path: Path, name: str) -> None:
    """Cheap checks on a stored file: what it really is (a page or a PDF renamed .xls), a password, a zip
    that would unpack to too much. Reading it is the preview job's work."""
    with path.open("rb") as handle:
        head = handle.read(64)
    try:
        if file_kind(name, head) == "excel":
            check_package(path, name, head)
    except TableReadError as exc:
        raise LedgerImportError(str(exc)) from exc


@transaction.atomic
def upload_store(
    *,
    user: Any,
    chunks: Iterable[bytes],
    name: str,
    size: int,
    reporting_org: Any = None,
    year: int | None = None,
    channel: str = "",
) -> Upload:
    """Keep an uploaded file (within the user's quota) and record it; :class:`LedgerImportError` with the
    reason when it is refused (nothing is kept then)."""
    upload_check(name, size)
    upload_quota_check(user, size)
    uploads_prune()
    token = secrets.token_urlsafe(24)
    stored_name = safe_name(name)
    path = upload_path(token, stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    try:
        with atomic_path(path) as temp, temp.open("wb") as handle:  # never a half-written upload
            for chunk in chunks:
                written += len(chunk)
                if written > settings.BANGFU_UPLOAD_MAX_BYTES:
                    upload_check(name, written)
                digest.update(chunk)
                handle.write(chunk)
        upload_check(name, written)
        _sniff(path, stored_name)
    except BaseException:
        _discard_files(token)
        raise
    return Upload.objects.create(
        token=token,
        user=user,
        file_name=stored_name,
        size=written,
        sha256=digest.hexdigest(),
        reporting_org=reporting_org,
        year=year,
        channel=channel,
    )


def upload_path(token: str, name: str) -> Path:
    """Where an upload is kept; ValueError for a token that is not one of ours."""
    if not _TOKEN_RE.fullmatch(token or ""):
        raise ValueError("invalid upload token")
    return _root() / token / safe_name(name)


def _discard_files(token: str) -> None:
    if _TOKEN_RE.fullmatch(token or ""):
        shutil.rmtree(_root() / token, ignore_errors=True)


def upload_discard(upload: Upload) -> None:
    """Cancel an upload that waits for its user: its file is removed. An import that has started is not
    cancelled (it finishes, atomically)."""
    if upload.state == UploadState.IMPORTING:
        raise LedgerImportError("该文件正在导入，不能取消；请等待导入完成后查看结果。")
    _discard_files(upload.token)
    if upload.state in AWAITING:
        Upload.objects.filter(pk=upload.pk).update(state=UploadState.CANCELLED, updated_at=timezone.now())
        upload.state = UploadState.CANCELLED


def uploads_prune(max_age: float = MAX_AGE_SECONDS) -> int:
    """Remove uploads older than ``max_age`` seconds that nobody confirmed (abandoned wizards); returns how
    many folders were removed."""
    cutoff = timezone.now() - dt.timedelta(seconds=max_age)
    Upload.objects.filter(state__in=AWAITING, updated_at__lt=cutoff).exclude(
        state=UploadState.PREVIEWING
    ).update(state=UploadState.CANCELLED, error="上传后一天内未确认导入，文件已删除。")
    root = _root()
    if not root.is_dir():
        return 0
    cutoff_seconds = time.time() - max_age
    busy = set(
        Upload.objects.filter(state__in=(UploadState.PREVIEWING, UploadState.IMPORTING)).values_list(
            "token", flat=True
        )
    )
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.name not in busy and folder.stat().st_mtime < cutoff_seconds:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


# --- progress ------------------------------------------------------------------------------------


def _progress_path(upload: Upload) -> Path:
    return _root() / upload.token / PROGRESS_FILE


def upload_progress(upload: Upload) -> dict[str, Any]:
    """What the running job last said: {"phase": "read"|"write", "done": rows, "total": rows|None}."""
    try:
        return dict(json.loads(_progress_path(upload).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _progress_writer(upload: Upload) -> Any:
    path = _progress_path(upload)

    def write(phase: str, done: int, total: int | None) -> None:
        if not path.parent.is_dir():
            return
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"phase": phase, "done": done, "total": total}), encoding="utf-8")
        os.replace(temporary, path)

    return write


# --- the jobs --------------------------------------------------------------------------------------


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _cell(value: Any) -> str:
    text = str(value)
    return text if len(text) <= PREVIEW_CELL_CHARS else text[:PREVIEW_CELL_CHARS] + "…"


def _cells(raw: Iterable[Any]) -> list[str]:
    cells = [_cell(value) for value in list(raw)[: PREVIEW_COLUMNS + 1]]
    if len(cells) > PREVIEW_COLUMNS:
        cells[PREVIEW_COLUMNS:] = ["…"]
    return cells


def _row(row: LedgerRow) -> dict[str, Any]:
    return {
        "sheet": row.sheet,
        "row": row.row,
        "raw": _cells(row.raw),
        "kind": row.kind,
        "reason": row.reason,
    }


def summary_record(summary: ImportSummary) -> dict[str, Any]:
    """The summary as kept with the upload: the ``--json`` fields plus what the pages show, every cell
    shortened (a 200 MB cell must not make a 200 MB page) and the rows capped."""
    return {
        **summary.to_dict(),
        "total_fen": summary.total_fen,
        "total_text": format_yuan(summary.total_fen),
        "dry_run": summary.dry_run,
        "sheets": [{**sheet, "headers": _cells(sheet.get("headers", []))} for sheet in summary.sheets],
        "sample": [_row(row) for row in summary.sample[:PREVIEW_SAMPLE_ROWS]],
        "columns": [
            {**column, "header": _cell(column["header"]), "note": _cell(column["note"])}
            for column in summary.to_dict()["columns"][: PREVIEW_COLUMNS * 4]
        ],
        "problems": [
            {
                "outcome": p.outcome,
                "sheet": p.sheet,
                "row": p.row,
                "raw": _cells(p.raw),
                "reason": _cell(p.reason),
            }
            for p in summary.problems[:PREVIEW_PROBLEMS]
        ],
        "problem_count": len(summary.problems),
        "unassigned": [_cell(name) for name in summary.unassigned[:PREVIEW_PROBLEMS]],
        "created_orgs": [_cell(name) for name in summary.created_orgs[:PREVIEW_PROBLEMS]],
    }


def _claim(upload_id: int, expected: str) -> Upload | None:
    """The upload, marked as being worked on by this process; None if it is not in the expected state
    (cancelled meanwhile, or run already)."""
    with transaction.atomic():
        claimed = Upload.objects.filter(pk=upload_id, state=expected, worker="").update(
            worker=_worker_name(), updated_at=timezone.now()
        )
    return Upload.objects.select_related("user", "reporting_org").get(pk=upload_id) if claimed else None


def _finish(upload: Upload, **fields: Any) -> None:
    _progress_path(upload).unlink(missing_ok=True)
    fields.setdefault("worker", "")
    Upload.objects.filter(pk=upload.pk).update(updated_at=timezone.now(), **fields)


def _channel_label(code: str) -> str | None:
    """The reader's name of a stated channel (the upload keeps the record's code)."""
    return str(Channel(code).label) if code in Channel.values else None


def _terms(upload: Upload) -> Any:
    from ..access import import_terms_for

    return import_terms_for(upload.user, upload.reporting_org_id)


def upload_preview_start(upload: Upload) -> None:
    """Queue the preview (a dry run) of an upload."""
    from ..tasks import ledger_upload_preview

    Upload.objects.filter(pk=upload.pk).update(state=UploadState.PREVIEWING, error="", worker="")
    upload.state = UploadState.PREVIEWING
    ledger_upload_preview.enqueue(upload.pk)


def upload_preview_run(upload_id: int) -> None:
    """The preview job: the import's read phase alone; nothing is written but the upload's summary."""
    upload = _claim(upload_id, UploadState.PREVIEWING)
    if upload is None:
        return
    try:
        terms = _terms(upload)
        summary = ledger_import(
            path=upload_path(upload.token, upload.file_name),
            year=upload.year,
            org=terms.reporting_org,
            user=upload.user,
            status=terms.status,
            dry_run=True,
            within=terms.within,
            progress=_progress_writer(upload),
            channel=_channel_label(upload.channel),
        )
    except (LedgerImportError, PermissionDenied) as exc:
        _discard_files(upload.token)
        _finish(upload, state=UploadState.FAILED, error=str(exc))
        return
    except Exception:
        _discard_files(upload.token)
        _finish(upload, state=UploadState.FAILED, error="分析文件时发生内部错误，请联系管理员。")
        raise
    _finish(upload, state=UploadState.PREVIEWED, summary=summary_record(summary))


def upload_import_start(upload: Upload) -> None:
    """Queue the import of an upload; refused while the same file is being imported."""
    from ..tasks import ledger_upload_import

    if upload.state not in (UploadState.RECEIVED, UploadState.PREVIEWED):
        raise LedgerImportError("这个文件已经处理过，请重新上传。")
    try:
        with transaction.atomic():
            Upload.objects.filter(pk=upload.pk).update(
                state=UploadState.IMPORTING, error="", worker="", updated_at=timezone.now()
            )
    except IntegrityError:
        raise LedgerImportError("同一个文件正在导入中，请等待它完成后再查看结果，不要重复导入。") from None
    upload.state = UploadState.IMPORTING
    ledger_upload_import.enqueue(upload.pk)


def upload_import_run(upload_id: int) -> None:
    """The import job: the real import; the file is removed afterwards."""
    upload = _claim(upload_id, UploadState.IMPORTING)
    if upload is None:
        return
    try:
        terms = _terms(upload)
        summary = ledger_import(
            path=upload_path(upload.token, upload.file_name),
            year=upload.year,
            org=terms.reporting_org,
            user=upload.user,
            status=terms.status,
            within=terms.within,
            progress=_progress_writer(upload),
            channel=_channel_label(upload.channel),
        )
    except (LedgerImportError, PermissionDenied) as exc:
        _finish(upload, state=UploadState.FAILED, error=str(exc))
        return
    except Exception:
        _finish(
            upload, state=UploadState.FAILED, error="导入时发生内部错误，没有写入任何数据；请联系管理员。"
        )
        raise
    finally:
        _discard_files(upload.token)
    batch = ImportBatch.objects.filter(pk=summary.batch_id).first() if summary.batch_id else None
    _finish(upload, state=UploadState.IMPORTED, summary=summary_record(summary), batch=batch)


def uploads_recover() -> int:
    """Uploads whose job was being run by a process of this machine that is gone (a killed worker): their
    job failed; the import was atomic, so nothing of it was stored. Returns how many."""
    host = socket.gethostname()
    failed = 0
    for upload in Upload.objects.filter(
        state__in=(UploadState.PREVIEWING, UploadState.IMPORTING), worker__startswith=f"{host}:"
    ):
        try:
            os.kill(int(upload.worker.rsplit(":", 1)[1]), 0)
        except (ValueError, ProcessLookupError):
            _finish(
                upload,
                state=UploadState.FAILED,
                error="处理过程被中断（服务重启），没有写入任何数据；请重新上传。",
            )
            _discard_files(upload.token)
            failed += 1
        except PermissionError:
            continue
    return failed
