"""Putting data back: a backup (or an archive's content) in place of the data folder's.

A backup of an office server goes back onto that server
(:func:`coordinator.safety.server_backup.restore_server_backup`); what follows is a
laptop's.

:func:`restore_backup` verifies the backup completely, backs up the current state,
copies in the attachments the backup needs (each atomically), then writes the backup
into the live database through the backup API: SQLite commits that as one transaction,
so a crash leaves either the old database or the restored one, never a mixture. The
caller closes its :class:`~coordinator.store.storage.Store` first and opens a new one
afterwards (which brings an older backup up to the current schema).

The pieces that replace a data folder's content (:func:`secure_current`,
:func:`install_files`, :func:`install_database`, :func:`drop_unreferenced`) serve the
archive import too.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from coordinator.errors import StorageError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import copying
from coordinator.safety.backup import backup_data_dir, verify_backup
from coordinator.safety.catalogue import FILES, BackupInfo, data_folder_url, find_backup
from coordinator.safety.copying import LOCK, ProgressCallback, report
from coordinator.safety.health import SIDE_FILES, diagnose, set_aside
from coordinator.safety.server_backup import restore_server_backup
from coordinator.store import filestore, migrate
from coordinator.store.local_settings import shown_url
from coordinator.store.storage import Clock, local_now, prepare_data_dir

__all__ = [
    "RestoreResult",
    "drop_unreferenced",
    "install_database",
    "install_files",
    "restore_backup",
    "secure_current",
]

_MSG_LAPTOP_BACKUP = N_(
    "The backup {id} holds a laptop's own database, but this data folder's data is on the "
    "office server {where}, so it cannot be restored there. Restore it in a data folder "
    "without a server, export an archive from it, and import that archive here."
)
_MSG_RESTORE_FAILED = N_("Nothing was restored: {reason}. Your data is as it was.")
_MSG_BACKUP_NEWER = N_(
    "The backup {id} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then restore it."
)


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    safety: BackupInfo | None  # the backup of the state before the restore
    set_aside: Path | None  # where a damaged database was moved, if one was


def secure_current(
    data_dir: Path, clock: Clock, reason: str, progress: ProgressCallback | None
) -> tuple[BackupInfo | None, Path | None]:
    """Before the data folder's content is replaced: back up its database (``reason``)
    or, if that database cannot be used, move it aside. Returns (backup, folder aside)."""
    health = diagnose(data_dir)
    if health.state in ("ok", "newer"):
        made = backup_data_dir(data_dir, clock, reason, progress=progress, force=True, prune=False)
        return made.backup, None
    if health.needs_recovery:
        return None, set_aside(data_dir, now=clock())
    return None, None


def install_files(
    files_dir: Path,
    sources: Mapping[str, Path],
    progress: ProgressCallback | None,
    *,
    move: bool = False,
) -> None:
    """Make every given attachment present and intact in the data folder.

    Each file arrives under its real name in one rename, so a crash leaves whole files
    only (some perhaps not yet referenced: the data check reports those).
    """
    files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for index, (sha, source) in enumerate(sorted(sources.items()), 1):
        if not filestore.verify(files_dir, sha):
            if move:
                final = filestore.path_for(files_dir, sha)
                final.parent.mkdir(exist_ok=True, mode=0o700)
                os.chmod(source, 0o600)
                os.replace(source, final)
                filestore.fsync_dir(final.parent)
            elif not filestore.install_copy(files_dir, source, sha):
                raise OSError(5, os.strerror(5), str(source))
        report(progress, "restore", index, len(sources))


def install_database(data_dir: Path, source: Path, progress: ProgressCallback | None) -> None:
    """Replace the data folder's database by ``source`` (a closed, checked database file).

    Into an existing database SQLite's backup API writes the whole of ``source`` as one
    transaction of the live database. Where there is no database (a new folder, or a
    damaged one set aside), the copy is made beside it and renamed into place.
    """
    live = data_dir / DATABASE_NAME
    src = copying.open_read_only(source)
    try:
        if live.is_file() and live.stat().st_size > 0:
            dst = sqlite3.connect(live, isolation_level=None, check_same_thread=False)
            try:
                dst.execute("PRAGMA busy_timeout = 5000")
                dst.execute("PRAGMA synchronous = FULL")
                copying.copy_pages(src, dst, progress, "restore")
                with contextlib.suppress(sqlite3.Error):  # a reader may delay it; not an error
                    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                dst.close()
            return
        for suffix in SIDE_FILES:
            # A journal without its database would be replayed onto the new one.
            stray = live.with_name(live.name + suffix)
            if stray.exists():
                set_aside(data_dir)
                break
        tmp = data_dir / f"{copying.WORK_PREFIXES[0]}{os.getpid()}-{time.monotonic_ns()}.sqlite3"
        try:
            copying.new_private_file(tmp)
            copying.copy_database(src, tmp, progress, "restore")
            os.replace(tmp, live)
            filestore.fsync_dir(data_dir)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
    finally:
        src.close()


def drop_unreferenced(
    data_dir: Path, keep: Sequence[str], safe_in: BackupInfo | None
) -> tuple[str, ...]:
    """Remove attachments nothing refers to any more, but only those ``safe_in`` holds."""
    if safe_in is None:
        return ()
    wanted = set(keep)
    removed: list[str] = []
    for path in copying.content_files(data_dir / "files"):
        sha = path.name
        if sha in wanted:
            continue
        if filestore.path_for(safe_in.path / FILES, sha).is_file():
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(sha)
            with contextlib.suppress(OSError):  # only if now empty
                path.parent.rmdir()
    return tuple(removed)


def restore_backup(
    data_dir: Path,
    backup: BackupInfo | str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    clock: Clock = local_now,
    verify: bool = True,
) -> RestoreResult:
    """Put a backup back in place of the data folder's database and attachments.

    Close every Store on ``data_dir`` first, and open a new one after. Order: verify the
    backup completely; back up the current state (``before-restore``) or, if the current
    database is damaged, move it aside into ``damaged/``; copy in missing attachments;
    replace the database in one transaction; remove attachments that only the current
    state used (they are in the safety backup).
    """
    with LOCK:
        info = backup if isinstance(backup, BackupInfo) else find_backup(data_dir, backup)
        if info.on_server:
            safety = restore_server_backup(
                data_dir, info, progress=progress, clock=clock, verify=verify
            )
            return RestoreResult(info, safety, None)
        url = data_folder_url(data_dir)
        if url is not None and not url.startswith("sqlite"):
            raise StorageError(_MSG_LAPTOP_BACKUP, id=info.id, where=shown_url(url))
        prepare_data_dir(data_dir)
        copying.remove_leftovers(data_dir, copying.WORK_PREFIXES)
        if verify:  # False only right after the caller verified it
            verify_backup(info, progress=progress)
        revision = info.schema_revision
        if revision and not migrate.is_known(revision):
            raise StorageError(_MSG_BACKUP_NEWER, id=info.id, revision=info.schema_revision)
        safety, aside = secure_current(data_dir, clock, "before-restore", progress)
        try:
            referenced = copying.database_files(info.path / DATABASE_NAME)
            sources = {
                sha: filestore.path_for(info.path / FILES, sha)
                for sha in referenced
                if sha not in info.unavailable_files
            }
            install_files(data_dir / "files", sources, progress)
            install_database(data_dir, info.path / DATABASE_NAME, progress)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(_MSG_RESTORE_FAILED, reason=copying.failure_reason(exc)) from exc
        drop_unreferenced(data_dir, referenced, safety)
        return RestoreResult(info, safety, aside)
