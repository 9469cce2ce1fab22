"""Backups: the database through SQLite's online backup API, with its attachments.

When
    The app makes one on quit and every few hours of use (reasons ``quit`` and
    ``periodic``: skipped when nothing changed since the newest backup), the officer makes
    one on demand (``manual``), and this package makes one before a restore, an archive
    import or a repair (``before-restore``, ``before-import``, ``before-repair``); those
    are always made.

What
    One backup is one folder under ``<data dir>/backups``, named by its id::

        20250609-173000-quit/
            manifest.json            when, why, the change marker, sizes, SHA-256s
            liaison-hub.sqlite3      the database, in rollback-journal mode (one file)
            files/ab/ab12...         the attachments the database refers to

    A folder rather than a zip: SQLite writes the copy in place page by page (a zip
    would mean a second pass compressing hundreds of megabytes on every quit), the copy
    can be checked and restored from where it lies, and the attachments, immutable and
    named by their hash, are hard links to the same file in the previous backup, so a
    backup costs the database plus the files added since the last one. Attachments are
    *copied* from the data folder, never linked to it: a file damaged in place there is
    not damaged in the backups. The portable one-file form is :mod:`coordinator.safety.archive`.

How
    A backup is built as ``backups/.partial-<id>``, verified (``PRAGMA integrity_check``
    on the copy, the SHA-256 of the copy and of every newly copied attachment) and only
    then renamed to its id, so a backup folder that exists is complete and verified.
    Older backups are pruned by the rolling policy (:class:`RetentionPolicy`, a setting)
    only after that. The database is copied in steps of pages inside one read
    transaction: the app keeps writing meanwhile (WAL), the copy is one consistent
    snapshot, and each step runs without the GIL, so a GUI thread never waits on it.

Restore
    :func:`restore_backup` verifies the backup completely, backs up the current state,
    copies in the attachments the backup needs (each atomically), then writes the backup
    into the live database through the backup API: SQLite commits that as one
    transaction, so a crash leaves either the old database or the restored one, never a
    mixture. The caller closes its :class:`~coordinator.store.storage.Store` first and opens a
    new one afterwards (which brings an older backup up to the current schema).

Progress and cancelling
    Long functions take ``progress``: a callable given a :class:`Progress` (``stage``,
    ``done``, ``total``; ``total == 0`` means "not known") on the worker thread. If it
    raises, the work stops, removes what it had started, and the exception propagates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Final

from coordinator.errors import NotFoundError, StorageError, ValidationError
from coordinator.i18n import N_, Msg
from coordinator.paths import DATABASE_NAME
from coordinator.safety.health import diagnose, set_aside
from coordinator.store import filestore, migrate
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import Setting
from coordinator.store.storage import Clock, Store, local_now, prepare_data_dir

__all__ = [
    "AUTOMATIC_REASONS",
    "REASONS",
    "REASON_LABELS",
    "BackupInfo",
    "BackupResult",
    "Progress",
    "ProgressCallback",
    "RestoreResult",
    "RetentionPolicy",
    "backup_due",
    "change_marker",
    "data_folder_in_use",
    "find_backup",
    "list_backups",
    "make_backup",
    "plan_retention",
    "prune_backups",
    "restore_backup",
    "retention_policy",
    "set_retention_policy",
    "verify_backup",
]

FORMAT: Final = "liaison-hub-backup"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
FILES: Final = "files"
PARTIAL_PREFIX: Final = ".partial-"
TRASH_PREFIX: Final = ".trash-"
# Temporary work in the data folder itself: restores, archive imports and exports.
WORK_PREFIXES: Final = (".restore-", ".import-", ".archive-")
# Must match ui.single_instance.LOCK_NAME (a test compares them): the app holds this
# QLockFile for as long as it runs.
LOCK_NAME: Final = "liaison-hub.lock"

REASONS: Final = (
    "quit",
    "periodic",
    "manual",
    "before-migration",
    "before-restore",
    "before-import",
    "before-repair",
)
AUTOMATIC_REASONS: Final = frozenset({"quit", "periodic"})
# Backups made by hand or because something risky was about to happen: kept for a month
# whatever the rolling policy says, so that the state before a mistaken restore (or the
# one the officer chose to keep) is not pruned by the same day's quit backup.
SAFETY_REASONS: Final = frozenset(
    {"manual", "before-migration", "before-restore", "before-import", "before-repair"}
)
SAFETY_KEEP: Final = timedelta(days=30)
REASON_LABELS: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "quit": N_("on quitting"),
        "periodic": N_("periodic"),
        "manual": N_("made by hand"),
        "before-migration": N_("before an update of the database"),
        "before-restore": N_("before a restore"),
        "before-import": N_("before an archive import"),
        "before-repair": N_("before a repair"),
    }
)

PAGES_PER_STEP: Final = 1024  # 4 MiB of 4 KiB pages: a few milliseconds per step
_LEFTOVER_AGE: Final = 3600.0  # seconds before an unfinished folder counts as abandoned
_MANIFEST_MAX: Final = 16 * 1024 * 1024
_PROGRESS_OPS: Final = 200_000  # SQLite VM steps between progress calls of a check
_ID = re.compile(r"\d{8}-\d{6}-[a-z-]+(?:-\d+)?")

RETENTION_SETTING: Final = "backup_retention"
RETENTION_MAX: Final = 999
F_DAILY = N_("Daily backups kept")
F_WEEKLY = N_("Weekly backups kept")
F_MONTHLY = N_("Monthly backups kept")

_MSG_NOT_HERE = N_(
    "Backups cover only a database kept in the data folder; this store uses a database "
    "server, which is backed up with the server's own tools."
)
_MSG_NO_DATABASE = N_("There is no database in the data folder to back up.")
_MSG_FAILED = N_("No backup was made: {reason}. Your data is unchanged.")
MSG_COPY_BAD = N_(
    "No backup was made: the copy of the database fails its integrity check ({detail}). "
    "Run “Check data”."
)
_MSG_RESTORE_FAILED = N_("Nothing was restored: {reason}. Your data is as it was.")
_MSG_UNKNOWN_BACKUP = N_("There is no backup “{name}”.")
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
_MSG_BACKUP_NEWER = N_(
    "The backup {id} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then restore it."
)
_MSG_RETENTION = N_("{field} must be a whole number from 0 to {limit}.")

# One backup, prune or restore at a time in this process (a periodic backup must not
# prune while a restore reads a backup).
LOCK = threading.RLock()


# --- values ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class RetentionPolicy:
    """Keep the newest backup of each of the last ``daily`` days that have one, and so
    on for weeks and months; the newest backup is always kept."""

    daily: int = 12
    weekly: int = 10
    monthly: int = 9


@dataclass(frozen=True)
class BackupInfo:
    """One backup as its manifest describes it (listing reads no other file)."""

    id: str
    path: Path
    created_at: datetime
    reason: str
    schema_revision: str | None
    marker: str
    database_size: int
    database_sha256: str
    file_count: int
    files_size: int
    unavailable_files: tuple[str, ...]
    verified_at: datetime | None
    check: str  # "integrity_check" or "quick_check": how the copy was verified

    @property
    def size(self) -> int:
        return self.database_size + self.files_size

    @property
    def verified(self) -> bool:
        """Verified when made, and its database file is still there at its size."""
        database = self.path / DATABASE_NAME
        try:
            return self.verified_at is not None and database.stat().st_size == self.database_size
        except OSError:
            return False

    @property
    def complete(self) -> bool:
        """False when some attachment was missing or damaged in the data folder."""
        return not self.unavailable_files

    def reason_label(self, lang: str | None = None) -> str:
        label = REASON_LABELS.get(self.reason)
        return label.tr(lang) if label is not None else self.reason


@dataclass(frozen=True)
class BackupResult:
    backup: BackupInfo | None  # None when skipped
    skipped: bool
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    safety: BackupInfo | None  # the backup of the state before the restore
    set_aside: Path | None  # where a damaged database was moved, if one was


@dataclass(frozen=True)
class Facts:
    """What a backup records about the database, read inside the copy's transaction."""

    revision: str | None
    marker: str
    files: tuple[str, ...]
    retention: RetentionPolicy


# --- small helpers --------------------------------------------------------------------


def report(progress: ProgressCallback | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(Progress(stage, done, total))


def failure_reason(exc: BaseException) -> Msg | str:
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


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)


def new_private_file(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, value: object) -> None:
    data = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _remove_tree(path: Path) -> None:
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


# --- reading the live database --------------------------------------------------------


def open_source(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {
        str(name) for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }


def read_facts(conn: sqlite3.Connection) -> Facts:
    """Schema revision, change marker, attachments and policy of the open transaction.

    The marker is cheap on any size of database: the highest rowid of every table (an
    insert anywhere moves it) and the newest event in full (every change made through
    the services appends one, updates and deletions included). ``PRAGMA data_version``
    would not do: it only counts other connections' commits since this one opened.
    """
    tables = table_names(conn)
    revision: str | None = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = None if row is None else str(row[0])
    digest = hashlib.sha256(f"revision={revision}".encode())
    for name in sorted(tables):
        if name.startswith("sqlite_"):
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            highest = conn.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0]
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
            retention = _policy_from_value(row[0])
    return Facts(revision, digest.hexdigest()[:32], files, retention)


def change_marker(store: Store) -> str:
    """The database's change marker now: equal markers mean nothing changed between."""
    conn = open_source(store.database_path)
    try:
        conn.execute("BEGIN")
        return read_facts(conn).marker
    finally:
        conn.close()


# --- the retention policy -------------------------------------------------------------


def _policy_from_value(value: object) -> RetentionPolicy:
    """The stored policy; defaults for anything unreadable (an old or imported value)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return RetentionPolicy()
    if not isinstance(value, dict):
        return RetentionPolicy()
    default = RetentionPolicy()
    counts: dict[str, int] = {}
    for key in ("daily", "weekly", "monthly"):
        number = value.get(key)
        if type(number) is int and 0 <= number <= RETENTION_MAX:
            counts[key] = number
        else:
            counts[key] = getattr(default, key)
    return RetentionPolicy(**counts)


def retention_policy(store: Store) -> RetentionPolicy:
    with store.read() as session:
        setting = session.get(Setting, RETENTION_SETTING)
        return RetentionPolicy() if setting is None else _policy_from_value(setting.value)


def set_retention_policy(
    store: Store, *, daily: int, weekly: int, monthly: int
) -> Outcome[RetentionPolicy]:
    """Change how many daily, weekly and monthly backups are kept (0 to 999 each)."""
    wanted: dict[str, int] = {}
    for key, value, label in (
        ("daily", daily, F_DAILY),
        ("weekly", weekly, F_WEEKLY),
        ("monthly", monthly, F_MONTHLY),
    ):
        if type(value) is not int or not 0 <= value <= RETENTION_MAX:
            raise ValidationError(_MSG_RETENTION, field=label, limit=RETENTION_MAX)
        wanted[key] = value
    policy = RetentionPolicy(**wanted)
    with store.work() as work:
        setting = work.session.get(Setting, RETENTION_SETTING)
        before = None if setting is None else _policy_from_value(setting.value)
        if before == policy:
            return Outcome(policy, work.changes)
        if setting is None:
            work.session.add(Setting(key=RETENTION_SETTING, value=dict(wanted)))
        else:
            setting.value = dict(wanted)
        work.record(
            "setting",
            0,
            RETENTION_SETTING,
            None if before is None else [before.daily, before.weekly, before.monthly],
            [policy.daily, policy.weekly, policy.monthly],
        )
        work.changed(ChangeKind.SETTING, 0)
    return Outcome(policy, work.changes)


def plan_retention(
    backups: Sequence[BackupInfo], policy: RetentionPolicy, now: datetime
) -> frozenset[str]:
    """The ids to keep: the newest, the newest per day/ISO week/month up to the policy's
    counts (counting periods that have a backup), and manual and safety backups under
    30 days old."""
    ordered = sorted(backups, key=lambda b: (b.created_at, b.id), reverse=True)
    keep: set[str] = set()
    if ordered:
        keep.add(ordered[0].id)
    periods: tuple[tuple[int, Callable[[datetime], object]], ...] = (
        (policy.daily, lambda d: d.date()),
        (policy.weekly, lambda d: tuple(d.isocalendar())[:2]),
        (policy.monthly, lambda d: (d.year, d.month)),
    )
    for count, period in periods:
        seen: set[object] = set()
        for backup in ordered:
            key = period(backup.created_at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(backup.id)
    for backup in ordered:
        if backup.reason in SAFETY_REASONS and backup.created_at >= now - SAFETY_KEEP:
            keep.add(backup.id)
    return frozenset(keep)


def prune_backups(
    data_dir: Path, policy: RetentionPolicy, now: datetime, *, protect: str | None = None
) -> tuple[str, ...]:
    """Remove the verified backups the policy does not keep; returns their ids.

    Folders that are not backups this module made and verified are never touched.
    """
    with LOCK:
        backups = [b for b in list_backups(data_dir) if b.verified]
        keep = plan_retention(backups, policy, now)
        removed: list[str] = []
        for backup in backups:
            if backup.id in keep or backup.id == protect:
                continue
            _remove_tree(backup.path)
            removed.append(backup.id)
        if removed:
            filestore.fsync_dir(data_dir / "backups")
        return tuple(removed)


# --- listing --------------------------------------------------------------------------


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _read_manifest(folder: Path) -> BackupInfo | None:
    """The backup in ``folder``, or None if it holds no readable manifest of ours."""
    try:
        with (folder / MANIFEST).open("rb") as fh:
            raw = fh.read(_MANIFEST_MAX + 1)
        if len(raw) > _MANIFEST_MAX:
            return None
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    try:
        if data["format"] != FORMAT or data["version"] != VERSION:
            return None
        created = _parse_time(data["created_at"])
        database = data["database"]
        files = data["files"]
        verified = data.get("verified") or {}
        unavailable = data.get("unavailable_files") or []
        info = BackupInfo(
            id=folder.name,
            path=folder,
            created_at=created,  # type: ignore[arg-type]  # checked just below
            reason=str(data["reason"]),
            schema_revision=data.get("schema_revision"),
            marker=str(data["marker"]),
            database_size=int(database["size"]),
            database_sha256=str(database["sha256"]),
            file_count=int(files["count"]),
            files_size=int(files["size"]),
            unavailable_files=tuple(str(s) for s in unavailable),
            verified_at=_parse_time(verified.get("at")),
            check=str(verified.get("check", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if created is None:
        return None
    return info


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The backups of a data folder, newest first."""
    folder = data_dir / "backups"
    try:
        entries = [e for e in folder.iterdir() if not e.name.startswith(".") and e.is_dir()]
    except OSError:
        return []
    found = [info for e in entries if (info := _read_manifest(e)) is not None]
    found.sort(key=lambda b: (b.created_at, b.id), reverse=True)
    return found


def find_backup(data_dir: Path, backup: str | os.PathLike[str]) -> BackupInfo:
    """A backup by its id in the data folder, or by the path of a backup folder."""
    text = os.fspath(backup)
    candidates = []
    if _ID.fullmatch(text):
        candidates.append(data_dir / "backups" / text)
    candidates.append(Path(text).expanduser())
    for folder in candidates:
        if folder.is_dir():
            info = _read_manifest(folder)
            if info is not None:
                return info
    raise NotFoundError(_MSG_UNKNOWN_BACKUP, name=text)


def backup_due(store: Store, every: timedelta = timedelta(hours=3)) -> bool:
    """True when the newest backup is older than ``every`` (or there is none)."""
    backups = list_backups(store.data_dir)
    return not backups or backups[0].created_at <= store.clock() - every


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


def copy_database(
    source: sqlite3.Connection, target: Path, progress: ProgressCallback | None, stage: str
) -> None:
    """SQLite's backup API in steps; the copy ends up in rollback-journal mode."""
    dst = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    try:

        def step(_status: int, remaining: int, total: int) -> None:
            report(progress, stage, total - remaining, total)

        source.backup(dst, pages=PAGES_PER_STEP, progress=step)
        # A copy of a WAL database says "WAL" in its header; made self-contained it can
        # be opened read-only, from a USB stick, without -wal and -shm files beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
    _fsync_file(target)


def _copy_checked(source: Path, target: Path, sha256: str) -> int | None:
    """Copy with temp + fsync + rename; the size, or None if the content is not ``sha256``."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f"{filestore.TEMP_PREFIX}{target.name}")
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(1024 * 1024):
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
    _private_dir(target_dir)
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
            size = _copy_checked(live, target, sha) if live.is_file() else None
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
    if not (store.is_sqlite and store.uses_data_dir_database):
        raise StorageError(_MSG_NOT_HERE)
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
    with LOCK:
        partial: Path | None = None
        try:
            _private_dir(backups_dir)
            remove_leftovers(backups_dir, (PARTIAL_PREFIX, TRASH_PREFIX))
            existing = list_backups(data_dir)
            source = open_source(database)
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
                partial = backups_dir / f"{PARTIAL_PREFIX}{backup_id}"
                _private_dir(partial)
                copy = partial / DATABASE_NAME
                new_private_file(copy)
                copy_database(source, copy, progress, "database")
            finally:
                source.close()
            previous = next((b for b in existing if b.verified), None)
            copied, unavailable, files_size = _gather_files(
                data_dir / "files", partial / FILES, facts.files, previous, progress
            )
            database_sha = _verify_copy(copy, copied, partial / FILES, progress, check)
            _write_json(
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
            filestore.fsync_dir(partial)
            final = backups_dir / backup_id
            os.rename(partial, final)
            partial = None
            filestore.fsync_dir(backups_dir)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(_MSG_FAILED, reason=failure_reason(exc)) from exc
        finally:
            if partial is not None:
                shutil.rmtree(partial, ignore_errors=True)
        info = _read_manifest(final)
        assert info is not None  # just written by this function
        pruned: tuple[str, ...] = ()
        if prune:
            with contextlib.suppress(OSError):
                pruned = prune_backups(data_dir, facts.retention, now, protect=info.id)
        return BackupResult(info, False, pruned)


def _verify_copy(
    copy: Path,
    copied: Sequence[str],
    files_dir: Path,
    progress: ProgressCallback | None,
    check: str,
) -> str:
    """Check the new copy before anything relies on it; returns the database's SHA-256."""
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True, check_same_thread=False)
    try:
        rows = run_check(conn, progress, check)
    finally:
        conn.close()
    if rows != ["ok"]:
        raise StorageError(MSG_COPY_BAD, detail="; ".join(rows[:3]))
    total = copy.stat().st_size
    done = 0

    def hashed(n: int) -> None:
        nonlocal done
        done += n
        report(progress, "verify", done, total)

    sha = filestore.file_sha256(copy, hashed)
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
    database = backup.path / DATABASE_NAME
    try:
        if not database.is_file():
            raise StorageError(_MSG_BACKUP_NO_DB, id=backup.id)
        total = database.stat().st_size
        done = 0

        def hashed(n: int) -> None:
            nonlocal done
            done += n
            report(progress, "verify", done, total)

        if filestore.file_sha256(database, hashed) != backup.database_sha256:
            raise StorageError(_MSG_BACKUP_DB_CHANGED, id=backup.id)
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, check_same_thread=False)
        try:
            rows = run_check(conn, progress, check)
            if rows != ["ok"]:
                raise StorageError(_MSG_BACKUP_DB_BAD, id=backup.id, detail="; ".join(rows[:3]))
            wanted = referenced_files(conn)
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
            _MSG_BACKUP_UNREADABLE, id=backup.id, reason=failure_reason(exc)
        ) from exc
    return backup


def referenced_files(conn: sqlite3.Connection) -> list[str]:
    if "document_files" not in table_names(conn):
        return []
    return [
        str(sha)
        for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM document_files")
        if isinstance(sha, str) and filestore.SHA256_HEX.fullmatch(sha)
    ]


# --- installing a database and its files (restore and archive import) ----------------


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
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, check_same_thread=False)
    try:
        if live.is_file() and live.stat().st_size > 0:
            dst = sqlite3.connect(live, isolation_level=None, check_same_thread=False)
            try:
                dst.execute("PRAGMA busy_timeout = 5000")
                dst.execute("PRAGMA synchronous = FULL")
                src.backup(
                    dst,
                    pages=PAGES_PER_STEP,
                    progress=lambda _s, left, total: report(
                        progress, "restore", total - left, total
                    ),
                )
                with contextlib.suppress(sqlite3.Error):  # a reader may delay it; not an error
                    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                dst.close()
            return
        for suffix in ("-wal", "-shm", "-journal"):
            # A journal without its database would be replayed onto the new one.
            stray = live.with_name(live.name + suffix)
            if stray.exists():
                set_aside(data_dir)
                break
        tmp = data_dir / f"{WORK_PREFIXES[0]}{os.getpid()}-{time.monotonic_ns()}.sqlite3"
        try:
            new_private_file(tmp)
            copy_database(src, tmp, progress, "restore")
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
    for path in content_files(data_dir / "files"):
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


def content_files(files_dir: Path) -> Iterator[Path]:
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


def database_files(path: Path) -> list[str]:
    """The attachments a database file refers to (read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return referenced_files(conn)
    finally:
        conn.close()


# --- restoring ------------------------------------------------------------------------


def restore_backup(
    data_dir: Path,
    backup: BackupInfo | str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    clock: Clock = local_now,
    verify: bool = True,
) -> RestoreResult:
    """Put a backup back in place of the data folder's database and attachments.

    Close every :class:`Store` on ``data_dir`` first, and open a new one after. Order:
    verify the backup completely; back up the current state (``before-restore``) or, if
    the current database is damaged, move it aside into ``damaged/``; copy in missing
    attachments; replace the database in one transaction; remove attachments that only
    the current state used (they are in the safety backup).
    """
    with LOCK:
        info = backup if isinstance(backup, BackupInfo) else find_backup(data_dir, backup)
        prepare_data_dir(data_dir)
        remove_leftovers(data_dir, WORK_PREFIXES)
        if verify:  # False only right after the caller verified it
            verify_backup(info, progress=progress)
        revision = info.schema_revision
        if revision and not migrate.is_known(revision):
            raise StorageError(_MSG_BACKUP_NEWER, id=info.id, revision=info.schema_revision)
        health = diagnose(data_dir)
        safety: BackupInfo | None = None
        aside: Path | None = None
        if health.state in ("ok", "newer"):
            safety = backup_data_dir(
                data_dir, clock, "before-restore", progress=progress, force=True, prune=False
            ).backup
        elif health.needs_recovery:
            aside = set_aside(data_dir, now=clock())
        try:
            referenced = database_files(info.path / DATABASE_NAME)
            sources = {
                sha: filestore.path_for(info.path / FILES, sha)
                for sha in referenced
                if sha not in info.unavailable_files
            }
            install_files(data_dir / "files", sources, progress)
            install_database(data_dir, info.path / DATABASE_NAME, progress)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(_MSG_RESTORE_FAILED, reason=failure_reason(exc)) from exc
        drop_unreferenced(data_dir, referenced, safety)
        return RestoreResult(info, safety, aside)


# --- the app's lock -------------------------------------------------------------------


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
