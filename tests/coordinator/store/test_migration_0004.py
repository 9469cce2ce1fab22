"""Revision 0004 (several officers on one database) upgrades a database holding data, on
SQLite and on PostgreSQL: the rows keep every value, the new columns start at their
defaults, and the event log stays append-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from coordinator.safety.opening import open_store
from coordinator.services import actions, cases
from coordinator.store.migrate import alembic_config, head_revision
from tests.conftest import keep_sqlite_file
from tests.postgres_server import PostgresServer

ROWS = """
INSERT INTO organisations (id, name, kind, pinyin, initials, notes, created_at, updated_at)
VALUES (1, '宁波澄明光电科技有限公司', 'company', '', '', '', '2026-01-05 09:00:00',
        '2026-01-05 09:00:00');
INSERT INTO organisations (id, name, kind, pinyin, initials, notes, created_at, updated_at)
VALUES (2, '区市场监管局', 'department', '', '', '', '2026-01-05 09:00:00',
        '2026-01-05 09:00:00');
INSERT INTO cases (id, reference, title, company_id, kind, fast_track, status, owner,
                   opened_at, close_reason, currency, notes, created_at, updated_at)
VALUES (1, '2026-0001', '项目落地', 1, 'company_landing', true, 'open', '王成峰',
        '2026-01-05 09:00:00', '', 'CNY', '', '2026-01-05 09:00:00', '2026-01-05 09:00:00');
INSERT INTO actions (id, case_id, department_id, title, status, blocked_reason, notes,
                     position, template_key, created_at, updated_at)
VALUES (1, 1, 2, '营业执照', 'todo', '', '', 0, '', '2026-01-05 09:00:00',
        '2026-01-05 09:00:00');
INSERT INTO events (id, at, entity, entity_id, case_id, field, before, after)
VALUES (1, '2026-01-05 09:00:00', 'case', 1, 1, 'opened', NULL, '2026-0001');
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, str | None]]:
    """A data folder whose database is at revision 0003 with a case, a step and an event:
    the SQLite file in the folder, or a database on the test server (its URL)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server: PostgresServer | None = None
    name = ""
    if request.param == "sqlite":
        keep_sqlite_file(data_dir)  # on SQLite, whatever the run's backend
        url = f"sqlite:///{data_dir / 'liaison-hub.sqlite3'}"
        chosen: str | None = None
    else:
        server = request.getfixturevalue("postgres")
        name = server.create_database()
        url = chosen = server.url(name)
    command.upgrade(alembic_config(url), "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ROWS.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        if server is not None:  # rows written with their ids: move the id sequences on
            for table in ("organisations", "cases", "actions", "events"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    engine.dispose()
    yield data_dir, chosen
    if server is not None:
        server.drop_database(name)


def test_upgrade_to_0004_keeps_the_rows_and_starts_the_new_columns(
    old_database: tuple[Path, str | None],
) -> None:
    data_dir, url = old_database
    store = open_store(data_dir, url=url, officer="李晓雯")
    try:
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
            case = conn.execute(
                text("SELECT reference, title, owner, row_version FROM cases")
            ).one()
            assert tuple(case) == ("2026-0001", "项目落地", "王成峰", 1)
            step = conn.execute(text("SELECT title, owner, row_version FROM actions")).one()
            assert tuple(step) == ("营业执照", "", 1)
            event = conn.execute(
                text("SELECT field, after, officer, row_version FROM events")
            ).one()
            assert tuple(event) == ("opened", "2026-0001", "", None)
            orgs = conn.execute(text("SELECT row_version FROM organisations")).scalars()
            assert list(orgs) == [1, 1]

        # The upgraded data is worked on as usual: versions move, events are signed.
        cases.update(store, 1, title="项目落地（一期）")
        actions.set_status(store, 1, "in_progress")
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT row_version FROM cases")) == 2
            assert conn.scalar(text("SELECT row_version FROM actions")) == 2
            signed = conn.execute(
                text("SELECT entity, officer, row_version FROM events WHERE id > 1 ORDER BY id")
            ).all()
            assert ("case", "李晓雯", 2) in signed
            assert ("action", "李晓雯", 2) in signed
            assert conn.scalar(text("SELECT count(*) FROM change_notes")) == 2

        # Still append-only, on either database.
        with store.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE events SET after = 'forged'"))
            conn.rollback()
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("DELETE FROM events"))
            conn.rollback()
    finally:
        store.close()
