"""A database that cannot be used at start: told in words, set aside untouched, restored."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import StorageError
from coordinator.paths import DATABASE_NAME
from coordinator.safety import backup, catalogue, recovery
from coordinator.safety import health as data_health
from coordinator.safety.opening import open_store
from coordinator.services import communications
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notes(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {n for (n,) in conn.execute("SELECT notes FROM communications")}
    finally:
        conn.close()


def fill(store: Store, count: int, size: int = 3000) -> None:
    for n in range(count):
        communications.log(store, notes=f"call {n} " + "记" * size)


def zero_tail(path: Path, pages: int) -> None:
    """Damage the newest pages (deep in the tables), leaving every table's first page."""
    data = bytearray(path.read_bytes())
    data[-pages * 4096 :] = bytes(pages * 4096)
    path.write_bytes(bytes(data))


def scramble_after_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.sqlite_only
def test_a_new_folder_and_a_sound_store(tmp_path: Path, store: Store) -> None:
    assert data_health.diagnose(tmp_path / "nothing-here").state == "new"
    store.close()
    health = data_health.diagnose(store.data_dir, thorough=True)
    assert health.state == "ok"
    assert health.ok
    assert not health.needs_recovery
    assert health.message("en") == "The database is sound."


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DATABASE_NAME
    path.write_bytes(b"meeting minutes, saved over the database by mistake\n" * 100)
    health = data_health.diagnose(folder)
    assert health.state == "not-a-database"
    assert health.needs_recovery
    assert health.message("en") == (
        f"The file {path} is not a database any more: it has been overwritten or damaged."
    )


def test_another_programs_database(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    conn = sqlite3.connect(folder / DATABASE_NAME)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    health = data_health.diagnose(folder)
    assert health.state == "foreign"
    assert (
        health.message("en") == f"The file {folder / DATABASE_NAME} is not a Liaison Hub database."
    )


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_version_is_not_damaged(store: Store) -> None:
    store.close()
    conn = sqlite3.connect(store.database_path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    health = data_health.diagnose(store.data_dir)
    assert health.state == "newer"
    assert not health.ok
    assert not health.needs_recovery  # nothing to set aside: a newer app reads it
    assert health.message("en") == (
        "The database was written by a newer version of Liaison Hub (schema 0099). "
        "Update Liaison Hub to open it."
    )


def test_an_unreadable_database(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / DATABASE_NAME).mkdir(parents=True)  # something that cannot be read as a file
    health = data_health.diagnose(folder)
    assert health.state == "unreadable"
    assert health.needs_recovery
    assert health.message("en").startswith("The database file cannot be read: ")


@pytest.mark.sqlite_only
def test_damage_is_found_without_changing_the_file(store: Store) -> None:
    fill(store, 300)
    store.close()
    path = store.database_path
    zero_tail(path, 20)
    before = digest(path)
    # The quick look at start sees every table's first page only; the thorough one more.
    assert data_health.diagnose(store.data_dir).state == "ok"
    health = data_health.diagnose(store.data_dir, thorough=True)
    assert health.state == "damaged"
    assert health.message("en") == "The database file is damaged: database disk image is malformed"
    assert digest(path) == before
    scramble_after_header(path)
    before = digest(path)
    assert data_health.diagnose(store.data_dir).state == "damaged"
    assert digest(path) == before


@pytest.mark.sqlite_only
def test_set_aside_moves_the_database_and_its_journal_untouched(
    store: Store, clock: FixedClock
) -> None:
    fill(store, 5, 10)
    wal = store.database_path.with_name(DATABASE_NAME + "-wal")
    with store.engine.connect():  # an open connection keeps the -wal and -shm files
        assert wal.exists()
        originals = {
            p.name: digest(p)
            for p in store.data_dir.iterdir()
            if p.name.startswith(DATABASE_NAME) and p.name != DATABASE_NAME + "-shm"
        }
        folder = data_health.set_aside(store.data_dir, now=clock.now)
    store.close()
    assert folder == store.data_dir / "damaged" / "20250609-090000"
    moved = {p.name: p for p in folder.iterdir()}
    assert set(moved) == {DATABASE_NAME, DATABASE_NAME + "-wal", DATABASE_NAME + "-shm"}
    assert {name: digest(moved[name]) for name in originals} == originals
    assert not store.database_path.exists()
    assert not wal.exists()
    assert stat.S_IMODE((store.data_dir / "damaged").stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in moved.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert data_health.set_aside(store.data_dir) is None  # nothing left to move
    again = store.data_dir / DATABASE_NAME
    again.write_bytes(b"x")
    assert data_health.set_aside(store.data_dir, now=clock.now) == folder.with_name(
        "20250609-090000-2"
    )


@pytest.mark.sqlite_only
def test_from_a_damaged_database_to_the_newest_good_backup(store: Store, clock: FixedClock) -> None:
    fill(store, 3, 10)
    older = backup.make_backup(store, "manual").backup
    clock.advance(hours=1)
    communications.log(store, notes="the last call before the crash")
    newest = backup.make_backup(store, "quit").backup
    assert older is not None
    assert newest is not None
    communications.log(store, notes="lost with the damage")
    store.close()
    scramble_after_header(store.database_path)
    damaged = digest(store.database_path)

    health = data_health.diagnose(store.data_dir)
    assert health.needs_recovery
    aside = data_health.set_aside(store.data_dir, now=clock.now)
    assert aside is not None
    assert digest(aside / DATABASE_NAME) == damaged
    assert recovery.restore_candidates(store.data_dir) == [newest, older]
    result = recovery.restore(store.data_dir, newest, clock=clock)
    assert result.safety is None  # there was nothing sound to back up
    assert "the last call before the crash" in notes(store.database_path)
    assert data_health.diagnose(store.data_dir, thorough=True).state == "ok"
    open_store(store.data_dir, clock=clock).close()


@pytest.mark.sqlite_only
def test_restoring_over_a_damaged_database_sets_it_aside_itself(
    store: Store, clock: FixedClock
) -> None:
    info = backup.make_backup(store, "manual").backup
    assert info is not None
    store.close()
    scramble_after_header(store.database_path)
    damaged = digest(store.database_path)
    result = recovery.restore(store.data_dir, info.id, clock=clock)
    assert result.set_aside is not None
    assert digest(result.set_aside / DATABASE_NAME) == damaged
    assert data_health.diagnose(store.data_dir, thorough=True).state == "ok"


@pytest.mark.sqlite_only
def test_restore_newest_passes_over_a_damaged_backup(store: Store, clock: FixedClock) -> None:
    communications.log(store, notes="good")
    good = backup.make_backup(store, "manual").backup
    clock.advance(hours=1)
    communications.log(store, notes="in the bad backup")
    bad = backup.make_backup(store, "manual").backup
    assert good is not None
    assert bad is not None
    copy = bad.path / DATABASE_NAME
    data = bytearray(copy.read_bytes())
    data[5000] ^= 0x55
    copy.write_bytes(bytes(data))
    store.close()
    result = recovery.restore_newest(store.data_dir, clock=clock)
    assert result.restored == good
    assert notes(store.database_path) == {"good"}
    # With no good backup left, it says so and changes nothing.
    for info in catalogue.list_backups(store.data_dir):
        (info.path / DATABASE_NAME).write_bytes(b"gone")
    before = digest(store.database_path)
    with pytest.raises(StorageError) as raised:
        recovery.restore_newest(store.data_dir, clock=clock)
    assert raised.value.message("en") == "No backup passed its check, so nothing was restored."
    assert digest(store.database_path) == before
