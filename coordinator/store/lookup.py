"""A record by its id, or a refusal that says which record is gone, in the user's words."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from coordinator.errors import NotFoundError
from coordinator.i18n import N_, Msg

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
