"""The communications list: which ids, in which order, and the display rows of a window.

The list screen holds only the ordered ids (one integer column, cheap even for a million
rows) and asks for the display rows of the few hundred it shows (:func:`rows`). Sorting
and filtering are SQL, shaped for the indexes of :class:`~coordinator.store.models.Communication`:

* no filter, by time: ``ix_communications_at`` (a covering scan: the index holds the id);
* a case: ``ix_communications_case_at``; a contact: ``ix_communications_contact_at``;
* unfiled only: the partial index ``ix_communications_unfiled``.

* text: the search index (:mod:`coordinator.search.filtering`), then the time index.

Ties are broken by time and then id, in the same direction, so every order is total and
the same id list comes back each time. Sorting by channel, person, case or duration has
no index to lean on: it scans (see ``bench/bench_communications_list.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, func, literal, or_, select

from coordinator.kinds import Channel, Direction
from coordinator.queries.sql import chunks, contains, count_where, id_list
from coordinator.search.filtering import holds
from coordinator.store.changes import ChangeKind
from coordinator.store.lookup import WHAT_COMMUNICATION, get_or_raise
from coordinator.store.models import Case, Communication, Contact
from coordinator.store.records import CommunicationRecord
from coordinator.store.storage import Store

SORT_AT: Final = "at"
SORT_CHANNEL: Final = "channel"
SORT_CONTACT: Final = "contact"
SORT_CASE: Final = "case"
SORT_DURATION: Final = "duration"

SORT_COLUMNS: Final[tuple[str, ...]] = (
    SORT_AT,
    SORT_CHANNEL,
    SORT_CONTACT,
    SORT_CASE,
    SORT_DURATION,
)
"""The sort keys :func:`ids` understands."""

NOTES_PREFIX = 300
"""How much of the notes a display row carries (its first line is cut from this)."""


@dataclass(frozen=True)
class CommunicationFilter:
    """Which communications the list shows; the default shows all of them.

    ``since`` is inclusive and ``until`` exclusive. ``text`` matches any part of the
    notes or of the number as typed (``%`` and ``_`` in it are literal characters).
    """

    channel: Channel | None = None
    contact_id: int | None = None
    case_id: int | None = None
    unfiled_only: bool = False
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class CommunicationRow:
    """What one line of the list shows."""

    id: int
    at: datetime
    direction: Direction
    channel: Channel
    contact_id: int | None
    contact_name: str | None
    raw_number: str
    case_id: int | None
    case_reference: str | None
    duration_seconds: int
    notes_start: str
    follow_up_due: datetime | None
    follow_up_done_at: datetime | None
    row_version: int = 0
    """The version shown: filing it hands it to the service (a colleague's filing since
    is refused, not filed over)."""

    @property
    def who(self) -> str:
        """The contact's name, or the number as typed when no contact is known."""
        return self.contact_name or self.raw_number

    @property
    def first_line(self) -> str:
        stripped = self.notes_start.strip()
        return stripped.splitlines()[0] if stripped else ""


def _conditions(flt: CommunicationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.channel is not None:
        conditions.append(Communication.channel == flt.channel)
    if flt.contact_id is not None:
        conditions.append(Communication.contact_id == flt.contact_id)
    if flt.case_id is not None:
        conditions.append(Communication.case_id == flt.case_id)
    if flt.unfiled_only:
        conditions.append(Communication.case_id.is_(None))  # the WHERE of the partial index
    if flt.since is not None:
        conditions.append(Communication.at >= flt.since)
    if flt.until is not None:
        conditions.append(Communication.at < flt.until)
    text = flt.text.strip()
    if text:
        scan = or_(contains(Communication.notes, text), contains(Communication.raw_number, text))
        conditions.append(holds(ChangeKind.COMMUNICATION, Communication.id, text, scan))
    return conditions


def ids_stmt(
    flt: CommunicationFilter = CommunicationFilter(),
    sort: str = SORT_AT,
    descending: bool = True,
) -> Select[Any]:
    """The statement of :func:`ids` (public so that tests and benchmarks can explain it)."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column {sort!r}")
    stmt = select(Communication.id).where(*_conditions(flt))
    key: list[Any] = []
    if sort == SORT_CHANNEL:
        key.append(Communication.channel)
    elif sort == SORT_DURATION:
        key.append(Communication.duration_seconds)
    elif sort == SORT_CONTACT:
        stmt = stmt.outerjoin(Contact, Contact.id == Communication.contact_id)
        key.append(func.coalesce(Contact.name, Communication.raw_number))
    elif sort == SORT_CASE:
        stmt = stmt.outerjoin(Case, Case.id == Communication.case_id)
        # Unfiled rows read as "" so they sort first ascending on every database.
        key.append(func.coalesce(Case.reference, literal("")))
    key += [Communication.at, Communication.id]
    return stmt.order_by(*(k.desc() if descending else k.asc() for k in key))


def ids(
    store: Store,
    flt: CommunicationFilter = CommunicationFilter(),
    sort: str = SORT_AT,
    descending: bool = True,
    limit: int | None = None,
) -> list[int]:
    """The ids of the matching communications, in list order, and nothing else.

    ``limit`` keeps only the first ones (the list's head; its tail is the head of the
    opposite order, reversed).
    """
    with store.read() as session:
        return id_list(session, ids_stmt(flt, sort, descending), limit)


def count(
    store: Store,
    flt: CommunicationFilter = CommunicationFilter(),
) -> int:
    with store.read() as session:
        return count_where(session, Communication, _conditions(flt))


def rows(store: Store, ids: Sequence[int]) -> dict[int, CommunicationRow]:
    """The display rows of ``ids`` (a window of the list), keyed by id.

    One statement per 500 ids, outer-joined to contacts and cases; an id that no longer
    exists is simply missing from the result.
    """
    with store.read() as session:
        found: dict[int, CommunicationRow] = {}
        for chunk in chunks(ids):
            stmt = (
                select(
                    Communication.id,
                    Communication.at,
                    Communication.direction,
                    Communication.channel,
                    Communication.contact_id,
                    Contact.name,
                    Communication.raw_number,
                    Communication.case_id,
                    Case.reference,
                    Communication.duration_seconds,
                    func.substr(Communication.notes, 1, NOTES_PREFIX),
                    Communication.follow_up_due,
                    Communication.follow_up_done_at,
                    Communication.row_version,
                )
                .outerjoin(Contact, Contact.id == Communication.contact_id)
                .outerjoin(Case, Case.id == Communication.case_id)
                .where(Communication.id.in_(chunk))
            )
            for r in session.execute(stmt):
                found[r[0]] = CommunicationRow(
                    id=r[0],
                    at=r[1],
                    direction=r[2],
                    channel=r[3],
                    contact_id=r[4],
                    contact_name=r[5],
                    raw_number=r[6],
                    case_id=r[7],
                    case_reference=r[8],
                    duration_seconds=r[9],
                    notes_start=r[10] or "",
                    follow_up_due=r[11],
                    follow_up_done_at=r[12],
                    row_version=r[13],
                )
        return found


def get(store: Store, communication_id: int) -> CommunicationRecord:
    with store.read() as session:
        return CommunicationRecord.of(
            get_or_raise(session, Communication, communication_id, WHAT_COMMUNICATION)
        )


def for_case(store: Store, case_id: int, limit: int = 1000) -> list[CommunicationRecord]:
    with store.read() as session:
        rows = session.scalars(
            select(Communication)
            .where(Communication.case_id == case_id)
            .order_by(Communication.at.desc(), Communication.id.desc())
            .limit(limit)
        )
        return [CommunicationRecord.of(c) for c in rows]
