"""Backups cut short: a backup is built in ``backups/.partial-<id>`` and renamed when it is
complete and verified, so a crash (a kill, a power cut) in the middle leaves that folder
behind, taking the space of a database copy each time.

While a backup is being built its process holds a lock on ``backups/.building-<id>``
(:func:`building`); a ``.partial-`` folder whose lock nobody holds belongs to no live
process and is swept the next time the data folder is opened (:func:`sweep`, from
:func:`coordinator.safety.opening.open_store`); Check data reports any left
(:func:`abandoned`). Where no such lock exists (Windows, or a folder left by an older
version), only a folder untouched for an hour counts as abandoned: a younger one may be
another process's, still at work.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from coordinator.safety.catalogue import PARTIAL_PREFIX
from coordinator.safety.copying import LOCK

BUILDING_PREFIX: Final = ".building-"
_UNLOCKED_AGE: Final = 3600.0  # seconds, where no lock can tell


def _lock_path(backups_dir: Path, backup_id: str) -> Path:
    return backups_dir / f"{BUILDING_PREFIX}{backup_id}"


@contextlib.contextmanager
def building(backups_dir: Path, backup_id: str) -> Iterator[None]:
    """Hold the lock that says the backup ``backup_id`` is being built by a live process,
    for as long as its ``.partial-`` folder may exist."""
    path = _lock_path(backups_dir, backup_id)
    fd = _locked(path, wait=True)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        if fd is not None:
            os.close(fd)


def _locked(path: Path, *, wait: bool) -> int | None:
    """An open descriptor of ``path`` holding its exclusive lock; None where locks are
    not available, or (``wait`` False) when another holds it."""
    if os.name == "nt":
        return None
    import fcntl

    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        if wait:
            raise
        return None
    return fd


def _old(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > _UNLOCKED_AGE
    except OSError:
        return False


def _is_abandoned(partial: Path) -> tuple[bool, int | None]:
    """Whether the unfinished backup belongs to no live process, and the lock descriptor
    taken to find out (to be let go of once the folder is gone)."""
    lock = _lock_path(partial.parent, partial.name.removeprefix(PARTIAL_PREFIX))
    if os.name == "nt" or not lock.exists():
        return _old(partial), None
    fd = _locked(lock, wait=False)
    return fd is not None, fd


def _unfinished(backups_dir: Path) -> list[Path]:
    try:
        entries = sorted(backups_dir.iterdir())
    except OSError:
        return []
    return [e for e in entries if e.name.startswith(PARTIAL_PREFIX) and not e.is_symlink()]


def abandoned(data_dir: Path) -> list[Path]:
    """The unfinished backups of ``data_dir`` that no live process is building."""
    found = []
    for partial in _unfinished(data_dir / "backups"):
        gone, fd = _is_abandoned(partial)
        if fd is not None:
            os.close(fd)
        if gone:
            found.append(partial)
    return found


def sweep(data_dir: Path) -> list[str]:
    """Remove the unfinished backups no live process is building; their names."""
    backups_dir = data_dir / "backups"
    swept: list[str] = []
    with LOCK:
        for partial in _unfinished(backups_dir):
            gone, fd = _is_abandoned(partial)
            try:
                if not gone:
                    continue
                if partial.is_dir():
                    shutil.rmtree(partial, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        partial.unlink()
                if not partial.exists():
                    swept.append(partial.name)
                with contextlib.suppress(OSError):
                    _lock_path(backups_dir, partial.name.removeprefix(PARTIAL_PREFIX)).unlink()
            finally:
                if fd is not None:
                    os.close(fd)
        # Locks of backups that finished or never started, held by nobody.
        try:
            locks = [e for e in backups_dir.iterdir() if e.name.startswith(BUILDING_PREFIX)]
        except OSError:
            locks = []
        for lock in locks:
            backup_id = lock.name.removeprefix(BUILDING_PREFIX)
            if (backups_dir / f"{PARTIAL_PREFIX}{backup_id}").exists():
                continue
            fd = _locked(lock, wait=False)
            if fd is not None:
                with contextlib.suppress(OSError):
                    lock.unlink()
                os.close(fd)
    return swept
