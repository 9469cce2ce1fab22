"""Plain, frozen copies of stored records: what services hand to the UI and CLI.

No ORM object leaves a service; screens and commands get these instead, which are
safe to keep after the session is gone and cheap to compare.

A record that two officers may edit carries the ``row_version`` it was read at: a form
hands it back with its edit (``expected_version``), and the service refuses the edit
when a colleague has saved the record since. It is left out of comparisons: two copies
saying the same thing are equal whichever save they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)
from coordinator.store.models import (
    Action,
    Case,
    Communication,
    Contact,
    Document,
    DocumentFile,
    Organisation,
)


@dataclass(frozen=True)
class OrganisationRecord:
    id: int
    name: str
    kind: OrganisationKind
    notes: str
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, org: Organisation) -> OrganisationRecord:
        return cls(org.id, org.name, org.kind, org.notes, org.row_version)


@dataclass(frozen=True)
class PhoneRecord:
    id: int
    raw: str
    e164: str
    extension: str
    label: str


@dataclass(frozen=True)
class ContactRecord:
    id: int
    name: str
    organisation_id: int | None
    organisation_name: str
    role: str
    pinyin: str
    initials: str
    notes: str
    phones: tuple[PhoneRecord, ...]
    handles: tuple[tuple[Channel, str], ...]
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, contact: Contact) -> ContactRecord:
        return cls(
            id=contact.id,
            name=contact.name,
            organisation_id=contact.organisation_id,
            organisation_name=contact.organisation.name if contact.organisation else "",
            role=contact.role,
            pinyin=contact.pinyin,
            initials=contact.initials,
            notes=contact.notes,
            phones=tuple(
                PhoneRecord(p.id, p.raw, p.e164, p.extension, p.label) for p in contact.phones
            ),
            handles=tuple((h.channel, h.handle) for h in contact.handles),
            row_version=contact.row_version,
        )


def amount_from_minor(minor: int | None) -> Decimal | None:
    return None if minor is None else Decimal(minor) / 100


@dataclass(frozen=True)
class CaseRecord:
    id: int
    reference: str
    title: str
    company_id: int | None
    company_name: str
    kind: str
    fast_track: bool
    status: CaseStatus
    owner: str
    opened_at: datetime
    target_at: datetime | None
    closed_at: datetime | None
    close_reason: str
    normal_duration_hours: float | None
    amount: Decimal | None
    currency: str
    notes: str
    tags: tuple[str, ...]
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, case: Case) -> CaseRecord:
        return cls(
            id=case.id,
            reference=case.reference,
            title=case.title,
            company_id=case.company_id,
            company_name=case.company.name if case.company else "",
            kind=case.kind,
            fast_track=case.fast_track,
            status=case.status,
            owner=case.owner,
            opened_at=case.opened_at,
            target_at=case.target_at,
            closed_at=case.closed_at,
            close_reason=case.close_reason,
            normal_duration_hours=case.normal_duration_hours,
            amount=amount_from_minor(case.amount_minor),
            currency=case.currency,
            notes=case.notes,
            tags=tuple(sorted(t.tag for t in case.tags)),  # as the database orders them
            row_version=case.row_version,
        )


@dataclass(frozen=True)
class CommunicationRecord:
    id: int
    at: datetime
    duration_seconds: int
    direction: Direction
    channel: Channel
    contact_id: int | None
    raw_number: str
    number_e164: str
    case_id: int | None
    notes: str
    follow_up_due: datetime | None
    follow_up_done_at: datetime | None
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, c: Communication) -> CommunicationRecord:
        return cls(
            c.id,
            c.at,
            c.duration_seconds,
            c.direction,
            c.channel,
            c.contact_id,
            c.raw_number,
            c.number_e164,
            c.case_id,
            c.notes,
            c.follow_up_due,
            c.follow_up_done_at,
            c.row_version,
        )


@dataclass(frozen=True)
class FileRecord:
    id: int
    sha256: str
    size: int
    media_type: str
    original_name: str
    version: int
    added_at: datetime

    @classmethod
    def of(cls, f: DocumentFile) -> FileRecord:
        return cls(f.id, f.sha256, f.size, f.media_type, f.original_name, f.version, f.added_at)


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    case_id: int
    title: str
    required: bool
    state: DocumentState
    source_id: int | None
    destination_id: int | None
    holder_id: int | None  # None: the officer holds it
    is_original: bool
    stamped: bool
    version: int
    requested_at: datetime | None
    received_at: datetime | None
    forwarded_at: datetime | None
    accepted_at: datetime | None
    returned_at: datetime | None
    resubmitted_at: datetime | None
    return_reason: str
    missing_items: str
    promised_completion_at: datetime | None
    notes: str
    files: tuple[FileRecord, ...]
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, d: Document) -> DocumentRecord:
        return cls(
            d.id,
            d.case_id,
            d.title,
            d.required,
            d.state,
            d.source_id,
            d.destination_id,
            d.holder_id,
            d.is_original,
            d.stamped,
            d.version,
            d.requested_at,
            d.received_at,
            d.forwarded_at,
            d.accepted_at,
            d.returned_at,
            d.resubmitted_at,
            d.return_reason,
            d.missing_items,
            d.promised_completion_at,
            d.notes,
            tuple(FileRecord.of(f) for f in d.files),
            d.row_version,
        )


@dataclass(frozen=True)
class ActionRecord:
    id: int
    case_id: int
    department_id: int
    department_name: str
    contact_id: int | None
    title: str
    status: ActionStatus
    requested_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None
    blocked_reason: str
    statutory_limit_hours: float | None
    promised_limit_hours: float | None
    normal_duration_hours: float | None
    notes: str
    depends_on: tuple[int, ...]
    pauses: tuple[tuple[datetime, datetime | None], ...]
    owner: str = ""
    """The officer who chases the step (by default its case's owner)."""
    row_version: int = field(default=0, compare=False)

    @classmethod
    def of(cls, a: Action, depends_on: tuple[int, ...]) -> ActionRecord:
        return cls(
            a.id,
            a.case_id,
            a.department_id,
            a.department.name,
            a.contact_id,
            a.title,
            a.status,
            a.requested_at,
            a.due_at,
            a.done_at,
            a.blocked_reason,
            a.statutory_limit_hours,
            a.promised_limit_hours,
            a.normal_duration_hours,
            a.notes,
            depends_on,
            tuple((p.started_at, p.ended_at) for p in a.pauses),
            a.owner,
            a.row_version,
        )


@dataclass(frozen=True)
class AmountRecord:
    id: int
    case_id: int
    indicator: Indicator
    amount: Decimal
    currency: str
    counted_on: date
    note: str
