"""Working-time arithmetic for due dates and elapsed figures.

Every "due" and "elapsed" figure in Liaison Hub is measured in working time: the
officer's working hours on working days.  Which days are working days comes from,
in order of precedence:

1. day exceptions edited by the officer (``overrides``), which always win;
2. a year schedule the officer entered (``entered_years``): weekends are days off,
   and the officer's exceptions list that year's holidays and make-up working days;
3. the ``chinese_calendar`` library (public holidays and 调休 make-up working days),
   for the years it covers (2004-2026 in version 1.11);
4. otherwise plain weekends ("fallback"), which callers should flag to the officer
   through :meth:`WorkingCalendar.uncovered_years`.

All datetimes are naive local time; China has no DST, so wall-clock differences are
real durations.  Durations are measured in whole seconds: sub-second parts of the
instants given to :meth:`WorkingCalendar.working_seconds` are dropped, which keeps the
measure exactly additive (``ws(a, c) == ws(a, b) + ws(b, c)``).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal

import chinese_calendar

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "Coverage",
    "WorkingCalendar",
    "WorkingHours",
    "format_working_duration",
    "merge_spans",
]

Coverage = Literal["library", "entered", "fallback"]

_US_PER_S = 1_000_000


def _seconds_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class WorkingHours:
    """The daily working spans, identical on every working day.

    Spans are half-open ``[start, end)``: at exactly 12:00 the morning span is over.
    """

    spans: tuple[tuple[time, time], ...] = (
        (time(8, 30), time(12, 0)),
        (time(13, 30), time(17, 30)),
    )

    def __post_init__(self) -> None:
        if not self.spans:
            # A day without working time would make every due date unreachable.
            raise ValueError("working hours need at least one span")
        previous_end: time | None = None
        for span in self.spans:
            if len(span) != 2:
                raise ValueError(f"a span is a (start, end) pair, got {span!r}")
            start, end = span
            if not isinstance(start, time) or not isinstance(end, time):
                raise ValueError(f"span bounds must be datetime.time, got {span!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("span bounds must be naive local times")
            if start.microsecond or end.microsecond:
                # Working time is counted in whole seconds.
                raise ValueError("span bounds must be whole seconds")
            if not start < end:
                raise ValueError(f"span start must be before its end: {start} >= {end}")
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    f"spans must be ordered and non-overlapping: {start} < {previous_end}"
                )
            previous_end = end

    @property
    def seconds_per_day(self) -> int:
        return sum(_seconds_of_day(e) - _seconds_of_day(s) for s, e in self.spans)


DEFAULT_WORKING_HOURS = WorkingHours()


class _YearTable:
    """Working-day flags of one year plus their prefix counts.

    ``prefix[i]`` is the number of working days among the first ``i`` days of the
    year, so counting working days between two dates is a subtraction and finding
    the n-th next working day is a bisection.
    """

    __slots__ = ("coverage", "first_ordinal", "flags", "prefix", "total")

    def __init__(self, coverage: Coverage, first_ordinal: int, flags: bytes) -> None:
        self.coverage: Coverage = coverage
        self.first_ordinal = first_ordinal
        self.flags = flags
        prefix = [0] * (len(flags) + 1)
        running = 0
        for i, flag in enumerate(flags):
            running += flag
            prefix[i + 1] = running
        self.prefix = prefix
        self.total = running


class WorkingCalendar:
    """Working days and hours; immutable after construction.

    The per-year tables are filled lazily, but they are a pure function of the
    constructor arguments, so sharing one calendar between callers is safe.
    """

    __slots__ = (
        "_coverage",
        "_entered",
        "_hours",
        "_overrides",
        "_overrides_by_year",
        "_span_secs",
        "_spd",
        "_years",
    )

    def __init__(
        self,
        hours: WorkingHours = DEFAULT_WORKING_HOURS,
        overrides: Mapping[date, bool] | None = None,
        entered_years: Iterable[int] = (),
    ) -> None:
        self._hours = hours
        # Normalise keys: a datetime key would hash differently from the same date.
        normalised = {date(d.year, d.month, d.day): bool(v) for d, v in (overrides or {}).items()}
        self._overrides: Mapping[date, bool] = MappingProxyType(normalised)
        by_year: dict[int, dict[int, bool]] = {}
        for d, working in normalised.items():
            by_year.setdefault(d.year, {})[d.toordinal()] = working
        self._overrides_by_year = by_year
        self._entered = frozenset(int(y) for y in entered_years)
        # (start, end, worked-before-this-span) in seconds of the day.
        spans: list[tuple[int, int, int]] = []
        worked = 0
        for s, e in hours.spans:
            start, end = _seconds_of_day(s), _seconds_of_day(e)
            spans.append((start, end, worked))
            worked += end - start
        self._span_secs = tuple(spans)
        self._spd = worked
        self._coverage: dict[int, Coverage] = {}
        # Must stay the last assignment: its presence is what locks the instance.
        self._years: dict[int, _YearTable] = {}

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, "_years"):
            raise AttributeError("WorkingCalendar is immutable")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(hours={self._hours!r}, overrides={len(self._overrides)} days, "
            f"entered_years={sorted(self._entered)!r})"
        )

    # -- configuration --------------------------------------------------------------

    @property
    def hours(self) -> WorkingHours:
        return self._hours

    @property
    def overrides(self) -> Mapping[date, bool]:
        return self._overrides

    @property
    def entered_years(self) -> frozenset[int]:
        return self._entered

    @property
    def seconds_per_day(self) -> int:
        return self._spd

    # -- days -----------------------------------------------------------------------

    def coverage(self, year: int) -> Coverage:
        cached = self._coverage.get(year)
        if cached is not None:
            return cached
        result: Coverage
        if year in self._entered:
            result = "entered"
        else:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
            except NotImplementedError:
                result = "fallback"
            else:
                result = "library"
        self._coverage[year] = result
        return result

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """Years in ``[start.year, end.year]`` computed from plain weekends only."""
        return [y for y in range(start.year, end.year + 1) if self.coverage(y) == "fallback"]

    def is_workday(self, d: date) -> bool:
        table = self._table(d.year)
        return bool(table.flags[d.toordinal() - table.first_ordinal])

    def _table(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> _YearTable:
        coverage = self.coverage(year)
        first = date(year, 1, 1)
        first_ordinal = first.toordinal()
        n_days = date(year, 12, 31).toordinal() - first_ordinal + 1
        flags = bytearray(n_days)
        for i in range(n_days):
            d = date.fromordinal(first_ordinal + i)
            if coverage == "library":
                flags[i] = 1 if chinese_calendar.is_workday(d) else 0
            else:
                flags[i] = 1 if d.weekday() < 5 else 0
        for ordinal, working in self._overrides_by_year.get(year, {}).items():
            flags[ordinal - first_ordinal] = 1 if working else 0
        return _YearTable(coverage, first_ordinal, bytes(flags))

    def _workdays_between(self, a: date, b: date) -> int:
        """Working days in ``[a, b)``; requires ``a <= b``."""
        ta = self._table(a.year)
        ia = ta.prefix[a.toordinal() - ta.first_ordinal]
        if a.year == b.year:
            return ta.prefix[b.toordinal() - ta.first_ordinal] - ia
        count = ta.total - ia
        for y in range(a.year + 1, b.year):
            count += self._table(y).total
        tb = self._table(b.year)
        return count + tb.prefix[b.toordinal() - tb.first_ordinal]

    def _nth_workday_after(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (``n >= 1``)."""
        table = self._table(d.year)
        need = table.prefix[d.toordinal() - table.first_ordinal + 1] + n
        year = d.year
        while need > table.total:
            need -= table.total
            year += 1
            table = self._table(year)
        k = bisect_left(table.prefix, need)
        return date.fromordinal(table.first_ordinal + k - 1)

    # -- instants -------------------------------------------------------------------

    def _worked_before(self, sec: int) -> int:
        """Working seconds of a working day before second-of-day ``sec``."""
        for start, end, before in self._span_secs:
            if sec < end:
                return before + sec - start if sec > start else before
        return self._spd

    def _at_offset(self, d: date, offset_us: int) -> datetime:
        """Earliest instant of working day ``d`` with ``offset_us`` worked before it.

        "Earliest" means that an offset ending exactly on a span end yields that span
        end (12:00), not the start of the next span (13:30).
        """
        base = datetime(d.year, d.month, d.day)
        for start, end, _ in self._span_secs:
            length = (end - start) * _US_PER_S
            if offset_us <= length:
                return base + timedelta(seconds=start, microseconds=offset_us)
            offset_us -= length
        raise AssertionError("offset beyond the working day")  # pragma: no cover

    def next_working_instant(self, t: datetime) -> datetime:
        """``t`` itself if it is working time, else the start of the next span.

        Spans are half-open, so 12:00 sharp maps to 13:30 and 17:30 to the next
        working day's opening.
        """
        _check_naive(t)
        d = t.date()
        if self.is_workday(d):
            tod = t.time()
            for s, e in self._hours.spans:
                if tod < e:
                    return t if tod >= s else datetime.combine(d, s)
        return datetime.combine(self._nth_workday_after(d, 1), self._hours.spans[0][0])

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The earliest instant at which ``hours`` working hours have run from ``start``.

        The clock starts at :meth:`next_working_instant` of ``start``, so a start in a
        break, at night or on a day off counts from the next opening.  When the amount
        runs out exactly at a span end, the span end is returned (10:00 + 2h is 12:00,
        not 13:30).  ``hours == 0`` returns the next working instant: the moment the
        clock would start.  ``hours`` is rounded to the microsecond; negative, NaN or
        infinite values raise ``ValueError``.
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite non-negative number, got {hours!r}")
        t = self.next_working_instant(start)
        remaining = round(hours * 3600 * _US_PER_S)
        if remaining == 0:
            return t
        d = t.date()
        sec = _seconds_of_day(t.time())
        target = self._worked_before(sec) * _US_PER_S + t.microsecond + remaining
        spd_us = self._spd * _US_PER_S
        if target > spd_us:
            target -= spd_us
            full_days = (target - 1) // spd_us
            target -= full_days * spd_us
            d = self._nth_workday_after(d, full_days + 1)
        return self._at_offset(d, target)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same time of day on the ``days``-th next working day.

        The time of day is first clamped into working hours: before the opening it
        becomes the opening, in a break it becomes the end of the break, after the
        close it becomes the close (so Monday 18:00 + 1 day is Tuesday 17:30).  A start
        on a day off is treated as the opening of the next working day, which is then
        the day counted from (Saturday + 1 day is Tuesday's opening).  In every case
        ``working_seconds(start, result) == days * seconds_per_day``.  ``days == 0``
        returns :meth:`next_working_instant` of ``start``, never an earlier instant.
        """
        if days < 0:
            raise ValueError(f"days must be non-negative, got {days!r}")
        if days == 0:
            return self.next_working_instant(start)
        _check_naive(start)
        d = start.date()
        spans = self._hours.spans
        if not self.is_workday(d):
            anchor = self._nth_workday_after(d, 1)
            return datetime.combine(self._nth_workday_after(anchor, days), spans[0][0])
        tod = start.time()
        clamped = spans[-1][1]
        for s, e in spans:
            if tod <= e:
                clamped = tod if tod >= s else s
                break
        return datetime.combine(self._nth_workday_after(d, days), clamped)

    def working_seconds(
        self,
        start: datetime,
        end: datetime,
        pauses: Sequence[tuple[datetime, datetime | None]] = (),
    ) -> int:
        """Working seconds in ``[start, end)`` not covered by any pause.

        A pause ending in ``None`` runs until ``end``.  Pauses are clipped to the range
        and merged first, so overlapping pauses are subtracted once.  ``end <= start``
        gives 0.  Sub-second parts of every instant are dropped.
        """
        _check_naive(start)
        _check_naive(end)
        total = self._span_seconds(start, end)
        if not pauses or total == 0:
            return total
        clipped: list[tuple[datetime, datetime]] = []
        for p_start, p_end in pauses:
            _check_naive(p_start)
            lo = max(p_start, start)
            if p_end is None:
                hi = end
            else:
                _check_naive(p_end)
                hi = min(p_end, end)
            if lo < hi:
                clipped.append((lo, hi))
        for lo, hi in merge_spans(clipped):
            total -= self._span_seconds(lo, hi)
        return total

    def _span_seconds(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        da, db = start.date(), end.date()
        total = self._workdays_between(da, db) * self._spd
        if self.is_workday(da):
            total -= self._worked_before(_seconds_of_day(start.time()))
        if self.is_workday(db):
            total += self._worked_before(_seconds_of_day(end.time()))
        return total


def _check_naive(t: datetime) -> None:
    if t.tzinfo is not None:
        raise ValueError(f"expected a naive local datetime, got {t!r}")


def merge_spans(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort and merge half-open spans; empty spans are dropped, touching ones joined."""
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def format_working_duration(seconds: int, hours_per_day: float) -> tuple[int, int, int]:
    """Split working seconds into (working days, hours, minutes).

    Leftover seconds are truncated so a displayed figure never overstates time held.
    """
    if seconds < 0:
        raise ValueError(f"seconds must be non-negative, got {seconds!r}")
    if not math.isfinite(hours_per_day) or hours_per_day <= 0:
        raise ValueError(f"hours_per_day must be positive, got {hours_per_day!r}")
    day_seconds = round(hours_per_day * 3600)
    days, rest = divmod(int(seconds), day_seconds)
    return days, rest // 3600, rest % 3600 // 60
