"""Check data: is the database sound, is every attachment there and intact, is anything
left over, and repair what can be repaired safely.

:func:`check_store` returns findings in words the officer understands. A finding may
offer a safe repair (``Finding.repair``, one of :data:`REPAIRS`); :func:`repair` applies
the repairs of the findings it is given:

``quarantine-files``
    Files in the attachments folder that no document refers to, and unfinished copies
    left by an interruption, are *moved* to ``quarantine/<time>/``, never deleted.
``restore-file``
    A missing or damaged attachment is copied back from the newest backup holding a
    good copy (a damaged copy goes to quarantine first).
``delete-orphan-rows``
    Rows whose parent record is gone, of a kind the schema deletes with its parent
    (``ON DELETE CASCADE``): what the database would have done had it been told.
``clear-broken-links``
    Optional links to a record that is gone (``ON DELETE SET NULL``) are emptied.
``fix-permissions``
    Files and folders of the data folder other users could read become owner-only.
``drop-unreferenced-content``
    On an office server: attachments' content in the database that no document refers
    to any more is removed (after a backup of the server).

On an office server, what is SQLite's own is not checked (its structure check, its
foreign keys: PostgreSQL enforces those itself, nor the data folder's files of
attachments, which live in the database there); the attachments' content in the
database, the schema, the search index and the calendar are, and the data folder's
file modes too (it holds the settings with the server's address, and the dumps of the
whole office's data).

Repairs that change the database are preceded by a ``before-repair`` backup and
recorded as events. Every repair works from what it finds at the time it runs, so a
second check after a repair finds nothing it repaired; files younger than
:data:`ORPHAN_GRACE` are never counted as left over (an attachment is stored a moment
before the database refers to it).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from coordinator.errors import DomainError, StorageError
from coordinator.i18n import N_, Msg
from coordinator.safety import unfinished
from coordinator.safety.backup import make_backup
from coordinator.safety.catalogue import FILES, BackupInfo, list_backups
from coordinator.safety.copying import (
    ProgressCallback,
    failure_reason,
    quote_name,
    report,
    run_check,
)
from coordinator.safety.opening import LOCK_NAME
from coordinator.search import index as search_index
from coordinator.store import chunkstore, filestore
from coordinator.store.content import content_for
from coordinator.store.migrate import current_revision, head_revision
from coordinator.store.models import DocumentFile
from coordinator.store.storage import Store, translate_db_error

REPAIRS: Final = (
    "quarantine-files",
    "restore-file",
    "delete-orphan-rows",
    "clear-broken-links",
    "fix-permissions",
    "rebuild-search-index",
    "drop-unreferenced-content",
)
ORPHAN_GRACE: Final = 3600.0  # seconds
QUARANTINE_DIR: Final = "quarantine"
_DATABASE_REPAIRS: Final = frozenset(
    {"delete-orphan-rows", "clear-broken-links", "drop-unreferenced-content"}
)

_MSG_DAMAGED = N_("The database file is damaged: {detail}")
_MSG_FK_ONE = N_("A row of {table} (#{rowid}) points to a missing {parent}.")
_MSG_FK_MANY = N_("{count} rows of {table} point to a missing {parent} (the first is #{rowid}).")
_MSG_SCHEMA = N_("The database structure is not up to date.")
_MSG_MISSING = N_("The attached file “{name}” is missing.")
_MSG_MISSING_BACKED_UP = N_(
    "The attached file “{name}” is missing; the backup of {date} has a good copy."
)
_MSG_CHANGED = N_("The attached file “{name}” has changed since it was stored.")
_MSG_CHANGED_BACKED_UP = N_(
    "The attached file “{name}” has changed since it was stored; the backup of {date} has "
    "a good copy."
)
_MSG_ORPHANS = N_("Files in the attachments folder that belong to no document: {count}.")
_MSG_PARTIAL = N_("Unfinished copies of attachments left by an interruption: {count}.")
_MSG_PARTIAL_BACKUPS = N_(
    "Unfinished backups left by an interruption: {count} ({size} MB). They are removed "
    "the next time the app starts."
)
_MSG_PERMISSIONS = N_(
    "Files or folders in the data folder that other users of this computer can read: {count}."
)
_MSG_NO_HOLIDAYS = N_(
    "No holiday schedule is known for {year}: only weekends are days off until "
    "you enter the year's schedule."
)
_MSG_NO_GOOD_COPY = N_("No backup holds a good copy of the attached file “{name}” any more.")
_MSG_SEARCH_INDEX = N_(
    "The search index does not match the data ({detail}): searches could miss records "
    "until it is rebuilt."
)
_MSG_REPAIR_FAILED = N_("The repair could not be finished: {reason}")
_MSG_UNREFERENCED = N_(
    "Content of attached files kept in the database that no document refers to any more: "
    "{count} ({size} MB)."
)


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    message: Msg
    params: tuple[tuple[str, object], ...] = ()
    code: str = ""  # the kind of problem, for screens that group or filter findings
    repair: str | None = None  # the safe repair offered (one of REPAIRS), if any
    targets: tuple[str, ...] = ()  # what that repair applies to

    def text(self, lang: str | None = None) -> str:
        values = {k: (v.tr(lang) if isinstance(v, Msg) else v) for k, v in self.params}
        return self.message.tr(lang).format(**values)


@dataclass(frozen=True)
class CheckReport:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def repairable(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.repair is not None)


@dataclass(frozen=True)
class RepairReport:
    repaired: tuple[Finding, ...]
    failed: tuple[tuple[Finding, DomainError], ...]
    backup: BackupInfo | None  # made before the database was changed
    quarantine: Path | None  # where set-aside files went


# --- checking -------------------------------------------------------------------------


def check_store(
    store: Store,
    today: date | None = None,
    *,
    progress: ProgressCallback | None = None,
    grace: float = ORPHAN_GRACE,
) -> CheckReport:
    """Everything that can be checked, cheapest first; never changes anything."""
    findings: list[Finding] = []
    try:
        if store.is_sqlite:
            report(progress, "check", 0, 4)
            findings.extend(_database_findings(store, progress))
            if any(f.code == "integrity" for f in findings):
                return CheckReport(tuple(findings))  # nothing below can be trusted
            report(progress, "check", 1, 4)
            findings.extend(_foreign_key_findings(store))
        if current_revision(store) != head_revision(store.url):
            findings.append(Finding("error", _MSG_SCHEMA, code="schema"))
        with store.read() as session:
            files = list(
                session.execute(select(DocumentFile.sha256, DocumentFile.original_name).distinct())
            )
    except (SADatabaseError, sqlite3.DatabaseError) as exc:
        if store.on_server:  # a server out of reach is not a damaged file: said as such
            raise translate_db_error(exc) from exc
        detail = str(getattr(exc, "orig", exc))
        findings.append(Finding("error", _MSG_DAMAGED, (("detail", detail),), code="integrity"))
        return CheckReport(tuple(findings))
    except StorageError as exc:
        if store.on_server:
            raise
        findings.append(
            Finding("error", _MSG_DAMAGED, (("detail", exc.message()),), code="integrity")
        )
        return CheckReport(tuple(findings))
    report(progress, "check", 2, 4)
    findings.extend(_attachment_findings(store, files, progress))
    if store.on_server:
        findings.extend(_unreferenced_findings(store))
    if store.uses_data_dir_database:
        referenced = {sha for sha, _name in files}
        findings.extend(_leftover_findings(store.files_dir, referenced, grace))
    if store.uses_data_dir_database or store.on_server:
        findings.extend(_permission_findings(store.data_dir))
    findings.extend(_unfinished_backup_findings(store.data_dir))
    report(progress, "check", 3, 4)
    findings.extend(search_index_findings(store))
    calendar = store.calendar()
    year = (today or store.clock().date()).year
    for missing in (y for y in (year, year + 1) if calendar.coverage(y) == "fallback"):
        findings.append(Finding("warning", _MSG_NO_HOLIDAYS, (("year", missing),), code="calendar"))
    report(progress, "check", 4, 4)
    return CheckReport(tuple(findings))


def search_index_findings(store: Store) -> list[Finding]:
    """The index holds exactly the records there are, as they read now (a rebuild is
    offered, and is safe: the index holds nothing the records do not)."""
    problems = search_index.problems(store)
    if not problems:
        return []
    detail = "; ".join(problems[:5])
    return [
        Finding(
            "error",
            _MSG_SEARCH_INDEX,
            (("detail", detail),),
            code="search-index",
            repair="rebuild-search-index",
        )
    ]


def _database_findings(store: Store, progress: ProgressCallback | None) -> list[Finding]:
    """SQLite-only: the engine's own structural check."""
    with store.engine.connect() as conn:
        rows = run_check(_raw(conn.connection.dbapi_connection), progress)
    if rows == ["ok"]:
        return []
    return [Finding("error", _MSG_DAMAGED, (("detail", "; ".join(rows[:5])),), code="integrity")]


def _foreign_key_findings(store: Store) -> list[Finding]:
    """One finding per broken kind of link, offering what the schema says to do."""
    findings: list[Finding] = []
    with store.engine.connect() as conn:
        groups: dict[tuple[str, str, int], list[int]] = {}
        for table, rowid, parent, fkid in conn.execute(text("PRAGMA foreign_key_check")):
            groups.setdefault((str(table), str(parent), int(fkid)), []).append(int(rowid))
        for (table, parent, fkid), rowids in sorted(groups.items()):
            on_delete = _on_delete(_raw(conn.connection.dbapi_connection), table, fkid)
            repair = {"CASCADE": "delete-orphan-rows", "SET NULL": "clear-broken-links"}.get(
                on_delete
            )
            targets = (table, str(fkid))
            if len(rowids) == 1:
                params: tuple[tuple[str, object], ...] = (
                    ("table", table),
                    ("rowid", rowids[0]),
                    ("parent", parent),
                )
                message = _MSG_FK_ONE
            else:
                params = (
                    ("count", len(rowids)),
                    ("table", table),
                    ("parent", parent),
                    ("rowid", min(rowids)),
                )
                message = _MSG_FK_MANY
            findings.append(Finding("error", message, params, "foreign-key", repair, targets))
    return findings


def _raw(dbapi: object) -> sqlite3.Connection:
    """The driver's own connection (these checks are SQLite's), typed as such."""
    if not isinstance(dbapi, sqlite3.Connection):
        raise TypeError(f"not an SQLite connection: {type(dbapi).__name__}")
    return dbapi


def _foreign_key(dbapi: sqlite3.Connection, table: str, fkid: int) -> list[tuple[object, ...]]:
    """The rows of ``PRAGMA foreign_key_list`` for one link (one per column)."""
    quoted = table.replace("'", "''")
    return [
        tuple(row)
        for row in dbapi.execute(f"PRAGMA foreign_key_list('{quoted}')")
        if int(row[0]) == fkid
    ]


def _on_delete(dbapi: sqlite3.Connection, table: str, fkid: int) -> str:
    rows = _foreign_key(dbapi, table, fkid)
    return str(rows[0][6]).upper() if rows else ""


def _fk_columns(dbapi: sqlite3.Connection, table: str, fkid: int) -> list[str]:
    return [str(row[3]) for row in _foreign_key(dbapi, table, fkid)]


def _good_copy(store: Store, sha: str) -> BackupInfo | None:
    """The newest backup holding a copy of ``sha`` that still hashes right."""
    for info in list_backups(store.data_dir):
        path = filestore.path_for(info.path / FILES, sha)
        try:
            if path.is_file() and filestore.file_sha256(path) == sha:
                return info
        except OSError:
            continue
    return None


def _attachment_findings(
    store: Store, files: Sequence[tuple[str, str]], progress: ProgressCallback | None
) -> list[Finding]:
    names: dict[str, list[str]] = {}
    for sha, name in files:
        names.setdefault(sha, []).append(name)
    content = content_for(store)
    findings: list[Finding] = []
    for index, (sha, labels) in enumerate(sorted(names.items()), 1):
        name = " / ".join(sorted(set(labels)))
        state = content.state(sha)
        if state != "intact":
            missing = state == "missing"
            # A laptop's backups hold the files themselves; a server's dumps hold the
            # whole database, which is restored whole or not at all.
            good = _good_copy(store, sha) if store.uses_data_dir_database else None
            if good is None:
                message = _MSG_MISSING if missing else _MSG_CHANGED
                params: tuple[tuple[str, object], ...] = (("name", name),)
                repair = None
            else:
                message = _MSG_MISSING_BACKED_UP if missing else _MSG_CHANGED_BACKED_UP
                params = (("name", name), ("date", f"{good.created_at:%Y-%m-%d %H:%M}"))
                repair = "restore-file"
            code = "missing-file" if missing else "damaged-file"
            findings.append(Finding("error", message, params, code, repair, (sha,)))
        report(progress, "files", index, len(names))
    return findings


def _unreferenced_findings(store: Store) -> list[Finding]:
    """Content in the database nobody refers to (a file removed from its document, a
    document deleted): a warning, and its removal offered."""
    with store.read() as session:
        found = chunkstore.unreferenced(session.connection())
    if not found:
        return []
    size = sum(found.values())
    return [
        Finding(
            "warning",
            _MSG_UNREFERENCED,
            (("count", len(found)), ("size", f"{size / 2**20:.1f}")),
            "unreferenced-content",
            "drop-unreferenced-content",
            tuple(found),
        )
    ]


def _unfinished_backup_findings(data_dir: Path) -> list[Finding]:
    """Backups a crash cut short that no live process is still building."""
    left = unfinished.abandoned(data_dir)
    if not left:
        return []
    size = sum(_tree_size(p) for p in left)
    params = (("count", len(left)), ("size", f"{size / 1_000_000:.1f}"))
    return [
        Finding(
            "warning",
            _MSG_PARTIAL_BACKUPS,
            params,
            code="unfinished-backups",
            targets=tuple(p.name for p in left),
        )
    ]


def _tree_size(folder: Path) -> int:
    total = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue
    return total


def _leftovers(
    files_dir: Path, referenced: set[str], grace: float
) -> tuple[list[Path], list[Path]]:
    """(files nothing refers to, unfinished copies), older than ``grace`` seconds."""
    orphans: list[Path] = []
    partial: list[Path] = []
    cutoff = time.time() - grace

    def old(path: Path) -> bool:
        try:
            return path.lstat().st_mtime <= cutoff
        except OSError:
            return False

    def walk(folder: Path) -> Iterator[Path]:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                yield from walk(entry)
            else:
                yield entry

    for path in walk(files_dir):
        if not old(path):
            continue
        relative = path.relative_to(files_dir).parts
        if path.name.startswith(filestore.TEMP_PREFIX):
            partial.append(path)
        elif not (
            len(relative) == 2
            and filestore.SHA256_HEX.fullmatch(path.name)
            and relative[0] == path.name[:2]
            and path.name in referenced
            and not path.is_symlink()
        ):
            orphans.append(path)
    return orphans, partial


def _leftover_findings(files_dir: Path, referenced: set[str], grace: float) -> list[Finding]:
    orphans, partial = _leftovers(files_dir, referenced, grace)
    return [
        Finding(
            "warning",
            message,
            (("count", len(paths)),),
            code,
            "quarantine-files",
            tuple(str(p.relative_to(files_dir)) for p in paths),
        )
        for paths, message, code in (
            (orphans, _MSG_ORPHANS, "orphan-files"),
            (partial, _MSG_PARTIAL, "partial-files"),
        )
        if paths
    ]


def _too_open(data_dir: Path) -> list[Path]:
    """Entries of the data folder that group or others may read (POSIX only)."""
    if os.name != "posix":
        return []
    found: list[Path] = []
    stack = [data_dir]
    while stack:
        folder = stack.pop()
        try:
            mode = folder.lstat().st_mode
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            found.append(folder)
        for entry in entries:
            if entry.is_symlink() or (entry.name == LOCK_NAME and folder == data_dir):
                continue  # a link is not ours to change; the app's lock holds no data
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
                continue
            try:
                if stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) & 0o077:
                    found.append(Path(entry.path))
            except OSError:
                continue
    return sorted(found)


def _permission_findings(data_dir: Path) -> list[Finding]:
    loose = _too_open(data_dir)
    if not loose:
        return []
    return [
        Finding(
            "warning",
            _MSG_PERMISSIONS,
            (("count", len(loose)),),
            "permissions",
            "fix-permissions",
            tuple(str(p) for p in loose),
        )
    ]


# --- repairing ------------------------------------------------------------------------


class _Quarantine:
    """``quarantine/<time>/``, made the first time something is moved there."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.folder: Path | None = None

    def move(self, path: Path) -> None:
        if self.folder is None:
            root = self.store.data_dir / QUARANTINE_DIR
            root.mkdir(exist_ok=True, mode=0o700)
            stamp = f"{self.store.clock():%Y%m%d-%H%M%S}"
            folder, n = root / stamp, 1
            while folder.exists():
                n += 1
                folder = root / f"{stamp}-{n}"
            folder.mkdir(mode=0o700)
            self.folder = folder
        relative = path.relative_to(self.store.files_dir)
        target = self.folder / "files" / relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for parent in target.parents:
            if parent == self.folder:
                break
            os.chmod(parent, 0o700)
        os.rename(path, target)


def repair(
    store: Store,
    findings: Iterable[Finding],
    *,
    progress: ProgressCallback | None = None,
    grace: float = ORPHAN_GRACE,
) -> RepairReport:
    """Apply the safe repairs the given findings offer; run :func:`check_store` after."""
    chosen = [f for f in findings if f.repair in REPAIRS]
    safety: BackupInfo | None = None
    if any(f.repair in _DATABASE_REPAIRS for f in chosen):
        safety = make_backup(store, "before-repair", force=True, prune=False).backup
    quarantine = _Quarantine(store)
    repaired: list[Finding] = []
    failed: list[tuple[Finding, DomainError]] = []
    for index, finding in enumerate(chosen, 1):
        try:
            if finding.repair == "quarantine-files":
                _quarantine_files(store, finding, quarantine, grace)
            elif finding.repair == "restore-file":
                _restore_file(store, finding, quarantine)
            elif finding.repair == "drop-unreferenced-content":
                _drop_unreferenced_content(store, finding)
            elif finding.repair in _DATABASE_REPAIRS:
                _repair_rows(store, finding)
            elif finding.repair == "fix-permissions":
                _fix_permissions(store.data_dir)
            elif finding.repair == "rebuild-search-index":
                search_index.build(store)
        except DomainError as exc:
            failed.append((finding, exc))
        except (OSError, sqlite3.Error) as exc:
            failed.append((finding, StorageError(_MSG_REPAIR_FAILED, reason=failure_reason(exc))))
        else:
            repaired.append(finding)
        report(progress, "repair", index, len(chosen))
    return RepairReport(tuple(repaired), tuple(failed), safety, quarantine.folder)


def _referenced_now(store: Store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(DocumentFile.sha256).distinct()))


def _quarantine_files(
    store: Store, finding: Finding, quarantine: _Quarantine, grace: float
) -> None:
    # Decided again now: a file attached since the check is not moved away.
    orphans, partial = _leftovers(store.files_dir, _referenced_now(store), grace)
    still = {str(p.relative_to(store.files_dir)) for p in (*orphans, *partial)}
    for relative in finding.targets:
        if relative in still:
            quarantine.move(store.files_dir / relative)


def _restore_file(store: Store, finding: Finding, quarantine: _Quarantine) -> None:
    (sha,) = finding.targets
    if filestore.verify(store.files_dir, sha):
        return  # put back since the check
    name = dict(finding.params).get("name", sha)
    good = _good_copy(store, sha)
    if good is None:
        raise StorageError(_MSG_NO_GOOD_COPY, name=name)
    live = filestore.path_for(store.files_dir, sha)
    if live.exists() or live.is_symlink():
        quarantine.move(live)
    if not filestore.install_copy(store.files_dir, filestore.path_for(good.path / FILES, sha), sha):
        raise StorageError(_MSG_NO_GOOD_COPY, name=name)


def _repair_rows(store: Store, finding: Finding) -> None:
    table, fkid_text = finding.targets
    fkid = int(fkid_text)
    with store.work() as work:
        dbapi = _raw(work.session.connection().connection.dbapi_connection)
        quoted_name = table.replace("'", "''")
        rowids = [
            int(row[1])
            for row in dbapi.execute(f"PRAGMA foreign_key_check('{quoted_name}')")
            if int(row[3]) == fkid
        ]
        if not rowids:
            return
        quoted = quote_name(table)
        marks = ",".join("?" * len(rowids))
        if finding.repair == "delete-orphan-rows":
            dbapi.execute(f"DELETE FROM {quoted} WHERE rowid IN ({marks})", rowids)
            field = "deleted_orphan_rows"
        else:
            columns = _fk_columns(dbapi, table, fkid)
            assignments = ", ".join(f'"{c}" = NULL' for c in columns)
            dbapi.execute(f"UPDATE {quoted} SET {assignments} WHERE rowid IN ({marks})", rowids)
            field = "cleared_broken_links"
        work.record("check", 0, field, None, {"table": table, "rows": rowids})


def _drop_unreferenced_content(store: Store, finding: Finding) -> None:
    # Decided again, content by content, under its lock: a file attached again since the
    # check keeps its content (coordinator.store.chunkstore).
    dropped = 0
    with store.work() as work:
        conn = work.session.connection()
        for sha in finding.targets:
            dropped += chunkstore.drop_unreferenced(conn, sha)
        if dropped:
            work.record("check", 0, "dropped_unreferenced_content", None, dropped)


def _fix_permissions(data_dir: Path) -> None:
    for path in _too_open(data_dir):
        mode = path.lstat().st_mode
        os.chmod(path, 0o700 if stat.S_ISDIR(mode) else 0o600)
