"""Importing a purchase ledger or platform export: every row is stored, rejected with its reason,
recognised as a duplicate of a stored purchase, or skipped (blank, total, note, cancelled).

The flow: the pure reader (`ledger.parsing`) streams classified rows → names are resolved through
per-import caches → rows are de-duplicated (same order number and amount across all files; same full
content within a file) → purchases are written in batches with one `executemany` → problem rows are kept
in the database and in an `.xlsx` report. The whole import is one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from bangfu.common.money import fen_to_yuan
from bangfu.common.text import text_array_json
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import OUTSIDE, OrgResolver

from ..choices import BatchKind, Channel, RecordStatus, RowOutcome
from ..models import ImportBatch, Purchase, PurchaseSighting, RejectedRow
from ..parsing import LedgerFile, LedgerReadError, LedgerRow, open_ledger
from ..reporting import ProblemRow, write_problem_report
from ..resolving import (
    CATEGORY_BY_LABEL,
    CHANNEL_BY_LABEL,
    CatalogResolver,
    RegionResolver,
)

FLUSH_EVERY = 5000
#: Rows kept as read (the first of the file) for the import wizard's preview.
SAMPLE_ROWS = 20
SKIP_KINDS = {"blank", "total", "note", "cancelled"}


class LedgerImportError(Exception):
    """A file that cannot be imported at all; the message is for the user (Chinese)."""


@dataclass
class ImportSummary:
    file: str
    sha256: str
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    skipped: int = 0
    total_fen: int = 0
    report: str = ""
    batch_id: int | None = None
    already_imported: bool = False
    reporting_org: str | None = None
    unassigned: list[str] = field(default_factory=list)
    created_orgs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: A dry run: everything was computed as for the real import, then rolled back (no batch, no report).
    dry_run: bool = False
    #: Each sheet read: name, header_row, headers, columns ({field: 0-based column}), amount_unit.
    sheets: list[dict[str, Any]] = field(default_factory=list)
    #: The first rows of the file as read and classified (for a preview).
    sample: list[LedgerRow] = field(default_factory=list)
    #: Every rejected, duplicate and skipped (but blank) row with its reason, in file order of discovery.
    problems: list[ProblemRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.accepted + self.rejected + self.duplicates + self.skipped

    @property
    def total_yuan(self) -> Decimal:
        return fen_to_yuan(self.total_fen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            # JSON has one number type; a 2-decimal amount below 2^53 fen round-trips exactly.
            "total_yuan": float(self.total_yuan),
            "report": self.report,
            "file": self.file,
            "sha256": self.sha256,
            "batch": self.batch_id,
            "already_imported": self.already_imported,
            "reporting_org": self.reporting_org,
            "unassigned": self.unassigned,
            "created_orgs": self.created_orgs,
            "warnings": self.warnings,
        }


_COLUMNS = (
    "purchaser_id",
    "purchaser_name",
    "reporting_org_id",
    "date",
    "amount_fen",
    "product",
    "supplier",
    "product_ref_id",
    "supplier_ref_id",
    "origin",
    "origin_region_id",
    "channel",
    "category",
    "quantity",
    "quantity_unit",
    "order_no",
    "order_key",
    "dedupe_key",
    "remarks",
    "status",
    "batch_id",
    "sheet",
    "row_number",
    "raw",
    "created_at",
    "updated_at",
)


def _insert_sql() -> str:
    table = connection.ops.quote_name(Purchase._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"


def _content_key(batch_id: int, row: LedgerRow) -> str:
    """A row without an order number is a duplicate when everything it says (but its 序号) repeats an
    earlier row of the same file: same purchaser, date, amount, product, quantity …"""
    record = row.record
    assert record is not None
    digest = hashlib.sha1(
        "\x1f".join(
            (
                record.purchaser,
                record.date.isoformat(),
                str(record.amount_fen),
                record.product,
                record.supplier,
                record.origin,
                record.channel,
                str(record.quantity),
                record.quantity_unit,
                record.category,
                record.remarks,
            )
        ).encode("utf-8"),
        usedforsecurity=False,
    ).hexdigest()
    return f"c:{batch_id}:{digest}"


class _Importer:
    def __init__(
        self,
        ledger: LedgerFile,
        *,
        batch: ImportBatch,
        year: int | None,
        reporting_org: Organisation | None,
        status: str,
        within: frozenset[int] | None = None,
    ) -> None:
        self.ledger = ledger
        self.batch = batch
        self.batch_id = batch.pk
        self.year = year
        self.status = status
        self.reporting_org_id = reporting_org.pk if reporting_org else None
        self.purchasers = OrgResolver(default_parent=reporting_org, within=within)
        self.regions = RegionResolver()
        self.catalog = CatalogResolver()
        self.default_channel = Channel.PLATFORM_832 if ledger.looks_like_832_export else Channel.OTHER
        self.summary = ImportSummary(file=ledger.name, sha256=ledger.sha256)
        self.problems: list[ProblemRow] = []
        self.pending: list[tuple[Any, ...]] = []
        self.pending_keys: dict[str, LedgerRow] = {}
        self.duplicate_rows: list[tuple[str, LedgerRow]] = []
        self.stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        self.sql = _insert_sql()
        self._dates: dict[dt.date, Any] = {}
        # Records with a higher id are this file's own (for telling "already stored" from "repeats an
        # earlier row of this file" — the latter's id means nothing in a dry run).
        self.stored_up_to = Purchase.objects.aggregate(last=Max("pk"))["last"] or 0

    # -- classification -------------------------------------------------------------------------

    def run(self) -> ImportSummary:
        record = self._record
        rows = self.ledger.rows()
        head = list(islice(rows, SAMPLE_ROWS))
        self.summary.sample = head
        for row in chain(head, rows):
            if row.kind == "record":
                record(row)
                if len(self.pending) >= FLUSH_EVERY:
                    self._flush()
            elif row.kind == "rejected":
                self._problem(row, RowOutcome.REJECTED, row.reason)
                self.summary.rejected += 1
            elif row.kind in SKIP_KINDS:
                self.summary.skipped += 1
                if row.kind != "blank":
                    self._problem(row, RowOutcome.SKIPPED, row.reason)
        self._flush()
        self._save_sightings()
        return self.summary

    def _problem(self, row: LedgerRow, outcome: str, reason: str) -> None:
        self.problems.append(
            ProblemRow(outcome=outcome, sheet=row.sheet, row=row.row, raw=row.raw, reason=reason)
        )

    def _record(self, row: LedgerRow) -> None:
        record = row.record
        assert record is not None
        if self.year is not None and record.date.year != self.year:
            reason = f"工作表“{row.sheet}”第{row.row}行：日期 {record.date:%Y-%m-%d} 不在 {self.year} 年度内"
            self._problem(row, RowOutcome.REJECTED, reason)
            self.summary.rejected += 1
            return
        key = (
            f"n:{record.order_key}:{record.amount_fen}"
            if record.order_key
            else _content_key(self.batch_id, row)
        )
        pending_keys = self.pending_keys
        if key in pending_keys:
            self.duplicate_rows.append((key, row))
            return
        pending_keys[key] = row
        purchaser_id = self.purchasers.resolve(record.purchaser)
        if purchaser_id == OUTSIDE:
            del pending_keys[key]
            reason = f"工作表“{row.sheet}”第{row.row}行：采购单位“{record.purchaser}”不在本单位范围内，不能由本单位报送"
            self._problem(row, RowOutcome.REJECTED, reason)
            self.summary.rejected += 1
            return
        if self.catalog.empty:
            supplier_id = product_id = product_region = None
        else:
            supplier_id = self.catalog.supplier(record.supplier)
            product_id, product_region = self.catalog.product(record.product, supplier_id)
        region_id = self.regions.resolve(record.origin) or (None if record.origin else product_region)
        self.pending.append(
            (
                purchaser_id,
                record.purchaser,
                self.reporting_org_id,
                self._date(record.date),
                record.amount_fen,
                record.product,
                record.supplier,
                product_id,
                supplier_id,
                record.origin,
                region_id,
                CHANNEL_BY_LABEL.get(record.channel, self.default_channel),
                CATEGORY_BY_LABEL.get(record.category, ""),
                record.quantity,
                record.quantity_unit,
                record.order_no,
                record.order_key,
                key,
                record.remarks,
                self.status,
                self.batch_id,
                row.sheet,
                row.row,
                text_array_json(row.raw),
                self.stamp,
                self.stamp,
            )
        )

    def _date(self, value: dt.date) -> Any:
        adapted = self._dates.get(value)
        if adapted is None:
            adapted = self._dates[value] = connection.ops.adapt_datefield_value(value)
        return adapted

    # -- writing --------------------------------------------------------------------------------

    def _flush(self) -> None:
        if not self.pending:
            return
        keys = [row[17] for row in self.pending]
        stored = _existing_keys(keys)
        fresh = [row for row in self.pending if row[17] not in stored]
        for row in self.pending:
            if row[17] in stored:
                self.duplicate_rows.append((row[17], self.pending_keys[row[17]]))
        if fresh:
            _write_rows([_adapt(row) for row in fresh], self.sql)
            self.summary.accepted += len(fresh)
            self.summary.total_fen += sum(row[4] for row in fresh)
        # Keys stay known for in-file duplicates; the rows themselves are no longer needed.
        for key in keys:
            self.pending_keys[key] = None  # type: ignore[assignment]
        self.pending = []

    def _save_sightings(self) -> None:
        self.summary.duplicates = len(self.duplicate_rows)
        if not self.duplicate_rows:
            return
        ids = _ids_for_keys({key for key, _row in self.duplicate_rows})
        sightings = []
        for key, row in self.duplicate_rows:
            sightings.append(
                PurchaseSighting(
                    purchase_id=ids[key],
                    batch=self.batch,
                    sheet=row.sheet,
                    row_number=row.row,
                    purchaser_name=row.record.purchaser if row.record else "",
                    raw=list(row.raw),
                )
            )
            if ids[key] > self.stored_up_to:
                reason = "与本文件中前面的一行重复（订单号和金额相同，或内容完全相同），只导入一次"
            else:
                reason = f"与已有采购记录（编号 {ids[key]}）重复"
            self._problem(row, RowOutcome.DUPLICATE, reason)
        PurchaseSighting.objects.bulk_create(sightings, batch_size=2000)


def _write_rows(rows: list[tuple[Any, ...]], insert_sql: str) -> None:
    """Store purchase rows: PostgreSQL's COPY where available, one executemany elsewhere."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(Purchase._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(insert_sql, rows)


def _adapt(row: tuple[Any, ...]) -> tuple[Any, ...]:
    quantity = row[13]
    if quantity is None:
        return row
    return (*row[:13], connection.ops.adapt_decimalfield_value(quantity, 16, 3), *row[14:])


def _chunks(values: list[str], size: int = 2000) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _keys_sql(columns: str, count: int) -> str:
    table = connection.ops.quote_name(Purchase._meta.db_table)
    return f"SELECT {columns} FROM {table} WHERE dedupe_key IN ({', '.join(['%s'] * count)})"


def _existing_keys(keys: list[str]) -> set[str]:
    """Which keys are already stored (raw SQL: the ORM's cost per 2,000-value IN list is measurable)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(keys):
            cursor.execute(_keys_sql("dedupe_key", len(chunk)), chunk)
            found.update(key for (key,) in cursor.fetchall())
    return found


def _ids_for_keys(keys: Iterable[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(list(keys)):
            cursor.execute(_keys_sql("dedupe_key, id", len(chunk)), chunk)
            ids.update(cursor.fetchall())
    return ids


def _report_path(batch: ImportBatch) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "import-reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{batch.pk}-{Path(batch.file_name).stem}-问题行.xlsx"


def _resolve_reporting_org(ledger: LedgerFile, org: Organisation | None) -> Organisation | None:
    if org is not None or not ledger.reporting_unit_hint:
        return org
    from bangfu.orgs.selectors import org_name_index

    match = org_name_index().resolve(ledger.reporting_unit_hint)
    return Organisation.objects.get(pk=match.key) if match.key is not None else None


def _count_again(ledger: LedgerFile, summary: ImportSummary) -> ImportSummary:
    """The same file once more: every record is already stored, nothing changes."""
    rows = ledger.rows()
    summary.sample = list(islice(rows, SAMPLE_ROWS))
    for row in chain(summary.sample, rows):
        if row.kind == "record":
            summary.duplicates += 1
        elif row.kind == "rejected":
            summary.rejected += 1
        else:
            summary.skipped += 1
    return summary


def _sheets(ledger: LedgerFile) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "header_row": s.header_row,
            "headers": list(s.headers),
            "columns": dict(s.columns),
            "amount_unit": "万元" if s.amount_scale == 10000 else "元",
        }
        for s in ledger.sheets
    ]


def ledger_import(
    *,
    path: Path | str,
    year: int | None = None,
    org: Organisation | None = None,
    user: Any = None,
    status: str = RecordStatus.APPROVED,
    dry_run: bool = False,
    within: frozenset[int] | None = None,
) -> ImportSummary:
    """Import one ledger file. Atomic: stored whole or not at all. The same file twice changes nothing.

    ``within``: the units the importing user may report for (a reporter's jurisdiction). A row whose
    purchaser is another unit — or names a town outside them — is rejected with its reason; no unit is
    created outside them.

    ``dry_run=True`` runs the very same import — reading, matching, de-duplication against the stored
    records — and rolls it back: the summary tells what the import would do (with the sheets' layouts,
    the first rows as read and every problem row), and nothing is stored or written.
    """
    path = Path(path)
    try:
        ledger = open_ledger(path, default_purchaser=org.name if org else None)
    except LedgerReadError as exc:
        raise LedgerImportError(str(exc)) from exc
    previous = ImportBatch.objects.filter(sha256=ledger.sha256).order_by("created_at").first()
    if previous is not None:
        summary = ImportSummary(
            file=ledger.name,
            sha256=ledger.sha256,
            already_imported=True,
            batch_id=previous.pk,
            dry_run=dry_run,
            sheets=_sheets(ledger),
        )
        summary.report = previous.report
        summary.warnings = [
            f"该文件已于 {timezone.localtime(previous.created_at):%Y-%m-%d %H:%M} 导入（批次 {previous.pk}），本次未作任何改动。"
        ]
        try:
            return _count_again(ledger, summary)
        except LedgerReadError as exc:
            raise LedgerImportError(str(exc)) from exc
    reporting_org = _resolve_reporting_org(ledger, org)
    report_file: Path | None = None
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                file_name=ledger.name,
                sha256=ledger.sha256,
                size=path.stat().st_size,
                kind=BatchKind.PLATFORM_832 if ledger.looks_like_832_export else BatchKind.LEDGER,
                encoding=ledger.encoding or "",
                reporting_org=reporting_org,
                year=year,
                sheets=_sheets(ledger),
                warnings=list(ledger.warnings),
                created_by=user if getattr(user, "pk", None) else None,
            )
            importer = _Importer(
                ledger, batch=batch, year=year, reporting_org=reporting_org, status=status, within=within
            )
            summary = importer.run()
            summary.dry_run = dry_run
            summary.sheets = batch.sheets
            summary.problems = importer.problems
            summary.batch_id = batch.pk
            summary.reporting_org = reporting_org.name if reporting_org else None
            summary.unassigned = importer.purchasers.unassigned
            summary.created_orgs = importer.purchasers.created
            summary.warnings = list(ledger.warnings)
            if dry_run:
                # Everything above ran for real inside the transaction; undo it all.
                transaction.set_rollback(True)
                summary.batch_id = None
                return summary
            if importer.problems:
                RejectedRow.objects.bulk_create(
                    [
                        RejectedRow(
                            batch=batch,
                            outcome=p.outcome,
                            sheet=p.sheet,
                            row_number=p.row,
                            raw=list(p.raw),
                            reason=p.reason,
                        )
                        for p in importer.problems
                    ],
                    batch_size=2000,
                )
                report_file = _report_path(batch)
                write_problem_report(
                    report_file, batch_name=ledger.name, sheets=batch.sheets, problems=importer.problems
                )
                summary.report = str(report_file)
            ImportBatch.objects.filter(pk=batch.pk).update(
                accepted=summary.accepted,
                rejected=summary.rejected,
                duplicates=summary.duplicates,
                skipped=summary.skipped,
                total_fen=summary.total_fen,
                unassigned=summary.unassigned,
                created_orgs=summary.created_orgs,
                report=summary.report,
            )
    except LedgerReadError as exc:
        if report_file is not None:
            report_file.unlink(missing_ok=True)
        raise LedgerImportError(str(exc)) from exc
    except BaseException:
        if report_file is not None:
            report_file.unlink(missing_ok=True)
        raise
    return summary


def batch_report_file(batch: ImportBatch) -> Path | None:
    """The batch's problem-row report, written again from the stored problem rows when the file is gone
    (a moved data directory, a cleaned-up media folder) or incomplete (an import killed while an older
    version wrote it in place: an .xlsx without its zip directory). None when the batch had no problem
    rows."""
    media = Path(settings.MEDIA_ROOT).resolve()
    if batch.report:
        path = Path(batch.report).resolve()
        if path.is_relative_to(media) and path.is_file() and zipfile.is_zipfile(path):
            return path
    rows = list(batch.problem_rows.order_by("id"))
    if not rows:
        return None
    path = _report_path(batch)
    write_problem_report(
        path,
        batch_name=batch.file_name,
        sheets=batch.sheets,
        problems=[
            ProblemRow(outcome=r.outcome, sheet=r.sheet, row=r.row_number, raw=list(r.raw), reason=r.reason)
            for r in rows
        ],
    )
    ImportBatch.objects.filter(pk=batch.pk).update(report=str(path))
    return path
