"""The case summary's record of what happened: its communication log and the key events
of its timeline, each line in words for the printed page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coordinator.i18n import N_, _
from coordinator.kinds import ActionStatus, CaseStatus, Direction, DocumentState
from coordinator.labels import ACTION_STATUS, CHANNEL, DOCUMENT_STATE
from coordinator.queries.timeline import EventRecord
from coordinator.reports import _data, figures
from coordinator.store.records import (
    ActionRecord,
    CommunicationRecord,
    ContactRecord,
    DocumentRecord,
)


@dataclass(frozen=True)
class CommunicationRow:
    at: str
    channel: str
    arrow: str
    who: str
    length: str
    notes: str
    follow_up: str


@dataclass(frozen=True)
class EventRow:
    at: str
    text: str
    milestone: bool  # the case itself opened, closed, ...
    officer: str = ""  # who made it ("" when nobody was named)


def communication_rows(
    comms: Sequence[CommunicationRecord],
    people: dict[int, ContactRecord],
    include_notes: bool,
    year: int,
) -> tuple[CommunicationRow, ...]:
    rows = []
    for c in comms:
        contact = _data.contact_of(people, c.contact_id)
        follow_up = ""
        if include_notes and c.follow_up_due is not None:
            if c.follow_up_done_at is not None:
                follow_up = _("Follow-up by {due}, done {done}").format(
                    due=figures.when(c.follow_up_due, year),
                    done=figures.when(c.follow_up_done_at, year),
                )
            else:
                follow_up = _("Follow-up by {due}, still open").format(
                    due=figures.when(c.follow_up_due, year)
                )
        rows.append(
            CommunicationRow(
                at=figures.when(c.at, year),
                channel=CHANNEL[c.channel].tr(),
                arrow="←" if c.direction == Direction.INBOUND else "→",
                who=contact.name if contact is not None else c.raw_number,
                length=figures.call_length(c.duration_seconds),
                notes=c.notes if include_notes else "",
                follow_up=follow_up,
            )
        )
    return tuple(rows)


def communication_summary(comms: Sequence[CommunicationRecord]) -> str:
    if not comms:
        return ""
    talked = sum(c.duration_seconds for c in comms)
    incoming = sum(1 for c in comms if c.direction == Direction.INBOUND)
    return _(
        "{total} in all: {incoming} from them, {outgoing} from us; "
        "{minutes} min on the phone or in meetings."
    ).format(
        total=len(comms),
        incoming=incoming,
        outgoing=len(comms) - incoming,
        minutes=round(talked / 60),
    )


def event_rows(
    events: Sequence[EventRecord],
    steps: Sequence[ActionRecord],
    documents: Sequence[DocumentRecord],
    year: int,
) -> tuple[EventRow, ...]:
    step_names = {s.id: f"{s.department_name} · {s.title}" for s in steps}
    document_names = {d.id: d.title for d in documents}
    rows = []
    for event in events:
        text = _event_text(event, step_names, document_names)
        if text:
            rows.append(
                EventRow(figures.when(event.at, year), text, event.entity == "case", event.officer)
            )
    return tuple(rows)


_CASE_STATUS_TEXT = {
    CaseStatus.OPEN: N_("Case reopened"),
    CaseStatus.ON_HOLD: N_("Case put on hold"),
    CaseStatus.CLOSED: N_("Case closed"),
    CaseStatus.CANCELLED: N_("Case cancelled"),
}
_KEY_DOCUMENT_STATES = frozenset(
    {
        DocumentState.ACCEPTED,
        DocumentState.ACCEPTED_MISSING,
        DocumentState.RETURNED,
        DocumentState.RESUBMITTED,
    }
)
_KEY_ACTION_STATES = frozenset(
    {
        ActionStatus.IN_PROGRESS,
        ActionStatus.WAITING_COMPANY,
        ActionStatus.BLOCKED,
        ActionStatus.DONE,
        ActionStatus.CANCELLED,
    }
)


def _event_text(
    event: EventRecord, step_names: dict[int, str], document_names: dict[int, str]
) -> str:
    """A key event in words, or "" for the many that a summary leaves out."""
    try:
        if event.entity == "case" and event.field == "opened":
            return _("Case opened")
        if event.entity == "case" and event.field == "status" and event.after:
            return _CASE_STATUS_TEXT[CaseStatus(event.after)].tr()
        if event.entity == "action" and event.field == "status" and event.after:
            after = ActionStatus(event.after)
            if after not in _KEY_ACTION_STATES or event.entity_id not in step_names:
                return ""
            first_request = after == ActionStatus.IN_PROGRESS and event.before in (
                ActionStatus.TODO.value,
                ActionStatus.WAITING.value,
            )
            change = (
                _("put in the department's hands") if first_request else ACTION_STATUS[after].tr()
            )
            return _("{what}: {change}").format(what=step_names[event.entity_id], change=change)
        if event.entity == "document" and event.field == "state" and event.after:
            state = DocumentState(event.after)
            if state not in _KEY_DOCUMENT_STATES or event.entity_id not in document_names:
                return ""
            return _("{what}: {change}").format(
                what=document_names[event.entity_id], change=DOCUMENT_STATE[state].tr()
            )
    except ValueError:  # a state this version does not know (a newer export): skip it
        return ""
    return ""
