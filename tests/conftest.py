"""Fixtures shared by the whole suite.

The shipped data most tests stand on — Cixi's unit list, the regions, the 2022 seed plan and its progress
rules — is built once per run as *layers* (``tests/support/layers.py``) and reused through transactions:
each test runs in its own savepoint on top and is rolled back. Ask for a layer by its fixture:

| fixture              | stands on          | what it holds                                        |
|----------------------|--------------------|------------------------------------------------------|
| ``cixi_orgs``        | —                  | the shipped unit list, loaded as ``bangfu init`` does |
| ``seeded_regions``   | ``cixi_orgs``      | the paired regions (``regions_seed``)                |
| ``seed_plan``        | ``seeded_regions`` | the 2022 seed plan, imported                         |
| ``ruled_plan``/``plan`` | ``seed_plan``   | the same plan with its progress rules                |
| ``ledger_world``     | ``seed_plan``      | two towns, two unions, six purchases, a user per role |

Suites add their own worlds the same way: ``api_world`` (``tests/api/conftest.py``), ``matrix_world``
(``tests/security/conftest.py``), and in their modules the activity, write-scope, four-eyes and paging
worlds. A test that asks for none of them sees an empty database.

Factories (``tests/factories.py``) and helpers (``tests/support/world.py``) create rows through the
services, as the application does.
"""

from __future__ import annotations

import copy
from itertools import count

import pytest

import tests.support.worlds  # noqa: F401  (registers the worlds' layers)
from tests.support.layers import Stack, is_transactional, layer, layer_value, sort_key, wanted

#: Fixtures kept in modules of their own, available to every test.
pytest_plugins = ["tests.support.notifications", "tests.support.progress", "tests.support.totals_guard"]

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background jobs run within the request that queues them (a worker is tested on its own)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(scope="session", autouse=True)
def _files_of_this_run(tmp_path_factory):
    """Uploads and generated files go to a folder of this run (of this worker, under pytest-xdist), never
    to ``BANGFU_HOME``: parallel workers and the developer's own data stay apart."""
    from django.test import override_settings

    home = tmp_path_factory.mktemp("home")
    with override_settings(BANGFU_HOME=home, MEDIA_ROOT=home / "media"):
        yield


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Accounts made by the tests are hashed with a quick hasher (Django's advice for test suites): Argon2
    costs a tenth of a second per account by design. Commands run as child processes keep Argon2."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- layers: shared worlds built once, each test rolled back on top --------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """After pytest-django's ordering: tests standing on the same layers run together."""
    items.sort(key=sort_key)


@pytest.fixture(scope="session")
def _layer_stack(django_db_setup, django_db_blocker):
    stack = Stack()
    yield stack
    with django_db_blocker.unblock():
        while stack.entries:
            stack.pop()


@pytest.fixture
def _layers_in_place(request, _layer_stack, django_db_blocker):
    """Open exactly the layers this test stands on (none for a transactional test)."""
    chain = () if is_transactional(request.node) else wanted(request.fixturenames)
    with django_db_blocker.unblock():
        _layer_stack.ensure(chain, request)


@pytest.fixture
def _django_db_helper(_layers_in_place, _django_db_helper):
    """pytest-django's per-test transaction (``db``, the ``django_db`` mark), opened on the layers."""
    return _django_db_helper


@layer("cixi_orgs")
def _build_cixi_orgs(request):
    from bangfu.orgs.services import orgs_load_file
    from tests.support.world import CIXI_ORGS

    return orgs_load_file(CIXI_ORGS)


@layer("seeded_regions", on="cixi_orgs")
def _build_seeded_regions(request):
    from bangfu.regions.services import regions_seed

    return regions_seed()


@layer("seed_plan", on="seeded_regions")
def _build_seed_plan(request):
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from tests.support.world import SEED_DOCX

    return plan_import(parsed=parse_table(SEED_DOCX)).plan.pk


@layer("ruled_plan", on="seed_plan")
def _build_ruled_plan(request):
    from bangfu.plans.models import Plan
    from bangfu.progress.services import progress_rules_ensure

    plan = Plan.objects.get(pk=layer_value(request, "seed_plan"))
    progress_rules_ensure(plan)
    return plan.pk


@pytest.fixture
def cixi_orgs(db, request):
    """The shipped Cixi unit list, loaded as ``bangfu init`` loads it (the load's result)."""
    return copy.deepcopy(layer_value(request, "cixi_orgs"))


@pytest.fixture
def seeded_regions(db, request):
    """Cixi's units and the paired regions."""
    return copy.deepcopy(layer_value(request, "seeded_regions"))


@pytest.fixture
def seed_plan(db, request):
    """The 2022 seed plan imported, on Cixi's units and the regions."""
    from bangfu.plans.models import Plan

    return Plan.objects.get(pk=layer_value(request, "seed_plan"))


@pytest.fixture
def ruled_plan(db, request):
    """The 2022 seed plan with its progress rules."""
    from bangfu.plans.models import Plan

    return Plan.objects.get(pk=layer_value(request, "ruled_plan"))


@pytest.fixture
def ledger_world(db, request):
    """The ledger pages' world (``tests/support/worlds.py``), as it was built."""
    return copy.deepcopy(layer_value(request, "ledger_world"))


@pytest.fixture
def plan(ruled_plan):
    """The seed plan with its rules (a module may define its own ``plan``)."""
    return ruled_plan


# --- people ---------------------------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    """``make_user(role, unit_name=None)`` → a user with that role (and unit), created as the office would."""
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index
    from tests.factories import UserFactory

    numbers = count(1)

    def make(role: str, unit: str | None = None):
        organisation = None
        if unit is not None:
            key = org_name_index().resolve(unit).key
            organisation = Organisation.objects.get(pk=key) if key is not None else None
        return UserFactory(username=f"{role}{next(numbers)}", role=role, organisation=organisation)

    return make


@pytest.fixture
def login(client, make_user):
    """``login(role, unit=None)`` → the test client signed in as a new user of that role."""

    def sign_in(role: str, unit: str | None = None):
        client.force_login(make_user(role, unit))
        return client

    return sign_in
