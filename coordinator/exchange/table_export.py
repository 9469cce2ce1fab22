"""The lists the app exports as spreadsheets, read from the store as they are written.

:data:`LISTS` names the lists; :func:`export_list` writes one as CSV or .xlsx, with the
writers of :mod:`coordinator.exchange.sheets`. The rows are read in chunks inside one
read transaction, so a million communications never sit in memory at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, TypeAlias

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from coordinator import labels
from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import ValidationError
from coordinator.exchange.sheets import MSG_TOO_MANY_ROWS, XLSX_MAX_ROWS, Row, write_csv, write_xlsx
from coordinator.held_words import duration_text, margin_text
from coordinator.i18n import N_, Msg, _, current_language
from coordinator.kinds import DocumentState
from coordinator.queries import actions as action_queries
from coordinator.queries.actions import ActionRow
from coordinator.queries.due import document_since
from coordinator.store.models import (
    Action,
    ActionPause,
    Case,
    CaseTag,
    Communication,
    Contact,
    Document,
    Handle,
    Organisation,
    PhoneNumber,
    Template,
)
from coordinator.store.records import amount_from_minor
from coordinator.store.storage import Store

__all__ = [
    "LISTS",
    "ExportedList",
    "Format",
    "ListTable",
    "TableList",
    "export_list",
]

Format = Literal["csv", "xlsx"]

if TYPE_CHECKING:  # SQLAlchemy 2.1 types a Select by its columns; any columns here
    Query: TypeAlias = Select[*tuple[Any, ...]]

CHUNK: Final = 1_000  # rows read from the database at a time


# -- the lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilter:
    case_id: int | None = None
    since: datetime | None = None  # from this moment on
    before: datetime | None = None  # up to, not including, this moment


class ListTable(NamedTuple):
    """A list ready to write: translated headers and its rows, read as they are consumed."""

    headers: list[str]
    rows: Generator[Row, None, None]


@dataclass(frozen=True)
class Reading:
    """What a list is read with: its session, and the moment and working calendar its
    "waiting" and "working time" columns are worked out at."""

    session: Session
    calendar: WorkingCalendar
    now: datetime


Convert = Callable[[Reading, Sequence[Any]], Iterator[Row]]


@dataclass(frozen=True)
class TableList:
    """One exportable list: its column headers, its query and how a row of it reads."""

    name: str
    title: Msg
    headers: tuple[Msg, ...]
    statement: Callable[[ListFilter], Query]
    convert: Convert
    by_case: bool = True
    by_date: bool = False

    def _filter(
        self, case_id: int | None, since: date | datetime | None, until: date | datetime | None
    ) -> ListFilter:
        if case_id is not None and not self.by_case:
            raise ValidationError(
                N_("The list “{name}” cannot be limited to one case."), name=self.title
            )
        if (since is not None or until is not None) and not self.by_date:
            raise ValidationError(
                N_("The list “{name}” cannot be limited to dates."), name=self.title
            )
        start = _start_of(since)
        before = _after(until)
        if start is not None and before is not None and start >= before:
            raise ValidationError(N_("The start date is after the end date."))
        return ListFilter(case_id, start, before)

    def __call__(
        self,
        store: Store,
        *,
        case_id: int | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> ListTable:
        """The headers in the current language and the rows, streamed from the store.

        ``since`` and ``until`` are inclusive; a date ``until`` takes in its whole day.
        The rows are read inside one read transaction that stays open until they are
        all consumed (or the iterator is closed).
        """
        filters = self._filter(case_id, since, until)
        return ListTable([_(h) for h in self.headers], self._rows(store, filters))

    def count(
        self,
        store: Store,
        *,
        case_id: int | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> int:
        filters = self._filter(case_id, since, until)
        statement = self.statement(filters).order_by(None).subquery()
        with store.read() as session:
            return int(session.scalar(select(func.count()).select_from(statement)) or 0)

    def _rows(self, store: Store, filters: ListFilter) -> Generator[Row, None, None]:
        calendar, now = store.calendar(), store.clock()
        with (
            store.read() as session,
            # Closed when the rows are abandoned half way, too (a cursor on the server).
            session.execute(
                self.statement(filters), execution_options={"yield_per": CHUNK}
            ) as result,
        ):
            reading = Reading(session, calendar, now)
            for chunk in result.partitions():
                yield from self.convert(reading, chunk)


def _start_of(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min)


def _after(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time.min)


def _label(names: Mapping[Any, Msg], value: Any) -> str:
    name = names.get(value)
    return name.tr() if name is not None else str(value)


def _kind_names(session: Session) -> dict[str, str]:
    chinese = current_language() == "zh_CN"
    return {
        key: (name if chinese else (name_en or name))
        for key, name, name_en in session.execute(
            select(Template.key, Template.name, Template.name_en)
        )
    }


# Headers. Existing field names are reused where they mean the same.
H_REFERENCE = N_("Reference")
H_CASE = N_("Case reference")
H_COMPANY = N_("Company")
H_STATUS = N_("Status")
H_REQUESTED = N_("Requested at")
H_DONE = N_("Done at")
H_NOTES = labels.F_NOTES
H_TITLE = labels.F_TITLE
H_WAITING = N_("Waiting")


def _cases_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Case.id,
            Case.reference,
            Case.title,
            Organisation.name,
            Case.kind,
            Case.fast_track,
            Case.status,
            Case.owner,
            Case.opened_at,
            Case.target_at,
            Case.closed_at,
            Case.amount_minor,
            Case.currency,
            Case.notes,
        )
        .outerjoin(Organisation, Case.company_id == Organisation.id)
        .order_by(Case.opened_at, Case.id)
    )
    if f.case_id is not None:
        statement = statement.where(Case.id == f.case_id)
    return statement


def _cases_rows(reading: Reading, chunk: Sequence[Any]) -> Iterator[Row]:
    session = reading.session
    tags: dict[int, list[str]] = {}
    for case_id, tag in session.execute(
        select(CaseTag.case_id, CaseTag.tag)
        .where(CaseTag.case_id.in_([r.id for r in chunk]))
        .order_by(CaseTag.case_id, CaseTag.tag)
    ):
        tags.setdefault(case_id, []).append(tag)
    kinds = _kind_names(session)
    for r in chunk:
        yield (
            r.reference,
            r.title,
            r.name,
            kinds.get(r.kind, r.kind),
            r.fast_track,
            _label(labels.CASE_STATUS, r.status),
            r.owner,
            r.opened_at,
            r.target_at,
            r.closed_at,
            amount_from_minor(r.amount_minor),
            r.currency if r.amount_minor is not None else "",
            ", ".join(tags.get(r.id, ())),
            r.notes,
        )


def _actions_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Action.id,
            Action.case_id,
            Action.department_id,
            Case.reference,
            Organisation.name,
            Action.title,
            Action.status,
            Action.owner,
            Action.requested_at,
            Action.due_at,
            Action.done_at,
            Action.blocked_reason,
            Action.notes,
        )
        .join(Case, Action.case_id == Case.id)
        .join(Organisation, Action.department_id == Organisation.id)
        .order_by(Action.case_id, Action.position, Action.id)
    )
    if f.case_id is not None:
        statement = statement.where(Action.case_id == f.case_id)
    return statement


def _actions_rows(reading: Reading, chunk: Sequence[Any]) -> Iterator[Row]:
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for action_id, started, ended in reading.session.execute(
        select(ActionPause.action_id, ActionPause.started_at, ActionPause.ended_at)
        .where(ActionPause.action_id.in_([r.id for r in chunk]))
        .order_by(ActionPause.action_id, ActionPause.started_at, ActionPause.id)
    ):
        pauses.setdefault(action_id, []).append((started, ended))
    calendar, now = reading.calendar, reading.now
    per_day = calendar.seconds_per_day
    for r in chunk:
        # The same reading of the step as the Actions list's, for the same two columns.
        step = ActionRow(
            id=r.id,
            case_id=r.case_id,
            case_reference=r.reference,
            fast_track=False,
            company_name=None,
            department_id=r.department_id,
            department_name=r.name,
            title=r.title,
            status=r.status,
            requested_at=r.requested_at,
            due_at=r.due_at,
            done_at=r.done_at,
            reason=r.blocked_reason or "",
            pauses=tuple(pauses.get(r.id, ())),
        )
        held = action_queries.held_seconds(step, calendar, now)
        yield (
            r.reference,
            r.name,
            r.title,
            _label(labels.ACTION_STATUS, r.status),
            duration_text(held, per_day) if held is not None else "",
            margin_text(action_queries.due_margin(step, calendar, now), per_day),
            r.owner,
            r.requested_at,
            r.due_at,
            r.done_at,
            r.blocked_reason,
            r.notes,
        )


_Holder = aliased(Organisation)


def _documents_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Case.reference,
            Document.title,
            Document.state,
            _Holder.name,
            Document.requested_at,
            Document.received_at,
            Document.forwarded_at,
            Document.accepted_at,
            Document.returned_at,
            Document.version,
            Document.notes,
            document_since().label("since"),
        )
        .join(Case, Document.case_id == Case.id)
        .outerjoin(_Holder, Document.holder_id == _Holder.id)
        .order_by(Document.case_id, Document.position, Document.id)
    )
    if f.case_id is not None:
        statement = statement.where(Document.case_id == f.case_id)
    return statement


def _documents_rows(reading: Reading, chunk: Sequence[Any]) -> Iterator[Row]:
    me = _("me")  # the holder of a document nobody else holds: the officer
    calendar, now = reading.calendar, reading.now
    for r in chunk:
        # As the Documents list: since its last step, while it waits on someone.
        waiting = (
            calendar.working_seconds(r.since, now)
            if r.since is not None and r.state != DocumentState.ACCEPTED
            else None
        )
        yield (
            r.reference,
            r.title,
            _label(labels.DOCUMENT_STATE, r.state),
            r.name if r.name is not None else me,
            duration_text(waiting, calendar.seconds_per_day) if waiting is not None else "",
            r.requested_at,
            r.received_at,
            r.forwarded_at,
            r.accepted_at,
            r.returned_at,
            r.version,
            r.notes,
        )


def _communications_statement(f: ListFilter) -> Query:
    statement = (
        select(
            Communication.at,
            Communication.direction,
            Communication.channel,
            Contact.name,
            Communication.raw_number,
            Communication.number_e164,
            Case.reference,
            Communication.duration_seconds,
            Communication.notes,
            Communication.follow_up_due,
            Communication.follow_up_done_at,
        )
        .outerjoin(Contact, Communication.contact_id == Contact.id)
        .outerjoin(Case, Communication.case_id == Case.id)
        .order_by(Communication.at, Communication.id)
    )
    if f.case_id is not None:
        statement = statement.where(Communication.case_id == f.case_id)
    if f.since is not None:
        statement = statement.where(Communication.at >= f.since)
    if f.before is not None:
        statement = statement.where(Communication.at < f.before)
    return statement


def _communications_rows(_reading: Reading, chunk: Sequence[Any]) -> Iterator[Row]:
    for r in chunk:
        yield (
            r.at,
            _label(labels.DIRECTION, r.direction),
            _label(labels.CHANNEL, r.channel),
            r.name,
            r.raw_number or r.number_e164,
            r.reference,
            r.duration_seconds,
            r.notes,
            r.follow_up_due,
            r.follow_up_done_at,
        )


def _contacts_statement(_f: ListFilter) -> Query:
    return (
        select(Contact.id, Contact.name, Organisation.name.label("organisation"), Contact.role)
        .outerjoin(Organisation, Contact.organisation_id == Organisation.id)
        .order_by(Contact.pinyin, Contact.name, Contact.id)
    )


def _contacts_rows(reading: Reading, chunk: Sequence[Any]) -> Iterator[Row]:
    session = reading.session
    ids = [r.id for r in chunk]
    phones: dict[int, list[str]] = {}
    for contact_id, raw, label in session.execute(
        select(PhoneNumber.contact_id, PhoneNumber.raw, PhoneNumber.label)
        .where(PhoneNumber.contact_id.in_(ids))
        .order_by(PhoneNumber.contact_id, PhoneNumber.position, PhoneNumber.id)
    ):
        phones.setdefault(contact_id, []).append(f"{raw} ({label})" if label else raw)
    handles: dict[int, list[str]] = {}
    for contact_id, channel, handle in session.execute(
        select(Handle.contact_id, Handle.channel, Handle.handle)
        .where(Handle.contact_id.in_(ids))
        .order_by(Handle.contact_id, Handle.id)
    ):
        handles.setdefault(contact_id, []).append(f"{_label(labels.CHANNEL, channel)}: {handle}")
    for r in chunk:
        yield (
            r.name,
            r.organisation,
            r.role,
            "; ".join(phones.get(r.id, ())),
            "; ".join(handles.get(r.id, ())),
        )


LISTS: Final[Mapping[str, TableList]] = MappingProxyType(
    {
        "cases": TableList(
            "cases",
            N_("Cases"),
            (
                H_REFERENCE,
                H_TITLE,
                H_COMPANY,
                labels.F_KIND,
                N_("Fast-track"),
                H_STATUS,
                labels.F_OWNER,
                labels.F_OPENED,
                labels.F_TARGET,
                N_("Closed at"),
                labels.F_AMOUNT,
                labels.F_CURRENCY,
                N_("Tags"),
                H_NOTES,
            ),
            _cases_statement,
            _cases_rows,
        ),
        "actions": TableList(
            "actions",
            N_("Department actions"),
            (
                H_CASE,
                labels.F_DEPARTMENT,
                H_TITLE,
                H_STATUS,
                H_WAITING,
                N_("Working time"),
                labels.F_OWNER,
                H_REQUESTED,
                labels.F_DUE,
                H_DONE,
                N_("Blocked reason"),
                H_NOTES,
            ),
            _actions_statement,
            _actions_rows,
        ),
        "documents": TableList(
            "documents",
            N_("Documents"),
            (
                H_CASE,
                H_TITLE,
                N_("State"),
                N_("Holder"),
                H_WAITING,
                H_REQUESTED,
                N_("Received at"),
                N_("Forwarded at"),
                N_("Accepted at"),
                N_("Returned at"),
                N_("Version"),
                H_NOTES,
            ),
            _documents_statement,
            _documents_rows,
        ),
        "communications": TableList(
            "communications",
            N_("Communications"),
            (
                labels.F_AT,
                N_("Direction"),
                N_("Channel"),
                N_("Contact"),
                labels.F_NUMBER,
                H_CASE,
                N_("Duration (s)"),
                H_NOTES,
                N_("Follow-up due"),
                N_("Follow-up done at"),
            ),
            _communications_statement,
            _communications_rows,
            by_date=True,
        ),
        "contacts": TableList(
            "contacts",
            N_("Contacts"),
            (
                N_("Full name"),
                N_("Organisation"),
                labels.F_ROLE,
                N_("Phone numbers"),
                N_("Messaging handles"),
            ),
            _contacts_statement,
            _contacts_rows,
            by_case=False,
        ),
    }
)


@dataclass(frozen=True)
class ExportedList:
    name: str
    path: Path
    format: Format
    rows: int


def export_list(
    store: Store,
    name: str,
    path: str | os.PathLike[str],
    *,
    format: Format,
    case_id: int | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> ExportedList:
    """Write the list ``name`` of :data:`LISTS` to ``path`` as CSV or .xlsx."""
    table_list = LISTS.get(name)
    if table_list is None:
        raise ValidationError(
            N_("There is no list “{name}”; the lists are: {names}."),
            name=name,
            names=", ".join(LISTS),
        )
    target = Path(path)
    if format == "xlsx":
        total = table_list.count(store, case_id=case_id, since=since, until=until)
        if total >= XLSX_MAX_ROWS:
            raise ValidationError(
                MSG_TOO_MANY_ROWS, count=f"{total:,}", limit=f"{XLSX_MAX_ROWS - 1:,}"
            )
    headers, rows = table_list(store, case_id=case_id, since=since, until=until)
    with closing(rows):  # ends the read transaction even if writing fails half-way
        if format == "xlsx":
            written = write_xlsx(target, headers, rows, _(table_list.title))
        else:
            written = write_csv(target, headers, rows)
    return ExportedList(name, target, format, written)
