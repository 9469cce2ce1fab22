"""The caller card: what the officer needs on screen while talking to a known contact,
and the defaults of the new log (which case, which channel).

Everything here only reads, in one snapshot per call. Each query is shaped for an index
of :mod:`coordinator.store.models`: ``ix_communications_contact_at``,
``ix_communications_case_at``, ``ix_events_case_id_id``, ``ix_actions_case_id``,
``ix_documents_case_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import NotFoundError
from coordinator.i18n import N_
from coordinator.kinds import ActionStatus, CaseStatus, Channel, Direction, DocumentState
from coordinator.phones import DEFAULT_AREA_CODE, normalise
from coordinator.queries.due import is_overdue
from coordinator.store.lookup import WHAT_CONTACT, get_or_raise
from coordinator.store.models import (
    Action,
    Case,
    Communication,
    Contact,
    Document,
    Event,
    Handle,
    Organisation,
    PhoneNumber,
)
from coordinator.store.records import ContactRecord, PhoneRecord
from coordinator.store.storage import Store

__all__ = [
    "CallerCard",
    "CardAction",
    "CardCase",
    "CardCommunication",
    "CardDocument",
    "LogDefaults",
    "caller_card",
    "defaults",
]

Rows = Select[*tuple[Any, ...]]

RECENT_COMMUNICATIONS = 10
CARD_CASES = 20
CARD_ROWS = 50
# The cases a contact talked about are looked for among their latest communications only:
# a matter raised years ago is closed by now, and a busy contact has hundreds of calls.
CASE_LOOKBACK = 500

OPEN_CASE_STATUSES: tuple[CaseStatus, ...] = (CaseStatus.OPEN, CaseStatus.ON_HOLD)
PENDING_ACTION_STATUSES: tuple[ActionStatus, ...] = (
    ActionStatus.TODO,
    ActionStatus.IN_PROGRESS,
    ActionStatus.WAITING,
    ActionStatus.WAITING_COMPANY,
    ActionStatus.BLOCKED,
)
PENDING_DOCUMENT_STATES: tuple[DocumentState, ...] = tuple(
    s for s in DocumentState if s is not DocumentState.ACCEPTED
)


@dataclass(frozen=True, slots=True)
class CardCase:
    case_id: int
    reference: str
    title: str
    status: CaseStatus
    fast_track: bool
    company_name: str
    target_at: datetime | None
    last_activity_at: datetime


@dataclass(frozen=True, slots=True)
class CardAction:
    action_id: int
    case_id: int
    case_reference: str
    department_name: str
    title: str
    status: ActionStatus
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class CardDocument:
    document_id: int
    case_id: int
    case_reference: str
    title: str
    state: DocumentState
    holder_name: str | None
    """Who holds the paper now; None when the officer has it."""


@dataclass(frozen=True, slots=True)
class CardCommunication:
    communication_id: int
    at: datetime
    channel: Channel
    direction: Direction
    duration_seconds: int
    case_id: int | None
    case_reference: str | None
    notes: str
    follow_up_due: datetime | None
    follow_up_done_at: datetime | None


@dataclass(frozen=True, slots=True)
class LogDefaults:
    case_id: int | None
    """The case a new log goes to; None leaves it unfiled."""
    channel: Channel
    direction: Direction = Direction.INBOUND


@dataclass(frozen=True)
class CallerCard:
    contact: ContactRecord
    now: datetime
    open_cases: tuple[CardCase, ...]
    """Not closed nor cancelled, the most recently active first."""
    actions: tuple[CardAction, ...]
    """Pending actions of those cases, the earliest due first (no due date last)."""
    documents: tuple[CardDocument, ...]
    """Documents of those cases not yet accepted."""
    recent: tuple[CardCommunication, ...]
    """The latest communications with the contact, the newest first."""
    open_follow_ups: tuple[CardCommunication, ...]
    """Promises made to this contact and not yet kept, the earliest due first."""
    defaults: LogDefaults


# -- statements, built once ---------------------------------------------------------------
# The card is asked for while the phone rings: the statements are built once, their
# values bound when they run.


_CONTACT_ROW = (
    select(
        Contact.name,
        Contact.organisation_id,
        Organisation.name,
        Contact.role,
        Contact.pinyin,
        Contact.initials,
        Contact.notes,
    )
    .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
    .where(Contact.id == bindparam("contact_id"))
)
_CONTACT_PHONES = (
    select(
        PhoneNumber.id, PhoneNumber.raw, PhoneNumber.e164, PhoneNumber.extension, PhoneNumber.label
    )
    .where(PhoneNumber.contact_id == bindparam("contact_id"))
    .order_by(PhoneNumber.position, PhoneNumber.id)
)
_CONTACT_HANDLES = (
    select(Handle.channel, Handle.handle)
    .where(Handle.contact_id == bindparam("contact_id"))
    .order_by(Handle.id)
)


def _open_cases_statement(with_company: bool) -> Rows:
    talked_about = (
        select(Communication.case_id)
        .where(Communication.contact_id == bindparam("contact_id"))
        .order_by(Communication.at.desc(), Communication.id.desc())  # the same ones anywhere
        .limit(CASE_LOOKBACK)
        .subquery()
    )
    sources = [
        select(talked_about.c.case_id).where(talked_about.c.case_id.is_not(None)),
        select(Action.case_id).where(Action.contact_id == bindparam("contact_id")),
    ]
    if with_company:
        sources.append(select(Case.id).where(Case.company_id == bindparam("organisation_id")))
    # One statement: each source searches its own index, and their union is small.
    ids = union(*sources).subquery()
    last_communication = (
        select(func.max(Communication.at))
        .where(Communication.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    last_event = (
        select(Event.at)
        .where(Event.case_id == Case.id)
        .order_by(Event.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    return (
        select(
            Case.id,
            Case.reference,
            Case.title,
            Case.status,
            Case.fast_track,
            Organisation.name,
            Case.target_at,
            Case.updated_at,
            last_communication,
            last_event,
        )
        .outerjoin(Organisation, Organisation.id == Case.company_id)
        .where(Case.id.in_(select(ids.c[0])), Case.status.in_(OPEN_CASE_STATUSES))
    )


_OPEN_CASES = {flag: _open_cases_statement(flag) for flag in (False, True)}
# Only the case ids are given to the database, the status and state are filtered in
# Python: given both, SQLite prefers ix_actions_status_due / ix_documents_state_holder
# and reads every open action or waiting document of the office.
_CASE_ACTIONS = (
    select(Action.id, Action.case_id, Organisation.name, Action.title, Action.status, Action.due_at)
    .join(Organisation, Organisation.id == Action.department_id)
    .where(Action.case_id.in_(bindparam("case_ids", expanding=True)))
)
_CASE_DOCUMENTS = (
    select(
        Document.id,
        Document.case_id,
        Document.title,
        Document.state,
        Organisation.name,
        Document.position,
    )
    .outerjoin(Organisation, Organisation.id == Document.holder_id)
    .where(Document.case_id.in_(bindparam("case_ids", expanding=True)))
)


def _communications_statement(
    condition: ColumnElement[bool], order: tuple[ColumnElement[Any], ...]
) -> Rows:
    return (
        select(
            Communication.id,
            Communication.at,
            Communication.channel,
            Communication.direction,
            Communication.duration_seconds,
            Communication.case_id,
            Case.reference,
            Communication.notes,
            Communication.follow_up_due,
            Communication.follow_up_done_at,
        )
        .outerjoin(Case, Case.id == Communication.case_id)
        .where(condition)
        .order_by(*order)
        .limit(bindparam("limit"))
    )


_RECENT = _communications_statement(
    Communication.contact_id == bindparam("contact_id"),
    (Communication.at.desc(), Communication.id.desc()),
)
_OPEN_FOLLOW_UPS = _communications_statement(
    and_(
        Communication.contact_id == bindparam("contact_id"),
        Communication.follow_up_done_at.is_(None),
        Communication.follow_up_due.is_not(None),
    ),
    (Communication.follow_up_due.asc(), Communication.id.asc()),
)
_LAST_CHANNEL = (
    select(Communication.channel)
    .where(Communication.contact_id == bindparam("contact_id"))
    .order_by(Communication.at.desc(), Communication.id.desc())
    .limit(1)
)
_CASE_STATUS = select(Case.status).where(Case.id == bindparam("case_id"))


# -- the caller card -------------------------------------------------------------------


def caller_card(
    store: Store,
    contact_id: int,
    now: datetime,
    *,
    recent_limit: int = RECENT_COMMUNICATIONS,
    pinned_case_id: int | None = None,
) -> CallerCard:
    """What the officer needs on screen while talking to a known contact.

    The contact's cases are those of their organisation (when it is the company of the
    case), those they talked about lately, and those with an action they are responsible
    for; only cases not closed nor cancelled are shown. "Most recently active" is the
    latest of the case's last communication and its last recorded change.
    """
    with store.read() as session:
        record = _contact(session, contact_id)
        cases = _open_cases(session, contact_id, record.organisation_id)
        actions = _pending_actions(session, cases, now)
        documents = _pending_documents(session, cases)
        recent = _communications(session, _RECENT, contact_id, recent_limit)
        follow_ups = _communications(session, _OPEN_FOLLOW_UPS, contact_id, CARD_ROWS)
        channel = recent[0].channel if recent else _last_channel(session, contact_id)
        default_case = _pinned(session, pinned_case_id) or next(
            (c.case_id for c in cases if c.status is CaseStatus.OPEN), None
        )
    return CallerCard(
        contact=record,
        now=now,
        open_cases=cases,
        actions=actions,
        documents=documents,
        recent=recent,
        open_follow_ups=follow_ups,
        defaults=LogDefaults(default_case, channel or Channel.PHONE),
    )


def defaults(
    store: Store,
    *,
    contact_id: int | None = None,
    raw_number: str = "",
    pinned_case_id: int | None = None,
    area_code: str = DEFAULT_AREA_CODE,
) -> LogDefaults:
    """Case and channel for a new log, without building the whole card.

    A known contact: their most recently active open case, the channel last used with
    them. An unknown number: the open case and channel of the last communication with
    that number. A pinned case that is still open wins over either.
    """
    with store.read() as session:
        pinned = _pinned(session, pinned_case_id)
        if contact_id is not None:
            get_or_raise(session, Contact, contact_id, WHAT_CONTACT)
            channel = _last_channel(session, contact_id)
            case_id = pinned
            if case_id is None:
                organisation_id = session.scalar(
                    select(Contact.organisation_id).where(Contact.id == contact_id)
                )
                cases = _open_cases(session, contact_id, organisation_id)
                case_id = next((c.case_id for c in cases if c.status is CaseStatus.OPEN), None)
            return LogDefaults(case_id, channel or Channel.PHONE)
        if raw_number.strip():
            e164 = normalise(raw_number, area_code=area_code).e164
            row = session.execute(
                select(Communication.channel, Communication.case_id, Case.status)
                .outerjoin(Case, Case.id == Communication.case_id)
                .where(Communication.number_e164 == e164)
                .order_by(Communication.at.desc(), Communication.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                case_id = pinned
                if case_id is None and row[2] is CaseStatus.OPEN:
                    case_id = row[1]
                return LogDefaults(case_id, row[0])
        return LogDefaults(pinned, Channel.PHONE)


def _contact(session: Session, contact_id: int) -> ContactRecord:
    # Plain columns rather than the entity and its relationships: no objects to build on
    # the ringing-phone path.
    key = {"contact_id": contact_id}
    row = session.execute(_CONTACT_ROW, key).first()
    if row is None:
        raise NotFoundError(
            N_("The {what} #{id} does not exist (any more)."), what=WHAT_CONTACT, id=contact_id
        )
    phones = session.execute(_CONTACT_PHONES, key).all()
    handles = session.execute(_CONTACT_HANDLES, key).all()
    return ContactRecord(
        id=contact_id,
        name=row[0],
        organisation_id=row[1],
        organisation_name=row[2] or "",
        role=row[3],
        pinyin=row[4],
        initials=row[5],
        notes=row[6],
        phones=tuple(PhoneRecord(p[0], p[1], p[2], p[3], p[4]) for p in phones),
        handles=tuple((h[0], h[1]) for h in handles),
    )


def _pinned(session: Session, case_id: int | None) -> int | None:
    if case_id is None:
        return None
    status = session.scalar(_CASE_STATUS, {"case_id": case_id})
    return case_id if status in OPEN_CASE_STATUSES else None


def _last_channel(session: Session, contact_id: int) -> Channel | None:
    return session.scalar(_LAST_CHANNEL, {"contact_id": contact_id})


def _open_cases(
    session: Session, contact_id: int, organisation_id: int | None
) -> tuple[CardCase, ...]:
    rows = session.execute(
        _OPEN_CASES[organisation_id is not None],
        {"contact_id": contact_id, "organisation_id": organisation_id},
    ).all()
    cases = [
        CardCase(
            case_id=row[0],
            reference=row[1],
            title=row[2],
            status=row[3],
            fast_track=row[4],
            company_name=row[5] or "",
            target_at=row[6],
            last_activity_at=max(t for t in (row[7], row[8], row[9]) if t is not None),
        )
        for row in rows
    ]
    cases.sort(key=lambda c: (c.last_activity_at, c.case_id), reverse=True)
    return tuple(cases[:CARD_CASES])


def _pending_actions(
    session: Session, cases: Sequence[CardCase], now: datetime
) -> tuple[CardAction, ...]:
    if not cases:
        return ()
    references = {c.case_id: c.reference for c in cases}
    rows = session.execute(_CASE_ACTIONS, {"case_ids": list(references)}).all()
    pending = [row for row in rows if row[4] in PENDING_ACTION_STATUSES]
    pending.sort(key=lambda row: (row[5] is None, row[5] or now, row[0]))
    return tuple(
        CardAction(
            action_id=row[0],
            case_id=row[1],
            case_reference=references[row[1]],
            department_name=row[2],
            title=row[3],
            status=row[4],
            due_at=row[5],
            overdue=is_overdue(row[4], row[5], now),
        )
        for row in pending[:CARD_ROWS]
    )


def _pending_documents(session: Session, cases: Sequence[CardCase]) -> tuple[CardDocument, ...]:
    if not cases:
        return ()
    order = {c.case_id: i for i, c in enumerate(cases)}
    rows = session.execute(_CASE_DOCUMENTS, {"case_ids": list(order)}).all()
    pending = [row for row in rows if row[3] in PENDING_DOCUMENT_STATES]
    pending.sort(key=lambda row: (order[row[1]], row[5], row[0]))
    return tuple(
        CardDocument(
            document_id=row[0],
            case_id=row[1],
            case_reference=cases[order[row[1]]].reference,
            title=row[2],
            state=row[3],
            holder_name=row[4],
        )
        for row in pending[:CARD_ROWS]
    )


def _communications(
    session: Session, statement: Rows, contact_id: int, limit: int
) -> tuple[CardCommunication, ...]:
    if limit <= 0:
        return ()
    rows = session.execute(statement, {"contact_id": contact_id, "limit": limit}).all()
    return tuple(
        CardCommunication(
            communication_id=row[0],
            at=row[1],
            channel=row[2],
            direction=row[3],
            duration_seconds=row[4],
            case_id=row[5],
            case_reference=row[6],
            notes=row[7],
            follow_up_due=row[8],
            follow_up_done_at=row[9],
        )
        for row in rows
    )
