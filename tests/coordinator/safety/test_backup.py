"""Backups: what one holds, when one is skipped, verification before pruning, the rolling
policy, restore (also killed half-way), the app's lock, and the CLI commands."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from coordinator.cli import safety as cli_safety
from coordinator.errors import NotFoundError, StorageError, ValidationError
from coordinator.paths import DATABASE_NAME, PROJECT_DIR
from coordinator.queries import documents as document_queries
from coordinator.safety import backup, catalogue, copying, opening, restore, retention
from coordinator.safety.catalogue import BackupInfo
from coordinator.safety.copying import Progress
from coordinator.safety.opening import open_store
from coordinator.safety.retention import RetentionPolicy
from coordinator.services import cases, communications, documents
from coordinator.store import filestore
from coordinator.store.migrate import SCHEMA_HEAD
from coordinator.store.storage import Store
from tests.coordinator.safety.conftest import records, server_state, server_url

if TYPE_CHECKING:
    from tests.conftest import FixedClock, Refused

Rows = list[tuple[str, list[tuple[Any, ...]]]]


def dump(path: Path) -> Rows:
    """Every table of a database file, read-only, rows in a stable order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return [
            (n, sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)) for n in names
        ]
    finally:
        conn.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def attach(store: Store, tmp_path: Path, content: bytes, name: str = "scan.pdf") -> str:
    case = cases.open_case(store, f"备份 {name}", template_key="company_landing").value
    document = document_queries.for_case(store, case.id)[0]
    source = tmp_path / name
    source.write_bytes(content)
    return documents.attach_file(store, document.id, source).value.files[-1].sha256


def manifest(info: BackupInfo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((info.path / "manifest.json").read_text())
    return data


# -- what a backup holds ---------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_backup_holds_the_database_and_its_attachments_verified(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    sha = attach(store, tmp_path, b"%PDF-1.4 licence scan\n" * 300)
    communications.log(store, raw_number="138 0013 8000", notes="第一通电话")
    seen: list[Progress] = []

    result = backup.make_backup(store, "manual", progress=seen.append)

    info = result.backup
    assert info is not None
    assert not result.skipped
    assert info.id == "20250609-090000-manual"
    assert info.path == store.backups_dir / info.id
    assert (info.created_at, info.reason, info.schema_revision) == (
        clock.now,
        "manual",
        SCHEMA_HEAD,
    )
    assert info.verified
    assert info.complete
    assert info.check == "integrity_check"
    copy = info.path / DATABASE_NAME
    assert dump(copy) == dump(store.database_path)
    # Self-contained: rollback-journal mode in the header, no -wal file needed beside it.
    assert copy.read_bytes()[18:20] == b"\x01\x01"
    assert info.database_size == copy.stat().st_size
    assert info.database_sha256 == filestore.file_sha256(copy)
    stored = filestore.path_for(info.path / "files", sha)
    assert filestore.file_sha256(stored) == sha
    assert (info.file_count, info.files_size) == (1, stored.stat().st_size)
    assert info.size == info.database_size + info.files_size
    assert manifest(info)["marker"] == backup.change_marker(store)
    # Privacy: owner-only, all the way down.
    for path in (store.backups_dir, info.path, stored.parent, stored.parent.parent):
        assert mode(path) == 0o700, path
    for path in (copy, stored, info.path / "manifest.json"):
        assert mode(path) == 0o600, path
    assert {p.stage for p in seen} >= {"database", "files", "verify"}
    database_steps = [p for p in seen if p.stage == "database"]
    assert database_steps[-1].done == database_steps[-1].total > 0
    assert catalogue.list_backups(store.data_dir) == [info]


@pytest.mark.sqlite_only
def test_automatic_backups_are_skipped_when_nothing_changed(
    store: Store, clock: FixedClock
) -> None:
    first = backup.make_backup(store, "quit").backup
    assert first is not None
    clock.advance(hours=3)
    assert backup.make_backup(store, "periodic") == backup.BackupResult(None, True)
    assert backup.make_backup(store, "quit").skipped

    record = communications.log(store, notes="a call").value
    clock.advance(minutes=1)
    second = backup.make_backup(store, "periodic").backup
    assert second is not None
    # Changes without new rows move the marker too: every service change appends an event.
    for change in (
        lambda: communications.update(store, record.id, notes="changed"),
        lambda: communications.delete(store, record.id),
    ):
        before = backup.change_marker(store)
        change()
        assert backup.change_marker(store) != before
    clock.advance(minutes=1)
    assert not backup.make_backup(store, "quit").skipped
    # Made by hand, or before something risky: always.
    clock.advance(minutes=1)
    assert backup.make_backup(store, "manual").backup is not None
    assert backup.make_backup(store, "before-repair").backup is not None
    with pytest.raises(ValueError, match="reason"):
        backup.make_backup(store, "whenever")


@pytest.mark.sqlite_only
def test_attachments_are_linked_between_backups_but_copied_from_the_data_folder(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    sha = attach(store, tmp_path, b"contract scan " * 1000)
    first = backup.make_backup(store, "manual").backup
    communications.log(store, notes="later")
    clock.advance(days=1)
    second = backup.make_backup(store, "manual").backup
    assert first is not None
    assert second is not None
    live = filestore.path_for(store.files_dir, sha)
    one = filestore.path_for(first.path / "files", sha)
    two = filestore.path_for(second.path / "files", sha)
    assert one.stat().st_ino == two.stat().st_ino  # a new backup costs no copy of old files
    assert one.stat().st_ino != live.stat().st_ino
    # A file damaged in place in the data folder leaves the backups' copy intact.
    live.write_bytes(b"bit rot")
    assert filestore.file_sha256(two) == sha


@pytest.mark.sqlite_only
def test_a_damaged_attachment_is_left_out_and_named(store: Store, tmp_path: Path) -> None:
    sha = attach(store, tmp_path, b"minutes " * 100)
    filestore.path_for(store.files_dir, sha).write_bytes(b"overwritten")
    info = backup.make_backup(store, "manual").backup
    assert info is not None
    assert info.unavailable_files == (sha,)
    assert not info.complete
    assert info.verified
    assert info.file_count == 0
    assert not filestore.path_for(info.path / "files", sha).exists()


@pytest.mark.sqlite_only
def test_the_copy_is_one_snapshot_while_the_app_keeps_writing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(300):  # enough pages for many one-page steps
        communications.log(store, notes=f"before {n} " + "备注" * 40)
    monkeypatch.setattr(copying, "PAGES_PER_STEP", 1)
    stop = threading.Event()
    writing = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(communications.log(store, notes="during").value.id)
            writing.set()

    during: list[int] = []
    deadline = time.monotonic() + 15

    def step(p: Progress) -> None:
        if p.stage == "database":
            during.append(len(written))
            if time.monotonic() > deadline:  # a copy that keeps starting over fails here
                raise AssertionError("the copy never finishes while the app writes")
            time.sleep(0.001)  # a slow disk: the app gets to write between steps

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        info = backup.make_backup(store, "manual", progress=step).backup
    finally:
        stop.set()
        thread.join()
    assert info is not None
    assert during[-1] > during[0], "the app did not write while the copy was made"
    conn = sqlite3.connect(f"file:{info.path / DATABASE_NAME}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = [i for (i,) in conn.execute("SELECT id FROM communications ORDER BY id")]
        events = conn.execute(
            "SELECT count(*) FROM events WHERE entity = 'communication' AND field = 'logged'"
        ).fetchone()[0]
    finally:
        conn.close()
    # A snapshot: a gap-free prefix of the ids, one event per communication in it, and
    # nothing of what was written after the copy began.
    assert ids == list(range(1, len(ids) + 1))
    assert events == len(ids)
    assert 300 <= len(ids) <= 300 + during[0]


# -- verification before pruning, and cleaning up --------------------------------------------


@pytest.mark.sqlite_only
def test_a_copy_failing_its_check_is_not_kept_and_prunes_nothing(
    store: Store, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    retention.set_retention_policy(store, daily=1, weekly=0, monthly=0)
    made = []
    for _ in range(2):
        communications.log(store, notes="x")
        made.append(backup.make_backup(store, "quit").backup)
        clock.advance(days=1)
    assert [b.id for b in catalogue.list_backups(store.data_dir)] == [made[-1].id]  # type: ignore[union-attr]
    communications.log(store, notes="y")
    monkeypatch.setattr(copying, "run_check", lambda *_a, **_k: ["*** in database main ***"])
    with pytest.raises(StorageError) as info:
        backup.make_backup(store, "quit")
    assert info.value.message("en") == (
        "No backup was made: the copy of the database fails its integrity check "
        "(*** in database main ***). Run “Check data”."
    )
    assert [b.id for b in catalogue.list_backups(store.data_dir)] == [made[-1].id]  # type: ignore[union-attr]
    assert sorted(p.name for p in store.backups_dir.iterdir()) == [made[-1].id]  # type: ignore[union-attr]


def test_cancelling_through_progress_leaves_nothing(
    store: Store, tmp_path: Path, on_server: bool
) -> None:
    attach(store, tmp_path, b"a" * 5000)

    class CancelledError(Exception):
        pass

    # A server's dump holds the attachments: no stage of their own there.
    stages = ("database", "verify") if on_server else ("database", "files", "verify")
    for stage in stages:

        def cancel(p: Progress, stage: str = stage) -> None:
            if p.stage == stage:
                raise CancelledError(stage)

        with pytest.raises(CancelledError):
            backup.make_backup(store, "manual", progress=cancel)
        assert list(store.backups_dir.iterdir()) == [], stage


def test_leftovers_of_a_crashed_backup_are_removed_later_not_listed(store: Store) -> None:
    old = store.backups_dir / ".partial-20250101-000000-quit"
    old.mkdir()
    (old / DATABASE_NAME).write_bytes(b"half")
    recent = store.backups_dir / ".partial-20250609-085959-quit"
    recent.mkdir()
    stale = time.time() - 2 * 3600
    os.utime(old, (stale, stale))
    foreign = store.backups_dir / "my notes"
    foreign.mkdir()
    assert catalogue.list_backups(store.data_dir) == []
    backup.make_backup(store, "manual")
    names = {p.name for p in store.backups_dir.iterdir()}
    assert old.name not in names
    assert {recent.name, foreign.name} <= names  # perhaps another process's; not ours


# -- the rolling policy ----------------------------------------------------------------------


def fake(moment: datetime, reason: str = "quit") -> BackupInfo:
    return BackupInfo(
        id=f"{moment:%Y%m%d-%H%M%S}-{reason}",
        path=Path("/nowhere"),
        created_at=moment,
        reason=reason,
        schema_revision="0002",
        marker="",
        database_size=1,
        database_sha256="",
        file_count=0,
        files_size=0,
        unavailable_files=(),
        verified_at=moment,
        check="integrity_check",
    )


def test_retention_keeps_days_then_weeks_then_months() -> None:
    start = datetime(2024, 1, 1, 18, 0)
    every_day = [fake(start + timedelta(days=n)) for n in range(500)]
    twice_today = fake(every_day[-1].created_at + timedelta(hours=2))
    backups = [*every_day, twice_today]
    now = twice_today.created_at
    keep = retention.plan_retention(backups, RetentionPolicy(12, 10, 9), now)

    def newest_per(period: Callable[[datetime], Hashable], count: int) -> set[str]:
        best: dict[Any, BackupInfo] = {}
        for b in backups:
            key = period(b.created_at)
            if key not in best or b.created_at > best[key].created_at:
                best[key] = b
        return {best[key].id for key in sorted(best, reverse=True)[:count]}

    expected = (
        newest_per(lambda d: d.date(), 12)
        | newest_per(lambda d: tuple(d.isocalendar())[:2], 10)
        | newest_per(lambda d: (d.year, d.month), 9)
    )
    assert keep == expected
    assert twice_today.id in keep
    assert every_day[-1].id not in keep
    assert 12 <= len(keep) <= 31

    # A safety backup is kept a month whatever the counts; one older than that is not.
    recent = fake(now - timedelta(days=29), "before-restore")
    old = fake(now - timedelta(days=31), "manual")
    keep = retention.plan_retention([*backups, recent, old], RetentionPolicy(1, 0, 0), now)
    assert keep == {twice_today.id, recent.id}
    assert retention.plan_retention([], RetentionPolicy(), now) == frozenset()
    assert retention.plan_retention([old], RetentionPolicy(0, 0, 0), now) == {old.id}


def test_pruning_follows_the_stored_policy(store: Store, clock: FixedClock) -> None:
    retention.set_retention_policy(store, daily=3, weekly=0, monthly=0)
    ids = []
    for _day in range(6):
        communications.log(store, notes="one more day")
        # Forced: on an office server quit backups are otherwise left to the server.
        result = backup.make_backup(store, "quit", force=True)
        assert result.backup is not None
        ids.append(result.backup.id)
        clock.advance(days=1)
    assert [b.id for b in catalogue.list_backups(store.data_dir)] == ids[:-4:-1]
    assert sorted(p.name for p in store.backups_dir.iterdir()) == sorted(ids[-3:])


def test_the_policy_is_a_setting(store: Store, refused: Refused) -> None:
    assert retention.retention_policy(store) == RetentionPolicy(12, 10, 9)
    outcome = retention.set_retention_policy(store, daily=7, weekly=4, monthly=12)
    assert outcome.value == RetentionPolicy(7, 4, 12)
    assert outcome.changes.touches("setting")
    assert retention.retention_policy(store) == RetentionPolicy(7, 4, 12)
    assert not retention.set_retention_policy(store, daily=7, weekly=4, monthly=12).changes
    refused(
        ValidationError,
        "Weekly backups kept must be a whole number from 0 to 999.",
        retention.set_retention_policy,
        store,
        daily=1,
        weekly=-1,
        monthly=1,
    )
    refused(
        ValidationError,
        "Daily backups kept must be a whole number from 0 to 999.",
        retention.set_retention_policy,
        store,
        daily=1000,
        weekly=1,
        monthly=1,
    )


def test_backup_due(store: Store, clock: FixedClock, on_server: bool) -> None:
    if on_server:  # never from a laptop: the server's regular backups are the server's
        assert not catalogue.backup_due(store)
        backup.make_backup(store, "manual")
        clock.advance(days=30)
        assert not catalogue.backup_due(store)
        assert backup.make_backup(store, "periodic") == backup.BackupResult(None, True)
        return
    assert catalogue.backup_due(store)
    backup.make_backup(store, "manual")
    clock.advance(hours=2, minutes=59)
    assert not catalogue.backup_due(store)
    clock.advance(minutes=1)
    assert catalogue.backup_due(store)
    assert not catalogue.backup_due(store, timedelta(hours=4))


# -- restore ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_restore_puts_the_backup_back_and_keeps_the_state_before(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    kept = attach(store, tmp_path, b"kept file " * 100, "kept.pdf")
    communications.log(store, notes="before the backup")
    chosen = backup.make_backup(store, "manual").backup
    assert chosen is not None
    backed_up = dump(store.database_path)
    clock.advance(hours=1)
    later = attach(store, tmp_path, b"later file " * 100, "later.pdf")
    communications.log(store, notes="after the backup")
    filestore.path_for(store.files_dir, kept).unlink()  # lost since
    after = dump(store.database_path)
    store.close()

    result = restore.restore_backup(store.data_dir, chosen.id, clock=clock)

    assert result.restored == chosen
    assert result.set_aside is None
    assert result.safety is not None
    assert result.safety.reason == "before-restore"
    assert dump(store.database_path) == backed_up
    assert dump(result.safety.path / DATABASE_NAME) == after
    assert filestore.verify(store.files_dir, kept)
    assert not filestore.path_for(store.files_dir, later).exists()  # only the old state used it
    assert filestore.verify(result.safety.path / "files", later)  # ... and it is kept there
    conn = sqlite3.connect(store.database_path)
    notes = {n for (n,) in conn.execute("SELECT notes FROM communications")}
    conn.close()
    assert notes == {"before the backup"}
    reopened = open_store(store.data_dir, clock=clock)
    try:
        from coordinator.safety.checks import check_store

        assert check_store(reopened).ok
    finally:
        reopened.close()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    store: Store, clock: FixedClock
) -> None:
    communications.log(store, notes="x")
    info = backup.make_backup(store, "manual").backup
    assert info is not None
    copy = info.database_file
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    store.close()
    before = records(store.data_dir), server_state(store.data_dir)
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(store.data_dir, info.id)
    assert raised.value.message("en") == (
        f"The backup {info.id} is damaged: its database file has changed since it was made."
    )
    assert (records(store.data_dir), server_state(store.data_dir)) == before
    assert [b.id for b in catalogue.list_backups(store.data_dir)] == [info.id]  # no safety copy
    with pytest.raises(NotFoundError) as missing:
        restore.restore_backup(store.data_dir, "20990101-000000-manual")
    assert missing.value.message("en") == "There is no backup “20990101-000000-manual”."


def test_restore_refuses_a_backup_from_a_newer_version(store: Store) -> None:
    info = backup.make_backup(store, "manual").backup
    assert info is not None
    data = manifest(info)
    data["schema_revision"] = "9999"
    (info.path / "manifest.json").write_text(json.dumps(data))
    store.close()
    before = records(store.data_dir), server_state(store.data_dir)
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(store.data_dir, str(info.path))  # by folder path, too
    assert raised.value.message("en") == (
        f"The backup {info.id} comes from a newer version of Liaison Hub (schema 9999). "
        "Update Liaison Hub, then restore it."
    )
    assert (records(store.data_dir), server_state(store.data_dir)) == before


_RESTORE_CHILD = """
import sys, time
from pathlib import Path
from coordinator.safety import copying, restore
copying.PAGES_PER_STEP = 1
def slow(p):
    if p.stage == "restore" and p.total > 50:
        print("step", flush=True)
        time.sleep(0.002)
restore.restore_backup(Path(sys.argv[1]), sys.argv[2], progress=slow)
print("done", flush=True)
"""


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_a_restore_killed_half_way_leaves_the_database_as_it_was(
    store: Store, clock: FixedClock
) -> None:
    for n in range(200):
        communications.log(store, notes=f"old {n} " + "旧" * 1000)
    info = backup.make_backup(store, "manual").backup
    assert info is not None
    old_state = dump(info.path / DATABASE_NAME)
    for n in range(200):
        communications.log(store, notes=f"new {n} " + "新" * 1000)
    new_state = dump(store.database_path)
    assert old_state != new_state
    store.close()
    with subprocess.Popen(
        [sys.executable, "-c", _RESTORE_CHILD, str(store.data_dir), info.id],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
    ) as child:
        assert child.stdout is not None
        steps = 0
        for line in child.stdout:
            steps += line.startswith("step")
            if steps == 20:
                child.send_signal(signal.SIGKILL)
                break
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(store.database_path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    # Killed inside the restore's one transaction: the database is the one it replaced.
    assert dump(store.database_path) == new_state
    open_store(store.data_dir, clock=clock).close()
    # Run to the end, it is the backup's.
    restore.restore_backup(store.data_dir, info.id)
    assert dump(store.database_path) == old_state


# -- the app's lock --------------------------------------------------------------------------


def test_the_lock_file_name_is_the_apps() -> None:
    source = (PROJECT_DIR / "ui" / "single_instance.py").read_text()
    assert re.search(r'^LOCK_NAME = "([^"]+)"', source, re.M)[1] == opening.LOCK_NAME  # type: ignore[index]


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_data_folder_in_use_follows_the_live_lock(tmp_path: Path) -> None:
    import fcntl

    lock = tmp_path / opening.LOCK_NAME
    assert not opening.data_folder_in_use(tmp_path)
    lock.write_text("999999\npython3\nhost\n")  # left by a crash: nobody holds it
    assert not opening.data_folder_in_use(tmp_path)
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as QLockFile does
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path;"
                "from coordinator.safety.opening import data_folder_in_use as u;"
                "sys.exit(0 if u(Path(sys.argv[1])) else 1)",
                str(tmp_path),
            ],
            cwd=PROJECT_DIR,
            check=False,
        )
        assert holder.returncode == 0
    finally:
        os.close(fd)
    assert not opening.data_folder_in_use(tmp_path)


# -- the commands ----------------------------------------------------------------------------


def command(data_dir: Path, *argv: str) -> int | None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    cli_safety.register(parser.add_subparsers(dest="command"))
    return cli_safety.run(parser.parse_args(["--data-dir", str(data_dir), *argv]))


def test_backup_commands(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    on_server: bool,
) -> None:
    communications.log(store, notes="x")
    store.close()
    folder = store.data_dir
    assert command(folder, "backups") == 0
    said = capsys.readouterr().out
    if on_server:  # which backups these are, first
        header, said = said.split("\n", 1)
        assert header.startswith(f"The data is on the office server {server_url(folder)}.")
    assert said == "No backups yet.\n"
    assert command(folder, "backup") == 0
    out = capsys.readouterr().out
    (made,) = catalogue.list_backups(folder)
    assert out == f"Backup {made.id} written to {made.path} ({made.size / 2**20:.1f} MB).\n"
    assert command(folder, "backups") == 0
    listed = capsys.readouterr().out
    assert made.id in listed
    assert made.on_server == on_server
    assert "made by hand" in listed
    assert "verified" in listed
    assert command(folder, "backup-policy", "--daily", "5") == 0
    assert capsys.readouterr().out == "Backups kept: 5 daily, 10 weekly, 9 monthly.\n"
    assert command(folder, "backup-policy", "--weekly", "1000") == 2
    assert "from 0 to 999" in capsys.readouterr().err

    assert command(folder, "restore", made.id) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Restored the backup {made.id} of ")
    assert "The state before the restore is in the backup " in out

    monkeypatch.setattr(opening, "data_folder_in_use", lambda _d: True)
    assert command(folder, "restore", made.id) == 2
    assert capsys.readouterr().err == (
        f"Error: Liaison Hub is open on the data folder {folder}: quit it first, then run "
        "this again.\n"
    )
    assert command(folder, "restore", "nothing-like-it") == 2
    assert cli_safety.run(argparse.Namespace(command="info")) is None  # not one of these
