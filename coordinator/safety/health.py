"""Is the data folder's database sound, and if not, set it aside untouched.

:func:`diagnose` is cheap (the file's header, its tables, the schema revision, the first
page of every table: milliseconds on any size). ``thorough=True`` adds SQLite's
``PRAGMA quick_check``, about a second per 450 MB. It opens the file read-only and never
writes it: a damaged file stays exactly as it was, to be handed to someone who can
salvage it. :func:`set_aside` moves a damaged database into ``damaged/<time>/`` by
renames only, so that a backup can be restored in its place
(:mod:`coordinator.safety.recovery`).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

from coordinator.errors import StorageError
from coordinator.i18n import N_, Msg
from coordinator.paths import DATABASE_NAME
from coordinator.safety.copying import open_read_only, quote_name, schema_revision, table_names
from coordinator.store import migrate
from coordinator.store.storage import local_now

__all__ = ["DAMAGED_DIR", "Health", "HealthState", "diagnose", "set_aside"]

HealthState = Literal["ok", "new", "newer", "unreadable", "not-a-database", "foreign", "damaged"]
DAMAGED_DIR: Final = "damaged"
SIDE_FILES: Final = ("-wal", "-shm", "-journal")
_HEADER: Final = b"SQLite format 3\x00"

_MESSAGES: Final[dict[str, Msg]] = {
    "ok": N_("The database is sound."),
    "new": N_("There is no database yet: a new one will be created."),
    "newer": N_(
        "The database was written by a newer version of Liaison Hub (schema {revision}). "
        "Update Liaison Hub to open it."
    ),
    "unreadable": N_("The database file cannot be read: {reason}"),
    "not-a-database": N_(
        "The file {path} is not a database any more: it has been overwritten or damaged."
    ),
    "foreign": N_("The file {path} is not a Liaison Hub database."),
    "damaged": N_("The database file is damaged: {detail}"),
}


@dataclass(frozen=True)
class Health:
    state: HealthState
    database_path: Path
    params: tuple[tuple[str, object], ...] = ()

    @property
    def ok(self) -> bool:
        """The store can be opened as it is."""
        return self.state in ("ok", "new")

    @property
    def needs_recovery(self) -> bool:
        """The file cannot be used: set it aside and restore a backup."""
        return self.state in ("unreadable", "not-a-database", "foreign", "damaged")

    def message(self, lang: str | None = None) -> str:
        values = {k: (v.tr(lang) if isinstance(v, Msg) else v) for k, v in self.params}
        return _MESSAGES[self.state].tr(lang).format(**values)


def _classify(exc: sqlite3.Error) -> HealthState:
    text = str(exc).lower()
    if "not a database" in text:
        return "not-a-database"
    if "malformed" in text or "corrupt" in text:
        return "damaged"
    return "unreadable"


def diagnose(data_dir: Path, *, thorough: bool = False) -> Health:
    """How the data folder's database is, without changing it."""
    path = data_dir / DATABASE_NAME
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        return Health("new", path)
    except OSError as exc:
        return Health("unreadable", path, (("reason", exc.strerror or str(exc)),))
    wal = path.with_name(path.name + "-wal")
    if size == 0 and not (wal.exists() and wal.stat().st_size > 0):
        return Health("new", path)  # a new store creates the file empty, then fills it
    if size and not (len(header) == 100 and header.startswith(_HEADER)):
        return Health("not-a-database", path, (("path", str(path)),))
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        return Health("unreadable", path, (("reason", str(exc)),))
    try:
        tables = table_names(conn)
        if not tables:
            return Health("new", path)
        revision = schema_revision(conn, tables)
        if revision is None:
            return Health("foreign", path, (("path", str(path)),))
        if not migrate.is_known(revision):
            return Health("newer", path, (("revision", revision),))
        for name in sorted(tables):
            # The root page of every table: a damaged page table shows here at once.
            conn.execute(f"SELECT * FROM {quote_name(name)} LIMIT 1").fetchall()
        if thorough:
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
            if rows != ["ok"]:
                return Health("damaged", path, (("detail", "; ".join(rows[:3])),))
    except sqlite3.Error as exc:
        state = _classify(exc)
        if state == "unreadable":
            return Health(state, path, (("reason", str(exc)),))
        if state == "not-a-database":
            return Health(state, path, (("path", str(path)),))
        return Health(state, path, (("detail", str(exc)),))
    finally:
        conn.close()
    return Health("ok", path)


def set_aside(data_dir: Path, *, now: datetime | None = None) -> Path | None:
    """Move the database and its -wal/-shm files into ``damaged/<time>/`` unchanged.

    Returns that folder, or None if there was nothing to move. Renames only (the same
    disk): the files' content is not read or rewritten.
    """
    path = data_dir / DATABASE_NAME
    present = [
        p for p in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)) if p.exists()
    ]
    if not present:
        return None
    stamp = f"{(now or local_now()):%Y%m%d-%H%M%S}"
    root = data_dir / DAMAGED_DIR
    try:
        root.mkdir(exist_ok=True, mode=0o700)
        target, n = root / stamp, 1
        while target.exists():
            n += 1
            target = root / f"{stamp}-{n}"
        target.mkdir(mode=0o700)
        # The database first: without it, SQLite would never replay its journal onto
        # anything, whatever happens before the side files follow.
        for item in present:
            os.rename(item, target / item.name)
            if os.name == "posix" and (target / item.name).stat().st_mode & 0o077:
                os.chmod(target / item.name, 0o600)
    except OSError as exc:
        raise StorageError(
            N_("The damaged database could not be moved aside: {reason}"),
            reason=exc.strerror or str(exc),
        ) from exc
    return target
