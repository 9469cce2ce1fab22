"""The contacts and organisations lists: which ids, in which order, and the rows of a window.

Like :mod:`coordinator.queries.communications`, a list screen holds only the ordered ids and
asks for the display rows of the few hundred it shows. Sorting and filtering are SQL:

* by name: the person's pinyin (``ix_contacts_pinyin``), so 王 sorts among the w's the way
  a Chinese reader expects, then the name itself and the id;
* by organisation: the organisation's pinyin, then the person's;
* by last contact: one ``max(at)`` per contact, which ``ix_communications_contact_at``
  answers with a single index seek each, so the order costs one seek per contact and
  never a scan of the communications.

Every order ends with the id in the same direction, so the same id list comes back each
time. The text search matches a name, its pinyin (spaces ignored) or the start of its
initials (“wcf”), the organisation's name or pinyin, the role, a messaging handle, and any
run of three or more digits of a phone number. Twenty thousand contacts scan in a few
milliseconds, so the search needs no full-text index (and so no SQLite-only SQL).

The smaller helpers (a contact's cases, an organisation's cases, which contacts a change
touched) serve the detail panes and their refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, String, func, literal, or_, select, union
from sqlalchemy.orm import Session, selectinload

from coordinator.kinds import CaseStatus, OrganisationKind
from coordinator.phones import normalise, search_digits, shown
from coordinator.queries.sql import (
    chunks,
    contains_any_case,
    count_where,
    id_list,
    ids_where_in,
)
from coordinator.search.filtering import holds
from coordinator.store.changes import ChangeKind
from coordinator.store.lookup import WHAT_CONTACT, get_or_raise
from coordinator.store.models import (
    Action,
    Case,
    Communication,
    Contact,
    Handle,
    Organisation,
    PhoneNumber,
)
from coordinator.store.records import ContactRecord, OrganisationRecord
from coordinator.store.storage import Store

SORT_NAME: Final = "name"
SORT_ORGANISATION: Final = "organisation"
SORT_LAST_CONTACT: Final = "last_contact"
SORT_KIND: Final = "kind"

CONTACT_SORTS: Final[tuple[str, ...]] = (SORT_NAME, SORT_ORGANISATION, SORT_LAST_CONTACT)
"""The sort keys :func:`contact_ids` understands."""

ORGANISATION_SORTS: Final[tuple[str, ...]] = (SORT_NAME, SORT_KIND)
"""The sort keys :func:`organisation_ids` understands."""

MIN_SEARCH_DIGITS = 3
"""Fewer digits than this match too many numbers to be worth a search."""


def _squeezed(column: Any) -> ColumnElement[str]:
    """A pinyin column without its spaces: “wangchengfeng”."""
    return func.replace(column, " ", "", type_=String)


def _initials_start(column: Any, term: str) -> ColumnElement[bool]:
    # Initials hold alternatives separated by spaces (“zxm cxm” for a surname with two
    # readings); the term must start one of them.
    return or_(
        column.startswith(term, autoescape=True),
        column.contains(" " + term, autoescape=True),
    )


# -- contacts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactFilter:
    """Which contacts the list shows; the default shows all of them.

    ``kind`` keeps the people of organisations of that kind; ``organisation_id`` the people
    of one organisation. ``text`` is the search box (see the module's docstring).
    """

    text: str = ""
    kind: OrganisationKind | None = None
    organisation_id: int | None = None


@dataclass(frozen=True)
class ContactRow:
    """What one line of the contacts list shows."""

    id: int
    name: str
    organisation_name: str
    organisation_kind: OrganisationKind | None
    role: str
    first_phone: str
    phone_count: int
    last_contact_at: datetime | None


def _contact_conditions(flt: ContactFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.organisation_id is not None:
        conditions.append(Contact.organisation_id == flt.organisation_id)
    if flt.kind is not None:
        conditions.append(
            Contact.organisation_id.in_(
                select(Organisation.id).where(Organisation.kind == flt.kind)
            )
        )
    term = flt.text.strip()
    if term:
        conditions.append(holds(ChangeKind.CONTACT, Contact.id, term, _contact_search(term)))
    return conditions


def _contact_search(term: str) -> ColumnElement[bool]:
    org_matches = [
        Organisation.name.contains(term, autoescape=True),
    ]
    matches: list[ColumnElement[bool]] = [
        Contact.name.contains(term, autoescape=True),
        Contact.role.contains(term, autoescape=True),
        Contact.id.in_(
            select(Handle.contact_id).where(Handle.handle.contains(term, autoescape=True))
        ),
    ]
    letters = term.lower().replace(" ", "")
    if letters.isascii() and letters.isalpha():
        matches.append(_squeezed(Contact.pinyin).contains(letters, autoescape=True))
        matches.append(_initials_start(Contact.initials, letters))
        org_matches.append(_squeezed(Organisation.pinyin).contains(letters, autoescape=True))
    matches.append(Contact.organisation_id.in_(select(Organisation.id).where(or_(*org_matches))))
    digits = search_digits(term)
    if len(digits) >= MIN_SEARCH_DIGITS:
        matches.append(
            Contact.id.in_(
                select(PhoneNumber.contact_id).where(
                    PhoneNumber.digits.contains(digits, autoescape=True)
                )
            )
        )
    return or_(*matches)


def _last_contact() -> Any:
    """The time of a contact's latest communication (an index seek per contact)."""
    return (
        select(func.max(Communication.at))
        .where(Communication.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )


def contact_ids_stmt(
    flt: ContactFilter = ContactFilter(),
    sort: str = SORT_NAME,
    descending: bool = False,
) -> Select[Any]:
    """The statement of :func:`contact_ids` (public so that tests can explain it)."""
    if sort not in CONTACT_SORTS:
        raise ValueError(f"unknown sort column {sort!r}")
    stmt = select(Contact.id).where(*_contact_conditions(flt))
    order: list[Any] = []
    if sort == SORT_ORGANISATION:
        stmt = stmt.outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        # People without an organisation read as "" so they come first ascending everywhere.
        org_key = func.coalesce(Organisation.pinyin, literal(""))
        order.append(org_key.desc() if descending else org_key.asc())
    elif sort == SORT_LAST_CONTACT:
        last = _last_contact()
        # Never-contacted people go last when the newest come first, and first otherwise,
        # on SQLite and PostgreSQL alike (they disagree about where NULL sorts).
        order.append(last.desc().nulls_last() if descending else last.asc().nulls_first())
    for key in (Contact.pinyin, Contact.name, Contact.id):
        order.append(key.desc() if descending else key.asc())
    return stmt.order_by(*order)


def contact_ids(
    store: Store,
    flt: ContactFilter = ContactFilter(),
    sort: str = SORT_NAME,
    descending: bool = False,
    limit: int | None = None,
) -> list[int]:
    """The ids of the matching contacts in list order; ``limit`` keeps the first ones."""
    with store.read() as session:
        return id_list(session, contact_ids_stmt(flt, sort, descending), limit)


def contact_count(store: Store, flt: ContactFilter = ContactFilter()) -> int:
    with store.read() as session:
        return count_where(session, Contact, _contact_conditions(flt))


def contact_rows(store: Store, ids: Sequence[int]) -> dict[int, ContactRow]:
    """The display rows of ``ids`` (a window of the list), keyed by id.

    Three statements per 500 ids: the contacts with their organisations, their numbers, and
    their latest communication; an id that no longer exists is missing from the result.
    """
    with store.read() as session:
        found: dict[int, ContactRow] = {}
        for chunk in chunks(ids):
            first_phone: dict[int, str] = {}
            phone_count: dict[int, int] = {}
            phones = (
                select(
                    PhoneNumber.contact_id,
                    PhoneNumber.raw,
                    PhoneNumber.e164,
                    PhoneNumber.extension,
                )
                .where(PhoneNumber.contact_id.in_(chunk))
                .order_by(PhoneNumber.contact_id, PhoneNumber.position, PhoneNumber.id)
            )
            for contact_id, raw, e164, extension in session.execute(phones):
                if contact_id not in first_phone:
                    first_phone[contact_id] = shown(raw, e164, extension)
                phone_count[contact_id] = phone_count.get(contact_id, 0) + 1
            last = dict(
                session.execute(
                    select(Communication.contact_id, func.max(Communication.at))
                    .where(Communication.contact_id.in_(chunk))
                    .group_by(Communication.contact_id)
                ).all()
            )
            stmt = (
                select(
                    Contact.id,
                    Contact.name,
                    Organisation.name,
                    Organisation.kind,
                    Contact.role,
                )
                .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
                .where(Contact.id.in_(chunk))
            )
            for ident, name, org_name, org_kind, role in session.execute(stmt):
                found[ident] = ContactRow(
                    id=ident,
                    name=name,
                    organisation_name=org_name or "",
                    organisation_kind=org_kind,
                    role=role,
                    first_phone=first_phone.get(ident, ""),
                    phone_count=phone_count.get(ident, 0),
                    last_contact_at=last.get(ident),
                )
        return found


# -- organisations -------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilter:
    """Which organisations the list shows; the default shows all of them."""

    text: str = ""
    kind: OrganisationKind | None = None


@dataclass(frozen=True)
class OrganisationRow:
    """What one line of the organisations list shows."""

    id: int
    name: str
    kind: OrganisationKind
    contact_count: int
    open_case_count: int  # open cases of which it is the company, or in which it owes a step


def _organisation_conditions(flt: OrganisationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.kind is not None:
        conditions.append(Organisation.kind == flt.kind)
    term = flt.text.strip()
    if term:
        matches: list[ColumnElement[bool]] = [Organisation.name.contains(term, autoescape=True)]
        letters = term.lower().replace(" ", "")
        if letters.isascii() and letters.isalpha():
            matches.append(_squeezed(Organisation.pinyin).contains(letters, autoescape=True))
            matches.append(_initials_start(Organisation.initials, letters))
        conditions.append(holds(ChangeKind.ORGANISATION, Organisation.id, term, or_(*matches)))
    return conditions


def organisation_ids_stmt(
    flt: OrganisationFilter = OrganisationFilter(),
    sort: str = SORT_NAME,
    descending: bool = False,
) -> Select[Any]:
    if sort not in ORGANISATION_SORTS:
        raise ValueError(f"unknown sort column {sort!r}")
    keys: list[Any] = [Organisation.kind] if sort == SORT_KIND else []
    keys += [Organisation.pinyin, Organisation.name, Organisation.id]
    return (
        select(Organisation.id)
        .where(*_organisation_conditions(flt))
        .order_by(*(k.desc() if descending else k.asc() for k in keys))
    )


def organisation_ids(
    store: Store,
    flt: OrganisationFilter = OrganisationFilter(),
    sort: str = SORT_NAME,
    descending: bool = False,
    limit: int | None = None,
) -> list[int]:
    with store.read() as session:
        return id_list(session, organisation_ids_stmt(flt, sort, descending), limit)


def organisation_count(store: Store, flt: OrganisationFilter = OrganisationFilter()) -> int:
    with store.read() as session:
        return count_where(session, Organisation, _organisation_conditions(flt))


_OPEN_STATUSES = (CaseStatus.OPEN,)


def organisation_rows(store: Store, ids: Sequence[int]) -> dict[int, OrganisationRow]:
    """The display rows of ``ids``: name, kind, how many people, how many open cases."""
    with store.read() as session:
        found: dict[int, OrganisationRow] = {}
        for chunk in chunks(ids):
            people = dict(
                session.execute(
                    select(Contact.organisation_id, func.count())
                    .where(Contact.organisation_id.in_(chunk))
                    .group_by(Contact.organisation_id)
                ).all()
            )
            # A case counts once per organisation, whether it is the company or owes a step.
            involved = union(
                select(Case.company_id.label("org"), Case.id.label("case")).where(
                    Case.company_id.in_(chunk), Case.status.in_(_OPEN_STATUSES)
                ),
                select(Action.department_id, Action.case_id)
                .join(Case, Case.id == Action.case_id)
                .where(Action.department_id.in_(chunk), Case.status.in_(_OPEN_STATUSES)),
            ).subquery()
            open_cases: dict[int, int] = dict(
                session.execute(select(involved.c.org, func.count()).group_by(involved.c.org)).all()
            )
            stmt = select(Organisation.id, Organisation.name, Organisation.kind).where(
                Organisation.id.in_(chunk)
            )
            for ident, name, kind in session.execute(stmt):
                found[ident] = OrganisationRow(
                    id=ident,
                    name=name,
                    kind=kind,
                    contact_count=int(people.get(ident, 0)),
                    open_case_count=int(open_cases.get(ident, 0)),
                )
        return found


def organisation_record(store: Store, organisation_id: int) -> OrganisationRecord | None:
    """The organisation as the services hand it out, or None if it does not exist."""
    with store.read() as session:
        org = session.get(Organisation, organisation_id)
        return None if org is None else OrganisationRecord.of(org)


def organisation_choices(store: Store) -> list[tuple[int, str]]:
    """Every organisation as (id, name), in pinyin order: the choices of a form's field."""
    with store.read() as session:
        stmt = select(Organisation.id, Organisation.name).order_by(
            Organisation.pinyin, Organisation.name, Organisation.id
        )
        return [(ident, name) for ident, name in session.execute(stmt)]


# -- the detail panes ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLine:
    """One case in a contact's or an organisation's list of cases."""

    id: int
    reference: str
    title: str
    company_name: str
    status: CaseStatus
    opened_at: datetime


CASES_SHOWN = 500
"""A detail pane lists this many cases at most, newest first (years of a bank's cases)."""


def _case_lines(session: Session, case_ids: set[int]) -> list[CaseLine]:
    lines: list[CaseLine] = []
    for chunk in chunks(case_ids):
        stmt = (
            select(
                Case.id, Case.reference, Case.title, Organisation.name, Case.status, Case.opened_at
            )
            .outerjoin(Organisation, Organisation.id == Case.company_id)
            .where(Case.id.in_(chunk))
        )
        lines += [
            CaseLine(ident, reference, title, company or "", status, opened)
            for ident, reference, title, company, status, opened in session.execute(stmt)
        ]
    lines.sort(key=lambda line: (line.opened_at, line.id), reverse=True)
    return lines[:CASES_SHOWN]


def cases_of_contact(store: Store, contact_id: int) -> list[CaseLine]:
    """Cases where the person is responsible for a step, or their organisation is the company."""
    with store.read() as session:
        org_id = session.scalar(select(Contact.organisation_id).where(Contact.id == contact_id))
        # Two index lookups, then the cases by id: an OR across the two would scan every case.
        ids = set(session.scalars(select(Action.case_id).where(Action.contact_id == contact_id)))
        if org_id is not None:
            ids.update(session.scalars(select(Case.id).where(Case.company_id == org_id)))
        return _case_lines(session, ids)


def cases_of_organisation(store: Store, organisation_id: int) -> list[CaseLine]:
    """Cases where the organisation is the company, or owes a step as a department."""
    with store.read() as session:
        ids = set(session.scalars(select(Case.id).where(Case.company_id == organisation_id)))
        ids.update(
            session.scalars(select(Action.case_id).where(Action.department_id == organisation_id))
        )
        return _case_lines(session, ids)


@dataclass(frozen=True)
class ContactReferences:
    """What points at a contact: it loses the link (not the record) when they are deleted."""

    communications: int
    actions: int


def contact_references(store: Store, contact_id: int) -> ContactReferences:
    with store.read() as session:
        comms = session.scalar(
            select(func.count())
            .select_from(Communication)
            .where(Communication.contact_id == contact_id)
        )
        steps = session.scalar(
            select(func.count()).select_from(Action).where(Action.contact_id == contact_id)
        )
        return ContactReferences(int(comms or 0), int(steps or 0))


# -- who a change touched ------------------------------------------------------------------


def contacts_of_organisations(store: Store, organisation_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(session, Contact.id, Contact.organisation_id, organisation_ids)


def contacts_of_communications(store: Store, communication_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(
            session,
            Communication.contact_id,
            Communication.id,
            communication_ids,
            Communication.contact_id.is_not(None),
        )


def organisations_of_contacts(store: Store, contact_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(
            session,
            Contact.organisation_id,
            Contact.id,
            contact_ids,
            Contact.organisation_id.is_not(None),
        )


def organisations_of_cases(store: Store, case_ids: Iterable[int]) -> set[int]:
    """The companies of these cases and the departments that owe them a step."""
    wanted = list(case_ids)
    with store.read() as session:
        companies = ids_where_in(
            session, Case.company_id, Case.id, wanted, Case.company_id.is_not(None)
        )
        return companies | ids_where_in(session, Action.department_id, Action.case_id, wanted)


def organisations_of_actions(store: Store, action_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(session, Action.department_id, Action.id, action_ids)


def existing_contacts(store: Store, contact_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(session, Contact.id, Contact.id, contact_ids)


def existing_organisations(store: Store, organisation_ids: Iterable[int]) -> set[int]:
    with store.read() as session:
        return ids_where_in(session, Organisation.id, Organisation.id, organisation_ids)


def get(store: Store, contact_id: int) -> ContactRecord:
    with store.read() as session:
        contact = get_or_raise(session, Contact, contact_id, WHAT_CONTACT)
        return ContactRecord.of(contact)


def find_by_number(store: Store, raw: str) -> list[ContactRecord]:
    """Contacts owning exactly this number (any typing of it); empty if none."""
    number = normalise(raw)
    with store.read() as session:
        query = (
            select(Contact)
            .join(PhoneNumber)
            .where(PhoneNumber.e164 == number.e164)
            .options(selectinload(Contact.phones), selectinload(Contact.handles))
            .order_by(Contact.name, Contact.id)
            .distinct()
        )
        return [ContactRecord.of(c) for c in session.scalars(query)]


def search(store: Store, text: str, limit: int = 50) -> list[ContactRecord]:
    """By name, pinyin, pinyin initials (“wcf”) or any run of digits of a number."""
    term = text.strip()
    if not term:
        return []
    conditions = [contains_any_case(Contact.name, term)]
    lowered = term.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        conditions.append(Contact.initials.like(f"{lowered}%"))
        conditions.append(Contact.initials.like(f"% {lowered}%"))
        conditions.append(func.replace(Contact.pinyin, " ", "").like(f"{lowered}%"))
    digits = search_digits(term)
    if len(digits) >= 3:
        conditions.append(
            Contact.id.in_(
                select(PhoneNumber.contact_id).where(PhoneNumber.digits.like(f"%{digits}%"))
            )
        )
    with store.read() as session:
        query = (
            select(Contact)
            .where(or_(*conditions))
            .options(selectinload(Contact.phones), selectinload(Contact.handles))
            .order_by(Contact.name, Contact.id)
            .limit(limit)
        )
        return [ContactRecord.of(c) for c in session.scalars(query)]


def organisations(
    store: Store, kind: OrganisationKind | None = None, text: str = ""
) -> list[OrganisationRecord]:
    with store.read() as session:
        query = select(Organisation).order_by(Organisation.name)
        if kind is not None:
            query = query.where(Organisation.kind == kind)
        term = text.strip()
        if term:
            lowered = term.lower()
            query = query.where(
                or_(
                    contains_any_case(Organisation.name, term),
                    Organisation.pinyin.contains(lowered, autoescape=True),
                    func.replace(Organisation.pinyin, " ", "").contains(
                        lowered.replace(" ", ""), autoescape=True
                    ),
                    Organisation.initials.contains(lowered, autoescape=True),
                )
            )
        return [OrganisationRecord.of(o) for o in session.scalars(query)]
