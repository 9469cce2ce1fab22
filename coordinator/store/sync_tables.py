"""Which tables travel between copies of the data, how each row is named on every copy,
and how a stored value becomes a portable one (JSON, records named by uid) and back.

A record with a numeric id is named by its ``uid``; a row that is only a link or a
keyed value (a case's tag, a step's dependency, a calendar day, a setting) is named by
its key, with the records it links named by uid, so two copies adding the same link
add the same row.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Column, Connection, Date, DateTime, Enum, Table, select
from sqlalchemy.orm import Session

from coordinator.store.models import Base, record_tables

LOCAL_SETTINGS: Final = frozenset({"pinned_cases", "backup_retention"})
"""Settings that belong to one laptop (its pins hold its own ids; its backups are its
own): they stay where they are made."""

NOT_SYNCED_COLUMNS: Final = frozenset({"id", "row_version"})

EVENT_ENTITY_TABLES: Final[dict[str, str]] = {
    "case": "cases",
    "organisation": "organisations",
    "contact": "contacts",
    "action": "actions",
    "document": "documents",
    "communication": "communications",
    "template": "templates",
}
"""The Event entities whose ``entity_id`` is a record's id (the others count years or
name nothing)."""

EVENT_REFERENCE_TABLES: Final[dict[str, str]] = {
    "case": "cases",
    "organisation": "organisations",
    "contact": "contacts",
    "action": "actions",
}
"""The kinds of record an event's value may name by id (coordinator.event_words)."""


@dataclass(frozen=True)
class SyncTable:
    table: Table
    key: tuple[str, ...]
    """``("uid",)``, or the columns of a natural key."""
    refs: Mapping[str, str]
    """Foreign-key column → the table it refers to (every one named by uid)."""
    cascade: frozenset[str]
    """The foreign keys whose record's deletion takes this row with it."""
    case_via: tuple[str, str] | None
    """How to find the case a row belongs to: its own ``case_id`` (``("case_id",
    "cases")``), or a parent's (``("document_id", "documents")``)."""

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def by_uid(self) -> bool:
        return self.key == ("uid",)

    def columns(self) -> list[Column[Any]]:
        return [c for c in self.table.columns if c.name not in NOT_SYNCED_COLUMNS]


def _spec(table: Table) -> SyncTable:
    by_uid = "uid" in table.columns
    key = ("uid",) if by_uid else tuple(c.name for c in table.primary_key.columns)
    refs: dict[str, str] = {}
    cascade: set[str] = set()
    for fk in table.foreign_keys:
        refs[fk.parent.name] = fk.column.table.name
        if fk.ondelete == "CASCADE":
            cascade.add(fk.parent.name)
    if table.name == "events":  # the trail outlives its case: no foreign key there
        refs["case_id"] = "cases"
    case_via: tuple[str, str] | None = None
    if "case_id" in table.columns:
        case_via = ("case_id", "cases")
    elif "document_id" in refs:
        case_via = ("document_id", "documents")
    elif "action_id" in refs:
        case_via = ("action_id", "actions")
    return SyncTable(table, key, refs, frozenset(cascade), case_via)


SYNC_TABLES: Final[dict[str, SyncTable]] = {t.name: _spec(t) for t in record_tables()}
"""Every table of the officer's records, parents first."""


def is_synced_table(name: str) -> bool:
    return name in SYNC_TABLES


def to_portable(column: Column[Any], value: object) -> object:
    """A stored value as JSON can carry it."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_portable(column: Column[Any], value: object) -> object:
    """A carried value as the column stores it."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(kind, Enum) and kind.enum_class is not None and isinstance(value, str):
        return kind.enum_class(value)
    return value


def table_of(name: str) -> Table:
    return Base.metadata.tables[name]


class UidLookup:
    """Local ids and uids of records, looked up once per unit of work."""

    def __init__(self, conn: Connection, session: Session | None = None) -> None:
        self.conn = conn
        self.session = session
        """Its records already loaded are named without asking the database."""
        self._uids: dict[tuple[str, int], str | None] = {}
        self._ids: dict[tuple[str, str], int | None] = {}

    def remember(self, table: str, ident: int, uid: str) -> None:
        """A row deleted in this unit: later events may still name it."""
        self._uids[table, ident] = uid
        self._ids[table, uid] = ident

    def uid(self, table: str, ident: object) -> str | None:
        if ident is None or not isinstance(ident, int):
            return None
        key = (table, ident)
        if key not in self._uids and self.session is not None:
            loaded = _loaded(self.session, table, ident)
            if loaded is not None:
                return loaded
        if key not in self._uids:
            t = table_of(table)
            self._uids[key] = self.conn.execute(
                select(t.c.uid).where(t.c.id == ident)
            ).scalar_one_or_none()
        return self._uids[key]

    def id(self, table: str, uid: object) -> int | None:
        if not isinstance(uid, str):
            return None
        key = (table, uid)
        if key not in self._ids:
            t = table_of(table)
            self._ids[key] = self.conn.execute(
                select(t.c.id).where(t.c.uid == uid)
            ).scalar_one_or_none()
        return self._ids[key]

    def forget(self, table: str, uid: str) -> None:
        self._ids.pop((table, uid), None)


_MODELS: dict[str, Any] = {}


def _loaded(session: Session, table: str, ident: int) -> str | None:
    """The uid of a record this session holds already, if it does."""
    if not _MODELS:
        for mapper in Base.registry.mappers:
            name = getattr(mapper.local_table, "name", None)
            if isinstance(name, str):
                _MODELS[name] = mapper.class_
    model = _MODELS.get(table)
    if model is None:
        return None
    held = session.identity_map.get(session.identity_key(model, ident))
    uid = getattr(held, "uid", None) if held is not None else None
    return uid if isinstance(uid, str) else None
