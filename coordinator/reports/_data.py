"""Read-only look-ups the reports share, returning plain records (never ORM objects)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from coordinator.kinds import ActionStatus, CaseStatus, DocumentState, OrganisationKind
from coordinator.store.models import Action, ActionPause, Case, Contact, Document, Organisation
from coordinator.store.records import ContactRecord, OrganisationRecord
from coordinator.store.storage import Store

OPEN_CASE = (CaseStatus.OPEN, CaseStatus.ON_HOLD)
PENDING_ACTION = tuple(
    s for s in ActionStatus if s not in (ActionStatus.DONE, ActionStatus.CANCELLED)
)
# A paper at a department that the department still has to act on (or return).
PENDING_DOCUMENT = tuple(s for s in DocumentState if s != DocumentState.ACCEPTED)


def _whole_contacts() -> Select[Contact]:
    """Contacts with all that :meth:`ContactRecord.of` reads, loaded in one go."""
    return select(Contact).options(
        selectinload(Contact.phones),
        selectinload(Contact.handles),
        selectinload(Contact.organisation),
    )


def contacts(store: Store, ids: Iterable[int | None]) -> dict[int, ContactRecord]:
    """The contacts with these ids (unknown ones are left out), phones included."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    with store.read() as session:
        rows = session.scalars(_whole_contacts().where(Contact.id.in_(wanted)))
        return {c.id: ContactRecord.of(c) for c in rows}


def contact_of(people: dict[int, ContactRecord], contact_id: int | None) -> ContactRecord | None:
    """The contact ``contact_id`` among ``people``; None for no id or one not there."""
    return people.get(contact_id) if contact_id is not None else None


def contacts_of(store: Store, organisation_ids: Iterable[int]) -> dict[int, list[ContactRecord]]:
    """The people of each organisation, by name."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return {}
    found: dict[int, list[ContactRecord]] = {}
    with store.read() as session:
        rows = session.scalars(
            _whole_contacts()
            .where(Contact.organisation_id.in_(wanted))
            .order_by(Contact.name, Contact.id)
        )
        for c in rows:
            assert c.organisation_id is not None
            found.setdefault(c.organisation_id, []).append(ContactRecord.of(c))
    return found


def organisations(store: Store) -> dict[int, OrganisationRecord]:
    with store.read() as session:
        return {o.id: OrganisationRecord.of(o) for o in session.scalars(select(Organisation))}


@dataclass(frozen=True)
class PendingAction:
    """One step not done nor cancelled, of an open case, with what a call needs."""

    id: int
    case_id: int
    case_reference: str
    case_title: str
    company_name: str
    department_id: int
    department_name: str
    department_kind: OrganisationKind
    contact_id: int | None
    title: str
    status: ActionStatus
    requested_at: datetime | None
    due_at: datetime | None
    blocked_reason: str
    pauses: tuple[tuple[datetime, datetime | None], ...]


def pending_actions(store: Store) -> list[PendingAction]:
    """Every open step of every open case, by department, then due time."""
    with store.read() as session:
        rows = session.execute(
            select(
                Action.id,
                Action.case_id,
                Case.reference,
                Case.title,
                Case.company_id,
                Action.department_id,
                Organisation.name,
                Organisation.kind,
                Action.contact_id,
                Action.title,
                Action.status,
                Action.requested_at,
                Action.due_at,
                Action.blocked_reason,
            )
            .join(Case, Case.id == Action.case_id)
            .join(Organisation, Organisation.id == Action.department_id)
            .where(Action.status.in_(PENDING_ACTION), Case.status.in_(OPEN_CASE))
            .order_by(Organisation.name, Action.due_at.is_(None), Action.due_at, Action.id)
        ).all()
        ids = [r[0] for r in rows]
        pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
        if ids:
            for p in session.scalars(
                select(ActionPause)
                .where(ActionPause.action_id.in_(ids))
                .order_by(ActionPause.started_at)
            ):
                pauses.setdefault(p.action_id, []).append((p.started_at, p.ended_at))
        company_ids = {r[4] for r in rows if r[4] is not None}
        companies: dict[int, str] = {}
        if company_ids:
            for org_id, name in session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(company_ids))
            ):
                companies[org_id] = name
    return [
        PendingAction(
            id=r[0],
            case_id=r[1],
            case_reference=r[2],
            case_title=r[3],
            company_name=companies.get(r[4], "") if r[4] is not None else "",
            department_id=r[5],
            department_name=r[6],
            department_kind=r[7],
            contact_id=r[8],
            title=r[9],
            status=r[10],
            requested_at=r[11],
            due_at=r[12],
            blocked_reason=r[13],
            pauses=tuple(pauses.get(r[0], ())),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class HeldDocument:
    """A paper an organisation holds and has not accepted yet, of an open case."""

    id: int
    case_id: int
    case_reference: str
    company_name: str
    holder_id: int
    holder_name: str
    holder_kind: OrganisationKind
    title: str
    state: DocumentState
    since: datetime | None
    promised_completion_at: datetime | None
    missing_items: str
    return_reason: str


def held_documents(store: Store) -> list[HeldDocument]:
    """Documents of open cases held by an organisation (not the officer), not accepted."""
    with store.read() as session:
        rows = session.scalars(
            select(Document)
            .join(Case, Case.id == Document.case_id)
            .where(
                Document.holder_id.is_not(None),
                Document.state.in_(PENDING_DOCUMENT),
                Case.status.in_(OPEN_CASE),
            )
            .order_by(Document.holder_id, Document.id)
        ).all()
        case_ids = {d.case_id for d in rows}
        cases = {
            c.id: c
            for c in session.scalars(
                select(Case).where(Case.id.in_(case_ids)).options(selectinload(Case.company))
            )
        }
        holder_ids = {d.holder_id for d in rows if d.holder_id is not None}
        holders = {
            o.id: o
            for o in session.scalars(select(Organisation).where(Organisation.id.in_(holder_ids)))
        }
        result: list[HeldDocument] = []
        for d in rows:
            assert d.holder_id is not None
            case = cases[d.case_id]
            holder = holders[d.holder_id]
            stamps = [
                t
                for t in (
                    d.requested_at,
                    d.received_at,
                    d.forwarded_at,
                    d.accepted_at,
                    d.returned_at,
                    d.resubmitted_at,
                )
                if t is not None
            ]
            result.append(
                HeldDocument(
                    id=d.id,
                    case_id=d.case_id,
                    case_reference=case.reference,
                    company_name=case.company.name if case.company else "",
                    holder_id=holder.id,
                    holder_name=holder.name,
                    holder_kind=holder.kind,
                    title=d.title,
                    state=d.state,
                    since=max(stamps) if stamps else None,
                    promised_completion_at=d.promised_completion_at,
                    missing_items=d.missing_items,
                    return_reason=d.return_reason,
                )
            )
    return result


def first_phone(contact: ContactRecord | None) -> str:
    if contact is None or not contact.phones:
        return ""
    return contact.phones[0].raw  # as typed: an extension reads "0574-8375 3004 转 831"


def labelled_phones(contact: ContactRecord) -> tuple[str, ...]:
    """Every number of a contact with its label: ("手机 139…", "办公室 0574-… 转 890")."""
    return tuple(f"{p.label} {p.raw}".strip() for p in contact.phones)
