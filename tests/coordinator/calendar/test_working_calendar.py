from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.calendar.working_time import (
    WorkingCalendar,
    WorkingHours,
    format_working_duration,
)

DAY = 27_000  # 3.5 h + 4 h of the default hours
HOUR = 3600

CAL = WorkingCalendar()


def dt(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm)


def reference_seconds(cal: WorkingCalendar, a: datetime, b: datetime) -> int:
    """Day-by-day intersection with the spans: slow, but obviously right."""
    a, b = a.replace(microsecond=0), b.replace(microsecond=0)
    total = 0
    d = a.date()
    while d <= b.date():
        if cal.is_workday(d):
            for s, e in cal.hours.spans:
                lo = max(a, datetime.combine(d, s))
                hi = min(b, datetime.combine(d, e))
                if lo < hi:
                    total += int((hi - lo).total_seconds())
        d += timedelta(days=1)
    return total


# -- the library data the scenarios below rely on -------------------------------------


def test_library_data_assumed_by_these_tests() -> None:
    # National Day 2025: Sunday 28 Sep is a make-up working day, 1-8 Oct off,
    # Saturday 11 Oct a make-up working day.
    assert date(2025, 9, 28).weekday() == 6
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert not chinese_calendar.is_workday(date(2025, 9, 27))
    assert not any(chinese_calendar.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    # Spring Festival 2026: 15-23 Feb off, Saturdays 14 and 28 Feb worked.
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert not any(chinese_calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 1))


# -- WorkingHours ---------------------------------------------------------------------


def test_default_hours() -> None:
    assert WorkingHours().seconds_per_day == DAY
    assert CAL.seconds_per_day == DAY


@pytest.mark.parametrize(
    "spans",
    [
        (),
        ((time(9), time(9)),),
        ((time(12), time(9)),),
        ((time(8), time(12)), (time(11), time(17))),
        ((time(13), time(17)), (time(8), time(12))),
        ((time(8, 0, 0, 500), time(12)),),
    ],
)
def test_invalid_hours_rejected(spans: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        WorkingHours(spans)


def test_custom_hours() -> None:
    hours = WorkingHours(((time(9), time(12)), (time(14), time(18))))
    cal = WorkingCalendar(hours)
    assert cal.seconds_per_day == 7 * HOUR
    # Mon 2025-06-09 11:00 + 2 h: 1 h before noon, 1 h after 14:00.
    assert cal.add_working_hours(dt(2025, 6, 9, 11), 2) == dt(2025, 6, 9, 15)


# -- days and coverage ----------------------------------------------------------------


def test_is_workday_follows_holidays_and_make_up_days() -> None:
    assert CAL.is_workday(date(2025, 9, 28))  # Sunday, make-up day
    assert not CAL.is_workday(date(2025, 9, 27))  # ordinary Saturday
    assert not CAL.is_workday(date(2025, 10, 8))  # Wednesday in the holiday
    assert CAL.is_workday(date(2025, 10, 11))  # Saturday, make-up day
    assert CAL.is_workday(date(2026, 2, 14))
    assert not CAL.is_workday(date(2026, 2, 16))
    assert CAL.is_workday(datetime(2025, 9, 28, 23, 59))


def test_coverage() -> None:
    cal = WorkingCalendar(entered_years=[2026, 2031])
    assert cal.coverage(2025) == "library"
    assert cal.coverage(2026) == "entered"  # entered beats library
    assert cal.coverage(2031) == "entered"
    assert cal.coverage(2032) == "fallback"
    assert CAL.coverage(2031) == "fallback"
    assert CAL.uncovered_years(date(2025, 12, 1), date(2028, 1, 1)) == [2027, 2028]
    assert cal.uncovered_years(date(2030, 1, 1), date(2032, 3, 1)) == [2030, 2032]
    assert CAL.uncovered_years(date(2026, 1, 1), date(2025, 1, 1)) == []


def test_uncovered_year_falls_back_to_weekends_and_overrides() -> None:
    # 2031-01-01 is a Wednesday; the library knows nothing about 2031.
    assert date(2031, 1, 1).weekday() == 2
    assert CAL.is_workday(date(2031, 1, 1))
    assert not CAL.is_workday(date(2031, 1, 4))
    # Fri 16:30 -> Mon 09:30 over a plain weekend: 1 h + 1 h.
    assert CAL.working_seconds(dt(2031, 1, 3, 16, 30), dt(2031, 1, 6, 9, 30)) == 2 * HOUR
    assert CAL.add_working_hours(dt(2031, 1, 3, 16, 30), 2) == dt(2031, 1, 6, 9, 30)

    cal = WorkingCalendar(overrides={date(2031, 1, 1): False, date(2031, 1, 4): True})
    assert cal.coverage(2031) == "fallback"
    assert not cal.is_workday(date(2031, 1, 1))
    assert cal.is_workday(date(2031, 1, 4))
    assert cal.working_seconds(dt(2031, 1, 3, 16, 30), dt(2031, 1, 6, 9, 30)) == 2 * HOUR + DAY
    # 31 Dec 2030 (Tue) 17:00 + 1 h skips the overridden New Year's Day.
    assert cal.add_working_hours(dt(2030, 12, 31, 17), 1) == dt(2031, 1, 2, 9)


def test_entered_year_ignores_library() -> None:
    holiday = {date(2026, 10, d): False for d in range(1, 8)}
    cal = WorkingCalendar(overrides={**holiday, date(2026, 10, 10): True}, entered_years=[2026])
    assert cal.coverage(2026) == "entered"
    # The library's Spring Festival is not consulted for an entered year.
    assert cal.is_workday(date(2026, 2, 16))
    assert not cal.is_workday(date(2026, 2, 14))
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 10))
    assert not cal.is_workday(date(2026, 9, 20))  # library's make-up Sunday, not entered
    # Wed 30 Sep 2026 17:00 + 1 h: 0.5 h, then 1-7 Oct off, Thu 8 Oct 09:00.
    assert cal.add_working_hours(dt(2026, 9, 30, 17), 1) == dt(2026, 10, 8, 9)
    assert cal.uncovered_years(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_overrides_win_over_library() -> None:
    cal = WorkingCalendar(overrides={date(2025, 10, 8): True, date(2025, 9, 28): False})
    assert cal.is_workday(date(2025, 10, 8))
    assert not cal.is_workday(date(2025, 9, 28))
    assert cal.working_seconds(dt(2025, 10, 8, 8, 30), dt(2025, 10, 9, 8, 30)) == DAY
    assert CAL.working_seconds(dt(2025, 10, 8, 8, 30), dt(2025, 10, 9, 8, 30)) == 0
    # Sat 27 Sep 10:00 + 1 h: the make-up Sunday is cancelled, so Monday 09:30.
    assert cal.add_working_hours(dt(2025, 9, 27, 10), 1) == dt(2025, 9, 29, 9, 30)
    assert CAL.add_working_hours(dt(2025, 9, 27, 10), 1) == dt(2025, 9, 28, 9, 30)


def test_datetime_override_keys_are_normalised() -> None:
    cal = WorkingCalendar(overrides={datetime(2025, 6, 9, 15): False})
    assert not cal.is_workday(date(2025, 6, 9))


# -- working_seconds ------------------------------------------------------------------


def test_across_national_day_2025_with_make_up_sunday() -> None:
    # Fri 26 Sep 10:00 -> Thu 9 Oct 10:00: Fri 6 h, Sun 28 + Mon 29 + Tue 30 full days,
    # 1-8 Oct off, Thu 1.5 h.
    a, b = dt(2025, 9, 26, 10), dt(2025, 10, 9, 10)
    assert CAL.working_seconds(a, b) == 6 * HOUR + 3 * DAY + 90 * 60
    # 8 h from Friday 10:00: 6 h Friday, 2 h on the make-up Sunday.
    assert CAL.add_working_hours(a, 8) == dt(2025, 9, 28, 10, 30)
    # Tue 30 Sep 16:30 + 2 h jumps the whole holiday.
    assert CAL.add_working_hours(dt(2025, 9, 30, 16, 30), 2) == dt(2025, 10, 9, 9, 30)


def test_across_spring_festival_2026() -> None:
    # Fri 13 Feb 17:00 + 1 h: 0.5 h, then the make-up Saturday 14 Feb.
    assert CAL.add_working_hours(dt(2026, 2, 13, 17), 1) == dt(2026, 2, 14, 9)
    assert CAL.working_seconds(dt(2026, 2, 14, 8, 30), dt(2026, 2, 24, 8, 30)) == DAY
    assert CAL.working_seconds(dt(2026, 2, 15), dt(2026, 2, 24)) == 0
    assert CAL.add_working_hours(dt(2026, 2, 14, 17), 1) == dt(2026, 2, 24, 9)


def test_lunch_break() -> None:
    mon = (2025, 6, 9)
    assert CAL.working_seconds(dt(*mon, 11), dt(*mon, 14)) == 90 * 60
    assert CAL.working_seconds(dt(*mon, 12), dt(*mon, 13, 30)) == 0
    assert CAL.working_seconds(dt(*mon, 12, 15), dt(*mon, 13)) == 0
    assert CAL.add_working_hours(dt(*mon, 11), 1.5) == dt(*mon, 14)
    assert CAL.add_working_hours(dt(*mon, 12, 30), 1) == dt(*mon, 14, 30)


def test_weekend() -> None:
    fri, mon = (2025, 6, 13), (2025, 6, 16)
    assert CAL.working_seconds(dt(*fri, 16), dt(*mon, 10)) == 3 * HOUR
    assert CAL.add_working_hours(dt(*fri, 16), 3) == dt(*mon, 10)
    assert CAL.working_seconds(dt(2025, 6, 14, 9), dt(2025, 6, 15, 17)) == 0


def test_paused_span() -> None:
    a, b = dt(2025, 6, 9, 8, 30), dt(2025, 6, 13, 17, 30)  # Mon-Fri, five full days
    assert CAL.working_seconds(a, b) == 5 * DAY
    tue10_wed10 = (dt(2025, 6, 10, 10), dt(2025, 6, 11, 10))
    # Tue 10:00-17:30 (6 h) + Wed 08:30-10:00 (1.5 h) paused.
    assert CAL.working_seconds(a, b, [tue10_wed10]) == 4 * DAY
    overlapping = [
        tue10_wed10,
        (dt(2025, 6, 10, 14), dt(2025, 6, 10, 16)),  # inside the first
        (dt(2025, 6, 11, 9), dt(2025, 6, 11, 11)),  # extends it to Wed 11:00
        tue10_wed10,  # duplicated
    ]
    assert CAL.working_seconds(a, b, overlapping) == 5 * DAY - int(8.5 * HOUR)
    # Open pause from Thu 17:00 runs to the end: 0.5 h + Friday.
    assert CAL.working_seconds(a, b, [(dt(2025, 6, 12, 17), None)]) == 4 * DAY - 30 * 60
    # Pauses partly or wholly outside the range only count inside it.
    outside = [(dt(2025, 6, 6, 9), dt(2025, 6, 9, 9, 30)), (dt(2025, 6, 20), None)]
    assert CAL.working_seconds(a, b, outside) == 5 * DAY - HOUR
    # A pause whose end precedes its start is empty.
    assert CAL.working_seconds(a, b, [(dt(2025, 6, 11), dt(2025, 6, 10))]) == 5 * DAY


def test_empty_and_reversed_ranges() -> None:
    t = dt(2025, 6, 9, 10)
    assert CAL.working_seconds(t, t) == 0
    assert CAL.working_seconds(t, t - timedelta(hours=1)) == 0


def test_sub_second_parts_are_dropped() -> None:
    a = datetime(2025, 6, 9, 10, 0, 0, 999_999)
    b = datetime(2025, 6, 9, 10, 0, 1, 1)
    assert CAL.working_seconds(a, b) == 1


def test_multi_year_range_and_year_change() -> None:
    # 2025 has 261 weekdays; 18 of them are holidays (1 Jan, 28-31 Jan, 3-4 Feb, 4 Apr,
    # 1-2 and 5 May, 2 Jun, 1-3 and 6-8 Oct) and 5 weekend days are make-up days.
    assert CAL.working_seconds(dt(2025, 1, 1), dt(2026, 1, 1)) == (261 - 18 + 5) * DAY
    a, b = dt(2004, 1, 5, 9, 17), dt(2031, 3, 3, 15, 2)
    assert CAL.working_seconds(a, b) == reference_seconds(CAL, a, b)


def test_aware_datetimes_rejected() -> None:
    aware = datetime(2025, 6, 9, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        CAL.working_seconds(aware, dt(2025, 6, 10))
    with pytest.raises(ValueError, match="naive"):
        CAL.next_working_instant(aware)


# -- next_working_instant / add_working_hours -----------------------------------------


def test_next_working_instant() -> None:
    assert CAL.next_working_instant(dt(2025, 6, 9, 10)) == dt(2025, 6, 9, 10)
    assert CAL.next_working_instant(dt(2025, 6, 9, 8, 30)) == dt(2025, 6, 9, 8, 30)
    assert CAL.next_working_instant(dt(2025, 6, 9, 7)) == dt(2025, 6, 9, 8, 30)
    assert CAL.next_working_instant(dt(2025, 6, 9, 12)) == dt(2025, 6, 9, 13, 30)
    assert CAL.next_working_instant(dt(2025, 6, 9, 17, 30)) == dt(2025, 6, 10, 8, 30)
    assert CAL.next_working_instant(dt(2025, 6, 14, 10)) == dt(2025, 6, 16, 8, 30)
    assert CAL.next_working_instant(dt(2025, 9, 30, 18)) == dt(2025, 10, 9, 8, 30)
    assert CAL.next_working_instant(dt(2025, 12, 31, 18)) == dt(2026, 1, 4, 8, 30)


def test_add_working_hours_lands_on_span_boundaries() -> None:
    mon, tue = (2025, 6, 9), (2025, 6, 10)
    # Ending exactly at a span end returns the span end, not the next opening.
    assert CAL.add_working_hours(dt(*mon, 10), 2) == dt(*mon, 12)
    assert CAL.add_working_hours(dt(*mon, 8, 30), 7.5) == dt(*mon, 17, 30)
    assert CAL.add_working_hours(dt(*mon, 8, 30), 15) == dt(*tue, 17, 30)
    # Continuing from a span end starts at the next opening.
    assert CAL.add_working_hours(dt(*mon, 12), 1) == dt(*mon, 14, 30)
    assert CAL.add_working_hours(dt(*mon, 9), 8.5) == dt(*tue, 10)


def test_add_zero_hours_is_next_working_instant() -> None:
    assert CAL.add_working_hours(dt(2025, 6, 9, 10), 0) == dt(2025, 6, 9, 10)
    assert CAL.add_working_hours(dt(2025, 6, 9, 12), 0) == dt(2025, 6, 9, 13, 30)
    assert CAL.add_working_hours(dt(2025, 6, 14, 10), 0) == dt(2025, 6, 16, 8, 30)


@pytest.mark.parametrize("hours", [-1.0, float("nan"), float("inf")])
def test_add_working_hours_rejects_bad_amounts(hours: float) -> None:
    with pytest.raises(ValueError, match="hours"):
        CAL.add_working_hours(dt(2025, 6, 9, 10), hours)


def test_add_many_hours_is_exact() -> None:
    start = dt(2025, 1, 2, 9, 45)
    end = CAL.add_working_hours(start, 5000)
    assert CAL.working_seconds(start, end) == 5000 * HOUR
    # 5000 h = 666 days + 5 h; that lands in 2027, a fallback year.
    assert end.year == 2027
    assert CAL.working_seconds(start, end - timedelta(seconds=1)) == 5000 * HOUR - 1


# -- add_working_days -----------------------------------------------------------------


def test_add_working_days() -> None:
    assert CAL.add_working_days(dt(2025, 6, 9, 10), 1) == dt(2025, 6, 10, 10)
    assert CAL.add_working_days(dt(2025, 6, 13, 10), 1) == dt(2025, 6, 16, 10)
    # Clamped into working hours.
    assert CAL.add_working_days(dt(2025, 6, 9, 18), 1) == dt(2025, 6, 10, 17, 30)
    assert CAL.add_working_days(dt(2025, 6, 9, 7), 1) == dt(2025, 6, 10, 8, 30)
    assert CAL.add_working_days(dt(2025, 6, 9, 12, 30), 1) == dt(2025, 6, 10, 13, 30)
    assert CAL.add_working_days(dt(2025, 6, 9, 12), 1) == dt(2025, 6, 10, 12)
    # A day off counts as the next working day's opening.
    assert CAL.add_working_days(dt(2025, 6, 14, 10), 1) == dt(2025, 6, 17, 8, 30)
    assert CAL.add_working_days(dt(2025, 9, 27, 10), 1) == dt(2025, 9, 29, 8, 30)
    # Across National Day and Spring Festival.
    assert CAL.add_working_days(dt(2025, 9, 30, 15), 1) == dt(2025, 10, 9, 15)
    assert CAL.add_working_days(dt(2026, 2, 13, 10), 2) == dt(2026, 2, 24, 10)
    # Zero days never moves backwards.
    assert CAL.add_working_days(dt(2025, 6, 9, 18), 0) == dt(2025, 6, 10, 8, 30)
    with pytest.raises(ValueError, match="days"):
        CAL.add_working_days(dt(2025, 6, 9, 10), -1)


# -- format / immutability ------------------------------------------------------------


def test_format_working_duration() -> None:
    assert format_working_duration(2 * DAY + 3 * HOUR + 5 * 60 + 59, 7.5) == (2, 3, 5)
    assert format_working_duration(0, 7.5) == (0, 0, 0)
    assert format_working_duration(DAY, 7.5) == (1, 0, 0)
    assert format_working_duration(8 * HOUR, 8) == (1, 0, 0)
    with pytest.raises(ValueError, match="seconds"):
        format_working_duration(-1, 7.5)
    with pytest.raises(ValueError, match="hours_per_day"):
        format_working_duration(10, 0)


def test_calendar_is_immutable() -> None:
    cal = WorkingCalendar(overrides={date(2025, 6, 9): False})
    with pytest.raises(AttributeError):
        cal._hours = WorkingHours()
    with pytest.raises(TypeError):
        cal.overrides[date(2025, 6, 9)] = True  # type: ignore[index]
    assert not cal.is_workday(date(2025, 6, 9))


# -- properties -----------------------------------------------------------------------

# 2025-2027 crosses library years into a fallback year; overrides land in both.
instants = st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2027, 3, 1)).map(
    lambda t: t.replace(second=0, microsecond=0)
)
override_days = st.dictionaries(
    st.dates(min_value=date(2025, 9, 1), max_value=date(2027, 3, 1)), st.booleans(), max_size=8
)
calendars = st.builds(
    lambda o, entered: WorkingCalendar(overrides=o, entered_years=entered),
    override_days,
    st.sampled_from([(), (2026,)]),
)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=instants, minutes=st.integers(min_value=0, max_value=60 * 400))
def test_add_then_measure_roundtrip(cal: WorkingCalendar, a: datetime, minutes: int) -> None:
    end = cal.add_working_hours(a, minutes / 60)
    assert cal.working_seconds(a, end) == minutes * 60
    assert end >= a
    if minutes:
        # Earliest such instant: one second less is not enough.
        assert cal.working_seconds(a, end - timedelta(seconds=1)) == minutes * 60 - 1


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=instants, h1=st.integers(0, 6000), h2=st.integers(1, 6000))
def test_add_hours_composes(cal: WorkingCalendar, a: datetime, h1: int, h2: int) -> None:
    # Whole minutes expressed in hours; h2 > 0 because adding 0 normalises a span end.
    first = cal.add_working_hours(a, h1 / 60)
    assert cal.add_working_hours(first, h2 / 60) == cal.add_working_hours(a, (h1 + h2) / 60)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, points=st.lists(instants, min_size=3, max_size=3))
def test_working_seconds_is_additive(cal: WorkingCalendar, points: list[datetime]) -> None:
    a, b, c = sorted(points)
    assert cal.working_seconds(a, c) == cal.working_seconds(a, b) + cal.working_seconds(b, c)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=instants, span=st.integers(0, 60 * 24 * 40))
def test_working_seconds_matches_day_by_day_reference(
    cal: WorkingCalendar, a: datetime, span: int
) -> None:
    b = a + timedelta(minutes=span)
    assert cal.working_seconds(a, b) == reference_seconds(cal, a, b)


@settings(max_examples=100, deadline=None)
@given(
    a=instants,
    span=st.integers(0, 60 * 24 * 30),
    pauses=st.lists(
        st.tuples(st.integers(-2000, 50000), st.integers(0, 20000) | st.none()), max_size=5
    ),
)
def test_pauses_subtract_their_union_once(
    a: datetime, span: int, pauses: list[tuple[int, int | None]]
) -> None:
    b = a + timedelta(minutes=span)
    spans = [
        (a + timedelta(minutes=s), None if n is None else a + timedelta(minutes=s + n))
        for s, n in pauses
    ]
    # Reference: clip and merge the pauses here, then measure them day by day.
    covered: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        lo2, hi2 = max(lo, a), min(b if hi is None else hi, b)
        if lo2 < hi2:
            covered.append((lo2, hi2))
    covered.sort()
    merged: list[list[datetime]] = []
    for lo, hi in covered:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    paused = sum(reference_seconds(CAL, lo, hi) for lo, hi in merged)
    result = CAL.working_seconds(a, b, spans)
    assert result == reference_seconds(CAL, a, b) - paused
    assert CAL.working_seconds(a, b, spans + spans) == result
    assert CAL.working_seconds(a, b, list(reversed(spans))) == result


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=instants, days=st.integers(0, 300))
def test_add_working_days_is_days_of_working_time(
    cal: WorkingCalendar, a: datetime, days: int
) -> None:
    end = cal.add_working_days(a, days)
    assert cal.working_seconds(a, end) == days * DAY
    assert end >= a
    if days:
        assert cal.is_workday(end.date())
        assert cal.add_working_days(a, days + 1) > end


@settings(max_examples=200, deadline=None)
@given(d=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_library_years_agree_with_library(d: date) -> None:
    assert CAL.is_workday(d) == chinese_calendar.is_workday(d)
    assert CAL.coverage(d.year) == "library"
