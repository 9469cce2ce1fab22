"""What exporting and importing an archive share, whichever database is on either side.

An archive (:mod:`coordinator.safety.archive_contents` says what it holds) is the same
file whether it was written from a laptop's database or an office server's: a SQLite
database at the schema revision of the app that wrote it, the attachments, and a
manifest of their checksums. :func:`write_archive` writes one from a finished database
copy and a place to read the attachments from (:mod:`coordinator.store.content`);
:func:`extract` and :func:`check_database` are the import's first steps, which change
nothing yet.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection

from coordinator.errors import StorageError, ValidationError
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
    read_member,
)
from coordinator.safety.catalogue import BackupInfo
from coordinator.safety.copying import ProgressCallback, report
from coordinator.store import filestore, migrate
from coordinator.store.content import ContentStore, DamagedContentError, MissingContentError

SPACE_MARGIN: Final = 64 * 1024 * 1024

MSG_NEWER: Final = N_(
    "The archive {name} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then import it again."
)
MSG_DB_BAD: Final = N_(
    "The archive {name} is damaged: its database fails the integrity check ({detail})."
)
MSG_DB_FOREIGN: Final = N_("The archive {name} does not hold a Liaison Hub database.")
MSG_FILE_MISSING: Final = N_(
    "The archive {name} is incomplete: the attached file {sha} is missing."
)
MSG_NO_SPACE: Final = N_(
    "There is not enough free disk space to import the archive: it needs {needed} MB and "
    "{free} MB are free."
)
MSG_IMPORT_FAILED: Final = N_("Nothing was imported: {reason}. Your data is as it was.")
MSG_EXPORT_FAILED: Final = N_("The archive {path} could not be written: {reason}")
MSG_EXPORT_MISSING: Final = N_(
    "The attached file “{file}” is missing or damaged in the data folder, so the archive "
    "would be incomplete. Run “Check data” first."
)
MSG_EXPORT_MISSING_ON_SERVER: Final = N_(
    "The attached file “{file}” is missing or damaged in the office database, so the "
    "archive would be incomplete. Run “Check data” first."
)


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`coordinator.safety.archive.export_archive` wrote."""

    path: Path
    created_at: datetime
    schema_revision: str | None
    size_bytes: int
    database_size: int
    file_count: int
    files_size: int


@dataclass(frozen=True)
class ArchiveImport:
    """What :func:`coordinator.safety.archive.import_archive` did."""

    contents: ArchiveContents
    safety: BackupInfo | None  # the backup of what the data folder held before
    set_aside: Path | None  # where a damaged database was moved, if one was


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


def _copy_into(zf: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: Iterable[bytes]) -> int:
    size = 0
    with zf.open(info, "w") as out:
        for data in pieces:
            out.write(data)
            size += len(data)
    return size


def _file_pieces(path: Path) -> Iterable[bytes]:
    with path.open("rb") as src:
        while data := src.read(CHUNK):
            yield data


def write_archive(
    target: Path,
    *,
    created: datetime,
    database: Path,
    revision: str | None,
    files: Mapping[str, tuple[int, str]],
    content: ContentStore,
    missing_message: str,
    progress: ProgressCallback | None,
    conn: Connection | None = None,
) -> ArchiveSummary:
    """Write the archive beside ``target``, flushed, then renamed into place.

    ``database`` is a finished, checked copy; ``files`` the attachments it refers to
    (SHA-256 -> (size, a name to say when one is missing)), read from ``content`` (in
    the transaction ``conn``, on a server) and checked as they are written: a missing or
    damaged one stops the export with ``missing_message`` and leaves no file.
    """
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        members: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True, compresslevel=1) as zf:
                size = database.stat().st_size
                info = _member_info(DATABASE_NAME, size, created, zipfile.ZIP_DEFLATED)
                digest = hashlib.sha256()
                _copy_into(zf, info, _hashed(_file_pieces(database), digest))
                members[DATABASE_NAME] = {"size": size, "sha256": digest.hexdigest()}
                files_size = 0
                for index, (sha, (expected, name)) in enumerate(sorted(files.items()), 1):
                    member = member_name(sha)
                    # Scans and photos are compressed already: stored, they cost no time.
                    info = _member_info(member, expected, created, zipfile.ZIP_STORED)
                    try:
                        written = _copy_into(zf, info, content.read(sha, name, conn))
                    except (MissingContentError, DamagedContentError):
                        raise StorageError(missing_message, file=name) from None
                    members[member] = {"size": written, "sha256": sha}
                    files_size += written
                    report(progress, "files", index, len(files))
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": created.isoformat(),
                    "schema_revision": revision,
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
                info = _member_info(MANIFEST, 0, created, zipfile.ZIP_DEFLATED)
                zf.writestr(info, data.encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        filestore.fsync_dir(target.parent)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return ArchiveSummary(
        path=target,
        created_at=created,
        schema_revision=revision,
        size_bytes=target.stat().st_size,
        database_size=members[DATABASE_NAME]["size"],
        file_count=len(files),
        files_size=files_size,
    )


def _hashed(pieces: Iterable[bytes], digest: Any) -> Iterable[bytes]:
    for data in pieces:
        digest.update(data)
        yield data


def free_space(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def extract(
    zf: zipfile.ZipFile,
    contents: ArchiveContents,
    staging: Path,
    progress: ProgressCallback | None,
    names: Collection[str] | None = None,
) -> None:
    """Extract the members (``names``: only those) into ``staging``, each checked
    against its size and SHA-256 as it comes."""
    archive = contents.path.name
    chosen = {
        name: value for name, value in contents.members.items() if names is None or name in names
    }
    total = sum(size for size, _sha in chosen.values())
    done = 0
    for name, (size, sha) in sorted(chosen.items()):
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


def check_database(
    contents: ArchiveContents, staged: Path, progress: ProgressCallback | None
) -> list[str]:
    """The staged database is sound, ours, not from the future; returns its attachments."""

    archive = contents.path.name
    try:
        conn = copying.open_read_only(staged)
        try:
            rows = copying.run_check(conn, progress, "integrity_check")
            if rows != ["ok"]:
                raise ValidationError(MSG_DB_BAD, name=archive, detail="; ".join(rows[:3]))
            revision = copying.schema_revision(conn, copying.table_names(conn))
            if revision is None:
                raise ValidationError(MSG_DB_FOREIGN, name=archive)
            if not migrate.is_known(revision):
                raise ValidationError(MSG_NEWER, name=archive, revision=revision)
            referenced = copying.referenced_files(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(MSG_DB_BAD, name=archive, detail=str(exc)) from exc
    for sha in referenced:
        if member_name(sha) not in contents.members:
            raise ValidationError(MSG_FILE_MISSING, name=archive, sha=sha)
    return referenced
