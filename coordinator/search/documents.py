"""What each kind of record says to the index: the text it can be found by.

A case: its reference, title, company, tags and notes. A contact: name (with its pinyin
and initials), role, organisation (with its pinyin), every number as typed and as
digits, messaging handles, notes. An organisation: name, pinyin, initials, notes. A
communication: its notes and the number as typed. A document: title, notes, what is
missing, why it was returned. A step: title, notes, why it is blocked.

A case holds its company's name and a contact its organisation's, so when an
organisation changes, :func:`dependants` names the cases and contacts to write again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from coordinator.search.text import Tokens
from coordinator.store.changes import ChangeKind
from coordinator.store.models import (
    Action,
    Case,
    CaseTag,
    Communication,
    Contact,
    Document,
    Handle,
    Organisation,
    PhoneNumber,
)


def _pinyin_words(pinyin: str, initials: str) -> list[str]:
    """The syllables, the name's whole pinyin, and each reading's initials."""
    return [*pinyin.split(), pinyin.replace(" ", ""), *initials.split()]


def _tokens(*texts: str | None, words: Iterable[str] = (), numbers: Iterable[str] = ()) -> Tokens:
    tokens = Tokens()
    for value in texts:
        if value:
            tokens.add_text(value)
    tokens.add_words(words)
    for number in numbers:
        tokens.add_number(number)
    return tokens


def _cases(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    tags: dict[int, list[str]] = {}
    for case_id, tag in conn.execute(
        select(CaseTag.case_id, CaseTag.tag).where(CaseTag.case_id.in_(ids))
    ):
        tags.setdefault(case_id, []).append(tag)
    stmt = (
        select(Case.id, Case.reference, Case.title, Organisation.name, Case.notes)
        .outerjoin(Organisation, Organisation.id == Case.company_id)
        .where(Case.id.in_(ids))
    )
    return {
        ident: _tokens(reference, title, company, notes, *tags.get(ident, ()))
        for ident, reference, title, company, notes in conn.execute(stmt)
    }


def _contacts(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    numbers: dict[int, list[str]] = {}
    for contact_id, raw, digits, e164 in conn.execute(
        select(PhoneNumber.contact_id, PhoneNumber.raw, PhoneNumber.digits, PhoneNumber.e164).where(
            PhoneNumber.contact_id.in_(ids)
        )
    ):
        numbers.setdefault(contact_id, []).extend((raw, digits, e164))
    handles: dict[int, list[str]] = {}
    for contact_id, handle in conn.execute(
        select(Handle.contact_id, Handle.handle).where(Handle.contact_id.in_(ids))
    ):
        handles.setdefault(contact_id, []).append(handle)
    stmt = (
        select(
            Contact.id,
            Contact.name,
            Contact.role,
            Contact.notes,
            Contact.pinyin,
            Contact.initials,
            Organisation.name,
            Organisation.pinyin,
        )
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .where(Contact.id.in_(ids))
    )
    found = {}
    for ident, name, role, notes, pinyin, initials, org, org_pinyin in conn.execute(stmt):
        words = _pinyin_words(pinyin, initials)
        if org_pinyin:
            words += [*org_pinyin.split(), org_pinyin.replace(" ", "")]
        found[ident] = _tokens(
            name,
            role,
            notes,
            org,
            *handles.get(ident, ()),
            words=words,
            numbers=numbers.get(ident, ()),
        )
    return found


def _organisations(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    stmt = select(
        Organisation.id,
        Organisation.name,
        Organisation.notes,
        Organisation.pinyin,
        Organisation.initials,
    ).where(Organisation.id.in_(ids))
    return {
        ident: _tokens(name, notes, words=_pinyin_words(pinyin, initials))
        for ident, name, notes, pinyin, initials in conn.execute(stmt)
    }


def _communications(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    stmt = select(Communication.id, Communication.notes, Communication.raw_number).where(
        Communication.id.in_(ids)
    )
    return {ident: _tokens(notes, numbers=(number,)) for ident, notes, number in conn.execute(stmt)}


def _documents(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    stmt = select(
        Document.id, Document.title, Document.notes, Document.missing_items, Document.return_reason
    ).where(Document.id.in_(ids))
    return {ident: _tokens(*texts) for ident, *texts in conn.execute(stmt)}


def _actions(conn: Connection, ids: Sequence[int]) -> dict[int, Tokens]:
    stmt = select(Action.id, Action.title, Action.notes, Action.blocked_reason).where(
        Action.id.in_(ids)
    )
    return {ident: _tokens(*texts) for ident, *texts in conn.execute(stmt)}


READERS: Final[Mapping[ChangeKind, Callable[[Connection, Sequence[int]], dict[int, Tokens]]]] = {
    ChangeKind.CASE: _cases,
    ChangeKind.CONTACT: _contacts,
    ChangeKind.ORGANISATION: _organisations,
    ChangeKind.COMMUNICATION: _communications,
    ChangeKind.DOCUMENT: _documents,
    ChangeKind.ACTION: _actions,
}

TABLES: Final[Mapping[ChangeKind, Any]] = {
    ChangeKind.CASE: Case,
    ChangeKind.CONTACT: Contact,
    ChangeKind.ORGANISATION: Organisation,
    ChangeKind.COMMUNICATION: Communication,
    ChangeKind.DOCUMENT: Document,
    ChangeKind.ACTION: Action,
}


def tokens(session: Session, kind: ChangeKind, ids: Sequence[int]) -> dict[int, Tokens | None]:
    """The tokens of each record; None for an id that no longer exists."""
    found: dict[int, Tokens | None] = dict.fromkeys(ids)
    # Core reads on the session's connection: the rows are plain tuples, and the ORM's
    # machinery would double the cost of following a save.
    found.update(READERS[kind](session.connection(), ids))
    return found


def dependants(session: Session, organisation_ids: Sequence[int]) -> dict[ChangeKind, set[int]]:
    """The cases and contacts whose text holds these organisations' names."""
    return {
        ChangeKind.CASE: set(
            session.scalars(select(Case.id).where(Case.company_id.in_(organisation_ids)))
        ),
        ChangeKind.CONTACT: set(
            session.scalars(select(Contact.id).where(Contact.organisation_id.in_(organisation_ids)))
        ),
    }
