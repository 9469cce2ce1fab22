"""Where attachments' content lives: one interface, two places.

A laptop keeps each attachment as a file of the data folder's ``files/``, named by its
SHA-256 (:mod:`coordinator.store.filestore`). An office server keeps it in the database
itself (:mod:`coordinator.store.chunkstore`), so that every officer reaches every
attachment from any laptop and the server's own backups hold them. :func:`content_for`
gives a store's; nothing else needs to know which it is.

Storing has two halves. :meth:`ContentStore.take_in` runs before the unit of work: it
reads the file (a laptop copies it into the folder then, so that the database is not
held while gigabytes are copied; an orphan left by a failed save is found by the data
check). :meth:`ContentStore.keep` runs inside the unit of work, before the row that
refers to the content is added: on a server the content is written there, in the same
transaction, so a failed save leaves nothing behind.

Every read is checked against the SHA-256. :meth:`ContentStore.read` yields the content
piece by piece and raises :class:`DamagedContentError` at its end when the bytes did not
hash right, :class:`MissingContentError` at its start when there are none: whoever hands
content on writes it somewhere private first and passes it on only when the read ended
well (:func:`copy_out` does exactly that), so a damaged copy is never handed over.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from coordinator.errors import StorageError, ValidationError
from coordinator.i18n import N_
from coordinator.store import chunkstore, filestore
from coordinator.store.chunkstore import ContentState
from coordinator.store.filestore import StoredFile
from coordinator.store.storage import Store, translate_db_error

__all__ = [
    "ContentState",
    "ContentStore",
    "DamagedContentError",
    "DatabaseContent",
    "FolderContent",
    "MissingContentError",
    "content_for",
    "copy_out",
]

MSG_MISSING: Final = N_(
    "The attached file “{name}” is missing, so it cannot be used. Run Check data."
)
MSG_DAMAGED: Final = N_(
    "The attached file “{name}” is damaged: its content no longer matches the checksum "
    "taken when it was attached, so it is not used. Run Check data."
)
MSG_CHANGED_WHILE: Final = N_(
    "The file {name} changed while it was being attached: nothing was saved. Attach it again."
)
MSG_NOT_STORED: Final = N_("The file {name} could not be stored: {reason}. Nothing was saved.")

BytesDone = Callable[[int], None]
"""Told the bytes read so far."""


class MissingContentError(StorageError):
    """The attachment's content is not where it should be."""


class DamagedContentError(StorageError):
    """The attachment's content does not hash to its SHA-256 any more."""


class ContentStore(Protocol):
    """Where attachments' content lives (see the module notes)."""

    def take_in(self, source: Path) -> StoredFile:
        """Before the unit of work: check the file, hash it (and, on a laptop, copy it in)."""
        ...

    def keep(self, session: Session, stored: StoredFile, source: Path) -> None:
        """Inside the unit of work that adds the row referring to ``stored``."""
        ...

    def read(self, sha256: str, name: str = "", conn: Connection | None = None) -> Iterator[bytes]:
        """The content, piece by piece, checked (see the module notes). ``conn``: read in
        that database transaction (a server's content, in the snapshot of an export)."""
        ...

    def state(self, sha256: str, conn: Connection | None = None) -> ContentState:
        """Whether the content is there and intact (reads all of it)."""
        ...


def _checked(sha256: str, name: str, source: Iterator[bytes]) -> Iterator[bytes]:
    digest = hashlib.sha256()
    seen = False
    for data in source:
        seen = True
        digest.update(data)
        yield data
    if not seen:
        raise MissingContentError(MSG_MISSING, name=name or sha256)
    if digest.hexdigest() != sha256:
        raise DamagedContentError(MSG_DAMAGED, name=name or sha256)


class FolderContent:
    """The data folder's ``files/ab/ab12…`` (a laptop's store)."""

    def __init__(self, files_dir: Path) -> None:
        self.files_dir = files_dir

    def take_in(self, source: Path) -> StoredFile:
        return filestore.store_file(self.files_dir, source)

    def keep(self, session: Session, stored: StoredFile, source: Path) -> None:
        """Nothing more: the file is in place since :meth:`take_in`."""

    def read(self, sha256: str, name: str = "", conn: Connection | None = None) -> Iterator[bytes]:
        return _checked(sha256, name, self._pieces(sha256, name))

    def _pieces(self, sha256: str, name: str) -> Iterator[bytes]:
        path = filestore.path_for(self.files_dir, sha256)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise MissingContentError(MSG_MISSING, name=name or sha256) from None
        except OSError as exc:
            raise StorageError(
                filestore.MSG_UNREADABLE, name=name or sha256, reason=filestore.os_reason(exc)
            ) from exc
        with handle:
            data = handle.read(chunkstore.CHUNK)
            yield data  # even an empty file's: it is there all the same
            while data := handle.read(chunkstore.CHUNK):
                yield data

    def state(self, sha256: str, conn: Connection | None = None) -> ContentState:
        path = filestore.path_for(self.files_dir, sha256)
        if not path.is_file():
            return "missing"
        try:
            return "intact" if filestore.verify(self.files_dir, sha256) else "damaged"
        except OSError:
            return "damaged"


class DatabaseContent:
    """The database's ``file_chunks`` (an office server's store)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take_in(self, source: Path) -> StoredFile:
        size = filestore.checked_source(source)
        try:
            sha = filestore.file_sha256(source)
        except OSError as exc:
            raise ValidationError(
                filestore.MSG_UNREADABLE, name=source.name, reason=filestore.os_reason(exc)
            ) from exc
        return StoredFile(sha, size, filestore.media_type_of(source), source.name)

    def keep(self, session: Session, stored: StoredFile, source: Path) -> None:
        try:
            chunkstore.put(session.connection(), stored.sha256, source)
        except chunkstore.ContentChangedError:
            raise ValidationError(MSG_CHANGED_WHILE, name=source.name) from None
        except OSError as exc:
            raise StorageError(
                MSG_NOT_STORED, name=source.name, reason=filestore.os_reason(exc)
            ) from exc

    def read(self, sha256: str, name: str = "", conn: Connection | None = None) -> Iterator[bytes]:
        return _checked(sha256, name, self._pieces(sha256, conn))

    def _pieces(self, sha256: str, conn: Connection | None) -> Iterator[bytes]:
        try:
            if conn is not None:
                yield from chunkstore.pieces(conn, sha256)
                return
            with self.store.engine.connect() as own:
                if own.dialect.name == "postgresql":
                    # One snapshot: a copy being replaced meanwhile is not read half old.
                    own.execution_options(isolation_level="REPEATABLE READ")
                yield from chunkstore.pieces(own, sha256)
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    def state(self, sha256: str, conn: Connection | None = None) -> ContentState:
        try:
            if conn is not None:
                return chunkstore.state(conn, sha256)
            with self.store.engine.connect() as own:
                return chunkstore.state(own, sha256)
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc


def content_for(store: Store) -> ContentStore:
    """Where this store keeps attachments' content."""
    if store.on_server:
        return DatabaseContent(store)
    return FolderContent(store.files_dir)


def copy_out(
    content: ContentStore,
    sha256: str,
    target: Path,
    *,
    name: str = "",
    mode: int = 0o600,
    done: BytesDone | None = None,
    conn: Connection | None = None,
) -> int:
    """Write the content to ``target``, checked: a temporary file beside it first, renamed
    to ``target`` only once every byte hashed right. Returns the size written.

    Raises the read's :class:`MissingContentError` or :class:`DamagedContentError` (no
    file left), or :class:`StorageError` when ``target`` cannot be written.
    """
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=filestore.TEMP_PREFIX, dir=target.parent)
    except OSError as exc:
        raise StorageError(
            N_("The file {name} could not be written: {reason}"),
            name=target.name,
            reason=filestore.os_reason(exc),
        ) from exc
    tmp = Path(tmp_name)
    size = 0
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                for data in content.read(sha256, name, conn):
                    out.write(data)
                    size += len(data)
                    if done is not None:
                        done(size)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except OSError as exc:
            raise StorageError(
                N_("The file {name} could not be written: {reason}"),
                name=target.name,
                reason=filestore.os_reason(exc),
            ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return size
