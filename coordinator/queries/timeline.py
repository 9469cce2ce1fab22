"""The timeline of a case and the audit trail of any record: Events, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.store.models import Event
from coordinator.store.storage import Store


@dataclass(frozen=True)
class EventRecord:
    id: int
    at: datetime
    entity: str
    entity_id: int
    case_id: int | None
    field: str
    before: str | None
    after: str | None


def _of(e: Event) -> EventRecord:
    return EventRecord(e.id, e.at, e.entity, e.entity_id, e.case_id, e.field, e.before, e.after)


def for_case(store: Store, case_id: int, limit: int = 5000) -> list[EventRecord]:
    with store.read() as session:
        rows = session.scalars(
            select(Event).where(Event.case_id == case_id).order_by(Event.id).limit(limit)
        )
        return [_of(e) for e in rows]


def for_record(store: Store, entity: str, entity_id: int) -> list[EventRecord]:
    with store.read() as session:
        rows = session.scalars(
            select(Event)
            .where(Event.entity == entity, Event.entity_id == entity_id)
            .order_by(Event.id)
        )
        return [_of(e) for e in rows]
