"""An office whose park has a known history, for the forecast tests of reports and screens.

Six landing cases, opened on Monday 9 June 2025, had their park step (园区入驻) done in
1, 2, … 6 working hours; three of them also had the business licence done, in one hour
(too little history: fewer than five). On Wednesday 11 June at 09:00 two new landings
have their park step just requested:

* the "on time" one is due on Friday: the forecast (the middle of 1–6 h: 3.5 h, so
  14:00, likely between 11:00 and 15:30) is well before it;
* the "late" one is due at 10:00, an hour away: the same forecast is after it.

No Qt here: the report tests of ``coordinator`` use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.services import actions, cases
from coordinator.store.storage import Store

START = datetime(2025, 6, 9, 9, 0)  # a Monday
NOW = datetime(2025, 6, 11, 9, 0)  # the Wednesday after
PARK = "园区入驻审核与注册地址确认"
LICENCE = "核发营业执照"
PARK_HOURS = (1, 2, 3, 4, 5, 6)
LICENCES_DONE = 3

EXPECTED = datetime(2025, 6, 11, 14, 0)  # 09:00 + 3.5 working hours (lunch 12:00–13:30)
EARLY = datetime(2025, 6, 11, 11, 0)  # + 2 h, the 20th percentile of 1–6 h
LATE = datetime(2025, 6, 11, 15, 30)  # + 5 h, the 80th
ON_TIME_DUE = datetime(2025, 6, 13, 9, 0)  # Friday
LATE_DUE = datetime(2025, 6, 11, 10, 0)


class Clock(Protocol):
    """The store's clock, which the tests set (``tests.conftest.FixedClock``)."""

    now: datetime

    def __call__(self) -> datetime: ...


@dataclass(frozen=True)
class World:
    on_time_case: int
    on_time_park: int
    on_time_licence: int
    on_time_reference: str
    late_case: int
    late_park: int
    late_reference: str
    park_department: str


def _step(store: Store, case_id: int, title: str) -> int:
    return next(s.id for s in action_queries.for_case(store, case_id) if s.title == title)


def _open(store: Store, title: str, company: str) -> tuple[int, str]:
    case = cases.open_case(store, title, template_key="company_landing", company_name=company).value
    return case.id, case.reference


def build(store: Store, clock: Clock) -> World:
    """The history on the Monday, the two new cases on the Wednesday; ``clock`` is left at
    :data:`NOW`."""
    calendar = store.calendar()
    for n, hours in enumerate(PARK_HOURS):
        clock.now = START
        case_id, _reference = _open(store, f"历史落地项目{n}", f"历史科技有限公司{n}")
        park = _step(store, case_id, PARK)
        actions.set_status(store, park, ActionStatus.IN_PROGRESS, at=START)
        done = calendar.add_working_hours(START, hours)
        clock.now = done
        actions.set_status(store, park, ActionStatus.DONE, at=done)
        if n < LICENCES_DONE:
            licence = _step(store, case_id, LICENCE)
            actions.set_status(store, licence, ActionStatus.IN_PROGRESS, at=done)
            clock.now = calendar.add_working_hours(done, 1)
            actions.set_status(store, licence, ActionStatus.DONE, at=clock.now)
    clock.now = NOW
    found: list[tuple[int, int, str]] = []
    for title, company, due in (
        ("澄明光电落地项目", "宁波澄明光电科技有限公司", ON_TIME_DUE),
        ("澜拓智能落地项目", "宁波澜拓智能装备有限公司", LATE_DUE),
    ):
        case_id, reference = _open(store, title, company)
        park = _step(store, case_id, PARK)
        actions.set_status(store, park, ActionStatus.IN_PROGRESS, at=NOW)
        actions.update(store, park, due_at=due)
        found.append((case_id, park, reference))
    (on_time, on_time_park, on_time_ref), (late, late_park, late_ref) = found
    return World(
        on_time_case=on_time,
        on_time_park=on_time_park,
        on_time_licence=_step(store, on_time, LICENCE),
        on_time_reference=on_time_ref,
        late_case=late,
        late_park=late_park,
        late_reference=late_ref,
        park_department=next(
            s.department_name for s in action_queries.for_case(store, on_time) if s.title == PARK
        ),
    )
