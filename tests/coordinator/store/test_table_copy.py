"""Every row from a laptop's SQLite into an office server's PostgreSQL and back, unchanged:
the same values in every column of every table, ids kept, and the server's next ids
after the copied ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from coordinator.demo.build import build_demo
from coordinator.safety.opening import open_store
from coordinator.services import organisations, templates
from coordinator.store import migrate
from coordinator.store.models import Base
from coordinator.store.storage import Store
from coordinator.store.table_copy import copy_tables, row_counts
from tests.postgres_server import PostgresServer

NOW = datetime(2026, 11, 25, 10, 30)


def every_row(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: [
            tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def server_store(postgres: PostgresServer, tmp_path: Path) -> Iterator[Store]:
    """An empty database on the server, at the current revision (no index yet)."""
    name = postgres.create_database()
    store = Store(tmp_path / "server", url=postgres.url(name), clock=lambda: NOW)
    migrate.upgrade(store)
    yield store
    store.close()
    postgres.drop_database(name)


@pytest.mark.sqlite_only  # the source is a laptop's own SQLite file
def test_the_demo_goes_to_the_server_and_back_unchanged(
    tmp_path: Path, server_store: Store
) -> None:
    laptop = open_store(tmp_path / "laptop", clock=lambda: NOW)
    templates.install_builtin(laptop)
    build_demo(laptop, now=NOW)
    with laptop.engine.connect() as source, server_store.engine.begin() as target:
        copied = copy_tables(source, target)
        assert copied == row_counts(source)
        original = every_row(source)
    assert sum(copied.values()) > 2000
    with server_store.engine.connect() as conn:
        assert every_row(conn) == original

    back = Store(tmp_path / "back", clock=lambda: NOW)
    migrate.upgrade(back)
    with server_store.engine.connect() as source, back.engine.begin() as target:
        copy_tables(source, target)
    with back.engine.connect() as conn:
        assert every_row(conn) == original
    back.close()

    # The server numbers new records after the copied ones.
    made = organisations.create(server_store, "新来的单位", "company").value
    assert made.id > max(row[0] for row in original["organisations"])
    laptop.close()
