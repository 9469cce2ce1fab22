"""The backups a data folder holds: their folders, their manifests, why each was made.

One backup is one folder under ``<data dir>/backups``, named by its id::

    20250609-173000-quit/
        manifest.json            when, why, the change marker, sizes, SHA-256s
        liaison-hub.sqlite3      the database, in rollback-journal mode (one file)
        files/ab/ab12...         the attachments the database refers to

A backup of an office server's database (:mod:`coordinator.safety.server_backup`) is a
folder of the same kind holding the server's own dump instead, attachments included::

    20250609-173000-manual/
        manifest.json            the same, with the engine and the server it came from
        liaison-hub.dump         pg_dump's custom format

A folder that exists under its id is complete and verified
(:mod:`coordinator.safety.backup` builds it under ``.partial-<id>`` first). Listing reads
the manifests only, so it is quick whatever the backups weigh.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Final

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from coordinator.errors import NotFoundError
from coordinator.i18n import N_, Msg
from coordinator.paths import DATABASE_NAME
from coordinator.store import storage
from coordinator.store.storage import Store

__all__ = [
    "AUTOMATIC_REASONS",
    "REASONS",
    "REASON_LABELS",
    "BackupInfo",
    "BackupResult",
    "backup_due",
    "backups_for",
    "data_folder_url",
    "find_backup",
    "list_backups",
]

FORMAT: Final = "liaison-hub-backup"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
FILES: Final = "files"
PARTIAL_PREFIX: Final = ".partial-"
SQLITE: Final = "sqlite"
POSTGRESQL: Final = "postgresql"

REASONS: Final = (
    "quit",
    "periodic",
    "manual",
    "before-migration",
    "before-restore",
    "before-import",
    "before-repair",
    "sync",
)
AUTOMATIC_REASONS: Final = frozenset({"quit", "periodic"})
REASON_LABELS: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "quit": N_("on quitting"),
        "periodic": N_("periodic"),
        "manual": N_("made by hand"),
        "before-migration": N_("before an update of the database"),
        "before-restore": N_("before a restore"),
        "before-import": N_("before an archive import"),
        "before-repair": N_("before a repair"),
        "sync": N_("before a sync with the office"),
    }
)

_MANIFEST_MAX: Final = 16 * 1024 * 1024
_ID = re.compile(r"\d{8}-\d{6}-[a-z-]+(?:-\d+)?")

_MSG_UNKNOWN_BACKUP = N_("There is no backup “{name}”.")


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
    engine: str = SQLITE  # or POSTGRESQL: a dump of an office server's database
    database_name: str = DATABASE_NAME  # the file in the folder holding the database
    server: str = ""  # the server's database it was made of, as shown (no password)

    @property
    def on_server(self) -> bool:
        return self.engine == POSTGRESQL

    @property
    def database_file(self) -> Path:
        return self.path / self.database_name

    @property
    def size(self) -> int:
        return self.database_size + self.files_size

    @property
    def verified(self) -> bool:
        """Verified when made, and its database file is still there at its size."""
        database = self.database_file
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
    """What making a backup did."""

    backup: BackupInfo | None  # None when skipped
    skipped: bool
    pruned: tuple[str, ...] = ()


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def read_manifest(folder: Path) -> BackupInfo | None:
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
        engine = str(data.get("engine", SQLITE))
        name = str(database.get("name", DATABASE_NAME))
        if engine not in (SQLITE, POSTGRESQL) or Path(name).name != name or name in ("", ".."):
            return None
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
            engine=engine,
            database_name=name,
            server=str(data.get("server", "")),
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
    found = [info for e in entries if (info := read_manifest(e)) is not None]
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
            info = read_manifest(folder)
            if info is not None:
                return info
    raise NotFoundError(_MSG_UNKNOWN_BACKUP, name=text)


def data_folder_url(data_dir: Path) -> str | None:
    """The database the data folder's settings name: None for its own SQLite file, else
    the URL (an office server's). Reads the settings only: creates and connects to
    nothing, so a refused import or restore leaves a new folder as it was."""
    # Through the storage module's own name for it, the one every Store asks (and the
    # tests point at their server); it is not in that module's __all__.
    chosen: str | None = storage.configured_url(data_dir, None)
    return chosen


def server_key(url: str) -> str:
    """What names a server's database whoever connects to it: host, port and name."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    return f"{parsed.host or ''}:{parsed.port or 5432}/{parsed.database or ''}"


def backups_for(data_dir: Path, url: str | None) -> list[BackupInfo]:
    """The backups of the database ``url`` names (None: the data folder's own file),
    newest first: a laptop's backups of its file, or the dumps of that server's database
    made from this computer. Others in the folder (a laptop's before it joined the
    office server, say) are not offered where they cannot be restored."""
    found = list_backups(data_dir)
    if url is None or url.startswith("sqlite"):
        return [b for b in found if b.engine == SQLITE]
    key = server_key(url)
    return [b for b in found if b.on_server and server_key(b.server) == key]


def backup_due(store: Store, every: timedelta = timedelta(hours=3)) -> bool:
    """True when the newest backup is older than ``every`` (or there is none).

    Never on an office server: its regular backups are the server's (see
    :mod:`coordinator.safety.server_backup` for why each laptop does not make them).
    """
    if store.on_server:
        return False
    backups = backups_for(store.data_dir, None)
    return not backups or backups[0].created_at <= store.clock() - every
