"""Hostile and odd files through every importer on every path (command line, web, API): each is refused
with one Chinese line naming the file (and the cell or the reason), its reader's child process stays
within its memory limit, nothing is stored, and the server answers afterwards. Odd but harmless files (a
formatted cell far away, a dimension claiming the whole sheet) are read as the data they hold."""

from __future__ import annotations

import re
import resource
from pathlib import Path

import pytest
from django.urls import reverse

from bangfu.cli import main
from bangfu.ledger.models import ImportBatch, Purchase, Upload
from tests.support.worlds import World

from . import hostile

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
GIB = 1 << 30


@pytest.fixture
def world(ledger_world) -> World:
    return ledger_world


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def one_chinese_line(message: str, *expected: str) -> None:
    assert message and "\n" not in message.strip(), message
    assert CJK.search(message), message
    assert "Traceback" not in message and "Error" not in message and "panicked" not in message, message
    for part in expected:
        assert part in message, (part, message)


def children_within_limit() -> None:
    """Every reader child so far stayed under its 1 GiB limit; so did this process."""
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < GIB
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 < GIB


def build(name: str, tmp_path: Path, suffix: str = ".xlsx") -> tuple[Path, str]:
    builder, expected = hostile.REFUSED[name]
    path = builder(tmp_path / f"{name}{'.xls' if name == 'far_xls' else suffix}")
    return path, expected


CASES = sorted(hostile.REFUSED)


@pytest.mark.parametrize("name", CASES)
def test_the_ledger_command_refuses_in_one_line(name, world, tmp_path, capsys):
    path, expected = build(name, tmp_path)
    code = main(["ledger", "import", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    one_chinese_line(err, path.name, expected)
    assert not ImportBatch.objects.exists()
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_import_wizard_refuses_and_the_site_stays_up(name, world, tmp_path):
    path, expected = build(name, tmp_path)
    client = world.client("reporter")
    with path.open("rb") as handle:
        response = client.post(reverse("ledger:import"), {"file": handle})
    if response.status_code == 302:  # refused by the preview job rather than at the upload
        response = client.get(response["Location"])
        message = response.context["error"]
    else:
        message = " ".join(response.context["form"].errors["file"])
    assert response.status_code == 200
    one_chinese_line(message, expected)
    assert not Purchase.objects.filter(order_no="H-001").exists()
    assert client.get(reverse("dashboard")).status_code == 200
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_api_refuses_with_422(name, world, tmp_path):
    path, expected = build(name, tmp_path)
    with path.open("rb") as handle:
        response = world.client("reporter").post("/api/records/import", {"file": handle})
    assert response.status_code == 422, response.content
    one_chinese_line(response.json()["detail"], expected)
    assert not ImportBatch.objects.exists()
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_plan_import_refuses_on_the_command_line_and_in_the_web(name, world, tmp_path, capsys):
    path, expected = build(name, tmp_path)
    code = main(["plan", "parse", str(path)])
    _out, err = capsys.readouterr()
    assert code == 2
    one_chinese_line(err, path.name, expected)
    with path.open("rb") as handle:
        response = world.client("coordinator").post(reverse("plans:import"), {"file": handle})
    assert response.status_code == 200
    one_chinese_line(" ".join(response.context["form"].errors["file"]), expected)
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_base_import_refuses_on_the_command_line_and_in_the_web(name, world, tmp_path, capsys):
    path, expected = build(name, tmp_path)
    code = main(["base", "import", str(path), "--year", "2022"])
    _out, err = capsys.readouterr()
    assert code == 2
    one_chinese_line(err, path.name, expected)
    with path.open("rb") as handle:
        response = world.client("coordinator").post(reverse("progress:bases-import"), {"file": handle})
    assert response.status_code == 400
    one_chinese_line(response.context["error"], expected)
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_activity_import_refuses(name, world, tmp_path):
    path, expected = build(name, tmp_path)
    with path.open("rb") as handle:
        response = world.client("reporter").post(
            reverse("activities:import"), {"file": handle, "kind": "event"}
        )
    assert response.status_code in (200, 400)
    one_chinese_line(response.context["error"], expected)
    children_within_limit()


@pytest.mark.parametrize("name", CASES)
def test_the_county_list_import_refuses(name, world, tmp_path, capsys):
    path, expected = build(name, tmp_path)
    code = main(["region", "import", str(path)])
    _out, err = capsys.readouterr()
    assert code == 2
    one_chinese_line(err, path.name, expected)


@pytest.mark.parametrize("name", sorted(hostile.READABLE))
def test_odd_but_harmless_workbooks_are_read_as_the_data_they_hold(name, world, tmp_path, capsys):
    path = hostile.READABLE[name](tmp_path / f"{name}.xlsx")
    code = main(["ledger", "import", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert '"accepted": 1' in out
    assert Purchase.objects.get(order_no="H-001").amount_fen == 10_000
    children_within_limit()


def test_a_long_cell_is_named_by_its_address(world, tmp_path, capsys):
    path = hostile.long_cell_xlsx(tmp_path / "长.xlsx")
    main(["ledger", "import", str(path)])
    _out, err = capsys.readouterr()
    one_chinese_line(err, "工作表“台账”", "C3", "40,000")


def test_refused_uploads_leave_nothing_behind(world, tmp_path, settings):
    client = world.client("reporter")
    for name in CASES:
        path, _expected = build(name, tmp_path)
        with path.open("rb") as handle:
            client.post(reverse("ledger:import"), {"file": handle})
    folder = Path(settings.MEDIA_ROOT) / "ledger-uploads"
    assert not folder.exists() or not any(folder.iterdir())
    # Failed uploads do not count against the user's quota of uploads awaiting confirmation.
    assert not Upload.objects.filter(state__in=("received", "previewing", "previewed")).exists()


def test_a_csv_far_too_long_for_its_kind_is_refused_without_reading_it_whole(world, tmp_path, capsys):
    from bangfu.common.tables import table_rows

    path = tmp_path / "基数.csv"
    path.write_text("单位名称,职工人数\n" + "周巷镇总工会,1\n" * 300, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        list(table_rows(path, max_rows=100))
    one_chinese_line(str(caught.value), "基数.csv", "100")
    text = tmp_path / "分解表.txt"
    text.write_bytes(("\t序号\n\t工作内容\n" + "x" * 100 + "\n").encode() * 60_000)
    assert main(["plan", "parse", str(text)]) == 2
    one_chinese_line(capsys.readouterr().err, "分解表.txt", "MB")


def test_a_broken_quote_in_a_county_list_is_a_chinese_line(world, tmp_path, capsys):
    path = tmp_path / "县名单.csv"
    path.write_text(
        '省,市（州）,县\n四川省,凉山彝族自治州,"布拖县\n' + "x" * 200_000 + "\n", encoding="utf-8"
    )
    assert main(["region", "import", str(path)]) == 2
    one_chinese_line(capsys.readouterr().err, "县名单.csv")
