"""Benchmark (issue 14, part 3): would a narrow purchase table make the import write less?

Measures storing the same import-shaped rows two ways, in one transaction each, on a fresh database
(SQLite by default; PostgreSQL when ``DATABASE_URL`` names a server — a database of its own, dropped at
the end):

- **wide** (today): ``ledger_purchase`` itself, every column including the provenance (the original
  cells as JSON, sheet, row), with all its indexes — ``executemany`` on SQLite, ``COPY`` on PostgreSQL
  (``ledger.services.writing.write_rows``, what the import runs);
- **narrow**: a copy of ``ledger_purchase`` with the same columns, constraints and indexes but without
  ``raw``, ``sheet`` and ``row_number``, plus a side table ``(purchase_id PRIMARY KEY, sheet,
  row_number, raw)`` written in the same transaction (ids assigned by the writer, as a split import
  would have to, to link the two).

The rows are the ledger-import bench's GBK platform export (``--rows``, default 200,000), shaped as
the import's schema floor shapes them (real JSON provenance, ~150 bytes a row). Each variant runs
``--repeat`` times (default 3) on an emptied table; best time. Ends with one JSON line: "ratio" is
narrow ÷ wide (below 1: the narrow table pays).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, fresh_django, load_state, write_platform_csv

PROVENANCE = ("sheet", "row_number", "raw")


def shaped_rows(path: Path, batch_id: int) -> list[tuple[Any, ...]]:
    import csv

    from django.db import connection
    from django.utils import timezone

    from bangfu.common.text import text_array_json
    from bangfu.ledger.services.writing import PurchaseRow

    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with path.open("r", encoding="gb18030", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        next(reader)
        return [
            PurchaseRow(
                purchaser_id=None, purchaser_name=r[2], purchaser_from="cell", reporting_org_id=None, date=r[1][:10],
                date_precision="day", amount_fen=int(Decimal(r[6].replace(",", "")) * 100), product=r[3],
                supplier=r[4], product_ref_id=None, supplier_ref_id=None, origin=r[5], origin_region_id=None,
                origin_inferred_from="", channel="832", category="", quantity=None, quantity_unit="", order_no=r[0],
                order_key=r[0], dedupe_key=f"n:{r[0]}:{r[6]}", remarks="", status="approved", sheet="订单",
                row_number=n, raw=text_array_json(r), created_at=stamp, updated_at=stamp, created_by_id=None,
                refund_of_id=None, batch_id=batch_id,
            )
            for n, r in enumerate(reader, start=3)
            if len(r) == 8 and r[0] and r[0] != "合计"
        ]  # fmt: skip


def create_narrow() -> None:
    """``narrow_purchase`` (ledger_purchase without the provenance, same indexes) and ``narrow_provenance``."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE narrow_purchase (LIKE ledger_purchase INCLUDING ALL)")
            cursor.execute(
                "ALTER TABLE narrow_purchase DROP COLUMN raw, DROP COLUMN sheet, DROP COLUMN row_number"
            )
            cursor.execute(
                "CREATE TABLE narrow_provenance (purchase_id bigint PRIMARY KEY REFERENCES narrow_purchase (id) "
                "DEFERRABLE INITIALLY DEFERRED, sheet varchar(100) NOT NULL, row_number integer NULL, raw jsonb NOT NULL)"
            )
            return
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'ledger_purchase' AND sql IS NOT NULL"
        )
        ddl = cursor.fetchall()
        for kind, name, sql in sorted(ddl, key=lambda row: row[0] != "table"):
            sql = sql.replace('"ledger_purchase"', '"narrow_purchase"')
            if kind == "table":
                sql = sql.replace('"sheet" varchar(100) NOT NULL, ', "")
                sql = sql.replace('"row_number" integer unsigned NULL CHECK ("row_number" >= 0), ', "")
                sql = re.sub(
                    r'"raw" text NOT NULL CHECK \(\(JSON_VALID\("raw"\) OR "raw" IS NULL\)\), ', "", sql
                )
                assert '"raw"' not in sql and '"sheet"' not in sql, sql
                sql = sql.replace('CONSTRAINT "purchase_', 'CONSTRAINT "narrow_purchase_')
            else:
                sql = sql.replace(f'"{name}"', f'"narrow_{name}"', 1)
            cursor.execute(sql)
        cursor.execute(
            "CREATE TABLE narrow_provenance (purchase_id integer NOT NULL PRIMARY KEY REFERENCES narrow_purchase (id) "
            "DEFERRABLE INITIALLY DEFERRED, sheet varchar(100) NOT NULL, row_number integer NULL, "
            "raw text NOT NULL CHECK (JSON_VALID(raw)))"
        )


def write_wide(rows: list[tuple[Any, ...]]) -> None:
    from django.db import transaction

    from bangfu.ledger.services.writing import insert_sql, write_rows

    with transaction.atomic():
        write_rows(rows, insert_sql())


def write_narrow(rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection, transaction

    from bangfu.ledger.services.writing import COLUMNS

    keep = [i for i, name in enumerate(COLUMNS) if name not in PROVENANCE]
    side = [COLUMNS.index(name) for name in PROVENANCE]
    columns = ["id", *(COLUMNS[i] for i in keep)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('narrow_purchase', 'id'), nextval(pg_get_serial_sequence('narrow_purchase', 'id')) + %s)",
                [len(rows)],
            )
            last = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM narrow_purchase")
            last = cursor.fetchone()[0] + len(rows)
        first = last - len(rows) + 1
        hot = [(first + n, *(row[i] for i in keep)) for n, row in enumerate(rows)]
        cold = [(first + n, *(row[i] for i in side)) for n, row in enumerate(rows)]
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY narrow_purchase ({', '.join(columns)}) FROM STDIN") as copy:
                for row in hot:
                    copy.write_row(row)
            with cursor.cursor.copy(
                "COPY narrow_provenance (purchase_id, sheet, row_number, raw) FROM STDIN"
            ) as copy:
                for row in cold:
                    copy.write_row(row)
        else:
            quoted = ", ".join(f'"{c}"' for c in columns)
            cursor.executemany(
                f"INSERT INTO narrow_purchase ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})", hot
            )
            cursor.executemany("INSERT INTO narrow_provenance VALUES (%s, %s, %s, %s)", cold)


def empty(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"TRUNCATE {', '.join(tables)} CASCADE"
            )  # no dead rows left for the next round (the tables refering to them are empty)
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as folder:
        tmp = Path(folder)
        path = write_platform_csv(tmp / "export.csv", args.rows)
        with bench_database(tmp, "narrow") as kind:
            fresh_django(tmp)
            from django.db import connection

            from bangfu.ledger.models import ImportBatch

            create_narrow()
            batch = ImportBatch.objects.create(file_name=path.name, sha256="-")
            rows = shaped_rows(path, batch.pk)
            times: dict[str, float] = {"wide": float("inf"), "narrow": float("inf")}
            for _round in range(args.repeat):
                for name, write, tables in (
                    ("wide", write_wide, ["ledger_purchase"]),
                    ("narrow", write_narrow, ["narrow_provenance", "narrow_purchase"]),
                ):
                    started = time.perf_counter()
                    write(rows)
                    times[name] = min(times[name], time.perf_counter() - started)
                    empty(tables)
            connection.close()
    ratio = times["narrow"] / times["wide"]
    load = load_state()
    print(f"{kind}: {len(rows):,} rows; load average {load}")
    print(f"  wide (today)        {times['wide']:7.2f} s  {len(rows) / times['wide']:9,.0f} rows/s")
    print(f"  narrow + provenance {times['narrow']:7.2f} s  {len(rows) / times['narrow']:9,.0f} rows/s")
    print(f"  ratio               {ratio:7.2f}  (narrow / wide; below 1 the narrow table pays)")
    figures = {
        "bench": "narrow_table",
        "database": kind,
        "rows": len(rows),
        "wide_s": round(times["wide"], 3),
        "narrow_s": round(times["narrow"], 3),
        "ratio": round(ratio, 3),
        "load_average": load,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
