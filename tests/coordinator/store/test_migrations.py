"""The schema comes from Alembic, agrees with the models, and upgrades keep data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from coordinator.errors import StorageError
from coordinator.paths import DATABASE_NAME
from coordinator.safety.catalogue import list_backups
from coordinator.safety.opening import open_store
from coordinator.store.migrate import alembic_config, head_revision, include_name
from coordinator.store.models import Base
from coordinator.store.storage import Store
from tests.conftest import database_url


def test_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert context.get_current_revision() == head_revision()
        tables = set(inspect(conn).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_alembic_check_finds_nothing_to_generate(tmp_path: Path) -> None:
    (tmp_path / "check").mkdir()
    url = _url(tmp_path / "check")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models have changes no revision holds


def _url(data_dir: Path) -> str:
    """The database of ``data_dir`` as this run's stores have it: the folder's SQLite
    file, or (with --backend postgresql) its database on the test server."""
    return database_url(data_dir) or f"sqlite:///{data_dir / DATABASE_NAME}"


SEED_0001 = """
INSERT INTO organisations (id, name, kind, pinyin, initials, notes, created_at, updated_at)
VALUES (1, '宁波澄明光电科技有限公司', 'company', '', '', '', '2026-01-05 09:00:00',
        '2026-01-05 09:00:00');
INSERT INTO cases (id, reference, title, company_id, kind, fast_track, status, owner,
                   opened_at, close_reason, currency, notes, created_at, updated_at,
                   amount_minor)
VALUES (1, '2026-0001', 'AOI 项目落地 😀', 1, 'company_landing', TRUE, 'open', '林晓雯',
        '2026-01-05 09:00:00', '', 'USD', '备注
第二行', '2026-01-05 09:00:00', '2026-01-05 09:00:00', 2200000000);
INSERT INTO contacts (id, name, organisation_id, role, pinyin, initials, notes,
                      created_at, updated_at)
VALUES (1, '陈思远', 1, '总经理', 'chen si yuan', 'csy', '', '2026-01-05 09:00:00',
        '2026-01-05 09:00:00');
INSERT INTO phone_numbers (id, contact_id, raw, e164, extension, digits, label, position)
VALUES (1, 1, '138 0013 8000', '+8613800138000', '', '13800138000', '', 0);
INSERT INTO communications (id, at, duration_seconds, direction, channel, contact_id,
                            raw_number, number_e164, case_id, notes, created_at)
VALUES (1, '2026-01-05 09:10:00', 95, 'in', 'phone', 1, '', '', 1, '询问执照进度',
        '2026-01-05 09:10:00');
INSERT INTO events (id, at, entity, entity_id, case_id, field, before, after)
VALUES (1, '2026-01-05 09:00:00', 'case', 1, 1, 'opened', NULL, '2026-0001')
"""
SEEDED = ("organisations", "cases", "contacts", "phone_numbers", "communications", "events")


def _seed_revision_0001(url: str) -> None:
    """Rows written as the first schema knew them (plain SQL, no models)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in SEED_0001.split(";"):
            conn.execute(text(statement))
        if conn.dialect.name == "postgresql":  # rows written with their ids
            for table in SEEDED:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    engine.dispose()


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")]
                for table in SEEDED
            }
    finally:
        engine.dispose()


def test_upgrade_of_a_populated_database_keeps_its_data_and_a_copy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = _url(data_dir)
    command.upgrade(alembic_config(url), "0001")
    _seed_revision_0001(url)
    before = _dump(url)

    store = open_store(data_dir)  # opening upgrades to head

    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert "case_amounts" in inspect(conn).get_table_names()
    store.close()
    # Later revisions add columns at the end of some tables: what was there is unchanged.
    after = _dump(url)
    assert {t: [row[: len(before[t][0])] for row in rows] for t, rows in after.items()} == before
    made = list_backups(data_dir)
    assert [b.reason for b in made] == ["before-migration"]
    assert made[0].verified
    if store.uses_data_dir_database:  # a copy of the file (a server's: a dump of it)
        copy = f"sqlite:///{made[0].path / DATABASE_NAME}"
        assert _dump(copy) == before
        engine = create_engine(copy)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
        engine.dispose()


def test_opening_an_up_to_date_database_takes_no_copy(tmp_path: Path) -> None:
    open_store(tmp_path / "data").close()
    open_store(tmp_path / "data").close()
    assert list((tmp_path / "data" / "backups").iterdir()) == []


def test_a_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    foreign = Store(data_dir)  # the database alone, as another program left it
    with foreign.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (x TEXT)"))
        conn.execute(text("INSERT INTO notes VALUES ('keep me')"))
    foreign.close()
    with pytest.raises(StorageError) as info:
        open_store(data_dir)
    assert "not a Liaison Hub database" in info.value.message("en")
    with foreign.engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM notes")).all() == [("keep me",)]
        assert set(inspect(conn).get_table_names()) == {"notes"}
    foreign.close()


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    (tmp_path / "round").mkdir()
    url = _url(tmp_path / "round")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
    engine.dispose()


def test_the_written_down_head_is_alembics_head() -> None:
    from coordinator.store.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_upgrade_builds_the_search_index_of_the_data_there_with_progress(tmp_path: Path) -> None:
    from coordinator.queries.search import search
    from coordinator.search import index

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = _url(data_dir)
    command.upgrade(alembic_config(url), "0002")
    _seed_revision_0001(url)
    heard: list[tuple[int, int]] = []

    store = open_store(data_dir, progress=lambda done, total: heard.append((done, total)))
    try:
        # an organisation, a case, a contact, a call
        assert heard[0] == (0, 4)
        assert heard[-1] == (4, 4)
        assert index.problems(store) == []
        found = {(h.kind.value, h.id) for h in search(store, "执照").hits}
        assert found == {("communication", 1)}
        assert {(h.kind.value, h.id) for h in search(store, "csy").hits} == {("contact", 1)}
        assert {(h.kind.value, h.id) for h in search(store, "8000").hits} == {("contact", 1)}
    finally:
        store.close()
    heard.clear()
    open_store(data_dir, progress=lambda done, total: heard.append((done, total))).close()
    assert heard == []  # built once: the next opening trusts it
