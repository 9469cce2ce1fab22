"""The working calendar as entered: hours, and which years have their holidays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from coordinator.store.models import CalendarYear
from coordinator.store.storage import Store


@dataclass(frozen=True)
class CalendarStatus:
    hours: tuple[tuple[time, time], ...]
    entered_years: tuple[int, ...]
    uncovered_years: tuple[int, ...]  # among the years asked about


def status(store: Store, years: Iterable[int] = ()) -> CalendarStatus:
    calendar = store.calendar()
    this_year = store.clock().year
    wanted = sorted(set(years)) or [this_year, this_year + 1]
    with store.read() as session:
        entered = tuple(session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))
    return CalendarStatus(
        hours=calendar.hours.spans,
        entered_years=entered,
        uncovered_years=tuple(y for y in wanted if calendar.coverage(y) == "fallback"),
    )
