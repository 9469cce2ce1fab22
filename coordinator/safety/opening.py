"""Opening a data folder: the one way from a folder on disk to a :class:`Store`.

In order::

    health = diagnose(data_dir)        # coordinator.safety.health: read-only, milliseconds
    if health.needs_recovery: ...      # the app offers a backup or an archive instead
    store = open_store(data_dir)       # a verified backup if the schema is older, the
                                       # upgrade, then the store

Opening also sweeps the backups a crash cut short (:mod:`coordinator.safety.unfinished`).
The app runs the first two steps itself (they ask the officer); every headless command
and test opens through :func:`open_store`, which refuses a damaged or foreign file in
plain words. :class:`~coordinator.store.storage.Store` only opens a database: it never
migrates and never backs up, so nothing below this module depends on backups.

:func:`data_folder_in_use` says whether a running app holds the folder, for the commands
that must not replace its data under the app's feet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from coordinator.paths import resolve_data_dir
from coordinator.safety import unfinished
from coordinator.safety.backup import backup_data_dir
from coordinator.safety.copying import ProgressCallback, report
from coordinator.safety.server_backup import make_server_backup
from coordinator.search import index
from coordinator.search.index import IndexProgress
from coordinator.store import migrate
from coordinator.store.storage import Clock, Store, local_now

# Must match ui.single_instance.LOCK_NAME (a test compares them): the app holds this
# QLockFile for as long as it runs.
LOCK_NAME: Final = "liaison-hub.lock"


def open_store(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    clock: Clock = local_now,
    progress: IndexProgress | None = None,
    officer: str | None = None,
) -> Store:
    """The store of ``data_dir`` (by default the setting, then the user data folder),
    upgraded to the current schema, its search index whole and following every change.

    ``url`` and ``officer`` None: as the data folder's settings say.

    Building the index (after an upgrade, or when it is missing or out of date) reads
    every record: ``progress`` hears how far it is.
    """
    store = Store(resolve_data_dir(data_dir), url=url, clock=clock, officer=officer)
    try:
        # Backups a crash cut short, each the size of a database copy.
        unfinished.sweep(store.data_dir)
        upgrade_with_backup(store)
        if needs_index(store):
            index.build(store, progress)
        store.before_commit.append(index.follow)
    except BaseException:
        store.close()
        raise
    return store


def needs_index(store: Store) -> bool:
    with store.read() as session:
        return index.backend_for(session) is not None and not index.is_current(session)


def needs_preparing(data_dir: Path) -> bool:
    """Opening will take a while (a schema upgrade, or the index to build): the app does
    it off the GUI thread, with progress, through :func:`prepare`."""
    store = Store(data_dir)
    try:
        if migrate.pending_upgrade(store) is not None:
            return True
        return needs_index(store)
    finally:
        store.close()


def prepare(data_dir: Path, progress: ProgressCallback | None = None) -> None:
    """Upgrade and index the data folder, then let go of it (for any thread).

    ``progress`` hears the stage "upgrade" (the backup before it, then the upgrade, no
    figures) and then "index" with the records indexed so far.
    """
    report(progress, "upgrade", 0, 0)
    open_store(
        data_dir,
        progress=None
        if progress is None
        else lambda done, total: report(progress, "index", done, total),
    ).close()


def upgrade_with_backup(store: Store) -> Path | None:
    """Upgrade the store's database; the pre-upgrade backup's folder, if one was made."""
    has_data = migrate.pending_upgrade(store)
    if has_data is None:
        return None
    made: Path | None = None
    if has_data and store.on_server:
        # The office's shared database, upgraded once by the first laptop with the newer
        # version: a dump of it first, in that laptop's Backups.
        dumped = make_server_backup(
            store, "before-migration", prune=False, check="quick_check"
        ).backup
        made = None if dumped is None else dumped.path
    elif has_data and store.uses_data_dir_database and store.database_path.exists():
        # A full, verified backup (attachments included) that the Backups list shows and
        # a restore can bring back, whatever the revision of the database.
        backup = backup_data_dir(
            store.data_dir, store.clock, "before-migration", prune=False, check="quick_check"
        ).backup
        made = None if backup is None else backup.path
    migrate.upgrade(store)
    return made


def data_folder_in_use(data_dir: Path) -> bool:
    """True while a running app holds the data folder (its QLockFile is live).

    Qt writes the owner's process id on the first line and, on Linux and the BSDs, also
    holds an flock on the file; on Windows the file is held open without sharing.
    """
    path = data_dir / LOCK_NAME
    if not path.exists():
        return False
    if os.name == "nt":
        try:
            with path.open("r+b"):
                return False
        except PermissionError:
            return True
        except OSError:
            return False
    try:
        first = path.read_text(errors="replace").splitlines()[:1]
        pid = int(first[0]) if first else 0
    except (OSError, ValueError):
        pid = 0
    if sys.platform != "darwin":
        import fcntl

        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            pass
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False  # nobody holds it: a crashed run's file
        finally:
            os.close(fd)
    # Qt on macOS does not flock: a live process with that id is the best evidence.
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
