"""How figures read on paper: times, working durations, amounts and percentages.

Everything returns plain text in the current language; the templates escape it. Durations,
amounts and lists read as on screen (:mod:`coordinator.formatting`, re-exported here).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.formatting import listing, money, working_duration

__all__ = [
    "call_length",
    "day",
    "duration",
    "listing",
    "money",
    "percent",
    "ratio_percent",
    "stamp",
    "when",
]


def stamp(value: datetime | None) -> str:
    """A full date and minute: ``2026-11-16 08:40``; empty for None."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def when(value: datetime | None, year: int) -> str:
    """A compact time: ``11-16 08:40`` in ``year``, the full stamp in any other year."""
    if value is None:
        return ""
    if value.year == year:
        return value.strftime("%m-%d %H:%M")
    return stamp(value)


def day(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def duration(seconds: int, calendar: WorkingCalendar) -> str:
    """Working seconds as :func:`coordinator.formatting.working_duration` says them."""
    return working_duration(max(0, seconds), calendar.seconds_per_day)


def call_length(seconds: int) -> str:
    """A call's length as minutes and seconds (``6:20``); empty when not timed."""
    if seconds <= 0:
        return ""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def ratio_percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal (None when whole is zero)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(value: Decimal | None, *, signed: bool = False) -> str:
    """``119.0%`` (``+393.6%`` when signed); an em dash for no figure."""
    if value is None:
        return "—"
    text = f"{value:,.1f}%"
    return f"+{text}" if signed and value > 0 else text
