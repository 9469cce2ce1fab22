"""A portable archive: everything in one zip file, to carry the data to another laptop.

Members, and nothing else::

    manifest.json             format, version, time, schema revision, and the size and
                              SHA-256 of every other member
    liaison-hub.sqlite3       the database, copied through SQLite's backup API
    files/ab/ab12...          each attachment, named by its SHA-256

Export (:func:`export_archive`) copies the database in one read transaction (the app may
keep writing), checks the copy, writes the zip beside its final name, flushes it and
renames it into place: a crash leaves the old file or the whole new one.

Import (:func:`import_archive`) trusts nothing in the file. Before a byte is extracted it
refuses: what is not a zip; members with absolute paths, ``..``, backslashes or NUL in
their names; links; directories, duplicates and any member that is not one of the above;
encrypted members and compressions other than stored and deflate; declared sizes beyond
the limits, a member expanding more than :data:`MAX_RATIO` times (a zip bomb), members
whose data overlap (the "better zip bomb"); a manifest that is not exactly the list of
members. It then extracts into a private folder inside the data folder (the same disk,
so the final moves are renames), counting bytes as they come (a member that yields more
than it declared is refused) and checking every SHA-256; opens the database copy and
checks its integrity, its schema revision and that every attachment it refers to is in
the archive. Only then is the current database backed up (``before-import``) and
replaced (attachments first, each in one rename, then the database in one SQLite
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
import re
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

from coordinator.errors import ConflictError, DomainError, StorageError, ValidationError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety import backup as backups
from coordinator.safety.backup import BackupInfo, ProgressCallback
from coordinator.safety.health import diagnose, set_aside
from coordinator.store import filestore, migrate
from coordinator.store.storage import Clock, Store, local_now, prepare_data_dir

__all__ = [
    "ArchiveContents",
    "ArchiveImport",
    "ArchiveSummary",
    "export_archive",
    "import_archive",
    "inspect_archive",
]

FORMAT: Final = "liaison-hub-archive"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
FILE_MEMBER = re.compile(r"files/([0-9a-f]{2})/([0-9a-f]{64})")

MAX_MEMBERS: Final = 1_000_000
MAX_MANIFEST: Final = 128 * 1024 * 1024
MAX_DATABASE: Final = 64 * 1024**3
MAX_TOTAL: Final = 512 * 1024**3
MAX_RATIO: Final = 100  # real databases deflate 3 to 30 times; deflate itself tops at ~1000
RATIO_FLOOR: Final = 64 * 1024 * 1024  # smaller members cannot hurt, whatever their ratio
_SPACE_MARGIN: Final = 64 * 1024 * 1024
_CHUNK: Final = 1024 * 1024
_MANIFEST_KEYS: Final = frozenset({"format", "version", "created_at", "schema_revision", "members"})

_MSG_UNREADABLE = N_("The file {name} cannot be read: {reason}")
_MSG_NOT_ZIP = N_("The file {name} is not a Liaison Hub archive: it is not a readable zip file.")
_MSG_ZIP_DAMAGED = N_("The archive {name} is damaged: {reason}")
_MSG_TOO_MANY = N_("The archive {name} is refused: it has more than {limit} members.")
_MSG_ABSOLUTE = N_("The archive {name} is refused: the member “{member}” has an absolute path.")
_MSG_PARENT = N_(
    "The archive {name} is refused: the member “{member}” points outside the archive (“..”)."
)
_MSG_BAD_NAME = N_("The archive {name} is refused: the member name “{member}” is not allowed.")
_MSG_LINK = N_("The archive {name} is refused: the member “{member}” is a link.")
_MSG_DUPLICATE = N_("The archive {name} is refused: it holds “{member}” twice.")
_MSG_UNKNOWN = N_(
    "The archive {name} is refused: it holds “{member}”, which is not part of a "
    "Liaison Hub archive."
)
_MSG_ENCRYPTED = N_("The archive {name} is refused: the member “{member}” is encrypted.")
_MSG_COMPRESSION = N_(
    "The archive {name} is refused: the member “{member}” uses an unsupported compression."
)
_MSG_TOO_BIG = N_("The archive {name} is refused: the member “{member}” is larger than {limit} MB.")
_MSG_TOO_BIG_TOTAL = N_("The archive {name} is refused: its content is larger than {limit} GB.")
_MSG_RATIO = N_(
    "The archive {name} is refused: the member “{member}” would expand {ratio} times, "
    "like a zip bomb."
)
_MSG_OVERLAP = N_("The archive {name} is refused: its members overlap, like a zip bomb.")
_MSG_MISSING_MEMBER = N_("The archive {name} is incomplete: “{member}” is missing.")
_MSG_NOT_ARCHIVE = N_("The file {name} is not a Liaison Hub archive.")
_MSG_VERSION = N_(
    "The archive {name} is a version {version} archive, which this version of Liaison Hub "
    "cannot read."
)
_MSG_MANIFEST = N_("The archive {name} has a damaged manifest: the entry {key} is not valid.")
_MSG_MISMATCH = N_("The archive {name} does not match its manifest at “{member}”.")
_MSG_CHECKSUM = N_("The archive {name} is damaged: “{member}” does not match its checksum.")
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
class ArchiveContents:
    """An archive that passed every check that needs no extraction."""

    path: Path
    created_at: datetime
    schema_revision: str | None
    database_size: int
    file_count: int
    files_size: int
    members: Mapping[str, tuple[int, str]]  # name -> (size, sha256), manifest excluded


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
        while chunk := src.read(_CHUNK):
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
    backups.remove_leftovers(store.data_dir, backups.WORK_PREFIXES)
    work = Path(tempfile.mkdtemp(prefix=".archive-", dir=store.data_dir))
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        copy = work / DATABASE_NAME
        source = backups.open_source(store.database_path)
        try:
            source.execute("BEGIN")
            facts = backups.read_facts(source)
            names = _attachment_names(source)
            backups.new_private_file(copy)
            backups.copy_database(source, copy, progress, "database")
        finally:
            source.close()
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True, check_same_thread=False)
        try:
            rows = backups.run_check(conn, progress, "quick_check")
        finally:
            conn.close()
        if rows != ["ok"]:
            raise StorageError(backups.MSG_COPY_BAD, detail="; ".join(rows[:3]))
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
                    name = f"files/{sha[:2]}/{sha}"
                    size = path.stat().st_size
                    # Scans and photos are compressed already: stored, they cost no time.
                    info = _member_info(name, size, created, zipfile.ZIP_STORED)
                    if _copy_into(zf, info, path) != sha:
                        raise StorageError(_MSG_EXPORT_MISSING, file=names.get(sha, sha))
                    members[name] = {"size": size, "sha256": sha}
                    files_size += size
                    backups.report(progress, "files", index, len(facts.files))
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
            _MSG_EXPORT_FAILED, path=str(target), reason=backups.failure_reason(exc)
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            partial.unlink()


def _attachment_names(conn: sqlite3.Connection) -> dict[str, str]:
    if "document_files" not in backups.table_names(conn):
        return {}
    return {
        str(sha): str(name)
        for sha, name in conn.execute("SELECT sha256, original_name FROM document_files")
    }


# --- checking an archive without extracting it ----------------------------------------


@contextlib.contextmanager
def _reading(name: str) -> Iterator[None]:
    """Whatever a malformed zip makes the zip reader raise becomes a plain refusal."""
    try:
        yield
    except DomainError:
        raise
    except OSError as exc:
        raise ValidationError(_MSG_UNREADABLE, name=name, reason=filestore.os_reason(exc)) from exc
    except Exception as exc:  # zipfile, zlib and struct raise a dozen kinds on bad input
        raise ValidationError(
            _MSG_ZIP_DAMAGED, name=name, reason=str(exc) or type(exc).__name__
        ) from exc


def _check_name(archive: str, info: zipfile.ZipInfo) -> str:
    raw = info.orig_filename
    name = info.filename
    shown = raw.replace("\x00", "\\0")
    if raw.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", raw):
        raise ValidationError(_MSG_ABSOLUTE, name=archive, member=shown)
    parts = re.split(r"[/\\]", raw)
    if ".." in parts:
        raise ValidationError(_MSG_PARENT, name=archive, member=shown)
    if name.endswith("/"):  # a folder entry (ZipInfo.is_dir() fails on an empty name)
        raise ValidationError(_MSG_UNKNOWN, name=archive, member=shown)
    if not name or "\x00" in raw or "\\" in raw or "" in parts or "." in parts or name != raw:
        raise ValidationError(_MSG_BAD_NAME, name=archive, member=shown)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ValidationError(_MSG_LINK, name=archive, member=shown)
    # No type bits (what Python's own zip writer records) or a regular file; nothing else.
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        raise ValidationError(_MSG_UNKNOWN, name=archive, member=shown)
    if name != MANIFEST and name != DATABASE_NAME:
        match = FILE_MEMBER.fullmatch(name)
        if match is None or match.group(2)[:2] != match.group(1):
            raise ValidationError(_MSG_UNKNOWN, name=archive, member=shown)
    if info.flag_bits & 0x1:
        raise ValidationError(_MSG_ENCRYPTED, name=archive, member=shown)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValidationError(_MSG_COMPRESSION, name=archive, member=shown)
    return name


def _check_sizes(archive: str, name: str, info: zipfile.ZipInfo) -> None:
    limit = (
        MAX_MANIFEST
        if name == MANIFEST
        else MAX_DATABASE
        if name == DATABASE_NAME
        else filestore.MAX_FILE_SIZE
    )
    if info.file_size > limit:
        raise ValidationError(_MSG_TOO_BIG, name=archive, member=name, limit=limit // 2**20)
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise ValidationError(_MSG_RATIO, name=archive, member=name, ratio=ratio)


def _check_layout(archive: str, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ValidationError(_MSG_TOO_MANY, name=archive, limit=MAX_MEMBERS)
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = _check_name(archive, info)
        if name in by_name:
            raise ValidationError(_MSG_DUPLICATE, name=archive, member=name)
        _check_sizes(archive, name, info)
        by_name[name] = info
        total += info.file_size
    if total > MAX_TOTAL:
        raise ValidationError(_MSG_TOO_BIG_TOTAL, name=archive, limit=MAX_TOTAL // 2**30)
    # Each member's data must end before the next begins (and before the directory):
    # overlapping members let a small file expand without bound.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    starts = [*(i.header_offset for i in ordered[1:]), zf.start_dir]
    for info, start in zip(ordered, starts[: len(ordered)], strict=True):
        if info.header_offset + 30 + len(info.orig_filename.encode()) + info.compress_size > start:
            raise ValidationError(_MSG_OVERLAP, name=archive)
    for required in (MANIFEST, DATABASE_NAME):
        if required not in by_name:
            raise ValidationError(_MSG_MISSING_MEMBER, name=archive, member=required)
    return by_name


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key}")
        result[key] = value
    return result


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str) -> Iterator[bytes]:
    """The member's bytes in chunks, never more than it declared."""
    left = info.file_size
    with _reading(archive):
        handle: IO[bytes] = zf.open(info)
    try:
        while True:
            with _reading(archive):
                chunk = handle.read(min(_CHUNK, left + 1))
            if not chunk:
                break
            left -= len(chunk)
            if left < 0:
                raise ValidationError(_MSG_CHECKSUM, name=archive, member=info.filename)
            yield chunk
    finally:
        with contextlib.suppress(Exception):
            handle.close()
    if left != 0:
        raise ValidationError(_MSG_CHECKSUM, name=archive, member=info.filename)


def _read_manifest(
    archive: str, zf: zipfile.ZipFile, by_name: Mapping[str, zipfile.ZipInfo]
) -> ArchiveContents:
    raw = b"".join(_read_member(zf, by_name[MANIFEST], archive))
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(_MSG_NOT_ARCHIVE, name=archive) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(_MSG_NOT_ARCHIVE, name=archive)
    if data.get("version") != VERSION:
        version = data.get("version")
        shown = version if type(version) is int else "?"
        raise ValidationError(_MSG_VERSION, name=archive, version=shown)
    for key in data:
        if key not in _MANIFEST_KEYS:
            raise ValidationError(_MSG_MANIFEST, name=archive, key=str(key)[:80])
    created = data.get("created_at")
    try:
        created_at = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        created_at = None
    if created_at is None:
        raise ValidationError(_MSG_MANIFEST, name=archive, key="created_at")
    revision = data.get("schema_revision")
    if not (revision is None or (isinstance(revision, str) and len(revision) <= 64)):
        raise ValidationError(_MSG_MANIFEST, name=archive, key="schema_revision")
    listed = data.get("members")
    if not isinstance(listed, dict):
        raise ValidationError(_MSG_MANIFEST, name=archive, key="members")
    members: dict[str, tuple[int, str]] = {}
    for name, info in by_name.items():
        if name == MANIFEST:
            continue
        entry = listed.get(name)
        if not isinstance(entry, dict) or set(entry) != {"size", "sha256"}:
            raise ValidationError(_MSG_MISMATCH, name=archive, member=name)
        size, sha = entry["size"], entry["sha256"]
        if type(size) is not int or size != info.file_size:
            raise ValidationError(_MSG_MISMATCH, name=archive, member=name)
        if not isinstance(sha, str) or not filestore.SHA256_HEX.fullmatch(sha):
            raise ValidationError(_MSG_MISMATCH, name=archive, member=name)
        if name != DATABASE_NAME and name.rsplit("/", 1)[1] != sha:
            raise ValidationError(_MSG_MISMATCH, name=archive, member=name)
        members[name] = (size, sha)
    for name in listed:
        if name not in members:
            raise ValidationError(_MSG_MISSING_MEMBER, name=archive, member=str(name)[:200])
    files = [size for name, (size, _sha) in members.items() if name != DATABASE_NAME]
    return ArchiveContents(
        path=Path(),
        created_at=created_at,
        schema_revision=revision,
        database_size=members[DATABASE_NAME][0],
        file_count=len(files),
        files_size=sum(files),
        members=members,
    )


@contextlib.contextmanager
def _open_zip(source: Path) -> Iterator[tuple[zipfile.ZipFile, ArchiveContents]]:
    archive = source.name
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise ValidationError(
            _MSG_UNREADABLE, name=archive, reason=exc.strerror or str(exc)
        ) from None
    with handle:
        if not zipfile.is_zipfile(handle):
            raise ValidationError(_MSG_NOT_ZIP, name=archive)
        handle.seek(0)
        with _reading(archive):
            zf = zipfile.ZipFile(handle)
        with zf:
            by_name = _check_layout(archive, zf)
            contents = _read_manifest(archive, zf, by_name)
            yield (
                zf,
                ArchiveContents(
                    path=source,
                    created_at=contents.created_at,
                    schema_revision=contents.schema_revision,
                    database_size=contents.database_size,
                    file_count=contents.file_count,
                    files_size=contents.files_size,
                    members=contents.members,
                ),
            )


def inspect_archive(source: Path) -> ArchiveContents:
    """What an archive holds, after every check short of extracting it."""
    with _open_zip(Path(source)) as (_zf, contents):
        return contents


# --- import ---------------------------------------------------------------------------


def _holds_data(data_dir: Path) -> bool:
    """Anything the officer would miss: a record of the core tables, or an attachment."""
    from coordinator.exchange.transfer import CORE_TABLES

    if any(backups.content_files(data_dir / "files")):
        return True
    health = diagnose(data_dir)
    if health.state == "new":
        return False
    if not health.ok:
        return True
    conn = sqlite3.connect(f"file:{health.database_path}?mode=ro", uri=True)
    try:
        tables = backups.table_names(conn)
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
            for chunk in _read_member(zf, zf.getinfo(name), archive):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                backups.report(progress, "files", done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha or target.stat().st_size != size:
            raise ValidationError(_MSG_CHECKSUM, name=archive, member=name)


def _check_database(
    contents: ArchiveContents, staged: Path, progress: ProgressCallback | None
) -> list[str]:
    """The staged database is sound, ours, not from the future; returns its attachments."""

    archive = contents.path.name
    try:
        conn = sqlite3.connect(f"file:{staged}?mode=ro", uri=True, check_same_thread=False)
        try:
            rows = backups.run_check(conn, progress, "integrity_check")
            if rows != ["ok"]:
                raise ValidationError(_MSG_DB_BAD, name=archive, detail="; ".join(rows[:3]))
            tables = backups.table_names(conn)
            if "alembic_version" not in tables:
                raise ValidationError(_MSG_DB_FOREIGN, name=archive)
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if row is None:
                raise ValidationError(_MSG_DB_FOREIGN, name=archive)
            revision = str(row[0])
            if not migrate.is_known(revision):
                raise ValidationError(_MSG_NEWER, name=archive, revision=revision)
            referenced = backups.referenced_files(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(_MSG_DB_BAD, name=archive, detail=str(exc)) from exc
    for sha in referenced:
        if f"files/{sha[:2]}/{sha}" not in contents.members:
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
    with backups.LOCK, _open_zip(source) as (zf, contents):
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
                backups.remove_leftovers(data_dir, backups.WORK_PREFIXES)
                staging = Path(tempfile.mkdtemp(prefix=".import-", dir=data_dir))
                _extract(zf, contents, staging, progress)
                referenced = _check_database(contents, staging / DATABASE_NAME, progress)
                health = diagnose(data_dir)
                safety: BackupInfo | None = None
                aside: Path | None = None
                if health.state in ("ok", "newer"):
                    safety = backups.backup_data_dir(
                        data_dir, clock, "before-import", progress=progress, force=True, prune=False
                    ).backup
                elif health.needs_recovery:
                    aside = set_aside(data_dir, now=clock())
                wanted = {sha: staging / f"files/{sha[:2]}/{sha}" for sha in referenced}
                backups.install_files(data_dir / "files", wanted, progress, move=True)
                backups.install_database(data_dir, staging / DATABASE_NAME, progress)
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(_MSG_IMPORT_FAILED, reason=backups.failure_reason(exc)) from exc
            finally:
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            if created_folder:  # a refused import into a new folder leaves no folder
                shutil.rmtree(data_dir, ignore_errors=True)
            raise
        backups.drop_unreferenced(data_dir, referenced, safety)
        return ArchiveImport(contents, safety, aside)
