"""Helpers shared by the services."""

from __future__ import annotations

import enum
from typing import TypeVar

from sqlalchemy.orm import Session

from coordinator.errors import NotFoundError
from coordinator.i18n import N_, Msg
from coordinator.store.storage import Work

M = TypeVar("M")

WHAT_CASE = N_("case")
WHAT_CONTACT = N_("contact")
WHAT_ORGANISATION = N_("organisation")
WHAT_COMMUNICATION = N_("communication")
WHAT_DOCUMENT = N_("document")
WHAT_ACTION = N_("action")
WHAT_TEMPLATE = N_("template")
WHAT_FILE = N_("file")


def get_or_raise(session: Session, model: type[M], ident: int, what: Msg) -> M:
    obj = session.get(model, ident)
    if obj is None:
        raise NotFoundError(N_("The {what} #{id} does not exist (any more)."), what=what, id=ident)
    return obj


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


class Unchanged(enum.Enum):
    """Marks an optional argument whose absence differs from ``None`` (which clears)."""

    KEEP = 0


KEEP = Unchanged.KEEP
