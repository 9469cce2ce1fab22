"""Contacts: people at organisations, their phone numbers and messaging handles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.errors import ConflictError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import Channel, OrganisationKind
from coordinator.labels import F_HANDLE, F_LABEL, F_NAME, F_NOTES, F_ROLE
from coordinator.names import name_keys
from coordinator.phones import normalise
from coordinator.services import organisations
from coordinator.services._common import (
    KEEP,
    Unchanged,
    check_version,
    flush_checked,
    own_id,
    set_field,
    touch,
)
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_CONTACT, WHAT_ORGANISATION, get_or_raise
from coordinator.store.models import (
    NAME_MAX,
    NOTE_MAX,
    Action,
    Communication,
    Contact,
    Handle,
    Organisation,
    PhoneNumber,
)
from coordinator.store.records import ContactRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import clean_text

ENTITY = "contact"
PhoneInput = str | tuple[str, str]  # "138..." or ("138...", "mobile")
MAX_PHONES = 10


def _channel(value: Channel | str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not a known channel."), value=value) from None


def _load(work: Work, contact_id: int) -> Contact:
    return get_or_raise(work.session, Contact, contact_id, WHAT_CONTACT)


def _add_phone(work: Work, contact: Contact, phone: PhoneInput) -> PhoneNumber:
    raw, label = (phone, "") if isinstance(phone, str) else phone
    number = normalise(raw)
    if any(p.e164 == number.e164 and p.extension == number.extension for p in contact.phones):
        raise ConflictError(
            N_("{name} already has the number {number}."), name=contact.name, number=number.raw
        )
    if len(contact.phones) >= MAX_PHONES:
        raise ValidationError(
            N_("A contact can have at most {limit} phone numbers."), limit=MAX_PHONES
        )
    row = PhoneNumber(
        raw=number.raw,
        e164=number.e164,
        extension=number.extension,
        digits=number.digits,
        label=clean_text(label, F_LABEL, max_length=40),
        position=len(contact.phones),
    )
    contact.phones.append(row)
    work.record(ENTITY, contact.id, "phone", None, number.raw)
    return row


def _set_handle(work: Work, contact: Contact, channel: Channel | str, handle: str) -> None:
    chan = _channel(channel)
    text = clean_text(handle, F_HANDLE, max_length=NAME_MAX, required=True)
    clash = work.session.scalar(select(Handle).where(Handle.channel == chan, Handle.handle == text))
    if clash is not None and clash.contact_id != contact.id:
        raise ConflictError(
            N_("The handle “{handle}” already belongs to another contact."), handle=text
        )
    existing = next((h for h in contact.handles if h.channel == chan), None)
    if existing is None:
        contact.handles.append(Handle(channel=chan, handle=text))
        work.record(ENTITY, contact.id, f"handle:{chan.value}", None, text)
    elif existing.handle != text:
        work.record(ENTITY, contact.id, f"handle:{chan.value}", existing.handle, text)
        existing.handle = text


def add_phone_in(work: Work, contact: Contact, phone: PhoneInput) -> PhoneNumber:
    """Add a number inside an existing unit of work (used by the contacts import)."""
    row = _add_phone(work, contact, phone)
    touch(work, contact)
    work.changed(ChangeKind.CONTACT, contact.id)
    return row


def set_handle_in(work: Work, contact: Contact, channel: Channel | str, handle: str) -> None:
    """Set a messaging handle inside an existing unit of work."""
    _set_handle(work, contact, channel, handle)
    touch(work, contact)
    work.changed(ChangeKind.CONTACT, contact.id)


def create(
    store: Store,
    name: str,
    *,
    organisation_id: int | None = None,
    role: str = "",
    phones: Sequence[PhoneInput] = (),
    handles: Iterable[tuple[Channel | str, str]] = (),
    notes: str = "",
) -> Outcome[ContactRecord]:
    with store.work() as work:
        contact = create_in(
            work,
            name,
            organisation_id=organisation_id,
            role=role,
            phones=phones,
            handles=handles,
            notes=notes,
        )
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def create_at_organisation(
    store: Store,
    name: str,
    *,
    organisation: str = "",
    organisation_kind: OrganisationKind = OrganisationKind.COMPANY,
    role: str = "",
    number: str = "",
) -> Outcome[ContactRecord]:
    """A new contact, their number and (when it is new) their organisation, by its name:
    all or nothing, so a refused number or name never leaves behind an organisation that
    nobody asked for."""
    org_name = organisation.strip()
    with store.work() as work:
        org_id = None
        if org_name:
            org_id = organisations.find_or_create_in(work, org_name, organisation_kind).id
        contact = create_in(
            work,
            name,
            organisation_id=org_id,
            role=role,
            phones=[number.strip()] if number.strip() else [],
        )
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def create_in(
    work: Work,
    name: str,
    *,
    organisation_id: int | None = None,
    role: str = "",
    phones: Sequence[PhoneInput] = (),
    handles: Iterable[tuple[Channel | str, str]] = (),
    notes: str = "",
) -> Contact:
    clean = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
    if organisation_id is not None:
        get_or_raise(work.session, Organisation, organisation_id, WHAT_ORGANISATION)
    keys = name_keys(clean)
    contact = Contact(
        name=clean,
        organisation_id=organisation_id,
        role=clean_text(role, F_ROLE, max_length=NAME_MAX),
        pinyin=keys.pinyin,
        initials=keys.initials,
        notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
        created_at=work.now,
        updated_at=work.now,
    )
    work.session.add(contact)
    work.session.flush()
    work.record(ENTITY, contact.id, "created", None, clean)
    for phone in phones:
        _add_phone(work, contact, phone)
    for channel, handle in handles:
        _set_handle(work, contact, channel, handle)
    work.session.flush()
    work.changed(ChangeKind.CONTACT, contact.id)
    return contact


def update(
    store: Store,
    contact_id: int,
    *,
    name: str | None = None,
    organisation_id: int | Unchanged | None = KEEP,
    role: str | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
    undoing: bool = False,
) -> Outcome[ContactRecord]:
    """Change the fields given; ``organisation_id=None`` detaches from any organisation.

    ``expected_version``: the version the officer's form was filled from; refused with
    who changed what when a colleague has saved the contact since.
    ``undoing``: this puts back an earlier edit, and the timeline says so.
    """
    with store.work() as work:
        contact = _load(work, contact_id)
        check_version(work, ENTITY, contact, expected_version)

        def put(field: str, value: object) -> bool:
            return set_field(
                work, contact, field, value, entity=ENTITY, entity_id=contact.id, case_id=None
            )

        changed = False
        if name is not None:
            clean = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
            if put("name", clean):
                keys = name_keys(clean)
                contact.pinyin, contact.initials = keys.pinyin, keys.initials
                changed = True
        if not isinstance(organisation_id, Unchanged):
            if organisation_id is not None:
                get_or_raise(work.session, Organisation, organisation_id, WHAT_ORGANISATION)
            changed |= put("organisation_id", organisation_id)
        if role is not None:
            changed |= put("role", clean_text(role, F_ROLE, max_length=NAME_MAX))
        if notes is not None:
            changed |= put("notes", clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True))
        if undoing:
            work.record(ENTITY, contact.id, "undone", None, None, case_id=None)
            changed = True
        if changed:
            touch(work, contact)
            work.changed(ChangeKind.CONTACT, contact.id)
        flush_checked(work, ENTITY, contact, expected_version)
        work.session.refresh(contact)
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def add_phone(store: Store, contact_id: int, raw: str, label: str = "") -> Outcome[ContactRecord]:
    with store.work() as work:
        contact = _load(work, contact_id)
        _add_phone(work, contact, (raw, label))
        touch(work, contact)
        work.changed(ChangeKind.CONTACT, contact.id)
        work.session.flush()
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def remove_phone(store: Store, contact_id: int, phone_id: int) -> Outcome[ContactRecord]:
    with store.work() as work:
        contact = _load(work, contact_id)
        phone = next((p for p in contact.phones if p.id == phone_id), None)
        if phone is None:
            raise ValidationError(N_("That number is not one of this contact's numbers."))
        contact.phones.remove(phone)
        work.record(ENTITY, contact.id, "phone", phone.raw, None)
        touch(work, contact)
        work.changed(ChangeKind.CONTACT, contact.id)
        work.session.flush()
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def set_handle(
    store: Store, contact_id: int, channel: Channel | str, handle: str
) -> Outcome[ContactRecord]:
    with store.work() as work:
        contact = _load(work, contact_id)
        _set_handle(work, contact, channel, handle)
        touch(work, contact)
        work.changed(ChangeKind.CONTACT, contact.id)
        work.session.flush()
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


def remove_handle(store: Store, contact_id: int, channel: Channel | str) -> Outcome[ContactRecord]:
    """The contact's handle on ``channel`` removed (none there: nothing changes)."""
    with store.work() as work:
        contact = _load(work, contact_id)
        chan = _channel(channel)
        existing = next((h for h in contact.handles if h.channel == chan), None)
        if existing is not None:
            work.record(ENTITY, contact.id, f"handle:{chan.value}", existing.handle, None)
            contact.handles.remove(existing)
            touch(work, contact)
            work.changed(ChangeKind.CONTACT, contact.id)
        work.session.flush()
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)


@dataclass(frozen=True)
class DeletedContact:
    """A deleted contact as they were, with what named them: what :func:`restore` puts
    back."""

    record: ContactRecord
    created_at: datetime
    phones: tuple[tuple[int, str, str, str, str, str, int], ...]
    """Each number's id, raw, e164, extension, digits, label and position."""
    communications: tuple[int, ...]
    """The communications that named them (the database dropped the link with them)."""
    steps: tuple[int, ...]
    """The steps they were the contact of, likewise."""


def delete(store: Store, contact_id: int) -> Outcome[DeletedContact]:
    """Delete a contact; their communications keep the raw number and lose the link."""
    with store.work() as work:
        contact = _load(work, contact_id)
        deleted = DeletedContact(
            ContactRecord.of(contact),
            contact.created_at,
            tuple(
                (p.id, p.raw, p.e164, p.extension, p.digits, p.label, p.position)
                for p in contact.phones
            ),
            tuple(
                work.session.scalars(
                    select(Communication.id)
                    .where(Communication.contact_id == contact.id)
                    .order_by(Communication.id)
                )
            ),
            tuple(
                work.session.scalars(
                    select(Action.id).where(Action.contact_id == contact.id).order_by(Action.id)
                )
            ),
        )
        work.record(ENTITY, contact.id, "deleted", contact.name, None)
        work.session.delete(contact)
        work.changed(ChangeKind.CONTACT, contact_id)
        work.changed(ChangeKind.COMMUNICATION)
    return Outcome(deleted, work.changes)


def restore(store: Store, deleted: DeletedContact) -> Outcome[ContactRecord]:
    """Put a deleted contact back (under their own id: :func:`own_id`), with their
    numbers and handles, at their organisation, named again by the communications and
    steps that named them.

    What changed since is left as it is: an organisation deleted since, a handle another
    contact took meanwhile, a communication or step since linked to someone else.
    """
    person = deleted.record
    with store.work() as work:
        organisation_id = person.organisation_id
        if organisation_id is not None and work.session.get(Organisation, organisation_id) is None:
            organisation_id = None
        contact = Contact(
            id=own_id(work, Contact, person.id),
            name=person.name,
            organisation_id=organisation_id,
            role=person.role,
            pinyin=person.pinyin,
            initials=person.initials,
            notes=person.notes,
            created_at=deleted.created_at,
            updated_at=work.now,
        )
        for ident, raw, e164, extension, digits, label, position in deleted.phones:
            contact.phones.append(
                PhoneNumber(
                    id=own_id(work, PhoneNumber, ident),
                    raw=raw,
                    e164=e164,
                    extension=extension,
                    digits=digits,
                    label=label,
                    position=position,
                )
            )
        taken = {
            (h.channel, h.handle)
            for h in work.session.scalars(
                select(Handle).where(Handle.handle.in_([h for _c, h in person.handles]))
            )
        }
        for channel, handle in person.handles:
            if (channel, handle) not in taken:
                contact.handles.append(Handle(channel=channel, handle=handle))
        work.session.add(contact)
        work.session.flush()
        work.record(ENTITY, contact.id, "restored", None, contact.name)
        for row in work.session.scalars(
            select(Communication).where(
                Communication.id.in_(deleted.communications), Communication.contact_id.is_(None)
            )
        ):
            row.contact_id = contact.id
            work.changed(ChangeKind.COMMUNICATION, row.id)
        for step in work.session.scalars(
            select(Action).where(Action.id.in_(deleted.steps), Action.contact_id.is_(None))
        ):
            step.contact_id = contact.id
            touch(work, step)
            work.changed(ChangeKind.ACTION, step.id)
        work.changed(ChangeKind.CONTACT, contact.id)
        work.session.flush()
        work.session.refresh(contact)
        record = ContactRecord.of(contact)
    return Outcome(record, work.changes)
