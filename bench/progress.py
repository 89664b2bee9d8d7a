"""Benchmark: a full progress recompute against the same aggregation done by DuckDB.

Runs on SQLite (the default) or on PostgreSQL when ``DATABASE_URL`` names a server
(``postgres://postgres@127.0.0.1:5432/postgres``): the bench then creates a database of its own there and
drops it at the end (kept with ``--home``).

Builds, on a fresh database: the Cixi units and the 2022 seed plan, ~5,000 units in the jurisdiction tree
(unions, canteens, schools, enterprises, communities and hospitals under every town, street and
committee, two levels deep; a few hundred departments with their canteens and unions), base values for
most unions and canteen-holding units, and ``--rows`` purchases (default 1,000,000) written with the
import's own column order (one ``executemany`` per 50,000 rows on SQLite, ``COPY`` on PostgreSQL), then
the running totals rebuilt from them and ``ANALYZE``. ``--home DIR`` keeps the database (the SQLite file in
DIR, or the PostgreSQL database named after DIR) and reuses it when it is already built.

Then measures:

- recompute from scratch: ``progress_compute(plan, as_of=2022-10-31)`` over every target with nothing
  kept of an earlier computation (``progress.live.live_forget()`` first; best of 3 after a warm-up): the
  purchases summed afresh, every line computed, the plan's lines (targets expanded to units, purchaser
  sets, bases — cached until units, targets or bases change) taken from the cache; and the same with the
  lines rebuilt (the cache cleared first), as after such a change;
- after a change (the live figures, ``progress.live``): rounds of purchases entered through the ledger's
  service, each followed by the whole plan's computation (median), then 周巷镇's page the same way, and
  the computation with nothing changed; checked against a computation from scratch, the purchases removed
  again;
- pages: the same for one town's jurisdiction (周巷镇's subtree) and for one union (best of 5); the town's
  page with its ranks over the whole plan (``ranked=True``), the first time (ranks computed) and cached;
- the grouped sums alone: the engine's ``grouped_sums`` through the ORM, and the engine's SQL on a raw
  connection (``sqlite3`` / psycopg), with the query plans;
- baseline: the same grouped ``SUM``/``COUNT`` per distinct eligibility filter in an in-memory DuckDB
  table holding the same purchases (exported from the database; loading not timed; best of 5). Its
  results are checked against the engine's, figure for figure.

Prints the figures and ratio = recompute from scratch ÷ DuckDB (``ratio_after_change``: the whole plan
after a change ÷ DuckDB); ends with one JSON line including "ratio" and "database". Target (issue 14): ratio ≤ 1.0; one unit's page ≤ 20 ms at 1,000,000 records.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    analyze,
    bench_database,
    database_kind,
    database_size_mib,
    fresh_django,
    load_state,
    peak_rss_mib,
    pg_database_exists,
    setup_django,
)

AS_OF = dt.date(2022, 10, 31)
YEAR = 2022
CHUNK = 50_000
SEED_PLAN = "data/seeds/2022年慈溪市消费帮扶工作任务分解表.docx"

# Per town, street and committee: (how many, kind, name pattern, children as (kind, suffix)).
TOWN_UNITS = (
    (40, "enterprise", "慈溪市{town}企业{n:03d}有限公司", (("union", "工会委员会"), ("canteen", "职工食堂"))),
    (15, "school", "慈溪市{town}第{n}学校", (("union", "工会"), ("canteen", "食堂"))),
    (20, "other", "{town}{n:02d}村（社区）", (("union", "工会"),)),
    (20, "union", "{town}联合工会{n:02d}", ()),
    (10, "canteen", "{town}机关食堂{n:02d}", ()),
    (3, "hospital", "{town}卫生院{n}", (("canteen", "食堂"), ("union", "工会"))),
)
DEPARTMENTS = 330  # each with a canteen; every other one with a union
CHANNELS = (("832", 35), ("offline", 30), ("fair", 10), ("ecommerce", 10), ("counter", 10), ("other", 5))
STATUSES = (("approved", 70), ("submitted", 27), ("draft", 3))
PRODUCTS = (
    ("布拖苦荞茶", "布拖县彝家苦荞有限公司", "四川省凉山彝族自治州布拖县"),
    ("布拖马铃薯 5kg", "布拖县农业发展有限公司", "四川省凉山彝族自治州布拖县"),
    ("黑山羊肉礼盒", "布拖县黑山羊养殖专业合作社", "布拖县"),
    ("昭觉荞麦面", "昭觉县农产品公司", "四川省凉山彝族自治州昭觉县"),
    ("雷波脐橙 10斤", "雷波县果业有限公司", "四川省凉山彝族自治州雷波县"),
)
MEAN_FEN = 250_000  # amounts are uniform in [1,000, 499,000] fen


# --- data ------------------------------------------------------------------------------------------


def build_units(rng: random.Random) -> dict[str, list[int]]:
    """~5,000 units under the towns and as departments, with their official names; ids by kind."""
    from bangfu.common.text import name_key
    from bangfu.orgs.models import Organisation, OrganisationName

    towns = list(Organisation.objects.filter(kind__in=("town", "street", "committee")).order_by("pk"))
    level1: list[tuple[Organisation, tuple[tuple[str, str], ...]]] = []
    for town in towns:
        short = town.short_name or town.name
        for count, kind, pattern, children in TOWN_UNITS:
            for n in range(1, count + 1):
                unit = Organisation(name=pattern.format(town=short, n=n), kind=kind, parent=town)
                level1.append((unit, children))
    for n in range(1, DEPARTMENTS + 1):
        children = (("canteen", "机关食堂"), ("union", "机关工会")) if n % 2 else (("canteen", "机关食堂"),)
        level1.append((Organisation(name=f"慈溪市市级部门{n:03d}", kind="department"), children))
    Organisation.objects.bulk_create([unit for unit, _children in level1], batch_size=2000)
    level2 = [
        Organisation(name=f"{unit.name}{suffix}", kind=kind, parent=unit)
        for unit, children in level1
        for kind, suffix in children
    ]
    Organisation.objects.bulk_create(level2, batch_size=2000)
    created = [unit for unit, _children in level1] + level2
    OrganisationName.objects.bulk_create(
        [
            OrganisationName(organisation=unit, name=unit.name, key=name_key(unit.name), kind="official")
            for unit in created
        ],
        batch_size=2000,
    )
    by_kind: dict[str, list[int]] = {}
    for pk, kind in Organisation.objects.values_list("pk", "kind").order_by("pk"):
        by_kind.setdefault(kind, []).append(pk)
    return by_kind


def build_bases(rng: random.Random, by_kind: dict[str, list[int]], rows: int) -> int:
    """Base values for most unions (gift total, members) and most canteen-holding units (food budget; a
    few with no canteen), scaled so that rates spread around the targets."""
    from bangfu.progress.models import BaseValue

    units = sum(len(ids) for ids in by_kind.values())
    own_yuan = rows / units * 0.85 * 0.8 * MEAN_FEN / 100  # a unit's own eligible purchases by as_of
    bases = []
    for pk in by_kind.get("union", []):
        if rng.random() < 0.85:
            gift_yuan = own_yuan / 0.2 * rng.uniform(0.4, 2.5)
            members = max(1, int(own_yuan / 500 * rng.uniform(0.4, 2.5)))
            bases.append(
                BaseValue(
                    organisation_id=pk, year=YEAR, holiday_gift_fen=int(gift_yuan * 100), member_count=members
                )
            )
    for kind in ("department", "school", "hospital", "canteen"):
        for pk in by_kind.get(kind, []):
            roll = rng.random()
            if roll < 0.05:
                bases.append(BaseValue(organisation_id=pk, year=YEAR, no_canteen=True))
            elif roll < 0.85:
                budget_yuan = 2 * own_yuan * 0.35 / 0.1 * rng.uniform(0.4, 2.5)
                bases.append(BaseValue(organisation_id=pk, year=YEAR, food_budget_fen=int(budget_yuan * 100)))
    BaseValue.objects.bulk_create(bases, batch_size=2000)
    return len(bases)


def _weighted(pairs: tuple[tuple[str, int], ...], rng: random.Random, k: int) -> list[str]:
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs], k=k)


def build_purchases(
    rng: random.Random, rows: int, *, statuses: tuple[tuple[str, int], ...] = STATUSES
) -> float:
    """``rows`` purchases in the import's column order, one executemany per 50,000; returns seconds.
    ``statuses``: the records' status mix, (status, weight) pairs (``web_load.py`` asks for its own)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bangfu.ledger.models import ImportBatch
    from bangfu.ledger.services.writing import PurchaseRow, insert_sql, write_rows
    from bangfu.orgs.models import Organisation
    from bangfu.regions.models import Region
    from bangfu.regions.selectors import paired_region_ids

    (butuo,) = paired_region_ids(YEAR)
    others = [
        Region.objects.get_or_create(
            province="四川省", prefecture="凉山彝族自治州", county=county, defaults={"is_832": True}
        )[0].pk
        for county in ("昭觉县", "雷波县")
    ]
    units = list(Organisation.objects.values_list("pk", "name"))
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    days = [(dt.date(YEAR, 1, 1) + dt.timedelta(days=d)).isoformat() for d in range(365)]
    sql = insert_sql()
    started = time.perf_counter()
    for start in range(0, rows, CHUNK):
        k = min(CHUNK, rows - start)
        batch = ImportBatch.objects.create(
            file_name=f"bench-{start // CHUNK:03d}.xlsx", sha256=f"bench-{start}"
        )
        channels = _weighted(CHANNELS, rng, k)
        chosen = _weighted(statuses, rng, k)
        chunk = []
        for i in range(start, start + k):
            roll = rng.random()
            purchaser_id, purchaser_name = (
                units[rng.randrange(len(units))] if roll < 0.99 else (None, "某单位")
            )
            region = butuo if roll < 0.85 else (others[i % 2] if roll < 0.95 else None)
            product, supplier, origin = PRODUCTS[i % 3] if region == butuo else PRODUCTS[3 + i % 2]
            fen = rng.randint(1_000, 499_000)
            order_no = f"2022{i:010d}"
            chunk.append(
                PurchaseRow(
                    purchaser_id=purchaser_id, purchaser_name=purchaser_name, purchaser_from="cell",
                    reporting_org_id=None, date=days[rng.randrange(365)], date_precision="day", amount_fen=fen,
                    product=product, supplier=supplier, product_ref_id=None, supplier_ref_id=None,
                    origin=origin if region else "", origin_region_id=region, origin_inferred_from="",
                    channel=channels[i - start], category="", quantity=None, quantity_unit="",
                    order_no=order_no, order_key=order_no, dedupe_key=f"n:{i}:{fen}", remarks="",
                    status=chosen[i - start], sheet="Sheet1", row_number=i % 50_000 + 3, raw="[]",
                    created_at=stamp, updated_at=stamp, created_by_id=None, refund_of_id=None, batch_id=batch.pk,
                )
            )  # fmt: skip
        with transaction.atomic():
            write_rows(chunk, sql)  # COPY on PostgreSQL, executemany on SQLite (as the import)
    seconds = time.perf_counter() - started
    analyze()
    connection.close()
    return seconds


# --- measuring -------------------------------------------------------------------------------------


def best_of(fn: Callable[[], Any], times: int, *, warmup: int = 1) -> tuple[float, Any]:
    """Best wall time in ms of ``times`` calls after ``warmup`` calls, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


def sums_keys(plan) -> list:
    """The distinct eligibility filters the plan's rules produce (as ``progress_compute`` derives them)."""
    from bangfu.progress.choices import MeasureSource
    from bangfu.progress.lines import plan_targets
    from bangfu.progress.rules import sums_key

    keys = {
        sums_key(target.rule, plan.year, AS_OF)
        for target in plan_targets(plan)
        if target.rule.source == MeasureSource.PURCHASES
    }
    return sorted(keys)


def duckdb_sql(key, statuses: list[str], paired: set[int], county_832: set[int]) -> tuple[str, list[Any]]:
    """The grouped sum of ``rules.eligible(key)`` written for DuckDB."""
    from bangfu.progress.choices import OriginFilter

    where = ["date >= ? AND date <= ?", f"status IN ({', '.join('?' * len(statuses))})"]
    params: list[Any] = [key.start, key.last, *statuses]
    regions = {OriginFilter.PAIRED: paired, OriginFilter.ANY_832: county_832}.get(key.origin)
    if key.origin == OriginFilter.COUNTY:
        regions = {key.region_id}
    if regions is not None:
        where.append(f"origin_region_id IN ({', '.join('?' * len(regions))})")
        params += sorted(regions)
    if key.channel:
        where.append("channel = ?")
        params.append(key.channel)
    if key.category:
        where.append("category = ?")
        params.append(key.category)
    where.append("purchaser_id IS NOT NULL")
    sql = (
        "SELECT purchaser_id, SUM(amount_fen), COUNT(*) FROM purchase "
        f"WHERE {' AND '.join(where)} GROUP BY purchaser_id"
    )
    return sql, params


def load_duckdb(tmp: Path):
    """The purchases' filter and sum columns in an in-memory DuckDB table (exported from the database
    through a CSV file; not timed)."""
    import duckdb
    from django.db import connection

    path = tmp / "purchases.csv"
    columns = "id, purchaser_id, date, amount_fen, origin_region_id, channel, category, status"
    with path.open("w", newline="") as handle, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY (SELECT {columns} FROM ledger_purchase) TO STDOUT (FORMAT csv)"
            ) as copy:
                for block in copy:
                    handle.write(bytes(block).decode())
        else:
            writer = csv.writer(handle)
            cursor.execute(f"SELECT {columns} FROM ledger_purchase")
            while batch := cursor.fetchmany(50_000):
                writer.writerows(batch)
    duck = duckdb.connect()
    duck.execute(
        f"""CREATE TABLE purchase AS SELECT * FROM read_csv('{path}', header = false, columns = {{
            'id': 'BIGINT', 'purchaser_id': 'BIGINT', 'date': 'DATE', 'amount_fen': 'BIGINT',
            'origin_region_id': 'BIGINT', 'channel': 'VARCHAR', 'category': 'VARCHAR', 'status': 'VARCHAR'}})"""
    )
    path.unlink()
    return duck


def engine_sql(plan, keys: list, statuses: list[str]) -> list[str]:
    """The SQL the engine runs for its grouped sums, as executed (parameters inlined)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bangfu.progress.sums import grouped_sums

    with CaptureQueriesContext(connection) as captured:
        grouped_sums(keys, plan.year, [statuses], None)
    return [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]


def plans_without_statistics(db_path: Path, queries: list[str]) -> list[list[str]]:
    """The query plans SQLite picks when ``ANALYZE`` has never run (nothing in the project runs it):
    the statistics are removed inside a transaction that is rolled back."""
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("BEGIN")
    raw.execute("DELETE FROM sqlite_stat1")
    raw.execute("ANALYZE sqlite_schema")  # reload the (now empty) statistics into this connection
    plans = [[step[3] for step in raw.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()] for sql in queries]
    raw.execute("ROLLBACK")
    raw.close()
    return plans


def raw_connection():
    """A connection of the database's own driver, outside Django (the SQL's cost alone)."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.connect(os.environ["DATABASE_URL"])
    raw = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    raw.execute("PRAGMA cache_size=-65536")  # the project's cache size
    return raw


def explain(raw, sql: str) -> list[str]:
    from django.db import connection

    if connection.vendor == "postgresql":
        return [row[0].strip() for row in raw.execute(f"EXPLAIN {sql}").fetchall()]
    return [step[3] for step in raw.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]


def build(rng: random.Random, rows: int) -> dict[str, Any]:
    """The bench data in the (empty, migrated) database; returns what was built."""
    from django.conf import settings

    from bangfu.ledger.totals import totals_rebuild
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from bangfu.progress.services import progress_rules_ensure

    started = time.perf_counter()
    plan = plan_import(parsed=parse_table(settings.BASE_DIR / SEED_PLAN)).plan
    by_kind = build_units(rng)
    bases = build_bases(rng, by_kind, rows)
    insert_s = build_purchases(rng, rows)
    totals_started = time.perf_counter()
    total_rows = totals_rebuild()  # the purchases were written raw: their running totals from them
    totals_s = time.perf_counter() - totals_started
    analyze()
    progress_rules_ensure(plan)
    return {
        "rows": rows,
        "units": sum(len(ids) for ids in by_kind.values()),
        "bases": bases,
        "insert_s": round(insert_s, 1),
        "insert_rows_per_s": round(rows / insert_s) if rows else 0,
        "totals_rows": total_rows,
        "totals_rebuild_s": round(totals_s, 1),
        "build_s": round(time.perf_counter() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="purchase records (default 1,000,000)")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="keep the database (in DIR, or named after DIR on PostgreSQL) and reuse it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as folder:
        tmp = Path(folder)
        home = Path(args.home).resolve() if args.home else tmp
        home.mkdir(parents=True, exist_ok=True)
        kind = database_kind()
        marker = home / f"progress-{kind}.json"
        reuse = (
            bool(args.home) and marker.exists() and (kind == "sqlite" or pg_database_exists(home, "progress"))
        )
        if not reuse:
            marker.unlink(missing_ok=True)
            for old in home.glob("bangfu.sqlite3*"):
                old.unlink()
        with bench_database(home, "progress", keep=bool(args.home), fresh=not reuse):
            if reuse:
                setup_django(home)
                from django.core.management import call_command

                call_command("migrate", verbosity=0)  # a database kept by older code: upgraded, as a site is
                built = json.loads(marker.read_text())
                analyze()  # statistics current and, on PostgreSQL, vacuumed (a kept database may not be)
                print(
                    f"reusing the database of {home} ({built['rows']:,} purchases, built in {built['build_s']} s)"
                )
            else:
                fresh_django(home)
                built = build(random.Random(20221031), args.rows)
                marker.write_text(json.dumps(built))
                print(
                    f"built in {built['build_s']:.1f} s: {built['units']:,} units, {built['bases']:,} base values, "
                    f"{built['rows']:,} purchases (insert {built['insert_s']:.1f} s, "
                    f"{built['insert_rows_per_s']:,} rows/s); running totals {built['totals_rows']:,} rows "
                    f"in {built['totals_rebuild_s']:.1f} s"
                )
            figures = measure(tmp, built)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


def measure(tmp: Path, built: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_subtree_ids
    from bangfu.plans.models import Plan
    from bangfu.progress.cache import cache_clear
    from bangfu.progress.lines import lines_prepare
    from bangfu.progress.live import live_forget
    from bangfu.progress.report import report_build
    from bangfu.progress.rules import counted_statuses
    from bangfu.progress.selectors import progress_compute
    from bangfu.progress.sums import grouped_sums
    from bangfu.regions.selectors import paired_region_ids, region_832_ids

    vendor = connection.vendor
    size_mib = database_size_mib()
    load = load_state()
    plan = Plan.objects.get(year=YEAR)

    # The engine: a recompute after a change of the purchases (the plan's lines, built from the units,
    # targets and bases, are cached) and one after a change of those too (nothing cached).
    def cold_recompute():
        cache_clear()
        return progress_compute(plan, as_of=AS_OF)

    # From scratch: nothing kept of an earlier computation (progress.live), every line computed afresh.
    def from_scratch():
        live_forget()
        return progress_compute(plan, as_of=AS_OF)

    cold_ms, _report = best_of(cold_recompute, 3)
    recompute_ms, report = best_of(from_scratch, 3)
    town = Organisation.objects.get(name="周巷镇")
    union = Organisation.objects.filter(kind="union", parent__parent=town, base_values__year=YEAR).first()
    assert union is not None
    # A unit's page: its lines out of the whole plan's live figures (progress.live; nothing changed since
    # they were computed), and computed alone — its purchasers' sums, its lines — as without them.
    unit_ms, unit_report = best_of(
        lambda: progress_compute(plan, as_of=AS_OF, org_ids=org_subtree_ids(town.pk)), 5
    )

    def unit_alone():
        prepared = lines_prepare(plan, AS_OF, org_subtree_ids(town.pk), None)
        prepared.derived.pop("whole", None)
        ((sums, counts),) = grouped_sums(prepared.keys, YEAR, [counted_statuses(plan)], prepared.restrict)
        return report_build(prepared, sums, counts)

    unit_alone_ms, alone_report = best_of(unit_alone, 5)
    assert [line.result for line in alone_report.lines] == [line.result for line in unit_report.lines]
    union_ms, union_report = best_of(
        lambda: progress_compute(plan, as_of=AS_OF, org_ids=org_subtree_ids(union.pk)), 5
    )

    # The same page with its ranks over the whole plan (ranked=True, as the pages ask): the first
    # time after a change of the data the whole plan is ranked once; then the ranks are cached.
    def ranked_page():
        return progress_compute(plan, as_of=AS_OF, org_ids=org_subtree_ids(town.pk), ranked=True)

    def ranked_page_cold():
        cache_clear()
        return ranked_page()

    ranked_cold_ms, _ranked = best_of(ranked_page_cold, 3)
    ranked_warm_ms, ranked_report = best_of(ranked_page, 5)
    assert all(line.result.rank for line in ranked_report.lines if line.result.rate is not None)
    statuses = counted_statuses(plan)
    keys = sums_keys(plan)
    orm_ms, ((engine_sums, engine_counts),) = best_of(
        lambda: grouped_sums(keys, plan.year, [statuses], None), 5
    )

    # The engine's SQL alone on a raw connection of the database's driver.
    queries = engine_sql(plan, keys, statuses)
    raw = raw_connection()
    raw_ms, _rows = best_of(lambda: [raw.execute(sql).fetchall() for sql in queries], 5)
    plans = [explain(raw, sql) for sql in queries]
    raw.close()
    bare_plans = (
        plans_without_statistics(Path(connection.settings_dict["NAME"]), queries)
        if vendor == "sqlite"
        else [["(PostgreSQL: always has statistics)"] for _sql in queries]
    )

    # The baseline: DuckDB, same rows, same filters.
    duck = load_duckdb(tmp)
    paired, county_832 = paired_region_ids(plan.year), region_832_ids()
    duck_queries = [duckdb_sql(key, statuses, paired, county_832) for key in keys]
    duck_ms, duck_rows = best_of(
        lambda: [duck.execute(sql, params).fetchall() for sql, params in duck_queries], 5
    )
    # The engine's figures are the records' figures: recomputed by DuckDB from the rows themselves.
    for key, found in zip(keys, duck_rows, strict=True):
        assert {pid: int(total) for pid, total, _n in found} == engine_sums[key], key
        assert {pid: n for pid, _total, n in found} == engine_counts[key], key
    duck.close()
    live = measure_live(plan, report, org_subtree_ids(town.pk))
    connection.close()

    ratio = recompute_ms / duck_ms
    records = sum(sum(c.values()) for c in engine_counts.values())
    print(f"database: {vendor}, {size_mib:,.0f} MiB; load average {load}")
    print(
        f"plan: {len(report.lines):,} lines; {len(keys)} distinct eligibility filters; {records:,} records summed"
    )
    for key in keys:
        print(f"  {key.origin or '-'} / channel {key.channel or '-'} / {key.start} … {key.last}")
    print(f"full recompute ({vendor})  {recompute_ms:9.1f} ms")
    print(f"  the plan's lines rebuilt  {cold_ms:9.1f} ms  (after a change of units, targets or bases)")
    print(f"  grouped sums via the ORM  {orm_ms:9.1f} ms")
    print(f"  same SQL, raw connection  {raw_ms:9.1f} ms")
    print(f"DuckDB, grouped scan        {duck_ms:9.1f} ms (results equal the engine's)")
    print(f"ratio                       {ratio:9.2f}  (recompute / DuckDB; target ≤ 1.0)")
    print(
        f"周巷镇 page ({len(unit_report.lines)} lines)     {unit_ms:9.1f} ms  (target ≤ 20 ms; out of the live "
        f"figures); after a change {live['unit_after_change_ms']:.1f} ms; computed alone {unit_alone_ms:.1f} ms"
    )
    print(f"one union's page ({len(union_report.lines)} lines)  {union_ms:9.1f} ms")
    print(
        f"周巷镇 page, ranked over the plan {ranked_cold_ms:9.1f} ms first time, {ranked_warm_ms:.1f} ms cached"
    )
    print(
        f"the whole plan after a change     {live['after_change_ms']:9.1f} ms median of {LIVE_ROUNDS} "
        f"(max {live['after_change_max_ms']:.1f}; {LIVE_ENTRIES} purchases entered before each; ratio "
        f"{live['after_change_ms'] / duck_ms:.2f}); nothing changed: {live['lookup_ms']:.2f} ms"
    )
    print("query plans of the engine's grouped sums (after ANALYZE | without statistics):")
    for sql, steps, bare in zip(queries, plans, bare_plans, strict=True):
        print(f"  {sql}")
        print(f"    {'; '.join(steps)}  |  {'; '.join(bare)}")
    return {
        "bench": "progress",
        "database": vendor,
        "rows": built["rows"],
        "units": built["units"],
        "lines": len(report.lines),
        "filters": len(keys),
        "recompute_ms": round(recompute_ms, 1),
        "recompute_lines_rebuilt_ms": round(cold_ms, 1),
        "duckdb_ms": round(duck_ms, 2),
        "ratio": round(ratio, 2),
        "after_change_ms": round(live["after_change_ms"], 1),
        "after_change_max_ms": round(live["after_change_max_ms"], 1),
        "ratio_after_change": round(live["after_change_ms"] / duck_ms, 2),
        "lookup_ms": round(live["lookup_ms"], 2),
        "unit_page_ms": round(unit_ms, 1),
        "unit_page_after_change_ms": round(live["unit_after_change_ms"], 1),
        "unit_page_alone_ms": round(unit_alone_ms, 1),
        "union_page_ms": round(union_ms, 1),
        "ranked_page_cold_ms": round(ranked_cold_ms, 1),
        "ranked_page_cached_ms": round(ranked_warm_ms, 1),
        "orm_grouped_sums_ms": round(orm_ms, 1),
        "raw_grouped_queries_ms": round(raw_ms, 1),
        "insert_rows_per_s": built["insert_rows_per_s"],
        "totals_rows": built["totals_rows"],
        "totals_rebuild_s": built["totals_rebuild_s"],
        "database_mib": round(size_mib),
        "load_average": load,
        "peak_rss_mib": round(peak_rss_mib()),
    }


LIVE_ROUNDS = 5
LIVE_ENTRIES = 20


def measure_live(plan, report, town_ids) -> dict[str, float]:
    """The whole plan's figures as the pages get them (``progress.live``): kept from one computation to
    the next, and after a change only what changed computed again. Each round enters ``LIVE_ENTRIES``
    purchases through the ledger's service (totals and change notes in the same transaction, as every
    write), for as many units picked at random among those with lines, then times the computation (and
    in as many rounds more, 周巷镇's page: its lines out of the whole plan's figures brought up to date). The
    figures are then checked against a computation from scratch, and the purchases removed again
    (``totals_rebuild`` of their units), so that a database kept with ``--home`` stays as built."""
    import statistics

    from bangfu.ledger.models import Purchase
    from bangfu.ledger.services import purchase_create
    from bangfu.ledger.totals import totals_rebuild
    from bangfu.orgs.models import Organisation
    from bangfu.progress.live import live_forget
    from bangfu.progress.selectors import progress_compute

    rng = random.Random(20221201)
    buyers = sorted({p for line in report.lines for p in line.result.spec.purchasers})
    units = Organisation.objects.in_bulk(buyers)
    live_forget()
    progress_compute(plan, as_of=AS_OF)  # the figures the rounds start from
    timings, unit_timings, created = [], [], []
    for round_number in range(2 * LIVE_ROUNDS):
        for _entry in range(LIVE_ENTRIES):
            product, _supplier, origin = rng.choice(PRODUCTS)
            record = purchase_create(
                purchaser=units[rng.choice(buyers)], date=dt.date(YEAR, rng.randint(1, 10), rng.randint(1, 28)),
                amount_fen=rng.randint(1_000, 499_000), origin=origin, product=product,
                channel=rng.choice(("832", "offline")), status="submitted",
            )  # fmt: skip
            created.append(record.pk)
        started = time.perf_counter()
        if round_number < LIVE_ROUNDS:
            kept = progress_compute(plan, as_of=AS_OF)
            timings.append((time.perf_counter() - started) * 1000)
        else:
            progress_compute(plan, as_of=AS_OF, org_ids=town_ids)
            unit_timings.append((time.perf_counter() - started) * 1000)
    kept = progress_compute(plan, as_of=AS_OF)
    lookup_ms, _same = best_of(lambda: progress_compute(plan, as_of=AS_OF), 5)
    live_forget()
    fresh = progress_compute(plan, as_of=AS_OF)
    assert [line.result for line in kept.lines] == [line.result for line in fresh.lines]
    assert (kept.by_task, kept.by_item, kept.by_lead, kept.by_town) == (
        fresh.by_task,
        fresh.by_item,
        fresh.by_lead,
        fresh.by_town,
    )
    touched = set(Purchase.objects.filter(pk__in=created).values_list("purchaser_id", flat=True))
    Purchase.objects.filter(pk__in=created).delete()
    totals_rebuild(touched)
    return {
        "after_change_ms": statistics.median(timings),
        "after_change_max_ms": max(timings),
        "lookup_ms": lookup_ms,
        "unit_after_change_ms": statistics.median(unit_timings),
    }


if __name__ == "__main__":
    raise SystemExit(main())
