"""The officer's working calendar: hours, day exceptions, entered years."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from coordinator.errors import NotFoundError, ValidationError
from coordinator.queries import calendar as calendar_queries
from coordinator.queries.calendar import CalendarStatus
from coordinator.services import actions, calendar, cases, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

DEFAULT_SPANS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


def test_default_hours_and_status(store: Store) -> None:
    assert calendar_queries.status(store) == CalendarStatus(
        hours=DEFAULT_SPANS, entered_years=(), uncovered_years=()
    )
    assert store.calendar().seconds_per_day == 27_000


def test_status_asks_about_this_year_and_next_by_the_store_clock(
    store: Store, clock: FixedClock
) -> None:
    clock.set(2026, 3, 2, 9, 0)
    assert calendar_queries.status(store).uncovered_years == (2027,)  # the library stops at 2026
    clock.set(2030, 3, 4, 9, 0)
    assert calendar_queries.status(store).uncovered_years == (2030, 2031)
    assert calendar_queries.status(store, years=[2024, 2040]).uncovered_years == (2040,)


def test_set_working_hours(store: Store, log: EventLog) -> None:
    assert store.calendar().add_working_hours(datetime(2025, 6, 9, 9), 3.5) == datetime(
        2025, 6, 9, 14
    )
    out = calendar.set_working_hours(store, [(time(9), time(12)), (time(13), time(17))])
    assert out.value is None
    assert out.changes.kinds == {ChangeKind.CALENDAR, ChangeKind.EVENT}
    assert log.new() == [
        (
            "calendar",
            0,
            "working_hours",
            None,
            '{"spans": [["09:00", "12:00"], ["13:00", "17:00"]]}',
            None,
        )
    ]
    # The store's calendar follows at once.
    assert store.calendar().hours.spans == ((time(9), time(12)), (time(13), time(17)))
    assert store.calendar().add_working_hours(datetime(2025, 6, 9, 9), 3.5) == datetime(
        2025, 6, 9, 13, 30
    )
    calendar.set_working_hours(store, DEFAULT_SPANS)
    events = log.new()
    assert [(e.field, e.before) for e in events] == [
        ("working_hours", '{"spans": [["09:00", "12:00"], ["13:00", "17:00"]]}')
    ]
    assert calendar_queries.status(store).hours == DEFAULT_SPANS


def test_new_hours_set_new_due_times(store: Store) -> None:
    calendar.set_working_hours(store, [(time(9), time(17))])
    case_id = cases.open_case(store, "x").value.id
    department = organisations.create(store, "区税务局", "department").value.id
    action = actions.add(store, case_id, department, "x", promised_limit_hours=8).value
    due = actions.set_status(store, action.id, "in_progress", at=datetime(2025, 6, 9, 9)).value
    assert due.due_at == datetime(2025, 6, 9, 17)  # one full 8-hour day ends at its close


def test_refused_hours(store: Store, refused: Refused) -> None:
    message = "Working hours must be ordered, non-overlapping spans such as 8:30–12:00."
    refused(
        ValidationError,
        message,
        calendar.set_working_hours,
        store,
        [(time(13), time(17)), (time(9), time(14))],
    )
    refused(ValidationError, message, calendar.set_working_hours, store, [])
    refused(ValidationError, message, calendar.set_working_hours, store, [(time(12), time(9))])
    refused(ValidationError, message, calendar.set_working_hours, store, [("08:30", "12:00")])
    refused(
        ValidationError, message, calendar.set_working_hours, store, [(time(8, 30, 30), time(12))]
    )


def test_set_and_clear_a_day(store: Store, log: EventLog) -> None:
    saturday = date(2025, 6, 14)
    assert not store.calendar().is_workday(saturday)
    out = calendar.set_day(store, saturday, True, "防汛值班")
    assert out.changes.ids_of(ChangeKind.CALENDAR) == {saturday.toordinal()}
    assert store.calendar().is_workday(saturday)
    assert log.new() == [("calendar", saturday.toordinal(), "day:2025-06-14", None, "true", None)]
    calendar.set_day(store, saturday, False)
    assert not store.calendar().is_workday(saturday)
    assert log.new() == [
        ("calendar", saturday.toordinal(), "day:2025-06-14", "true", "false", None)
    ]
    calendar.clear_day(store, saturday)
    assert log.new() == [("calendar", saturday.toordinal(), "day:2025-06-14", "false", None, None)]
    nothing = calendar.clear_day(store, saturday)
    assert not nothing.changes
    # A datetime is taken for its day.
    calendar.set_day(store, datetime(2025, 6, 16, 15, 0), False, "停电")
    assert not store.calendar().is_workday(date(2025, 6, 16))


def test_day_refusals(store: Store, refused: Refused) -> None:
    refused(
        ValidationError,
        "Date must be between 2000 and 2100.",
        calendar.set_day,
        store,
        date(1899, 12, 31),
        True,
    )
    refused(
        ValidationError,
        "Date must be between 2000 and 2100.",
        calendar.set_day,
        store,
        date(2200, 1, 1),
        True,
    )
    refused(
        ValidationError,
        "Date must be a date.",
        calendar.set_day,
        store,
        "2025-06-14",
        True,
    )
    refused(
        ValidationError,
        "Notes is too long: 201 characters, at most 200.",
        calendar.set_day,
        store,
        date(2025, 6, 14),
        True,
        "x" * 201,
    )


def test_enter_a_year_the_library_does_not_know(store: Store, log: EventLog) -> None:
    assert store.calendar().coverage(2027) == "fallback"
    new_year = date(2027, 1, 1)  # a Friday
    make_up = date(2027, 1, 9)  # a Saturday worked
    out = calendar.enter_year(
        store, 2027, holidays=[new_year, new_year], make_up_workdays=[make_up], note="国办发"
    )
    assert out.changes.ids_of(ChangeKind.CALENDAR) == {2027}
    assert log.new() == [
        (
            "calendar",
            2027,
            "year",
            None,
            '{"holidays": ["2027-01-01"], "make_up_workdays": ["2027-01-09"]}',
            None,
        )
    ]
    cal = store.calendar()
    assert cal.coverage(2027) == "entered"
    assert not cal.is_workday(new_year)
    assert cal.is_workday(make_up)
    assert cal.is_workday(date(2027, 1, 4))
    assert calendar_queries.status(store, [2027, 2028]) == CalendarStatus(
        hours=DEFAULT_SPANS, entered_years=(2027,), uncovered_years=(2028,)
    )
    # Entering the year again replaces its days.
    calendar.enter_year(store, 2027, holidays=[], make_up_workdays=[])
    assert store.calendar().is_workday(new_year)
    assert not store.calendar().is_workday(make_up)


def test_year_refusals(store: Store, refused: Refused) -> None:
    refused(
        ValidationError,
        "The year must be between 2000 and 2100.",
        calendar.enter_year,
        store,
        1999,
        holidays=[],
        make_up_workdays=[],
    )
    refused(
        ValidationError,
        "The year must be between 2000 and 2100.",
        calendar.enter_year,
        store,
        "2027",
        holidays=[],
        make_up_workdays=[],
    )
    refused(
        ValidationError,
        "2028-01-01 is not in 2027.",
        calendar.enter_year,
        store,
        2027,
        holidays=[date(2028, 1, 1)],
        make_up_workdays=[],
    )
    refused(
        ValidationError,
        "A day cannot be both a holiday and a make-up working day.",
        calendar.enter_year,
        store,
        2027,
        holidays=[date(2027, 2, 6)],
        make_up_workdays=[date(2027, 2, 6)],
    )


# -- a year's schedule entered piece by piece ---------------------------------------------------


def test_a_new_years_schedule_entered_piece_by_piece(store: Store, log: EventLog) -> None:
    assert store.calendar().coverage(2031) == "fallback"  # no library knows it
    calendar.add_holidays(store, date(2031, 1, 22), date(2031, 1, 28), "春节")
    calendar.add_make_up_day(store, date(2031, 2, 8), "春节")
    out = calendar.add_closure(store, date(2031, 3, 3), None, "办公室搬迁")
    assert out.changes.touches(ChangeKind.CALENDAR)
    working = store.calendar()
    assert working.coverage(2031) == "entered"  # its warning goes
    assert not working.is_workday(date(2031, 1, 22))  # a Wednesday off
    assert working.is_workday(date(2031, 2, 8))  # a Saturday worked
    assert not working.is_workday(date(2031, 3, 3))
    year = calendar_queries.year_schedule(store, 2031)
    assert [(d.day.isoformat(), d.kind, d.name) for d in year.days] == [
        *((f"2031-01-{n}", "holiday", "春节") for n in range(22, 29)),
        ("2031-02-08", "make_up", "春节"),
        ("2031-03-03", "closure", "办公室搬迁"),
    ]
    assert all(d.entered for d in year.days)
    assert ("calendar", date(2031, 2, 8).toordinal(), "day:2031-02-08") in log.fields()

    calendar.remove_day(store, date(2031, 3, 3))
    assert store.calendar().is_workday(date(2031, 3, 3))
    assert calendar_queries.year_schedule(store, 2031).of_kind("closure") == []


def test_a_known_years_days_stay_the_librarys_under_the_offices(store: Store) -> None:
    before = calendar_queries.year_schedule(store, 2025)
    assert before.coverage == "library"
    national = [d for d in before.days if d.day == date(2025, 10, 1)]
    assert national == [national[0]]
    assert national[0].kind == "holiday"
    assert not national[0].entered
    assert any(d.kind == "make_up" for d in before.days)  # the library's 调休 days
    calendar.add_closure(store, date(2025, 6, 9), None, "区里停电")
    after = calendar_queries.year_schedule(store, 2025)
    assert after.coverage == "library"  # a correction, not a schedule of its own
    assert len(after.days) == len(before.days) + 1
    assert not store.calendar().is_workday(date(2025, 6, 9))


def test_ranges_are_checked(store: Store, refused: Refused) -> None:
    refused(
        ValidationError,
        "The range ends before it starts.",
        calendar.add_holidays,
        store,
        date(2031, 5, 5),
        date(2031, 5, 1),
        "劳动节",
    )
    refused(
        ValidationError,
        "A range is 31 days at most: enter a longer one in parts.",
        calendar.add_closure,
        store,
        date(2031, 1, 1),
        date(2031, 3, 1),
        "x",
    )
    nameless = refused(
        ValidationError,
        "Name is required.",
        calendar.add_make_up_day,
        store,
        date(2031, 2, 8),
        "  ",
    )
    assert nameless.params
    refused(
        NotFoundError,
        "2031-02-08 is not among the days entered.",
        calendar.remove_day,
        store,
        date(2031, 2, 8),
    )


def test_the_year_to_warn_about_comes_in_december(store: Store) -> None:
    working = store.calendar()
    unknown = next(y for y in range(2020, 2100) if working.coverage(y) == "fallback")
    assert calendar_queries.year_to_warn(store, date(unknown - 1, 11, 30)) is None
    assert calendar_queries.year_to_warn(store, date(unknown - 1, 12, 1)) == unknown
    assert calendar_queries.year_to_warn(store, date(unknown, 6, 1)) == unknown
    calendar.add_holidays(store, date(unknown, 1, 1), None, "元旦")
    assert calendar_queries.year_to_warn(store, date(unknown - 1, 12, 1)) is None
