"""A portable archive: everything in one zip file, to carry the data to another laptop.

The members and the checks an archive passes before anything is extracted are
:mod:`coordinator.safety.archive_contents`.

Export (:func:`export_archive`) copies the database in one read transaction (the app may
keep writing), checks the copy, writes the zip beside its final name, flushes it and
renames it into place: a crash leaves the old file or the whole new one.

Import (:func:`import_archive`) opens the archive through those checks, then extracts
into a private folder inside the data folder (the same disk, so the final moves are
renames), counting bytes as they come and checking every SHA-256; opens the database
copy and checks its integrity, its schema revision and that every attachment it refers
to is in the archive. Only then is the current database backed up (``before-import``)
and replaced (attachments first, each in one rename, then the database in one SQLite
transaction). Any refusal leaves the data folder as it was: the database byte for byte,
no backup made, no extraction folder left.

Import goes into an empty data folder (no case, contact, communication, ... and no
attachment), or replaces the data when ``replace=True``. Close every Store on the
folder first and open a new one after (it upgrades an archive from an older version).

A data folder whose settings name an office server exports that server's data and
imports into it (:mod:`coordinator.safety.archive_server`), in the very same archive
format: so a team's data goes to a laptop and back. The pieces both kinds share are
:mod:`coordinator.safety.archive_zip`.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from coordinator.errors import ConflictError, StorageError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import archive_server, archive_zip, copying
from coordinator.safety.archive_contents import member_name, open_archive
from coordinator.safety.archive_zip import (
    MSG_EXPORT_FAILED,
    MSG_EXPORT_MISSING,
    MSG_IMPORT_FAILED,
    MSG_NO_SPACE,
    SPACE_MARGIN,
    ArchiveImport,
    ArchiveSummary,
    check_database,
    extract,
    write_archive,
)
from coordinator.safety.backup import read_facts
from coordinator.safety.catalogue import data_folder_url
from coordinator.safety.copying import LOCK, ProgressCallback
from coordinator.safety.health import diagnose
from coordinator.safety.restore import (
    drop_unreferenced,
    install_database,
    install_files,
    secure_current,
)
from coordinator.store.content import FolderContent
from coordinator.store.storage import Clock, Store, local_now, prepare_data_dir

__all__ = ["ArchiveImport", "ArchiveSummary", "export_archive", "import_archive"]

_MSG_NOT_EMPTY = N_(
    "The data folder {path} already holds data. Import into an empty data folder, or "
    "replace its data (a backup of it is made first)."
)
_MSG_NOT_HERE = N_(
    "Archives are written from the data folder's own database or from an office "
    "server's; the database {where} is neither."
)


# --- export ---------------------------------------------------------------------------


def export_archive(
    store: Store, target: Path, *, progress: ProgressCallback | None = None
) -> ArchiveSummary:
    """Write the whole store (database and attachments) to one zip file, atomically.

    The same archive whether the store is a laptop's or an office server's
    (:mod:`coordinator.safety.archive_server`): a laptop imports either.
    """
    if store.on_server:
        return archive_server.export_from_server(store, Path(target), progress=progress)
    if not store.uses_data_dir_database:
        raise StorageError(_MSG_NOT_HERE, where=store.where)
    target = Path(target)
    created = store.clock()
    copying.remove_leftovers(store.data_dir, copying.WORK_PREFIXES)
    work = Path(tempfile.mkdtemp(prefix=".archive-", dir=store.data_dir))
    try:
        copy = work / DATABASE_NAME
        source = copying.open_source(store.database_path)
        try:
            source.execute("BEGIN")
            facts = read_facts(source)
            files = _attachments(source)
            copying.new_private_file(copy)
            copying.copy_database(source, copy, progress, "database")
        finally:
            source.close()
        copying.check_copy(copy, progress, "quick_check")
        return write_archive(
            target,
            created=created,
            database=copy,
            revision=facts.revision,
            files={sha: files[sha] for sha in facts.files},
            content=FolderContent(store.files_dir),
            missing_message=MSG_EXPORT_MISSING,
            progress=progress,
        )
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(
            MSG_EXPORT_FAILED, path=str(target), reason=copying.failure_reason(exc)
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _attachments(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Each attachment's size and a name to say when it is missing."""
    if "document_files" not in copying.table_names(conn):
        return {}
    return {
        str(sha): (int(size), str(name))
        for sha, size, name in conn.execute(
            "SELECT sha256, max(size), min(original_name) FROM document_files GROUP BY sha256"
        )
    }


# --- import ---------------------------------------------------------------------------


def _holds_data(data_dir: Path) -> bool:
    """Anything the officer would miss: a record of the core tables, or an attachment."""
    from coordinator.exchange.transfer import CORE_TABLES

    if any(copying.content_files(data_dir / "files")):
        return True
    health = diagnose(data_dir)
    if health.state == "new":
        return False
    if not health.ok:
        return True
    conn = copying.open_read_only(health.database_path)
    try:
        tables = copying.table_names(conn)
        return any(
            conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is not None
            for name in CORE_TABLES
            if name in tables
        )
    finally:
        conn.close()


def import_archive(
    data_dir: Path,
    source: Path,
    *,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    clock: Clock = local_now,
) -> ArchiveImport:
    """Bring an archive in as the data folder's whole content (see the module notes).

    Raises :class:`ValidationError` for an archive that is refused,
    :class:`ConflictError` when the folder holds data and ``replace`` is False,
    :class:`StorageError` when the disk cannot take it. In every one of those cases the
    data folder is as it was.
    """

    data_dir = Path(data_dir)
    source = Path(source)
    url = data_folder_url(data_dir)
    if url is not None and not url.startswith("sqlite"):
        return archive_server.import_to_server(
            data_dir, source, replace=replace, progress=progress, clock=clock
        )
    with LOCK, open_archive(source) as (zf, contents):
        if not replace and _holds_data(data_dir):
            raise ConflictError(_MSG_NOT_EMPTY, path=str(data_dir))
        needed = contents.database_size + contents.files_size
        free = archive_zip.free_space(data_dir)  # a test makes the disk small
        if needed + SPACE_MARGIN > free:
            raise StorageError(
                MSG_NO_SPACE,
                needed=(needed + SPACE_MARGIN) // 2**20 + 1,
                free=free // 2**20,
            )
        created_folder = not data_dir.exists()
        staging: Path | None = None
        try:
            try:
                prepare_data_dir(data_dir)
                copying.remove_leftovers(data_dir, copying.WORK_PREFIXES)
                staging = Path(tempfile.mkdtemp(prefix=".import-", dir=data_dir))
                extract(zf, contents, staging, progress)
                referenced = check_database(contents, staging / DATABASE_NAME, progress)
                safety, aside = secure_current(data_dir, clock, "before-import", progress)
                wanted = {sha: staging / member_name(sha) for sha in referenced}
                install_files(data_dir / "files", wanted, progress, move=True)
                install_database(data_dir, staging / DATABASE_NAME, progress)
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(MSG_IMPORT_FAILED, reason=copying.failure_reason(exc)) from exc
            finally:
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            if created_folder:  # a refused import into a new folder leaves no folder
                shutil.rmtree(data_dir, ignore_errors=True)
            raise
        drop_unreferenced(data_dir, referenced, safety)
        return ArchiveImport(contents, safety, aside)
