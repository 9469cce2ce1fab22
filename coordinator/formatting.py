"""Readable renderings of times, working durations, amounts and lists, in the current
language: one way each, shared by the screens and the printouts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from coordinator.calendar.working_time import format_working_duration
from coordinator.i18n import _, current_language, ngettext

# Chinese offices count money in 万 (10^4) and 亿 (10^8); English readers in millions.
ZH_CURRENCY_UNITS: dict[str, str] = {"CNY": "元", "USD": "美元", "EUR": "欧元", "HKD": "港元"}
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MILLION = Decimal(1_000_000)


def working_duration(seconds: int, seconds_per_day: int) -> str:
    """Working time as “2 h 15 min” / “2小时15分” under a working day, and as working days
    and whole hours from a day on: “3 working days 4 h” / “3个工作日4小时”.

    The one way a duration reads, on screen and on paper: a director reads days and
    hours without arithmetic (“3.6个工作日” asks how long a working day is), and minutes
    matter only while the figure is under a day. Leftover time is dropped, never rounded
    up, so a figure never overstates the time something was held.
    """
    days, hours, minutes = format_working_duration(abs(seconds), seconds_per_day / 3600)
    parts = []
    if days:
        parts.append(ngettext("{n} working day", "{n} working days", days).format(n=days))
    if hours:
        parts.append(_("{n} h").format(n=hours))
    if not days and (minutes or not parts):
        parts.append(_("{n} min").format(n=minutes))
    # Chinese runs the parts together (“1个工作日2小时”); English separates them.
    return ("" if current_language() == "zh_CN" else " ").join(parts)


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def money(amount: Decimal | None, currency: str, lang: str | None = None) -> str:
    """``14.28亿元`` / ``2,260万元`` in Chinese, ``CNY 1,428.00 m`` in English; empty for
    no amount. A currency without a Chinese name keeps its code (``3万GBP``)."""
    if amount is None:
        return ""
    if (lang or current_language()) == "zh_CN":
        unit = ZH_CURRENCY_UNITS.get(currency, currency)
        for size, name in ((YI, "亿"), (WAN, "万"), (Decimal(1), "")):
            if abs(amount) >= size or size == 1:
                # 14.28亿元, 3,608万美元, 0元: no trailing zeros after the point
                text = _grouped(amount / size, 2).rstrip("0").removesuffix(".")
                return f"{text}{name}{unit}"
    if abs(amount) >= MILLION:
        return f"{currency} {_grouped(amount / MILLION, 2)} m"
    return f"{currency} {_grouped(amount, 2)}"


def wan_unit(currency: str, lang: str | None = None) -> str:
    """Ten thousand of ``currency``, the unit a target is typed in: “万元”, “万美元”;
    in English “10,000 CNY”."""
    if (lang or current_language()) == "zh_CN":
        return f"万{ZH_CURRENCY_UNITS.get(currency, currency)}"
    return f"10,000 {currency}"


def listing(items: Iterable[str], *, long: bool = False, lang: str | None = None) -> str:
    """Items run together the reader's way: “甲、乙” / “a, b”; long ones “甲；乙” / “a; b”."""
    if (lang or current_language()) == "zh_CN":
        return ("；" if long else "、").join(items)
    return ("; " if long else ", ").join(items)


def short_datetime(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    if now is not None and value.date() == now.date():
        return _("today {time}").format(time=value.strftime("%H:%M"))
    if now is not None and value.year == now.year:
        return value.strftime("%m-%d %H:%M")
    return value.strftime("%Y-%m-%d %H:%M")
