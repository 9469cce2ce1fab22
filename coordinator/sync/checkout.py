"""A laptop's working copy of the office's data: all of it, or chosen cases with every
contact and organisation, copied from the server into a new SQLite store.

The rows are read in one snapshot of the server together with the position of its last
operation, so the first sync receives exactly what the office did after the copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Select, func, insert, or_, select

from coordinator.errors import DomainError, ValidationError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.safety.opening import open_store
from coordinator.search import index as search_index
from coordinator.store.models import SyncAlias, SyncOp
from coordinator.store.oplog import REPLICA_KEY, replica_id
from coordinator.store.storage import Store
from coordinator.store.sync_tables import LOCAL_SETTINGS, SYNC_TABLES, SyncTable
from coordinator.sync import state
from coordinator.sync.exchange import copy_contents

BATCH: Final = 5000

CheckoutProgress = Callable[[str, int], None]
"""Told (table, rows copied so far of it)."""


class NotEmptyError(DomainError):
    """A checkout goes into a new data folder only."""


@dataclass(frozen=True)
class CheckoutReport:
    rows: int
    files: int
    cases: int
    database_bytes: int


def _case_ids(conn: Connection, references: Sequence[str]) -> tuple[list[int], list[str]]:
    cases = SYNC_TABLES["cases"].table
    found = conn.execute(
        select(cases.c.id, cases.c.uid, cases.c.reference).where(
            cases.c.reference.in_(list(references))
        )
    ).all()
    missing = sorted(set(references) - {r.reference for r in found})
    if missing:
        raise ValidationError(
            N_("The office has no case {reference}: nothing was checked out."),
            reference=", ".join(missing),
        )
    return [r.id for r in found], [r.uid for r in found]


def _scoped(spec: SyncTable, query: Select[Any], ids: list[int] | None) -> Select[Any]:
    t = spec.table
    if ids is not None and spec.name == "cases":
        return query.where(t.c.id.in_(ids))
    if ids is None or spec.case_via is None:
        return query
    column, parent = spec.case_via
    if parent == "cases":
        if t.c[column].nullable:
            return query.where(or_(t.c[column].is_(None), t.c[column].in_(ids)))
        return query.where(t.c[column].in_(ids))
    parents = SYNC_TABLES[parent].table
    return query.where(t.c[column].in_(select(parents.c.id).where(parents.c.case_id.in_(ids))))


def checkout(
    server: Store,
    data_dir: Path,
    *,
    cases: Sequence[str] | None = None,
    progress: CheckoutProgress | None = None,
) -> tuple[Store, CheckoutReport]:
    """A new store in ``data_dir`` holding the server's records (or the cases whose
    references are given, with every contact and organisation), ready to sync."""
    if (data_dir / DATABASE_NAME).exists():
        raise NotEmptyError(
            N_("{path} already holds data: a checkout goes into a new, empty folder."),
            path=str(data_dir),
        )
    with server.work() as work:  # the office's name among the copies, drawn if new
        office = replica_id(work.session.connection())
    # The laptop's own file, whatever server the settings or the environment name.
    laptop = open_store(data_dir, url=f"sqlite:///{data_dir / DATABASE_NAME}", clock=server.clock)
    total = 0
    wanted_files: set[str] = set()
    with server.read() as session, laptop.engine.begin() as target:
        source = session.connection()
        ids, uids = _case_ids(source, cases) if cases is not None else (None, None)
        upto = int(source.scalar(select(func.max(SyncOp.id))) or 0)
        for spec in SYNC_TABLES.values():
            query = _scoped(spec, select(spec.table), ids)
            if spec.name == "settings":
                query = query.where(spec.table.c.key.not_in(LOCAL_SETTINGS))
            done = 0
            result = source.execution_options(yield_per=BATCH).execute(query)
            for part in result.partitions(BATCH):
                rows = [dict(r._mapping) for r in part]
                target.execute(insert(spec.table), rows)
                if spec.name == "document_files":
                    wanted_files.update(str(r["sha256"]) for r in rows)
                done += len(rows)
                if progress is not None:
                    progress(spec.name, done)
            total += done
        # The office's newest operation, known here: this laptop's clock of operations
        # starts after it, so a change made here orders after everything it has seen.
        newest = source.execute(
            select(SyncOp.__table__).order_by(SyncOp.at.desc(), SyncOp.id.desc()).limit(1)
        ).first()
        if newest is not None:
            known = dict(newest._mapping)
            known.pop("id")
            target.execute(insert(SyncOp), [known])
        aliases = [dict(r._mapping) for r in source.execute(select(SyncAlias))]
        if aliases:
            target.execute(insert(SyncAlias), aliases)
        state.put(target, REPLICA_KEY, uuid.uuid4().hex)
        state.put(target, state.OFFICE, office)
        state.put(target, state.OFFICE_WHERE, server.where)
        state.put(target, state.RECEIVED_UPTO, upto)
        state.put(target, state.SENT_UPTO, 0)
        state.put(target, state.SCOPE, uids)
    laptop.replica = None  # read again: the one drawn just now
    files = copy_contents(server, laptop, wanted_files)
    search_index.build(laptop)
    with laptop.engine.connect() as conn:  # one big write: fold its log into the file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(  # the file and its write-ahead log, not yet folded into it
        p.stat().st_size
        for p in (laptop.database_path, Path(f"{laptop.database_path}-wal"))
        if p.exists()
    )
    return laptop, CheckoutReport(total, files, len(uids) if uids is not None else -1, size)
