"""Readable renderings of times and working durations, in the current language."""

from __future__ import annotations

from datetime import datetime

from coordinator.calendar.working_time import format_working_duration
from coordinator.i18n import _, current_language


def working_duration(seconds: int, seconds_per_day: int) -> str:
    """“1 working day 2 h 15 min” / “1个工作日2小时15分”; minutes are the finest unit."""
    days, hours, minutes = format_working_duration(abs(seconds), seconds_per_day / 3600)
    parts = []
    if days:
        parts.append(_("{n} working days").format(n=days) if days > 1 else _("1 working day"))
    if hours:
        parts.append(_("{n} h").format(n=hours))
    if minutes or not parts:
        parts.append(_("{n} min").format(n=minutes))
    # Chinese runs the parts together (“1个工作日2小时”); English separates them.
    return ("" if current_language() == "zh_CN" else " ").join(parts)


def short_datetime(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    if now is not None and value.date() == now.date():
        return _("today {time}").format(time=value.strftime("%H:%M"))
    if now is not None and value.year == now.year:
        return value.strftime("%m-%d %H:%M")
    return value.strftime("%Y-%m-%d %H:%M")
