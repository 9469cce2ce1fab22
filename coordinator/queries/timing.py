"""A case's clock: elapsed working time, time saved, who held what, the critical chain
(:func:`coordinator.calendar.case_timing.critical_chain`: the steps that decided when the
case finished, by the times they were actually done)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from coordinator.bidi import isolate
from coordinator.calendar.case_timing import (
    COMPANY,
    ActionTiming,
    critical_chain,
    department_waiting,
)
from coordinator.i18n import _
from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.store.storage import Store

COMPANY_KEY = COMPANY


@dataclass(frozen=True)
class CaseClock:
    case_id: int
    opened_at: datetime
    until: datetime  # closed_at, or now while open
    running: bool
    elapsed_seconds: int
    normal_seconds: int | None
    saved_seconds: int | None  # normal minus elapsed; negative when slower than normal
    department_seconds: dict[str, int]  # department name (or COMPANY_KEY) -> working seconds
    # The critical chain; the screen (◆ steps) and the printed summary both show it.
    critical_path: tuple[int, ...]
    critical_path_seconds: int  # its first request to its last finish, working time
    critical_path_paused_seconds: int  # of which its steps waited on the company
    uncovered_years: tuple[int, ...]  # years the calendar guesses (no holiday data)


def case_clock(store: Store, case_id: int, now: datetime | None = None) -> CaseClock:
    case = case_queries.get(store, case_id)
    steps = action_queries.for_case(store, case_id)
    calendar = store.calendar()
    moment = now or store.clock()
    until = case.closed_at or moment
    timings = [
        ActionTiming(
            id=a.id,
            department=a.department_name,
            requested_at=a.requested_at,
            done_at=a.done_at,
            pauses=a.pauses,
            depends_on=a.depends_on,
            normal_hours=a.normal_duration_hours,
            cancelled=a.status == ActionStatus.CANCELLED,
        )
        for a in steps
    ]
    elapsed = calendar.working_seconds(case.opened_at, until)
    normal = (
        round(case.normal_duration_hours * 3600) if case.normal_duration_hours is not None else None
    )
    path = critical_chain(timings, calendar, until)
    return CaseClock(
        case_id=case.id,
        opened_at=case.opened_at,
        until=until,
        running=case.closed_at is None,
        elapsed_seconds=elapsed,
        normal_seconds=normal,
        saved_seconds=None if normal is None else normal - elapsed,
        department_seconds=department_waiting(timings, calendar, until),
        critical_path=path.action_ids,
        critical_path_seconds=path.working_seconds,
        critical_path_paused_seconds=path.paused_seconds,
        uncovered_years=tuple(calendar.uncovered_years(case.opened_at.date(), until.date())),
    )


def chain_sentence(
    clock: CaseClock, titles: Mapping[int, str], duration: Callable[[int], str]
) -> str:
    """The critical chain in words, the same on paper and on screen: its steps and its
    length (``duration`` writes working seconds as the page or screen does); "" when
    no step has been requested yet."""
    if not clock.critical_path:
        return ""
    links = " → ".join(isolate(titles.get(i, "?")) for i in clock.critical_path)
    if clock.critical_path_paused_seconds:
        return _(
            "Critical chain (the steps that decided when the case finished): {steps}, "
            "{time}, of which {paused} waiting on the company."
        ).format(
            steps=links,
            time=duration(clock.critical_path_seconds),
            paused=duration(clock.critical_path_paused_seconds),
        )
    return _(
        "Critical chain (the steps that decided when the case finished): {steps}, {time}."
    ).format(steps=links, time=duration(clock.critical_path_seconds))
