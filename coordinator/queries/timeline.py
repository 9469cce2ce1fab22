"""The timeline of a case and the audit trail of any record: Events, and each in words.

The printed summary keeps only the key events; the case view's Timeline shows all of
them, so every field a service records gets a readable name (:mod:`coordinator.event_words`,
shared with the refusal of an edit a colleague's change overtook), and stored status
values are shown as their labels (an unknown value, from a newer version, as is). Each
event says which officer made it (empty for a change made before officers were named).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.event_words import NAMED_ONLY, change_text, entity_name
from coordinator.i18n import _
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
    officer: str = ""
    """Who made the change ("" before officers were named)."""


def _of(e: Event) -> EventRecord:
    return EventRecord(
        e.id, e.at, e.entity, e.entity_id, e.case_id, e.field, e.before, e.after, e.officer
    )


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


# -- in words ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    subject: str  # "Step · Park: site selection"
    change: str  # "status: To do → In progress"
    is_case: bool
    officer: str = ""  # who made it ("" when nobody was named)


def describe(event: EventRecord, names: Mapping[tuple[str, int], str]) -> TimelineLine:
    """``names`` maps (entity, id) to the record's current name, for the subject."""
    kind_text = entity_name(event.entity)
    name = names.get((event.entity, event.entity_id))
    if name is None and event.field in NAMED_ONLY:
        name = event.after or event.before  # a deleted record keeps its name in its event
    subject = _("{kind} · {name}").format(kind=kind_text, name=name) if name else kind_text
    change = change_text(event.entity, event.field, event.before, event.after)
    return TimelineLine(event.at, subject, change, event.entity == "case", event.officer)
