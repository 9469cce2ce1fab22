"""Attachments' content inside the database: 1 MiB pieces of the table ``file_chunks``.

On an office server every officer must reach every attachment, and the server's own
backups must hold them: so the content lives in the database, under the file's SHA-256,
piece ``seq`` 0, 1, 2, … in order (an empty file is one empty piece, so that every stored
content has a piece 0). A content is present when its piece 0 is; it is whole when its
pieces, read in order up to the first one missing, hash to its SHA-256.

Pieces are written in the caller's transaction, one at a time (never the whole file in
memory), so the content and the row that refers to it are saved together or not at all.

Content is shared by every document that holds the same file. Two things must never
cross: a check's repair removing content no document refers to, and an officer attaching
that same content again at the same moment (who, finding it present, writes nothing).
Both take a lock on the content's piece 0 first (:func:`put` a shared one,
:func:`drop_unreferenced` an exclusive one) and decide after they hold it, so one waits
for the other's commit and then sees what it did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import Connection, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from coordinator.store.models import DocumentFile, FileChunk

CHUNK: Final = 1024 * 1024
"""The size of a piece: small enough to hold two in memory, large enough that a 2 GiB file
is 2048 rows."""

ContentState = Literal["intact", "missing", "damaged"]


class ContentChangedError(Exception):
    """The file read while it was being stored did not hash as it did before."""


def _insert_missing(conn: Connection) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: two officers storing the same new content at once
    both succeed (the second waits for the first, then has nothing to add)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(FileChunk).on_conflict_do_nothing()
    return sqlite.insert(FileChunk).on_conflict_do_nothing()


def _head(conn: Connection, sha256: str, *, exclusive: bool) -> bool:
    """Lock the content's piece 0 (shared or exclusive); whether it exists."""
    query = select(FileChunk.seq).where(FileChunk.sha256 == sha256, FileChunk.seq == 0)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=not exclusive)
    return conn.execute(query).first() is not None


def put(conn: Connection, sha256: str, source: Path) -> None:
    """Store ``source`` as the content ``sha256`` unless it is there whole already.

    A damaged copy already there is replaced by this one. Raises
    :class:`ContentChangedError` when the file does not hash to ``sha256`` (it changed
    since it was hashed): the caller's transaction must then roll back.
    """
    if _head(conn, sha256, exclusive=False):
        if state(conn, sha256) == "intact":
            return
        conn.execute(delete(FileChunk).where(FileChunk.sha256 == sha256))
    digest = hashlib.sha256()
    statement = _insert_missing(conn)
    seq = 0
    with source.open("rb") as fh:
        while True:
            piece = fh.read(CHUNK)
            if not piece and seq > 0:
                break
            digest.update(piece)
            conn.execute(statement, {"sha256": sha256, "seq": seq, "data": piece})
            seq += 1
            if not piece:
                break  # an empty file: its one empty piece
    if digest.hexdigest() != sha256:
        raise ContentChangedError(sha256)


def put_pieces(conn: Connection, sha256: str, pieces: Iterator[bytes]) -> int:
    """Store content from a stream of bytes (an archive's member), re-cut into pieces of
    :data:`CHUNK`; its size. The caller checks the stream's own checksum (the stream
    must end before that is known) and rolls back when it does not match."""
    if _head(conn, sha256, exclusive=False):
        conn.execute(delete(FileChunk).where(FileChunk.sha256 == sha256))
    statement = _insert_missing(conn)
    buffer = bytearray()
    seq = 0
    size = 0
    for data in pieces:
        buffer += data
        size += len(data)
        while len(buffer) >= CHUNK:
            conn.execute(statement, {"sha256": sha256, "seq": seq, "data": bytes(buffer[:CHUNK])})
            del buffer[:CHUNK]
            seq += 1
    if buffer or seq == 0:
        conn.execute(statement, {"sha256": sha256, "seq": seq, "data": bytes(buffer)})
    return size


def pieces(conn: Connection, sha256: str) -> Iterator[bytes]:
    """The content's pieces in order, up to the first one missing (unchecked)."""
    seq = 0
    while True:
        data = conn.scalar(
            select(FileChunk.data).where(FileChunk.sha256 == sha256, FileChunk.seq == seq)
        )
        if data is None:
            return
        yield bytes(data)
        seq += 1


def state(conn: Connection, sha256: str) -> ContentState:
    """Whether the content is there and hashes right (reads all of it)."""
    digest = hashlib.sha256()
    seen = False
    for data in pieces(conn, sha256):
        seen = True
        digest.update(data)
    if not seen:
        return "missing"
    return "intact" if digest.hexdigest() == sha256 else "damaged"


def unreferenced(conn: Connection) -> dict[str, int]:
    """Content no document refers to: its SHA-256 and the bytes it takes."""
    referenced = exists().where(DocumentFile.sha256 == FileChunk.sha256)
    rows = conn.execute(
        select(FileChunk.sha256, func.sum(func.length(FileChunk.data)))
        .where(~referenced)
        .group_by(FileChunk.sha256)
        .order_by(FileChunk.sha256)
    )
    return {str(sha): int(size or 0) for sha, size in rows}


def drop_unreferenced(conn: Connection, sha256: str) -> bool:
    """Remove the content if, once locked, no document refers to it; whether it did."""
    _head(conn, sha256, exclusive=True)
    still = conn.scalar(select(exists().where(DocumentFile.sha256 == sha256)))
    if still:
        return False
    conn.execute(delete(FileChunk).where(FileChunk.sha256 == sha256))
    return True
