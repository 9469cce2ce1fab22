"""Who is calling: recognise a caller from what the officer types.

The officer types whatever is at hand while the phone rings: a few digits of the number
on the display ("4321"), the whole number in any format ("+86 138-0013-8000",
"0574-8765 4321 转 12", "87654321"), a name ("张伟明"), its pinyin ("zhangweiming",
"zhangwm") or its initials ("zwm"). :func:`recognise` answers with ranked candidates;
:mod:`coordinator.queries.caller_card` with what the officer needs to know about one of
them before saying hello.

Everything here only reads. Each query is shaped for an index of
:mod:`coordinator.store.models`:

* whole numbers: ``ix_phone_numbers_e164``;
* parts of numbers: one pass over ``ix_phone_numbers_digits`` (a covering index of a
  few tens of thousands of short strings: "any part" cannot use a B-tree);
* names, pinyin and initials: ranges of ``ix_contacts_name``, ``ix_contacts_pinyin`` and
  ``ix_contacts_initials`` (a range, not ``LIKE 'x%'``: SQLite's LIKE ignores case and
  therefore cannot use an ordinary index).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select, union
from sqlalchemy.orm import Session

from coordinator.errors import ValidationError
from coordinator.i18n import N_, Msg
from coordinator.kinds import Channel
from coordinator.phones import (
    DEFAULT_AREA_CODE,
    NormalisedNumber,
    looks_like_number,
    normalise,
    search_digits,
    split_extension,
)
from coordinator.queries.sql import contains_any_case, escape_like
from coordinator.store.models import (
    NAME_MAX,
    Communication,
    Contact,
    Handle,
    Organisation,
    PhoneNumber,
)
from coordinator.store.storage import Store

__all__ = [
    "MATCH_REASON",
    "Candidate",
    "MatchReason",
    "Recognition",
    "recognise",
]

DEFAULT_LIMIT = 10
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


# -- statements, built once ---------------------------------------------------------------
# The quick-log panel asks on every keystroke: building the statements anew each time
# costs more than running them. The values are bound when they run.


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
# Keyed by whether the query holds Latin letters: only then must case be ignored (ILIKE on
# a server, several times slower than LIKE over 20,000 names; a Chinese name has no case).
_NAMES_CONTAINING = {
    True: select(Contact.id, Contact.name).where(
        contains_any_case(Contact.name, bindparam("term"))
    ),
    False: select(Contact.id, Contact.name).where(
        Contact.name.contains(bindparam("term"), escape="\\")
    ),
}
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
_AT_ORGANISATIONS = {
    fold: (
        select(Contact.id)
        .where(
            Contact.organisation_id.in_(
                select(Organisation.id).where(
                    contains_any_case(Organisation.name, bindparam("term"))
                    if fold
                    else Organisation.name.contains(bindparam("term"), escape="\\")
                )
            )
        )
        .limit(RECENCY_CAP)
    )
    for fold in (True, False)
}
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

    Inside an outer :meth:`Store.read`, it and
    :func:`~coordinator.queries.caller_card.caller_card` read one snapshot.
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
    term = escape_like(query)
    cased = any(c.isascii() and c.isalpha() for c in query)
    for contact_id, name in session.execute(_NAMES_CONTAINING[cased], {"term": term}):
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
        for (contact_id,) in session.execute(_AT_ORGANISATIONS[cased], {"term": term}):
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
