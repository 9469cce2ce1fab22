"""The names of the records an event refers to by number or key: a document's holder, the
case a communication was filed to, the steps a step waits on.

Events store what a service saw (an organisation's id, a template's key); a timeline line
says the name the officer knows the record by. A record deleted since is named by the
event that recorded its deletion, and marked gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coordinator.store.models import Action, Case, Contact, Event, Organisation, Template

Referent = tuple[str, str]
"""A referred record: its kind (``case``, ``organisation``, ``contact``, ``action``,
``template``) and its id or key as the event stores it."""

Named = tuple[str, bool]
"""A referred record's name, and whether it is gone."""

_MODELS: dict[str, Any] = {
    "case": Case,
    "organisation": Organisation,
    "contact": Contact,
    "action": Action,
}


def _name(kind: str, row: Any) -> str:
    if kind == "case":
        return f"{row.reference} {row.title}"
    if kind == "action":
        return str(row.title)
    return str(row.name)


def names_of(
    session: Session, wanted: Iterable[Referent], *, english: bool
) -> dict[Referent, Named]:
    """The name of each referred record found; ``english`` picks a template's English
    name where it has one. A record neither present nor named by its deletion is left
    out: the caller says it is gone."""
    by_kind: dict[str, set[str]] = {}
    for kind, key in wanted:
        by_kind.setdefault(kind, set()).add(key)
    found: dict[Referent, Named] = {}
    for kind, keys in by_kind.items():
        if kind == "template":
            for t in session.scalars(select(Template).where(Template.key.in_(keys))):
                found[kind, t.key] = (t.name_en if english and t.name_en else t.name, False)
            continue
        model = _MODELS.get(kind)
        ids = {int(k) for k in keys if k.isdigit()}
        if model is None or not ids:
            continue
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            found[kind, str(row.id)] = (_name(kind, row), False)
        gone = ids - {int(k) for (k_kind, k) in found if k_kind == kind}
        if gone:
            deleted = session.execute(
                select(Event.entity_id, Event.before).where(
                    Event.entity == kind, Event.field == "deleted", Event.entity_id.in_(gone)
                )
            )
            for ident, name in deleted:
                if name:
                    found[kind, str(ident)] = (name, True)
    return found
