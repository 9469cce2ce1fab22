"""At start, when the database cannot be used: put a good backup back in its place.

The app does this before it opens the store (:mod:`coordinator.safety.opening`)::

    health = diagnose(data_dir)                 # coordinator.safety.health
    if health.needs_recovery:                   # damaged, unreadable, or not ours
        show(health.message())                  # plain words, in the current language
        choices = restore_candidates(data_dir)  # good backups, newest first
        # the officer picks one (or an archive: coordinator.safety.archive.import_archive)
        restore(data_dir, choices[0], progress=callback)  # the damaged file is set aside
    elif health.state == "newer":               # written by a newer Liaison Hub
        show(health.message()); do not open it
    store = open_store(data_dir)                # "new" and "ok" open as usual

:func:`restore_newest` tries the good backups newest first and restores the first one
that passes a full verification.
"""

from __future__ import annotations

import os
from pathlib import Path

from coordinator.errors import DomainError, StorageError
from coordinator.i18n import N_
from coordinator.safety.backup import verify_backup
from coordinator.safety.catalogue import BackupInfo, backups_for
from coordinator.safety.copying import ProgressCallback
from coordinator.safety.restore import RestoreResult, restore_backup
from coordinator.store.storage import Clock, local_now

__all__ = ["restore", "restore_candidates", "restore_newest"]

_MSG_NO_GOOD_BACKUP = N_("No backup passed its check, so nothing was restored.")


def restore_candidates(data_dir: Path) -> list[BackupInfo]:
    """The backups that were verified when made and still look whole, newest first."""
    # Only the data folder's own file can be damaged here: a server's dumps do not mend it.
    return [b for b in backups_for(data_dir, None) if b.verified]


def restore(
    data_dir: Path,
    backup: BackupInfo | str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    clock: Clock = local_now,
) -> RestoreResult:
    """Restore one backup (by info, id or folder path): see :func:`restore.restore_backup`."""
    return restore_backup(data_dir, backup, progress=progress, clock=clock)


def restore_newest(
    data_dir: Path, *, progress: ProgressCallback | None = None, clock: Clock = local_now
) -> RestoreResult:
    """Restore the newest backup that passes a full check, trying older ones in turn."""
    last_error: DomainError | None = None
    for candidate in restore_candidates(data_dir):
        try:
            verify_backup(candidate, progress=progress)
        except StorageError as exc:  # a damaged backup: the next older one may be good
            last_error = exc
            continue
        return restore_backup(data_dir, candidate, progress=progress, clock=clock, verify=False)
    raise StorageError(_MSG_NO_GOOD_BACKUP) from last_error
