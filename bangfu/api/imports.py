"""Importing a ledger file over the API, and the import batches (导入批次) it leaves behind.

The upload goes through the same service as ``bangfu ledger import``; the answer is that command's
``--json`` summary plus the batch id. Reporters and lead reviewers import for their own unit, as
``submitted`` records that wait for review; the coordinator's imports are approved (as on the command
line) and may name the reporting unit.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from bangfu.accounts.choices import Role
from bangfu.common.money import fen_to_yuan
from bangfu.ledger.access import batch_get_for_user
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import ImportBatch
from bangfu.ledger.services import LedgerImportError, ledger_import
from bangfu.ledger.services.uploads import ledger_suffixes, safe_name
from bangfu.orgs.access import write_units
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


@router.post(
    "/records/import",
    response={201: ImportOut, 200: ImportOut, **COMMON_ERRORS, 413: ErrorOut, 415: ErrorOut},
    summary="导入台账文件",
)
def record_import(
    request: HttpRequest,
    file: File[UploadedFile],
    year: Form[int | None] = None,
    org: Form[int | None] = None,
) -> Any:
    """Upload a ledger or 832-platform export (.xlsx, .xls, .csv in UTF-8 or GBK) as ``multipart/form-data``.

    ``year`` rejects rows dated outside that year. ``org`` (coordinator only) is the reporting unit and
    the purchaser of rows that name none; other roles always import for their own unit. 201 with the
    summary when the file was imported; 200 with the earlier batch when the same file was imported
    before (nothing changes); 422 with the reason when the file cannot be read at all.
    """
    scope = require(request, write=True)
    name = safe_name(file.name or "")
    suffix = Path(name).suffix.lower()
    allowed = ledger_suffixes()  # the site's upload types that are ledgers (BANGFU_UPLOAD_SUFFIXES)
    if suffix not in allowed:
        raise HttpError(415, f"不支持文件“{name}”的类型；台账可上传 {'、'.join(allowed)} 文件。")
    limit = settings.BANGFU_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise HttpError(413, f"文件“{name}”过大（{_mb(file.size)} MB），上限为 {_mb(limit)} MB。")
    if scope.role == Role.COORDINATOR:
        unit = None
        if org is not None:
            unit = Organisation.objects.filter(pk=org).first()
            if unit is None:
                raise HttpError(422, "填报单位不存在。")
        status = RecordStatus.APPROVED
    else:
        if org is not None and org != scope.home_unit_id:
            raise HttpError(403, "只有管理员可以代其他单位导入；请不要填写 org。")
        unit = Organisation.objects.filter(pk=scope.home_unit_id).first() if scope.home_unit_id else None
        if unit is None:
            raise HttpError(403, "当前账号没有所属单位，不能导入。")
        status = RecordStatus.SUBMITTED
    with tempfile.TemporaryDirectory(prefix="bangfu-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        try:
            with audited(request):
                summary = ledger_import(
                    path=path,
                    year=year,
                    org=unit,
                    user=request.user,
                    status=status,
                    within=write_units(scope),
                )
        except LedgerImportError as exc:
            raise HttpError(422, str(exc)) from exc
    body = {
        **summary.to_dict(),
        "batch_id": summary.batch_id,
        "total_fen": summary.total_fen,
        "report_url": _report_url(summary.batch_id, summary.report),
    }
    return Status(200 if summary.already_imported else 201, body)


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
