"""The change notes behind the live figures (``ledger.totals.totals_changed_since``): a reader that asks again
from the horizon it was given never misses a write — on PostgreSQL even when transactions commit in another
order than they began, which a newest-id horizon would miss."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from bangfu.ledger.totals import changes_note, totals_changed_since, totals_horizon

pytestmark = pytest.mark.django_db(transaction=True)


class Writer(threading.Thread):
    """Notes ``purchaser`` in a transaction of its own connection, and commits when told to."""

    def __init__(self, purchaser: int) -> None:
        super().__init__(daemon=True)
        self.purchaser = purchaser
        self.noted = threading.Event()
        self.commit = threading.Event()
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                changes_note({self.purchaser})
                self.noted.set()
                assert self.commit.wait(30)
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.error = exc
            self.noted.set()
        finally:
            connection.close()
            self.done.set()

    def finish(self) -> None:
        self.commit.set()
        assert self.done.wait(30)
        assert self.error is None, self.error


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: transactions commit in order"
)
def test_a_transaction_committing_after_a_later_one_is_not_missed():
    horizon = totals_horizon()
    early = Writer(1)  # begins first (takes the older transaction id) …
    early.start()
    assert early.noted.wait(30)
    changed, horizon = totals_changed_since(horizon)
    assert changed == set()  # not committed: not seen
    late = Writer(2)
    late.start()
    assert late.noted.wait(30)
    late.finish()  # … the later one commits first
    changed, horizon = totals_changed_since(horizon)
    assert changed == {2}
    changed, horizon = totals_changed_since(horizon)
    assert changed == set()  # the early one still holds the horizon back, but 2 is not read twice
    early.finish()
    changed, horizon = totals_changed_since(horizon)
    assert changed == {1}  # seen now, although its id is older than what was read


def test_each_committed_note_is_read_and_a_rebuild_means_everyone():
    horizon = totals_horizon()
    for purchaser in (5, 6):
        writer = Writer(purchaser)
        writer.start()
        assert writer.noted.wait(30)
        writer.finish()
    changed, horizon = totals_changed_since(horizon)
    assert changed == {5, 6}
    changes_note(None)
    assert totals_changed_since(horizon)[0] is None
