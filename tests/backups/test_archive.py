"""The archive format on its own: what goes in comes out byte for byte, and anything doctored, damaged
or unsafe is refused before a single file lands outside the staging folder."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from bangfu.backups.archive import ArchiveError, ArchiveWriter, Manifest, archive_extract

from .tarballs import read_members, repack, write_members


def manifest(**database: str) -> Manifest:
    return Manifest(
        bangfu_version="0.1.0",
        created_at="2022-06-30T18:00:00+08:00",
        database={"engine": "sqlite", "file": "database/bangfu.sqlite3", **database},
        migrations={"ledger": ["0001_initial"]},
        counts={"ledger.Purchase": 3},
    )


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "evidence" / "2022" / "05").mkdir(parents=True)
    (root / "evidence" / "2022" / "05" / "发票 扫描件.pdf").write_bytes(bytes(range(256)) * 40)
    (root / "import-reports").mkdir()
    (root / "import-reports" / "1-台账-问题行.xlsx").write_bytes(b"PK\x03\x04report")
    (root / "empty-folder").mkdir()
    return root


@pytest.fixture
def archive(tmp_path: Path, media: Path) -> Path:
    database = tmp_path / "bangfu.sqlite3"
    database.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    path = tmp_path / "backup.tar.gz"
    with ArchiveWriter(path) as writer:
        writer.add_file("database/bangfu.sqlite3", database, mode=0o600)
        added, skipped = writer.add_tree("media", media)
        written = writer.finish(manifest())
    assert (added, skipped) == (2, [])
    assert set(written.files) == {
        "database/bangfu.sqlite3",
        "media/evidence/2022/05/发票 扫描件.pdf",
        "media/import-reports/1-台账-问题行.xlsx",
    }
    return path


def test_round_trip_restores_every_byte(tmp_path, archive, media):
    members = read_members(archive)
    assert list(members)[-1] == "manifest.json"
    recorded = json.loads(members["manifest.json"])
    for name, entry in recorded["files"].items():
        assert entry == {"sha256": hashlib.sha256(members[name]).hexdigest(), "size": len(members[name])}
    assert oct(os.stat(archive).st_mode & 0o777) == oct(0o600)  # holds password hashes: owner only

    staged = tmp_path / "staged"
    staged.mkdir()
    read = archive_extract(archive, staged)
    assert read.engine == "sqlite" and read.counts == {"ledger.Purchase": 3}
    assert read.migrations == {"ledger": ["0001_initial"]}
    assert sorted(read.media_files) == [
        "media/evidence/2022/05/发票 扫描件.pdf",
        "media/import-reports/1-台账-问题行.xlsx",
    ]
    for path in media.rglob("*"):
        if path.is_file():
            assert (staged / "media" / path.relative_to(media)).read_bytes() == path.read_bytes()


def test_refuses_to_replace_a_file_unless_asked(tmp_path, media):
    path = tmp_path / "backup.tar.gz"
    path.write_bytes(b"an older backup")
    database = tmp_path / "db"
    database.write_bytes(b"x")
    with pytest.raises(ArchiveError, match="文件已存在"), ArchiveWriter(path) as writer:
        writer.add_file("database/bangfu.sqlite3", database)
        writer.finish(manifest())
    assert path.read_bytes() == b"an older backup"
    assert not list(tmp_path.glob(".backup.tar.gz.*"))  # no partial file left behind

    with ArchiveWriter(path, overwrite=True) as writer:
        writer.add_file("database/bangfu.sqlite3", database)
        writer.finish(manifest())
    assert "manifest.json" in read_members(path)


def test_an_interrupted_backup_leaves_nothing(tmp_path, media):
    path = tmp_path / "backup.tar.gz"
    with pytest.raises(RuntimeError), ArchiveWriter(path) as writer:
        writer.add_tree("media", media)
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == [media]


def test_tree_skips_links_and_excluded_paths(tmp_path, media):
    (media / "link.pdf").symlink_to(media / "import-reports" / "1-台账-问题行.xlsx")
    (media / "staging").mkdir()
    (media / "staging" / "bangfu.sqlite3").write_bytes(b"x")
    inside = media / "backups"
    inside.mkdir()
    path = inside / "backup.tar.gz"  # a backup written into the media folder must not contain itself
    with ArchiveWriter(path) as writer:
        added, skipped = writer.add_tree("media", media, exclude=(media / "staging",))
        writer.finish(manifest())
    assert added == 2 and skipped == [media / "link.pdf"]
    names = set(read_members(path))
    assert not any(name.startswith(("media/backups", "media/staging")) for name in names)


def staged(tmp_path: Path) -> Path:
    folder = tmp_path / "staged"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_changed_member_is_caught_by_its_checksum(tmp_path, archive):
    def swap_report(files):
        files["media/import-reports/1-台账-问题行.xlsx"] = b"PK\x03\x04tampered"

    doctored = repack(archive, tmp_path / "doctored.tar.gz", members=swap_report)
    with pytest.raises(ArchiveError, match=r"1-台账-问题行.xlsx 的校验值与清单不符"):
        archive_extract(doctored, staged(tmp_path))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda files: files.pop("media/evidence/2022/05/发票 扫描件.pdf"), "缺少 media/evidence"),
        (lambda files: files.update({"media/extra.txt": b"x"}), "清单之外的条目：media/extra.txt"),
    ],
    ids=["missing", "extra"],
)
def test_missing_and_unlisted_members_are_refused(tmp_path, archive, edit, message):
    doctored = repack(archive, tmp_path / "doctored.tar.gz", members=edit)
    with pytest.raises(ArchiveError, match=message):
        archive_extract(doctored, staged(tmp_path))


def test_damaged_and_foreign_files_are_refused(tmp_path, archive):
    data = archive.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(data[:200] + bytes([data[200] ^ 0xFF]) + data[201:])
    for path in (truncated, flipped):  # caught by gzip or, first, by a member's checksum
        # A corrupt tar header can also end the listing early ("不完整").
        with pytest.raises(ArchiveError, match=r"已损坏|不完整"):
            archive_extract(path, staged(tmp_path / path.stem))

    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive", encoding="utf-8")
    with pytest.raises(ArchiveError, match="已损坏或不完整"):
        archive_extract(text, staged(tmp_path / "text"))

    no_manifest = write_members(tmp_path / "other.tar.gz", {"database/bangfu.sqlite3": b"x"})
    with pytest.raises(ArchiveError, match=r"没有 manifest\.json"):
        archive_extract(no_manifest, staged(tmp_path / "other"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format="something-else"), "不是 bangfu 备份"),
        (lambda m: m.update(format_version=99), "备份格式版本 99 比本程序支持的新"),
        (lambda m: m.pop("counts"), "manifest.json 格式不正确"),
    ],
    ids=["format", "version", "incomplete"],
)
def test_manifest_is_checked(tmp_path, archive, edit, message):
    doctored = repack(archive, tmp_path / "doctored.tar.gz", manifest=edit)
    with pytest.raises(ArchiveError, match=message):
        archive_extract(doctored, staged(tmp_path))


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil.txt", "media/../../evil.txt", "elsewhere/evil.txt", "media/./x"]
)
def test_names_that_would_escape_the_staging_folder_are_refused(tmp_path, name):
    bad = write_members(tmp_path / "bad.tar.gz", {name: b"x"})
    with pytest.raises(ArchiveError, match="不允许的条目"):
        archive_extract(bad, staged(tmp_path))
    assert not (tmp_path / "evil.txt").exists()


def test_links_are_refused(tmp_path):
    bad = write_members(tmp_path / "bad.tar.gz", {}, links={"media/passwd": "/etc/passwd"})
    with pytest.raises(ArchiveError, match="链接或特殊文件"):
        archive_extract(bad, staged(tmp_path))
