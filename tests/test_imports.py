"""Dependencies point one way (docs/architecture.md): no app that progress, reports, accounts or
notifications sits in a cycle with, and pure modules import no Django. Every import counts, also those
written inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bangfu"
APPS = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
PURE = [
    "progress/calculation",
    "progress/calendar_periods.py",
    "orgs/tree.py",
    "notifications/notices.py",
    "common/money.py",
    "common/text.py",
]


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports (relative imports resolved)."""
    module = ["bangfu", *path.relative_to(PACKAGE).with_suffix("").parts]
    package = module if path.name == "__init__.py" else module[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module or "")
    return found


def _app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {app: set() for app in APPS}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or "migrations" in parts:
            continue
        for name in _imports(path):
            target = name.split(".")
            if target[0] == "bangfu" and len(target) > 1 and target[1] in graph and target[1] != parts[0]:
                graph[parts[0]].add(target[1])
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one app."""

    def reach(start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            for nxt in graph[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    reaches = {app: reach(app) for app in graph}
    components = {
        frozenset({app} | {other for other in reaches[app] if app in reaches[other]}) for app in graph
    }
    return [set(component) for component in components if len(component) > 1]


def test_progress_reports_accounts_and_notifications_are_in_no_cycle():
    cycles = _cycles(_app_graph())
    for app in ("progress", "reports", "notifications"):
        assert not [cycle for cycle in cycles if app in cycle], app
    assert not [
        cycle for cycle in cycles if "accounts" in cycle and cycle & {"progress", "reports", "notifications"}
    ]


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


@pytest.mark.parametrize("where", PURE)
def test_pure_modules_import_no_django(where):
    root = PACKAGE / where
    paths = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    assert paths
    for path in paths:
        assert not [name for name in _imports(path) if name.split(".")[0] == "django"], path
        for name in _imports(path):
            if name.startswith("bangfu."):
                # Only other pure modules of the project.
                assert any(
                    name.replace(".", "/").startswith(f"bangfu/{pure.removesuffix('.py')}") for pure in PURE
                ), (
                    path,
                    name,
                )
