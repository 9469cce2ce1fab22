"""Every change to the officer's records kept as an operation another copy can replay.

A unit of work's flushes are watched (SQLAlchemy's ``after_flush``, when the rows are
written and each attribute still knows its value before): each added, changed or deleted
row of a synchronised table becomes one ``SyncOp`` in the same transaction, so a change
and its operation are saved together or not at all. Operations name records by uid, so
they mean the same on the office server and on a laptop's checkout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, event, func, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from coordinator.event_words import REFERENCE_FIELDS
from coordinator.store.models import SyncOp, SyncState
from coordinator.store.sync_tables import (
    EVENT_ENTITY_TABLES,
    EVENT_REFERENCE_TABLES,
    LOCAL_SETTINGS,
    SYNC_TABLES,
    SyncTable,
    UidLookup,
    to_portable,
)

REPLICA_KEY = "replica"
TICK = timedelta(microseconds=1)


def new_op_uid() -> str:
    return uuid.uuid4().hex


def replica_id(conn: Connection) -> str:
    """This database's name among the copies of the data, drawn at its first change."""
    found = conn.execute(
        select(SyncState.value).where(SyncState.key == REPLICA_KEY)
    ).scalar_one_or_none()
    if isinstance(found, str):
        return found
    made = uuid.uuid4().hex
    conn.execute(insert(SyncState).values(key=REPLICA_KEY, value=made))
    return made


def portable_row(spec: SyncTable, values: Mapping[str, Any], uids: UidLookup) -> dict[str, Any]:
    """A row's values as every copy reads them: JSON, records by uid."""
    out: dict[str, Any] = {}
    for column in spec.columns():
        value = values.get(column.name)
        if column.name in spec.refs:
            out[column.name] = uids.uid(spec.refs[column.name], value)
        else:
            out[column.name] = to_portable(column, value)
    if spec.name == "events":
        _portable_event(out, uids)
    return out


def _portable_event(row: dict[str, Any], uids: UidLookup) -> None:
    table = EVENT_ENTITY_TABLES.get(str(row.get("entity")))
    if table is not None:
        row["entity_id"] = uids.uid(table, row.get("entity_id")) or row.get("entity_id")
    field = str(row.get("field"))
    kind = REFERENCE_FIELDS.get(field)
    target = EVENT_REFERENCE_TABLES.get(kind or "")
    if target is None:
        return
    for side in ("before", "after"):
        row[side] = _event_value(row.get(side), field, target, uids.uid)


def _event_value(value: object, field: str, table: str, translate: Any) -> object:
    """An event's value naming records by id (or by uid), each one translated: to its uid
    when an operation is made, back to a local id when one is replayed."""
    if not isinstance(value, str) or not value:
        return value
    if field == "depends_on":
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if not isinstance(items, list):
            return value
        return json.dumps([translate(table, i) or i for i in items])
    found = translate(table, int(value) if value.isdigit() else value)
    return value if found is None else str(found)


def local_event_value(value: object, field: str, uids: UidLookup) -> object:
    """An event's carried value with the records it names by uid back to local ids."""
    kind = REFERENCE_FIELDS.get(field)
    table = EVENT_REFERENCE_TABLES.get(kind or "")
    if table is None:
        return value
    return _event_value(value, field, table, uids.id)


def row_key(spec: SyncTable, row: Mapping[str, Any]) -> str:
    if spec.by_uid:
        return str(row["uid"])
    return "|".join(str(row.get(k)) for k in spec.key)


def case_uid_of(spec: SyncTable, row: Mapping[str, Any], conn: Connection) -> str | None:
    """The case a row belongs to (for a laptop holding only some cases), if any."""
    if spec.case_via is None:
        return None
    column, parent = spec.case_via
    value = row.get(column)
    if parent == "cases":
        return value if isinstance(value, str) else None
    if not isinstance(value, str):
        return None
    parents = SYNC_TABLES[parent].table
    cases = SYNC_TABLES["cases"].table
    found: str | None = conn.execute(
        select(cases.c.uid)
        .join(parents, parents.c.case_id == cases.c.id)
        .where(parents.c.uid == value)
    ).scalar_one_or_none()
    return found


def _skipped(spec: SyncTable, row: Mapping[str, Any]) -> bool:
    return spec.name == "settings" and row.get("key") in LOCAL_SETTINGS


class OpLog:
    """The operations one unit of work makes, written at each of its flushes."""

    def __init__(self, officer: str, now: datetime, replica: str | None = None) -> None:
        self.officer = officer
        self.now = now
        self.enabled = True
        self.replica = replica
        """This database's replica id, once known (its store keeps it for the next unit)."""
        self._last: datetime | None = None

    def _stamp(self, conn: Connection) -> datetime:
        """A time later than every operation this copy knows, so that the last writer
        is the same on every copy even when a laptop's clock runs behind."""
        if self._last is None:
            newest = conn.execute(select(func.max(SyncOp.at))).scalar_one_or_none()
            self._last = self.now if newest is None or newest < self.now else newest + TICK
        else:
            self._last += TICK
        return self._last

    def capture(self, session: Session) -> None:
        if not self.enabled:
            return
        conn = session.connection()
        uids = UidLookup(conn, session)
        rows: list[dict[str, Any]] = []
        # Deletions first: a row put back under the same key in one flush (a case's tags
        # given again) is a deletion then an insertion, and is replayed in that order.
        for obj in session.deleted:
            spec = SYNC_TABLES.get(getattr(obj, "__tablename__", ""))
            if spec is not None:
                before = portable_row(spec, _values(obj, spec), uids)
                if not _skipped(spec, before):
                    rows.append(self._op(conn, spec, "delete", {}, before, before))
        for obj in session.new:
            spec = SYNC_TABLES.get(getattr(obj, "__tablename__", ""))
            if spec is not None:
                after = portable_row(spec, _values(obj, spec), uids)
                if not _skipped(spec, after):
                    rows.append(self._op(conn, spec, "insert", after, {}, after))
        for obj in session.dirty:
            spec = SYNC_TABLES.get(getattr(obj, "__tablename__", ""))
            if spec is not None and session.is_modified(obj, include_collections=False):
                made = self._update(conn, spec, obj, uids)
                if made is not None:
                    rows.append(made)
        if rows:
            conn.execute(insert(SyncOp), rows)

    def record_updates(
        self, session: Session, table: str, changes: Sequence[tuple[int, dict[str, Any]]]
    ) -> None:
        """Rows one statement changed beside the ORM (many communications filed at once),
        given as (id, the changed fields' values before): their operations, as the flush
        watcher makes them for the ORM's own saves. Called once the statement has run."""
        if not self.enabled or not changes:
            return
        spec = SYNC_TABLES[table]
        conn = session.connection()
        uids = UidLookup(conn, session)
        rows: list[dict[str, Any]] = []
        for ident, before in changes:
            now = conn.execute(select(spec.table).where(spec.table.c.id == ident)).mappings()
            current = dict(now.one())
            whole = portable_row(spec, current, uids)
            was = portable_row(spec, current | before, uids)
            rows.append(
                self._op(
                    conn,
                    spec,
                    "update",
                    {k: whole[k] for k in before},
                    {k: was[k] for k in before},
                    whole,
                )
            )
        conn.execute(insert(SyncOp), rows)

    def _update(
        self, conn: Connection, spec: SyncTable, obj: object, uids: UidLookup
    ) -> dict[str, Any] | None:
        state = inspect(obj)
        current = _values(obj, spec)
        was = dict(current)
        changed: set[str] = set()
        for column in spec.columns():
            history = state.attrs[column.key].history
            if history.has_changes():
                changed.add(column.name)
                was[column.name] = history.deleted[0] if history.deleted else None
        if not changed:
            return None
        after_all = portable_row(spec, current, uids)
        if _skipped(spec, after_all):
            return None
        before_all = portable_row(spec, was, uids)
        after = {k: after_all[k] for k in changed}
        before = {k: before_all[k] for k in changed}
        return self._op(conn, spec, "update", after, before, after_all)

    def _op(
        self,
        conn: Connection,
        spec: SyncTable,
        kind: str,
        after: dict[str, Any],
        before: dict[str, Any],
        whole: Mapping[str, Any],
    ) -> dict[str, Any]:
        if self.replica is None:
            self.replica = replica_id(conn)
        return {
            "op_uid": new_op_uid(),
            "origin": self.replica,
            "at": self._stamp(conn),
            "officer": self.officer,
            "table_name": spec.name,
            "row_uid": row_key(spec, whole),
            "case_uid": case_uid_of(spec, whole, conn),
            "kind": kind,
            "after": after,
            "before": before,
        }


def _values(obj: object, spec: SyncTable) -> dict[str, Any]:
    return {c.name: getattr(obj, c.key, None) for c in spec.table.columns}


def _after_flush(session: Session, _context: object) -> None:
    log = session.info.get("oplog")
    if isinstance(log, OpLog):
        log.capture(session)


def watch(factory: sessionmaker[Session]) -> None:
    """Every session the factory makes keeps its operations (when its unit of work
    gives it an :class:`OpLog`)."""
    event.listen(factory, "after_flush", _after_flush)
