"""Importing a ledger file over the API, and the import batches (导入批次) it leaves behind.

The upload is imported by the same background job as the web's import wizard (the same service as
``bangfu ledger import``); the answer is that command's ``--json`` summary plus the batch id. Who may
import for which unit, and with which status, is ``ledger.access.import_terms_for`` — one rule for the
web and the API: records are ``submitted`` and wait for review; only the coordinator may name the unit.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from bangfu.common.money import fen_to_yuan
from bangfu.ledger.access import batch_get_for_user, import_terms_for, upload_get_for_user
from bangfu.ledger.choices import Channel, UploadState
from bangfu.ledger.models import ImportBatch, Upload
from bangfu.ledger.services import LedgerImportError
from bangfu.ledger.services.uploads import ledger_suffixes, safe_name, upload_import_start, upload_store
from bangfu.orgs.models import Organisation

from .auth import audited, require
from .errors import COMMON_ERRORS, ErrorOut

router = Router(tags=["导入"])

#: Rejected/duplicate/skipped rows listed with a batch; the full list is in the downloadable report.
PROBLEMS_SHOWN = 200


def _report_url(batch_id: int | None, report: str) -> str | None:
    if batch_id is None or not report:
        return None
    return reverse("api:batch_report", kwargs={"batch_id": batch_id})


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


# --- POST /records/import -------------------------------------------------------------------------


class ImportOut(Schema):
    """The JSON of ``bangfu ledger import --json``, plus ``batch_id``, ``total_fen`` and ``report_url``."""

    accepted: int = Field(..., description="导入的记录数")
    rejected: int = Field(..., description="被拒绝的行数（原值与原因保留在问题行报告中）")
    duplicates: int = Field(..., description="已有记录的重复行数")
    skipped: int = Field(..., description="跳过的空行、合计行、备注行和已取消订单")
    total_yuan: float = Field(..., description="导入金额（元），与命令行输出一致")
    total_fen: int = Field(..., description="导入金额（分），精确值")
    report: str = Field(..., description="问题行报告在服务器上的路径（与命令行输出一致）")
    report_url: str | None = Field(None, description="下载问题行报告（.xlsx）的地址")
    file: str
    sha256: str
    batch: int | None
    batch_id: int | None
    already_imported: bool
    reporting_org: str | None
    unassigned: list[str]
    created_orgs: list[str]
    warnings: list[str]
    enriched: int = Field(0, description="由本文件补全的已有记录（产地、832渠道、供应商、采购单位）")
    flagged: int = Field(0, description="列入“数据核查”的记录：来源不一致、832渠道但产地非832县、金额异常")
    refunds: int = Field(0, description="退款（冲减）行，已计入 accepted，金额为负")
    reporting_org_source: str | None = Field(None, description="stated 指定 · file 文件中的“填报单位” · null")
    channel: dict[str, str] = Field(
        default_factory=dict, description="采购渠道及依据：channel、confidence、reason"
    )
    fields: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="产地、渠道、采购单位、日期：填写、推断或补入、缺失的行数"
    )
    columns: list[dict[str, Any]] = Field(
        default_factory=list, description="每个工作表的每一列：表头、识别为的字段（或“未识别”）及说明"
    )


class ImportPendingOut(Schema):
    """An import still running after the request's wait: poll ``job_url`` for its summary."""

    state: str = Field(..., description="importing 正在导入")
    state_label: str
    job_url: str = Field(..., description="查询导入结果的地址（GET）")
    file: str
    sha256: str


#: How long the import request waits for its background job before answering 202 with the job's address.
WAIT_SECONDS = 25.0


def _job_answer(upload: Upload) -> Any:
    """The answer for an upload's import job in its present state."""
    if upload.state == UploadState.IMPORTED:
        summary = dict(upload.summary)
        body = {
            **{key: summary.get(key) for key in ImportOut.model_fields if key in summary},
            "batch_id": summary.get("batch"),
            "total_fen": summary.get("total_fen", 0),
            "report_url": _report_url(summary.get("batch"), summary.get("report", "")),
        }
        return Status(200 if summary.get("already_imported") else 201, body)
    if upload.state == UploadState.FAILED:
        raise HttpError(422, upload.error)
    return Status(
        202,
        {
            "state": upload.state,
            "state_label": str(upload.get_state_display()),
            "job_url": reverse("api:import_job", kwargs={"token": upload.token}),
            "file": upload.file_name,
            "sha256": upload.sha256,
        },
    )


@router.post(
    "/records/import",
    response={
        201: ImportOut,
        200: ImportOut,
        202: ImportPendingOut,
        **COMMON_ERRORS,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
    },
    summary="导入台账文件",
)
def record_import(
    request: HttpRequest,
    file: File[UploadedFile],
    year: Form[int | None] = None,
    org: Form[int | None] = None,
    channel: Form[str | None] = None,
) -> Any:
    """Upload a ledger or 832-platform export (.xlsx, .xls, .csv in UTF-8 or GBK) as ``multipart/form-data``.

    ``year`` rejects rows dated outside that year. ``org`` (coordinator only) is the reporting unit and
    the purchaser of rows that name none; other roles always import for their own unit. ``channel``
    (832平台, 线下采购, 展销会, 电商平台, 专柜, 其他; or the codes 832, offline …) states the channel of rows
    without one; otherwise the file decides and the summary's ``channel`` says how. Records imported
    through the API (as through the web) are ``submitted`` and wait for somebody else's review.

    The file is imported by a background job (as in the web's import wizard); the request waits for it up
    to 25 seconds. 201 with the summary when the file was imported; 200 with the earlier batch when the
    same file was imported before (nothing changes); 202 with ``job_url`` while a large file is still
    being imported; 409 while the same file is being imported by another request; 422 with the reason
    when the file cannot be read at all.
    """
    require(request, write=True)
    name = safe_name(file.name or "")
    suffix = Path(name).suffix.lower()
    allowed = ledger_suffixes()  # the site's upload types that are ledgers (BANGFU_UPLOAD_SUFFIXES)
    if suffix not in allowed:
        raise HttpError(415, f"不支持文件“{name}”的类型；台账可上传 {'、'.join(allowed)} 文件。")
    limit = settings.BANGFU_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise HttpError(413, f"文件“{name}”过大（{_mb(file.size)} MB），上限为 {_mb(limit)} MB。")
    code = ""
    if channel:
        code = next((value for value, label in Channel.choices if channel in (value, str(label))), "")
        if not code:
            labels = "、".join(str(label) for _value, label in Channel.choices)
            raise HttpError(422, f"不认识的采购渠道“{channel}”；可以是：{labels}")
    try:
        terms = import_terms_for(request.user, org)
    except PermissionDenied as exc:
        raise HttpError(422 if str(exc) == "填报单位不存在。" else 403, str(exc)) from exc
    try:
        with audited(request):
            upload = upload_store(
                user=request.user,
                chunks=file.chunks(),
                name=name,
                size=file.size or 0,
                reporting_org=terms.reporting_org if org is not None else None,
                year=year,
                channel=code,
            )
            upload_import_start(upload)
    except LedgerImportError as exc:
        status = 409 if "正在导入" in str(exc) else 413 if "上限" in str(exc) else 422
        raise HttpError(status, str(exc)) from exc
    deadline = time.monotonic() + WAIT_SECONDS
    upload.refresh_from_db()
    while upload.waiting and time.monotonic() < deadline:
        time.sleep(0.25)
        upload.refresh_from_db()
    return _job_answer(upload)


@router.get(
    "/records/import/{token}",
    response={201: ImportOut, 200: ImportOut, 202: ImportPendingOut, **COMMON_ERRORS, 404: ErrorOut},
    summary="台账导入的结果",
    url_name="import_job",
)
def import_job(request: HttpRequest, token: str) -> Any:
    """The state of an import started by ``POST /records/import`` (by the same user): 202 while it runs,
    then what that request would have answered."""
    require(request, write=True)
    return _job_answer(upload_get_for_user(request.user, token))


# --- GET /batches/{id} ----------------------------------------------------------------------------


class BatchProblemOut(Schema):
    outcome: str = Field(..., description="rejected 被拒绝 · duplicate 重复 · skipped 跳过")
    sheet: str
    row: int
    reason: str
    raw: list[Any] = Field(..., description="该行原值")


class BatchOut(Schema):
    id: int
    file_name: str
    sha256: str
    size: int
    kind: str
    kind_label: str
    encoding: str
    reporting_org_id: int | None
    reporting_org: str | None
    year: int | None
    sheets: list[dict[str, Any]] = Field(..., description="工作表、表头所在行与表头")
    warnings: list[str]
    accepted: int
    rejected: int
    duplicates: int
    skipped: int
    total_fen: int
    total_yuan: str = Field(..., description="导入金额（元），两位小数的精确文本")
    unassigned: list[str]
    created_orgs: list[str]
    created_by: str | None
    created_at: dt.datetime
    report_url: str | None
    problems: list[BatchProblemOut] = Field(
        ..., description=f"问题行（最多 {PROBLEMS_SHOWN} 行，全部见报告）"
    )
    problems_total: int


@router.get(
    "/batches/{int:batch_id}", response={200: BatchOut, **COMMON_ERRORS, 404: ErrorOut}, summary="导入批次"
)
def batch_detail(request: HttpRequest, batch_id: int) -> Any:
    """One import batch the caller may see: counts, amounts, sheets and headers, and its problem rows."""
    require(request)
    batch = batch_get_for_user(request.user, batch_id)
    problems = batch.problem_rows.order_by("id")
    org = Organisation.objects.filter(pk=batch.reporting_org_id).first() if batch.reporting_org_id else None
    creator = batch.created_by.get_username() if batch.created_by_id and batch.created_by else None
    return {
        "id": batch.pk,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "size": batch.size,
        "kind": batch.kind,
        "kind_label": str(batch.get_kind_display()),
        "encoding": batch.encoding,
        "reporting_org_id": batch.reporting_org_id,
        "reporting_org": org.name if org else None,
        "year": batch.year,
        "sheets": list(batch.sheets),
        "warnings": [str(w) for w in batch.warnings],
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "duplicates": batch.duplicates,
        "skipped": batch.skipped,
        "total_fen": batch.total_fen,
        "total_yuan": format(fen_to_yuan(batch.total_fen), "f"),
        "unassigned": list(batch.unassigned),
        "created_orgs": list(batch.created_orgs),
        "created_by": creator,
        "created_at": batch.created_at,
        "report_url": _report_url(batch.pk, batch.report),
        "problems": [
            {"outcome": p.outcome, "sheet": p.sheet, "row": p.row_number, "reason": p.reason, "raw": p.raw}
            for p in problems[:PROBLEMS_SHOWN]
        ],
        "problems_total": problems.count(),
    }


@router.get(
    "/batches/{int:batch_id}/report",
    response={200: None, **COMMON_ERRORS, 404: ErrorOut},
    url_name="batch_report",
    summary="下载问题行报告",
)
def batch_report(request: HttpRequest, batch_id: int) -> Any:
    """The batch's problem-row report (.xlsx): every rejected, duplicate and skipped row with its original
    values and the reason, ready to fix and import again."""
    require(request)
    batch: ImportBatch = batch_get_for_user(request.user, batch_id)
    path = Path(batch.report) if batch.report else None
    media = Path(settings.MEDIA_ROOT).resolve()
    if path is None or not path.resolve().is_relative_to(media) or not path.is_file():
        raise Http404("该批次没有问题行报告。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
