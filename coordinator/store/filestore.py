"""Attachment files, stored once each under their SHA-256 inside the data folder.

This is where a laptop keeps attachments; an office server keeps them in the database
(:mod:`coordinator.store.chunkstore`). :mod:`coordinator.store.content` is the one
interface to both.

A file is copied to a temporary name beside its final place, flushed to disk, and only
then renamed: a crash or a full disk never leaves half a file under a real name, and a
failed copy removes its temporary file whatever went wrong.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mimetypes
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coordinator.errors import StorageError, ValidationError
from coordinator.i18n import N_, Msg

MAX_FILE_SIZE = 2 * 1024**3  # 2 GiB: far beyond any scanned document
_CHUNK = 1024 * 1024
TEMP_PREFIX = ".incoming-"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MSG_UNREADABLE = N_("The file {name} cannot be read: {reason}")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    original_name: str


def path_for(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


def os_reason(exc: OSError) -> Msg | str:
    """Why a file operation failed, in words (the system's own words as a last resort)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return N_("the disk is full")
    if exc.errno == errno.EROFS:
        return N_("the disk or folder is read-only")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return N_("you have no permission to write there")
    if exc.errno == errno.EIO:
        return N_("the disk reported a read or write error")
    if exc.errno == errno.ENOENT:
        return N_("the folder does not exist")
    if exc.errno == errno.EFBIG:  # a FAT-formatted USB stick holds no file of 4 GiB
        return N_("the file is too large for this disk")
    return exc.strerror or str(exc)


def checked_source(source: Path) -> int:
    """The size of a file about to be attached; refused in words when it cannot be."""
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise ValidationError(
            MSG_UNREADABLE, name=source.name, reason=exc.strerror or str(exc)
        ) from None
    if not source.is_file():
        raise ValidationError(N_("{name} is not a file."), name=source.name)
    if size > MAX_FILE_SIZE:
        raise ValidationError(N_("The file {name} is larger than 2 GB."), name=source.name)
    return size


def media_type_of(source: Path) -> str:
    return mimetypes.guess_type(source.name)[0] or "application/octet-stream"


def store_file(files_dir: Path, source: Path) -> StoredFile:
    size = checked_source(source)
    try:
        sha = _write_content(files_dir, source, expected=None)
    except OSError as exc:
        raise StorageError(
            N_("The file {name} could not be stored: {reason}. Nothing was saved."),
            name=source.name,
            reason=os_reason(exc),
        ) from exc
    return StoredFile(sha, size, media_type_of(source), source.name)


def install_copy(files_dir: Path, source: Path, sha256: str) -> bool:
    """Put a copy of ``source`` into the store as ``sha256`` if its content has that hash.

    Returns False (storing nothing) when the content does not match; raises OSError when
    the copy cannot be written. A good copy already in place is kept as it is.
    """
    if verify(files_dir, sha256):
        return True
    return _write_content(files_dir, source, expected=sha256) == sha256


def _write_content(files_dir: Path, source: Path, expected: str | None) -> str:
    """Copy ``source`` in under its hash; with ``expected``, only if the hash is that."""
    files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=files_dir)
    tmp_path = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        if expected is not None and sha != expected:
            return sha
        final = path_for(files_dir, sha)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        if final.exists() and verify(files_dir, sha):
            # Fresh again: the data check leaves recent files alone, so an old orphan
            # about to be referenced once more is not quarantined in between.
            os.utime(final)
        else:
            # New content, or a stored copy that was damaged: the fresh copy replaces it.
            os.chmod(tmp_path, 0o600)
            os.replace(tmp_path, final)
            fsync_dir(final.parent)
        return sha
    finally:
        # Anything short of the rename (an error, an interrupt) must not leave the
        # temporary copy behind; after the rename the name no longer exists. If even the
        # removal fails, the data check finds the stray copy and quarantines it.
        with contextlib.suppress(OSError):
            tmp_path.unlink()


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_sha256(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of a file, read in large chunks (hashlib lets other threads run)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest()


def verify(files_dir: Path, sha256: str) -> bool:
    path = path_for(files_dir, sha256)
    if not path.is_file():
        return False
    return file_sha256(path) == sha256
