"""Communications: every call and message, filed to a case or left unfiled to triage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select
from sqlalchemy import update as sql_update

from coordinator.errors import (
    EditConflictError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from coordinator.event_words import THIS_RECORD
from coordinator.i18n import N_
from coordinator.kinds import Channel, Direction
from coordinator.labels import F_AT, F_DURATION, F_FOLLOW_UP, F_NOTES, F_NUMBER
from coordinator.phones import normalise
from coordinator.services._common import (
    KEEP,
    Unchanged,
    changes_since,
    check_version,
    flush_checked,
    own_id,
    set_field,
)
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.lookup import WHAT_CASE, WHAT_COMMUNICATION, WHAT_CONTACT, get_or_raise
from coordinator.store.models import NOTE_MAX, Case, Communication, Contact
from coordinator.store.records import CommunicationRecord
from coordinator.store.storage import Store, Work
from coordinator.validation import check_datetime, clean_text, required_datetime

ENTITY = "communication"
MAX_DURATION = 24 * 3600


def _channel(value: Channel | str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError(N_("“{value}” is not a known channel."), value=value) from None


def _direction(value: Direction | str) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        raise ValidationError(N_("The direction must be incoming or outgoing.")) from None


def _duration(seconds: int) -> int:
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        raise ValidationError(
            N_("{field} must be a number of seconds."), field=F_DURATION
        ) from None
    if not 0 <= value <= MAX_DURATION:
        raise ValidationError(
            N_("{field} must be between 0 seconds and 24 hours."), field=F_DURATION
        )
    return value


def log_in(
    work: Work,
    *,
    at: datetime | None = None,
    channel: Channel | str = Channel.PHONE,
    direction: Direction | str = Direction.INBOUND,
    contact_id: int | None = None,
    raw_number: str = "",
    case_id: int | None = None,
    duration_seconds: int = 0,
    notes: str = "",
    follow_up_due: datetime | None = None,
    source_key: str | None = None,
) -> Communication:
    when = required_datetime(at or work.now, F_AT)
    raw = clean_text(raw_number, F_NUMBER, max_length=64)
    e164 = ""
    if raw:
        e164 = normalise(raw).e164  # a wrong number is refused with the reason, not stored
    if contact_id is not None:
        get_or_raise(work.session, Contact, contact_id, WHAT_CONTACT)
    case_ref = None
    if case_id is not None:
        case_ref = get_or_raise(work.session, Case, case_id, WHAT_CASE).reference
    follow_up = check_datetime(follow_up_due, F_FOLLOW_UP)
    communication = Communication(
        at=when,
        duration_seconds=_duration(duration_seconds),
        direction=_direction(direction),
        channel=_channel(channel),
        contact_id=contact_id,
        raw_number=raw,
        number_e164=e164,
        case_id=case_id,
        notes=clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True),
        follow_up_due=follow_up,
        source_key=source_key,
        created_at=work.now,
    )
    work.session.add(communication)
    work.session.flush()
    work.record(
        ENTITY,
        communication.id,
        "logged",
        None,
        f"{communication.channel.value} {case_ref or '-'}",
        case_id=case_id,
    )
    work.changed(ChangeKind.COMMUNICATION, communication.id)
    return communication


def log(
    store: Store,
    *,
    at: datetime | None = None,
    channel: Channel | str = Channel.PHONE,
    direction: Direction | str = Direction.INBOUND,
    contact_id: int | None = None,
    raw_number: str = "",
    case_id: int | None = None,
    duration_seconds: int = 0,
    notes: str = "",
    follow_up_due: datetime | None = None,
) -> Outcome[CommunicationRecord]:
    """Log one call or message; ``case_id=None`` leaves it unfiled."""
    with store.work() as work:
        communication = log_in(
            work,
            at=at,
            channel=channel,
            direction=direction,
            contact_id=contact_id,
            raw_number=raw_number,
            case_id=case_id,
            duration_seconds=duration_seconds,
            notes=notes,
            follow_up_due=follow_up_due,
        )
        record = CommunicationRecord.of(communication)
    return Outcome(record, work.changes)


def update(
    store: Store,
    communication_id: int,
    *,
    at: datetime | None = None,
    channel: Channel | str | None = None,
    direction: Direction | str | None = None,
    contact_id: int | Unchanged | None = KEEP,
    duration_seconds: int | None = None,
    notes: str | None = None,
    follow_up_due: datetime | Unchanged | None = KEEP,
    expected_version: int | None = None,
) -> Outcome[CommunicationRecord]:
    """Change the fields given. ``expected_version``: the version the officer's form was
    filled from; refused with who changed what when a colleague has saved it since."""
    with store.work() as work:
        item = get_or_raise(work.session, Communication, communication_id, WHAT_COMMUNICATION)
        check_version(work, ENTITY, item, expected_version)

        def put(field: str, value: object) -> bool:
            return set_field(
                work, item, field, value, entity=ENTITY, entity_id=item.id, case_id=item.case_id
            )

        if at is not None:
            put("at", required_datetime(at, F_AT))
        if channel is not None:
            put("channel", _channel(channel))
        if direction is not None:
            put("direction", _direction(direction))
        if not isinstance(contact_id, Unchanged):
            if contact_id is not None:
                get_or_raise(work.session, Contact, contact_id, WHAT_CONTACT)
            put("contact_id", contact_id)
        if duration_seconds is not None:
            put("duration_seconds", _duration(duration_seconds))
        if notes is not None:
            put("notes", clean_text(notes, F_NOTES, max_length=NOTE_MAX, multiline=True))
        if not isinstance(follow_up_due, Unchanged):
            put("follow_up_due", check_datetime(follow_up_due, F_FOLLOW_UP))
        work.changed(ChangeKind.COMMUNICATION, item.id)
        flush_checked(work, ENTITY, item, expected_version)
        record = CommunicationRecord.of(item)
    return Outcome(record, work.changes)


def file_to_case(
    store: Store,
    communication_ids: Sequence[int],
    case_id: int | None,
    *,
    expected_versions: Mapping[int, int] | None = None,
    undoing: bool = False,
) -> Outcome[list[int]]:
    """File many communications to one case at once (``None`` makes them unfiled again).
    ``undoing``: this puts back an earlier filing, and each timeline says so.

    ``expected_versions`` (communication id → the version the list showed): when a
    colleague has changed one of them since (filed it elsewhere), nothing is filed and
    the refusal says who did what.
    """
    ids = sorted(set(communication_ids))
    with store.work() as work:
        if case_id is not None:
            get_or_raise(work.session, Case, case_id, WHAT_CASE)
        rows = list(
            work.session.execute(
                select(Communication.id, Communication.case_id, Communication.row_version).where(
                    Communication.id.in_(ids)
                )
            )
        )
        found = {row.id for row in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFoundError(
                N_("The {what} #{id} does not exist (any more)."),
                what=WHAT_COMMUNICATION,
                id=missing[0],
            )
        for row in rows:
            expected = (expected_versions or {}).get(row.id)
            if expected is not None and expected != row.row_version:
                raise EditConflictError(
                    THIS_RECORD[ENTITY],
                    changes_since(work.session, ENTITY, row.id, expected),
                    work.now,
                )
        moved = [row.id for row in rows if row.case_id != case_id]
        for row in rows:
            if row.case_id != case_id:
                work.record(
                    ENTITY,
                    row.id,
                    "case_id",
                    row.case_id,
                    case_id,
                    case_id=case_id if case_id is not None else row.case_id,
                )
                if undoing:
                    work.record(ENTITY, row.id, "undone", None, None, case_id=row.case_id)
        if moved:
            # One statement for many rows: their versions move on here, as the ORM's own
            # save would move them, and only from the versions just read (a colleague's
            # filing in between matches no row and is caught below).
            versions = {row.id: row.row_version for row in rows}
            by_version: dict[int, list[int]] = {}
            for ident in moved:
                by_version.setdefault(versions[ident], []).append(ident)
            for version, same in sorted(by_version.items()):
                for chunk in _chunks(same):
                    done: CursorResult[Any] = work.session.execute(  # type: ignore[assignment]
                        sql_update(Communication)
                        .where(Communication.id.in_(chunk), Communication.row_version == version)
                        .values(case_id=case_id, row_version=version + 1)
                        .execution_options(synchronize_session=False)
                    )
                    if done.rowcount != len(chunk):
                        raise _filing_conflict(work, chunk, versions)
            work.oplog.record_updates(
                work.session,
                "communications",
                [(row.id, {"case_id": row.case_id}) for row in rows if row.id in set(moved)],
            )
            work.tracker.add_many(ChangeKind.COMMUNICATION, moved)
            for row in rows:
                if row.case_id is not None:
                    work.changed(ChangeKind.CASE, row.case_id)
            if case_id is not None:
                work.changed(ChangeKind.CASE, case_id)
    return Outcome(moved, work.changes)


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _filing_conflict(
    work: Work, chunk: Sequence[int], versions: Mapping[int, int]
) -> EditConflictError:
    """A colleague changed one of these communications between the read and the write:
    their changes, read afresh."""
    with work.store.read() as session:
        for ident in chunk:
            changes = changes_since(session, ENTITY, ident, versions[ident])
            if changes:
                return EditConflictError(THIS_RECORD[ENTITY], changes, work.now)
    return EditConflictError(THIS_RECORD[ENTITY], [], work.now)


def complete_follow_up(
    store: Store,
    communication_id: int,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Outcome[CommunicationRecord]:
    with store.work() as work:
        item = get_or_raise(work.session, Communication, communication_id, WHAT_COMMUNICATION)
        check_version(work, ENTITY, item, expected_version)
        if item.follow_up_due is None:
            raise TransitionError(N_("This communication has no follow-up to complete."))
        if item.follow_up_done_at is not None:
            raise TransitionError(N_("This follow-up is already done."))
        when = required_datetime(at or work.now, F_AT)
        item.follow_up_done_at = when
        work.record(ENTITY, item.id, "follow_up_done_at", None, when, case_id=item.case_id)
        work.changed(ChangeKind.COMMUNICATION, item.id)
        flush_checked(work, ENTITY, item, expected_version)
        record = CommunicationRecord.of(item)
    return Outcome(record, work.changes)


def snooze_follow_up(
    store: Store, communication_id: int, until: datetime, *, expected_version: int | None = None
) -> Outcome[CommunicationRecord]:
    """Move an open follow-up to a later time (a reminder the officer cannot act on yet)."""
    with store.work() as work:
        item = get_or_raise(work.session, Communication, communication_id, WHAT_COMMUNICATION)
        check_version(work, ENTITY, item, expected_version)
        if item.follow_up_due is None:
            raise TransitionError(N_("This communication has no follow-up to snooze."))
        if item.follow_up_done_at is not None:
            raise TransitionError(N_("This follow-up is already done."))
        when = required_datetime(until, F_FOLLOW_UP)
        if when <= work.now:
            raise ValidationError(
                N_("A follow-up can only be snoozed to a later time than now ({now})."),
                now=work.now.strftime("%Y-%m-%d %H:%M"),
            )
        set_field(
            work,
            item,
            "follow_up_due",
            when,
            entity=ENTITY,
            entity_id=item.id,
            case_id=item.case_id,
        )
        work.changed(ChangeKind.COMMUNICATION, item.id)
        flush_checked(work, ENTITY, item, expected_version)
        record = CommunicationRecord.of(item)
    return Outcome(record, work.changes)


def existing_source_keys(work: Work, keys: Sequence[str]) -> set[str]:
    """Which of these pasted-message fingerprints are stored already."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):  # SQLite limits the parameters of one query
        chunk = unique[start : start + 500]
        found.update(
            key
            for key in work.session.scalars(
                select(Communication.source_key).where(Communication.source_key.in_(chunk))
            )
            if key is not None
        )
    return found


def reopen_follow_up(
    store: Store, communication_id: int, *, expected_version: int | None = None
) -> Outcome[CommunicationRecord]:
    """Undo a completed follow-up."""
    with store.work() as work:
        item = get_or_raise(work.session, Communication, communication_id, WHAT_COMMUNICATION)
        check_version(work, ENTITY, item, expected_version)
        if item.follow_up_done_at is None:
            raise TransitionError(N_("This follow-up is not done."))
        work.record(
            ENTITY, item.id, "follow_up_done_at", item.follow_up_done_at, None, case_id=item.case_id
        )
        item.follow_up_done_at = None
        work.changed(ChangeKind.COMMUNICATION, item.id)
        flush_checked(work, ENTITY, item, expected_version)
        record = CommunicationRecord.of(item)
    return Outcome(record, work.changes)


@dataclass(frozen=True)
class DeletedCommunication:
    """A deleted communication as it was: what :func:`restore` puts back."""

    record: CommunicationRecord
    source_key: str | None
    created_at: datetime


def delete(store: Store, communication_id: int) -> Outcome[DeletedCommunication]:
    """Delete a communication; the outcome keeps what :func:`restore` needs."""
    with store.work() as work:
        item = get_or_raise(work.session, Communication, communication_id, WHAT_COMMUNICATION)
        deleted = DeletedCommunication(
            CommunicationRecord.of(item), item.source_key, item.created_at
        )
        work.record(ENTITY, item.id, "deleted", item.notes[:200], None, case_id=item.case_id)
        work.session.delete(item)
        work.changed(ChangeKind.COMMUNICATION, communication_id)
        if item.case_id is not None:  # its case's log and what it is known by changed
            work.changed(ChangeKind.CASE, item.case_id)
    return Outcome(deleted, work.changes)


def restore(store: Store, deleted: DeletedCommunication) -> Outcome[CommunicationRecord]:
    """Put a deleted communication back (under its own id: :func:`own_id`), in its
    case and with its contact, those still there (the database forgets a deleted one's
    link the same way)."""
    item = deleted.record
    with store.work() as work:
        case_id = item.case_id
        if case_id is not None and work.session.get(Case, case_id) is None:
            case_id = None
        contact_id = item.contact_id
        if contact_id is not None and work.session.get(Contact, contact_id) is None:
            contact_id = None
        source_key = deleted.source_key
        if source_key is not None and existing_source_keys(work, [source_key]):
            source_key = None  # the same chat line pasted again since: it is that one's now
        row = Communication(
            id=own_id(work, Communication, item.id),
            at=item.at,
            duration_seconds=item.duration_seconds,
            direction=item.direction,
            channel=item.channel,
            contact_id=contact_id,
            raw_number=item.raw_number,
            number_e164=item.number_e164,
            case_id=case_id,
            notes=item.notes,
            follow_up_due=item.follow_up_due,
            follow_up_done_at=item.follow_up_done_at,
            source_key=source_key,
            created_at=deleted.created_at,
        )
        work.session.add(row)
        work.session.flush()
        work.record(ENTITY, row.id, "restored", None, item.notes[:200], case_id=case_id)
        work.changed(ChangeKind.COMMUNICATION, row.id)
        if case_id is not None:
            work.changed(ChangeKind.CASE, case_id)
        work.session.refresh(row)
        record = CommunicationRecord.of(row)
    return Outcome(record, work.changes)
