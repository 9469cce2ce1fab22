"""What backups, restores and archives share: SQLite copies, checked file copies, progress.

Progress and cancelling
    Long functions take ``progress``: a callable given a :class:`Progress` (``stage``,
    ``done``, ``total``; ``total == 0`` means "not known") on the worker thread. If it
    raises, the work stops, removes what it had started, and the exception propagates.

Copies of a database go through SQLite's online backup API in steps of
:data:`PAGES_PER_STEP` pages: each step runs without the GIL, so a GUI thread never waits
on it, and inside one read transaction the copy is one consistent snapshot whatever the
app writes meanwhile. Files are written private to the officer (0600, folders 0700),
flushed before anything relies on them, and renamed into place, so a crash leaves whole
files only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from coordinator.errors import StorageError
from coordinator.i18n import N_, Msg
from coordinator.store import filestore

__all__ = ["LOCK", "PAGES_PER_STEP", "Progress", "ProgressCallback", "report"]

PAGES_PER_STEP: Final = 1024  # 4 MiB of 4 KiB pages: a few milliseconds per step
TRASH_PREFIX: Final = ".trash-"
# Temporary work in the data folder itself: restores, archive imports and exports.
WORK_PREFIXES: Final = (".restore-", ".import-", ".archive-")
_LEFTOVER_AGE: Final = 3600.0  # seconds before an unfinished folder counts as abandoned
_PROGRESS_OPS: Final = 200_000  # SQLite VM steps between progress calls of a check
_CHUNK: Final = 1024 * 1024

MSG_COPY_BAD = N_(
    "No backup was made: the copy of the database fails its integrity check ({detail}). "
    "Run “Check data”."
)

# One backup, prune, restore or archive import at a time in this process (a periodic
# backup must not prune while a restore reads a backup).
LOCK = threading.RLock()


@dataclass(frozen=True)
class Progress:
    """How far a long job is: ``stage`` is "database", "files", "verify" or "restore"."""

    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float | None:
        return None if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


def report(progress: ProgressCallback | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(Progress(stage, done, total))


def failure_reason(exc: BaseException) -> Msg | str:
    """Why a disk or SQLite operation failed, in the officer's words where known."""
    if isinstance(exc, OSError):
        return filestore.os_reason(exc)
    text = str(exc).lower()
    if "disk is full" in text:
        return N_("the disk is full")
    if "readonly" in text or "read-only" in text:
        return N_("the disk or folder is read-only")
    if "disk i/o error" in text:
        return N_("the disk reported a read or write error")
    if "malformed" in text or "not a database" in text:
        return N_("the database file is damaged")
    return str(exc)


# --- private files and folders --------------------------------------------------------


def private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)


def new_private_file(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: Path, value: object) -> None:
    """A new private file holding ``value``, flushed to the disk."""
    data = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def remove_tree(path: Path) -> None:
    """Remove a folder so that it never looks half there: rename it away first."""
    trash = path.with_name(f"{TRASH_PREFIX}{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(path, trash)
    except OSError:
        trash = path
    shutil.rmtree(trash, ignore_errors=True)


def remove_leftovers(folder: Path, prefixes: Sequence[str]) -> None:
    """Remove unfinished work of a crashed run (older than an hour: a recent one may be
    another process's, still at work)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(tuple(prefixes)):
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > _LEFTOVER_AGE:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()


def hash_file(path: Path, progress: ProgressCallback | None, stage: str = "verify") -> str:
    """The file's SHA-256, reporting the bytes read."""
    total = path.stat().st_size
    done = 0

    def hashed(n: int) -> None:
        nonlocal done
        done += n
        report(progress, stage, done, total)

    return filestore.file_sha256(path, hashed)


def copy_checked(source: Path, target: Path, sha256: str) -> int | None:
    """Copy with temp + fsync + rename; the size, or None if the content is not ``sha256``."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f"{filestore.TEMP_PREFIX}{target.name}")
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            return None
        os.replace(tmp, target)
        return size
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def content_files(files_dir: Path) -> Iterator[Path]:
    """The attachments present in a files folder (``ab/ab12...``), whatever refers to them."""
    try:
        folders = list(files_dir.iterdir())
    except OSError:
        return
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.iterdir():
            if filestore.SHA256_HEX.fullmatch(path.name) and path.name[:2] == folder.name:
                yield path


# --- SQLite ---------------------------------------------------------------------------


def open_source(path: Path) -> sqlite3.Connection:
    """The live database, for a copy taken while the app keeps writing."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def quote_name(name: str) -> str:
    """A table name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {
        str(name) for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }


def schema_revision(conn: sqlite3.Connection, tables: set[str]) -> str | None:
    """The Alembic revision the database records, None when it records none."""
    if "alembic_version" not in tables:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def referenced_files(conn: sqlite3.Connection) -> list[str]:
    """The attachments the database refers to."""
    if "document_files" not in table_names(conn):
        return []
    return [
        str(sha)
        for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM document_files")
        if isinstance(sha, str) and filestore.SHA256_HEX.fullmatch(sha)
    ]


def database_files(path: Path) -> list[str]:
    """The attachments a database file refers to (read-only)."""
    conn = open_read_only(path)
    try:
        return referenced_files(conn)
    finally:
        conn.close()


def run_check(
    conn: sqlite3.Connection, progress: ProgressCallback | None, check: str = "integrity_check"
) -> list[str]:
    """Run SQLite's check; the progress handler lets a Cancel stop it mid-way."""
    failure: list[BaseException] = []

    def tick() -> int:
        try:
            report(progress, "verify", 0, 0)
        except BaseException as exc:  # re-raised below, after SQLite has stopped
            failure.append(exc)
            return 1
        return 0

    if progress is not None:
        conn.set_progress_handler(tick, _PROGRESS_OPS)
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA {check}")]
    except sqlite3.OperationalError:
        if failure:
            raise failure[0] from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    return rows


def check_copy(path: Path, progress: ProgressCallback | None, check: str) -> None:
    """Raise :data:`MSG_COPY_BAD` unless a new copy of the database passes ``check``."""
    conn = open_read_only(path)
    try:
        rows = run_check(conn, progress, check)
    finally:
        conn.close()
    if rows != ["ok"]:
        raise StorageError(MSG_COPY_BAD, detail="; ".join(rows[:3]))


def copy_pages(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    progress: ProgressCallback | None,
    stage: str,
) -> None:
    """The whole of ``source`` into ``target`` through the backup API, in steps."""

    def step(_status: int, remaining: int, total: int) -> None:
        report(progress, stage, total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=step)


def copy_database(
    source: sqlite3.Connection, target: Path, progress: ProgressCallback | None, stage: str
) -> None:
    """A new database file holding ``source``, in rollback-journal mode and flushed."""
    dst = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    try:
        copy_pages(source, dst, progress, stage)
        # A copy of a WAL database says "WAL" in its header; made self-contained it can
        # be opened read-only, from a USB stick, without -wal and -shm files beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
    fsync_file(target)
