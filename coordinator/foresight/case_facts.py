"""What filing reads of the open cases: what each is known by, and its latest messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from coordinator.kinds import ActionStatus, CaseStatus, Channel
from coordinator.store.models import (
    Action,
    Case,
    CaseTag,
    Communication,
    Document,
    Organisation,
)
from coordinator.store.storage import Store

LEARN_WINDOW = 100
"""Filed messages per case the model learns from, newest first: enough to know how a
case is spoken of, and a bound on the work of relearning one case."""

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.ON_HOLD)

DONE_WITH = 0
"""A department's state on a case: it has done (or dropped) every step it owed…"""
OWES = 1
"""…it owes a step not yet requested of it…"""
HOLDS = 2
"""…it holds a step now (requested, not finished)."""


@dataclass
class CaseFacts:
    id: int
    reference: str
    title: str
    kind: str
    company_id: int | None
    company_name: str
    amount_minor: int | None
    opened_at: datetime
    tags: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    departments: dict[int, int] = field(default_factory=dict)
    """Department id -> DONE_WITH, OWES or HOLDS."""
    step_titles: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))
    """The titles of its other steps, and of the steps under way now."""


@dataclass(frozen=True)
class Filed:
    """One message filed to a case, as filing learns from it."""

    case_id: int
    contact_id: int | None
    number: str
    channel: Channel
    at: datetime
    notes: str


def read_cases(store: Store, wanted: Sequence[int] | None) -> tuple[list[CaseFacts], list[Filed]]:
    """The open cases among ``wanted`` (every open case for None), and the latest
    :data:`LEARN_WINDOW` messages filed to each."""
    if wanted is not None and not wanted:
        return [], []
    with store.read() as session:
        stmt = (
            select(
                Case.id,
                Case.reference,
                Case.title,
                Case.kind,
                Case.company_id,
                Organisation.name,
                Case.amount_minor,
                Case.opened_at,
            )
            .outerjoin(Organisation, Organisation.id == Case.company_id)
            .where(Case.status.in_(OPEN_STATUSES))
        )
        if wanted is not None:
            stmt = stmt.where(Case.id.in_(wanted))
        found = {
            r[0]: CaseFacts(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7])
            for r in session.execute(stmt)
        }
        if not found:
            return [], []
        scope = Case.id.in_(list(found)) if wanted is not None else Case.status.in_(OPEN_STATUSES)
        for case_id, tag in session.execute(
            select(CaseTag.case_id, CaseTag.tag).join(Case).where(scope)
        ):
            found[case_id].tags.append(tag)
        for case_id, title in session.execute(
            select(Document.case_id, Document.title).join(Case).where(scope)
        ):
            found[case_id].documents.append(title)
        for case_id, dept, status, requested, step_title in session.execute(
            select(
                Action.case_id,
                Action.department_id,
                Action.status,
                Action.requested_at,
                Action.title,
            )
            .join(Case, Case.id == Action.case_id)
            .where(scope)
        ):
            facts = found[case_id]
            if status in (ActionStatus.DONE, ActionStatus.CANCELLED):
                state = DONE_WITH
            else:
                state = HOLDS if requested is not None else OWES
            facts.departments[dept] = max(facts.departments.get(dept, DONE_WITH), state)
            facts.step_titles[1 if state == HOLDS else 0].append(step_title)
        newest = (
            func.row_number()
            .over(partition_by=Communication.case_id, order_by=Communication.at.desc())
            .label("newest")
        )
        inner = (
            select(
                Communication.case_id,
                Communication.contact_id,
                Communication.number_e164,
                Communication.channel,
                Communication.at,
                Communication.notes,
                newest,
            )
            .join(Case, Case.id == Communication.case_id)
            .where(scope)
            .subquery()
        )
        filed = [
            Filed(r.case_id, r.contact_id, r.number_e164, r.channel, r.at, r.notes)
            for r in session.execute(select(inner).where(inner.c.newest <= LEARN_WINDOW))
        ]
    return list(found.values()), filed
