"""Saving fails safely: a full disk, a read-only folder or an I/O error while saving.

The faults are injected at the lowest layer Python reaches: SQLite's own page limit
(``PRAGMA max_page_count`` makes a real SQLITE_FULL), an ``sqlite3.Connection`` subclass
whose commit fails as the disk would, and the file functions the attachment store uses
(``os.fdopen``'s file object, ``os.fsync``, ``os.replace``). Each time the officer gets a
StorageError in plain words, what was saved before is unchanged, and no half-written
file is left under a real name.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from coordinator.errors import StorageError
from coordinator.queries import documents as document_queries
from coordinator.safety import archive, backup, restore
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, documents
from coordinator.store import filestore
from coordinator.store.models import Base
from coordinator.store.storage import Store

Dump = list[list[Any]]


def dump(store: Store) -> Dump:
    with store.engine.connect() as conn:
        return [list(conn.execute(select(t))) for t in Base.metadata.sorted_tables]


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def integrity(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]


# -- the database ----------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_full_database_refuses_the_change_and_keeps_what_was_saved(store: Store) -> None:
    communications.log(store, notes="saved before the disk filled")
    with store.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)

    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()  # every connection from now on has the cap
    try:
        for _ in range(100):
            before = dump(store)
            try:
                communications.log(store, notes="满" * 4000)
            except StorageError as exc:
                raised = exc
                break
        else:
            pytest.fail("the capped database never filled up")
        assert raised.message("en") == (
            "The disk is full: nothing was saved. Free some space and retry."
        )
        assert dump(store) == before
    finally:
        event.remove(store.engine, "connect", cap)
        store.engine.dispose()
    assert integrity(store) == ["ok"]
    communications.log(store, notes="space again")  # and it carries on once there is room


class FaultyConnection(sqlite3.Connection):
    """Commits fail with the message SQLite gives for the fault being simulated."""

    fault: str | None = None

    def commit(self) -> None:
        if FaultyConnection.fault is not None:
            raise sqlite3.OperationalError(FaultyConnection.fault)
        super().commit()


@pytest.fixture
def faulty(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FaultyConnection]]:
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", FaultyConnection)
        conn: sqlite3.Connection = real_connect(*args, **kwargs)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)  # what SQLAlchemy's driver calls
    store.engine.dispose()
    yield FaultyConnection
    FaultyConnection.fault = None
    monkeypatch.undo()
    store.engine.dispose()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("fault", "english"),
    [
        (
            "disk I/O error",
            "The disk reported an error while saving: nothing was saved. Check the disk.",
        ),
        (
            "attempt to write a readonly database",
            "The data folder is read-only: nothing was saved.",
        ),
        (
            "database or disk is full",
            "The disk is full: nothing was saved. Free some space and retry.",
        ),
    ],
)
def test_a_commit_that_fails_saves_nothing(
    store: Store, faulty: type[FaultyConnection], fault: str, english: str
) -> None:
    case = cases.open_case(store, "保存失败", template_key="company_landing").value
    before = dump(store)
    faulty.fault = fault
    with pytest.raises(StorageError) as raised:
        communications.log(store, case_id=case.id, notes="never saved")
    assert raised.value.message("en") == english
    faulty.fault = None
    assert dump(store) == before
    assert integrity(store) == ["ok"]


# -- attachments ----------------------------------------------------------------------------


class FailingFile:
    """A file object that writes ``allowed`` bytes, then fails like a full disk."""

    def __init__(self, real: Any, allowed: int, error: BaseException) -> None:
        self.real = real
        self.allowed = allowed
        self.error = error

    def write(self, data: bytes) -> int:
        if len(data) > self.allowed:
            self.real.write(data[: self.allowed])
            self.real.flush()  # the partial content really is on disk
            self.allowed = 0
            raise self.error
        self.allowed -= len(data)
        result: int = self.real.write(data)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def failing_fdopen(allowed: int, error: BaseException) -> Callable[..., Any]:
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return FailingFile(real_fdopen(fd, *args, **kwargs), allowed, error)

    return fdopen


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    path = tmp_path / "big scan.pdf"
    path.write_bytes(os.urandom(3 * 1024 * 1024))  # several chunks of the copy
    return path


@pytest.fixture
def document_id(store: Store) -> int:
    case = cases.open_case(store, "附件", template_key="company_landing").value
    return document_queries.for_case(store, case.id)[0].id


def _oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("where", "code", "reason"),
    [
        ("write", errno.ENOSPC, "the disk is full"),
        ("write", errno.EIO, "the disk reported a read or write error"),
        ("fsync", errno.EIO, "the disk reported a read or write error"),
        ("fsync", errno.ENOSPC, "the disk is full"),
        ("replace", errno.EROFS, "the disk or folder is read-only"),
    ],
)
def test_an_attachment_that_cannot_be_written_leaves_no_file(
    store: Store,
    scan: Path,
    document_id: int,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    code: int,
    reason: str,
) -> None:
    before = dump(store)
    if where == "write":
        monkeypatch.setattr(os, "fdopen", failing_fdopen(1024 * 1024 + 10, _oserror(code)))
    elif where == "fsync":

        def fsync(_fd: int) -> None:
            raise _oserror(code)

        monkeypatch.setattr(os, "fsync", fsync)
    else:

        def replace(*_args: Any) -> None:
            raise _oserror(code)

        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(StorageError) as raised:
        documents.attach_file(store, document_id, scan)
    monkeypatch.undo()
    assert raised.value.message("en") == (
        f"The file big scan.pdf could not be stored: {reason}. Nothing was saved."
    )
    assert files_in(store.files_dir) == []
    assert dump(store) == before
    # Once the disk is well again, the same file goes in whole.
    sha = documents.attach_file(store, document_id, scan).value.files[0].sha256
    assert filestore.verify(store.files_dir, sha)


@pytest.mark.sqlite_only
def test_an_interrupted_copy_leaves_no_file(
    store: Store, scan: Path, document_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fdopen", failing_fdopen(2 * 1024 * 1024, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        documents.attach_file(store, document_id, scan)
    assert files_in(store.files_dir) == []


# -- backups, archives and restores ---------------------------------------------------------


def _state(store: Store) -> tuple[Dump, list[str]]:
    return dump(store), sorted(p.name for p in store.backups_dir.iterdir())


@pytest.mark.sqlite_only
def test_a_backup_on_a_full_disk_leaves_nothing_and_keeps_the_older_ones(
    store: Store, tmp_path: Path, document_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(b"x" * 50_000)
    documents.attach_file(store, document_id, source)
    older = backup.make_backup(store, "manual").backup
    assert older is not None
    communications.log(store, notes="since")
    source.write_bytes(b"y" * 50_000)
    documents.attach_file(store, document_id, source)  # a new file: copied, not linked
    before = _state(store)
    monkeypatch.setattr(os, "fdopen", failing_fdopen(1000, _oserror(errno.ENOSPC)))
    with pytest.raises(StorageError) as raised:
        backup.make_backup(store, "quit")
    monkeypatch.undo()
    assert raised.value.message("en") == (
        "No backup was made: the disk is full. Your data is unchanged."
    )
    assert _state(store) == before
    assert backup.verify_backup(older) == older


@pytest.mark.sqlite_only
def test_a_backup_whose_copy_fills_the_disk_leaves_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup.make_backup(store, "manual")
    communications.log(store, notes="since")
    before = _state(store)
    real_connect = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real_connect(database, *args, **kwargs)
        if ".partial-" in str(database):  # the copy being written: a real SQLITE_FULL
            conn.execute("PRAGMA max_page_count = 3")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(StorageError) as raised:
        backup.make_backup(store, "quit")
    monkeypatch.undo()
    assert raised.value.message("en") == (
        "No backup was made: the disk is full. Your data is unchanged."
    )
    assert _state(store) == before


def test_an_archive_on_a_full_disk_leaves_no_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "all.zip"
    target.parent.mkdir()
    monkeypatch.setattr(os, "fdopen", failing_fdopen(2000, _oserror(errno.ENOSPC)))
    with pytest.raises(StorageError) as raised:
        archive.export_archive(store, target)
    monkeypatch.undo()
    assert raised.value.message("en") == (
        f"The archive {target} could not be written: the disk is full"
    )
    assert list(target.parent.iterdir()) == []
    assert not [p for p in store.data_dir.iterdir() if p.name.startswith(".")]


@pytest.mark.sqlite_only
def test_a_restore_that_fills_the_disk_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = backup.make_backup(store, "manual").backup
    for n in range(50):
        communications.log(store, notes=f"kept {n} " + "留" * 500)
    big = backup.make_backup(store, "manual").backup
    assert small is not None
    assert big is not None
    store.close()
    restore.restore_backup(store.data_dir, small.id)  # the live database is small again
    reopened = open_store(store.data_dir, clock=store.clock)
    communications.log(reopened, notes="the newest state")
    before = dump(reopened)
    reopened.close()
    real_connect = sqlite3.connect
    real_install = restore.install_database
    installing = False

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real_connect(database, *args, **kwargs)
        if installing and str(database) == str(store.database_path):
            conn.execute("PRAGMA max_page_count = 5")  # as small as it is: it cannot grow
        return conn

    def install(*args: Any, **kwargs: Any) -> None:
        nonlocal installing
        installing = True
        try:
            real_install(*args, **kwargs)
        finally:
            installing = False

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(restore, "install_database", install)
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(store.data_dir, big.id)
    monkeypatch.undo()
    assert raised.value.message("en") == (
        "Nothing was restored: the disk is full. Your data is as it was."
    )
    reopened = open_store(store.data_dir, clock=store.clock)
    try:
        assert dump(reopened) == before
        assert integrity(reopened) == ["ok"]
    finally:
        reopened.close()
