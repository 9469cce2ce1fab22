"""The cases list: which ids in which order, and the display rows of a window of them.

Like the communications list, the screen holds only ids (50,000 cases over years are
cheap as integers) and asks for the few rows it shows. Filtering and sorting are SQL;
the default order (newest first) walks ``ix_cases_opened_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from coordinator.errors import NotFoundError
from coordinator.i18n import N_
from coordinator.kinds import CaseStatus
from coordinator.queries.sql import (
    chunks,
    contains,
    contains_any_case,
    count_where,
    id_list,
    order_key,
)
from coordinator.search.filtering import holds
from coordinator.store.changes import ChangeKind
from coordinator.store.lookup import WHAT_CASE, get_or_raise
from coordinator.store.models import Action, Case, Organisation
from coordinator.store.records import CaseRecord, amount_from_minor
from coordinator.store.storage import Store

SORT_OPENED: Final = "opened"
SORT_REFERENCE: Final = "reference"
SORT_TITLE: Final = "title"
SORT_COMPANY: Final = "company"
SORT_STATUS: Final = "status"
SORT_AMOUNT: Final = "amount"
SORT_OWNER: Final = "owner"
SORT_COLUMNS: Final = (
    SORT_OPENED,
    SORT_REFERENCE,
    SORT_TITLE,
    SORT_COMPANY,
    SORT_STATUS,
    SORT_AMOUNT,
    SORT_OWNER,
)


@dataclass(frozen=True)
class CaseFilter:
    """``status`` None shows every case; ``open_only`` shows open and on-hold ones;
    ``owner`` keeps the cases of one officer ("my cases": ``ix_cases_owner``)."""

    status: CaseStatus | None = None
    open_only: bool = False
    fast_track_only: bool = False
    text: str = ""  # any part of the reference, title or company name
    owner: str | None = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    title: str
    company_name: str
    status: CaseStatus
    fast_track: bool
    opened_at: datetime
    amount: Decimal | None
    currency: str
    owner: str = ""
    row_version: int = 0


def _conditions(flt: CaseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.status is not None:
        conditions.append(Case.status == flt.status)
    if flt.open_only:
        conditions.append(Case.status.in_((CaseStatus.OPEN, CaseStatus.ON_HOLD)))
    if flt.fast_track_only:
        conditions.append(Case.fast_track.is_(True))
    if flt.owner is not None:
        conditions.append(Case.owner == flt.owner)
    text = flt.text.strip()
    if text:
        company_ids = select(Organisation.id).where(contains(Organisation.name, text))
        scan = or_(
            contains(Case.reference, text),
            contains(Case.title, text),
            Case.company_id.in_(company_ids),
        )
        conditions.append(holds(ChangeKind.CASE, Case.id, text, scan))
    return conditions


def with_reference_or_company(text: str) -> Select[Any]:
    """The ids of the cases whose reference or company name holds ``text`` (what the
    lists of steps and documents search besides their own titles). The companies are
    found by the search index, the references (short, one per case) by a scan."""
    company = aliased(Organisation, name="search_company")
    companies = select(company.id).where(
        holds(ChangeKind.ORGANISATION, company.id, text, contains(company.name, text))
    )
    return select(Case.id).where(
        or_(contains_any_case(Case.reference, text), Case.company_id.in_(companies))
    )


def ids_stmt(flt: CaseFilter, sort: str = SORT_OPENED, descending: bool = True) -> Select[Any]:
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column {sort!r}")
    stmt = select(Case.id).where(*_conditions(flt))
    key: list[Any] = []
    if sort == SORT_REFERENCE:
        key.append(Case.reference)
    elif sort == SORT_TITLE:
        key.append(Case.title)
    elif sort == SORT_STATUS:
        key.append(Case.status)
    elif sort == SORT_AMOUNT:
        key.append(func.coalesce(Case.amount_minor, literal(-1)))
    elif sort == SORT_OWNER:
        key.append(Case.owner)
    elif sort == SORT_COMPANY:
        stmt = stmt.outerjoin(Organisation, Organisation.id == Case.company_id)
        key.append(func.coalesce(Organisation.name, literal("")))
    key += [Case.opened_at, Case.id]  # a total order: the same ids come back each time
    return stmt.order_by(*(k.desc() if descending else k.asc() for k in key))


def ids(
    store: Store,
    flt: CaseFilter,
    sort: str = SORT_OPENED,
    descending: bool = True,
    limit: int | None = None,
) -> list[int]:
    with store.read() as session:
        return id_list(session, ids_stmt(flt, sort, descending), limit)


def count(store: Store, flt: CaseFilter) -> int:
    with store.read() as session:
        return count_where(session, Case, _conditions(flt))


def rows(store: Store, wanted: Sequence[int]) -> dict[int, CaseRow]:
    with store.read() as session:
        found: dict[int, CaseRow] = {}
        for chunk in chunks(wanted):
            stmt = (
                select(
                    Case.id,
                    Case.reference,
                    Case.title,
                    Organisation.name,
                    Case.status,
                    Case.fast_track,
                    Case.opened_at,
                    Case.amount_minor,
                    Case.currency,
                    Case.owner,
                    Case.row_version,
                )
                .outerjoin(Organisation, Organisation.id == Case.company_id)
                .where(Case.id.in_(chunk))
            )
            for r in session.execute(stmt):
                found[r[0]] = CaseRow(
                    id=r[0],
                    reference=r[1],
                    title=r[2],
                    company_name=r[3] or "",
                    status=r[4],
                    fast_track=bool(r[5]),
                    opened_at=r[6],
                    amount=amount_from_minor(r[7]),
                    currency=r[8],
                    owner=r[9],
                    row_version=r[10],
                )
        return found


def get(store: Store, case_id: int) -> CaseRecord:
    with store.read() as session:
        return CaseRecord.of(get_or_raise(session, Case, case_id, WHAT_CASE))


def by_reference(store: Store, reference: str) -> CaseRecord:
    with store.read() as session:
        case = session.scalar(select(Case).where(Case.reference == reference.strip()))
        if case is None:
            raise NotFoundError(N_("There is no case {reference}."), reference=reference)
        return CaseRecord.of(case)


def list_cases(
    store: Store, *, status: CaseStatus | None = None, limit: int = 500
) -> list[CaseRecord]:
    with store.read() as session:
        query = (
            select(Case)
            .options(selectinload(Case.tags), selectinload(Case.company))
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(Case.status == status)
        return [CaseRecord.of(c) for c in session.scalars(query)]


def owners(store: Store) -> list[str]:
    """Every officer named as the owner of a case or a step, sorted: the choices an
    owner field offers (one lookup per owner index, however many records)."""
    with store.read() as session:
        names = set(session.scalars(select(Case.owner).distinct()))
        names |= set(session.scalars(select(Action.owner).distinct()))
    return sorted(name for name in names if name)


def in_case_order(
    stmt: Select[Any], entity: Any, ascending: bool, *, by_company: bool
) -> tuple[Select[Any], list[Any]]:
    """``stmt`` over the rows of cases (steps, documents) joined to what sorts them, and
    the sort keys: the case's reference (after its company's name, ``by_company``), then
    the row's place in its case. Companyless cases read as "" and come first ascending."""
    stmt = stmt.join(Case, Case.id == entity.case_id)
    keys: list[Any] = []
    if by_company:
        company = aliased(Organisation, name="company")
        stmt = stmt.outerjoin(company, company.id == Case.company_id)
        keys.append(order_key(func.coalesce(company.name, literal("")), ascending))
    keys += [order_key(Case.reference, ascending), order_key(entity.position, ascending)]
    return stmt, keys
