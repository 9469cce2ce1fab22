"""The search box across the app: every kind of record holding a query, grouped by kind,
best first, with where the query matched (to highlight).

Candidates come from the index (:mod:`coordinator.search`): the newest records of each
kind holding every run of the query, narrowed by the filter. They are then ranked: a
record whose title (or a person's pinyin) *is* the query first, then one whose title
starts with it, then one whose title holds it, then the rest (a match in the notes);
newest first within each. Communications are events, not names: the newest come first.

The spans say where the query's runs are in the title and the detail, as character
offsets into those plain strings: a screen highlights them by painting, never by turning
the user's text into markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, CompoundSelect, func, or_, select, union
from sqlalchemy.orm import Session

from coordinator.kinds import Channel
from coordinator.search.backend import SEARCHED
from coordinator.search.documents import TABLES
from coordinator.search.filtering import holds
from coordinator.search.index import backend_for, reading
from coordinator.search.text import Term, fold, matched_spans, query_terms
from coordinator.store.changes import ChangeKind
from coordinator.store.models import (
    Action,
    Case,
    Communication,
    Contact,
    Document,
    Organisation,
    PhoneNumber,
)
from coordinator.store.storage import Store

CANDIDATES: Final = 200
"""Newest records of a kind that are ranked; the best ``limit`` of them are shown."""

COUNTED: Final = 1000
"""Matches counted at most: past it a group says "1000+" (an exact count of tens of
thousands would cost an office server a tenth of a second, and tells the officer nothing
more)."""

SNIPPET: Final = 80
"""Characters of the detail shown around its first match."""

Span = tuple[int, int]


@dataclass(frozen=True)
class SearchFilter:
    """What the search looks at; the default: every kind, every case, any time.

    ``case_id`` keeps what belongs to one case (its communications, documents and steps,
    the case itself, its company and departments, the people it spoke with). ``channel``
    keeps only communications of that channel. ``since`` (inclusive) and ``until``
    (exclusive) compare a communication's time, a case's opening and everything else's
    last change.
    """

    kinds: frozenset[ChangeKind] = frozenset(SEARCHED)
    case_id: int | None = None
    channel: Channel | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Hit:
    kind: ChangeKind
    id: int
    title: str
    detail: str
    title_spans: tuple[Span, ...] = ()
    detail_spans: tuple[Span, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True)
class Group:
    kind: ChangeKind
    hits: tuple[Hit, ...]
    total: int
    """How many records of the kind hold the query (the hits are the best of them)."""
    more: bool = False
    """More than ``total`` hold it: counting stopped at :data:`COUNTED`."""


@dataclass(frozen=True)
class Results:
    query: str
    groups: tuple[Group, ...] = field(default=())

    @property
    def hits(self) -> list[Hit]:
        return [hit for group in self.groups for hit in group.hits]

    def __bool__(self) -> bool:
        return any(group.hits for group in self.groups)


# -- what a record shows ------------------------------------------------------------------


@dataclass(frozen=True)
class _Shown:
    id: int
    title: str
    head: str | None
    """The start of the detail line (a company, a case, a time)."""
    at: datetime | None
    texts: tuple[str | None, ...] = ()
    """Longer texts; the detail shows the one that matched, around the match."""
    keys: tuple[str, ...] = ()
    """The name's pinyin run together and its initials: a pinyin query ranks by them."""


def _keys(pinyin: str, initials: str) -> tuple[str, ...]:
    return (pinyin.replace(" ", ""), *initials.split())


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _snippet(text: str, terms: Sequence[Term]) -> str:
    """One line of ``text`` around its first match, at most :data:`SNIPPET` long."""
    flat = " ".join(text.split())
    spans = matched_spans(flat, terms)
    if len(flat) <= SNIPPET or not spans:
        return flat[:SNIPPET] + ("…" if len(flat) > SNIPPET else "")
    start = max(0, spans[0][0] - SNIPPET // 4)
    end = min(len(flat), start + SNIPPET)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def _detail(head: str | None, texts: Sequence[str | None], terms: Sequence[Term]) -> str:
    """``head``, then the first of ``texts`` that holds a term (or the first at all)."""
    present = [t for t in texts if t]
    chosen = next((t for t in present if matched_spans(t, terms)), present[0] if present else "")
    return _join(head, _snippet(chosen, terms) if chosen else None)


def _cases(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    stmt = (
        select(Case.id, Case.reference, Case.title, Organisation.name, Case.notes, Case.opened_at)
        .outerjoin(Organisation, Organisation.id == Case.company_id)
        .where(Case.id.in_(ids))
    )
    return [
        _Shown(i, f"{ref} {title}", company, opened, (notes,))
        for i, ref, title, company, notes, opened in session.execute(stmt)
    ]


def _contacts(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    phones: dict[int, list[str]] = {}
    for contact_id, raw in session.execute(
        select(PhoneNumber.contact_id, PhoneNumber.raw)
        .where(PhoneNumber.contact_id.in_(ids))
        .order_by(PhoneNumber.position)
    ):
        phones.setdefault(contact_id, []).append(raw)
    stmt = (
        select(
            Contact.id,
            Contact.name,
            Organisation.name,
            Contact.role,
            Contact.updated_at,
            Contact.pinyin,
            Contact.initials,
        )
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .where(Contact.id.in_(ids))
    )
    found = []
    for i, name, org, role, updated, pinyin, initials in session.execute(stmt):
        numbers = phones.get(i, [])
        # The number that matched, if one did; else the first.
        number = next(
            (n for n in numbers if _digits_match(n, terms)), numbers[0] if numbers else ""
        )
        found.append(
            _Shown(i, name, _join(org, role, number), updated, keys=_keys(pinyin, initials))
        )
    return found


def _digits_match(number: str, terms: Sequence[Term]) -> bool:
    digits = "".join(c for c in fold(number) if c.isdigit())
    return any(t.searches_numbers and t.text in digits for t in terms)


def _organisations(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    stmt = select(
        Organisation.id,
        Organisation.name,
        Organisation.notes,
        Organisation.updated_at,
        Organisation.pinyin,
        Organisation.initials,
    ).where(Organisation.id.in_(ids))
    return [
        _Shown(i, name, None, updated, (notes,), _keys(pinyin, initials))
        for i, name, notes, updated, pinyin, initials in session.execute(stmt)
    ]


def _communications(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    stmt = (
        select(
            Communication.id,
            Communication.at,
            Contact.name,
            Communication.raw_number,
            Case.reference,
            Communication.notes,
        )
        .outerjoin(Contact, Contact.id == Communication.contact_id)
        .outerjoin(Case, Case.id == Communication.case_id)
        .where(Communication.id.in_(ids))
    )
    return [
        _Shown(
            i,
            _join(name or number, reference),
            at.strftime("%Y-%m-%d %H:%M"),
            at,
            (notes, number),
        )
        for i, at, name, number, reference, notes in session.execute(stmt)
    ]


def _documents(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    stmt = (
        select(
            Document.id,
            Document.title,
            Case.reference,
            Document.notes,
            Document.missing_items,
            Document.return_reason,
            Document.updated_at,
        )
        .join(Case, Case.id == Document.case_id)
        .where(Document.id.in_(ids))
    )
    return [
        _Shown(i, title, ref, updated, (notes, missing, returned))
        for i, title, ref, notes, missing, returned, updated in session.execute(stmt)
    ]


def _actions(session: Session, ids: Sequence[int], terms: Sequence[Term]) -> list[_Shown]:
    stmt = (
        select(
            Action.id,
            Action.title,
            Case.reference,
            Organisation.name,
            Action.notes,
            Action.blocked_reason,
            Action.updated_at,
        )
        .join(Case, Case.id == Action.case_id)
        .join(Organisation, Organisation.id == Action.department_id)
        .where(Action.id.in_(ids))
    )
    return [
        _Shown(i, title, _join(ref, dept), updated, (notes, blocked))
        for i, title, ref, dept, notes, blocked, updated in session.execute(stmt)
    ]


_SHOWN: Final[
    Mapping[ChangeKind, Callable[[Session, Sequence[int], Sequence[Term]], list[_Shown]]]
] = {
    ChangeKind.CASE: _cases,
    ChangeKind.CONTACT: _contacts,
    ChangeKind.ORGANISATION: _organisations,
    ChangeKind.COMMUNICATION: _communications,
    ChangeKind.DOCUMENT: _documents,
    ChangeKind.ACTION: _actions,
}


# -- which records ------------------------------------------------------------------------


def _when(kind: ChangeKind) -> Any:
    if kind is ChangeKind.COMMUNICATION:
        return Communication.at
    if kind is ChangeKind.CASE:
        return Case.opened_at
    return TABLES[kind].updated_at


def _of_case(kind: ChangeKind, case_id: int) -> ColumnElement[bool]:
    if kind is ChangeKind.CASE:
        return Case.id == case_id
    if kind in (ChangeKind.COMMUNICATION, ChangeKind.DOCUMENT, ChangeKind.ACTION):
        return TABLES[kind].case_id == case_id  # type: ignore[no-any-return]
    if kind is ChangeKind.CONTACT:
        spoke = union(
            select(Communication.contact_id).where(Communication.case_id == case_id),
            select(Action.contact_id).where(Action.case_id == case_id),
        )
        return Contact.id.in_(spoke)
    involved: CompoundSelect[Any] = union(
        select(Case.company_id).where(Case.id == case_id),
        select(Action.department_id).where(Action.case_id == case_id),
    )
    return Organisation.id.in_(involved)


def _scan(kind: ChangeKind, query: str) -> ColumnElement[bool]:
    """Where there is no index: the record's main text holds the query literally."""
    entity = TABLES[kind]
    if kind is ChangeKind.CASE:
        columns = [Case.reference, Case.title, Case.notes]
    elif kind is ChangeKind.COMMUNICATION:
        columns = [Communication.notes, Communication.raw_number]
    elif kind in (ChangeKind.CONTACT, ChangeKind.ORGANISATION):
        columns = [entity.name, entity.notes]
    else:
        columns = [entity.title, entity.notes]
    return or_(*(c.contains(query, autoescape=True) for c in columns))


def _conditions(kind: ChangeKind, query: str, flt: SearchFilter) -> list[ColumnElement[bool]]:
    entity = TABLES[kind]
    found = [holds(kind, entity.id, query, _scan(kind, query))]
    if flt.channel is not None and kind is ChangeKind.COMMUNICATION:
        found.append(Communication.channel == flt.channel)
    if flt.case_id is not None:
        found.append(_of_case(kind, flt.case_id))
    if flt.since is not None:
        found.append(_when(kind) >= flt.since)
    if flt.until is not None:
        found.append(_when(kind) < flt.until)
    return found


def _rank(shown: _Shown, folded_query: str, terms: Sequence[Term]) -> int:
    title = fold(shown.title)
    letters = folded_query.replace(" ", "")
    keys = shown.keys if letters.isascii() and letters.isalpha() else ()
    if title == folded_query or letters in keys:
        return 0
    if title.startswith(folded_query) or any(k.startswith(letters) for k in keys):
        return 1
    if all(term.text in title for term in terms) or any(letters in k for k in keys):
        return 2
    return 3


def _hit(kind: ChangeKind, shown: _Shown, terms: Sequence[Term]) -> Hit:
    detail = _detail(shown.head, shown.texts, terms)
    return Hit(
        kind,
        shown.id,
        shown.title,
        detail,
        tuple(matched_spans(shown.title, terms)),
        tuple(matched_spans(detail, terms)),
        shown.at,
    )


def search(
    store: Store, query: str, flt: SearchFilter = SearchFilter(), limit: int = 50
) -> Results:
    """The best ``limit`` records of each kind holding ``query``, kind by kind in
    :data:`~coordinator.search.backend.SEARCHED` order; empty when the query holds
    nothing to search for."""
    terms = query_terms(query)
    if not terms:
        return Results(query)
    folded_query = fold(query).strip()
    narrowed = flt.case_id is not None or flt.since is not None or flt.until is not None
    groups = []
    with store.read() as session, reading(session):
        backend = backend_for(session)
        for kind in SEARCHED:
            if kind not in flt.kinds or (
                flt.channel is not None and kind is not ChangeKind.COMMUNICATION
            ):
                continue
            entity = TABLES[kind]
            ranked = kind is not ChangeKind.COMMUNICATION
            wanted = max(CANDIDATES, limit) if ranked else limit
            if backend is not None and not narrowed and flt.channel is None:
                # The index alone knows the newest matches and how many there are.
                ids, total = backend.newest_counted(session, terms, kind, wanted, COUNTED)
            else:
                conditions = _conditions(kind, query, flt)
                ids = list(
                    session.scalars(
                        select(entity.id)
                        .where(*conditions)
                        .order_by(entity.id.desc())
                        .limit(wanted)
                    )
                )
                total = (
                    len(ids)
                    if len(ids) < wanted
                    else int(
                        session.scalar(
                            select(func.count()).select_from(
                                select(entity.id).where(*conditions).limit(COUNTED + 1).subquery()
                            )
                        )
                        or 0
                    )
                )
            if not ids:
                continue
            shown = _SHOWN[kind](session, ids, terms)
            newest = {ident: place for place, ident in enumerate(ids)}
            if ranked:
                shown.sort(key=lambda s: (_rank(s, folded_query, terms), newest[s.id]))
            else:
                shown.sort(key=lambda s: newest[s.id])
            hits = tuple(_hit(kind, s, terms) for s in shown[:limit])
            groups.append(Group(kind, hits, min(total, COUNTED), more=total > COUNTED))
    return Results(query, tuple(groups))
