"""Benchmark: the full ledger import (read, normalise, validate, de-duplicate, store with provenance).

Generates a platform-style GBK CSV of ``--rows`` rows (default 1,000,000) and an .xlsx of ``--xlsx-rows``
rows (default 200,000; a fifth of ``--rows`` when only ``--rows`` is given), then for each file, in
separate fresh processes on empty SQLite databases:

- import: ``bangfu.ledger.services.ledger_import`` (what `bangfu ledger import` runs);
- floor:  the fastest plain reader (``csv.reader`` over the gb18030 text / python-calamine rows) plus one
  ``executemany`` of the rows into an SQLite table with a unique index on the order number.

Prints rows/s, the ratio import/floor and each process' peak memory; ends with one JSON line of the
figures including "ratio" (the CSV's) and "database". Targets (issue 14): ≤ 3× the SQLite floor, ≤ 2× the
PostgreSQL COPY floor, peak memory < 1 GiB for the million-row CSV; the .xlsx ≤ 2.5× its floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    bench_database,
    database_kind,
    fresh_django,
    load_state,
    peak_rss_mib,
    run_worker,
    write_platform_csv,
    write_platform_xlsx,
)

SCRIPT = Path(__file__).resolve()


def worker_import(path: Path, home: Path) -> dict[str, object]:
    fresh_django(home)
    from bangfu.ledger.services import ledger_import

    started = time.perf_counter()
    summary = ledger_import(path=path, year=2022)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "accepted": summary.accepted,
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
        "skipped": summary.skipped,
        "rows": summary.rows,
        "peak_rss_mib": peak_rss_mib(),
    }


def _rows(path: Path):
    if path.suffix == ".csv":
        with path.open("r", encoding="gb18030", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            next(reader)
            yield from reader
        return
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    next(rows)
    yield from rows


def worker_floor(path: Path, home: Path) -> dict[str, object]:
    if database_kind() == "postgresql":
        return worker_copy_floor(path)
    db = sqlite3.connect(home / "floor.sqlite3")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE purchase (order_no TEXT, at TEXT, purchaser TEXT, product TEXT, supplier TEXT, origin TEXT, amount TEXT, status TEXT)"
    )
    db.execute("CREATE UNIQUE INDEX purchase_order ON purchase(order_no, amount)")
    started = time.perf_counter()
    padded = ((list(r) + [""] * 8)[:8] for r in _rows(path) if r and r[0] and r[0] != "合计")
    with db:
        db.executemany("INSERT OR IGNORE INTO purchase VALUES (?, ?, ?, ?, ?, ?, ?, ?)", padded)
    seconds = time.perf_counter() - started
    stored = db.execute("SELECT count(*) FROM purchase").fetchone()[0]
    return {"seconds": seconds, "stored": stored, "peak_rss_mib": peak_rss_mib()}


def worker_copy_floor(path: Path) -> dict[str, object]:
    """PostgreSQL's floor: a plain ``COPY`` of the raw rows into an 8-column table with a unique index."""
    import os

    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as db:
        db.execute(
            "CREATE TABLE purchase (order_no text, at text, purchaser text, product text, supplier text, "
            "origin text, amount text, status text)"
        )
        db.execute("CREATE UNIQUE INDEX purchase_order ON purchase(order_no, amount)")
        db.commit()
        started = time.perf_counter()
        padded = ((list(r) + [""] * 8)[:8] for r in _rows(path) if r and r[0] and r[0] != "合计")
        with db.cursor() as cursor, cursor.copy("COPY purchase FROM STDIN") as copy:
            for row in padded:
                copy.write_row(row)
        db.commit()
        seconds = time.perf_counter() - started
        stored = db.execute("SELECT count(*) FROM purchase").fetchone()[0]
    return {"seconds": seconds, "stored": stored, "peak_rss_mib": peak_rss_mib()}


def worker_schema_floor(path: Path, home: Path) -> dict[str, object]:
    """What merely filling our purchase table costs: the plain reader, rows shaped for the table with
    no validation or matching, one executemany (same columns, indexes and provenance as the import)."""
    fresh_django(home)
    from django.db import connection, transaction
    from django.utils import timezone

    from bangfu.common.text import text_array_json
    from bangfu.ledger.models import ImportBatch
    from bangfu.ledger.services.writing import PurchaseRow, insert_sql, write_rows

    batch = ImportBatch.objects.create(file_name=path.name, sha256="-")
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    started = time.perf_counter()
    shaped = [
        PurchaseRow(
            purchaser_id=None, purchaser_name=r[2], purchaser_from="cell", reporting_org_id=None, date=r[1][:10],
            date_precision="day", amount_fen=int(Decimal(r[6].replace(",", "")) * 100), product=r[3],
            supplier=r[4], product_ref_id=None, supplier_ref_id=None, origin=r[5], origin_region_id=None,
            origin_inferred_from="", channel="832", category="", quantity=None, quantity_unit="", order_no=r[0],
            order_key=r[0], dedupe_key=f"n:{r[0]}:{r[6]}", remarks="", status="approved", sheet="订单",
            row_number=n, raw=text_array_json(r), created_at=stamp, updated_at=stamp, created_by_id=None,
            refund_of_id=None, batch_id=batch.pk,
        )
        for n, r in enumerate((list(map(str, row)) for row in _rows(path)), start=3)
        if len(r) == 8 and r[0] and r[0] != "合计"
    ]  # fmt: skip
    with transaction.atomic():
        write_rows(shaped, insert_sql())  # COPY on PostgreSQL, executemany on SQLite (as the import)
    return {"seconds": time.perf_counter() - started, "peak_rss_mib": peak_rss_mib()}


def measure(path: Path, tmp: Path, label: str) -> dict[str, object]:
    results = {}
    for kind in ("floor", "schema", "import"):
        home = tmp / f"{label}-{kind}"
        home.mkdir()
        with bench_database(home, f"import_{label}_{kind}"):  # an empty database per process
            results[kind] = run_worker(SCRIPT, kind, str(path), str(home))
    floor, schema, imported = results["floor"], results["schema"], results["import"]
    ratio = imported["seconds"] / floor["seconds"]
    to_schema = imported["seconds"] / schema["seconds"]
    rows = imported["rows"]
    print(f"{label}: {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB")
    for name, result in (("floor", floor), ("schema floor", schema), ("import", imported)):
        rate = rows / result["seconds"]
        print(
            f"  {name:<13}{result['seconds']:7.2f} s {rate:10,.0f} rows/s  peak {result['peak_rss_mib']:.0f} MiB"
        )
    print(f"  ratio        {ratio:7.2f}  (import / floor); import / schema floor {to_schema:.2f}")
    print(f"  database {database_kind()}; load average {load_state()}")
    print(
        f"  accepted {imported['accepted']:,}, rejected {imported['rejected']:,}, "
        f"duplicates {imported['duplicates']:,}, skipped {imported['skipped']:,}"
    )
    return {
        "rows": rows,
        "floor_s": round(floor["seconds"], 3),
        "schema_floor_s": round(schema["seconds"], 3),
        "import_s": round(imported["seconds"], 3),
        "rows_per_s": round(rows / imported["seconds"]),
        "ratio": round(ratio, 2),
        "ratio_to_schema_floor": round(to_schema, 2),
        "peak_rss_mib": round(imported["peak_rss_mib"]),
        "accepted": imported["accepted"],
        "load_average": load_state(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=None, help="CSV rows (default 1,000,000)")
    parser.add_argument("--xlsx-rows", type=int, default=None, help="xlsx rows (default 200,000)")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "FILE", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, file, home = args.worker
        worker = {"import": worker_import, "floor": worker_floor, "schema": worker_schema_floor}[kind]
        result = worker(Path(file), Path(home))
        print(json.dumps(result))
        return 0
    csv_rows = args.rows or 1_000_000
    xlsx_rows = args.xlsx_rows or (args.rows // 5 if args.rows else 200_000)
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        csv_path = write_platform_csv(tmp / "832平台订单导出.csv", csv_rows)
        xlsx_path = write_platform_xlsx(tmp / "832平台订单导出.xlsx", xlsx_rows)
        print(f"generated files in {time.perf_counter() - started:.1f} s")
        figures = {
            "bench": "ledger_import",
            "csv": measure(csv_path, tmp, "csv"),
            "xlsx": measure(xlsx_path, tmp, "xlsx"),
        }
    figures["ratio"] = figures["csv"]["ratio"]
    figures["database"] = database_kind()
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
