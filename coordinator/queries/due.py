"""What is overdue, due today, likely late or waiting on someone: the rules every list and
report shares.

A step is overdue when its clock runs (a step waiting on the company is paused, never
overdue) and its due time has passed; due today when it falls due before midnight. A
document waits on someone while it is requested, forwarded, returned or accepted with
items missing. "End of today" is the start of tomorrow, exclusive, so an item due at
23:59:59.999999 is due today; an item due exactly ``now`` is due today, not overdue.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from coordinator.kinds import ActionStatus, DocumentState
from coordinator.store.models import Action, Communication, Document

# Written out as IN lists rather than NOT IN, so that ix_actions_status_due is searched
# once per status instead of being scanned whole.
OVERDUE_STATUSES: tuple[ActionStatus, ...] = (
    ActionStatus.TODO,
    ActionStatus.IN_PROGRESS,
    ActionStatus.WAITING,
    ActionStatus.BLOCKED,
)
"""Open and on the officer's or a department's clock (waiting_company pauses the clock)."""

DUE_TODAY_STATUSES: tuple[ActionStatus, ...] = (*OVERDUE_STATUSES, ActionStatus.WAITING_COMPANY)
"""Every status but done and cancelled."""

WAITING_DOCUMENT_STATES: tuple[DocumentState, ...] = (
    DocumentState.REQUESTED,
    DocumentState.FORWARDED,
    DocumentState.RETURNED,
    DocumentState.ACCEPTED_MISSING,
)
"""Document states in which the paper waits on someone (the company or a department)."""


def is_overdue(status: ActionStatus, due_at: datetime | None, now: datetime) -> bool:
    """The rule of :func:`overdue_condition`, for a step already read."""
    return due_at is not None and due_at < now and status in OVERDUE_STATUSES


def is_due_today(status: ActionStatus, due_at: datetime | None, now: datetime) -> bool:
    """The rule of :func:`due_today_condition`, for a step already read."""
    return due_at is not None and now <= due_at < end_of_day(now) and status in DUE_TODAY_STATUSES


def is_likely_late(
    expected: datetime, due_at: datetime | None, paused: bool, now: datetime
) -> bool:
    """A step's forecast finish (``expected``) is after its due time, which is still
    ahead: the warning before "overdue". A step waiting on the company (``paused``) is
    never likely late: its due time moves on by the pause when the company answers."""
    return due_at is not None and not paused and now <= due_at < expected


# -- time ------------------------------------------------------------------------------


def end_of_day(now: datetime) -> datetime:
    """The exclusive end of ``now``'s day: midnight starting the next day."""
    return datetime.combine(now.date() + timedelta(days=1), time.min)


# -- a portable GREATEST ---------------------------------------------------------------


class Greatest(FunctionElement[datetime]):
    """The latest of several nullable datetimes, ignoring NULLs (NULL if all are NULL).

    PostgreSQL's GREATEST already ignores NULLs; SQLite's scalar MAX() returns NULL as
    soon as one argument is NULL, so there each argument falls back to the first
    non-NULL one of them all (which cannot exceed the maximum).
    """

    type = DateTime()
    name = "greatest"
    inherit_cache = True


@compiles(Greatest)
def _greatest_default(element: Greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(Greatest, "sqlite")
def _greatest_sqlite(element: Greatest, compiler: SQLCompiler, **kw: Any) -> str:
    args = [compiler.process(clause, **kw) for clause in element.clauses]
    if len(args) == 1:
        return args[0]
    everything = ", ".join(args)
    return "MAX(" + ", ".join(f"COALESCE({arg}, {everything})" for arg in args) + ")"


def document_since() -> ColumnElement[datetime]:
    return Greatest(
        Document.requested_at,
        Document.received_at,
        Document.forwarded_at,
        Document.accepted_at,
        Document.returned_at,
        Document.resubmitted_at,
    )


# -- conditions, shared by the lists and the counts -------------------------------------


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return and_(Action.status.in_(OVERDUE_STATUSES), Action.due_at < now)


def due_today_condition(now: datetime) -> ColumnElement[bool]:
    return and_(
        Action.status.in_(DUE_TODAY_STATUSES),
        Action.due_at >= now,
        Action.due_at < end_of_day(now),
    )


def open_follow_up_condition(now: datetime) -> ColumnElement[bool]:
    # The first two terms are, word for word, the WHERE of ix_communications_open_follow_up:
    # SQLite uses a partial index only when the query's WHERE visibly implies it.
    return and_(
        Communication.follow_up_done_at.is_(None),
        Communication.follow_up_due.is_not(None),
        Communication.follow_up_due < end_of_day(now),
    )
