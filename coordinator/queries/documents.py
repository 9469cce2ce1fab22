"""Documents across every case: where each piece of paper is, and since when.

The same shape as :mod:`coordinator.queries.actions`: ordered ids (:func:`ids`), counts
and the display rows of a window (:func:`rows`), sorting and filtering in SQL. The
default filter (every state but accepted) is an IN list searched through
``ix_documents_state_holder``, which also serves "held by me" (``holder_id IS NULL``) and
one holder. "Since" is the latest of the document's step stamps
(:func:`coordinator.queries.due.document_since`, the same expression Today uses); it has
no index, so sorting by it sorts the filtered rows (see ``bench/bench_department_views.py``).

Every order ends with the document id in the key's direction: total, stable, and the
exact reverse of the opposite direction.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import aliased

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import DocumentState, OrganisationKind
from coordinator.queries.cases import in_case_order, with_reference_or_company
from coordinator.queries.due import WAITING_DOCUMENT_STATES, document_since
from coordinator.queries.sql import (
    FilteredList,
    chunks,
    contains,
    order_key,
    rank,
)
from coordinator.search.filtering import holds
from coordinator.store import filestore
from coordinator.store.changes import ChangeKind
from coordinator.store.lookup import WHAT_CASE, WHAT_DOCUMENT, get_or_raise
from coordinator.store.models import Case, Document, DocumentFile, Organisation
from coordinator.store.records import DocumentRecord
from coordinator.store.storage import Store

D = DocumentState

UNFINISHED_STATES: Final[tuple[DocumentState, ...]] = (
    D.REQUESTED,
    D.RECEIVED,
    D.FORWARDED,
    D.RETURNED,
    D.RESUBMITTED,
    D.ACCEPTED_MISSING,
)
"""Every state but accepted: the paper still waits on someone, the officer included."""

WAITING_ON_OTHERS: Final[tuple[DocumentState, ...]] = WAITING_DOCUMENT_STATES
"""Waiting on the company or a department (Today's "documents waiting")."""

IN_MY_HANDS: Final[tuple[DocumentState, ...]] = (D.RECEIVED, D.RESUBMITTED)
"""Received or resubmitted: the officer has the paper and must pass it on."""

STATE_ORDER: Final[tuple[DocumentState, ...]] = (
    D.REQUESTED,
    D.RECEIVED,
    D.FORWARDED,
    D.RETURNED,
    D.RESUBMITTED,
    D.ACCEPTED_MISSING,
    D.ACCEPTED,
)
"""The order a document moves through its states; sorting by state follows it."""


class Holder(enum.StrEnum):
    """Who holds the paper, as a filter."""

    ANYONE = "anyone"
    ME = "me"  # holder_id IS NULL: the officer has it
    COMPANY = "company"
    DEPARTMENT = "department"  # any organisation but a company


SORT_CASE: Final = "case"
SORT_COMPANY: Final = "company"
SORT_TITLE: Final = "title"
SORT_STATE: Final = "state"
SORT_HOLDER: Final = "holder"
SORT_HELD: Final = "held"
"""Held for: descending is the longest held first (the earliest "since")."""

SORT_COLUMNS: Final[tuple[str, ...]] = (
    SORT_CASE,
    SORT_COMPANY,
    SORT_TITLE,
    SORT_STATE,
    SORT_HOLDER,
    SORT_HELD,
)


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents the list shows; the default shows every one not yet accepted.

    ``states`` None shows every state. ``holder_id`` (one organisation) wins over
    ``holder``. ``text`` matches any part of the case reference, the company's name or
    the document's title.
    """

    states: tuple[DocumentState, ...] | None = UNFINISHED_STATES
    holder: Holder = Holder.ANYONE
    holder_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class DocumentRow:
    """What one line of the list shows."""

    id: int
    case_id: int
    case_reference: str
    company_name: str | None
    title: str
    state: DocumentState
    holder_id: int | None
    holder_name: str | None
    """None when the officer holds the paper."""
    destination_id: int | None
    since: datetime | None
    is_original: bool
    stamped: bool
    files: int
    missing_items: str
    promised_completion_at: datetime | None
    return_reason: str
    row_version: int = field(default=0, compare=False)
    """The version the row was read at (what a key pressed on it says it acts on)."""

    @property
    def held_by_officer(self) -> bool:
        return self.holder_id is None


# -- filters and order -------------------------------------------------------------------


def _not_company() -> Any:
    return select(Organisation.id).where(Organisation.kind != OrganisationKind.COMPANY)


def conditions(flt: DocumentFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if flt.states is not None:
        found.append(Document.state.in_(flt.states))
    if flt.holder_id is not None:
        found.append(Document.holder_id == flt.holder_id)
    elif flt.holder == Holder.ME:
        found.append(Document.holder_id.is_(None))
    elif flt.holder == Holder.COMPANY:
        found.append(
            Document.holder_id.in_(
                select(Organisation.id).where(Organisation.kind == OrganisationKind.COMPANY)
            )
        )
    elif flt.holder == Holder.DEPARTMENT:
        found.append(Document.holder_id.in_(_not_company()))
    term = flt.text.strip()
    if term:
        found.append(
            or_(
                holds(ChangeKind.DOCUMENT, Document.id, term, contains(Document.title, term)),
                Document.case_id.in_(with_reference_or_company(term)),
            )
        )
    return found


def ids_stmt(
    flt: DocumentFilter = DocumentFilter(),
    sort: str = SORT_HELD,
    descending: bool = True,
) -> Select[Any]:
    """The statement of :func:`ids` (public so that tests and benchmarks can explain it)."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column {sort!r}")
    stmt = select(Document.id).where(*conditions(flt))
    up = not descending
    keys: list[Any]
    if sort in (SORT_CASE, SORT_COMPANY):
        stmt, keys = in_case_order(stmt, Document, up, by_company=sort == SORT_COMPANY)
    elif sort == SORT_TITLE:
        keys = [order_key(Document.title, up)]
    elif sort == SORT_STATE:
        keys = [order_key(rank(Document.state, STATE_ORDER), up)]
    elif sort == SORT_HOLDER:
        holder = aliased(Organisation, name="holder")
        stmt = stmt.outerjoin(holder, holder.id == Document.holder_id)
        # The officer ("me") reads as "" and so comes first ascending on every database.
        keys = [order_key(func.coalesce(holder.name, literal("")), up)]
    else:  # SORT_HELD: the earlier the last step, the longer held
        up = descending
        keys = [order_key(document_since(), up, nulls_low=False)]
    return stmt.order_by(*keys, order_key(Document.id, up))


LIST: Final = FilteredList(Document, conditions, ids_stmt, DocumentFilter(), SORT_HELD)
"""The list across cases: ``ids``, ``count``, ``matching`` and ``of_cases``."""
ids = LIST.ids
count = LIST.count
matching = LIST.matching
of_cases = LIST.of_cases


def holders(store: Store) -> list[tuple[int, str]]:
    """Every organisation but the companies, by name: the departments a paper can be with."""
    with store.read() as session:
        return [
            (r[0], r[1])
            for r in session.execute(
                select(Organisation.id, Organisation.name)
                .where(Organisation.kind != OrganisationKind.COMPANY)
                .order_by(Organisation.name, Organisation.id)
            )
        ]


# -- display rows ------------------------------------------------------------------------


def rows(store: Store, ids: Sequence[int]) -> dict[int, DocumentRow]:
    """The display rows of ``ids``, keyed by id; an id that no longer exists is missing."""
    with store.read() as session:
        found: dict[int, DocumentRow] = {}
        company = aliased(Organisation, name="company")
        holder = aliased(Organisation, name="holder")
        for chunk in chunks(ids):
            files = {
                r[0]: int(r[1])
                for r in session.execute(
                    select(DocumentFile.document_id, func.count())
                    .where(DocumentFile.document_id.in_(chunk))
                    .group_by(DocumentFile.document_id)
                )
            }
            stmt = (
                select(
                    Document.id,
                    Document.case_id,
                    Case.reference,
                    company.name,
                    Document.title,
                    Document.state,
                    Document.holder_id,
                    holder.name,
                    Document.destination_id,
                    document_since(),
                    Document.is_original,
                    Document.stamped,
                    Document.missing_items,
                    Document.promised_completion_at,
                    Document.return_reason,
                    Document.row_version,
                )
                .join(Case, Case.id == Document.case_id)
                .outerjoin(company, company.id == Case.company_id)
                .outerjoin(holder, holder.id == Document.holder_id)
                .where(Document.id.in_(chunk))
            )
            for r in session.execute(stmt):
                found[r[0]] = DocumentRow(
                    id=r[0],
                    case_id=r[1],
                    case_reference=r[2],
                    company_name=r[3],
                    title=r[4],
                    state=r[5],
                    holder_id=r[6],
                    holder_name=r[7],
                    destination_id=r[8],
                    since=r[9],
                    is_original=bool(r[10]),
                    stamped=bool(r[11]),
                    files=int(files.get(r[0], 0)),
                    missing_items=r[12] or "",
                    promised_completion_at=r[13],
                    return_reason=r[14] or "",
                    row_version=r[15],
                )
        return found


def held_seconds(row: DocumentRow, calendar: WorkingCalendar, now: datetime) -> int | None:
    """Working seconds since the document's last step, while it waits on someone (None
    once it is accepted: nobody holds it any more)."""
    if row.since is None or row.state == D.ACCEPTED:
        return None
    return calendar.working_seconds(row.since, now)


def file_path(store: Store, sha256: str) -> Path:
    return filestore.path_for(store.files_dir, sha256)


def for_case(store: Store, case_id: int) -> list[DocumentRecord]:
    with store.read() as session:
        get_or_raise(session, Case, case_id, WHAT_CASE)
        rows = session.scalars(
            select(Document)
            .where(Document.case_id == case_id)
            .order_by(Document.position, Document.id)
        )
        return [DocumentRecord.of(d) for d in rows]


def get(store: Store, document_id: int) -> DocumentRecord:
    with store.read() as session:
        return DocumentRecord.of(get_or_raise(session, Document, document_id, WHAT_DOCUMENT))
