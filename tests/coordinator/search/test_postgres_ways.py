"""The PostgreSQL index answers "the newest matches and how many" in two ways (all the
matches through the GIN index when they are few; the newest rows checked one by one when
they are many): both give what SQLite's index gives, and a group's count stops at a cap
the same way on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from coordinator.demo.build import build_demo
from coordinator.queries import search as search_queries
from coordinator.queries.search import Results, search
from coordinator.safety.opening import open_store
from coordinator.search import postgres_fts
from coordinator.services import templates
from coordinator.store import migrate
from coordinator.store.storage import Store
from coordinator.store.table_copy import copy_tables
from tests.postgres_server import PostgresServer

NOW = datetime(2026, 11, 25, 10, 30)
QUERIES = ("营业执照", "银行", "税", "wcf", "zhang", "0574", "8606", "甬达 执照", "公司", "z")


def shape(results: Results) -> list[tuple[str, int, bool, list[int]]]:
    return [(g.kind.value, g.total, g.more, [h.id for h in g.hits]) for g in results.groups]


@pytest.fixture(scope="module")
def demo_pair(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Store]]:
    """The demo on a laptop's SQLite file and the same rows on the server."""
    folder = tmp_path_factory.mktemp("ways")
    laptop = open_store(folder / "laptop", url=f"sqlite:///{folder / 'laptop.sqlite3'}")
    templates.install_builtin(laptop)
    build_demo(laptop, now=NOW)
    name = postgres.create_database()
    empty = Store(folder / "server", url=postgres.url(name))
    migrate.upgrade(empty)
    with laptop.engine.connect() as source, empty.engine.begin() as target:
        copy_tables(source, target)
    empty.close()
    server = open_store(folder / "server", url=postgres.url(name))  # indexes the rows
    yield laptop, server
    server.close()
    laptop.close()
    postgres.drop_database(name)


@pytest.mark.parametrize("rare", [0, 3, 10_000], ids=["always-newest-rows", "mixed", "always-gin"])
def test_both_ways_find_what_sqlite_finds(
    demo_pair: tuple[Store, Store], rare: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, server = demo_pair
    monkeypatch.setattr(postgres_fts, "RARE", rare)
    monkeypatch.setattr(postgres_fts, "WINDOW", 7)  # a short window: the fallback runs too
    for query in QUERIES:
        for limit in (1, 5, 50):
            assert shape(search(server, query, limit=limit)) == shape(
                search(laptop, query, limit=limit)
            ), (query, limit)


def test_a_count_stops_at_the_cap_alike(
    demo_pair: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, server = demo_pair
    monkeypatch.setattr(search_queries, "COUNTED", 4)
    on_laptop = search(laptop, "公司", limit=2)
    assert any(g.more and g.total == 4 for g in on_laptop.groups)
    assert shape(search(server, "公司", limit=2)) == shape(on_laptop)
