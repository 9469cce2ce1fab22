"""Documents: the materials a case needs, relayed from company to department.

requested → received → forwarded → accepted; a department may return a document for
correction (then it is resubmitted) or accept it with items missing (容缺受理) against a
promised completion date. Each step moves the paper: who holds it follows the state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from coordinator.errors import NotFoundError, TransitionError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import DocumentState
from coordinator.labels import (
    DOCUMENT_STATE,
    F_AT,
    F_MISSING,
    F_NOTES,
    F_PROMISED,
    F_REASON,
    F_TITLE,
)
from coordinator.services._common import (
    KEEP,
    Unchanged,
    check_version,
    flush_checked,
    own_id,
    set_field,
    touch,
)
from coordinator.store import filestore
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.content import content_for, copy_out
from coordinator.store.lookup import (
    WHAT_CASE,
    WHAT_DOCUMENT,
    WHAT_FILE,
    WHAT_ORGANISATION,
    get_or_raise,
)
from coordinator.store.models import NOTE_MAX, TITLE_MAX, Case, Document, DocumentFile, Organisation
from coordinator.store.records import DocumentRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import check_datetime, clean_text, required_datetime

ENTITY = "document"
D = DocumentState

_TRANSITIONS: dict[DocumentState, frozenset[DocumentState]] = {
    D.REQUESTED: frozenset({D.RECEIVED}),
    D.RECEIVED: frozenset({D.FORWARDED, D.RETURNED}),
    D.FORWARDED: frozenset({D.ACCEPTED, D.ACCEPTED_MISSING, D.RETURNED}),
    D.RETURNED: frozenset({D.RESUBMITTED}),
    D.RESUBMITTED: frozenset({D.FORWARDED, D.RETURNED}),
    D.ACCEPTED_MISSING: frozenset({D.ACCEPTED, D.RETURNED}),
    D.ACCEPTED: frozenset(),
}

_STAMP_FIELD: dict[DocumentState, str] = {
    D.RECEIVED: "received_at",
    D.FORWARDED: "forwarded_at",
    D.ACCEPTED: "accepted_at",
    D.ACCEPTED_MISSING: "accepted_at",
    D.RETURNED: "returned_at",
    D.RESUBMITTED: "resubmitted_at",
}


def _state(value: DocumentState | str) -> DocumentState:
    try:
        return DocumentState(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not a document state."), value=value) from None


def _org_or_none(work: Work, org_id: int | None) -> int | None:
    if org_id is None:
        return None
    return get_or_raise(work.session, Organisation, org_id, WHAT_ORGANISATION).id


def _record(work: Work, document: Document, expected_version: int | None = None) -> DocumentRecord:
    flush_checked(work, ENTITY, document, expected_version)
    work.session.refresh(document)
    return DocumentRecord.of(document)


def add(
    store: Store,
    case_id: int,
    title: str,
    *,
    required: bool = True,
    source_id: int | None = None,
    destination_id: int | None = None,
    is_original: bool = False,
    stamped: bool = False,
    requested_at: datetime | None = None,
    notes: str = "",
) -> Outcome[DocumentRecord]:
    with store.work() as work:
        case = get_or_raise(work.session, Case, case_id, WHAT_CASE)
        source = _org_or_none(work, source_id) if source_id is not None else case.company_id
        position = len(
            list(work.session.scalars(select(Document.id).where(Document.case_id == case.id)))
        )
        document = Document(
            case_id=case.id,
            title=clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True),
            required=bool(required),
            state=D.REQUESTED,
            source_id=source,
            destination_id=_org_or_none(work, destination_id),
            holder_id=source,
            is_original=bool(is_original),
            stamped=bool(stamped),
            requested_at=required_datetime(requested_at or work.now, F_AT),
            notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
            position=position,
            created_at=work.now,
            updated_at=work.now,
        )
        work.session.add(document)
        work.session.flush()
        work.record(ENTITY, document.id, "created", None, document.title, case_id=case.id)
        work.changed(ChangeKind.DOCUMENT, document.id)
        work.changed(ChangeKind.CASE, case.id)  # its checklist grew: the case's screens show it
        record = _record(work, document)
    return Outcome(record, work.changes)


def update(
    store: Store,
    document_id: int,
    *,
    title: str | None = None,
    required: bool | None = None,
    source_id: int | Unchanged | None = KEEP,
    destination_id: int | Unchanged | None = KEEP,
    holder_id: int | Unchanged | None = KEEP,
    is_original: bool | None = None,
    stamped: bool | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
) -> Outcome[DocumentRecord]:
    """Change the fields given; ``holder_id=None`` records that the officer holds it.
    ``expected_version``: the version the officer's form showed; refused with who changed
    what since when it is not the document's any more."""
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        check_version(work, ENTITY, document, expected_version)

        def put(field: str, value: object) -> bool:
            return set_field(
                work,
                document,
                field,
                value,
                entity=ENTITY,
                entity_id=document.id,
                case_id=document.case_id,
            )

        changed = False
        if title is not None:
            changed |= put("title", clean_text(title, F_TITLE, max_length=TITLE_MAX, required=True))
        if required is not None:
            changed |= put("required", bool(required))
        if not isinstance(source_id, Unchanged):
            changed |= put("source_id", _org_or_none(work, source_id))
        if not isinstance(destination_id, Unchanged):
            changed |= put("destination_id", _org_or_none(work, destination_id))
        if not isinstance(holder_id, Unchanged):
            changed |= put("holder_id", _org_or_none(work, holder_id))
        if is_original is not None:
            changed |= put("is_original", bool(is_original))
        if stamped is not None:
            changed |= put("stamped", bool(stamped))
        if notes is not None:
            changed |= put("notes", clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True))
        if changed:
            document.updated_at = work.now
            work.changed(ChangeKind.DOCUMENT, document.id)
        record = _record(work, document, expected_version)
    return Outcome(record, work.changes)


def transition(
    store: Store,
    document_id: int,
    state: DocumentState | str,
    *,
    at: datetime | None = None,
    reason: str = "",
    missing_items: str = "",
    promised_completion_at: datetime | None = None,
    destination_id: int | None = None,
    expected_version: int | None = None,
) -> Outcome[DocumentRecord]:
    """Move a document one step; who holds it follows (company, officer, department).
    ``expected_version``: the version the list showed (a key pressed on a document a
    colleague moved meanwhile is refused, saying who moved it)."""
    target = _state(state)
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        check_version(work, ENTITY, document, expected_version)
        when = required_datetime(at or work.now, F_AT)
        why = clean_text(reason, F_REASON, max_length=NOTE_MAX, multiline=True)
        before = document.state
        if target == before:
            raise TransitionError(
                N_("The document is already {state}."), state=DOCUMENT_STATE[target]
            )
        if target not in _TRANSITIONS[before]:
            if target in (D.ACCEPTED, D.ACCEPTED_MISSING) and before in (D.REQUESTED, D.RETURNED):
                raise TransitionError(
                    N_("“{title}” cannot be accepted: it has not been received yet."),
                    title=document.title,
                )
            if target in (D.ACCEPTED, D.ACCEPTED_MISSING) and before in (D.RECEIVED, D.RESUBMITTED):
                raise TransitionError(
                    N_("“{title}” cannot be accepted before it is forwarded to a department."),
                    title=document.title,
                )
            raise TransitionError(
                N_("A document cannot go from {before} to {after}."),
                before=DOCUMENT_STATE[before],
                after=DOCUMENT_STATE[target],
            )

        def put(field: str, value: object) -> bool:
            return set_field(
                work,
                document,
                field,
                value,
                entity=ENTITY,
                entity_id=document.id,
                case_id=document.case_id,
            )

        if destination_id is not None:
            put("destination_id", _org_or_none(work, destination_id))
        if target == D.FORWARDED and document.destination_id is None:
            raise TransitionError(N_("Choose the department the document goes to."))
        if target == D.RETURNED and not why:
            raise TransitionError(N_("Say what must be corrected."))
        if target == D.ACCEPTED_MISSING:
            items = clean_text(
                missing_items, F_MISSING, max_length=NOTE_MAX, required=True, multiline=True
            )
            promised = check_datetime(promised_completion_at, F_PROMISED, required=True)
            put("missing_items", items)
            put("promised_completion_at", promised)
        if target == D.RETURNED:
            document.return_reason = why
        if target == D.RESUBMITTED:
            document.version += 1
        if target == D.ACCEPTED and before == D.ACCEPTED_MISSING:
            put("missing_items", "")
        holder_before = document.holder_id
        document.holder_id = _holder_after(document, target)
        stamp = _STAMP_FIELD[target]
        setattr(document, stamp, when)
        document.state = target
        document.updated_at = work.now
        work.record(
            ENTITY, document.id, "state", before.value, target.value, case_id=document.case_id
        )
        if holder_before != document.holder_id:
            work.record(
                ENTITY,
                document.id,
                "holder_id",
                holder_before,
                document.holder_id,
                case_id=document.case_id,
            )
        if why:
            work.record(ENTITY, document.id, "reason", None, why, case_id=document.case_id)
        work.changed(ChangeKind.DOCUMENT, document.id)
        record = _record(work, document, expected_version)
    return Outcome(record, work.changes)


_MOVED_FIELDS = (
    "destination_id",
    "received_at",
    "forwarded_at",
    "accepted_at",
    "returned_at",
    "resubmitted_at",
    "missing_items",
    "promised_completion_at",
)
"""What a :func:`transition` may change besides the state, holder, reason and version."""


def undo_transition(
    store: Store,
    document_id: int,
    before: DocumentRecord,
    *,
    expected_version: int | None = None,
) -> Outcome[DocumentRecord]:
    """Put a document back as ``before`` had it (undoing :func:`transition`): its state,
    who holds it, its times, the department it goes to, what was missing or to correct.

    Not a transition: accepted goes straight back to forwarded, say. ``expected_version``
    is the version the move left: a colleague's change since is refused, saying who.
    """
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        check_version(work, ENTITY, document, expected_version)
        case_id = document.case_id
        if document.state != before.state:
            work.record(
                ENTITY,
                document.id,
                "state",
                document.state.value,
                before.state.value,
                case_id=case_id,
            )
            document.state = before.state
        holder = _org_or_none_kept(work, before.holder_id)
        if document.holder_id != holder:
            work.record(
                ENTITY, document.id, "holder_id", document.holder_id, holder, case_id=case_id
            )
            document.holder_id = holder
        for field in _MOVED_FIELDS:
            value = getattr(before, field)
            if field == "destination_id":
                value = _org_or_none_kept(work, value)
            set_field(
                work,
                document,
                field,
                value,
                entity=ENTITY,
                entity_id=document.id,
                case_id=case_id,
            )
        document.return_reason = before.return_reason
        document.version = before.version
        work.record(ENTITY, document.id, "undone", None, None, case_id=case_id)
        touch(work, document)
        work.changed(ChangeKind.DOCUMENT, document.id)
        record = _record(work, document, expected_version)
    return Outcome(record, work.changes)


def _org_or_none_kept(work: Work, org_id: int | None) -> int | None:
    """``org_id`` if that organisation is still there (one deleted since is forgotten, as
    the database forgets it: the link is set null)."""
    if org_id is None or work.session.get(Organisation, org_id) is None:
        return None
    return org_id


def _holder_after(document: Document, state: DocumentState) -> int | None:
    if state in (D.RECEIVED, D.RESUBMITTED):
        return None  # the officer has it in hand
    if state in (D.FORWARDED, D.ACCEPTED, D.ACCEPTED_MISSING):
        return document.destination_id
    return document.source_id  # returned: back to the company


def attach_file(store: Store, document_id: int, path: Path) -> Outcome[DocumentRecord]:
    """Store a file's content under its checksum (where the store keeps attachments:
    :mod:`coordinator.store.content`) and attach it."""
    with store.read() as session:
        get_or_raise(session, Document, document_id, WHAT_DOCUMENT)
    source = Path(path)
    content = content_for(store)
    # Read before the transaction: on a laptop the copy is made then (a failed copy leaves
    # the database untouched, and an orphan left by a failed save is harmless and found by
    # the data check); on a server the file is hashed then, and written into the database
    # inside the transaction, with the row that refers to it.
    stored = content.take_in(source)
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        name = clean_text(stored.original_name, N_("File name"), max_length=255, required=True)
        content.keep(work.session, stored, source)
        document.files.append(
            DocumentFile(
                sha256=stored.sha256,
                size=stored.size,
                media_type=stored.media_type,
                original_name=name,
                version=document.version,
                added_at=work.now,
            )
        )
        document.updated_at = work.now
        work.record(
            ENTITY,
            document.id,
            "file",
            None,
            f"{name} ({stored.sha256[:12]})",
            case_id=document.case_id,
        )
        work.changed(ChangeKind.DOCUMENT, document.id)
        record = _record(work, document)
    return Outcome(record, work.changes)


def copy_for_viewing(
    store: Store,
    file_id: int,
    folder: Path,
    *,
    done: Callable[[int, int], None] | None = None,
) -> Path:
    """A read-only copy of an attached file under its own name, in ``folder``, for the
    system's viewer: checked against its checksum as it is written, so a damaged copy is
    refused in words and never handed over (:mod:`coordinator.store.content`).

    The stored content is named by its checksum (no viewer would know its type), and a
    viewer that saves in place must never change it: hence a copy, and read-only.
    ``done(bytes so far, size)`` hears how far a large file is.
    """
    with store.read() as session:
        row = get_or_raise(session, DocumentFile, file_id, WHAT_FILE)
        sha, size, original = row.sha256, row.size, row.original_name
    name = Path(original).name or sha
    target = folder / sha[:16] / name
    if target.is_file():
        try:
            if filestore.file_sha256(target) == sha:
                return target  # made earlier in this run, and still right
        except OSError:
            pass
        with contextlib.suppress(OSError):
            target.chmod(0o600)
            target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    copy_out(
        content_for(store),
        sha,
        target,
        name=original,
        mode=0o400,
        done=None if done is None else lambda n: done(n, size),
    )
    return target


def remove_file(store: Store, document_id: int, file_id: int) -> Outcome[DocumentRecord]:
    """Detach a file; its content stays where the store keeps it (another document may
    hold the same file) until a data check finds nobody refers to it any more."""
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        row = next((f for f in document.files if f.id == file_id), None)
        if row is None:
            raise NotFoundError(
                N_("The {what} #{id} does not exist (any more)."), what=WHAT_FILE, id=file_id
            )
        document.files.remove(row)
        document.updated_at = work.now
        work.record(ENTITY, document.id, "file", row.original_name, None, case_id=document.case_id)
        work.changed(ChangeKind.DOCUMENT, document.id)
        record = _record(work, document)
    return Outcome(record, work.changes)


@dataclass(frozen=True)
class DeletedDocument:
    """A deleted document as it was, with its files: what :func:`restore` puts back."""

    record: DocumentRecord
    position: int
    created_at: datetime


def delete(store: Store, document_id: int) -> Outcome[DeletedDocument]:
    """Delete a document and its file rows; their content stays where the store keeps it
    (see :func:`remove_file`), so :func:`restore` can put it all back."""
    with store.work() as work:
        document = get_or_raise(work.session, Document, document_id, WHAT_DOCUMENT)
        deleted = DeletedDocument(
            DocumentRecord.of(document), document.position, document.created_at
        )
        work.record(ENTITY, document.id, "deleted", document.title, None, case_id=document.case_id)
        work.session.delete(document)
        work.changed(ChangeKind.DOCUMENT, document_id)
        work.changed(ChangeKind.CASE, document.case_id)  # its checklist changed
    return Outcome(deleted, work.changes)


def restore(store: Store, deleted: DeletedDocument) -> Outcome[DocumentRecord]:
    """Put a deleted document back (under its own id: :func:`own_id`), with its files,
    whose content is still where the store keeps it.

    A file whose content a data check has dropped since is left out (a row whose content
    is gone would only be refused when opened); an organisation deleted since is
    forgotten, as the database forgets it.
    """
    doc = deleted.record
    with store.work() as work:
        case = get_or_raise(work.session, Case, doc.case_id, WHAT_CASE)
        content = content_for(store)
        document = Document(
            id=own_id(work, Document, doc.id),
            case_id=case.id,
            title=doc.title,
            required=doc.required,
            state=doc.state,
            source_id=_org_or_none_kept(work, doc.source_id),
            destination_id=_org_or_none_kept(work, doc.destination_id),
            holder_id=_org_or_none_kept(work, doc.holder_id),
            is_original=doc.is_original,
            stamped=doc.stamped,
            version=doc.version,
            requested_at=doc.requested_at,
            received_at=doc.received_at,
            forwarded_at=doc.forwarded_at,
            accepted_at=doc.accepted_at,
            returned_at=doc.returned_at,
            resubmitted_at=doc.resubmitted_at,
            return_reason=doc.return_reason,
            missing_items=doc.missing_items,
            promised_completion_at=doc.promised_completion_at,
            notes=doc.notes,
            position=deleted.position,
            created_at=deleted.created_at,
            updated_at=work.now,
        )
        for f in doc.files:
            if content.state(f.sha256, work.session.connection()) == "missing":
                continue
            document.files.append(
                DocumentFile(
                    id=own_id(work, DocumentFile, f.id),
                    sha256=f.sha256,
                    size=f.size,
                    media_type=f.media_type,
                    original_name=f.original_name,
                    version=f.version,
                    added_at=f.added_at,
                )
            )
        work.session.add(document)
        work.session.flush()
        work.record(ENTITY, document.id, "restored", None, document.title, case_id=case.id)
        work.changed(ChangeKind.DOCUMENT, document.id)
        work.changed(ChangeKind.CASE, case.id)
        record = _record(work, document)
    return Outcome(record, work.changes)
