"""The timeline of a case and the audit trail of any record: Events, and each in words.

The printed summary keeps only the key events; the case view's Timeline shows all of
them, so every field a service records gets a readable name here (:func:`describe`), and
stored status values are shown as their labels (an unknown value, from a newer version,
as is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.i18n import N_, Msg, _
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState
from coordinator.labels import (
    ACTION_STATUS,
    CASE_STATUS,
    DOCUMENT_STATE,
    F_DUE,
    F_FOLLOW_UP,
    F_NOTES,
    F_OWNER,
    F_PROMISED,
    F_REASON,
    F_TAG,
    F_TITLE,
    cap,
)
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


# -- in words ------------------------------------------------------------------------

_ENTITY: dict[str, Msg] = {
    "case": N_("Case"),
    "action": N_("Step"),
    "document": N_("Document"),
    "communication": N_("Communication"),
    "contact": N_("Contact"),
    "organisation": N_("Organisation"),
    "indicator": N_("Indicator amount"),
}

_FIELD: dict[str, Msg] = {
    "created": N_("added"),
    "logged": N_("logged"),
    "deleted": N_("deleted"),
    "opened": N_("opened"),
    "status": N_("status"),
    "state": N_("state"),
    "reason": F_REASON,
    "requested_at": N_("requested"),
    "due_at": F_DUE,
    "done_at": N_("done"),
    "title": F_TITLE,
    "notes": F_NOTES,
    "owner": F_OWNER,
    "tags": F_TAG,
    "template": N_("template"),
    "file": N_("file"),
    "holder_id": N_("holder"),
    "case_id": N_("filed to case"),
    "follow_up_due": F_FOLLOW_UP,
    "follow_up_done_at": N_("follow-up done"),
    "promised_completion_at": F_PROMISED,
    "missing_items": N_("missing items"),
    "target_at": N_("target time"),
    "amount_minor": N_("amount"),
}


_ACTION_VALUES = frozenset(s.value for s in ActionStatus)
_CASE_VALUES = frozenset(s.value for s in CaseStatus)
_DOCUMENT_VALUES = frozenset(s.value for s in DocumentState)


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    subject: str  # "Step · Park: site selection"
    change: str  # "status: To do → In progress"
    is_case: bool


def _value(entity: str, field: str, value: str | None) -> str:
    if value is None or value == "":
        return "—"
    if field == "status" and entity == "action" and value in _ACTION_VALUES:
        return cap(ACTION_STATUS[ActionStatus(value)])
    if field == "status" and entity == "case" and value in _CASE_VALUES:
        return cap(CASE_STATUS[CaseStatus(value)])
    if field == "state" and value in _DOCUMENT_VALUES:
        return cap(DOCUMENT_STATE[DocumentState(value)])
    if len(value) >= 16 and value[4] == "-" and value[10] == " " and value[13] == ":":
        return value[:16]  # a time as events store it, to the minute
    return value if len(value) <= 120 else value[:119] + "…"


def describe(event: EventRecord, names: Mapping[tuple[str, int], str]) -> TimelineLine:
    """``names`` maps (entity, id) to the record's current name, for the subject."""
    kind = _ENTITY.get(event.entity)
    kind_text = kind.tr() if kind is not None else event.entity
    name = names.get((event.entity, event.entity_id))
    if name is None and event.field in ("created", "deleted", "opened"):
        name = event.after or event.before  # a deleted record keeps its name in its event
    subject = _("{kind} · {name}").format(kind=kind_text, name=name) if name else kind_text
    field = _FIELD.get(event.field)
    field_text = field.tr() if field is not None else event.field
    if event.field in ("created", "deleted", "opened"):
        change = field_text
    elif event.field == "logged":
        change = _("{field}: {after}").format(field=field_text, after=event.after or "")
    elif event.before is None:
        change = _("{field}: {after}").format(
            field=field_text, after=_value(event.entity, event.field, event.after)
        )
    else:
        change = _("{field}: {before} → {after}").format(
            field=field_text,
            before=_value(event.entity, event.field, event.before),
            after=_value(event.entity, event.field, event.after),
        )
    return TimelineLine(event.at, subject, change, event.entity == "case")
