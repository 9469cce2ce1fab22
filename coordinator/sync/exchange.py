"""A sync between a laptop's checkout and the office server: send, then receive.

The laptop's own operations go first, in the order they were made, in batches, each batch
applied on the server in one transaction; the laptop then notes how far the server has
them. The server's operations come back the same way, each batch applied on the laptop in
one transaction together with the note of how far it got. Whatever stops a sync (the
network, the app, the power), the next one starts where the notes say, and an operation
arriving twice is recognised by its uid and applied once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, func, select

from coordinator.errors import DomainError
from coordinator.i18n import N_
from coordinator.safety.backup import make_backup
from coordinator.store.content import content_for, copy_out
from coordinator.store.models import SyncOp
from coordinator.store.storage import Store
from coordinator.sync import state
from coordinator.sync.apply import PortableOp, apply_ops

BATCH: Final = 500

SyncProgress = Callable[[str, int, int], None]
"""Told (stage, done, total): ``send``, ``receive``, ``files``."""


class NotCheckedOutError(DomainError):
    """This data folder is not a checkout of an office's data."""


class WrongOfficeError(DomainError):
    """The server named is not the office this laptop was checked out from."""


@dataclass(frozen=True)
class SyncReport:
    sent: int
    received: int
    conflicts: int
    files: int
    backup: str | None
    """The backup made first: the whole sync is undone by restoring it."""


def portable(row: Any) -> PortableOp:
    return {
        "op_uid": row.op_uid,
        "origin": row.origin,
        "at": row.at.isoformat(),
        "officer": row.officer,
        "table_name": row.table_name,
        "row_uid": row.row_uid,
        "case_uid": row.case_uid,
        "kind": row.kind,
        "after": row.after,
        "before": row.before,
    }


def own_ops_after(conn: Connection, replica: str, after_id: int, limit: int) -> list[Any]:
    return list(
        conn.execute(
            select(SyncOp.__table__)
            .where(SyncOp.origin == replica, SyncOp.id > after_id)
            .order_by(SyncOp.id)
            .limit(limit)
        )
    )


def ops_after(conn: Connection, after_id: int, limit: int) -> list[Any]:
    return list(
        conn.execute(
            select(SyncOp.__table__).where(SyncOp.id > after_id).order_by(SyncOp.id).limit(limit)
        )
    )


def _count_after(conn: Connection, origin: str | None, after_id: int) -> int:
    query = select(func.count()).select_from(SyncOp).where(SyncOp.id > after_id)
    if origin is not None:
        query = query.where(SyncOp.origin == origin)
    return int(conn.scalar(query) or 0)


def files_of(ops: Iterable[PortableOp]) -> set[str]:
    """The attachments' contents that the rows these operations add need."""
    return {
        str(op["after"]["sha256"])
        for op in ops
        if op["table_name"] == "document_files"
        and op["kind"] == "insert"
        and isinstance(op.get("after"), dict)
        and op["after"].get("sha256")
    }


def copy_contents(source: Store, target: Store, wanted: Iterable[str]) -> int:
    """Bring every wanted attachment content the target lacks; how many were brought."""
    into = content_for(target)
    out_of = content_for(source)
    brought = 0
    for sha in sorted(set(wanted)):
        if into.state(sha) == "intact":
            continue
        if out_of.state(sha) != "intact":
            continue  # not there either: `check` reports it on both sides
        with tempfile.TemporaryDirectory(prefix="liaison-hub-sync-") as tmp:
            path = Path(tmp) / sha
            copy_out(out_of, sha, path)
            stored = into.take_in(path)
            with target.work() as work:
                into.keep(work.session, stored, path)
        brought += 1
    return brought


def _checked_out(laptop: Store, server: Store) -> tuple[str, int, int, list[str] | None]:
    with laptop.read() as session:
        conn = session.connection()
        office = state.get(conn, state.OFFICE)
        sent = int(state.get(conn, state.SENT_UPTO, 0) or 0)
        received = int(state.get(conn, state.RECEIVED_UPTO, 0) or 0)
        scope = state.get(conn, state.SCOPE)
    if office is None:
        raise NotCheckedOutError(
            N_(
                "This data folder is not a checkout of an office's data: check one out "
                "from the office server first."
            )
        )
    with server.read() as session:
        server_id = state.get(session.connection(), "replica")
    if server_id != office:
        raise WrongOfficeError(
            N_(
                "This laptop was checked out from another office database: nothing was "
                "sent or received. Sync with the server it came from."
            )
        )
    return str(office), sent, received, scope if isinstance(scope, list) else None


def send(laptop: Store, server: Store, progress: SyncProgress | None = None) -> int:
    """The laptop's operations the server lacks, applied there; how many were sent."""
    _office, sent_upto, _received, _scope = _checked_out(laptop, server)
    with laptop.read() as session:
        conn = session.connection()
        me = str(state.get(conn, "replica") or "")
        total = _count_after(conn, me, sent_upto) if me else 0
    done = 0
    while me:
        with laptop.read() as session:
            rows = own_ops_after(session.connection(), me, sent_upto, BATCH)
        if not rows:
            break
        batch = [portable(r) for r in rows]
        last_id = rows[-1].id
        copy_contents(laptop, server, files_of(batch))
        with server.work() as work:
            work.oplog.enabled = False
            apply_ops(work, batch, None)
        with laptop.work() as work:
            work.oplog.enabled = False
            state.put(work.session.connection(), state.SENT_UPTO, last_id)
        sent_upto = last_id
        done += len(batch)
        if progress is not None:
            progress("send", done, total)
    return done


def receive(laptop: Store, server: Store, progress: SyncProgress | None = None) -> tuple[int, int]:
    """The server's operations the laptop lacks, applied here; (how many were new here,
    conflicts)."""
    _office, _sent, received_upto, scope_list = _checked_out(laptop, server)
    scope = frozenset(scope_list) if scope_list is not None else None
    with server.read() as session:
        total = _count_after(session.connection(), None, received_upto)
    done = conflicts = new = 0
    while True:
        with server.read() as session:
            rows = ops_after(session.connection(), received_upto, BATCH)
        if not rows:
            break
        batch = [portable(r) for r in rows]
        copy_contents(server, laptop, _in_scope(batch, scope))
        with laptop.work() as work:
            work.oplog.enabled = False
            applied = apply_ops(work, batch, scope)
            state.put(work.session.connection(), state.RECEIVED_UPTO, rows[-1].id)
        conflicts += applied.conflicts
        new += applied.applied  # not this laptop's own, coming back
        received_upto = rows[-1].id
        done += len(batch)
        if progress is not None:
            progress("receive", done, total)
    return new, conflicts


def _in_scope(batch: Sequence[PortableOp], scope: frozenset[str] | None) -> set[str]:
    wanted = [op for op in batch if scope is None or op.get("case_uid") in (None, *scope)]
    return files_of(wanted)


def sync(
    laptop: Store,
    server: Store,
    *,
    progress: SyncProgress | None = None,
    backup: bool = True,
) -> SyncReport:
    """Send, then receive; a backup of the laptop first, so the whole sync can be undone."""
    _checked_out(laptop, server)
    made: str | None = None
    if backup:
        result = make_backup(laptop, "before-sync", force=True, check="quick_check")
        made = result.backup.id if result.backup is not None else None
    sent = send(laptop, server, progress)
    received, conflicts = receive(laptop, server, progress)
    report = SyncReport(sent, received, conflicts, 0, made)
    with laptop.work() as work:
        work.oplog.enabled = False
        state.put(
            work.session.connection(),
            state.LAST_SYNC,
            {
                "at": laptop.clock().isoformat(),
                "sent": sent,
                "received": received,
                "conflicts": conflicts,
                "backup": made,
            },
        )
    return report
