"""The shape of the code: layers without circles, small modules, a UI that only reads
through the queries and writes through the hub.

The import contracts themselves (layers, the core without Qt) are checked by
``lint-imports`` in CI; these tests add what import-linter does not say.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("coordinator", "ui")

MAX_LINES = 700
"""A module longer than this hides its design; data tables and migrations are exempt."""

LONG_BY_NATURE: set[str] = set()
"""Modules allowed to be longer: data tables, should one grow past the limit."""


def _sources(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (PROJECT / package).rglob("*.py"))


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm over the module graph, iteratively: the groups that import
    each other in a circle (one-module groups are left out)."""

    def imported(module: str) -> list[str]:
        return sorted(graph.find_modules_directly_imported_by(module))

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(imported(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imported(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    """Every import at any depth (inside functions too) goes one way: no circles."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _strongly_connected(graph) == [{"a.b", "a.c"}]


@pytest.mark.parametrize("path", _sources(*PACKAGES), ids=lambda p: str(p.relative_to(PROJECT)))
def test_modules_stay_small(path: Path) -> None:
    relative = path.relative_to(PROJECT).as_posix()
    if relative in LONG_BY_NATURE or "/migrations/versions/" in relative:
        pytest.skip("data tables and generated migrations")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines"


def _calls_named(tree: ast.AST, attribute: str) -> list[int]:
    """Lines calling ``<...store>.<attribute>(...)``: a store's method, not a file's."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attribute
        and ast.unparse(node.func.value).endswith("store")
    ]


@pytest.mark.parametrize("path", _sources("ui"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_the_ui_opens_no_unit_of_work_and_no_session(path: Path) -> None:
    """Writes go through a service and Hub.call; reads through coordinator.queries."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert _calls_named(tree, "work") == [], "a unit of work opened in the UI"
    assert _calls_named(tree, "read") == [], "a session opened in the UI"


def test_the_ui_check_sees_a_unit_of_work() -> None:
    tree = ast.parse(
        "def save(self, path):\n    with self.store.work() as work:\n        text = path.read()\n"
    )
    assert _calls_named(tree, "work") == [2]
    assert _calls_named(tree, "read") == []
