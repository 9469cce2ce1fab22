"""Keeping the index true: in the same transaction as every change, and built anew when
it is missing, out of date or damaged.

:func:`follow` runs at the end of every unit of work (a hook of the Store that
:func:`coordinator.safety.opening.open_store` installs): the change set names what the
services, an import or a merge touched, and those records are written again before the
transaction commits, so a search never sees a state the data never had. A restore or an
archive import replaces the whole database file, index included.

The index records which version of the tokens it holds, written last when it is built.
A database without it (made before the index existed, or left half built) is indexed
again from scratch by :func:`build`, with progress; nothing is trusted that was not
built whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from coordinator.errors import StorageError
from coordinator.i18n import N_
from coordinator.search import documents, postgres_fts, sqlite_fts
from coordinator.search.backend import SEARCHED, SearchBackend
from coordinator.search.postgres_fts import PostgresFts
from coordinator.search.sqlite_fts import SqliteFts
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store, Work

INDEX_VERSION: Final = 1
"""Raised when the tokens change: every index of an older version is built again."""

BUILD_CHUNK: Final = 2000

IndexProgress = Callable[[int, int], None]
"""Called with (records indexed, records in all) while the index is built."""


def backend_for(session: Session) -> SearchBackend | None:
    """The index's implementation on this database, None where there is none (the
    lists then filter by scanning, as they did before the index)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return SqliteFts()
    if dialect == "postgresql":
        return PostgresFts()
    return None


def is_current(session: Session) -> bool:
    """The index exists and holds every record in the current version of the tokens."""
    backend = backend_for(session)
    return backend is not None and backend.version(session) == INDEX_VERSION


def follow(work: Work) -> None:
    """Write again the rows of the records this unit of work changed."""
    session = work.session
    changes = work.changes
    wanted = {kind: set(changes.ids_of(kind)) for kind in SEARCHED if changes.touches(kind)}
    if not wanted:
        return
    organisations = wanted.get(ChangeKind.ORGANISATION)
    if organisations:
        # Before the pending changes reach the database: a deleted organisation's people
        # lose the link there (ON DELETE SET NULL), and then could not be found by it.
        with session.no_autoflush:
            for kind, ids in documents.dependants(session, list(organisations)).items():
                wanted.setdefault(kind, set()).update(ids)
    if not is_current(session):
        return  # an index being built, or none: it is written whole when built
    backend = backend_for(session)
    assert backend is not None
    session.flush()
    for kind, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), BUILD_CHUNK):
            chunk = ordered[start : start + BUILD_CHUNK]
            backend.write(session, kind, documents.tokens(session, kind, chunk))


MSG_DAMAGED = N_(
    "The search index is damaged (your records are not), so searches cannot be answered. "
    "It is rebuilt the next time Liaison Hub starts, or now with Data ▸ Check data."
)


class SearchIndexDamagedError(StorageError):
    """A search read the index and SQLite found it damaged."""


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """Around a statement that reads the index: a damaged index is said so (not as a
    damaged database) and no longer trusted, so that it is built again from the records
    at the next opening; the follow hook stops writing to it meanwhile."""
    try:
        yield
    except DatabaseError as exc:
        if not _damaged(str(getattr(exc, "orig", exc)).lower()):
            raise
        backend = backend_for(session)
        if backend is None:
            raise
        # Its own connection: the session is inside a read that cannot write.
        try:
            with session.get_bind().engine.connect() as conn:
                backend.forget(conn)
                conn.commit()
        except DatabaseError:
            pass  # what is left cannot say "whole" either: it is built again all the same
        raise SearchIndexDamagedError(MSG_DAMAGED) from exc


def _damaged(reason: str) -> bool:
    """The database's words for an index it cannot read: its pages damaged (SQLite), or
    its table gone (either database; PostgreSQL keeps its own pages sound)."""
    return (
        "malformed" in reason
        or "corrupt" in reason
        or f"no such table: {sqlite_fts.TABLE}" in reason
        or f'relation "{postgres_fts.TABLE}" does not exist' in reason
    )


SAMPLE: Final = 100
"""Records of each kind whose stored tokens the data check compares with fresh ones: the
first and the last ids (the newest are the ones edited most)."""


def build(store: Store, progress: IndexProgress | None = None) -> int:
    """Index every record from scratch, in one transaction; how many were indexed."""
    with store.work() as work:
        session = work.session
        backend = backend_for(session)
        if backend is None:
            return 0
        backend.create(session)
        tables = documents.TABLES
        total = sum(
            int(session.scalar(select(func.count()).select_from(tables[k])) or 0) for k in SEARCHED
        )
        done = 0
        if progress is not None:
            progress(done, total)
        for kind in SEARCHED:
            ids = list(session.scalars(select(tables[kind].id).order_by(tables[kind].id)))
            for start in range(0, len(ids), BUILD_CHUNK):
                chunk = ids[start : start + BUILD_CHUNK]
                backend.write(session, kind, documents.tokens(session, kind, chunk))
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        backend.set_version(session, INDEX_VERSION)
    return done


def problems(store: Store) -> list[str]:
    """What is wrong with the index, in plain words for the data check; [] when sound.

    Checks the database's own structure check, then that the index holds exactly the
    records there are, kind by kind, and that a sample of them reads as it would now.
    """
    with store.read() as session:
        backend = backend_for(session)
        if backend is None:
            return []
        if not is_current(session):
            return ["missing"]
        damage = backend.integrity_problem(session)
        if damage is not None:
            return [f"damaged: {damage}"]
        found: list[str] = []
        for kind in SEARCHED:
            table = documents.TABLES[kind]
            records = set(session.scalars(select(table.id)))
            indexed = backend.ids(session, kind)
            if records != indexed:
                missing, extra = len(records - indexed), len(indexed - records)
                found.append(f"{kind.value}: {missing} not indexed, {extra} indexed but gone")
                continue
            ordered = sorted(records)
            sample = ordered[:SAMPLE] + ordered[-SAMPLE:]
            fresh = documents.tokens(session, kind, sample)
            stale = backend.stale(
                session, kind, {i: t for i in dict.fromkeys(sample) if (t := fresh[i])}
            )
            if stale:
                found.append(f"{kind.value}: {len(stale)} out of date")
        return found
