"""Revision 0005 (a laptop's checkout and its syncs) upgrades a database holding data, on
SQLite and on PostgreSQL: every record gets its own uid, the event log stays append-only,
and the upgraded data can be checked out and synced at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from coordinator.safety.opening import open_store
from coordinator.services import cases, communications
from coordinator.store.migrate import alembic_config, head_revision
from coordinator.store.models import Communication
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import sync
from tests.conftest import keep_sqlite_file
from tests.coordinator.store.test_migration_0004 import ROWS
from tests.postgres_server import PostgresServer

IDENTIFIED = ("organisations", "cases", "actions", "events")


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, str | None]]:
    """A data folder at revision 0004 holding two organisations, a case, a step and an
    event: the SQLite file in the folder, or a database on the test server."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server: PostgresServer | None = None
    name = ""
    if request.param == "sqlite":
        keep_sqlite_file(data_dir)
        url = f"sqlite:///{data_dir / 'liaison-hub.sqlite3'}"
        chosen: str | None = None
    else:
        server = request.getfixturevalue("postgres")
        name = server.create_database()
        url = chosen = server.url(name)
    command.upgrade(alembic_config(url), "0004")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ROWS.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        if server is not None:
            for table in IDENTIFIED:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    engine.dispose()
    yield data_dir, chosen
    if server is not None:
        server.drop_database(name)


def test_upgrade_to_0005_gives_every_record_its_uid_and_keeps_the_rows(
    old_database: tuple[Path, str | None], tmp_path: Path
) -> None:
    data_dir, url = old_database
    store = open_store(data_dir, url=url, officer="李晓雯")
    try:
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
            uids: list[str] = []
            for table in IDENTIFIED:
                uids += list(conn.scalars(text(f"SELECT uid FROM {table}")))
            assert len(uids) == 5
            assert all(len(u) == 32 and int(u, 16) >= 0 for u in uids)
            assert len(set(uids)) == 5  # drawn apart, row by row
            case = conn.execute(text("SELECT reference, title, owner FROM cases")).one()
            assert tuple(case) == ("2026-0001", "项目落地", "王成峰")
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE events SET after = 'forged'"))
            conn.rollback()
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("DELETE FROM events"))
            conn.rollback()

        # The upgraded office's data is checked out, worked on, and synced back.
        cases.update(store, 1, title="项目落地（一期）")
        laptop, report = checkout(store, tmp_path / "laptop")
        try:
            assert report.rows >= 5
            communications.log(laptop, case_id=1, notes="升级后在笔记本上记的电话")
            sync(laptop, store, backup=False)
            with store.read() as session:
                notes = list(session.scalars(select(Communication.notes)))
            assert notes == ["升级后在笔记本上记的电话"]
        finally:
            laptop.close()
    finally:
        store.close()
