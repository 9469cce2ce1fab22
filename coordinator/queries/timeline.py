"""The timeline of a case and the audit trail of any record: Events, and each in words.

The printed summary keeps only the key events; the case view's Timeline shows all of
them, so every field a service records gets a readable name (:mod:`coordinator.event_words`,
shared with the refusal of an edit a colleague's change overtook), and stored status
values are shown as their labels (an unknown value, from a newer version, as is). Each
event says which officer made it (empty for a change made before officers were named).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.event_words import (
    NAMED_ONLY,
    Referents,
    change_text,
    entity_name,
    record_name,
    referents,
)
from coordinator.i18n import _, current_language
from coordinator.store.models import Case, Event
from coordinator.store.referents import names_of
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


def referred(store: Store, events: Iterable[EventRecord], case_id: int | None = None) -> Referents:
    """What ``events`` refer to by id or key, looked up once: the names their lines say
    instead of numbers (a record deleted since named by its deletion), and the currency
    of the case ``case_id``, which its amounts are in."""
    wanted = {
        referent
        for e in events
        for value in (e.before, e.after)
        for referent in referents(e.field, value)
    }
    with store.read() as session:
        names = names_of(session, wanted, english=current_language() == "en")
        currency = None if case_id is None else session.get(Case, case_id)
        return Referents(names, currency.currency if currency is not None else "CNY")


def describe(
    event: EventRecord,
    names: Mapping[tuple[str, int], str],
    known: Referents | None = None,
) -> TimelineLine:
    """``names`` maps (entity, id) to the record's current name, for the subject;
    ``known`` (from :func:`referred`) names the records the change refers to."""
    kind_text = entity_name(event.entity)
    name = names.get((event.entity, event.entity_id))
    if name is None and event.field in NAMED_ONLY:
        # a deleted record keeps its name in its event
        name = record_name(event.entity, event.after or event.before or "")
    subject = _("{kind} · {name}").format(kind=kind_text, name=name) if name else kind_text
    change = change_text(event.entity, event.field, event.before, event.after, known=known)
    change = change[:1].upper() + change[1:]  # a line of its own: “Status: …”, as “Due time: …”
    return TimelineLine(event.at, subject, change, event.entity == "case", event.officer)
