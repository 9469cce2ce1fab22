"""Replaying another copy's operations on this one, merging by meaning.

Each operation is applied at most once (its uid is kept with it). Added things never
conflict; two fields of one record changed on two copies both stay; one field changed on
both is settled the same way on every copy (:mod:`coordinator.sync.merge_rules`) and the
value not kept goes to the conflicts list with who and when; a record deleted on one copy
and changed on the other is deleted, and the changes are kept in the list to restore.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from coordinator.store.changes import ChangeKind
from coordinator.store.models import SyncAlias, SyncConflict, SyncOp
from coordinator.store.oplog import local_event_value, portable_row
from coordinator.store.storage import Work
from coordinator.store.sync_tables import (
    EVENT_ENTITY_TABLES,
    SYNC_TABLES,
    SyncTable,
    UidLookup,
    from_portable,
)
from coordinator.sync.merge_rules import (
    Stamp,
    conflict_kind,
    incoming_wins,
    is_silent,
    stamp_of,
)

PortableOp = dict[str, Any]

_NOTHING: Final = object()
"""One operation as it travels: the columns of ``sync_ops`` but its id, ``at`` in ISO."""

SAME_THING: Final[dict[str, str]] = {
    "organisations": "name",
    "templates": "key",
    "communications": "source_key",
}
"""Records two copies can add separately that are one thing when this value is the same
(an organisation by its name, a pasted chat line by its fingerprint): they become one."""

RENUMBERED: Final[dict[str, str]] = {"cases": "reference"}
"""Readable numbers two copies may both hand out: the later record takes a new one."""

KINDS: Final[dict[str, ChangeKind]] = {
    "organisations": ChangeKind.ORGANISATION,
    "contacts": ChangeKind.CONTACT,
    "phone_numbers": ChangeKind.CONTACT,
    "handles": ChangeKind.CONTACT,
    "cases": ChangeKind.CASE,
    "case_tags": ChangeKind.CASE,
    "case_amounts": ChangeKind.CASE,
    "communications": ChangeKind.COMMUNICATION,
    "documents": ChangeKind.DOCUMENT,
    "document_files": ChangeKind.DOCUMENT,
    "actions": ChangeKind.ACTION,
    "action_dependencies": ChangeKind.ACTION,
    "action_pauses": ChangeKind.ACTION,
    "templates": ChangeKind.TEMPLATE,
    "template_actions": ChangeKind.TEMPLATE,
    "template_documents": ChangeKind.TEMPLATE,
    "calendar_days": ChangeKind.CALENDAR,
    "calendar_years": ChangeKind.CALENDAR,
    "settings": ChangeKind.SETTING,
    "indicator_targets": ChangeKind.SETTING,
    "events": ChangeKind.EVENT,
}
PARENT_IDS: Final[dict[str, str]] = {
    "phone_numbers": "contact_id",
    "handles": "contact_id",
    "case_tags": "case_id",
    "case_amounts": "case_id",
    "document_files": "document_id",
    "action_dependencies": "action_id",
    "action_pauses": "action_id",
    "template_actions": "template_id",
    "template_documents": "template_id",
}
"""A row whose screen is its parent's: the parent is named as changed."""


@dataclass
class Applied:
    applied: int = 0
    known: int = 0
    """Operations this copy had already (an interrupted sync repeated)."""
    out_of_scope: int = 0
    conflicts: int = 0
    files: set[str] = field(default_factory=set)
    """The attachments' contents the applied rows need (SHA-256)."""


class Replayer:
    """Applies operations inside one unit of work of the receiving store."""

    def __init__(self, work: Work, scope: frozenset[str] | None) -> None:
        self.work = work
        self.conn: Connection = work.session.connection()
        self.uids = UidLookup(self.conn)
        self.scope = scope
        self.result = Applied()
        self._aliases: dict[str, str] | None = None

    # -- the operations ---------------------------------------------------------------

    def apply(self, ops: Sequence[PortableOp]) -> Applied:
        known = self._known({op["op_uid"] for op in ops})
        for op in ops:
            if op["op_uid"] in known:
                self.result.known += 1
                continue
            known.add(op["op_uid"])
            case_uid = self._alias(op.get("case_uid"))
            if self.scope is not None and case_uid is not None and case_uid not in self.scope:
                self.result.out_of_scope += 1
                continue
            spec = SYNC_TABLES.get(op["table_name"])
            if spec is not None:
                self._one(spec, op)
            self._keep(op)
            self.result.applied += 1
        return self.result

    def _known(self, uids: set[str]) -> set[str]:
        found: set[str] = set()
        pending = list(uids)
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            found.update(self.conn.scalars(select(SyncOp.op_uid).where(SyncOp.op_uid.in_(chunk))))
        return found

    def _keep(self, op: PortableOp) -> None:
        self.conn.execute(
            insert(SyncOp).values(
                op_uid=op["op_uid"],
                origin=op["origin"],
                at=_when(op["at"]),
                officer=op.get("officer", ""),
                table_name=op["table_name"],
                row_uid=op["row_uid"],
                case_uid=op.get("case_uid"),
                kind=op["kind"],
                after=op.get("after") or {},
                before=op.get("before") or {},
            )
        )

    def _one(self, spec: SyncTable, op: PortableOp) -> None:
        after = {k: self._alias_value(spec, k, v) for k, v in (op.get("after") or {}).items()}
        before = {k: self._alias_value(spec, k, v) for k, v in (op.get("before") or {}).items()}
        row_uid = self._alias(op["row_uid"]) or op["row_uid"]
        if op["kind"] == "insert":
            self._insert(spec, op, row_uid, after)
        elif op["kind"] == "update":
            self._update(spec, op, row_uid, after, before)
        elif op["kind"] == "delete":
            self._delete(spec, op, row_uid, before)

    # -- reading the local row -----------------------------------------------------------

    def _where(self, spec: SyncTable, row_uid: str, values: dict[str, Any]) -> Any:
        t = spec.table
        if spec.by_uid:
            return t.c.uid == row_uid
        parts = []
        for name in spec.key:
            local = self._local_value(spec, name, values.get(name))
            if local is _MISSING:
                return None
            parts.append(t.c[name] == local)
        return and_(*parts)

    def _key_values(self, spec: SyncTable, row_uid: str) -> dict[str, Any]:
        if spec.by_uid:
            return {"uid": row_uid}
        return dict(zip(spec.key, row_uid.split("|", len(spec.key) - 1), strict=False))

    def _current(self, spec: SyncTable, where: Any) -> dict[str, Any] | None:
        row = self.conn.execute(select(spec.table).where(where)).mappings().first()
        if row is None:
            return None
        values = dict(row)
        values["__portable__"] = portable_row(spec, values, self.uids)
        return values

    def _local_value(self, spec: SyncTable, name: str, value: object) -> object:
        """A carried value as this copy stores it: a record's uid becomes its local id."""
        column = spec.table.c[name]
        if name in spec.refs:
            if value is None:
                return None
            found = self.uids.id(spec.refs[name], value)
            return _MISSING if found is None else found
        if spec.name == "events" and name == "entity_id":
            return value  # translated with its entity, see _event_row
        return from_portable(column, _natural(column, value))

    # -- insert ---------------------------------------------------------------------------

    def _insert(self, spec: SyncTable, op: PortableOp, row_uid: str, after: dict[str, Any]) -> None:
        where = self._where(spec, row_uid, after)
        existing = self._current(spec, where) if where is not None else None
        if existing is not None:
            # Added on both copies (a tag, a setting, a calendar day): one row, its values
            # merged as concurrent changes.
            self._merge_fields(spec, op, existing, after, {}, row_uid)
            return
        row = self._local_row(spec, op, after)
        if row is None:
            return
        if spec.name in SAME_THING and self._same_thing(spec, op, row_uid, row):
            return
        if spec.name in RENUMBERED:
            self._renumber(spec, op, row)
        ident = self._guarded(lambda: self.conn.execute(insert(spec.table).values(**row)))
        if ident is None:
            self._conflict(op, spec, "duplicate", "", None, after, kept="ours")
            return
        if "id" in spec.table.c:  # the screens and the search index follow it by its id
            row["id"] = ident.inserted_primary_key[0]  # type: ignore[attr-defined]
        self._changed(spec, row)
        if spec.name == "document_files" and isinstance(row.get("sha256"), str):
            self.result.files.add(row["sha256"])

    def _local_row(
        self, spec: SyncTable, op: PortableOp, after: dict[str, Any]
    ) -> dict[str, Any] | None:
        row: dict[str, Any] = {}
        for column in spec.columns():
            if column.name not in after:
                continue
            value = self._local_value(spec, column.name, after[column.name])
            if value is _MISSING:
                if column.name in spec.cascade or not column.nullable:
                    # Its parent is not here: deleted here meanwhile, or a case this
                    # laptop did not check out.
                    if self._deleted_here(spec.refs[column.name], after[column.name]):
                        self._conflict(op, spec, "deleted_here", "", None, after, kept="ours")
                    return None
                value = None
            row[column.name] = value
        if spec.name == "events":
            self._event_row(row)
        return row

    def _event_row(self, row: dict[str, Any]) -> None:
        table = EVENT_ENTITY_TABLES.get(str(row.get("entity")))
        entity = row.get("entity_id")
        if table is not None and isinstance(entity, str):
            row["entity_id"] = self.uids.id(table, self._alias(entity)) or 0
        field_name = str(row.get("field"))
        for side in ("before", "after"):
            row[side] = local_event_value(row.get(side), field_name, self.uids)

    def _same_thing(
        self, spec: SyncTable, op: PortableOp, row_uid: str, row: dict[str, Any]
    ) -> bool:
        """Two copies added one thing under two uids: the smaller uid survives on every
        copy, the other becomes its alias."""
        column = SAME_THING[spec.name]
        value = row.get(column)
        if value is None:
            return False
        t = spec.table
        found = self.conn.execute(select(t.c.id, t.c.uid).where(t.c[column] == value)).first()
        if found is None:
            return False
        ident, existing_uid = found
        survivor, other = sorted((existing_uid, row_uid))
        if survivor == row_uid:
            self.conn.execute(update(t).where(t.c.id == ident).values(uid=row_uid))
            self.uids.forget(spec.name, existing_uid)
        self._add_alias(other, survivor)
        self._changed(spec, {"id": ident})
        return True

    def _renumber(self, spec: SyncTable, op: PortableOp, row: dict[str, Any]) -> None:
        """The same readable number handed out on two copies: the later record's number
        takes a suffix drawn from its uid, the same on every copy."""
        column = RENUMBERED[spec.name]
        t = spec.table
        value = row.get(column)
        found = self.conn.execute(select(t.c.id, t.c.uid).where(t.c[column] == value)).first()
        if found is None or not isinstance(value, str):
            return
        ident, existing_uid = found
        existing_stamp = self._insert_stamp(spec.name, existing_uid)
        if existing_stamp is not None and existing_stamp > stamp_of(op):
            self.conn.execute(
                update(t).where(t.c.id == ident).values({column: _suffixed(value, existing_uid)})
            )
            self._changed(spec, {"id": ident})
        else:
            row[column] = _suffixed(value, str(row["uid"]))

    def _insert_stamp(self, table: str, row_uid: str) -> Stamp | None:
        found = self.conn.execute(
            select(SyncOp.at, SyncOp.op_uid).where(
                SyncOp.row_uid == row_uid, SyncOp.table_name == table, SyncOp.kind == "insert"
            )
        ).first()
        return None if found is None else stamp_of({"at": found[0], "op_uid": found[1]})

    # -- update ---------------------------------------------------------------------------

    def _update(
        self,
        spec: SyncTable,
        op: PortableOp,
        row_uid: str,
        after: dict[str, Any],
        before: dict[str, Any],
    ) -> None:
        where = self._where(spec, row_uid, self._key_values(spec, row_uid))
        existing = self._current(spec, where) if where is not None else None
        if existing is None:
            if self._deleted_here(spec.name, row_uid):
                self._conflict(op, spec, "deleted_here", "", None, after, kept="ours")
            return
        self._merge_fields(spec, op, existing, after, before, row_uid)

    def _merge_fields(
        self,
        spec: SyncTable,
        op: PortableOp,
        existing: dict[str, Any],
        after: dict[str, Any],
        before: dict[str, Any],
        row_uid: str,
    ) -> None:
        current: dict[str, Any] = existing["__portable__"]
        values: dict[str, Any] = {}
        for name, theirs in after.items():
            if name not in spec.table.c or name in ("uid", "id"):
                continue
            ours = current.get(name)
            if _same(ours, theirs):
                continue
            if name in before and self._made_here_too(spec.name, row_uid, name, before, theirs):
                # The very same change (from the same value to the same value) was made
                # here as well, and changed again since: nothing is left to apply.
                continue
            if name in before and _same(ours, before[name]):
                take = True  # changed there from what is here: no conflict
            else:
                # What gave the field its value here: the latest change that set this
                # value (every change orders after those its copy had seen).
                writer = self._last_writer(spec.name, row_uid, name, ours)
                if writer is None:
                    writer = self._last_writer(spec.name, row_uid, name)
                ours_stamp = None if writer is None else stamp_of(writer)
                take = incoming_wins(spec.name, name, ours, theirs, ours_stamp, stamp_of(op))
                if not is_silent(spec.name, name):
                    self._conflict(
                        op,
                        spec,
                        conflict_kind(spec.name, name, ours, theirs),
                        name,
                        ours,
                        theirs,
                        kept="theirs" if take else "ours",
                        writer=writer,
                    )
            if take:
                local = self._local_value(spec, name, theirs)
                if local is _MISSING:
                    continue
                values[name] = local
        if not values:
            return
        if "row_version" in spec.table.c:
            values["row_version"] = spec.table.c.row_version + 1
        done = self._guarded(
            lambda: self.conn.execute(
                update(spec.table).where(_row_where(spec, existing)).values(**values)
            )
        )
        if done is None:
            self._conflict(op, spec, "duplicate", "", None, after, kept="ours")
            return
        self._changed(spec, existing)

    def _made_here_too(
        self, table: str, row_uid: str, name: str, before: dict[str, Any], theirs: object
    ) -> bool:
        rows = self.conn.execute(
            select(SyncOp.after, SyncOp.before).where(
                SyncOp.row_uid == row_uid, SyncOp.table_name == table
            )
        )
        return any(
            isinstance(after, dict)
            and isinstance(was, dict)
            and name in after
            and name in was
            and _same(after[name], theirs)
            and _same(was[name], before[name])
            for after, was in rows
        )

    def _last_writer(
        self, table: str, row_uid: str, name: str, value: object = _NOTHING
    ) -> dict[str, Any] | None:
        """The latest operation that set a field (to ``value``, if given)."""
        rows = self.conn.execute(
            select(SyncOp.op_uid, SyncOp.at, SyncOp.officer, SyncOp.after)
            .where(SyncOp.row_uid == row_uid, SyncOp.table_name == table)
            .order_by(SyncOp.at.desc(), SyncOp.op_uid.desc())
        )
        best: dict[str, Any] | None = None
        for op_uid, at, officer, values in rows:
            if isinstance(values, dict) and name in values:
                if value is not _NOTHING and not _same(values[name], value):
                    continue
                candidate = {"op_uid": op_uid, "at": at, "officer": officer}
                if best is None or stamp_of(candidate) > stamp_of(best):
                    best = candidate
        return best

    # -- delete ---------------------------------------------------------------------------

    def _delete(
        self, spec: SyncTable, op: PortableOp, row_uid: str, before: dict[str, Any]
    ) -> None:
        where = self._where(spec, row_uid, self._key_values(spec, row_uid) | before)
        existing = self._current(spec, where) if where is not None else None
        if existing is None:
            return
        current: dict[str, Any] = existing["__portable__"]
        edited = [
            name
            for name, value in current.items()
            if name in before and not is_silent(spec.name, name) and not _same(value, before[name])
        ]
        if edited:
            # Changed here, deleted there: deleted on every copy alike, and what was
            # here is kept in the conflicts list to be put back if the officer wants it.
            self._conflict(op, spec, "deleted_there", "", current, None, kept="theirs")
        if spec.by_uid and "id" in existing:
            self.uids.remember(spec.name, existing["id"], row_uid)
        gone = self._guarded(
            lambda: self.conn.execute(delete(spec.table).where(_row_where(spec, existing)))
        )
        if gone is None:
            self._conflict(op, spec, "in_use", "", current, None, kept="ours")
            return
        self._changed(spec, existing)

    def _deleted_here(self, table: str, row_uid: object) -> bool:
        if not isinstance(row_uid, str):
            return False
        return (
            self.conn.execute(
                select(SyncOp.id).where(
                    SyncOp.row_uid == row_uid, SyncOp.table_name == table, SyncOp.kind == "delete"
                )
            ).first()
            is not None
        )

    # -- what is kept besides the rows ------------------------------------------------

    def _conflict(
        self,
        op: PortableOp,
        spec: SyncTable,
        kind: str,
        name: str,
        ours: object,
        theirs: object,
        *,
        kept: str,
        writer: dict[str, Any] | None = None,
    ) -> None:
        ours_op = "" if writer is None else str(writer["op_uid"])
        exists = self.conn.execute(
            select(SyncConflict.id).where(
                SyncConflict.ours_op == ours_op,
                SyncConflict.theirs_op == op["op_uid"],
                SyncConflict.field == name,
            )
        ).first()
        if exists is not None:
            return
        self.conn.execute(
            insert(SyncConflict).values(
                found_at=self.work.now,
                kind=kind,
                table_name=spec.name,
                row_uid=op["row_uid"],
                case_uid=op.get("case_uid"),
                field=name,
                ours=ours,
                theirs=theirs,
                kept=kept,
                ours_op=ours_op,
                theirs_op=op["op_uid"],
                ours_by="" if writer is None else str(writer.get("officer") or ""),
                ours_at=None if writer is None else _when(writer["at"]),
                theirs_by=str(op.get("officer") or ""),
                theirs_at=_when(op["at"]),
                resolution="kept done" if kind == "done_kept" else "",
                resolved_at=self.work.now if kind == "done_kept" else None,
            )
        )
        self.result.conflicts += 1

    def _changed(self, spec: SyncTable, row: dict[str, Any]) -> None:
        kind = KINDS.get(spec.name)
        if kind is None:
            return
        parent = PARENT_IDS.get(spec.name)
        ident = row.get(parent) if parent is not None else row.get("id")
        if kind == ChangeKind.EVENT:
            ident = row.get("entity_id")
        if isinstance(ident, int):
            self.work.changed(kind, ident)
        elif kind in (ChangeKind.CALENDAR, ChangeKind.SETTING):
            self.work.changed(kind)

    def _guarded(self, statement: Any) -> object | None:
        """A statement that may clash with a unique value or a record still in use:
        refused alone (a savepoint), not with the whole sync."""
        try:
            with self.conn.begin_nested():
                result: object = statement()
                return result
        except IntegrityError:
            return None

    def _alias(self, uid: object) -> str | None:
        if not isinstance(uid, str):
            return None
        if self._aliases is None:
            self._aliases = dict(self.conn.execute(select(SyncAlias.uid, SyncAlias.survivor)).all())
        return self._aliases.get(uid, uid)

    def _alias_value(self, spec: SyncTable, name: str, value: object) -> object:
        if name in spec.refs or (spec.name == "events" and name in ("entity_id", "case_id")):
            return self._alias(value) if isinstance(value, str) else value
        return value

    def _add_alias(self, uid: str, survivor: str) -> None:
        if self._alias(uid) == survivor:
            return
        self.conn.execute(delete(SyncAlias).where(SyncAlias.uid == uid))
        self.conn.execute(insert(SyncAlias).values(uid=uid, survivor=survivor))
        assert self._aliases is not None
        self._aliases[uid] = survivor


class _Missing:
    pass


_MISSING: Final = _Missing()


def _natural(column: Any, value: object) -> object:
    """A natural key's part as it came out of its joined text (a year, a flag)."""
    if isinstance(value, str) and column.type.python_type is int:
        try:
            return int(value)
        except ValueError:
            return value
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _when(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _row_where(spec: SyncTable, existing: dict[str, Any]) -> Any:
    t: Table = spec.table
    if "id" in t.c:
        return t.c.id == existing["id"]
    return and_(*(c == existing[c.name] for c in t.primary_key.columns))


def _suffixed(value: str, uid: str) -> str:
    return f"{value[:15]}-{uid[:4].upper()}"


def apply_ops(work: Work, ops: Iterable[PortableOp], scope: frozenset[str] | None) -> Applied:
    return Replayer(work, scope).apply(list(ops))
