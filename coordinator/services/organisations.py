"""Organisations: companies, departments, banks, parks, funds, other districts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from coordinator.errors import ConflictError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import OrganisationKind
from coordinator.labels import F_NAME, F_NOTES, ORGANISATION_KIND
from coordinator.names import name_keys
from coordinator.services._common import check_version, flush_checked, own_id, set_field, touch
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_ORGANISATION, get_or_raise
from coordinator.store.models import (
    NAME_MAX,
    NOTE_MAX,
    Action,
    Case,
    Contact,
    Document,
    Organisation,
)
from coordinator.store.records import OrganisationRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import clean_text

ENTITY = "organisation"


def _kind(value: OrganisationKind | str) -> OrganisationKind:
    try:
        return OrganisationKind(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not a kind of organisation."), value=value) from None


def _ensure_unique_name(work: Work, name: str, exclude_id: int | None = None) -> None:
    query = select(Organisation.id).where(Organisation.name == name)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if work.session.scalar(query) is not None:
        raise ConflictError(N_("An organisation named “{name}” already exists."), name=name)


def create_in(work: Work, name: str, kind: OrganisationKind | str, notes: str = "") -> Organisation:
    """Create inside an existing unit of work (used by other services)."""
    clean = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
    _ensure_unique_name(work, clean)
    keys = name_keys(clean, person=False)
    org = Organisation(
        name=clean,
        kind=_kind(kind),
        pinyin=keys.pinyin,
        initials=keys.initials,
        notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
        created_at=work.now,
        updated_at=work.now,
    )
    work.session.add(org)
    work.session.flush()
    work.record(ENTITY, org.id, "created", None, f"{org.name} ({org.kind.value})")
    work.changed(ChangeKind.ORGANISATION, org.id)
    return org


def find_or_create_in(work: Work, name: str, kind: OrganisationKind | str) -> Organisation:
    clean = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
    existing = work.session.scalar(select(Organisation).where(Organisation.name == clean))
    return existing if existing is not None else create_in(work, clean, kind)


def create(
    store: Store, name: str, kind: OrganisationKind | str, notes: str = ""
) -> Outcome[OrganisationRecord]:
    with store.work() as work:
        org = create_in(work, name, kind, notes)
        record = OrganisationRecord.of(org)
    return Outcome(record, work.changes)


def update(
    store: Store,
    organisation_id: int,
    *,
    name: str | None = None,
    kind: OrganisationKind | str | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
    undoing: bool = False,
) -> Outcome[OrganisationRecord]:
    """Rename, change the kind or the notes. ``expected_version``: the version the
    officer's form was filled from; refused with who changed what when a colleague has
    saved the organisation since. ``undoing``: this puts back an earlier edit, and the
    timeline says so."""
    with store.work() as work:
        org = get_or_raise(work.session, Organisation, organisation_id, WHAT_ORGANISATION)
        check_version(work, ENTITY, org, expected_version)
        changed = False
        if name is not None:
            clean = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
            _ensure_unique_name(work, clean, exclude_id=org.id)
            if set_field(work, org, "name", clean, entity=ENTITY, entity_id=org.id, case_id=None):
                keys = name_keys(clean, person=False)
                org.pinyin, org.initials = keys.pinyin, keys.initials
                changed = True
        if kind is not None:
            changed |= set_field(
                work, org, "kind", _kind(kind), entity=ENTITY, entity_id=org.id, case_id=None
            )
        if notes is not None:
            clean_notes = clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True)
            changed |= set_field(
                work, org, "notes", clean_notes, entity=ENTITY, entity_id=org.id, case_id=None
            )
        if undoing:
            work.record(ENTITY, org.id, "undone", None, None, case_id=None)
            changed = True
        if changed:
            touch(work, org)
            work.changed(ChangeKind.ORGANISATION, org.id)
        flush_checked(work, ENTITY, org, expected_version)
        record = OrganisationRecord.of(org)
    return Outcome(record, work.changes)


@dataclass(frozen=True)
class DeletedOrganisation:
    """A deleted organisation as it was: what :func:`restore` puts back."""

    record: OrganisationRecord
    pinyin: str
    initials: str
    created_at: datetime
    contacts: tuple[int, ...]
    """The contacts who worked there (the database dropped their link with it)."""


def delete(store: Store, organisation_id: int) -> Outcome[DeletedOrganisation]:
    """Delete an organisation nothing refers to (contacts lose their link).

    Documents count too: a document's holder of NULL means "the officer has it", so letting
    the link go would silently move papers into the officer's hands.
    """
    with store.work() as work:
        org = get_or_raise(work.session, Organisation, organisation_id, WHAT_ORGANISATION)
        used = (
            work.session.scalar(
                select(func.count()).select_from(Case).where(Case.company_id == org.id)
            )
            or work.session.scalar(
                select(func.count()).select_from(Action).where(Action.department_id == org.id)
            )
            or work.session.scalar(
                select(func.count())
                .select_from(Document)
                .where(
                    or_(
                        Document.source_id == org.id,
                        Document.destination_id == org.id,
                        Document.holder_id == org.id,
                    )
                )
            )
        )
        if used:
            raise ConflictError(
                N_("“{name}” is still used by cases, steps or documents and cannot be deleted."),
                name=org.name,
            )
        deleted = DeletedOrganisation(
            OrganisationRecord.of(org),
            org.pinyin,
            org.initials,
            org.created_at,
            tuple(
                work.session.scalars(
                    select(Contact.id).where(Contact.organisation_id == org.id).order_by(Contact.id)
                )
            ),
        )
        work.record(ENTITY, org.id, "deleted", org.name, None)
        work.session.delete(org)
        work.changed(ChangeKind.ORGANISATION, organisation_id)
        if deleted.contacts:
            work.changed(ChangeKind.CONTACT)  # their organisation is gone from their cards
    return Outcome(deleted, work.changes)


def restore(store: Store, deleted: DeletedOrganisation) -> Outcome[OrganisationRecord]:
    """Put a deleted organisation back (under its own id: :func:`own_id`), with the
    contacts that worked there (those not since moved to another organisation).

    Refused when another organisation has taken its name meanwhile.
    """
    org_record = deleted.record
    with store.work() as work:
        _ensure_unique_name(work, org_record.name)
        org = Organisation(
            id=own_id(work, Organisation, org_record.id),
            name=org_record.name,
            kind=org_record.kind,
            pinyin=deleted.pinyin,
            initials=deleted.initials,
            notes=org_record.notes,
            created_at=deleted.created_at,
            updated_at=work.now,
        )
        work.session.add(org)
        work.session.flush()
        work.record(ENTITY, org.id, "restored", None, org.name)
        for contact in work.session.scalars(
            select(Contact).where(
                Contact.id.in_(deleted.contacts), Contact.organisation_id.is_(None)
            )
        ):
            contact.organisation_id = org.id
            touch(work, contact)
            work.changed(ChangeKind.CONTACT, contact.id)
        work.changed(ChangeKind.ORGANISATION, org.id)
        flush_checked(work, ENTITY, org)
        record = OrganisationRecord.of(org)
    return Outcome(record, work.changes)


def kind_label(kind: OrganisationKind) -> str:
    return ORGANISATION_KIND[kind].tr()
