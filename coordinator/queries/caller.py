"""Who is calling: recognise a caller from what the officer types, and show their card.

The officer types whatever is at hand while the phone rings: a few digits of the number
on the display ("4321"), the whole number in any format ("+86 138-0013-8000",
"0574-8765 4321 转 12", "87654321"), a name ("张伟明"), its pinyin ("zhangweiming",
"zhangwm") or its initials ("zwm"). :func:`recognise` answers with ranked candidates;
:func:`caller_card` with what the officer needs to know before saying hello, and the
defaults of the new log.

Everything here only reads. Each query is shaped for an index of
:mod:`coordinator.store.models`:

* whole numbers: ``ix_phone_numbers_e164``;
* parts of numbers: one pass over ``ix_phone_numbers_digits`` (a covering index of a
  few tens of thousands of short strings: "any part" cannot use a B-tree);
* names, pinyin and initials: ranges of ``ix_contacts_name``, ``ix_contacts_pinyin`` and
  ``ix_contacts_initials`` (a range, not ``LIKE 'x%'``: SQLite's LIKE ignores case and
  therefore cannot use an ordinary index);
* the card: ``ix_communications_contact_at``, ``ix_communications_case_at``,
  ``ix_events_case_id_id``, ``ix_actions_case_id``, ``ix_documents_case_id``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import NotFoundError, ValidationError
from coordinator.i18n import N_, Msg
from coordinator.kinds import ActionStatus, CaseStatus, Channel, Direction, DocumentState
from coordinator.phones import (
    DEFAULT_AREA_CODE,
    NormalisedNumber,
    looks_like_number,
    normalise,
    search_digits,
    split_extension,
)
from coordinator.store.lookup import WHAT_CONTACT, get_or_raise
from coordinator.store.models import (
    NAME_MAX,
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
    "MATCH_REASON",
    "CallerCard",
    "Candidate",
    "CardAction",
    "CardCase",
    "CardCommunication",
    "CardDocument",
    "LogDefaults",
    "MatchReason",
    "Recognition",
    "caller_card",
    "defaults",
    "recognise",
]

Rows = Select[*tuple[Any, ...]]

DEFAULT_LIMIT = 10
RECENT_COMMUNICATIONS = 10
CARD_CASES = 20
CARD_ROWS = 50
# The cases a contact talked about are looked for among their latest communications only:
# a matter raised years ago is closed by now, and a busy contact has hundreds of calls.
CASE_LOOKBACK = 500
# Candidates ranked by recency; a one-letter query matches thousands of names, and past
# the best few hundred the order no longer matters to anyone.
RECENCY_CAP = 200
FRAGMENT_ROWS = 400
MIN_FRAGMENT_DIGITS = 3
# No stored number holds more digits than E.164 allows.
MAX_NUMBER_DIGITS = 15
# A Chinese number typed whole has 11 digits (a mobile, or an area code and a local
# number): from there a number that matches nothing and is not valid is a typing error.
WHOLE_NUMBER_DIGITS = 11

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


class MatchReason(enum.StrEnum):
    NUMBER = "number"  # the whole number (and the extension, when one was typed)
    SWITCHBOARD = "switchboard"  # the whole number, another or no extension
    NUMBER_END = "number_end"
    NUMBER_START = "number_start"
    NUMBER_PART = "number_part"
    NAME = "name"
    NAME_START = "name_start"
    NAME_PART = "name_part"
    PINYIN = "pinyin"  # the whole pinyin, "zhangweiming"
    INITIALS = "initials"  # "zwm"
    PINYIN_START = "pinyin_start"  # "zw", "zhangw", "zhangwm"
    HANDLE = "handle"  # a WeChat / DingTalk / QQ id or an e-mail address
    ORGANISATION = "organisation"  # works at an organisation whose name matches


MATCH_REASON: dict[MatchReason, Msg] = {
    MatchReason.NUMBER: N_("the number"),
    MatchReason.SWITCHBOARD: N_("the number, another extension"),
    MatchReason.NUMBER_END: N_("the end of a number"),
    MatchReason.NUMBER_START: N_("the start of a number"),
    MatchReason.NUMBER_PART: N_("part of a number"),
    MatchReason.NAME: N_("the name"),
    MatchReason.NAME_START: N_("the start of the name"),
    MatchReason.NAME_PART: N_("part of the name"),
    MatchReason.PINYIN: N_("the pinyin of the name"),
    MatchReason.INITIALS: N_("the initials of the name"),
    MatchReason.PINYIN_START: N_("the start of the pinyin"),
    MatchReason.HANDLE: N_("a messaging handle"),
    MatchReason.ORGANISATION: N_("the organisation"),
}

# Lower is better. A whole number or a whole name is certain; a start is likelier than a
# middle because people remember and read out the ends of numbers and names.
_RANK: dict[MatchReason, int] = {
    MatchReason.NUMBER: 0,
    MatchReason.NAME: 0,
    MatchReason.SWITCHBOARD: 1,
    MatchReason.PINYIN: 1,
    MatchReason.INITIALS: 1,
    MatchReason.HANDLE: 1,
    MatchReason.NUMBER_END: 2,
    MatchReason.NAME_START: 2,
    MatchReason.NUMBER_START: 3,
    MatchReason.PINYIN_START: 3,
    MatchReason.NUMBER_PART: 4,
    MatchReason.NAME_PART: 4,
    MatchReason.ORGANISATION: 5,
}

_TOO_LONG = N_("“{text}…” is too long to look up: type a number, a name or its initials.")


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    contact_id: int
    name: str
    organisation_id: int | None
    organisation_name: str
    role: str
    matched_number: str
    """The stored number that matched, as it was typed when saved ("" for a name match)."""
    reason: MatchReason
    last_contact_at: datetime | None
    """The latest communication with this contact, the tie-breaker between equal matches."""

    @property
    def why(self) -> Msg:
        """Why this candidate was found, translatable ("the end of a number")."""
        return MATCH_REASON[self.reason]


@dataclass(frozen=True, slots=True)
class Recognition:
    query: str
    number: NormalisedNumber | None
    """The text as a whole valid number, if it is one: an unknown caller's number to save."""
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def is_unknown_number(self) -> bool:
        """A whole number that no contact owns: offer to make it a new contact."""
        return self.number is not None and not any(
            c.reason in (MatchReason.NUMBER, MatchReason.SWITCHBOARD) for c in self.candidates
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
# The quick-log panel asks on every keystroke: building the statements anew each time
# costs more than running them. The values are bound when they run.


def _escaped(term: str) -> str:
    """A term for ``LIKE '%' || term || '%'`` with its own % and _ taken literally."""
    return term.replace("/", "//").replace("%", "/%").replace("_", "/_")


_LAST_CONTACT = (
    select(func.max(Communication.at))
    .where(Communication.contact_id == Contact.id)
    .correlate(Contact)
    .scalar_subquery()
)
_BY_E164 = select(PhoneNumber.contact_id, PhoneNumber.raw, PhoneNumber.extension).where(
    PhoneNumber.e164 == bindparam("e164")
)
# Ids and digits first, from the covering index alone; the few rows that match are then
# read whole by id.
_DIGITS_CONTAINING = (
    select(PhoneNumber.id, PhoneNumber.digits)
    .where(PhoneNumber.digits.contains(bindparam("digits")))
    .limit(bindparam("limit"))
)
_PHONES_BY_ID = select(
    PhoneNumber.id, PhoneNumber.contact_id, PhoneNumber.raw, PhoneNumber.extension
).where(PhoneNumber.id.in_(bindparam("ids", expanding=True)))
# Separate statements rather than one OR: an OR with a LIKE '%...%' in it makes SQLite
# read the whole table instead of two index ranges and one covering-index scan.
_NAMES_CONTAINING = select(Contact.id, Contact.name).where(
    Contact.name.contains(bindparam("term"), escape="/")
)
_KEYED = select(Contact.id, Contact.pinyin, Contact.initials).where(
    Contact.id.in_(
        union(
            select(Contact.id).where(
                or_(
                    and_(
                        Contact.initials >= bindparam("low"), Contact.initials < bindparam("high")
                    ),
                    and_(Contact.pinyin >= bindparam("low"), Contact.pinyin < bindparam("high")),
                )
            ),
            # A surname's other reading (曾 zeng / ceng) is the second initials key.
            select(Contact.id).where(Contact.initials.like(bindparam("other_reading"))),
        )
        .subquery()
        .select()
    )
)
_BY_HANDLE = select(Handle.contact_id).where(
    Handle.channel.in_(list(Channel)), Handle.handle == bindparam("term")
)
_AT_ORGANISATIONS = (
    select(Contact.id)
    .where(
        Contact.organisation_id.in_(
            select(Organisation.id).where(Organisation.name.contains(bindparam("term"), escape="/"))
        )
    )
    .limit(RECENCY_CAP)
)
_SHORTLIST = (
    select(
        Contact.id,
        Contact.name,
        Contact.organisation_id,
        Organisation.name,
        Contact.role,
        _LAST_CONTACT,
    )
    .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
    .where(Contact.id.in_(bindparam("ids", expanding=True)))
)

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
        .order_by(Communication.at.desc())
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


# -- recognition -----------------------------------------------------------------------


@dataclass
class _Hit:
    reason: MatchReason
    number: str = ""
    extension_matches: bool = False

    @property
    def rank(self) -> int:
        return _RANK[self.reason]


def _keep_best(hits: dict[int, _Hit], contact_id: int, hit: _Hit) -> None:
    held = hits.get(contact_id)
    if held is None or (hit.rank, not hit.extension_matches) < (
        held.rank,
        not held.extension_matches,
    ):
        hits[contact_id] = hit


def _clean_query(text: str) -> str:
    # A search only reads: stray line breaks and controls from a paste are dropped rather
    # than refused, and runs of whitespace count as one space.
    printable = "".join(" " if c.isspace() else c for c in text if c.isprintable() or c.isspace())
    return " ".join(printable.split())


def recognise(
    store: Store,
    text: str,
    *,
    limit: int = DEFAULT_LIMIT,
    area_code: str = DEFAULT_AREA_CODE,
) -> Recognition:
    """The contacts the typed text may mean, the likeliest first.

    A number-like text (digits and number punctuation, an extension allowed) is looked
    for among the numbers; anything else among names, pinyin, initials, messaging
    handles and organisations. Partial input is normal while the phone rings, so a part
    of a number is never an error; a text that can only be a mistyped whole number and
    matches nothing (eleven digits or more that make no valid number, more digits than
    any number has, "138OO138OOO" with letters O for zeros) raises
    :class:`ValidationError` saying what is wrong with it.

    Inside an outer :meth:`Store.read`, it and :func:`caller_card` read one snapshot.
    """
    query = _clean_query(text)
    if not query:
        return Recognition(query, None, ())
    if len(query) > NAME_MAX:
        raise ValidationError(_TOO_LONG, text=query[:40])
    with store.read() as session:
        if looks_like_number(query):
            number, hits = _number_hits(session, query, area_code)
        else:
            number, hits = None, _name_hits(session, query)
            _refuse_mistyped_number(query, hits)
        candidates = _ranked(session, hits, limit)
    return Recognition(query, number, candidates)


def _refuse_mistyped_number(query: str, hits: dict[int, _Hit]) -> None:
    """Letters among the digits of a whole number ("138OO138OOO") are a typing error.

    Said only when nothing matched: the digits and their look-alike letters (O for 0,
    l or I for 1) are as many as a landline's at least.
    """
    if hits:
        return
    main = split_extension(query)[0]
    digits = sum(c.isdigit() for c in main)
    lookalikes = sum(c in "OoIl" for c in main)
    if digits >= MIN_FRAGMENT_DIGITS and digits + lookalikes >= 8:
        normalise(query)  # raises, with the reason in the officer's words


def _number_hits(
    session: Session, query: str, area_code: str
) -> tuple[NormalisedNumber | None, dict[int, _Hit]]:
    digits = search_digits(query)
    number: NormalisedNumber | None = None
    problem: ValidationError | None = None
    try:
        number = normalise(query, area_code=area_code)
    except ValidationError as exc:
        problem = exc
    if len(digits) > MAX_NUMBER_DIGITS and problem is not None:
        raise problem
    hits: dict[int, _Hit] = {}
    if number is not None:
        rows = session.execute(_BY_E164, {"e164": number.e164})
        for contact_id, raw, stored_extension in rows:
            same = stored_extension == number.extension
            reason = MatchReason.NUMBER if same else MatchReason.SWITCHBOARD
            _keep_best(hits, contact_id, _Hit(reason, raw, same and bool(number.extension)))
    if len(digits) >= MIN_FRAGMENT_DIGITS:
        _fragment_hits(session, hits, query)
    if not hits and problem is not None and len(digits) >= WHOLE_NUMBER_DIGITS:
        raise problem
    return number, hits


def _fragment_hits(session: Session, hits: dict[int, _Hit], query: str) -> None:
    """Numbers holding the typed digits: their start, their end or anywhere."""
    main, extension = split_extension(query)
    typed = re.sub(r"[^0-9]", "", main)
    digits = search_digits(query)  # without a country or trunk prefix: how numbers are stored
    # "+86 138" or "0086 138" can only be the start of a number. A leading 0 is
    # either a trunk prefix ("0574-8765", the start of a landline) or simply a digit of
    # the tail the officer reads off the display ("0991"): both are looked for.
    with_country = main.lstrip("( ").startswith("+") or typed.startswith("0086")
    with_trunk = not with_country and typed.startswith("0")
    found = session.execute(
        _DIGITS_CONTAINING, {"digits": digits, "limit": FRAGMENT_ROWS * 4}
    ).all()
    places: dict[int, MatchReason] = {}
    for phone_id, stored in found:
        if stored.startswith(digits):
            places[phone_id] = MatchReason.NUMBER_START
        elif with_country:
            continue
        elif with_trunk:
            if typed in stored:
                end = stored.endswith(typed)
                places[phone_id] = MatchReason.NUMBER_END if end else MatchReason.NUMBER_PART
        elif stored.endswith(digits):
            places[phone_id] = MatchReason.NUMBER_END
        else:
            places[phone_id] = MatchReason.NUMBER_PART
    best = sorted(places, key=lambda i: (_RANK[places[i]], i))[:FRAGMENT_ROWS]
    if not best:
        return
    rows = session.execute(_PHONES_BY_ID, {"ids": best})
    for phone_id, contact_id, raw, stored_extension in rows:
        matches = bool(extension) and stored_extension == extension
        _keep_best(hits, contact_id, _Hit(places[phone_id], raw, matches))


def _prefix_bounds(prefix: str) -> dict[str, str]:
    """``column >= low AND column < high``: "starts with", as a range an index can serve
    (SQLite's LIKE ignores case, so it cannot use an ordinary index)."""
    return {"low": prefix, "high": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def _name_hits(session: Session, query: str) -> dict[int, _Hit]:
    hits: dict[int, _Hit] = {}
    compact = query.lower().replace(" ", "")
    folded = query.casefold()
    term = _escaped(query)
    for contact_id, name in session.execute(_NAMES_CONTAINING, {"term": term}):
        reason = _name_reason(folded, name.casefold())
        if reason is not None:
            _keep_best(hits, contact_id, _Hit(reason))
    if compact.isascii() and compact.isalpha():
        head = compact[:2]
        keyed = session.execute(_KEYED, {**_prefix_bounds(head), "other_reading": f"% {head}%"})
        syllable_starts = _syllable_starts(compact)
        for contact_id, pinyin, initials in keyed:
            pinyin_reason = _pinyin_reason(compact, pinyin, initials, syllable_starts)
            if pinyin_reason is not None:
                _keep_best(hits, contact_id, _Hit(pinyin_reason))
    for (contact_id,) in session.execute(_BY_HANDLE, {"term": query}):
        _keep_best(hits, contact_id, _Hit(MatchReason.HANDLE))
    if len(query) >= 2:
        for (contact_id,) in session.execute(_AT_ORGANISATIONS, {"term": term}):
            _keep_best(hits, contact_id, _Hit(MatchReason.ORGANISATION))
    return hits


def _name_reason(query: str, name: str) -> MatchReason | None:
    if name == query:
        return MatchReason.NAME
    if name.startswith(query):
        return MatchReason.NAME_START
    if query in name:
        return MatchReason.NAME_PART
    return None


def _pinyin_reason(
    query: str, pinyin: str, initials: str, syllable_starts: re.Pattern[str]
) -> MatchReason | None:
    if query == pinyin.replace(" ", ""):
        return MatchReason.PINYIN
    keys = initials.split()
    if query in keys:
        return MatchReason.INITIALS
    if any(key.startswith(query) for key in keys) or syllable_starts.match(pinyin):
        return MatchReason.PINYIN_START
    return None


def _syllable_starts(query: str) -> re.Pattern[str]:
    """Matches a spaced pinyin whose first syllables each start with a piece of the query.

    "zhangwm", "zwming", "zhangweim" all match "zhang wei ming" (张伟明): the way an input
    method lets people abbreviate any syllable. Between two letters of the query the
    current syllable either goes on or ends (the rest of it skipped, then its space).
    """
    return re.compile("(?:[a-z]* )?".join(re.escape(c) for c in query))


def _ranked(session: Session, hits: dict[int, _Hit], limit: int) -> tuple[Candidate, ...]:
    if not hits or limit <= 0:
        return ()
    # The best few hundred by match alone, then those ordered by recency.
    shortlisted = sorted(hits, key=lambda i: (hits[i].rank, not hits[i].extension_matches, i))
    shortlisted = shortlisted[:RECENCY_CAP]
    rows = session.execute(_SHORTLIST, {"ids": shortlisted}).all()
    candidates = [
        Candidate(
            contact_id=row[0],
            name=row[1],
            organisation_id=row[2],
            organisation_name=row[3] or "",
            role=row[4],
            matched_number=hits[row[0]].number,
            reason=hits[row[0]].reason,
            last_contact_at=row[5],
        )
        for row in rows
    ]
    # Stable sorts, least significant key first: match, then recency, then name.
    candidates.sort(key=lambda c: (c.name, c.contact_id))
    candidates.sort(key=lambda c: c.last_contact_at or datetime.min, reverse=True)
    candidates.sort(key=lambda c: (_RANK[c.reason], not hits[c.contact_id].extension_matches))
    return tuple(candidates[:limit])


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
            # Waiting on the company stops the department's clock: it cannot be late.
            overdue=row[5] is not None
            and row[5] < now
            and row[4] is not ActionStatus.WAITING_COMPANY,
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
