"""The plans of the ledger list's key queries (``ledger.query_plans``): each is read from the index it is
written for — ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL — and returns the same rows as
the plain domain condition.

SQLite runs without statistics here, as a deployment does (nothing runs ``ANALYZE``). On PostgreSQL
sequential scans are turned off for the query: the tables hold a few dozen rows, where a scan is
cheapest, so the plan shows which index the query *can* be read from. What each device gained at a
million records is in ``bench/README.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from bangfu.ledger import query_plans, selectors
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.ledger.selectors import PurchaseFilters as F
from bangfu.ledger.services import purchase_create
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create

pytestmark = pytest.mark.django_db
S = RecordStatus
MARCH_APRIL: dict[str, Any] = {"date_from": dt.date(2022, 3, 1), "date_to": dt.date(2022, 4, 30)}


@dataclass
class World:
    town: Organisation  # 周巷镇, with a union under it
    units: list[int]  # the town's jurisdiction
    batch: ImportBatch

    def parts(self) -> query_plans.ScopeParts:
        """The town reporter's scope, as ``ledger.access.purchase_parts_for_user`` builds it."""
        return query_plans.scope_parts(self.units)


@pytest.fixture
def world() -> World:
    town = org_create(name="周巷镇", kind=OrgKind.TOWN)
    union = org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=town)
    other = org_create(name="观海卫镇", kind=OrgKind.TOWN)
    batch = ImportBatch.objects.create(file_name="平台导出.csv", sha256="a" * 64, accepted=40)
    statuses = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.RETURNED)
    for i in range(40):
        purchaser = (town, union, other)[i % 3]
        purchase = purchase_create(
            purchaser=purchaser,
            reporting_org=town if i % 5 == 0 else purchaser,  # the town also reports for 观海卫镇
            date=dt.date(2022, 1 + i % 12, 1 + i % 28),
            amount_fen=1_000 + 37 * i,
            status=statuses[i % 4],
            order_no=f"ZX-{i:03d}" if i % 2 else "",
        )
        if i % 2 == 0:
            Purchase.objects.filter(pk=purchase.pk).update(batch=batch)
    for day in (dt.date(2022, 3, 15), dt.date(2022, 4, 2)):  # the town reports what 观海卫镇 bought
        purchase_create(purchaser=other, reporting_org=town, date=day, amount_fen=5_000, status=S.SUBMITTED)
    return World(town=town, units=[town.pk, union.pk], batch=batch)


def page(qs: QuerySet[Purchase], sort: str = "-date") -> QuerySet[Purchase]:
    """The query of a list page: ``purchase_page``'s order and ``LIMIT 51``."""
    field_name, descending = selectors.SORTS[sort]
    sign = "-" if descending else ""
    return qs.order_by(f"{sign}{field_name}", f"{sign}id")[: selectors.PAGE_SIZE + 1]


def counted(qs: QuerySet[Purchase]) -> QuerySet[Purchase, tuple[int]]:
    """The query ``purchase_count`` counts: the ids, unordered, up to the limit."""
    return qs.order_by().values_list("id")[: selectors.COUNT_LIMIT + 1]


@dataclass(frozen=True)
class Case:
    shaped: Callable[[World], QuerySet[Purchase, Any]]  # as the list writes it
    plain: Callable[[World], QuerySet[Purchase, Any]]  # the same records, written plainly
    sqlite: tuple[str, ...]  # in the plan, each
    postgresql: tuple[str, ...] = ()  # besides: no sequential scan
    in_order: bool = False  # SQLite reads the page in its order: no sort of the matches
    large: bool = False  # jurisdictions and batches count as large
    walk: str = ""  # read by walking this field's index (``purchase_page(large=True)``)


def _filtered(filters: F, *, sort: str = "-date") -> Callable[[World], QuerySet[Purchase]]:
    return lambda w: page(selectors.purchase_filter(Purchase.objects.all(), filters), sort)


CASES: dict[str, Case] = {
    "every record, newest first": Case(
        shaped=lambda w: page(Purchase.objects.all()),
        plain=lambda w: Purchase.objects.all(),
        sqlite=("SCAN ledger_purchase USING", "INDEX purchase_date_id"),
        postgresql=("Index Scan Backward using purchase_date_id",),
        in_order=True,
        walk="date",
    ),
    "a small jurisdiction: its own index": Case(
        shaped=lambda w: _filtered(F(unit=w.town.pk))(w),
        plain=lambda w: Purchase.objects.filter(purchaser_id__in=w.units),
        sqlite=("USING INDEX purchase_progress (purchaser_id=?)",),
        postgresql=("purchase_progress",),
    ),
    "a large jurisdiction: the date index, filtered on the way": Case(
        shaped=lambda w: _filtered(F(unit=w.town.pk))(w),
        plain=lambda w: Purchase.objects.filter(purchaser_id__in=w.units),
        sqlite=("SCAN ledger_purchase USING INDEX purchase_date_id",),
        postgresql=("Index Cond: (purchaser_id = ANY",),  # its planner decides: no device
        in_order=True,
        large=True,
    ),
    "a large batch: the date index, filtered on the way": Case(
        shaped=lambda w: _filtered(F(batch=w.batch.pk))(w),
        plain=lambda w: Purchase.objects.filter(batch=w.batch),
        sqlite=("SCAN ledger_purchase USING INDEX purchase_date_id",),
        postgresql=("batch_id",),
        in_order=True,
        large=True,
    ),
    "one open status, newest first: the partial index of open records": Case(
        shaped=_filtered(F(status=S.DRAFT)),
        plain=lambda w: Purchase.objects.filter(status=S.DRAFT),
        sqlite=("USING INDEX purchase_open_status_date (status=?)",),
        postgresql=("using purchase_open_status_date", "Index Cond: ((status)::text = 'draft'::text)"),
        in_order=True,
    ),
    "one status by amount, walking the amount index": Case(
        shaped=_filtered(F(status=S.SUBMITTED), sort="-amount"),
        plain=lambda w: Purchase.objects.filter(status=S.SUBMITTED),
        sqlite=("SCAN ledger_purchase USING", "INDEX purchase_amount_id"),
        in_order=True,
        walk="amount_fen",
    ),
    "a unit's own records in a date range: counted inside its index": Case(
        shaped=lambda w: counted(selectors.purchase_filter_parts(w.parts(), F(**MARCH_APRIL))[0]),
        plain=lambda w: Purchase.objects.filter(
            purchaser_id__in=w.units, date__gte=MARCH_APRIL["date_from"], date__lte=MARCH_APRIL["date_to"]
        ),
        sqlite=("USING COVERING INDEX purchase_progress (purchaser_id=? AND status=?)",),
        postgresql=("date >= '2022-03-01'::date",),
    ),
    "what a unit reported for others in a date range: the reporter's index": Case(
        shaped=lambda w: counted(selectors.purchase_filter_parts(w.parts(), F(**MARCH_APRIL))[1]),
        plain=lambda w: Purchase.objects.filter(
            reporting_org_id__in=w.units,
            date__gte=MARCH_APRIL["date_from"],
            date__lte=MARCH_APRIL["date_to"],
        ).exclude(purchaser_id__in=w.units),
        sqlite=("USING COVERING INDEX purchase_reporter_date (reporting_org_id=? AND date>? AND date<?)",),
    ),
    "an order number's beginning: a range of the unique key's index": Case(
        shaped=_filtered(F(order_no="zx-01")),
        plain=lambda w: Purchase.objects.filter(order_no__startswith="ZX-01"),
        sqlite=("(dedupe_key>? AND dedupe_key<?)",),
        postgresql=("using purchase_unique_dedupe_key", "dedupe_key)::text >= 'n:ZX-01'"),
    ),
}


def _explain(shaped: QuerySet[Purchase], walk: str) -> str:
    sql = query_plans.sort_walk_sql(shaped, walk) if walk else None
    if sql is None:
        return shaped.explain()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql[0], sql[1])
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _ids(qs: QuerySet[Purchase], walk: str) -> set[int]:
    ids = query_plans.ids_in_sort_order(qs, walk) if walk else None
    return set(ids) if ids is not None else set(qs.values_list("id", flat=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_key_query_reads_its_index_and_the_records_of_the_plain_condition(world, name, monkeypatch):
    case = CASES[name]
    if case.large:
        monkeypatch.setattr(query_plans, "LARGE_UNIT_ROWS", 1)
    shaped = case.shaped(world)
    expected = set(case.plain(world).values_list("id", flat=True))
    # The same records (a page holds them all: the world is smaller than a page).
    assert expected and _ids(shaped, case.walk) == expected
    if connection.vendor == "sqlite":
        plan = _explain(shaped, case.walk)
        for part in case.sqlite:
            assert part in plan, plan
        if case.in_order:
            assert "TEMP B-TREE" not in plan, plan
        assert "SCAN ledger_purchase\n" not in plan + "\n", plan  # never the whole table
    elif connection.vendor == "postgresql":
        if "dedupe_key" in name and not query_plans.binary_text_order():
            pytest.skip("under a linguistic collation PostgreSQL reads LIKE 'n:…%' without an index")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = shaped.explain()
        assert "Seq Scan" not in plan, plan  # an index serves the query
        for part in case.postgresql:
            assert part in plan, plan
    else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL
        pytest.fail(f"no expected plans for {connection.vendor}")


def test_without_the_devices_sqlite_sorts_every_match(world, monkeypatch):
    """Why the devices exist: written plainly, a jurisdiction's page is read from its own index and
    every match sorted (at a million records: bench/README.md)."""
    if connection.vendor != "sqlite":
        pytest.skip("the devices are SQLite's")
    plain = page(Purchase.objects.filter(purchaser_id__in=world.units)).explain()
    assert "purchase_progress" in plain and "USE TEMP B-TREE FOR ORDER BY" in plain
    by_amount = page(query_plans.status_is(Purchase.objects.all(), S.SUBMITTED), "-amount").explain()
    assert "purchase_open_status_date" in by_amount and "TEMP B-TREE" in by_amount


def test_the_devices_are_sqlites_alone(world, monkeypatch):
    """On PostgreSQL each condition is written plainly: its planner chooses from statistics."""
    monkeypatch.setattr(query_plans, "LARGE_UNIT_ROWS", 1)
    qs = selectors.purchase_filter(Purchase.objects.all(), F(unit=world.town.pk, batch=world.batch.pk))
    sql = str(qs.query)
    walk = query_plans.sort_walk_sql(page(qs), "date")
    if connection.vendor == "sqlite":
        assert '"purchaser_id" + 0' in sql and '"batch_id" + 0' in sql and walk is not None
    else:
        assert "+ 0" not in sql and walk is None


def test_what_a_unit_reported_is_read_from_the_reporters_index_when_statistics_say_nobody_reports(world):
    """Where no record has a reporting unit (a platform's exports alone), ``ANALYZE`` tells SQLite that
    every row shares one ``reporting_org_id``: written plainly, "reported by the town" is then read by
    scanning the table (1.3–2.3 s at 200,000 records, bench/README.md). ``query_plans.Rare`` keeps it on
    ``purchase_reporter_date``; on PostgreSQL the condition is written plainly (its statistics hold the
    share of empty values) and the index serves it."""
    reported = world.parts().reported_elsewhere
    plain = Purchase.objects.filter(reporting_org_id__in=world.units).exclude(purchaser_id__in=world.units)
    assert set(counted(reported)) == set(counted(plain)) and plain.exists()
    if connection.vendor == "postgresql":
        assert "likelihood" not in str(reported.query)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "purchase_reporter_date" in counted(reported).explain()
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # the statistics of a million records none of which has a reporting unit
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'ledger_purchase'")
        cursor.execute(
            "INSERT INTO sqlite_stat1 VALUES ('ledger_purchase', 'purchase_reporter_date', '1000000 1000000 1 1 1'),"
            " ('ledger_purchase', 'purchase_progress', '1000000 200 100 1 1 1 1 1')"
        )
        cursor.execute("ANALYZE sqlite_schema")  # load them
        try:
            # Why the device exists: rows read beyond the index's columns (an amount), written plainly,
            # are read by scanning the table; the device keeps them on the reporter's index.
            assert "SCAN ledger_purchase" in plain.order_by().values_list("id", "amount_fen").explain()
            rows = reported.order_by().values_list("id", "amount_fen").explain()
            assert "USING INDEX purchase_reporter_date (reporting_org_id=?)" in rows, rows
            plan = counted(reported).explain()
            assert "USING COVERING INDEX purchase_reporter_date (reporting_org_id=?)" in plan, plan
            dated = selectors.purchase_filter_parts(world.parts(), F(**MARCH_APRIL))[1]
            assert (
                "purchase_reporter_date (reporting_org_id=? AND date>? AND date<?)"
                in counted(dated).explain()
            )
        finally:
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")
