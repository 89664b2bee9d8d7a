"""After every test that used the database, the running totals equal a recomputation from the records.

Issue 14 asks that ``bangfu totals check`` finds no difference "after every test scenario": this plugin
makes each database test one more such scenario. It asks for the test's database fixture itself, so its
check runs before the test's transaction is rolled back. Skipped where the totals' tables do not exist
yet (migration tests), for tests marked ``totals_unchecked`` (those that corrupt totals on purpose) and for
transactional tests (the live server of the browser tests), whose writes the other tests cover.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "totals_unchecked: the test leaves totals differing on purpose")


@pytest.fixture(autouse=True)
def _totals_agree_with_the_records(request: pytest.FixtureRequest):
    node = request.node
    marker = node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or node.get_closest_marker("totals_unchecked"):
        yield
        return
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:  # committed data (live server, browser): the suite's other tests cover its writes
        yield
        return
    request.getfixturevalue("db")
    yield
    from django.db import connection

    from bangfu.ledger.totals import totals_differences

    if "ledger_purchasetotal" not in connection.introspection.table_names():
        return
    differences = totals_differences()
    assert not differences, f"running totals differ from the records after the test: {differences[:5]}"
