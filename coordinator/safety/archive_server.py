"""Archives of an office server's data: the same file as a laptop's, both ways.

Export (:func:`export_from_server`) makes a SQLite database at the current schema
revision in a private folder of the data folder, copies every record into it from the
server (:func:`coordinator.store.table_copy.copy_tables`, ids and all), then writes the
archive exactly as a laptop does (:mod:`coordinator.safety.archive_zip`), the
attachments read from the database's pieces and checked as they go. The whole copy,
attachments included, is read in one snapshot of the server (a read-only repeatable-read
transaction), while the other officers keep working. A laptop imports the archive as any
other.

Import (:func:`import_to_server`) checks the archive as a laptop's import does (before
anything is extracted, then the database copy's integrity, revision and attachments),
brings that copy up to the current schema, backs the server up when it holds data
(``before-import``), then in ONE server transaction empties every table, copies the
records in and writes each attachment into the database's pieces from the archive,
checking its SHA-256 as it streams: anything wrong rolls it all back, and the server is
as it was. The search index is built afterwards from the records.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, exists, func, select, table, text
from sqlalchemy.exc import DBAPIError

from coordinator.errors import ConflictError, StorageError, ValidationError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import archive_zip, copying
from coordinator.safety.archive_contents import (
    MSG_CHECKSUM,
    ArchiveContents,
    member_name,
    open_archive,
    read_member,
)
from coordinator.safety.archive_zip import (
    MSG_EXPORT_FAILED,
    MSG_EXPORT_MISSING_ON_SERVER,
    MSG_IMPORT_FAILED,
    MSG_NO_SPACE,
    SPACE_MARGIN,
    ArchiveImport,
    ArchiveSummary,
    check_database,
    extract,
    write_archive,
)
from coordinator.safety.catalogue import BackupInfo
from coordinator.safety.copying import LOCK, ProgressCallback, report
from coordinator.safety.opening import upgrade_with_backup
from coordinator.safety.server_backup import make_server_backup
from coordinator.search import index as search_index
from coordinator.search.postgres_fts import META, TABLE
from coordinator.store import chunkstore, migrate
from coordinator.store.content import DatabaseContent
from coordinator.store.migrate import SCHEMA_HEAD
from coordinator.store.models import Base, ChangeNote, DocumentFile, FileChunk
from coordinator.store.storage import Clock, Store, local_now, translate_db_error
from coordinator.store.table_copy import copy_tables

__all__ = ["export_from_server", "import_to_server"]

NOT_COPIED: Final = frozenset({FileChunk.__tablename__})
"""Attachments travel as the archive's files, not as rows of its database."""

_MSG_NOT_EMPTY = N_(
    "The office database {where} already holds data. Import into an empty database, or "
    "replace its data, for every officer (a backup of it is made first)."
)
_MSG_NOT_CURRENT = N_(
    "The office database is at schema {revision}, not {head}: open it with this version "
    "of Liaison Hub first, then export again."
)


# --- export ---------------------------------------------------------------------------


def _laptop_database(path: Path) -> Store:
    """A new SQLite database at the current revision (a laptop's very schema)."""
    copying.new_private_file(path)
    laptop = Store(path.parent, url=f"sqlite:///{path}")
    migrate.upgrade(laptop)
    return laptop


def _self_contained(path: Path) -> None:
    """One file in rollback-journal mode, as a laptop's archive holds (no -wal beside)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _attachments(conn: Connection) -> dict[str, tuple[int, str]]:
    rows = conn.execute(
        select(
            DocumentFile.sha256, func.max(DocumentFile.size), func.min(DocumentFile.original_name)
        ).group_by(DocumentFile.sha256)
    )
    return {str(sha): (int(size), str(name)) for sha, size, name in rows}


def export_from_server(
    store: Store, target: Path, *, progress: ProgressCallback | None = None
) -> ArchiveSummary:
    """The server's data as a laptop's archive (see the module notes)."""
    created = store.clock()
    copying.remove_leftovers(store.data_dir, copying.WORK_PREFIXES)
    work = Path(tempfile.mkdtemp(prefix=".archive-", dir=store.data_dir))
    try:
        copy = work / DATABASE_NAME
        laptop = _laptop_database(copy)
        try:
            with store.engine.connect() as source:
                source.execution_options(isolation_level="REPEATABLE READ")
                with source.begin():
                    source.execute(text("SET TRANSACTION READ ONLY"))
                    revision = source.scalar(text("SELECT version_num FROM alembic_version"))
                    if revision != SCHEMA_HEAD:
                        raise StorageError(_MSG_NOT_CURRENT, revision=revision, head=SCHEMA_HEAD)
                    with laptop.engine.begin() as into:
                        copy_tables(
                            source,
                            into,
                            lambda _name, done: report(progress, "database", done, 0),
                            skip=NOT_COPIED,
                        )
                    laptop.close()
                    _self_contained(copy)
                    copying.fsync_file(copy)
                    copying.check_copy(copy, progress, "quick_check")
                    return write_archive(
                        Path(target),
                        created=created,
                        database=copy,
                        revision=str(revision),
                        files=_attachments(source),
                        content=DatabaseContent(store),
                        missing_message=MSG_EXPORT_MISSING_ON_SERVER,
                        progress=progress,
                        conn=source,
                    )
        finally:
            laptop.close()
    except DBAPIError as exc:
        raise translate_db_error(exc) from exc
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(
            MSG_EXPORT_FAILED, path=str(target), reason=copying.failure_reason(exc)
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- import ---------------------------------------------------------------------------


def _has_schema(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")))


def holds_data(conn: Connection) -> bool:
    """Anything an officer would miss: a record of the core tables, or an attachment."""
    from coordinator.exchange.transfer import CORE_TABLES

    if not _has_schema(conn):
        return False
    names = [*CORE_TABLES, FileChunk.__tablename__]
    return any(conn.scalar(select(exists().select_from(table(name)))) for name in names)


def _hashed(pieces: Iterable[bytes], digest: Any) -> Iterator[bytes]:
    for data in pieces:
        digest.update(data)
        yield data


def _check_files(
    zf: zipfile.ZipFile,
    contents: ArchiveContents,
    referenced: list[str],
    progress: ProgressCallback | None,
) -> None:
    """Every attachment the database refers to reads whole and right, before anything on
    the server is touched (a laptop's import extracts them first; here they go straight
    into the database later, and are checked again as they do)."""
    archive = contents.path.name
    total = sum(contents.members[member_name(sha)][0] for sha in referenced)
    done = 0
    for sha in sorted(referenced):
        member = member_name(sha)
        digest = hashlib.sha256()
        for data in read_member(zf, zf.getinfo(member), archive):
            digest.update(data)
            done += len(data)
            report(progress, "files", done, total)
        if digest.hexdigest() != sha:
            raise ValidationError(MSG_CHECKSUM, name=archive, member=member)


def _replace_everything(
    conn: Connection,
    laptop: Store,
    zf: zipfile.ZipFile,
    contents: ArchiveContents,
    referenced: list[str],
    progress: ProgressCallback | None,
) -> None:
    """In the caller's transaction: every table emptied, the archive's records and
    attachments in, the search index dropped (it is built again from the records)."""
    floor = int(conn.scalar(select(func.max(ChangeNote.id))) or 0)
    conn.execute(text("SET LOCAL lock_timeout = '120s'"))
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    # TRUNCATE, not DELETE: the event log refuses deletions row by row, by design.
    conn.execute(text(f"TRUNCATE TABLE {names}"))
    conn.execute(text(f"DROP TABLE IF EXISTS {META}, {TABLE}"))
    with laptop.engine.connect() as source:
        copy_tables(
            source,
            conn,
            lambda _name, done: report(progress, "database", done, 0),
            skip=NOT_COPIED,
        )
    archive = contents.path.name
    for index, sha in enumerate(sorted(referenced), 1):
        member = member_name(sha)
        digest = hashlib.sha256()
        pieces = _hashed(read_member(zf, zf.getinfo(member), archive), digest)
        chunkstore.put_pieces(conn, sha, pieces)
        if digest.hexdigest() != sha:
            raise ValidationError(MSG_CHECKSUM, name=archive, member=member)
        report(progress, "files", index, len(referenced))
    # Change notes go on past those the officers' screens have read (they read upwards).
    conn.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('change_notes', 'id'), "
            "greatest(:floor, (SELECT coalesce(max(id), 0) FROM change_notes), 1))"
        ),
        {"floor": floor},
    )


def import_to_server(
    data_dir: Path,
    source: Path,
    *,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    clock: Clock = local_now,
) -> ArchiveImport:
    """Bring an archive in as the office database's whole content (see the module
    notes). Refusals as a laptop's import: the server is then as it was, and a data
    folder made for the occasion is removed again."""
    created_folder = not data_dir.exists()
    store = Store(data_dir, clock=clock)
    staging: Path | None = None
    try:
        with LOCK, open_archive(source) as (zf, contents):
            try:
                with store.engine.connect() as conn:
                    if not replace and holds_data(conn):
                        raise ConflictError(_MSG_NOT_EMPTY, where=store.where)
                needed = contents.database_size + SPACE_MARGIN
                free = archive_zip.free_space(data_dir)  # a test makes the disk small
                if needed > free:
                    raise StorageError(MSG_NO_SPACE, needed=needed // 2**20 + 1, free=free // 2**20)
                copying.remove_leftovers(data_dir, copying.WORK_PREFIXES)
                staging = Path(tempfile.mkdtemp(prefix=".import-", dir=data_dir))
                extract(zf, contents, staging, progress, names=(DATABASE_NAME,))
                staged = staging / DATABASE_NAME
                referenced = check_database(contents, staged, progress)
                _check_files(zf, contents, referenced, progress)
                laptop = Store(staging, url=f"sqlite:///{staged}")
                try:
                    if migrate.pending_upgrade(laptop) is not None:
                        migrate.upgrade(laptop)  # an archive of an older version
                    # Only now is the server touched: the backup of what it holds, its
                    # schema (a new database's, or an older one's upgrade), then the one
                    # transaction.
                    safety = _secure(store, progress)
                    upgrade_with_backup(store)
                    with store.engine.begin() as conn:
                        _replace_everything(conn, laptop, zf, contents, referenced, progress)
                finally:
                    laptop.close()
            except DBAPIError as exc:
                raise translate_db_error(exc) from exc
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(MSG_IMPORT_FAILED, reason=copying.failure_reason(exc)) from exc
        search_index.build(store)
        return ArchiveImport(contents, safety, None)
    except BaseException:
        if created_folder:  # a refused import into a new folder leaves no folder
            store.close()
            shutil.rmtree(data_dir, ignore_errors=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        store.close()


def _secure(store: Store, progress: ProgressCallback | None) -> BackupInfo | None:
    """The server's state before it is replaced, as a laptop's import keeps it: backed up
    whenever it holds the schema, even empty (a database made a moment ago holds
    nothing to keep)."""
    with store.engine.connect() as conn:
        if not _has_schema(conn):
            return None
    return make_server_backup(
        store, "before-import", progress=progress, force=True, prune=False
    ).backup
