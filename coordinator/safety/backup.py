"""Backups: the database through SQLite's online backup API, with its attachments.

This is a laptop's own database. An office server's is backed up with the server's own
tools (:mod:`coordinator.safety.server_backup`): :func:`make_backup` and
:func:`verify_backup` take either, and say when the rules differ.

When
    The app makes one on quit and every few hours of use (reasons ``quit`` and
    ``periodic``: skipped when nothing changed since the newest backup), the officer makes
    one on demand (``manual``), and this package makes one before a restore, an archive
    import or a repair (``before-restore``, ``before-import``, ``before-repair``); those
    are always made.

What
    One backup is one folder under ``<data dir>/backups``
    (:mod:`coordinator.safety.catalogue` lists them). A folder rather than a zip: SQLite
    writes the copy in place page by page (a zip would mean a second pass compressing
    hundreds of megabytes on every quit), the copy can be checked and restored from where
    it lies, and the attachments, immutable and named by their hash, are hard links to
    the same file in the previous backup, so a backup costs the database plus the files
    added since the last one. Attachments are *copied* from the data folder, never linked
    to it: a file damaged in place there is not damaged in the backups. The portable
    one-file form is :mod:`coordinator.safety.archive`.

How
    A backup is built as ``backups/.partial-<id>``, verified (``PRAGMA integrity_check``
    on the copy, the SHA-256 of the copy and of every newly copied attachment) and only
    then renamed to its id, so a backup folder that exists is complete and verified.
    Older backups are pruned by the rolling policy (:mod:`coordinator.safety.retention`)
    only after that. The database is copied in steps of pages inside one read
    transaction (:mod:`coordinator.safety.copying`): the app keeps writing meanwhile
    (WAL), and the copy is one consistent snapshot.

Putting a backup back is :mod:`coordinator.safety.restore`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from coordinator.errors import StorageError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import copying, unfinished
from coordinator.safety.catalogue import (
    AUTOMATIC_REASONS,
    FILES,
    FORMAT,
    MANIFEST,
    PARTIAL_PREFIX,
    REASONS,
    VERSION,
    BackupInfo,
    BackupResult,
    backups_for,
)
from coordinator.safety.copying import LOCK, ProgressCallback, report
from coordinator.safety.retention import (
    RETENTION_SETTING,
    RetentionPolicy,
    finish_backup,
    policy_from_value,
    publish_backup,
)
from coordinator.safety.server_backup import (
    make_server_backup,
    server_marker,
    verify_server_backup,
)
from coordinator.store import filestore
from coordinator.store.storage import Clock, Store

__all__ = [
    "BackupResult",
    "backup_data_dir",
    "change_marker",
    "make_backup",
    "verify_backup",
]

_MSG_NOT_HERE = N_(
    "Liaison Hub backs up the data folder's own database or an office server's; the "
    "database {where} is neither, so back it up where it is kept."
)
_MSG_NO_DATABASE = N_("There is no database in the data folder to back up.")
_MSG_FAILED = N_("No backup was made: {reason}. Your data is unchanged.")
_MSG_BACKUP_UNREADABLE = N_("The backup {id} cannot be read: {reason}")
_MSG_BACKUP_NO_DB = N_("The backup {id} is incomplete: its database file is missing.")
_MSG_BACKUP_DB_CHANGED = N_(
    "The backup {id} is damaged: its database file has changed since it was made."
)
_MSG_BACKUP_DB_BAD = N_(
    "The backup {id} is damaged: its database fails the integrity check ({detail})."
)
_MSG_BACKUP_FILE_BAD = N_(
    "The backup {id} is damaged: the attached file {sha} is missing or changed."
)


@dataclass(frozen=True)
class Facts:
    """What a backup records about the database, read inside the copy's transaction."""

    revision: str | None
    marker: str
    files: tuple[str, ...]
    retention: RetentionPolicy


# --- reading the live database --------------------------------------------------------


def read_facts(conn: sqlite3.Connection) -> Facts:
    """Schema revision, change marker, attachments and policy of the open transaction.

    The marker is cheap on any size of database: the highest rowid of every table (an
    insert anywhere moves it) and the newest event in full (every change made through
    the services appends one, updates and deletions included). ``PRAGMA data_version``
    would not do: it only counts other connections' commits since this one opened.
    """
    tables = copying.table_names(conn)
    revision = copying.schema_revision(conn, tables)
    digest = hashlib.sha256(f"revision={revision}".encode())
    for name in sorted(tables):
        if name.startswith("sqlite_"):
            continue
        try:
            query = f"SELECT max(rowid) FROM {copying.quote_name(name)}"
            highest = conn.execute(query).fetchone()[0]
        except sqlite3.OperationalError:  # a WITHOUT ROWID table: its events mark it
            continue
        digest.update(f"\n{name}={highest}".encode())
    if "events" in tables:
        last = conn.execute("SELECT * FROM events ORDER BY id DESC LIMIT 1").fetchone()
        digest.update(f"\nevent={last!r}".encode())
    files: tuple[str, ...] = ()
    if "document_files" in tables:
        files = tuple(
            sha
            for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM document_files ORDER BY 1")
            if isinstance(sha, str) and filestore.SHA256_HEX.fullmatch(sha)
        )
    retention = RetentionPolicy()
    if "settings" in tables:
        row = conn.execute(
            "SELECT value FROM settings WHERE key = ?", (RETENTION_SETTING,)
        ).fetchone()
        if row is not None:
            retention = policy_from_value(row[0])
    return Facts(revision, digest.hexdigest()[:32], files, retention)


def change_marker(store: Store) -> str:
    """The database's change marker now: equal markers mean nothing changed between."""
    if store.on_server:
        return server_marker(store)
    conn = copying.open_source(store.database_path)
    try:
        conn.execute("BEGIN")
        return read_facts(conn).marker
    finally:
        conn.close()


# --- making one -----------------------------------------------------------------------


def _new_id(backups_dir: Path, now: datetime, reason: str) -> str:
    base = f"{now:%Y%m%d-%H%M%S}-{reason}"
    candidate, n = base, 1
    while (backups_dir / candidate).exists() or (
        backups_dir / f"{PARTIAL_PREFIX}{candidate}"
    ).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _gather_files(
    files_dir: Path,
    target_dir: Path,
    wanted: Sequence[str],
    previous: BackupInfo | None,
    progress: ProgressCallback | None,
) -> tuple[list[str], list[str], int]:
    """Link from the previous backup, else copy checked from the data folder.

    Returns (copied shas, unavailable shas, total size of the files included).
    """
    copied: list[str] = []
    unavailable: list[str] = []
    total = 0
    copying.private_dir(target_dir)
    folders: set[Path] = set()
    for index, sha in enumerate(wanted, 1):
        target = filestore.path_for(target_dir, sha)
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            folders.add(target.parent)
        linked = False
        live = filestore.path_for(files_dir, sha)
        if previous is not None and sha not in previous.unavailable_files:
            # Verified when that backup copied it, and never written since; a copy whose
            # size no longer matches the data folder's is not trusted (copied afresh).
            earlier = filestore.path_for(previous.path / FILES, sha)
            try:
                earlier_size = earlier.stat().st_size
                if not live.is_file() or live.stat().st_size == earlier_size:
                    os.link(earlier, target)
                    total += earlier_size
                    linked = True
            except OSError:  # not there, another disk, or no hard links: copy instead
                linked = False
        if not linked:
            size = copying.copy_checked(live, target, sha) if live.is_file() else None
            if size is None:
                unavailable.append(sha)
            else:
                copied.append(sha)
                total += size
        report(progress, "files", index, len(wanted))
    for folder in folders:
        filestore.fsync_dir(folder)
    return copied, unavailable, total


def make_backup(
    store: Store,
    reason: str,
    *,
    progress: ProgressCallback | None = None,
    force: bool = False,
    prune: bool = True,
    check: str = "integrity_check",
) -> BackupResult:
    """Back up the store now; safe to call from a worker thread while the app writes.

    ``quit`` and ``periodic`` backups are skipped (``skipped=True``) when the change
    marker equals the newest backup's, unless ``force``. ``check`` is
    ``"integrity_check"`` (thorough) or ``"quick_check"`` (several times faster on a
    large database, for a backup the officer waits for). Raises
    :class:`~coordinator.errors.StorageError` in plain words when the backup cannot be
    written; nothing of it is left behind then, and no older backup is pruned.
    """
    if store.on_server:  # the server's own tools, and its own rules of when
        return make_server_backup(
            store, reason, progress=progress, force=force, prune=prune, check=check
        )
    if not store.uses_data_dir_database:
        raise StorageError(_MSG_NOT_HERE, where=store.where)
    return backup_data_dir(
        store.data_dir,
        store.clock,
        reason,
        progress=progress,
        force=force,
        prune=prune,
        check=check,
    )


def backup_data_dir(
    data_dir: Path,
    clock: Clock,
    reason: str,
    *,
    progress: ProgressCallback | None = None,
    force: bool = False,
    prune: bool = True,
    check: str = "integrity_check",
) -> BackupResult:
    """:func:`make_backup` for a data folder without opening a Store (a restore or an
    import backs up a database it is about to replace, whatever its schema revision)."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if check not in ("integrity_check", "quick_check"):
        raise ValueError(f"unknown check {check!r}")
    database = data_dir / DATABASE_NAME
    if not database.is_file():
        raise StorageError(_MSG_NO_DATABASE)
    backups_dir = data_dir / "backups"
    with LOCK, contextlib.ExitStack() as stack:
        partial: Path | None = None
        try:
            copying.private_dir(backups_dir)
            copying.remove_leftovers(backups_dir, (PARTIAL_PREFIX, copying.TRASH_PREFIX))
            existing = backups_for(data_dir, None)  # this file's, not a server's dumps
            source = copying.open_source(database)
            try:
                # One read transaction for the facts and every step of the copy: the
                # copy is the snapshot the facts describe, whatever the app writes.
                source.execute("BEGIN")
                facts = read_facts(source)
                if (
                    not force
                    and reason in AUTOMATIC_REASONS
                    and existing
                    and existing[0].verified
                    and existing[0].marker == facts.marker
                ):
                    return BackupResult(None, True)
                now = clock()
                backup_id = _new_id(backups_dir, now, reason)
                # Held until the folder is renamed or removed: a crash lets go of it,
                # and the next start sweeps the folder (coordinator.safety.unfinished).
                stack.enter_context(unfinished.building(backups_dir, backup_id))
                partial = backups_dir / f"{PARTIAL_PREFIX}{backup_id}"
                copying.private_dir(partial)
                copy = partial / DATABASE_NAME
                copying.new_private_file(copy)
                copying.copy_database(source, copy, progress, "database")
            finally:
                source.close()
            previous = next((b for b in existing if b.verified), None)
            copied, unavailable, files_size = _gather_files(
                data_dir / "files", partial / FILES, facts.files, previous, progress
            )
            database_sha = _verify_copy(copy, copied, partial / FILES, progress, check)
            copying.write_json(
                partial / MANIFEST,
                {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": now.isoformat(),
                    "reason": reason,
                    "schema_revision": facts.revision,
                    "marker": facts.marker,
                    "database": {
                        "name": DATABASE_NAME,
                        "size": copy.stat().st_size,
                        "sha256": database_sha,
                    },
                    "files": {"count": len(facts.files) - len(unavailable), "size": files_size},
                    "unavailable_files": unavailable,
                    "verified": {"at": clock().isoformat(), "check": check},
                },
            )
            final = publish_backup(partial, backups_dir, backup_id)
            partial = None
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(_MSG_FAILED, reason=copying.failure_reason(exc)) from exc
        finally:
            if partial is not None:
                shutil.rmtree(partial, ignore_errors=True)
            stack.close()
        return finish_backup(data_dir, final, facts.retention, now, prune)


def _verify_copy(
    copy: Path,
    copied: Sequence[str],
    files_dir: Path,
    progress: ProgressCallback | None,
    check: str,
) -> str:
    """Check the new copy before anything relies on it; returns the database's SHA-256."""
    copying.check_copy(copy, progress, check)
    sha = copying.hash_file(copy, progress)
    for sha_file in copied:
        # Read back what was written: a write error the disk did not report shows here.
        if filestore.file_sha256(filestore.path_for(files_dir, sha_file)) != sha_file:
            raise OSError(5, os.strerror(5))
    return sha


# --- verifying one --------------------------------------------------------------------


def verify_backup(
    backup: BackupInfo, *, progress: ProgressCallback | None = None, check: str = "integrity_check"
) -> BackupInfo:
    """Check a backup completely (database checksum and integrity, every attachment).

    Returns the backup; raises :class:`~coordinator.errors.StorageError` naming the
    first problem found.
    """
    if backup.on_server:
        return verify_server_backup(backup, progress=progress, check=check)
    database = backup.path / DATABASE_NAME
    try:
        if not database.is_file():
            raise StorageError(_MSG_BACKUP_NO_DB, id=backup.id)
        if copying.hash_file(database, progress) != backup.database_sha256:
            raise StorageError(_MSG_BACKUP_DB_CHANGED, id=backup.id)
        conn = copying.open_read_only(database)
        try:
            rows = copying.run_check(conn, progress, check)
            if rows != ["ok"]:
                raise StorageError(_MSG_BACKUP_DB_BAD, id=backup.id, detail="; ".join(rows[:3]))
            wanted = copying.referenced_files(conn)
        finally:
            conn.close()
        expected = sorted(set(wanted) - set(backup.unavailable_files))
        for index, sha in enumerate(expected, 1):
            path = filestore.path_for(backup.path / FILES, sha)
            if not path.is_file() or filestore.file_sha256(path) != sha:
                raise StorageError(_MSG_BACKUP_FILE_BAD, id=backup.id, sha=sha)
            report(progress, "verify", index, len(expected))
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(
            _MSG_BACKUP_UNREADABLE, id=backup.id, reason=copying.failure_reason(exc)
        ) from exc
    return backup
