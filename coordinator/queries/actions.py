"""Actions across every case: "who is holding what, for how long".

The list of steps across all cases holds only ordered ids (:func:`ids`) and asks for the
display rows of the few it shows (:func:`rows`); sorting and filtering are SQL, shaped
for the indexes of :class:`~coordinator.store.models.Action`:

* open steps (the default): ``ix_actions_status_due``, one search per open status;
* one department: ``ix_actions_department_status``;
* overdue only: ``ix_actions_status_due`` again (status IN the clocked statuses, due_at <).

The fast-track and text filters are ``IN (subquery)`` conditions over cases and
companies, so they never change the join shape the sort needs. Every order ends with the
action id in the same direction as its key, so it is total, stable between calls, and
the exact reverse of the opposite direction (the lazy list reads its tail that way).
``NULL`` has one fixed place per key: "not requested yet" is the shortest held and "no due
time" the latest due, whichever way the list is sorted.

Working-time figures (held for, left or over) are computed for the rows shown only, in
Python with the officer's calendar (:func:`held_seconds`, :func:`due_margin`).
:func:`department_loads` sums up each department's open steps for the list beside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, case, or_, select
from sqlalchemy.orm import aliased

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import ActionStatus
from coordinator.queries.cases import in_case_order, with_reference_or_company
from coordinator.queries.due import OVERDUE_STATUSES
from coordinator.queries.sql import (
    FilteredList,
    chunks,
    contains,
    order_key,
    rank,
)
from coordinator.search.filtering import holds
from coordinator.store.changes import ChangeKind
from coordinator.store.lookup import WHAT_ACTION, WHAT_CASE, get_or_raise
from coordinator.store.models import Action, ActionDependency, ActionPause, Case, Organisation
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store

S = ActionStatus

OPEN_STATUSES: Final[tuple[ActionStatus, ...]] = (
    S.TODO,
    S.IN_PROGRESS,
    S.WAITING,
    S.WAITING_COMPANY,
    S.BLOCKED,
)
"""Every status but done and cancelled (an IN list: each is one index search)."""

STATUS_ORDER: Final[tuple[ActionStatus, ...]] = (*OPEN_STATUSES, S.DONE, S.CANCELLED)
"""The order a step moves through its statuses; sorting by status follows it."""

SORT_CASE: Final = "case"
SORT_COMPANY: Final = "company"
SORT_DEPARTMENT: Final = "department"
SORT_TITLE: Final = "title"
SORT_STATUS: Final = "status"
SORT_REQUESTED: Final = "requested"
SORT_DUE: Final = "due"
SORT_HELD: Final = "held"
"""Held for: descending is the longest held first (the earliest requested)."""
SORT_OWNER: Final = "owner"

SORT_COLUMNS: Final[tuple[str, ...]] = (
    SORT_CASE,
    SORT_COMPANY,
    SORT_DEPARTMENT,
    SORT_TITLE,
    SORT_STATUS,
    SORT_REQUESTED,
    SORT_DUE,
    SORT_HELD,
    SORT_OWNER,
)
"""The sort keys :func:`ids` understands."""


@dataclass(frozen=True)
class ActionFilter:
    """Which steps the list shows; the default shows the open steps of every department.

    ``statuses`` None shows every status. ``overdue_at`` keeps the steps overdue at that
    moment (as Today counts them: a step waiting on the company is paused, never
    overdue). ``text`` matches any part of the case reference, the company's name or the
    step's title (``%`` and ``_`` in it are literal characters). ``owner`` keeps the
    steps one officer chases ("my steps": ``ix_actions_owner``).
    """

    department_id: int | None = None
    statuses: tuple[ActionStatus, ...] | None = OPEN_STATUSES
    overdue_at: datetime | None = None
    fast_track_only: bool = False
    text: str = ""
    owner: str | None = None


@dataclass(frozen=True)
class ActionRow:
    """What one line of the list shows."""

    id: int
    case_id: int
    case_reference: str
    fast_track: bool
    company_name: str | None
    department_id: int
    department_name: str
    title: str
    status: ActionStatus
    requested_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None
    reason: str
    pauses: tuple[tuple[datetime, datetime | None], ...]
    owner: str = ""
    row_version: int = 0
    """The version shown: a status key pressed on the row hands it to the service."""


@dataclass(frozen=True)
class DueMargin:
    """Working seconds between the step's due time and the moment that counts.

    Positive: time left; negative: over. ``paused`` while the step waits on the company
    (the margin is frozen at the pause's start); ``finished`` for a done step (the margin
    it was done with).
    """

    seconds: int
    paused: bool = False
    finished: bool = False

    @property
    def over(self) -> bool:
        return self.seconds < 0


@dataclass(frozen=True)
class DepartmentLoad:
    """One department's open steps: how many, how many in its hands, the longest held."""

    department_id: int
    name: str
    open_steps: int
    held_steps: int
    """Open steps already requested from the department (its clock runs or is paused)."""
    overdue: int
    longest_seconds: int | None
    """Working seconds the longest-held open step has been with it, pauses left out."""
    longest_action_id: int | None


# -- filters and order -------------------------------------------------------------------


def _text_condition(text: str) -> ColumnElement[bool] | None:
    term = text.strip()
    if not term:
        return None
    own = holds(ChangeKind.ACTION, Action.id, term, contains(Action.title, term))
    return or_(own, Action.case_id.in_(with_reference_or_company(term)))


def conditions(flt: ActionFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if flt.department_id is not None:
        found.append(Action.department_id == flt.department_id)
    if flt.statuses is not None:
        found.append(Action.status.in_(flt.statuses))
    if flt.overdue_at is not None:
        found.append(Action.status.in_(OVERDUE_STATUSES))
        found.append(Action.due_at < flt.overdue_at)
    if flt.fast_track_only:
        found.append(Action.case_id.in_(select(Case.id).where(Case.fast_track.is_(True))))
    if flt.owner is not None:
        found.append(Action.owner == flt.owner)
    text = _text_condition(flt.text)
    if text is not None:
        found.append(text)
    return found


def ids_stmt(
    flt: ActionFilter = ActionFilter(),
    sort: str = SORT_HELD,
    descending: bool = True,
) -> Select[Any]:
    """The statement of :func:`ids` (public so that tests and benchmarks can explain it)."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column {sort!r}")
    stmt = select(Action.id).where(*conditions(flt))
    up = not descending
    keys: list[Any]
    if sort in (SORT_CASE, SORT_COMPANY):
        stmt, keys = in_case_order(stmt, Action, up, by_company=sort == SORT_COMPANY)
    elif sort == SORT_DEPARTMENT:
        department = aliased(Organisation, name="department")
        stmt = stmt.join(department, department.id == Action.department_id)
        keys = [order_key(department.name, up)]
    elif sort == SORT_TITLE:
        keys = [order_key(Action.title, up)]
    elif sort == SORT_STATUS:
        keys = [order_key(rank(Action.status, STATUS_ORDER), up)]
    elif sort == SORT_REQUESTED:
        keys = [order_key(Action.requested_at, up, nulls_low=True)]
    elif sort == SORT_DUE:
        keys = [order_key(Action.due_at, up, nulls_low=False)]
    elif sort == SORT_OWNER:
        keys = [order_key(Action.owner, up)]
    else:  # SORT_HELD: the earlier requested, the longer held; never requested, never held
        up = descending
        keys = [order_key(Action.requested_at, up, nulls_low=False)]
    return stmt.order_by(*keys, order_key(Action.id, up))


LIST: Final = FilteredList(Action, conditions, ids_stmt, ActionFilter(), SORT_HELD)
"""The list across cases: ``ids``, ``count``, ``matching`` and ``of_cases``."""
ids = LIST.ids
count = LIST.count
matching = LIST.matching
of_cases = LIST.of_cases


# -- display rows ------------------------------------------------------------------------


def rows(store: Store, ids: Sequence[int]) -> dict[int, ActionRow]:
    """The display rows of ``ids`` (a window of the list), keyed by id.

    One statement per 500 ids for the rows and one for their pauses; an id that no
    longer exists is simply missing from the result.
    """
    with store.read() as session:
        found: dict[int, ActionRow] = {}
        company = aliased(Organisation, name="company")
        department = aliased(Organisation, name="department")
        for chunk in chunks(ids):
            pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
            for action_id, started, ended in session.execute(
                select(ActionPause.action_id, ActionPause.started_at, ActionPause.ended_at)
                .where(ActionPause.action_id.in_(chunk))
                .order_by(ActionPause.action_id, ActionPause.started_at, ActionPause.id)
            ):
                pauses.setdefault(action_id, []).append((started, ended))
            stmt = (
                select(
                    Action.id,
                    Action.case_id,
                    Case.reference,
                    Case.fast_track,
                    company.name,
                    Action.department_id,
                    department.name,
                    Action.title,
                    Action.status,
                    Action.requested_at,
                    Action.due_at,
                    Action.done_at,
                    Action.blocked_reason,
                    Action.owner,
                    Action.row_version,
                )
                .join(Case, Case.id == Action.case_id)
                .outerjoin(company, company.id == Case.company_id)
                .join(department, department.id == Action.department_id)
                .where(Action.id.in_(chunk))
            )
            for r in session.execute(stmt):
                found[r[0]] = ActionRow(
                    id=r[0],
                    case_id=r[1],
                    case_reference=r[2],
                    fast_track=bool(r[3]),
                    company_name=r[4],
                    department_id=r[5],
                    department_name=r[6],
                    title=r[7],
                    status=r[8],
                    requested_at=r[9],
                    due_at=r[10],
                    done_at=r[11],
                    reason=r[12] or "",
                    pauses=tuple(pauses.get(r[0], ())),
                    owner=r[13],
                    row_version=r[14],
                )
        return found


def held_seconds(row: ActionRow, calendar: WorkingCalendar, now: datetime) -> int | None:
    """Working seconds the department has held the step: from its request to its end (or
    ``now`` while open), its pauses on the company left out. None if never requested or
    cancelled (nobody holds it)."""
    if row.requested_at is None or row.status == S.CANCELLED:
        return None
    end = row.done_at if row.status == S.DONE and row.done_at is not None else now
    return calendar.working_seconds(row.requested_at, end, row.pauses)


def due_margin(row: ActionRow, calendar: WorkingCalendar, now: datetime) -> DueMargin | None:
    """How far the step is from its due time, in working time (None: no due time, or
    cancelled)."""
    if row.due_at is None or row.status == S.CANCELLED:
        return None
    paused = finished = False
    moment = now
    if row.status == S.DONE:
        if row.done_at is None:
            return None
        moment, finished = row.done_at, True
    elif row.status == S.WAITING_COMPANY:
        # The due time moves on by the paused working time when the pause ends; until
        # then the margin stands where the pause began.
        open_pause = next((start for start, end in reversed(row.pauses) if end is None), None)
        if open_pause is not None:
            moment, paused = min(open_pause, now), True
    if row.due_at >= moment:
        return DueMargin(calendar.working_seconds(moment, row.due_at), paused, finished)
    return DueMargin(-calendar.working_seconds(row.due_at, moment), paused, finished)


def department_name(store: Store, department_id: int) -> str:
    """The organisation's name ("" if it is gone)."""
    with store.read() as session:
        name = session.scalar(select(Organisation.name).where(Organisation.id == department_id))
        return name or ""


# -- the departments' load ---------------------------------------------------------------


def department_loads(
    store: Store,
    calendar: WorkingCalendar,
    now: datetime,
    fast_track_only: bool = False,
    owner: str | None = None,
) -> list[DepartmentLoad]:
    """Each department with open steps: how many, how many overdue, the longest held.

    Three statements whatever the number of departments: the open steps (one index
    search per open status), the names, and the pauses of the steps already requested.
    The longest held step is found without computing every step's working time: a step's
    held time is at most the working time since its request, so each department's
    requests are looked at from the earliest on, and the search stops at the first whose
    whole span cannot beat the best found.

    Longest-held first (departments holding nothing requested last), then by name.
    ``owner``: the steps of one officer only (as the list beside shows them).
    """
    with store.read() as session:
        where: list[ColumnElement[bool]] = [Action.status.in_(OPEN_STATUSES)]
        if fast_track_only:
            where.append(Action.case_id.in_(select(Case.id).where(Case.fast_track.is_(True))))
        if owner is not None:
            where.append(Action.owner == owner)
        overdue = case((Action.status.in_(OVERDUE_STATUSES) & (Action.due_at < now), 1), else_=0)
        totals: dict[int, list[int]] = {}  # department -> [open, held, overdue]
        requested: dict[int, list[tuple[datetime, int]]] = {}
        for department_id, action_id, requested_at, is_overdue in session.execute(
            select(Action.department_id, Action.id, Action.requested_at, overdue).where(*where)
        ):
            counts = totals.setdefault(department_id, [0, 0, 0])
            counts[0] += 1
            counts[2] += int(is_overdue)
            if requested_at is not None:
                counts[1] += 1
                requested.setdefault(department_id, []).append((requested_at, action_id))
        if not totals:
            return []
        names = {
            r[0]: r[1]
            for r in session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(totals)))
            )
        }
        pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
        for action_id, started, ended in session.execute(
            select(ActionPause.action_id, ActionPause.started_at, ActionPause.ended_at)
            .where(
                ActionPause.action_id.in_(
                    select(Action.id).where(*where, Action.requested_at.is_not(None))
                )
            )
            .order_by(ActionPause.action_id, ActionPause.started_at)
        ):
            pauses.setdefault(action_id, []).append((started, ended))
        loads = []
        for department_id, (open_steps, held_steps, overdue_count) in totals.items():
            best: int | None = None
            best_id: int | None = None
            for requested_at, action_id in sorted(requested.get(department_id, [])):
                span = calendar.working_seconds(requested_at, now)
                if best is not None and span <= best:
                    break  # every later request spans less: none can beat the best
                held = calendar.working_seconds(requested_at, now, pauses.get(action_id, ()))
                if best is None or held > best:
                    best, best_id = held, action_id
            loads.append(
                DepartmentLoad(
                    department_id=department_id,
                    name=names.get(department_id, ""),
                    open_steps=open_steps,
                    held_steps=held_steps,
                    overdue=overdue_count,
                    longest_seconds=best,
                    longest_action_id=best_id,
                )
            )
        loads.sort(
            key=lambda d: (
                d.longest_seconds is None,
                -(d.longest_seconds or 0),
                d.name,
                d.department_id,
            )
        )
        return loads


def for_case(store: Store, case_id: int) -> list[ActionRecord]:
    with store.read() as session:
        get_or_raise(session, Case, case_id, WHAT_CASE)
        deps: dict[int, list[int]] = {}
        for row in session.execute(
            select(ActionDependency.action_id, ActionDependency.depends_on_id)
            .join(Action, Action.id == ActionDependency.action_id)
            .where(Action.case_id == case_id)
            .order_by(ActionDependency.depends_on_id)
        ):
            deps.setdefault(row.action_id, []).append(row.depends_on_id)
        actions = session.scalars(
            select(Action).where(Action.case_id == case_id).order_by(Action.position, Action.id)
        )
        return [ActionRecord.of(a, tuple(deps.get(a.id, ()))) for a in actions]


def get(store: Store, action_id: int) -> ActionRecord:
    with store.read() as session:
        action = get_or_raise(session, Action, action_id, WHAT_ACTION)
        deps = tuple(
            session.scalars(
                select(ActionDependency.depends_on_id)
                .where(ActionDependency.action_id == action_id)
                .order_by(ActionDependency.depends_on_id)
            )
        )
        return ActionRecord.of(action, deps)
