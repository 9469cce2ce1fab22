"""The officer's working calendar: hours, day exceptions and entered years' schedules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time

from sqlalchemy import delete as sql_delete
from sqlalchemy import extract

from coordinator.calendar.working_time import WorkingHours
from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.labels import F_DATE, F_NOTES
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import NAME_MAX, CalendarDay, CalendarYear, Setting
from coordinator.store.storage import Store
from coordinator.validation import check_date, clean_text

ENTITY = "calendar"
HOURS_SETTING = "working_hours"


def set_working_hours(store: Store, spans: Sequence[tuple[time, time]]) -> Outcome[None]:
    refusal = ValidationError(
        N_("Working hours must be ordered, non-overlapping spans such as 8:30–12:00.")
    )
    try:
        hours = WorkingHours(tuple(spans))
    except (ValueError, TypeError):
        raise refusal from None
    if any(t.second or t.microsecond for span in hours.spans for t in span):
        raise refusal  # the setting keeps hours and minutes: 8:30:30 would become 8:30

    value = {"spans": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in hours.spans]}
    with store.work() as work:
        setting = work.session.get(Setting, HOURS_SETTING)
        before = setting.value if setting else None
        if setting is None:
            work.session.add(Setting(key=HOURS_SETTING, value=value))
        else:
            setting.value = value
        work.record(ENTITY, 0, "working_hours", before, value)
        work.changed(ChangeKind.CALENDAR, 0)
    return Outcome(None, work.changes)


def set_day(store: Store, day: date, is_workday: bool, note: str = "") -> Outcome[None]:
    """Mark one day as a working day or a day off, whatever the national schedule says."""
    checked = check_date(day, F_DATE)
    text = clean_text(note, F_NOTES, max_length=NAME_MAX)
    with store.work() as work:
        row = work.session.get(CalendarDay, checked)
        before = None if row is None else row.is_workday
        if row is None:
            work.session.add(CalendarDay(day=checked, is_workday=bool(is_workday), note=text))
        else:
            row.is_workday, row.note = bool(is_workday), text
        work.record(
            ENTITY, checked.toordinal(), f"day:{checked.isoformat()}", before, bool(is_workday)
        )
        work.changed(ChangeKind.CALENDAR, checked.toordinal())
    return Outcome(None, work.changes)


def clear_day(store: Store, day: date) -> Outcome[None]:
    checked = check_date(day, F_DATE)
    with store.work() as work:
        row = work.session.get(CalendarDay, checked)
        if row is not None:
            work.record(
                ENTITY, checked.toordinal(), f"day:{checked.isoformat()}", row.is_workday, None
            )
            work.session.delete(row)
            work.changed(ChangeKind.CALENDAR, checked.toordinal())
    return Outcome(None, work.changes)


def enter_year(
    store: Store,
    year: int,
    *,
    holidays: Iterable[date],
    make_up_workdays: Iterable[date],
    note: str = "",
) -> Outcome[None]:
    """Record a year's published schedule: its public holidays and make-up working days.

    From then on that year is computed from weekends plus these days, whatever the
    library knows (or does not know) about it.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError(N_("The year must be between 2000 and 2100."))
    off = sorted({check_date(d, F_DATE) for d in holidays})
    on = sorted({check_date(d, F_DATE) for d in make_up_workdays})
    for d in (*off, *on):
        if d.year != year:
            raise ValidationError(N_("{day} is not in {year}."), day=d.isoformat(), year=year)
    if set(off) & set(on):
        raise ValidationError(N_("A day cannot be both a holiday and a make-up working day."))
    text = clean_text(note, F_NOTES, max_length=NAME_MAX)
    with store.work() as work:
        work.session.execute(
            sql_delete(CalendarDay).where(extract("year", CalendarDay.day) == year)
        )
        for d in off:
            work.session.add(CalendarDay(day=d, is_workday=False, note=text))
        for d in on:
            work.session.add(CalendarDay(day=d, is_workday=True, note=text))
        row = work.session.get(CalendarYear, year)
        if row is None:
            work.session.add(CalendarYear(year=year, entered_at=work.now, note=text))
        else:
            row.entered_at, row.note = work.now, text
        work.record(
            ENTITY,
            year,
            "year",
            None,
            {
                "holidays": [d.isoformat() for d in off],
                "make_up_workdays": [d.isoformat() for d in on],
            },
        )
        work.changed(ChangeKind.CALENDAR, year)
    return Outcome(None, work.changes)
