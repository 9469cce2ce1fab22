"""The "Today" screen: what is overdue, what is due, what waits on whom.

Every query is read-only and returns plain frozen dataclasses, never ORM objects, so a
screen can keep them after the session is gone. Each one is shaped for one index of
:mod:`coordinator.store.models` (the statement builders are public so that tests and the
benchmark can look at their query plans):

* overdue / due today: ``ix_actions_status_due`` (status IN the open statuses, due_at range);
* due soon (the candidates for "likely late"): ``ix_actions_status_due`` again;
* open follow-ups: the partial index ``ix_communications_open_follow_up``;
* unfiled communications: the partial index ``ix_communications_unfiled``;
* documents waiting: ``ix_documents_state_holder``.

The limited, ordered selection is made in a subquery on the one table first, and only
those rows are joined to cases, departments and contacts: the join can then neither
tempt the planner away from the index nor cost a lookup per matching row.

What counts as overdue, due today or waiting is :mod:`coordinator.queries.due`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from coordinator.calendar.case_timing import ActionTiming, critical_path
from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import ActionStatus, CaseStatus, Channel, Direction, DocumentState
from coordinator.queries.due import (
    OVERDUE_STATUSES,
    WAITING_DOCUMENT_STATES,
    document_since,
    due_today_condition,
    open_follow_up_condition,
    overdue_condition,
)
from coordinator.store.models import (
    Action,
    ActionDependency,
    Case,
    Communication,
    Contact,
    Document,
    Organisation,
)
from coordinator.store.storage import Store

DEFAULT_LIMIT = 200
DUE_SOON_WORKING_DAYS = 5
"""How far ahead Today looks for steps likely to be late: far enough to make a call in
time, near enough that the forecasts of their cases stay cheap to work out."""

# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionItem:
    action_id: int
    case_id: int
    case_reference: str
    department_id: int
    department_name: str
    title: str
    status: ActionStatus
    due_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUpItem:
    communication_id: int
    at: datetime
    channel: Channel
    direction: Direction
    contact_id: int | None
    contact_name: str | None
    raw_number: str
    case_id: int | None
    case_reference: str | None
    follow_up_due: datetime
    notes: str

    @property
    def who(self) -> str:
        """The contact's name, or the number as it came in when no contact is known."""
        return self.contact_name if self.contact_name is not None else self.raw_number


@dataclass(frozen=True, slots=True)
class UnfiledItem:
    communication_id: int
    at: datetime
    channel: Channel
    direction: Direction
    duration_seconds: int
    contact_id: int | None
    contact_name: str | None
    raw_number: str
    notes: str

    @property
    def who(self) -> str:
        return self.contact_name if self.contact_name is not None else self.raw_number


@dataclass(frozen=True, slots=True)
class DocumentItem:
    document_id: int
    case_id: int
    case_reference: str
    title: str
    state: DocumentState
    holder_id: int | None
    holder_name: str | None
    """None when ``holder_id`` is NULL: the officer has the paper."""
    since: datetime | None
    """The latest of the document's step timestamps (None if it has none)."""
    promised_completion_at: datetime | None

    @property
    def held_by_officer(self) -> bool:
        return self.holder_id is None


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    overdue_actions: int
    actions_due_today: int
    open_follow_ups: int
    unfiled_communications: int
    documents_waiting: int


def _unfiled_condition() -> ColumnElement[bool]:
    return Communication.case_id.is_(None)  # the WHERE of ix_communications_unfiled


def _documents_waiting_condition() -> ColumnElement[bool]:
    return Document.state.in_(WAITING_DOCUMENT_STATES)


# -- statements ------------------------------------------------------------------------


def _actions_stmt(condition: ColumnElement[bool], limit: int) -> Select[Any]:
    picked = (
        select(
            Action.id,
            Action.case_id,
            Action.department_id,
            Action.title,
            Action.status,
            Action.due_at,
        )
        .where(condition)
        .order_by(Action.due_at, Action.id)
        .limit(limit)
        .subquery("picked")
    )
    return (
        select(
            picked.c.id,
            picked.c.case_id,
            Case.reference,
            picked.c.department_id,
            Organisation.name,
            picked.c.title,
            picked.c.status,
            picked.c.due_at,
        )
        .join(Case, Case.id == picked.c.case_id)
        .join(Organisation, Organisation.id == picked.c.department_id)
        .order_by(picked.c.due_at, picked.c.id)
    )


def overdue_actions_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    return _actions_stmt(overdue_condition(now), limit)


def actions_due_today_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    return _actions_stmt(due_today_condition(now), limit)


def actions_due_soon_stmt(
    now: datetime, until: datetime, limit: int = DEFAULT_LIMIT
) -> Select[Any]:
    """Steps on a running clock falling due from ``now`` (inclusive) to ``until``
    (exclusive). A step waiting on the company is left out: its due time moves on by the
    pause when the company answers, so no forecast can say yet whether it will be late."""
    return _actions_stmt(
        and_(
            Action.status.in_(OVERDUE_STATUSES),
            Action.due_at >= now,
            Action.due_at < until,
        ),
        limit,
    )


def open_follow_ups_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    picked = (
        select(
            Communication.id,
            Communication.at,
            Communication.channel,
            Communication.direction,
            Communication.contact_id,
            Communication.raw_number,
            Communication.case_id,
            Communication.follow_up_due,
            Communication.notes,
        )
        .where(open_follow_up_condition(now))
        .order_by(Communication.follow_up_due, Communication.id)
        .limit(limit)
        .subquery("picked")
    )
    return (
        select(
            picked.c.id,
            picked.c.at,
            picked.c.channel,
            picked.c.direction,
            picked.c.contact_id,
            Contact.name,
            picked.c.raw_number,
            picked.c.case_id,
            Case.reference,
            picked.c.follow_up_due,
            picked.c.notes,
        )
        .outerjoin(Contact, Contact.id == picked.c.contact_id)
        .outerjoin(Case, Case.id == picked.c.case_id)
        .order_by(picked.c.follow_up_due, picked.c.id)
    )


def unfiled_communications_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    """Newest first. ``now`` is not a filter (a future-dated entry is still unfiled)."""
    del now  # the same signature as the other statements
    picked = (
        select(
            Communication.id,
            Communication.at,
            Communication.channel,
            Communication.direction,
            Communication.duration_seconds,
            Communication.contact_id,
            Communication.raw_number,
            Communication.notes,
        )
        .where(_unfiled_condition())
        .order_by(Communication.at.desc(), Communication.id.desc())
        .limit(limit)
        .subquery("picked")
    )
    return (
        select(
            picked.c.id,
            picked.c.at,
            picked.c.channel,
            picked.c.direction,
            picked.c.duration_seconds,
            picked.c.contact_id,
            Contact.name,
            picked.c.raw_number,
            picked.c.notes,
        )
        .outerjoin(Contact, Contact.id == picked.c.contact_id)
        .order_by(picked.c.at.desc(), picked.c.id.desc())
    )


def documents_waiting_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    """Longest-waiting first; ``now`` is not a filter."""
    del now
    since = document_since().label("since")
    picked = (
        select(
            Document.id,
            Document.case_id,
            Document.title,
            Document.state,
            Document.holder_id,
            since,
            Document.promised_completion_at,
        )
        .where(_documents_waiting_condition())
        .order_by(since.asc().nulls_last(), Document.id)
        .limit(limit)
        .subquery("picked")
    )
    holder = aliased(Organisation, name="holder")
    return (
        select(
            picked.c.id,
            picked.c.case_id,
            Case.reference,
            picked.c.title,
            picked.c.state,
            picked.c.holder_id,
            holder.name,
            picked.c.since,
            picked.c.promised_completion_at,
        )
        .join(Case, Case.id == picked.c.case_id)
        .outerjoin(holder, holder.id == picked.c.holder_id)
        .order_by(picked.c.since.asc().nulls_last(), picked.c.id)
    )


def _actions_due_in_a_week_stmt(now: datetime, limit: int = DEFAULT_LIMIT) -> Select[Any]:
    """:func:`actions_due_soon_stmt` with a week of calendar days standing in for the
    working days the screen counts (the plan is the same)."""
    return actions_due_soon_stmt(now, now + timedelta(days=7), limit)


StatementBuilder = Callable[[datetime, int], Select[Any]]

STATEMENTS: dict[str, StatementBuilder] = {
    "overdue_actions": overdue_actions_stmt,
    "actions_due_today": actions_due_today_stmt,
    "actions_due_soon": _actions_due_in_a_week_stmt,
    "open_follow_ups": open_follow_ups_stmt,
    "unfiled_communications": unfiled_communications_stmt,
    "documents_waiting": documents_waiting_stmt,
}
"""Each dashboard list's statement builder, by name (for query plans and benchmarks)."""


# -- the queries -----------------------------------------------------------------------


def _action_items(session: Session, stmt: Select[Any]) -> list[ActionItem]:
    return [
        ActionItem(
            action_id=row[0],
            case_id=row[1],
            case_reference=row[2],
            department_id=row[3],
            department_name=row[4],
            title=row[5],
            status=row[6],
            due_at=row[7],
        )
        for row in session.execute(stmt)
    ]


def overdue_actions(store: Store, now: datetime, limit: int = DEFAULT_LIMIT) -> list[ActionItem]:
    """Open actions past due, oldest due first (waiting_company ones are paused: left out)."""
    with store.read() as session:
        return _action_items(session, overdue_actions_stmt(now, limit))


def actions_due_today(store: Store, now: datetime, limit: int = DEFAULT_LIMIT) -> list[ActionItem]:
    """Actions not done nor cancelled that fall due from ``now`` to the end of today."""
    with store.read() as session:
        return _action_items(session, actions_due_today_stmt(now, limit))


def actions_due_soon(
    store: Store,
    now: datetime,
    working_days: int = DUE_SOON_WORKING_DAYS,
    limit: int = DEFAULT_LIMIT,
) -> list[ActionItem]:
    """Steps on a running clock that fall due within the next ``working_days`` working
    days (the officer's calendar), soonest first: the candidates for "likely late",
    which their forecasts then decide."""
    calendar = store.calendar()
    until = calendar.add_working_hours(now, working_days * calendar.seconds_per_day / 3600)
    with store.read() as session:
        return _action_items(session, actions_due_soon_stmt(now, until, limit))


def open_follow_ups(store: Store, now: datetime, limit: int = DEFAULT_LIMIT) -> list[FollowUpItem]:
    """Follow-ups not done, due by the end of today (earlier days' included), soonest first."""
    with store.read() as session:
        return [
            FollowUpItem(
                communication_id=row[0],
                at=row[1],
                channel=row[2],
                direction=row[3],
                contact_id=row[4],
                contact_name=row[5],
                raw_number=row[6],
                case_id=row[7],
                case_reference=row[8],
                follow_up_due=row[9],
                notes=row[10],
            )
            for row in session.execute(open_follow_ups_stmt(now, limit))
        ]


def unfiled_communications(
    store: Store, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[UnfiledItem]:
    """Communications filed under no case, newest first."""
    with store.read() as session:
        return [
            UnfiledItem(
                communication_id=row[0],
                at=row[1],
                channel=row[2],
                direction=row[3],
                duration_seconds=row[4],
                contact_id=row[5],
                contact_name=row[6],
                raw_number=row[7],
                notes=row[8],
            )
            for row in session.execute(unfiled_communications_stmt(now, limit))
        ]


def documents_waiting(
    store: Store, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[DocumentItem]:
    """Documents waiting on someone (requested, forwarded, returned, accepted with items
    missing), the longest-waiting first."""
    with store.read() as session:
        return [
            DocumentItem(
                document_id=row[0],
                case_id=row[1],
                case_reference=row[2],
                title=row[3],
                state=row[4],
                holder_id=row[5],
                holder_name=row[6],
                since=row[7],
                promised_completion_at=row[8],
            )
            for row in session.execute(documents_waiting_stmt(now, limit))
        ]


def counts(store: Store, now: datetime) -> DashboardCounts:
    """How many rows each list would hold without its limit, in one round trip."""

    with store.read() as session:

        def count_of(entity: Any, condition: ColumnElement[bool]) -> Any:
            return select(func.count()).select_from(entity).where(condition).scalar_subquery()

        row = session.execute(
            select(
                count_of(Action, overdue_condition(now)),
                count_of(Action, due_today_condition(now)),
                count_of(Communication, open_follow_up_condition(now)),
                count_of(Communication, _unfiled_condition()),
                count_of(Document, _documents_waiting_condition()),
            )
        ).one()
        return DashboardCounts(
            overdue_actions=int(row[0]),
            actions_due_today=int(row[1]),
            open_follow_ups=int(row[2]),
            unfiled_communications=int(row[3]),
            documents_waiting=int(row[4]),
        )


# -- the fast-track clocks -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FastTrackClock:
    """An open fast-track case's clock, as Today shows it: working time since it opened
    against the promise made for it and against the normal procedure."""

    case_id: int
    reference: str
    title: str
    company_name: str
    opened_at: datetime
    elapsed_seconds: int
    promised_seconds: int | None
    """The longest dependency chain of its live steps, each weighing its promised limit
    (None when a live step has no promised limit, or it has no live step): the figure the
    case summary prints as the promised limit."""
    normal_seconds: int | None

    @property
    def promised_left_seconds(self) -> int | None:
        """Working time left of the promise; negative once it is broken."""
        return (
            None if self.promised_seconds is None else self.promised_seconds - self.elapsed_seconds
        )

    @property
    def normal_left_seconds(self) -> int | None:
        """Working time left of the normal duration; negative when slower than normal."""
        return None if self.normal_seconds is None else self.normal_seconds - self.elapsed_seconds


@cache
def fast_track_cases_stmt() -> Select[int, str, str, str, datetime, float | None]:
    """The open fast-track cases with their companies' names, newest first, at most
    ``:limit``. Built once: Today reads it every minute."""
    return (
        select(
            Case.id,
            Case.reference,
            Case.title,
            Organisation.name,
            Case.opened_at,
            Case.normal_duration_hours,
        )
        .outerjoin(Organisation, Organisation.id == Case.company_id)
        .where(Case.status == CaseStatus.OPEN, Case.fast_track.is_(True))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def fast_track_steps_stmt() -> Select[int, int, float | None, int | None]:
    """The live (not cancelled) steps of the cases ``:case_ids`` with their promised
    limits, a row per step and dependency (the dependency None when it has none)."""
    return (
        select(
            Action.id,
            Action.case_id,
            Action.promised_limit_hours,
            ActionDependency.depends_on_id,
        )
        .outerjoin(ActionDependency, ActionDependency.action_id == Action.id)
        .where(
            Action.case_id.in_(bindparam("case_ids", expanding=True)),
            Action.status != ActionStatus.CANCELLED,
        )
        .order_by(Action.case_id, Action.id, ActionDependency.depends_on_id)
    )


def _promised_chain(
    steps: dict[int, float | None],
    depends_on: dict[int, list[int]],
    now: datetime,
    calendar: WorkingCalendar,
) -> int | None:
    """The longest dependency chain of ``steps`` (id -> promised hours), in seconds."""
    if not steps or any(hours is None for hours in steps.values()):
        return None
    timings = [
        ActionTiming(
            id=ident,
            department="",
            requested_at=None,
            done_at=None,
            pauses=(),
            depends_on=tuple(depends_on.get(ident, ())),
            normal_hours=hours,
        )
        for ident, hours in steps.items()
    ]
    try:
        return critical_path(timings, calendar, now).working_seconds
    except ValueError:  # a dependency cycle: the services refuse them, an import may not
        return None


def fast_track_clocks(
    store: Store, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[FastTrackClock]:
    """The clocks of the open fast-track cases, newest first, in two queries however
    many cases: the cases, then their live steps' promised limits and dependencies.
    The working time is then counted on the cached calendar, with no query per case."""
    calendar = store.calendar()
    with store.read() as session:
        cases = session.execute(fast_track_cases_stmt(), {"limit": limit}).all()
        ids = [row[0] for row in cases]
        steps: dict[int, dict[int, float | None]] = {i: {} for i in ids}
        depends_on: dict[int, list[int]] = {}
        if ids:
            rows = session.execute(fast_track_steps_stmt(), {"case_ids": ids})
            for step_id, case_id, hours, before in rows:
                steps[case_id][step_id] = hours
                if before is not None:
                    depends_on.setdefault(step_id, []).append(before)
    return [
        FastTrackClock(
            case_id=case_id,
            reference=reference,
            title=title,
            company_name=company or "",
            opened_at=opened_at,
            elapsed_seconds=calendar.working_seconds(opened_at, now),
            promised_seconds=_promised_chain(steps[case_id], depends_on, now, calendar),
            normal_seconds=None if normal is None else round(normal * 3600),
        )
        for case_id, reference, title, company, opened_at, normal in cases
    ]
