"""The officer's working calendar: hours, day exceptions and entered years' schedules.

A year's schedule is entered one piece at a time as the State Council publishes it:
holiday ranges (:func:`add_holidays`), make-up working days (:func:`add_make_up_day`), and
the office's own closures (:func:`add_closure`), each a day of ``calendar_days`` with its
name. The first piece entered for a year the ``chinese_calendar`` library does not know
marks the year entered (weekends plus these days from then on); for a year it knows, the
days are corrections on top of it. Closures are days off like holidays; which days are
the office's own is kept in the ``calendar_closures`` setting, so that the year view can
tell them apart (no column of the table says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta

from sqlalchemy import extract, select

from coordinator.calendar.working_time import WorkingHours
from coordinator.errors import NotFoundError, ValidationError
from coordinator.i18n import N_
from coordinator.labels import F_DATE, F_NAME, F_NOTES
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import NAME_MAX, CalendarDay, CalendarYear, Setting
from coordinator.store.storage import Store, Work
from coordinator.validation import check_date, clean_text

ENTITY = "calendar"
HOURS_SETTING = "working_hours"
CLOSURES_SETTING = "calendar_closures"
RANGE_MAX_DAYS = 31
"""The longest range entered at once (the Spring Festival holiday is nine days at most)."""


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
        # Row by row through the ORM, so that each removal is kept for a laptop's sync.
        for old in work.session.scalars(
            select(CalendarDay).where(extract("year", CalendarDay.day) == year)
        ):
            work.session.delete(old)
        work.session.flush()
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


# -- a year's schedule, piece by piece ---------------------------------------------------


def _days(start: date, end: date | None) -> list[date]:
    first = check_date(start, F_DATE)
    last = first if end is None else check_date(end, F_DATE)
    if last < first:
        raise ValidationError(N_("The range ends before it starts."))
    if (last - first).days >= RANGE_MAX_DAYS:
        raise ValidationError(
            N_("A range is {days} days at most: enter a longer one in parts."),
            days=RANGE_MAX_DAYS,
        )
    for d in (first, last):
        if not 2000 <= d.year <= 2100:
            raise ValidationError(N_("The year must be between 2000 and 2100."))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _closures(work: Work) -> set[str]:
    row = work.session.get(Setting, CLOSURES_SETTING)
    return set(row.value.get("days", [])) if row is not None else set()


def _keep_closures(work: Work, days: set[str]) -> None:
    row = work.session.get(Setting, CLOSURES_SETTING)
    value = {"days": sorted(days)}
    if row is None:
        work.session.add(Setting(key=CLOSURES_SETTING, value=value))
    elif row.value != value:
        row.value = value
    work.changed(ChangeKind.SETTING, 0)


def _put_days(
    store: Store, days: Sequence[date], is_workday: bool, name: str, *, closure: bool
) -> Outcome[None]:
    text = clean_text(name, F_NAME, max_length=NAME_MAX, required=True)
    calendar = store.calendar()
    with store.work() as work:
        closures = _closures(work)
        for d in days:
            row = work.session.get(CalendarDay, d)
            before = None if row is None else row.is_workday
            if row is None:
                work.session.add(CalendarDay(day=d, is_workday=is_workday, note=text))
            else:
                row.is_workday, row.note = is_workday, text
            work.record(ENTITY, d.toordinal(), f"day:{d.isoformat()}", before, is_workday)
            work.changed(ChangeKind.CALENDAR, d.toordinal())
            if closure:
                closures.add(d.isoformat())
            else:
                closures.discard(d.isoformat())
        # A year the library does not know is entered from its first piece on (its
        # warning goes); a year it knows keeps the library's days under these.
        for year in sorted({d.year for d in days}):
            known = calendar.coverage(year) != "fallback"
            if not closure and not known and work.session.get(CalendarYear, year) is None:
                work.session.add(CalendarYear(year=year, entered_at=work.now, note=text))
                work.record(ENTITY, year, "year", None, text)
                work.changed(ChangeKind.CALENDAR, year)
        _keep_closures(work, closures)
    return Outcome(None, work.changes)


def add_holidays(store: Store, start: date, end: date | None, name: str) -> Outcome[None]:
    """Public holidays from ``start`` to ``end`` (included; None: one day), named."""
    return _put_days(store, _days(start, end), False, name, closure=False)


def add_make_up_day(store: Store, day: date, name: str) -> Outcome[None]:
    """A make-up working day (调休上班), usually a weekend day, named after its holiday."""
    return _put_days(store, _days(day, None), True, name, closure=False)


def add_closure(store: Store, start: date, end: date | None, name: str) -> Outcome[None]:
    """The office's own days off (a move, a local event): no working time on them."""
    return _put_days(store, _days(start, end), False, name, closure=True)


def remove_day(store: Store, day: date) -> Outcome[None]:
    """Take an entered day out again: the day is as weekends and the library say."""
    checked = check_date(day, F_DATE)
    with store.work() as work:
        row = work.session.get(CalendarDay, checked)
        if row is None:
            raise NotFoundError(N_("{day} is not among the days entered."), day=checked.isoformat())
        work.record(ENTITY, checked.toordinal(), f"day:{checked.isoformat()}", row.is_workday, None)
        work.session.delete(row)
        work.changed(ChangeKind.CALENDAR, checked.toordinal())
        closures = _closures(work)
        if checked.isoformat() in closures:
            closures.discard(checked.isoformat())
            _keep_closures(work, closures)
    return Outcome(None, work.changes)
