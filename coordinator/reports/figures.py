"""How figures read on paper: times, working durations, amounts and percentages.

Everything returns plain text in the current language; the templates escape it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.formatting import working_duration
from coordinator.i18n import _, current_language

# Chinese offices count money in 万 (10^4) and 亿 (10^8); English readers in millions.
_ZH_UNITS: dict[str, str] = {"CNY": "元", "USD": "美元", "EUR": "欧元", "HKD": "港元"}
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)
_MILLION = Decimal(1_000_000)


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
    """Working seconds as “1 working day 2 h” / “1个工作日2小时”."""
    return working_duration(max(0, seconds), calendar.seconds_per_day)


def compact_duration(seconds: int, calendar: WorkingCalendar) -> str:
    """A long wait in working days to one decimal (“2.5个工作日”), a short one exactly.

    For big figures and narrow columns, where “2个工作日4小时3分” would wrap.
    """
    seconds = max(0, seconds)
    per_day = calendar.seconds_per_day
    if seconds < per_day:
        return duration(seconds, calendar)
    days = (Decimal(seconds) / per_day).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if days == 1:
        return _("1 working day")
    return _("{n} working days").format(n=f"{days:.1f}".removesuffix(".0"))


def call_length(seconds: int) -> str:
    """A call's length as minutes and seconds (``6:20``); empty when not timed."""
    if seconds <= 0:
        return ""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def money(amount: Decimal | None, currency: str) -> str:
    """``14.28亿元`` / ``2,260.00万元`` in Chinese, ``CNY 1,428.00 m`` in English."""
    if amount is None:
        return ""
    if current_language() == "zh_CN":
        unit = _ZH_UNITS.get(currency, currency)
        for size, name in ((_YI, "亿"), (_WAN, "万"), (Decimal(1), "")):
            if abs(amount) >= size or size == 1:
                # 14.28亿元, 3,608万美元, 0元: no trailing zeros after the point
                text = _grouped(amount / size, 2).rstrip("0").removesuffix(".")
                return f"{text}{name}{unit}"
    if abs(amount) >= _MILLION:
        return f"{currency} {_grouped(amount / _MILLION, 2)} m"
    return f"{currency} {_grouped(amount, 2)}"


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


def listing(items: Iterable[str], *, long: bool = False) -> str:
    """Items run together the reader's way: “甲、乙” / “a, b”; long ones “甲；乙” / “a; b”."""
    if current_language() == "zh_CN":
        return ("；" if long else "、").join(items)
    return ("; " if long else ", ").join(items)
