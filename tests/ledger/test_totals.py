"""The running totals progress reads equal a recomputation from the records after every write: a property
test drives random sequences of every service that writes purchases (entry, import with duplicates,
refunds and completions, review, reopen, edit, deletion, an activity's purchase, a unit merge) and checks
the totals after each step; `bangfu totals check` finds a difference and `rebuild` repairs it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.cli import main
from bangfu.ledger.models import Purchase, PurchaseTotal
from bangfu.ledger.services import purchase_create
from bangfu.ledger.totals import totals_differences, totals_rebuild
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from tests.support.purchase_steps import CHANNELS, ORIGINS, UNITS, apply, operation, unit

pytestmark = pytest.mark.django_db


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
