"""The backups a data folder holds: their folders, their manifests, why each was made.

One backup is one folder under ``<data dir>/backups``, named by its id::

    20250609-173000-quit/
        manifest.json            when, why, the change marker, sizes, SHA-256s
        liaison-hub.sqlite3      the database, in rollback-journal mode (one file)
        files/ab/ab12...         the attachments the database refers to

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

from coordinator.errors import NotFoundError
from coordinator.i18n import N_, Msg
from coordinator.paths import DATABASE_NAME
from coordinator.store.storage import Store

__all__ = [
    "AUTOMATIC_REASONS",
    "REASONS",
    "REASON_LABELS",
    "BackupInfo",
    "backup_due",
    "find_backup",
    "list_backups",
]

FORMAT: Final = "liaison-hub-backup"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
FILES: Final = "files"
PARTIAL_PREFIX: Final = ".partial-"

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


def backup_due(store: Store, every: timedelta = timedelta(hours=3)) -> bool:
    """True when the newest backup is older than ``every`` (or there is none)."""
    backups = list_backups(store.data_dir)
    return not backups or backups[0].created_at <= store.clock() - every
