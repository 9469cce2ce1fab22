"""The conflicts a sync kept for the officer: listed side by side, then settled.

Settling one is an ordinary change of the record (so it travels to the other copies as
any change does): the value kept, the other one, or the two combined; a record deleted
on one copy and changed on the other is put back, or left deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from coordinator.errors import ValidationError
from coordinator.event_words import field_name
from coordinator.i18n import N_
from coordinator.store.changes import ChangeKind, ChangeSet, Outcome
from coordinator.store.models import Base, SyncConflict, SyncOp
from coordinator.store.storage import Store
from coordinator.store.sync_tables import SYNC_TABLES, UidLookup, from_portable
from coordinator.sync.apply import KINDS

CHOICES: Final = frozenset({"ours", "theirs", "combined", "restore", "leave"})


@dataclass(frozen=True)
class ConflictRecord:
    id: int
    kind: str
    """``field``, ``done_kept``, ``deleted_there``, ``deleted_here``, ``duplicate``, ``in_use``."""
    table: str
    row_uid: str
    record: str
    """The record's name as the officer knows it (a case's reference and title)."""
    field: str
    field_label: str
    ours: Any
    theirs: Any
    kept: str
    ours_by: str
    ours_at: datetime | None
    theirs_by: str
    theirs_at: datetime | None
    resolved_at: datetime | None
    resolution: str


def _model(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    raise KeyError(table)


def _name(session: Session, table: str, row_uid: str) -> str:
    spec = SYNC_TABLES.get(table)
    if spec is None or not spec.by_uid:
        return row_uid
    t = spec.table
    row = session.execute(select(t).where(t.c.uid == row_uid)).mappings().first()
    if row is None:
        return ""
    if table == "cases":
        return f"{row['reference']} {row['title']}"
    for column in ("name", "title", "notes"):
        if row.get(column):
            return str(row[column])[:80]
    return row_uid


def list_conflicts(store: Store, *, open_only: bool = True) -> list[ConflictRecord]:
    with store.read() as session:
        query = select(SyncConflict).order_by(SyncConflict.id)
        if open_only:
            query = query.where(SyncConflict.resolved_at.is_(None))
        out = []
        for c in session.scalars(query):
            out.append(
                ConflictRecord(
                    c.id,
                    c.kind,
                    c.table_name,
                    c.row_uid,
                    _name(session, c.table_name, c.row_uid),
                    c.field,
                    field_name(c.field) if c.field else "",
                    c.ours,
                    c.theirs,
                    c.kept,
                    c.ours_by,
                    c.ours_at,
                    c.theirs_by,
                    c.theirs_at,
                    c.resolved_at,
                    c.resolution,
                )
            )
        return out


def resolve(
    store: Store, conflict_id: int, choice: str, combined: object = None
) -> Outcome[ConflictRecord]:
    """Settle one conflict: ``ours`` / ``theirs`` / ``combined`` (a field's value), or
    ``restore`` / ``leave`` (a record deleted on one side)."""
    if choice not in CHOICES:
        raise ValidationError(N_("Choose which value to keep."))
    with store.work() as work:
        conflict = work.session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.resolved_at is not None:
            raise ValidationError(N_("This conflict has been settled already."))
        spec = SYNC_TABLES[conflict.table_name]
        model = _model(conflict.table_name)
        uids = UidLookup(work.session.connection())
        if conflict.kind in ("deleted_there", "deleted_here"):
            if choice == "restore":
                row = _snapshot(work.session, conflict)
                obj = model()
                for column in spec.columns():
                    if column.name in row:
                        value = row[column.name]
                        if column.name in spec.refs:
                            value = uids.id(spec.refs[column.name], value)
                        else:
                            value = from_portable(column, value)
                        setattr(obj, column.key, value)
                work.session.add(obj)
                work.session.flush()
                _changed(work.tracker.add, conflict.table_name, obj)
        elif conflict.field and choice in ("ours", "theirs", "combined"):
            value = {"ours": conflict.ours, "theirs": conflict.theirs, "combined": combined}[choice]
            column = spec.table.c[conflict.field]
            obj = work.session.scalar(select(model).where(model.uid == conflict.row_uid))
            if obj is None:
                raise ValidationError(N_("The record of this conflict has been deleted since."))
            local = (
                uids.id(spec.refs[column.name], value)
                if column.name in spec.refs
                else from_portable(column, value)
            )
            setattr(obj, column.key, local)
            work.session.flush()
            _changed(work.tracker.add, conflict.table_name, obj)
        conflict.resolved_at = work.now
        conflict.resolution = choice
        record = ConflictRecord(
            conflict.id, conflict.kind, conflict.table_name, conflict.row_uid, "",
            conflict.field, field_name(conflict.field) if conflict.field else "",
            conflict.ours, conflict.theirs, conflict.kept, conflict.ours_by, conflict.ours_at,
            conflict.theirs_by, conflict.theirs_at, conflict.resolved_at, conflict.resolution,
        )  # fmt: skip
    return Outcome(record, work.changes)


def _snapshot(session: Session, conflict: SyncConflict) -> dict[str, Any]:
    """The deleted record as it was: what was here (deleted there), or the record as
    this copy deleted it with the other copy's changes on top (deleted here)."""
    if conflict.kind == "deleted_there" and isinstance(conflict.ours, dict):
        return dict(conflict.ours)
    base: dict[str, Any] = {}
    deleted = session.scalar(
        select(SyncOp.before).where(SyncOp.row_uid == conflict.row_uid, SyncOp.kind == "delete")
    )
    if isinstance(deleted, dict):
        base.update(deleted)
    if isinstance(conflict.theirs, dict):
        base.update(conflict.theirs)
    return base


def _changed(add: Any, table: str, obj: object) -> None:
    kind = KINDS.get(table)
    ident = getattr(obj, "id", None)
    if kind is not None and isinstance(ident, int):
        add(kind, ident)


def changes_of_sync() -> ChangeSet:
    """A sync may touch any record: every screen refreshes."""
    from types import MappingProxyType

    return ChangeSet(MappingProxyType({kind: frozenset() for kind in ChangeKind}))
