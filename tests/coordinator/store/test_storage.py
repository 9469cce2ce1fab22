"""The store: private files, SQLite settings, the data-folder setting, damaged files, events."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from coordinator.errors import StorageError
from coordinator.kinds import OrganisationKind
from coordinator.paths import DATA_DIR_ENV, DATABASE_NAME
from coordinator.queries import contacts as contact_queries
from coordinator.queries import timeline
from coordinator.safety.opening import open_store
from coordinator.services import organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.models import Event
from coordinator.store.storage import BUSY_TIMEOUT_MS, Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def pragma(store: Store, name: str) -> object:
    with store.engine.connect() as conn:
        return conn.execute(text(f"PRAGMA {name}")).scalar()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "fresh" / "data", clock=lambda: datetime(2025, 6, 9, 9, 0))
    yield store
    store.close()


def test_data_folder_and_database_are_private(fresh: Store) -> None:
    assert mode(fresh.data_dir) == 0o700
    assert mode(fresh.files_dir) == 0o700
    assert mode(fresh.backups_dir) == 0o700
    assert fresh.database_path == fresh.data_dir / DATABASE_NAME
    if fresh.uses_data_dir_database:  # not a server's: that one keeps its own files
        assert mode(fresh.database_path) == 0o600


@pytest.mark.sqlite_only
def test_write_ahead_log_is_as_private_as_the_database(fresh: Store) -> None:
    organisations.create(fresh, "区税务局", "department")
    with fresh.engine.connect():  # keep a connection so the WAL file exists
        wal = fresh.database_path.with_name(DATABASE_NAME + "-wal")
        assert wal.exists()
        assert mode(wal) == 0o600


def test_an_existing_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    store = open_store(folder)
    try:
        assert mode(folder) == 0o700
    finally:
        store.close()


@pytest.mark.sqlite_only
def test_sqlite_settings(fresh: Store) -> None:
    assert str(pragma(fresh, "journal_mode")).lower() == "wal"
    assert pragma(fresh, "foreign_keys") == 1
    assert pragma(fresh, "synchronous") == 2  # FULL
    assert pragma(fresh, "busy_timeout") == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 1000


def test_open_without_folder_uses_the_environment_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "from-env"
    monkeypatch.setenv(DATA_DIR_ENV, str(target))
    monkeypatch.delenv("LIAISON_HUB_DATABASE_URL", raising=False)
    store = open_store(None)
    try:
        assert store.data_dir == target
        assert (target / DATABASE_NAME).is_file() == store.uses_data_dir_database
        assert mode(target) == 0o700
    finally:
        store.close()


def test_an_explicit_folder_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    store = open_store(tmp_path / "explicit")
    try:
        assert store.data_dir == tmp_path / "explicit"
        assert not (tmp_path / "env").exists()
    finally:
        store.close()


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_database_is_refused_readably(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / DATABASE_NAME).write_bytes(b"these are meeting minutes, not a database\n" * 200)
    with pytest.raises(StorageError) as info:
        open_store(folder)
    assert info.value.message("en") == "The database file is damaged: nothing was saved."


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    other = Store(folder)  # the database only: no schema of ours
    with other.engine.begin() as conn:
        conn.execute(text("CREATE TABLE recipes (name TEXT)"))
    other.close()
    with pytest.raises(StorageError) as info:
        open_store(folder)
    if other.uses_data_dir_database:
        assert info.value.message("en") == (
            f"The file {folder / DATABASE_NAME} is not a Liaison Hub database."
        )
    else:  # named as the officer set it, without a password
        assert info.value.message("en") == (
            f"The database {other.where} is not a Liaison Hub database."
        )
        assert other.where.startswith("postgresql")
    with other.engine.connect() as conn:  # and left as it was
        assert conn.execute(text("SELECT count(*) FROM recipes")).scalar() == 0
        assert not inspect(conn).has_table("alembic_version")
    other.close()


def test_a_data_folder_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError) as info:
        open_store(blocker / "data")
    assert info.value.message("en").startswith(
        f"The data folder {blocker / 'data'} cannot be used: "
    )


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = open_store(folder)
    org = organisations.create(first, "园区管委会", OrganisationKind.PARK).value
    first.close()
    second = open_store(folder)
    try:
        assert [o.name for o in contact_queries.organisations(second)] == ["园区管委会"]
        assert contact_queries.organisations(second)[0].id == org.id
    finally:
        second.close()


def test_events_are_append_only_in_the_database(store: Store) -> None:
    organisations.create(store, "开户银行", "bank")
    with store.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM events")).scalar()
        assert count
        with pytest.raises(SADatabaseError, match="append-only"):
            conn.execute(text("UPDATE events SET after = 'forged'"))
        conn.rollback()
        with pytest.raises(SADatabaseError, match="append-only"):
            conn.execute(text("DELETE FROM events"))
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == count
        assert (
            conn.execute(text("SELECT count(*) FROM events WHERE after = 'forged'")).scalar() == 0
        )


def test_work_records_events_at_the_clock_time_and_names_changes(store: Store) -> None:
    with store.work() as work:
        work.record("organisation", 41, "notes", "old", "new", case_id=7)
        work.record("organisation", 41, "count", 1, 2)
        work.record("organisation", 41, "when", None, datetime(2025, 6, 9, 10, 30))
        work.record("organisation", 41, "list", None, ["乙", "甲"])
        work.changed(ChangeKind.ORGANISATION, 41)
    assert work.changes.ids_of(ChangeKind.ORGANISATION) == {41}
    assert work.changes.ids_of(ChangeKind.EVENT) == {41}
    with store.read() as session:
        rows = list(
            session.execute(
                select(Event.at, Event.field, Event.before, Event.after, Event.case_id)
                .where(Event.entity_id == 41)
                .order_by(Event.id)
            )
        )
    at = store.clock()
    assert [tuple(r) for r in rows] == [
        (at, "notes", "old", "new", 7),
        (at, "count", "1", "2", None),
        (at, "when", None, "2025-06-09 10:30:00", None),
        (at, "list", None, '["乙", "甲"]', None),
    ]


def test_a_failed_unit_of_work_writes_nothing(store: Store) -> None:
    def crash() -> None:
        with store.work() as work:
            work.record("organisation", 99, "created", None, "x")
            work.session.flush()
            raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        crash()
    assert timeline.for_record(store, "organisation", 99) == []


def test_read_sessions_roll_back(store: Store) -> None:
    with store.read() as session:
        session.add(
            Event(
                at=datetime(2025, 6, 9),
                entity="x",
                entity_id=1,
                field="f",
                before=None,
                after=None,
                case_id=None,
            )
        )
        session.flush()
    assert timeline.for_record(store, "x", 1) == []


def test_a_unique_clash_becomes_a_conflict_error(store: Store) -> None:
    from coordinator.errors import ConflictError
    from coordinator.store.models import Organisation

    organisations.create(store, "区税务局", "department")

    def add_twin() -> None:
        with store.work() as work:
            twin = Organisation(
                name="区税务局",
                kind=OrganisationKind.DEPARTMENT,
                created_at=work.now,
                updated_at=work.now,
            )
            work.session.add(twin)
            work.session.flush()

    with pytest.raises(ConflictError) as info:
        add_twin()
    assert info.value.message("en") == (
        "This change clashes with data already saved: nothing was saved."
    )


def test_a_snapshot_sees_one_state_of_the_data(store: Store) -> None:
    """A list's count and its ids are read inside one snapshot: a save made meanwhile
    (by another thread: the app's background work) shows only after it."""
    organisations.create(store, "第一家公司", OrganisationKind.COMPANY)
    seen: list[int] = []
    with store.snapshot():
        seen.append(contact_queries.organisation_count(store))
        writer = threading.Thread(
            target=organisations.create, args=(store, "第二家公司", OrganisationKind.COMPANY)
        )
        writer.start()
        writer.join()
        seen.append(contact_queries.organisation_count(store))
    seen.append(contact_queries.organisation_count(store))
    assert seen == [seen[0], seen[0], seen[0] + 1]


def test_reads_inside_a_read_share_its_session(store: Store) -> None:
    with store.read() as outer, store.read() as inner:
        assert inner is outer
    with store.read() as later:
        assert later is not outer
