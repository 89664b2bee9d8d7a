"""The lock between `bangfu serve` and `bangfu restore` on PostgreSQL: a session-level advisory lock of
the database (the SQLite file lock is tested with real processes in test_commands.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from bangfu.backups.serving import DatabaseBusy, restore_lock, serving_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs when the suite runs on PostgreSQL"),
]


def test_servers_share_the_lock_and_a_restore_is_refused_until_they_end():
    with (
        serving_lock(),
        serving_lock(),
        pytest.raises(DatabaseBusy, match="正由运行中的 bangfu serve"),
        restore_lock(),
    ):
        pass
    # Every server gone (their connections closed): the restore may run, and no server starts meanwhile.
    with restore_lock(), pytest.raises(DatabaseBusy, match="正在从备份恢复"), serving_lock():
        pass
