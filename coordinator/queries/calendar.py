"""The working calendar as entered: hours, which years have their holidays, a year's
holidays, make-up working days and office closures, and which year to warn about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

import chinese_calendar
from sqlalchemy import select

from coordinator.calendar.working_time import Coverage
from coordinator.i18n import current_language
from coordinator.store.models import CalendarDay, CalendarYear, Setting
from coordinator.store.storage import Store

DayKind = Literal["holiday", "make_up", "closure"]

WARN_FROM_MONTH = 12
"""From December on, the coming year's missing schedule is warned about."""


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


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    kind: DayKind
    name: str
    entered: bool
    """Entered by the office (removable); False: the ``chinese_calendar`` library's."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    coverage: Coverage
    days: tuple[ScheduleDay, ...]

    def of_kind(self, kind: DayKind) -> list[ScheduleDay]:
        return [d for d in self.days if d.kind == kind]


def _library_name(value: str | None) -> str:
    """A holiday's name as the library gives it, in the officer's language."""
    if not value:
        return ""
    if current_language() == "zh_CN":
        for holiday in chinese_calendar.Holiday:
            if holiday.value == value:
                return str(holiday.chinese)
    return value


def year_schedule(store: Store, year: int) -> YearSchedule:
    """Every day of ``year`` that is not as plain weekends would have it: the public
    holidays on working days, the make-up working days, and the office's closures —
    the library's for a year it knows, under the days the office entered."""
    calendar = store.calendar()
    coverage = calendar.coverage(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    with store.read() as session:
        entered = {
            row.day: (row.is_workday, row.note)
            for row in session.execute(
                select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.note).where(
                    CalendarDay.day >= first, CalendarDay.day <= last
                )
            )
        }
        setting = session.get(Setting, "calendar_closures")
        closures = set(setting.value.get("days", [])) if setting is not None else set()
    found: dict[date, ScheduleDay] = {}
    if coverage == "library":
        day = first
        while day <= last:
            working = chinese_calendar.is_workday(day)
            weekend = day.weekday() >= 5
            if working == weekend:  # a holiday on a weekday, or a weekend worked
                _on, name = chinese_calendar.get_holiday_detail(day)
                kind: DayKind = "make_up" if working else "holiday"
                found[day] = ScheduleDay(day, kind, _library_name(name), entered=False)
            day += timedelta(days=1)
    for day, (is_workday, note) in entered.items():
        kind = "make_up" if is_workday else "holiday"
        if kind == "holiday" and day.isoformat() in closures:
            kind = "closure"
        found[day] = ScheduleDay(day, kind, note, entered=True)
    return YearSchedule(year, coverage, tuple(found[d] for d in sorted(found)))


def year_to_warn(store: Store, today: date) -> int | None:
    """The year whose holidays are not known (weekends only would be counted): this
    year, or from December on the next; None when both are known."""
    calendar = store.calendar()
    if calendar.coverage(today.year) == "fallback":
        return today.year
    if today.month >= WARN_FROM_MONTH and calendar.coverage(today.year + 1) == "fallback":
        return today.year + 1
    return None
