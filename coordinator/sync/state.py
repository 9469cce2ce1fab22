"""A copy's place in the synchronisation, kept in its own database (``sync_state``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, delete, func, insert, select

from coordinator.store.models import SyncConflict, SyncOp, SyncState
from coordinator.store.oplog import replica_id
from coordinator.store.storage import Store

OFFICE: Final = "office"  # the server's replica id this laptop was checked out from
OFFICE_WHERE: Final = "office_where"  # the server's address, as it may be shown
RECEIVED_UPTO: Final = "received_upto"  # the office's last operation (its sync_ops.id) applied
SENT_UPTO: Final = "sent_upto"  # this copy's last own operation (sync_ops.id) the office has
SCOPE: Final = "scope"  # the uids of the cases checked out, or None: everything
LAST_SYNC: Final = "last_sync"  # when the last sync ended, and what it did


def get(conn: Connection, key: str, default: Any = None) -> Any:
    found = conn.execute(select(SyncState.value).where(SyncState.key == key)).first()
    return default if found is None else found[0]


def put(conn: Connection, key: str, value: Any) -> None:
    conn.execute(delete(SyncState).where(SyncState.key == key))
    conn.execute(insert(SyncState).values(key=key, value=value))


@dataclass(frozen=True)
class SyncStatus:
    """What the status line and ``liaison-hub sync --status`` say."""

    checked_out: bool
    office: str
    last_sync: datetime | None
    waiting: int
    """This copy's changes the office does not have yet."""
    conflicts: int
    """Conflicts kept for the officer to settle."""
    scope: tuple[str, ...] | None


def status(store: Store) -> SyncStatus:
    with store.read() as session:
        conn = session.connection()
        office = get(conn, OFFICE)
        last = get(conn, LAST_SYNC) or {}
        me = get(conn, "replica")
        sent = int(get(conn, SENT_UPTO, 0) or 0)
        waiting = 0
        if office is not None and me is not None:
            waiting = int(
                conn.scalar(
                    select(func.count())
                    .select_from(SyncOp)
                    .where(SyncOp.origin == me, SyncOp.id > sent)
                )
                or 0
            )
        open_conflicts = int(
            conn.scalar(
                select(func.count())
                .select_from(SyncConflict)
                .where(SyncConflict.resolved_at.is_(None))
            )
            or 0
        )
        scope = get(conn, SCOPE)
        at = last.get("at") if isinstance(last, dict) else None
        return SyncStatus(
            checked_out=office is not None,
            office=str(get(conn, OFFICE_WHERE, "") or ""),
            last_sync=datetime.fromisoformat(at) if isinstance(at, str) else None,
            waiting=waiting,
            conflicts=open_conflicts,
            scope=tuple(scope) if isinstance(scope, list) else None,
        )


def my_replica(conn: Connection) -> str:
    return replica_id(conn)


def last_sync(store: Store) -> dict[str, Any]:
    """What the last sync did: when it ended, its counts and the backup it made first."""
    with store.read() as session:
        found = get(session.connection(), LAST_SYNC)
    return found if isinstance(found, dict) else {}
