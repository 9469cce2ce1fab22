"""Helpers shared by the services: recording a changed field, and refusing an edit made
on a version of a record that a colleague has changed since."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from coordinator.errors import EditConflictError
from coordinator.event_words import THIS_RECORD, ChangeBy, Referents, referents, value_text
from coordinator.i18n import Msg, current_language
from coordinator.store.models import Case, Event
from coordinator.store.referents import names_of
from coordinator.store.storage import Work


def set_field(
    work: Work,
    obj: object,
    field: str,
    value: object,
    *,
    entity: str,
    entity_id: int,
    case_id: int | None,
) -> bool:
    """Assign a field and record an Event if the value really changed."""
    before = getattr(obj, field)
    if before == value:
        return False
    setattr(obj, field, value)
    work.record(entity, entity_id, field, before, value, case_id=case_id)
    return True


def own_id(work: Work, model: type[Any], ident: int) -> int | None:
    """The id a deleted record is restored under: its own, so its timeline goes on, unless
    a record added since has been given it (SQLite hands out the highest id again once
    it is deleted); then a new one."""
    return ident if work.session.get(model, ident) is None else None


class Unchanged(enum.Enum):
    """Marks an optional argument whose absence differs from ``None`` (which clears)."""

    KEEP = 0


KEEP = Unchanged.KEEP


# -- edits made on an older version ------------------------------------------------------


def touch(work: Work, obj: Any) -> None:
    """Mark a record changed (its ``updated_at``) so that its row is written and its row
    version moves on even when only its links changed (tags, dependencies, phones) or
    when the clock reads the same second as its last change."""
    obj.updated_at = work.now
    flag_modified(obj, "updated_at")


def changes_since(session: Session, entity: str, entity_id: int, version: int) -> list[ChangeBy]:
    """The saved changes of a record made after it reached ``version``, oldest first.
    A record a change refers to (the case a communication was filed to, a document's
    holder) is named, not numbered."""
    rows = list(
        session.execute(
            select(Event.officer, Event.at, Event.field, Event.before, Event.after)
            .where(
                Event.entity == entity,
                Event.entity_id == entity_id,
                Event.row_version > version,
            )
            .order_by(Event.id)
        )
    )
    wanted = {
        referent
        for r in rows
        for value in (r.before, r.after)
        for referent in referents(r.field, value)
    }
    known = Referents(names_of(session, wanted, english=current_language() == "en"))
    currency = None
    if any(r.field == "amount_minor" for r in rows) and entity == "case":
        currency = session.scalar(select(Case.currency).where(Case.id == entity_id))

    def shown(field: str, value: str | None) -> str | None:
        # Said now, while the names can be read: the refusal is told later, elsewhere.
        if value is None or not referents(field, value):
            return value
        return value_text(entity, field, value, known=known)

    return [
        ChangeBy(
            r.officer or "",
            r.at,
            entity,
            r.field,
            shown(r.field, r.before),
            shown(r.field, r.after),
            currency,
        )
        for r in rows
    ]


def _what(entity: str) -> Msg:
    return THIS_RECORD.get(entity) or Msg(entity)


def check_version(work: Work, entity: str, obj: Any, expected: int | None) -> None:
    """Refuse the edit when ``expected`` (the version the officer's form or list showed)
    is not the record's version any more: who changed what since, and when."""
    if expected is None or obj.row_version == expected:
        return
    changes = changes_since(work.session, entity, obj.id, expected)
    raise EditConflictError(_what(entity), changes, work.now)


def flush_checked(work: Work, entity: str, obj: Any, expected: int | None = None) -> None:
    """Write the changes now. A colleague who saved the same record a moment after this
    unit of work read it (two saves racing) makes the write match no row: the edit is
    then refused the same way as :func:`check_version` does, with their changes read
    afresh (this transaction can no longer read)."""
    ident = obj.id
    loaded = obj.row_version if expected is None else expected
    try:
        work.session.flush()
    except StaleDataError:
        with work.store.read() as session:
            changes = changes_since(session, entity, ident, loaded)
        raise EditConflictError(_what(entity), changes, work.now) from None
