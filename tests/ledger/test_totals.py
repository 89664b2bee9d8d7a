"""The running totals progress reads equal a recomputation from the records after every write: a property
test drives random sequences of every service that writes purchases (entry, import with duplicates,
refunds and completions, review, reopen, edit, deletion, an activity's purchase, a unit merge) and checks
the totals after each step; `bangfu totals check` finds a difference and `rebuild` repairs it."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.cli import main
from bangfu.ledger.models import Purchase, PurchaseTotal
from bangfu.ledger.services import (
    ledger_import,
    purchase_approve,
    purchase_create,
    purchase_delete,
    purchase_reopen,
    purchase_return,
    purchase_submit,
    purchase_update,
)
from bangfu.ledger.totals import totals_differences, totals_rebuild
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create, org_merge

from .builders import write_csv

pytestmark = pytest.mark.django_db

UNITS = ("周巷镇人民政府", "周巷镇中心小学", "观海卫镇人民政府", "慈溪市财政局")
ORIGINS = ("布拖县", "", "昭觉县", "浙江省宁波市慈溪市")
CHANNELS = ("832", "offline", "other")


@pytest.fixture
def world(seeded_regions, make_user):
    from bangfu.regions.models import Region

    Region.objects.get_or_create(
        province="四川省", prefecture="凉山彝族自治州", county="昭觉县", defaults={"is_832": True}
    )
    for name in UNITS:
        if not Organisation.objects.filter(name=name).exists():
            org_create(name=name, kind="department", parent=None)
    return {"office": make_user("coordinator"), "other": make_user("coordinator")}


def unit(index: int) -> Organisation:
    return Organisation.objects.get(name=UNITS[index % len(UNITS)])


_rows = st.lists(
    st.tuples(
        st.integers(0, 3),  # purchaser
        st.integers(1, 12),  # month
        st.integers(-3, 30),  # amount ×100 元 (≤ 0 with an existing order: a refund)
        st.integers(0, 3),  # origin
        st.integers(0, 6),  # order number (0: none)
    ),
    min_size=1,
    max_size=6,
)
operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 3), st.integers(1, 12), st.integers(1, 50), st.integers(0, 3), st.sampled_from(["draft", "submitted", "approved"]), st.integers(0, 2)),
    st.tuples(st.just("import"), _rows, st.integers(0, 2)),
    st.tuples(st.just("submit"), st.integers(0, 99)),
    st.tuples(st.just("approve"), st.integers(0, 99)),
    st.tuples(st.just("return"), st.integers(0, 99)),
    st.tuples(st.just("reopen"), st.integers(0, 99)),
    st.tuples(st.just("edit"), st.integers(0, 99), st.integers(1, 12), st.integers(1, 50), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
)  # fmt: skip


def pick(index: int, **filters: object) -> Purchase | None:
    records = list(Purchase.objects.filter(**filters).order_by("pk"))
    return records[index % len(records)] if records else None


def apply(step: tuple, world: dict, folder: Path, counter: list[int]) -> None:
    office, other = world["office"], world["other"]
    kind = step[0]
    if kind == "create":
        _k, who, month, amount, origin, status, channel = step
        with contextlib.suppress(ValidationError):  # an invalid value: refused, nothing changed
            purchase_create(
                purchaser=unit(who), date=dt.date(2022, month, 10), amount_fen=amount * 100_00,
                origin=ORIGINS[origin], channel=CHANNELS[channel], status=status,
            )  # fmt: skip
    elif kind == "import":
        _k, rows, channel = step
        counter[0] += 1
        header = ["采购单位", "采购日期", "商品名称", "产地", "金额", "订单号", "采购渠道"]
        lines = [
            [UNITS[who], f"2022-{month:02d}-05", "苦荞茶", ORIGINS[origin], str(amount * 100) if amount else "-100",
             f"P-{number}" if number else "", ["832平台", "线下采购", ""][channel]]
            for who, month, amount, origin, number in rows
        ]  # fmt: skip
        path = write_csv(folder / f"台账{counter[0]}.csv", [header, *lines])
        ledger_import(path=path, status="submitted" if counter[0] % 2 else "approved")
    elif kind in ("submit", "approve", "return", "reopen"):
        wanted = {
            "submit": ["draft", "returned"],
            "approve": ["submitted"],
            "return": ["submitted"],
            "reopen": ["approved"],
        }
        record = pick(step[1], status__in=wanted[kind])
        if record is None:
            return
        action = {"submit": purchase_submit, "approve": purchase_approve}.get(kind)
        if action is not None:
            action([record], user=other if kind == "approve" else office)
        else:
            {"return": purchase_return, "reopen": purchase_reopen}[kind](
                [record], user=other, comment="请核实"
            )
    elif kind == "edit":
        _k, index, month, amount, origin, who = step
        record = pick(index, amount_fen__gt=0, refunds__isnull=True)
        if record is None:
            return
        with contextlib.suppress(ValidationError):  # a duplicate order number and amount: refused
            purchase_update(
                record, user=office, date=dt.date(2022, month, 20), amount_fen=amount * 100_00,
                origin=ORIGINS[origin], purchaser=unit(who),
            )  # fmt: skip
    elif kind == "delete":
        record = pick(step[1], status__in=["draft", "returned"], refunds__isnull=True)
        if record is not None:
            purchase_delete(record, user=office)
    elif kind == "merge":
        _k, a, b = step
        source, into = unit(a), unit(b)
        if source.pk != into.pk and source.active and into.active:
            org_merge(source, into=into)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operation, min_size=1, max_size=8))
def test_totals_equal_a_recomputation_after_every_write(world, tmp_path, steps):
    counter = [0]
    with transaction.atomic():
        for step in steps:
            apply(step, world, tmp_path, counter)
            differences = totals_differences()
            assert not differences, (step, [d.text() for d in differences[:5]])
        transaction.set_rollback(True)


def test_check_finds_a_difference_and_rebuild_repairs_it(world, tmp_path, capsys):
    purchase_create(
        purchaser=unit(0), date=dt.date(2022, 3, 1), amount_fen=500_00, origin="布拖县", status="approved"
    )
    assert main(["totals", "check"]) == 0
    assert "一致" in capsys.readouterr().out
    PurchaseTotal.objects.filter(month=5).update(approved_fen=1)
    assert main(["totals", "check"]) == 1
    out = capsys.readouterr().out
    assert "不一致" in out and "2022年5月" in out
    assert main(["totals", "rebuild"]) == 0
    assert main(["totals", "check"]) == 0


def test_a_total_is_cumulative_from_january(world):
    purchase_create(
        purchaser=unit(0), date=dt.date(2022, 3, 1), amount_fen=500_00, origin="布拖县", status="approved"
    )
    purchase_create(
        purchaser=unit(0), date=dt.date(2022, 7, 9), amount_fen=200_00, origin="布拖县", status="submitted"
    )
    rows = {
        t.month: (t.approved_fen, t.submitted_fen) for t in PurchaseTotal.objects.filter(purchaser=unit(0))
    }
    assert 2 not in rows and rows[3] == (500_00, 0) and rows[6] == (500_00, 0)
    assert rows[7] == rows[12] == (500_00, 200_00)
    totals_rebuild()
    assert {
        t.month: (t.approved_fen, t.submitted_fen) for t in PurchaseTotal.objects.filter(purchaser=unit(0))
    } == rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.dates(dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    length=st.integers(0, 370),
    origin=st.sampled_from(["paired", "any", "any_832"]),
    channel=st.sampled_from(["", "832"]),
)
def test_figures_from_the_totals_equal_figures_from_the_records(world, first, length, origin, channel):
    """Whole months from the totals, the other days from the records: the same as the records alone."""
    from bangfu.progress.rules import SumsKey
    from bangfu.progress.sums import _scanned, grouped_sums

    if not Purchase.objects.exists():
        for month in range(1, 13):
            for day in (1, 15, 28):
                purchase_create(
                    purchaser=unit(month + day), date=dt.date(2022, month, day), amount_fen=(month * 100 + day) * 100,
                    origin=ORIGINS[(month + day) % 4], channel=CHANNELS[day % 3], status=["submitted", "approved"][month % 2],
                )  # fmt: skip
    last = min(first + dt.timedelta(days=length), dt.date(2022, 12, 31))
    key = SumsKey(origin, None, channel, "", first, last)
    groups = [["submitted", "approved"], ["approved"]]
    got = grouped_sums([key], 2022, groups, None)
    scanned = _scanned([key], 2022, groups, None, first, last)
    for number, (fens, counts) in enumerate(got):
        expected = {c[0]: (c[2], c[3]) for c in scanned if c[1] == number}[key]
        assert fens[key] == expected[0] and counts[key] == expected[1], (first, last)
