"""Files we write appear complete or not at all: a process killed while writing leaves the previous file
(or nothing) under the real name, never a truncated one."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from bangfu.common.files import atomic_path, atomic_write_bytes, create_once
from bangfu.common.storage import AtomicFileSystemStorage


def test_a_finished_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "reports" / "报告.xlsx"
    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["报告.xlsx"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as a new file, not mkstemp's 0600


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "通报.docx"
    target.write_bytes(b"complete previous bulletin")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_bytes(b"half of the new one")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"complete previous bulletin"
    assert [p.name for p in tmp_path.iterdir()] == ["通报.docx"]


def test_a_killed_writer_leaves_the_previous_file_under_the_name(tmp_path):
    """A real ``kill -9`` half-way through writing."""
    target = tmp_path / "import-reports" / "1-台账-问题行.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the previous complete report")
    script = textwrap.dedent(
        f"""
        import time
        from bangfu.common.files import atomic_path
        with atomic_path({str(target)!r}) as temp, temp.open("wb") as out:
            for _ in range(10_000):
                out.write(b"x" * 65536)
                out.flush()
                time.sleep(0.01)
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 1_000_000 for p in target.parent.glob(".*.partial")):
            assert writer.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert target.read_bytes() == b"the previous complete report"


def test_a_report_whose_writing_breaks_off_leaves_nothing(tmp_path, monkeypatch):
    from openpyxl import Workbook

    from bangfu.ledger.problem_report import ProblemRow, write_problem_report

    real_save = Workbook.save

    def save_half(self, filename):
        whole = io.BytesIO()
        real_save(self, whole)
        Path(filename).write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
        raise KeyboardInterrupt  # the service stopped mid-write

    monkeypatch.setattr(Workbook, "save", save_half)
    target = tmp_path / "r.xlsx"
    with pytest.raises(KeyboardInterrupt):
        write_problem_report(
            target,
            batch_name="台账.xlsx",
            sheets=[],
            problems=[ProblemRow("rejected", "S", 2, ["a"], "金额无效")],
        )
    assert list(tmp_path.iterdir()) == []


def test_the_bulletin_and_progress_writers_write_in_place_only_when_complete(tmp_path, monkeypatch):
    from openpyxl import Workbook

    from bangfu.reports.rendering.progress_xlsx import write_progress_xlsx

    target = tmp_path / "进度.xlsx"
    write_progress_xlsx(target, title="t", subtitle="s", rows=[])
    complete = target.read_bytes()
    assert zipfile.is_zipfile(target)

    def save_half(self, filename):
        Path(filename).write_bytes(complete[:100])
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", save_half)
    with pytest.raises(OSError, match="disk full"):
        write_progress_xlsx(target, title="t", subtitle="s", rows=[])
    assert target.read_bytes() == complete and [p.name for p in tmp_path.iterdir()] == ["进度.xlsx"]


def test_a_value_made_once_is_kept_and_an_empty_leftover_replaced(tmp_path):
    path = tmp_path / "secret_key"
    assert create_once(path, "first") == "first"
    assert create_once(path, "second") == "first"  # another process starting later agrees on the key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")  # an older version killed between creating and writing the file
    assert create_once(path, "third") == "third" and path.read_text() == "third"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


class _Broken(ContentFile):
    """An upload whose transfer breaks off half-way."""

    def chunks(self, chunk_size=None):
        yield b"%PDF-1.4 first half"
        raise OSError("connection reset")


def test_the_media_storage_never_leaves_a_partial_file(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        storage.save("evidence/2022/发票.pdf", _Broken(b""))
    assert not storage.exists("evidence/2022/发票.pdf")
    assert [p.name for p in (tmp_path / "evidence" / "2022").iterdir()] == []

    name = storage.save("evidence/2022/发票.pdf", ContentFile(b"%PDF-1.4 whole"))
    again = storage.save("evidence/2022/发票.pdf", ContentFile(b"%PDF-1.4 another"))
    assert name == "evidence/2022/发票.pdf" and again != name  # never over an existing file
    assert (
        storage.open(name).read() == b"%PDF-1.4 whole" and storage.open(again).read() == b"%PDF-1.4 another"
    )
    assert sorted(p.name for p in (tmp_path / "evidence" / "2022").iterdir()) == sorted(
        [Path(name).name, Path(again).name]
    )
