"""Importing a purchase ledger or platform export: every row is stored, rejected with its reason,
recognised as a duplicate of a stored purchase, or skipped (blank, total, note, cancelled).

The flow: the pure reader (`ledger.parsing`) streams classified rows → names are resolved through
per-import caches → rows are de-duplicated (same order number and amount across all files; same full
content within a file) — all of this with reads only — then, in one transaction, purchases are written
(`executemany`, PostgreSQL `COPY`) and problem rows are kept in the database and in an `.xlsx` report.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bangfu.common.audit import audit_action, audit_grouped
from bangfu.common.money import fen_to_yuan, format_yuan
from bangfu.common.text import text_array_json
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import OUTSIDE, OrgResolver

from ..choices import BatchKind, Channel, InferredFrom, RecordStatus, RowOutcome
from ..models import ImportBatch, PurchaseSighting, RejectedRow
from ..parsing import (
    CHANNELS,
    Confidence,
    LedgerFile,
    LedgerReadError,
    LedgerRow,
    infer_origin,
    normalise_channel,
    open_ledger,
)
from ..problem_report import ProblemRow, write_problem_report
from ..resolving import (
    CATEGORY_BY_LABEL,
    CHANNEL_BY_LABEL,
    CatalogResolver,
    RegionResolver,
)
from ..totals import new_delta, totals_apply
from .enrichment import (
    EnrichmentPlan,
    Incoming,
    amount_conflict,
    compare,
    content_original,
    flags_create,
    non_832_region_ids,
    originals_for,
    other_amounts,
    plausible_max_fen,
    purchases_complete,
    refunded_original,
    region_names,
    row_flags,
    stored_facts,
)
from .writing import (
    AMOUNT,
    CATEGORY,
    CHANNEL,
    DATE,
    INFERRED_FROM,
    KEY,
    ORDER_KEY,
    ORIGIN,
    ORIGIN_REGION,
    PRODUCT,
    PURCHASER,
    PURCHASER_NAME,
    RAW,
    REFUND_OF,
    ROW_NUMBER,
    SHEET,
    SUPPLIER,
    SUPPLIER_REF,
    Adapter,
    existing_keys,
    indexes_deferred,
    insert_sql,
    stored_for_keys,
    totals_delta_of_rows,
    write_rows,
)

FLUSH_EVERY = 5000
#: Rows kept as read (the first of the file) for the import wizard's preview.
SAMPLE_ROWS = 20
SKIP_KINDS = {"blank", "total", "note", "cancelled"}
#: Prepared rows kept in memory between the phases (~1.2 KiB each, measured: ≤ 240 MiB); the rest of a
#: larger file is spooled to a temporary file.
SPOOL_IN_MEMORY = 200_000


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
    #: Stored purchases completed by this file (origin, 832 channel, supplier or purchaser they lacked).
    enriched: int = 0
    #: Flags raised for the coordinator: sources that disagree, 832 purchases from non-832 counties,
    #: implausibly large single purchases (the records count as they are).
    flagged: int = 0
    #: Refund lines stored (negative amounts, each linked to the purchase it reduces); counted in
    #: ``accepted`` and netted in ``total_fen``.
    refunds: int = 0
    #: Where the reporting unit came from: "stated" (the command's --org, the web's choice, the
    #: importer's own unit), "file" (a 填报单位 line) or None.
    reporting_org_source: str | None = None
    #: The file's channel: {"channel", "confidence" (stated/certain/inferred/unknown), "reason"}.
    channel: dict[str, str] = field(default_factory=dict)
    #: How the records' eligibility fields were known: {"origin": {"written", "inferred", "missing",
    #: "unrecognised"}, "channel": {"written", "assumed"}, "purchaser": {"cell", "reporting_unit",
    #: "default", "unassigned"}, "date": {"day", "month"}} (row counts).
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    #: A preview: the read phase alone; nothing was written (no batch, no report).
    dry_run: bool = False
    #: Each sheet read: name, header_row, headers, columns ({field: 0-based column}), amount_unit,
    #: mapping (every column: {"column", "header", "field", "label", "how", "note"}), reporting_unit,
    #: channel.
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
            "enriched": self.enriched,
            "flagged": self.flagged,
            "refunds": self.refunds,
            "reporting_org_source": self.reporting_org_source,
            "channel": self.channel,
            "fields": self.fields,
            "columns": [
                {"sheet": sheet["name"], **column}
                for sheet in self.sheets
                for column in sheet.get("mapping", [])
            ],
        }


def _content_key(prefix: str, row: LedgerRow) -> str:
    """A row without an order number is a duplicate when everything it says (but its 序号) repeats a
    stored row or an earlier row of the file: same purchaser, date, amount, product, quantity … — so a
    ledger sent again with another month added (a new file) adds only the new month's rows. A row that
    names no purchaser cannot be told from another unit's identical row: its key is kept within its file
    (``prefix``, the file's SHA-256)."""
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
    return f"c:{digest}" if record.purchaser else f"c:{prefix}:{digest}"


@dataclass(frozen=True, slots=True)
class _Seen:
    """Where a duplicate row was in the file (what its sighting and problem row need)."""

    sheet: str
    row: int
    raw: tuple[str, ...] | list[str]
    purchaser: str

    @classmethod
    def of(cls, row: LedgerRow) -> _Seen:
        return cls(row.sheet, row.row, row.raw, row.record.purchaser if row.record else "")


class _Spool:
    """Rows checked and ready to be written, kept between the read and the write phase: the first
    :data:`SPOOL_IN_MEMORY` rows in memory, the rest in a temporary file (a million prepared rows would
    not fit the memory budget; pickling them there and back took 1.2 s of a 100,000-row import's
    profile, so a file of ordinary size is not spooled at all)."""

    def __init__(self) -> None:
        self._kept: list[list[tuple[Any, ...]]] = []
        self._file: Any = None
        self._chunks = 0
        self.rows = 0

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        if self.rows + len(rows) <= SPOOL_IN_MEMORY and self._file is None:
            self._kept.append(rows)
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
            pickle.dump(rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunks += 1
        self.rows += len(rows)

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        yield from self._kept
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._chunks):
                yield pickle.load(self._file)

    def close(self) -> None:
        self._kept = []
        if self._file is not None:
            self._file.close()


#: ``progress(phase, done, total)``: "read" (rows read so far, total unknown) or "write" (rows stored of all).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class _SheetDefaults:
    channel: str
    reporting_org_id: int | None


class _ReadPhase:
    """The read phase: every row classified, resolved, checked against the stored records and the rest
    of the file, and prepared for writing — with reads only, so it never holds the write lock."""

    def __init__(
        self,
        ledger: LedgerFile,
        *,
        year: int | None,
        reporting_org: Organisation | None,
        reporting_stated: bool,
        status: str,
        within: frozenset[int] | None,
        spool: _Spool | None,
        progress: Progress | None,
        regions: RegionResolver,
    ) -> None:
        self.ledger = ledger
        self.year = year
        self.status = status
        self.within = within
        self.spool = spool
        self.progress = progress
        self.reporting_org_id = reporting_org.pk if reporting_org else None
        #: The reporting unit was stated (``--org``, the web's choice, a reporter's own unit): it wins over
        #: each sheet's 填报单位 line.
        self.reporting_stated = reporting_stated
        self.purchasers = OrgResolver(default_parent=reporting_org, within=within, defer=True)
        self.regions = regions
        self.catalog = CatalogResolver()
        self._sheets: dict[str, _SheetDefaults] = {}
        self._mentions: dict[str, Any] = {}
        #: How the rows' eligibility fields were known (written, inferred, assumed, missing), counted.
        self.counts: Counter[str] = Counter()
        #: Order numbers of this file's purchases (a refund may reduce one of them).
        self.order_keys: set[str] = set()
        #: (purchaser, product) of this file's purchases without an order number, hashed: a refund line
        #: without one may reduce one of them.
        self.content_pairs: set[int] = set()
        #: Refunds without an order number, linked by purchaser and product (an inference, reported).
        self.refunds_by_content = 0
        #: Rows without an order number found already stored (from another file) by their content.
        self.content_duplicates = 0
        self.refunds: list[tuple[tuple[Any, ...], LedgerRow]] = []
        self.refunds_ready: list[tuple[Any, ...]] = []
        self.key_prefix = ledger.sha256[:20]
        self.summary = ImportSummary(file=ledger.name, sha256=ledger.sha256)
        self.problems: list[ProblemRow] = []
        self.pending: list[tuple[Any, ...]] = []
        self.pending_keys: dict[str, LedgerRow | None] = {}
        self.duplicates: list[tuple[str, _Seen]] = []
        #: Keys found among the stored records (the duplicates of earlier imports, not of this file).
        self.stored_keys: set[str] = set()
        self.adapter = Adapter()
        self.stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        self.read = 0
        #: What the file completes on stored purchases, and where sources disagree.
        self.plan = EnrichmentPlan()
        #: Flags of new records: (kind, message, sheet, row, dedupe key).
        self.row_flagged: list[tuple[str, str, str, int, str]] = []
        self.non_832 = non_832_region_ids()
        self._region_names: dict[int, str] | None = None

    def run(self) -> None:
        record = self._record
        rows = self.ledger.rows()
        head = list(islice(rows, SAMPLE_ROWS))
        self.summary.sample = head
        for row in chain(head, rows):
            kind = row.kind
            if kind == "record":
                record(row)
                if len(self.pending) >= FLUSH_EVERY:
                    self._check()
            elif kind == "refund":
                self._refund(row)
            elif kind == "rejected":
                self._problem(row, RowOutcome.REJECTED, row.reason)
                self.summary.rejected += 1
            elif kind in SKIP_KINDS:
                self.summary.skipped += 1
                if kind != "blank":
                    self._problem(row, RowOutcome.SKIPPED, row.reason)
        self._check()
        self._check_refunds()
        self.summary.duplicates = len(self.duplicates)

    def _problem(self, row: LedgerRow, outcome: str, reason: str) -> None:
        self.problems.append(
            ProblemRow(outcome=outcome, sheet=row.sheet, row=row.row, raw=row.raw, reason=reason)
        )

    def _reject(self, row: LedgerRow, reason: str) -> None:
        self._problem(row, RowOutcome.REJECTED, f"工作表“{row.sheet}”第{row.row}行：{reason}")
        self.summary.rejected += 1

    def _sheet(self, name: str) -> _SheetDefaults:
        """What a sheet's rows take when they say nothing: its channel and its reporting unit."""
        found = self._sheets.get(name)
        if found is None:
            layout = next((s for s in self.ledger.sheets if s.name == name), None)
            guess = layout.channel_guess if layout is not None and layout.channel_guess else None
            guess = guess or self.ledger.channel_guess
            channel = (
                CHANNEL_BY_LABEL.get(guess.channel, Channel.OTHER)
                if guess and guess.channel
                else Channel.OTHER
            )
            reporting_id = self.reporting_org_id
            if not self.reporting_stated and layout is not None and layout.reporting_unit:
                match = self.purchasers.index.resolve(layout.reporting_unit)
                reporting_id = match.key if match.key is not None else reporting_id
            found = self._sheets[name] = _SheetDefaults(channel=channel, reporting_org_id=reporting_id)
        return found

    def _record(self, row: LedgerRow) -> None:
        record = row.record
        assert record is not None
        if self.year is not None and record.date.year != self.year:
            self._reject(row, f"日期 {record.date:%Y-%m-%d} 不在 {self.year} 年度内")
            return
        key = (
            f"n:{record.order_key}:{record.amount_fen}"
            if record.order_key
            else _content_key(self.key_prefix, row)
        )
        pending_keys = self.pending_keys
        if key in pending_keys:
            self.duplicates.append((key, _Seen.of(row)))
            return
        pending_keys[key] = row
        prepared = self._prepare(row, record, key)
        if prepared is None:
            del pending_keys[key]
            return
        self.pending.append(prepared)
        if record.order_key:
            self.order_keys.add(record.order_key)
        else:
            self.content_pairs.add(hash((prepared[PURCHASER], prepared[PRODUCT])))

    def _prepare(self, row: LedgerRow, record: Any, key: str) -> tuple[Any, ...] | None:
        """The row in the order of PurchaseRow, without the batch (appended when it is written); None
        (and the row rejected) when its purchaser is outside the importer's scope."""
        purchaser_id = self.purchasers.resolve(record.purchaser)
        if purchaser_id == OUTSIDE:
            self._reject(row, f"采购单位“{record.purchaser}”不在本单位范围内，不能由本单位报送")
            return None
        counts = self.counts
        defaults = self._sheet(row.sheet)
        if self.catalog.empty:
            supplier_id = product_id = product_region = None
        else:
            supplier_id = self.catalog.supplier(record.supplier)
            product_id, product_region = self.catalog.product(record.product, supplier_id)
        inferred = ""
        if record.origin:
            region_id = self.regions.resolve(record.origin)
            counts["origin_written"] += 1
            if region_id is None:
                counts["origin_unrecognised"] += 1
        elif product_region is not None:
            region_id, inferred = product_region, InferredFrom.CATALOG
            counts["origin_inferred"] += 1
        else:
            guess = infer_origin(record, self.regions.index, self._mentions)  # type: ignore[arg-type]
            if guess is not None:
                region_id, inferred = guess.key, guess.field
                counts["origin_inferred"] += 1
            else:
                region_id = None
                counts["origin_missing"] += 1
        channel = CHANNEL_BY_LABEL.get(record.channel)
        if channel is None:
            channel = defaults.channel
            counts["channel_written" if record.channel else "channel_assumed"] += 1
        else:
            counts["channel_written"] += 1
        counts[f"purchaser_{record.purchaser_from}"] += 1
        if purchaser_id is None:
            counts["purchaser_unassigned"] += 1
        counts[f"date_{record.date_precision}"] += 1
        return (
            purchaser_id,
            record.purchaser,
            record.purchaser_from,
            defaults.reporting_org_id,
            self.adapter.date(record.date),
            record.date_precision,
            record.amount_fen,
            record.product,
            record.supplier,
            product_id,
            supplier_id,
            record.origin,
            region_id,
            inferred,
            channel,
            CATEGORY_BY_LABEL.get(record.category, ""),
            self.adapter.quantity(record.quantity),
            record.quantity_unit,
            record.order_no,
            record.order_key,
            key,
            record.remarks,
            self.status,
            row.sheet,
            row.row,
            text_array_json(row.raw),
            self.stamp,
            self.stamp,
            None,
            None,
        )

    # -- refunds ----------------------------------------------------------------------------------

    def _refund(self, row: LedgerRow) -> None:
        """A refund line: kept aside until the whole file is read, then linked to the purchase it reduces
        (stored, or earlier in this file); one without a purchase to reduce is a problem row."""
        record = row.record
        assert record is not None
        if self.year is not None and record.date.year != self.year:
            self._reject(row, f"日期 {record.date:%Y-%m-%d} 不在 {self.year} 年度内")
            return
        key = (
            f"n:{record.order_key}:{record.amount_fen}"
            if record.order_key
            else _content_key(self.key_prefix, row)
        )
        if key in self.pending_keys:
            self.duplicates.append((key, _Seen.of(row)))
            return
        self.pending_keys[key] = row
        prepared = self._prepare(row, record, key)
        if prepared is None:
            del self.pending_keys[key]
            return
        self.refunds.append((prepared, row))

    def _check_refunds(self) -> None:
        """Refunds already stored are duplicates; a refund whose order is neither stored nor in this file
        is rejected with its reason; the rest count (net: their amounts are negative)."""
        if not self.refunds:
            return
        keys = [prepared[KEY] for prepared, _row in self.refunds]
        stored = existing_keys(keys)
        order_keys = {prepared[ORDER_KEY] for prepared, _row in self.refunds if prepared[ORDER_KEY]}
        originals = originals_for(order_keys)
        kept = []
        orphans: dict[str, str] = {}  # key → the reason its rows are refused
        for prepared, row in self.refunds:
            key, order_key = prepared[KEY], prepared[ORDER_KEY]
            self.pending_keys[key] = None
            if key in stored:
                self.stored_keys.add(key)
                self.duplicates.append((key, _Seen.of(row)))
            elif order_key and (order_key in originals or order_key in self.order_keys):
                kept.append(prepared)
            elif not order_key and (
                hash((prepared[PURCHASER], prepared[PRODUCT])) in self.content_pairs
                or content_original(prepared[PURCHASER], prepared[PRODUCT], prepared[AMOUNT], None)
                is not None
            ):
                kept.append(prepared)
                self.refunds_by_content += 1
            elif not order_key:
                orphans[key] = (
                    f"退款（冲减）{format_yuan(-prepared[AMOUNT])} 元没有订单号或发票号，本文件和已有记录中也没有"
                    f"“{prepared[PURCHASER_NAME] or '（未填采购单位）'}”采购“{prepared[PRODUCT] or '（未填商品）'}”的记录，"
                    "无法对应原采购，未导入；请补上原订单号，或先导入原采购"
                )
                self._reject(row, orphans[key])
            else:
                orphans[key] = (
                    f"退款（冲减）{format_yuan(-prepared[AMOUNT])} 元对应的原订单（{prepared[ORDER_KEY]}）"
                    "不在已有记录或本文件中，未导入；请先导入原订单，或核对订单号"
                )
                self._reject(row, orphans[key])
        if orphans:  # the file's repeats of a refused refund are refused with it, not "duplicates"
            repeats = [(key, seen) for key, seen in self.duplicates if key in orphans]
            self.duplicates = [(key, seen) for key, seen in self.duplicates if key not in orphans]
            for key, seen in repeats:
                self.problems.append(
                    ProblemRow(
                        outcome=RowOutcome.REJECTED,
                        sheet=seen.sheet,
                        row=seen.row,
                        raw=seen.raw,
                        reason=f"工作表“{seen.sheet}”第{seen.row}行：{orphans[key]}",
                    )
                )
                self.summary.rejected += 1
        self.refunds_ready = kept
        self.summary.refunds = len(kept)
        self.summary.accepted += len(kept)
        self.summary.total_fen += sum(prepared[AMOUNT] for prepared in kept)

    def _check(self) -> None:
        """The pending rows against the stored records: duplicates set aside, the rest counted (and
        spooled for writing)."""
        pending = self.pending
        if not pending:
            return
        stored = existing_keys([row[KEY] for row in pending])
        if stored:
            self.stored_keys |= stored
            facts = stored_facts(stored)
            fresh = []
            for row in pending:
                key = row[KEY]
                if key in stored:
                    seen = self.pending_keys[key]
                    assert seen is not None
                    self.duplicates.append((key, _Seen.of(seen)))
                    if key.startswith("c:"):
                        self.content_duplicates += 1
                    self._compare(facts[key], row)
                else:
                    fresh.append(row)
        else:
            fresh = pending
        if fresh:
            self._check_fresh(fresh)
            self.summary.accepted += len(fresh)
            self.summary.total_fen += sum(row[AMOUNT] for row in fresh)
            if self.spool is not None:
                self.spool.add(fresh)
        # Keys stay known for in-file duplicates; the rows themselves are no longer needed.
        for row in pending:
            self.pending_keys[row[KEY]] = None
        self.read += len(pending)
        self.pending = []
        if self.progress is not None:
            self.progress("read", self.read, None)

    def _compare(self, stored: Any, row: tuple[Any, ...]) -> None:
        """A duplicate of a stored purchase from another source: what it completes, where it differs."""
        if self._region_names is None:
            self._region_names = region_names()
        incoming = Incoming(
            purchaser_id=row[PURCHASER],
            origin=row[ORIGIN],
            origin_region_id=row[ORIGIN_REGION],
            channel=row[CHANNEL],
            supplier=row[SUPPLIER],
            supplier_ref_id=row[SUPPLIER_REF],
            sheet=row[SHEET],
            row=row[ROW_NUMBER],
            origin_inferred_from=row[INFERRED_FROM],
        )
        compare(stored, incoming, self.plan, self._region_names)

    def _check_fresh(self, fresh: list[tuple[Any, ...]]) -> None:
        """New records: another stored record of the same order number with another amount is a conflict
        to check (both count until the coordinator decides); 832 purchases from non-832 counties and
        implausible amounts are flagged."""
        order_keys = {row[ORDER_KEY] for row in fresh if row[ORDER_KEY]}
        others = other_amounts(order_keys) if order_keys else {}
        limit = plausible_max_fen()
        for row in fresh:
            for stored_id, stored_fen in others.get(row[ORDER_KEY], ()):
                if stored_fen != row[AMOUNT]:
                    self.plan.conflicts.append(
                        amount_conflict(
                            stored_id, stored_fen, row[AMOUNT], row[SHEET], row[ROW_NUMBER], row[KEY]
                        )
                    )
            for kind, message in row_flags(
                amount_fen=row[AMOUNT],
                channel=row[CHANNEL],
                origin_region_id=row[ORIGIN_REGION],
                non_832=self.non_832,
                sheet=row[SHEET],
                row=row[ROW_NUMBER],
                limit=limit,
            ):
                self.row_flagged.append((kind, message, row[SHEET], row[ROW_NUMBER], row[KEY]))

    @property
    def flagged(self) -> int:
        return len(self.plan.conflicts) + len(self.row_flagged)


class _Writer:
    """The write phase, in one transaction: the batch, the units to create, the prepared rows (checked
    once more against what others stored meanwhile), sightings and problem rows."""

    def __init__(self, reader: _ReadPhase, batch: ImportBatch, *, progress: Progress | None) -> None:
        self.reader = reader
        self.batch = batch
        self.progress = progress
        self.sql = insert_sql()

    def run(self, spool: _Spool) -> None:
        reader, summary = self.reader, self.reader.summary
        self.delta = new_delta()
        provisional = reader.purchasers.create_pending()
        summary.accepted = summary.total_fen = 0
        with indexes_deferred(spool.rows):
            self._purchases(spool, provisional)
        self._refunds(provisional)
        totals_apply(self.delta)
        summary.duplicates = len(reader.duplicates)

    def _purchases(self, spool: _Spool, provisional: dict[int, int | None]) -> None:
        reader, summary = self.reader, self.reader.summary
        batch_id = self.batch.pk
        written = 0
        for chunk in spool:
            stored = existing_keys([row[KEY] for row in chunk])
            rows = []
            for row in chunk:
                if row[KEY] in stored:  # stored by someone else since the read phase
                    reader.stored_keys.add(row[KEY])
                    seen = _Seen(row[SHEET], row[ROW_NUMBER], json.loads(row[RAW]), row[PURCHASER_NAME])
                    reader.duplicates.append((row[KEY], seen))
                    continue
                purchaser = row[PURCHASER]
                if purchaser is not None and purchaser < OUTSIDE:
                    row = (provisional[purchaser], *row[PURCHASER + 1 :])
                rows.append((*row, batch_id))
            if rows:
                write_rows(rows, self.sql)
                totals_delta_of_rows(rows, self.delta)
                summary.accepted += len(rows)
                summary.total_fen += sum(row[AMOUNT] for row in rows)
            written += len(chunk)
            if self.progress is not None:
                self.progress("write", written, spool.rows)

    def _refunds(self, provisional: dict[int, int | None]) -> None:
        """Refunds last, once every purchase of the file is stored: each linked to the purchase it
        reduces, from which it takes the purchaser, origin, channel and category it lacks (so that it
        reduces the same figures the purchase counts in)."""
        reader, summary = self.reader, self.reader.summary
        refunds = reader.refunds_ready
        summary.refunds = 0
        if not refunds:
            return
        originals = originals_for({row[ORDER_KEY] for row in refunds if row[ORDER_KEY]})
        stored = existing_keys([row[KEY] for row in refunds])
        rows = []
        for row in refunds:
            values = list(row)
            if values[PURCHASER] is not None and values[PURCHASER] < OUTSIDE:
                values[PURCHASER] = provisional[values[PURCHASER]]
            if row[KEY] in stored:  # stored meanwhile
                continue
            if row[ORDER_KEY]:
                found = originals.get(row[ORDER_KEY])
                original = refunded_original(found, row[AMOUNT]) if found else None
            else:
                original = content_original(values[PURCHASER], row[PRODUCT], row[AMOUNT], row[DATE])
            if original is None:  # its purchase removed meanwhile
                continue
            if values[PURCHASER] is None:
                values[PURCHASER] = original.purchaser_id
            if values[ORIGIN_REGION] is None and original.origin_region_id is not None:
                values[ORIGIN_REGION] = original.origin_region_id
                values[INFERRED_FROM] = original.origin_inferred_from or InferredFrom.WRITTEN
            if values[CHANNEL] in (Channel.OTHER, "") and original.channel:
                values[CHANNEL] = original.channel
            if not values[CATEGORY]:
                values[CATEGORY] = original.category
            values[REFUND_OF] = original.id
            rows.append((*values, self.batch.pk))
        if rows:
            write_rows(rows, self.sql)
            totals_delta_of_rows(rows, self.delta)
            summary.refunds = len(rows)
            summary.accepted += len(rows)
            summary.total_fen += sum(row[AMOUNT] for row in rows)


def _duplicate_problems(
    reader: _ReadPhase, stored: dict[str, tuple[int, int | None, int | None]]
) -> list[ProblemRow]:
    """The problem row of each duplicate. A duplicate of a record the importer cannot see says so
    without naming it (its id would tell another unit's data apart)."""
    within = reader.within
    problems = []
    for key, seen in reader.duplicates:
        found = stored.get(key)
        if key in reader.stored_keys and found is not None:
            pk, purchaser_id, reporting_id = found
            if within is None or purchaser_id in within or reporting_id in within:
                reason = f"与已有采购记录（编号 {pk}）重复"
            else:
                reason = "与已有采购记录重复（订单号和金额相同），不再重复计入"
        else:
            reason = "与本文件中前面的一行重复（订单号和金额相同，或内容完全相同），只导入一次"
        problems.append(
            ProblemRow(
                outcome=RowOutcome.DUPLICATE, sheet=seen.sheet, row=seen.row, raw=seen.raw, reason=reason
            )
        )
    return problems


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
            "mapping": [
                {
                    "column": c.index + 1,
                    "header": c.header,
                    "field": c.field,
                    "label": c.label,
                    "how": c.how,
                    "note": c.note,
                }
                for c in s.mapping
            ],
            "reporting_unit": s.reporting_unit,
            "channel": _channel_dict(s.channel_guess or ledger.channel_guess),
        }
        for s in ledger.sheets
    ]


def _channel_dict(guess: Any) -> dict[str, str]:
    if guess is None:
        return {}
    return {"channel": guess.channel, "confidence": guess.confidence, "reason": guess.reason}


def _already_imported(ledger: LedgerFile, previous: ImportBatch, *, dry_run: bool) -> ImportSummary:
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
    return _count_again(ledger, summary)


def ledger_import(
    *,
    path: Path | str,
    year: int | None = None,
    org: Organisation | None = None,
    user: Any = None,
    status: str = RecordStatus.APPROVED,
    dry_run: bool = False,
    within: frozenset[int] | None = None,
    progress: Progress | None = None,
    channel: str | None = None,
) -> ImportSummary:
    """Import one ledger file. Atomic: stored whole or not at all. The same file twice changes nothing.

    Two phases. The **read phase** reads, classifies and resolves every row and checks it against the
    stored records and the rest of the file, with reads only; the prepared rows wait in a temporary
    file. The **write phase** is one transaction: it creates the batch and the new units and stores the
    rows, checking their keys once more against what others stored meanwhile. So the database's write
    lock (SQLite has one for the whole database) is held only while rows are written, not while a large
    file is read, and the same file imported twice at once is stored once (the batch's SHA-256 is unique).

    ``within``: the units the importing user may report for (a reporter's jurisdiction). A row whose
    purchaser is another unit — or names a town outside them — is rejected with its reason; no unit is
    created outside them.

    ``dry_run=True`` is the read phase alone: the summary tells what the import would do (with the
    sheets' layouts, the first rows as read, every problem row and the units it would create), and
    nothing at all is written.

    ``org`` is the reporting unit (and the purchaser of rows that name none), stated by the importer;
    without it each sheet's 填报单位 line decides. ``channel`` (a channel's label, "832" for the 832
    platform) states the file's channel; without it the file's name, titles, headers or content decide,
    and the summary says which and why.

    Nothing is guessed silently: the summary lists every column with the field it was taken for (or
    未识别), counts the rows whose origin, channel, purchaser or date were inferred, assumed or missing,
    and says in ``warnings`` what changes what counts (no origin column, origins that stay unknown, a
    channel inferred from the content, purchasers filled from the 填报单位 line, month-only dates, refunds).

    ``progress(phase, done, total)`` is called now and then with "read" (rows so far) and "write".
    """
    path = Path(path)
    if channel is not None and normalise_channel(channel) not in CHANNELS:
        raise LedgerImportError(f"不认识的采购渠道“{channel}”；可以是：{'、'.join(CHANNELS)}")
    try:
        # The areas an origin cell is resolved against also tell an origin column by its content.
        regions = RegionResolver()
        ledger = open_ledger(
            path,
            default_purchaser=org.name if org else None,
            channel=channel,
            year=year,
            place_of=regions.resolve,
        )
    except LedgerReadError as exc:
        raise LedgerImportError(str(exc)) from exc
    spool = None if dry_run else _Spool()
    try:
        previous = ImportBatch.objects.filter(sha256=ledger.sha256).order_by("created_at").first()
        if previous is not None:
            return _already_imported(ledger, previous, dry_run=dry_run)
        reporting_org = _resolve_reporting_org(ledger, org)
        reader = _ReadPhase(
            ledger,
            year=year,
            reporting_org=reporting_org,
            reporting_stated=org is not None,
            status=status,
            within=within,
            spool=spool,
            progress=progress,
            regions=regions,
        )
        reader.run()
        summary = reader.summary
        summary.dry_run = dry_run
        summary.sheets = _sheets(ledger)
        summary.reporting_org = reporting_org.name if reporting_org else None
        summary.reporting_org_source = ("stated" if org is not None else "file") if reporting_org else None
        summary.channel = _channel_dict(ledger.channel_guess)
        summary.fields = _fields(reader.counts)
        summary.warnings = list(ledger.warnings) + _notes(ledger, reader)
        summary.enriched = reader.plan.enriched
        summary.flagged = reader.flagged
        if dry_run:
            summary.problems = reader.problems + _duplicate_problems(
                reader, stored_for_keys({key for key, _seen in reader.duplicates})
            )
            summary.unassigned = reader.purchasers.unassigned
            summary.created_orgs = list(reader.purchasers.created)
            return summary
        assert spool is not None
        return _write(ledger, reader, spool, path=path, year=year, user=user, progress=progress)
    except LedgerReadError as exc:
        raise LedgerImportError(str(exc)) from exc
    finally:
        ledger.close()
        if spool is not None:
            spool.close()


def _fields(counts: Counter[str]) -> dict[str, dict[str, int]]:
    groups = {
        "origin": ("written", "inferred", "missing", "unrecognised"),
        "channel": ("written", "assumed"),
        "purchaser": ("cell", "reporting_unit", "default", "unassigned"),
        "date": ("day", "month"),
    }
    return {group: {name: counts[f"{group}_{name}"] for name in names} for group, names in groups.items()}


def _notes(ledger: LedgerFile, reader: _ReadPhase) -> list[str]:
    """What changes what counts, in one sentence each (shown prominently before an import is confirmed)."""
    counts, notes = reader.counts, []
    no_origin = [s.name for s in ledger.sheets if "origin" not in s.columns]
    if no_origin and counts["origin_inferred"] + counts["origin_missing"]:
        notes.append(
            f"工作表“{'”“'.join(no_origin)}”没有产地列：{counts['origin_inferred']} 行的产地由商品、供应商名称推断（记为推断）。"
        )
    elif counts["origin_inferred"]:
        notes.append(f"{counts['origin_inferred']} 行产地为空，已由商品、供应商名称推断（记为推断）。")
    if counts["origin_missing"]:
        notes.append(f"{counts['origin_missing']} 行无法识别产地，不计入对口地区目标。")
    if counts["origin_unrecognised"]:
        notes.append(
            f"{counts['origin_unrecognised']} 行填写的产地不是已知的对口地区或832平台县，不计入对口地区目标。"
        )
    guess = ledger.channel_guess
    assumed = counts["channel_assumed"]
    if assumed and guess.confidence == Confidence.INFERRED:
        notes.append(
            f"本文件按内容判断为{guess.channel}导出（{guess.reason}），{assumed} 行按{guess.channel}计入；"
            "如判断有误，请在导入时指定采购渠道。"
        )
    elif assumed and guess.confidence == Confidence.UNKNOWN:
        notes.append(
            f"文件没有注明采购渠道，{assumed} 行记为“其他”，不计入832平台采购目标；"
            "如为832平台导出，请在导入时指定采购渠道。"
        )
    if counts["purchaser_reporting_unit"]:
        units = sorted({s.reporting_unit for s in ledger.sheets if s.reporting_unit})
        notes.append(
            f"{counts['purchaser_reporting_unit']} 行采购单位为空，已按填报单位“{'、'.join(units)}”填入。"
        )
    if counts["date_month"]:
        notes.append(f"{counts['date_month']} 行只写了月份，按当月最后一天计入（显示为“某年某月”）。")
    if reader.summary.refunds:
        refunded = -sum(prepared[AMOUNT] for prepared in reader.refunds_ready)
        notes.append(
            f"{reader.summary.refunds} 行为退款（冲减），共 {format_yuan(refunded)} 元，冲减对应的原订单。"
        )
    if reader.content_duplicates:
        notes.append(
            f"{reader.content_duplicates} 行没有订单号，与已导入的记录内容完全相同（采购单位、日期、金额、商品等），"
            "视为同一笔采购、不再计入；如确是另一笔，请在备注中注明或补上订单号后重新导入。"
        )
    if reader.refunds_by_content:
        notes.append(
            f"{reader.refunds_by_content} 行退款没有订单号，已按同一采购单位、同一商品对应到原采购（推断），请核对。"
        )
    return notes


def _write(
    ledger: LedgerFile,
    reader: _ReadPhase,
    spool: _Spool,
    *,
    path: Path,
    year: int | None,
    user: Any,
    progress: Progress | None,
) -> ImportSummary:
    summary = reader.summary
    report_file: Path | None = None
    try:
        # one audit-trail entry for the import, with its counts (not one per unit or record it writes)
        with transaction.atomic(), audit_grouped():
            previous = ImportBatch.objects.filter(sha256=ledger.sha256).order_by("created_at").first()
            if previous is not None:  # the same file was imported while this one was being read
                return _already_imported(ledger, previous, dry_run=False)
            try:
                with transaction.atomic():
                    batch = ImportBatch.objects.create(
                        file_name=ledger.name,
                        sha256=ledger.sha256,
                        size=path.stat().st_size,
                        kind=BatchKind.PLATFORM_832 if ledger.looks_like_832_export else BatchKind.LEDGER,
                        encoding=ledger.encoding or "",
                        reporting_org_id=reader.reporting_org_id,
                        year=year,
                        sheets=summary.sheets,
                        warnings=list(ledger.warnings),
                        created_by=user if getattr(user, "pk", None) else None,
                    )
            except IntegrityError:  # PostgreSQL: another import of the same file committed first
                previous = ImportBatch.objects.filter(sha256=ledger.sha256).first()
                if previous is None:
                    raise
                return _already_imported(ledger, previous, dry_run=False)
            _Writer(reader, batch, progress=progress).run(spool)
            summary.enriched = purchases_complete(reader.plan, batch=batch, user=user)
            keys = {c.other_key for c in reader.plan.conflicts if c.other_key} | {
                f[4] for f in reader.row_flagged
            }
            summary.flagged = flags_create(
                reader.plan.conflicts, reader.row_flagged, batch=batch, ids_by_key=_ids_by_key(keys)
            )
            stored = stored_for_keys({key for key, _seen in reader.duplicates})
            _save_sightings(reader, batch, stored)
            problems = reader.problems + _duplicate_problems(reader, stored)
            summary.problems = problems
            summary.batch_id = batch.pk
            summary.unassigned = reader.purchasers.unassigned
            summary.created_orgs = list(reader.purchasers.created)
            if problems:
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
                        for p in problems
                    ],
                    batch_size=2000,
                )
                report_file = _report_path(batch)
                write_problem_report(
                    report_file, batch_name=ledger.name, sheets=batch.sheets, problems=problems
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
            audit_action(
                kind="ledger_import",
                obj=batch,
                summary=f"{ledger.name}"
                + (f"（填报单位：{summary.reporting_org}）" if summary.reporting_org else ""),
                actor=user,
                unit_id=reader.reporting_org_id,
                counts={
                    "accepted": summary.accepted,
                    "duplicates": summary.duplicates,
                    "rejected": summary.rejected,
                    "skipped": summary.skipped,
                    "enriched": summary.enriched,
                    "units_created": len(summary.created_orgs),
                    "total_yuan": format_yuan(summary.total_fen),
                },
            )
    except BaseException:
        if report_file is not None:
            report_file.unlink(missing_ok=True)
        raise
    return summary


def _ids_by_key(keys: set[str]) -> dict[str, int]:
    return {key: found[0] for key, found in stored_for_keys(keys).items()} if keys else {}


def _save_sightings(
    reader: _ReadPhase, batch: ImportBatch, stored: dict[str, tuple[int, int | None, int | None]]
) -> None:
    PurchaseSighting.objects.bulk_create(
        [
            PurchaseSighting(
                purchase_id=stored[key][0],
                batch=batch,
                sheet=seen.sheet,
                row_number=seen.row,
                purchaser_name=seen.purchaser,
                raw=list(seen.raw),
            )
            for key, seen in reader.duplicates
        ],
        batch_size=2000,
    )


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
