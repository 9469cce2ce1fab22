"""What an archive holds, checked without extracting a byte of it.

An archive is one zip file with these members, and nothing else::

    manifest.json             format, version, time, schema revision, and the size and
                              SHA-256 of every other member
    liaison-hub.sqlite3       the database, copied through SQLite's backup API
    files/ab/ab12...          each attachment, named by its SHA-256

Nothing in the file is trusted. :func:`open_archive` refuses: what is not a zip; members
with absolute paths, ``..``, backslashes or NUL in their names; links; directories,
duplicates and any member that is not one of the above; encrypted members and
compressions other than stored and deflate; declared sizes beyond the limits, a member
expanding more than :data:`MAX_RATIO` times (a zip bomb), members whose data overlap
(the "better zip bomb"); a manifest that is not exactly the list of members.
:func:`read_member` then yields a member's bytes, refusing one that yields more than it
declared. Writing and importing archives is :mod:`coordinator.safety.archive`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import stat
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

from coordinator.errors import DomainError, ValidationError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.store import filestore

__all__ = ["ArchiveContents", "inspect_archive", "open_archive"]

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
CHUNK: Final = 1024 * 1024
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
MSG_CHECKSUM = N_("The archive {name} is damaged: “{member}” does not match its checksum.")


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


def member_name(sha: str) -> str:
    """The archive member holding the attachment ``sha``."""
    return f"files/{sha[:2]}/{sha}"


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


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str) -> Iterator[bytes]:
    """The member's bytes in chunks, never more than it declared."""
    left = info.file_size
    with _reading(archive):
        handle: IO[bytes] = zf.open(info)
    try:
        while True:
            with _reading(archive):
                chunk = handle.read(min(CHUNK, left + 1))
            if not chunk:
                break
            left -= len(chunk)
            if left < 0:
                raise ValidationError(MSG_CHECKSUM, name=archive, member=info.filename)
            yield chunk
    finally:
        with contextlib.suppress(Exception):
            handle.close()
    if left != 0:
        raise ValidationError(MSG_CHECKSUM, name=archive, member=info.filename)


def _read_manifest(
    archive: str, zf: zipfile.ZipFile, by_name: Mapping[str, zipfile.ZipInfo]
) -> ArchiveContents:
    raw = b"".join(read_member(zf, by_name[MANIFEST], archive))
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
def open_archive(source: Path) -> Iterator[tuple[zipfile.ZipFile, ArchiveContents]]:
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
            yield zf, dataclasses.replace(contents, path=source)


def inspect_archive(source: Path) -> ArchiveContents:
    """What an archive holds, after every check short of extracting it."""
    with open_archive(Path(source)) as (_zf, contents):
        return contents
