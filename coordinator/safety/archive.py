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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from coordinator.errors import ConflictError, StorageError, ValidationError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import copying
from coordinator.safety.archive_contents import (
    CHUNK,
    FORMAT,
    MANIFEST,
    MSG_CHECKSUM,
    VERSION,
    ArchiveContents,
    member_name,
    open_archive,
    read_member,
)
from coordinator.safety.backup import read_facts
from coordinator.safety.catalogue import BackupInfo
from coordinator.safety.copying import LOCK, ProgressCallback, report
from coordinator.safety.health import diagnose
from coordinator.safety.restore import (
    drop_unreferenced,
    install_database,
    install_files,
    secure_current,
)
from coordinator.store import filestore, migrate
from coordinator.store.storage import Clock, Store, local_now, prepare_data_dir

__all__ = ["ArchiveImport", "ArchiveSummary", "export_archive", "import_archive"]

_SPACE_MARGIN: Final = 64 * 1024 * 1024

_MSG_NEWER = N_(
    "The archive {name} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then import it again."
)
_MSG_DB_BAD = N_(
    "The archive {name} is damaged: its database fails the integrity check ({detail})."
)
_MSG_DB_FOREIGN = N_("The archive {name} does not hold a Liaison Hub database.")
_MSG_FILE_MISSING = N_("The archive {name} is incomplete: the attached file {sha} is missing.")
_MSG_NOT_EMPTY = N_(
    "The data folder {path} already holds data. Import into an empty data folder, or "
    "replace its data (a backup of it is made first)."
)
_MSG_NO_SPACE = N_(
    "There is not enough free disk space to import the archive: it needs {needed} MB and "
    "{free} MB are free."
)
_MSG_IMPORT_FAILED = N_("Nothing was imported: {reason}. Your data is as it was.")
_MSG_EXPORT_FAILED = N_("The archive {path} could not be written: {reason}")
_MSG_EXPORT_MISSING = N_(
    "The attached file “{file}” is missing or damaged in the data folder, so the archive "
    "would be incomplete. Run “Check data” first."
)
_MSG_NOT_HERE = N_(
    "Archives hold only a database kept in the data folder; this store uses a database "
    "server, which is exported with the server's own tools."
)


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`export_archive` wrote."""

    path: Path
    created_at: datetime
    schema_revision: str | None
    size_bytes: int
    database_size: int
    file_count: int
    files_size: int


@dataclass(frozen=True)
class ArchiveImport:
    """What :func:`import_archive` did."""

    contents: ArchiveContents
    safety: BackupInfo | None  # the backup of what the data folder held before
    set_aside: Path | None  # where a damaged database was moved, if one was


# --- export ---------------------------------------------------------------------------


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    if moment.year < 1980:  # the zip format cannot say earlier
        moment = datetime(1980, 1, 1)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _member_info(name: str, size: int, moment: datetime, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(moment))
    info.compress_type = compress
    info.file_size = size  # known in advance: zipfile then switches to ZIP64 itself
    info.external_attr = (stat.S_IFREG | 0o600) << 16
    return info


def _copy_into(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: Path) -> str:
    digest = hashlib.sha256()
    with zf.open(info, "w") as out, source.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def export_archive(
    store: Store, target: Path, *, progress: ProgressCallback | None = None
) -> ArchiveSummary:
    """Write the whole store (database and attachments) to one zip file, atomically."""
    if not (store.is_sqlite and store.uses_data_dir_database):
        raise StorageError(_MSG_NOT_HERE)
    target = Path(target)
    created = store.clock()
    copying.remove_leftovers(store.data_dir, copying.WORK_PREFIXES)
    work = Path(tempfile.mkdtemp(prefix=".archive-", dir=store.data_dir))
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        copy = work / DATABASE_NAME
        source = copying.open_source(store.database_path)
        try:
            source.execute("BEGIN")
            facts = read_facts(source)
            names = _attachment_names(source)
            copying.new_private_file(copy)
            copying.copy_database(source, copy, progress, "database")
        finally:
            source.close()
        copying.check_copy(copy, progress, "quick_check")
        for sha in facts.files:
            if not filestore.path_for(store.files_dir, sha).is_file():
                raise StorageError(_MSG_EXPORT_MISSING, file=names.get(sha, sha))
        members: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True, compresslevel=1) as zf:
                size = copy.stat().st_size
                info = _member_info(DATABASE_NAME, size, created, zipfile.ZIP_DEFLATED)
                members[DATABASE_NAME] = {"size": size, "sha256": _copy_into(zf, info, copy)}
                files_size = 0
                for index, sha in enumerate(facts.files, 1):
                    path = filestore.path_for(store.files_dir, sha)
                    name = member_name(sha)
                    size = path.stat().st_size
                    # Scans and photos are compressed already: stored, they cost no time.
                    info = _member_info(name, size, created, zipfile.ZIP_STORED)
                    if _copy_into(zf, info, path) != sha:
                        raise StorageError(_MSG_EXPORT_MISSING, file=names.get(sha, sha))
                    members[name] = {"size": size, "sha256": sha}
                    files_size += size
                    report(progress, "files", index, len(facts.files))
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": created.isoformat(),
                    "schema_revision": facts.revision,
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
                info = _member_info(MANIFEST, 0, created, zipfile.ZIP_DEFLATED)
                zf.writestr(info, data.encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        filestore.fsync_dir(target.parent)
        return ArchiveSummary(
            path=target,
            created_at=created,
            schema_revision=facts.revision,
            size_bytes=target.stat().st_size,
            database_size=members[DATABASE_NAME]["size"],
            file_count=len(facts.files),
            files_size=files_size,
        )
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(
            _MSG_EXPORT_FAILED, path=str(target), reason=copying.failure_reason(exc)
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            partial.unlink()


def _attachment_names(conn: sqlite3.Connection) -> dict[str, str]:
    if "document_files" not in copying.table_names(conn):
        return {}
    return {
        str(sha): str(name)
        for sha, name in conn.execute("SELECT sha256, original_name FROM document_files")
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


def _free_space(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _extract(
    zf: zipfile.ZipFile,
    contents: ArchiveContents,
    staging: Path,
    progress: ProgressCallback | None,
) -> None:
    archive = contents.path.name
    total = contents.database_size + contents.files_size
    done = 0
    for name, (size, sha) in sorted(contents.members.items()):
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest = hashlib.sha256()
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in read_member(zf, zf.getinfo(name), archive):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                report(progress, "files", done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha or target.stat().st_size != size:
            raise ValidationError(MSG_CHECKSUM, name=archive, member=name)


def _check_database(
    contents: ArchiveContents, staged: Path, progress: ProgressCallback | None
) -> list[str]:
    """The staged database is sound, ours, not from the future; returns its attachments."""

    archive = contents.path.name
    try:
        conn = copying.open_read_only(staged)
        try:
            rows = copying.run_check(conn, progress, "integrity_check")
            if rows != ["ok"]:
                raise ValidationError(_MSG_DB_BAD, name=archive, detail="; ".join(rows[:3]))
            revision = copying.schema_revision(conn, copying.table_names(conn))
            if revision is None:
                raise ValidationError(_MSG_DB_FOREIGN, name=archive)
            if not migrate.is_known(revision):
                raise ValidationError(_MSG_NEWER, name=archive, revision=revision)
            referenced = copying.referenced_files(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(_MSG_DB_BAD, name=archive, detail=str(exc)) from exc
    for sha in referenced:
        if member_name(sha) not in contents.members:
            raise ValidationError(_MSG_FILE_MISSING, name=archive, sha=sha)
    return referenced


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
    with LOCK, open_archive(source) as (zf, contents):
        if not replace and _holds_data(data_dir):
            raise ConflictError(_MSG_NOT_EMPTY, path=str(data_dir))
        needed = contents.database_size + contents.files_size
        free = _free_space(data_dir)
        if needed + _SPACE_MARGIN > free:
            raise StorageError(
                _MSG_NO_SPACE,
                needed=(needed + _SPACE_MARGIN) // 2**20 + 1,
                free=free // 2**20,
            )
        created_folder = not data_dir.exists()
        staging: Path | None = None
        try:
            try:
                prepare_data_dir(data_dir)
                copying.remove_leftovers(data_dir, copying.WORK_PREFIXES)
                staging = Path(tempfile.mkdtemp(prefix=".import-", dir=data_dir))
                _extract(zf, contents, staging, progress)
                referenced = _check_database(contents, staging / DATABASE_NAME, progress)
                safety, aside = secure_current(data_dir, clock, "before-import", progress)
                wanted = {sha: staging / member_name(sha) for sha in referenced}
                install_files(data_dir / "files", wanted, progress, move=True)
                install_database(data_dir, staging / DATABASE_NAME, progress)
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(_MSG_IMPORT_FAILED, reason=copying.failure_reason(exc)) from exc
            finally:
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            if created_folder:  # a refused import into a new folder leaves no folder
                shutil.rmtree(data_dir, ignore_errors=True)
            raise
        drop_unreferenced(data_dir, referenced, safety)
        return ArchiveImport(contents, safety, aside)
