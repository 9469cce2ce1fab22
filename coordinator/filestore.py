"""Attachment files, stored once each under their SHA-256 inside the data folder.

A file is copied to a temporary name beside its final place, flushed to disk, and only
then renamed: a crash or a full disk never leaves half a file under a real name.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coordinator.errors import StorageError, ValidationError
from coordinator.i18n import N_

MAX_FILE_SIZE = 2 * 1024**3  # 2 GiB: far beyond any scanned document
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    original_name: str


def path_for(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


def store_file(files_dir: Path, source: Path) -> StoredFile:
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise ValidationError(
            N_("The file {name} cannot be read: {reason}"),
            name=source.name,
            reason=exc.strerror or str(exc),
        ) from None
    if not source.is_file():
        raise ValidationError(N_("{name} is not a file."), name=source.name)
    if size > MAX_FILE_SIZE:
        raise ValidationError(N_("The file {name} is larger than 2 GB."), name=source.name)
    tmp_path: Path | None = None
    try:
        files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=files_dir)
        tmp_path = Path(tmp_name)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        final = path_for(files_dir, sha)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        if final.exists() and verify(files_dir, sha):
            tmp_path.unlink()
        else:
            # New content, or a stored copy that was damaged: the fresh copy replaces it.
            os.chmod(tmp_path, 0o600)
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
        tmp_path = None
    except OSError as exc:
        if tmp_path is not None:
            with contextlib.suppress(OSError):
                tmp_path.unlink()
        raise StorageError(
            N_("The file {name} could not be stored: {reason}. Nothing was saved."),
            name=source.name,
            reason=exc.strerror or str(exc),
        ) from exc
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return StoredFile(sha, size, media_type, source.name)


def _fsync_dir(directory: Path) -> None:
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


def verify(files_dir: Path, sha256: str) -> bool:
    path = path_for(files_dir, sha256)
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == sha256
