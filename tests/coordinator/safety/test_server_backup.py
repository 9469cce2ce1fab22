"""Backups of an office server's database with the server's own tools, in every run:
what one holds, when none is made, restore (cancelled and killed too), the tools' words
when they are missing or too old, and the commands.

Each test's team store is a database of its own on the run's PostgreSQL server, named
by the data folder's settings as on an officer's laptop.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from coordinator.cli import commands as cli_commands
from coordinator.cli import safety as cli_safety
from coordinator.errors import StorageError
from coordinator.paths import DATABASE_NAME, PROJECT_DIR
from coordinator.safety import backup, catalogue, pg_tools, restore, retention, server_backup
from coordinator.safety.copying import Progress
from coordinator.safety.opening import open_store
from coordinator.services import communications
from coordinator.store import migrate
from coordinator.store.content import content_for
from coordinator.store.local_settings import set_database_url, shown_url
from coordinator.store.models import ChangeNote
from coordinator.store.storage import Store
from tests.conftest import FixedClock, database_fingerprint, keep_sqlite_file
from tests.coordinator.safety.conftest import attach, backup_text, ordered_rows
from tests.postgres_server import PostgresServer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _copy_rows(info: catalogue.BackupInfo, table: str) -> list[dict[str, str]]:
    """The rows of one table as the dump holds them (pg_restore's COPY text)."""
    script = backup_text(info)
    match = re.search(
        rf"^COPY public\.{table} \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", script, re.M | re.S
    )
    assert match is not None, table
    names = [n.strip().strip('"') for n in match.group(1).split(",")]
    return [dict(zip(names, line.split("\t"), strict=True)) for line in match.group(2).splitlines()]


# -- what a backup holds ---------------------------------------------------------------------


def test_a_server_backup_is_the_servers_own_dump(
    team: Store, tmp_path: Path, clock: FixedClock
) -> None:
    attach(team, tmp_path, b"%PDF-1.4 licence " * 200, "licence.pdf")
    communications.log(team, notes="第一通电话")
    seen: list[Progress] = []

    result = backup.make_backup(team, "manual", progress=seen.append)

    info = result.backup
    assert info is not None
    assert not result.skipped
    assert info.id == "20250609-090000-manual"
    assert info.on_server
    assert info.engine == "postgresql"
    assert info.server == shown_url(team.url) == team.where
    assert info.database_file == team.backups_dir / info.id / "liaison-hub.dump"
    assert info.database_file.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not (info.path / DATABASE_NAME).exists()
    assert not (info.path / "files").exists()  # the attachments are in the dump
    assert (info.file_count, info.files_size) == (1, 0)
    assert info.size == info.database_size == info.database_file.stat().st_size
    assert info.verified
    assert info.check == "integrity_check"
    assert info.schema_revision == migrate.SCHEMA_HEAD
    assert info.marker == backup.change_marker(team)
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["tools"].startswith("pg_dump (PostgreSQL) ")
    for path in (team.backups_dir, info.path):
        assert mode(path) == 0o700, path
    for path in (info.database_file, info.path / "manifest.json"):
        assert mode(path) == 0o600, path
    assert {p.stage for p in seen} >= {"database", "verify"}
    assert "第一通电话" in backup_text(info)
    assert [row["notes"] for row in _copy_rows(info, "communications")] == ["第一通电话"]
    assert len(_copy_rows(info, "file_chunks")) == 1
    assert catalogue.backups_for(team.data_dir, team.url) == [info]
    assert catalogue.backups_for(team.data_dir, None) == []  # not the laptop's file's
    assert backup.verify_backup(info) == info


def test_automatic_backups_are_left_to_the_server(team: Store, clock: FixedClock) -> None:
    assert not catalogue.backup_due(team)
    for reason in ("quit", "periodic"):
        assert backup.make_backup(team, reason) == catalogue.BackupResult(None, True)
    clock.advance(days=3)
    assert not catalogue.backup_due(team)
    assert list(team.backups_dir.iterdir()) == []
    # Made by hand, before something risky, or when forced: always.
    assert backup.make_backup(team, "manual").backup is not None
    assert backup.make_backup(team, "before-repair").backup is not None
    assert backup.make_backup(team, "quit", force=True).backup is not None
    before = backup.change_marker(team)
    communications.log(team, notes="a change")
    assert backup.change_marker(team) != before
    with pytest.raises(ValueError, match="reason"):
        backup.make_backup(team, "whenever")


def test_the_dump_is_one_snapshot_while_the_officers_keep_writing(team: Store) -> None:
    for n in range(200):
        communications.log(team, notes=f"before {n} " + "备注" * 40)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(communications.log(team, notes="during").value.id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        info = backup.make_backup(team, "manual").backup
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert info is not None
    ids = [int(row["id"]) for row in _copy_rows(info, "communications")]
    logged = [
        row
        for row in _copy_rows(info, "events")
        if row["entity"] == "communication" and row["field"] == "logged"
    ]
    # One snapshot: a gap-free prefix of the ids, one event for each, and the facts the
    # manifest records were read in that same snapshot.
    assert sorted(ids) == list(range(1, len(ids) + 1))
    assert len(logged) == len(ids)
    assert 205 <= len(ids) <= 200 + during


# -- restore ---------------------------------------------------------------------------------


def test_a_restore_puts_the_server_back_and_keeps_the_state_before(
    team: Store, tmp_path: Path, clock: FixedClock
) -> None:
    kept = attach(team, tmp_path, b"kept scan " * 100, "kept.pdf")
    communications.log(team, notes="before the backup")
    chosen = backup.make_backup(team, "manual").backup
    assert chosen is not None
    backed_up = ordered_rows(team)
    clock.advance(hours=1)
    later = attach(team, tmp_path, b"later scan " * 100, "later.pdf")
    communications.log(team, notes="after the backup")
    with team.engine.begin() as conn:  # as a newer version's table would be
        conn.execute(text("CREATE TABLE from_a_newer_version (id integer)"))
    with team.read() as session:
        newest_note = session.scalar(select(func.max(ChangeNote.id)))
    data_dir = team.data_dir
    team.close()

    result = restore.restore_backup(data_dir, chosen.id, clock=clock)

    assert result.restored == chosen
    assert result.set_aside is None
    assert result.safety is not None
    assert result.safety.reason == "before-restore"
    assert result.safety.on_server
    assert "after the backup" in backup_text(result.safety)
    reopened = open_store(data_dir, clock=clock)
    try:
        assert ordered_rows(reopened) == backed_up
        with reopened.engine.connect() as conn:
            tables = conn.scalars(text("SELECT tablename FROM pg_tables")).all()
        assert "from_a_newer_version" not in tables
        assert content_for(reopened).state(kept) == "intact"
        assert content_for(reopened).state(later) == "missing"
        # Saved after the restore: a note past every one the officers' screens had read.
        note = communications.log(reopened, notes="after the restore")
        assert note.value.id
        with reopened.read() as session:
            assert session.scalar(select(func.max(ChangeNote.id))) > newest_note
        from coordinator.safety.checks import check_store

        assert [f.code for f in check_store(reopened).findings if f.code != "calendar"] == []
    finally:
        reopened.close()


def test_a_cancelled_restore_changes_nothing(team: Store, clock: FixedClock) -> None:
    communications.log(team, notes="old")
    chosen = backup.make_backup(team, "manual").backup
    assert chosen is not None
    communications.log(team, notes="new")
    before = database_fingerprint(team)
    data_dir = team.data_dir
    team.close()

    class CancelledError(Exception):
        pass

    def cancel(progress: Progress) -> None:
        if progress.stage == "restore":
            raise CancelledError

    with pytest.raises(CancelledError):
        restore.restore_backup(data_dir, chosen.id, progress=cancel, clock=clock)
    reopened = open_store(data_dir, clock=clock)
    try:
        assert database_fingerprint(reopened) == before
    finally:
        reopened.close()


_RESTORE_CHILD = """
import sys, time
from pathlib import Path
from coordinator.safety import restore
def slow(p):
    if p.stage == "restore":
        print("step", flush=True)
        time.sleep(0.05)
restore.restore_backup(Path(sys.argv[1]), sys.argv[2], progress=slow)
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_restore_killed_half_way_leaves_the_server_as_it_was(
    team: Store, clock: FixedClock
) -> None:
    for n in range(300):
        communications.log(team, notes=f"old {n} " + "旧" * 1000)
    chosen = backup.make_backup(team, "manual").backup
    assert chosen is not None
    for n in range(300):
        communications.log(team, notes=f"new {n} " + "新" * 1000)
    before = database_fingerprint(team)
    data_dir = team.data_dir
    team.close()
    with subprocess.Popen(
        [sys.executable, "-c", _RESTORE_CHILD, str(data_dir), chosen.id],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("step"):
                child.send_signal(signal.SIGKILL)
                break
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    time.sleep(1)  # psql, left behind, reads the end of its input and leaves uncommitted
    reopened = open_store(data_dir, clock=clock)
    try:
        assert database_fingerprint(reopened) == before
    finally:
        reopened.close()
    restore.restore_backup(data_dir, chosen.id)  # run to its end, it is the backup's
    reopened = open_store(data_dir, clock=clock)
    try:
        with reopened.read() as session:
            from coordinator.store.models import Communication

            assert session.scalar(select(func.count()).select_from(Communication)) == 300
    finally:
        reopened.close()


def test_a_damaged_dump_is_refused_and_changes_nothing(team: Store, clock: FixedClock) -> None:
    communications.log(team, notes="x")
    info = backup.make_backup(team, "manual").backup
    assert info is not None
    data = bytearray(info.database_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    info.database_file.write_bytes(bytes(data))
    before = database_fingerprint(team)
    data_dir = team.data_dir
    team.close()
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(data_dir, info.id)
    assert raised.value.message("en") == (
        f"The backup {info.id} is damaged: its database file has changed since it was made."
    )
    # Damaged before its checksum was taken (a disk that lied): PostgreSQL says so.
    manifest = json.loads((info.path / "manifest.json").read_text())
    cut = info.database_file.read_bytes()[:2000]
    info.database_file.write_bytes(cut)
    manifest["database"]["size"] = len(cut)
    manifest["database"]["sha256"] = __import__("hashlib").sha256(cut).hexdigest()
    (info.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(data_dir, info.id)
    assert raised.value.message("en").startswith(
        f"The backup {info.id} is damaged: PostgreSQL cannot read it ("
    )
    assert [b.id for b in catalogue.list_backups(data_dir)] == [info.id]  # no safety copy
    reopened = open_store(data_dir, clock=clock)
    try:
        assert database_fingerprint(reopened) == before
    finally:
        reopened.close()


def test_a_backup_goes_back_only_where_it_belongs(
    team: Store, tmp_path: Path, clock: FixedClock
) -> None:
    dumped = backup.make_backup(team, "manual").backup
    assert dumped is not None
    laptop_dir = tmp_path / "laptop"
    keep_sqlite_file(laptop_dir)
    laptop = open_store(laptop_dir, clock=clock)
    saved = backup.make_backup(laptop, "manual").backup
    laptop.close()
    assert saved is not None
    assert not saved.on_server
    team.close()
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(laptop_dir, str(dumped.path))
    assert raised.value.message("en") == (
        f"The backup {dumped.id} is of the office server's database {dumped.server}, but "
        "this data folder keeps its own database. Set the office server's address here "
        "first to restore it there."
    )
    with pytest.raises(StorageError) as raised:
        restore.restore_backup(team.data_dir, str(saved.path))
    assert raised.value.message("en") == (
        f"The backup {saved.id} holds a laptop's own database, but this data folder's data "
        f"is on the office server {team.where}, so it cannot be restored there. Restore it "
        "in a data folder without a server, export an archive from it, and import that "
        "archive here."
    )


def test_the_laptops_own_backups_are_not_pruned_by_the_servers(
    postgres: PostgresServer, tmp_path: Path, clock: FixedClock
) -> None:
    data_dir = tmp_path / "joins"
    keep_sqlite_file(data_dir)
    laptop = open_store(data_dir, clock=clock)
    retention.set_retention_policy(laptop, daily=1, weekly=0, monthly=0)
    own = backup.make_backup(laptop, "quit", force=True).backup
    laptop.close()
    assert own is not None
    # The laptop joins the office server; the server's dumps are kept by the same policy.
    database = postgres.create_database()
    try:
        set_database_url(data_dir, postgres.url(database))
        team = open_store(data_dir, clock=clock)
        retention.set_retention_policy(team, daily=1, weekly=0, monthly=0)
        made = []
        for _day in range(3):
            clock.advance(days=1)
            communications.log(team, notes="a day")
            result = backup.make_backup(team, "quit", force=True)
            assert result.backup is not None
            made.append(result.backup.id)
        team.close()
        listed = [b.id for b in catalogue.list_backups(data_dir)]
        assert listed == [made[-1], own.id]  # one of each database's, by the policy
    finally:
        postgres.drop_database(database)


# -- the tools -------------------------------------------------------------------------------


def _fake_tools(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    for program in pg_tools.PROGRAMS:
        script = folder / program
        script.write_text(f"#!/bin/sh\necho '{program} (PostgreSQL) {version}'\n")
        script.chmod(0o755)
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts as the tools")
def test_missing_or_old_tools_are_said_with_what_to_install(
    team: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with team.engine.connect() as conn:
        server = pg_tools.server_major(conn)
    earlier = backup.make_backup(team, "manual").backup
    assert earlier is not None
    monkeypatch.setattr(pg_tools, "candidate_folders", list)
    with pytest.raises(StorageError) as raised:
        backup.verify_backup(earlier)
    assert raised.value.message("en") == (
        "Reading a backup of the office server needs PostgreSQL's tool pg_restore, which is "
        "not installed on this computer. Install PostgreSQL's client tools (on Debian or "
        "Ubuntu: sudo apt install postgresql-client)."
    )
    with pytest.raises(StorageError) as raised:
        backup.make_backup(team, "manual")
    assert raised.value.message("en") == (
        "Backups of the office server need PostgreSQL's tools pg_dump, pg_restore and psql, "
        "which are not installed on this computer. Install PostgreSQL's client tools, "
        f"version {server} or newer (on Debian or Ubuntu: sudo apt install postgresql-client)."
    )
    old = _fake_tools(tmp_path / "old" / "bin", "9.6.24")
    monkeypatch.setattr(pg_tools, "candidate_folders", lambda: [old])
    with pytest.raises(StorageError) as raised:
        backup.make_backup(team, "manual")
    assert raised.value.message("en") == (
        f"The office server runs PostgreSQL {server}, but this computer's pg_dump is version "
        f"9, which cannot back it up. Install PostgreSQL's client tools, version {server} or "
        f"newer (on Debian or Ubuntu: sudo apt install postgresql-client-{server})."
    )
    assert [p.name for p in team.backups_dir.iterdir()] == [earlier.id]  # nothing left


def test_the_tools_are_found_on_path_or_where_debian_puts_them() -> None:
    folders = pg_tools.candidate_folders()
    assert folders, "the test server's machine has PostgreSQL's tools"
    tools = pg_tools.find_tools(0)
    assert tools.folder == folders[0]
    assert tools.major >= 10
    assert tools.version.startswith("pg_dump (PostgreSQL) ")
    conninfo, env = pg_tools.connection("postgresql+psycopg://ann:s3cr%27t@db.example:6543/office")
    assert "s3cr" not in conninfo  # never on a command line others can read
    assert env["PGPASSWORD"] == "s3cr't"
    assert "host='db.example'" in conninfo
    assert "port='6543'" in conninfo
    assert "dbname='office'" in conninfo


def test_a_server_out_of_reach_is_said_and_leaves_nothing(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    data_dir = tmp_path / "far"
    set_database_url(data_dir, f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/office")
    store = Store(data_dir)
    try:
        with pytest.raises(StorageError) as raised:
            backup.make_backup(store, "manual")
        assert raised.value.message("en").startswith("The office server cannot be reached")
        assert list(store.backups_dir.iterdir()) == []
    finally:
        store.close()


def _closed_port() -> int:
    from tests.postgres_server import free_port

    return free_port()


# -- upgrades --------------------------------------------------------------------------------


def test_an_upgrade_of_the_servers_schema_is_backed_up_first(
    office: Callable[[str], Path], clock: FixedClock
) -> None:
    from alembic import command

    data_dir = office("older")
    older = Store(data_dir, clock=clock)
    config = migrate.alembic_config(older.url)
    with older.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    older.close()
    upgraded = open_store(data_dir, clock=clock)
    try:
        (made,) = catalogue.backups_for(data_dir, upgraded.url)
        assert made.reason == "before-migration"
        assert made.schema_revision == "0003"
        assert made.check == "quick_check"
        assert migrate.current_revision(upgraded) == migrate.SCHEMA_HEAD
    finally:
        upgraded.close()


# -- the commands ----------------------------------------------------------------------------


def command(data_dir: Path, *argv: str) -> int | None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    cli_safety.register(parser.add_subparsers(dest="command"))
    return cli_safety.run(parser.parse_args(["--data-dir", str(data_dir), *argv]))


def test_the_commands_on_a_server(team: Store, capsys: pytest.CaptureFixture[str]) -> None:
    communications.log(team, notes="x")
    where = team.where
    folder = team.data_dir
    team.close()
    assert command(folder, "backups") == 0
    assert capsys.readouterr().out == (
        f"The data is on the office server {where}. Listed: its backups made on this "
        "computer (by hand, or before a restore, an import, a repair or an upgrade); its "
        "regular backups are made on the server itself.\nNo backups yet.\n"
    )
    assert command(folder, "backup") == 0
    out = capsys.readouterr().out
    (made,) = catalogue.list_backups(folder)
    assert out == f"Backup {made.id} written to {made.path} ({made.size / 2**20:.1f} MB).\n"
    assert command(folder, "backups") == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[1].split()[-4:] == ["by", "hand", "verified", made.id]
    assert command(folder, "restore", made.id) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Restored the backup {made.id} of ")
    assert "The state before the restore is in the backup " in out
    assert cli_commands.main(["--data-dir", str(folder), "info"]) == 0
    out = capsys.readouterr().out
    assert f"Data folder: {folder}\nDatabase: {where}\n" in out


def test_backups_are_private_even_where_the_umask_is_loose(team: Store) -> None:
    old = os.umask(0o022)
    try:
        info = backup.make_backup(team, "manual").backup
    finally:
        os.umask(old)
    assert info is not None
    assert mode(info.path) == 0o700
    assert mode(info.database_file) == 0o600
    assert info.database_name == server_backup.DUMP_NAME
