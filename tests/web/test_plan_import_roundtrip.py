"""The web review round trip is exact: uploading a table and confirming the review unchanged stores exactly
the plan that ``bangfu plan import`` stores for the same file — for every task table the tests build, in
every format, and for the seed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.cli import main
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan, PlanDraft
from bangfu.plans.parsing import TableParseError, parse_table
from tests.activities import test_count_targets
from tests.plans import test_parsing, test_parsing_written_roles
from tests.plans.fixtures import FORMATS, Table, write
from tests.support.world import SEED_DOCX, SEED_TXT
from tests.test_cli import UNKNOWN_UNITS_TABLE
from tests.web import test_activities_item
from tests.web.test_plan_import import UNKNOWN_UNIT_TABLE, form_data

pytestmark = pytest.mark.django_db

#: A year for tables whose title has none (the command line gets --year, the upload form its year).
YEAR_WHEN_UNTITLED = 2030


def _text(content: str, suffix: str = ".txt", encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / f"任务分解表{suffix}"
        path.write_bytes(content.encode(encoding))
        return path

    return make


def _table(table: Table, fmt: str) -> Callable[[Path], Path]:
    return lambda folder: write(folder, table, fmt)


def _every_table() -> list[tuple[str, Callable[[Path], Path]]]:
    """Every Table the plan tests build (found in their modules), in every format, and every other
    task table the suite imports."""
    cases: list[tuple[str, Callable[[Path], Path]]] = []
    for module in (test_parsing, test_parsing_written_roles):
        for name, value in vars(module).items():
            if isinstance(value, Table):
                cases += [(f"{name}-{fmt}", _table(value, fmt)) for fmt in FORMATS]
    cases += [
        ("seed-docx", lambda folder: SEED_DOCX),
        ("seed-txt", lambda folder: SEED_TXT),
        ("sections-in-text", _text(test_parsing.SECTIONS_IN_TEXT)),
        ("csv-gbk", _text(test_parsing.CSV_TEXT, ".csv", "gb18030")),
        ("tsv", _text(test_parsing.TSV_TEXT)),
        ("typed-xlsx", lambda folder: test_parsing.write_typed_xlsx(folder / "typed.xlsx")),
        ("cli-unknown-units", _text(UNKNOWN_UNITS_TABLE)),
        ("web-unknown-unit", _text(UNKNOWN_UNIT_TABLE)),
        ("count-targets", _text(test_count_targets.TABLE)),
        ("activities-item", _text(test_activities_item.TABLE)),
    ]
    return cases


CASES = _every_table()


def test_the_cases_cover_every_table_of_the_plan_tests():
    tables = {name.rsplit("-", 1)[0] for name, _make in CASES if name.rsplit("-", 1)[-1] in FORMATS}
    assert {"TABLE_A", "TABLE_B", "TABLE_C", "TABLE_D", "GROUPED", "TABLE_E", "TABLE_F", "TABLE_G"} <= tables
    assert len(tables) >= 18


def _subject(assignment_or_org: Any) -> tuple[str, str, bool]:
    org = getattr(assignment_or_org, "organisation", assignment_or_org)
    group = getattr(assignment_or_org, "group", None)
    if group is not None:
        return ("group", group.name, False)
    return (org.kind, org.name, org.needs_review)


def stored(plan: Plan) -> dict[str, Any]:
    """Everything a saved plan holds, by value (no ids)."""
    tasks = []
    for task in plan.tasks.order_by("seq"):
        items = []
        for item in task.items.order_by("seq"):
            roles = [
                (r.role, r.position, r.name_as_written, _subject(r))
                for r in item.roles.select_related("organisation", "group").order_by("role", "position")
            ]
            targets = [
                (
                    t.position,
                    t.kind,
                    t.amount_fen,
                    t.ratio,
                    t.count,
                    t.unit,
                    t.scope,
                    t.base_text,
                    t.base_kind,
                    t.channel,
                    t.parent.position if t.parent else None,
                    t.text,
                    t.subjects_as_written,
                    sorted(_subject(org) for org in t.orgs.all()),
                    sorted(group.name for group in t.groups.all()),
                )
                for t in item.targets.order_by("position")
            ]
            items.append((item.seq, item.content, item.deadline, item.location, roles, targets))
        tasks.append((task.seq, task.label, task.name, items))
    return {
        "plan": (plan.year, plan.title, plan.source_name, plan.source_sha256, plan.notes),
        "tasks": tasks,
    }


def _forget(plan: Plan, units_before: set[int]) -> None:
    """Remove a stored plan and the units its import created, so the next import starts afresh."""
    plan.delete()
    Organisation.objects.exclude(pk__in=units_before).delete()


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _make in CASES])
def test_confirming_an_unchanged_review_stores_what_the_command_line_stores(
    name, make, cixi_orgs, make_user, client, tmp_path, capsys
):
    path = make(tmp_path)
    try:
        needs_year = parse_table(path).year is None
    except TableParseError:
        pytest.skip("a table that neither import reads")  # none today; both refuse it the same way
    year_args = ["--year", str(YEAR_WHEN_UNTITLED)] if needs_year else []
    units_before = set(Organisation.objects.values_list("pk", flat=True))

    assert main(["plan", "import", str(path), *year_args]) == 0, capsys.readouterr().err
    by_command = Plan.objects.get()
    expected = stored(by_command)
    _forget(by_command, units_before)

    client.force_login(make_user("coordinator"))
    upload = {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    if needs_year:
        upload["year"] = str(YEAR_WHEN_UNTITLED)
    response = client.post(reverse("plans:import"), upload)
    assert response.status_code == 302, response.content.decode()[:1000]
    page = client.get(response["Location"])
    confirmed = client.post(response["Location"], form_data(page) | {"confirm": ["1"]})
    assert confirmed.status_code == 302, confirmed.content.decode()[:3000]
    assert not PlanDraft.objects.exists()
    assert stored(Plan.objects.get()) == expected
