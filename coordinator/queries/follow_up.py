"""Follow-up times from what the officer types: "in 2 working hours", "明天上午9点", "周五".

A promise made on the phone is written the way it was said, in Chinese or English:

* an amount of working time from now: "in 2 working hours", "2h", "90 min", "2小时后",
  "两个小时后", "半小时后", "3 working days", "3天后", "3个工作日", "1周后";
* a day, with or without a time: "tomorrow 9:00", "明天9点", "明天上午9点半", "后天下午3点",
  "next working day", "下个工作日", "Friday", "周五", "下周一 10:00", "2026-12-01",
  "12-01 14:30", "12月1日", "2026年12月1日下午2点";
* a time alone: "15:00", "下午3点", "3pm" (today, or tomorrow once that time has passed).

Hours and minutes count working time (the officer's hours on working days, holidays
and make-up days included), so "2h" at 16:30 on a Friday falls on Monday morning. Days
count working days and keep the time of day. Weeks are calendar weeks, moved to the
next working instant. A day given without a time means the opening of that working day.
A weekday means its next occurrence after today; "next Friday" and "下周五" mean the
Friday of next week (Monday to Sunday), "this Friday" and "本周五" that of this week.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import ValidationError
from coordinator.i18n import N_
from coordinator.labels import F_FOLLOW_UP
from coordinator.store.storage import Store
from coordinator.validation import required_datetime

__all__ = ["EXAMPLES", "follow_up_from_text", "parse_follow_up"]

EXAMPLES = N_(
    "in 2 working hours, 2h, tomorrow 9:00, next working day, Friday, 2026-12-01, 12-01 14:30"
)
"""What a refusal offers as examples, in the officer's language (both are understood)."""
MAX_TEXT = 80
MAX_HOURS = 2000.0
MAX_DAYS = 500
MAX_WEEKS = 100

_UNPARSED = N_("“{text}” is not a follow-up time. Write, for example: {examples}.")
_EMPTY = N_("The follow-up time is empty. Write, for example: {examples}.")
_PAST = N_("The follow-up time {time} is already past.")
_NO_SUCH_TIME = N_("“{text}” is not a time of day: hours go from 0 to 23 and minutes from 0 to 59.")
_NO_SUCH_DATE = N_("“{text}” is not a date on the calendar.")
_TOO_FAR = N_("“{text}” is too far ahead for a follow-up.")

# -- normalising what was typed ----------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = re.compile("[零〇一二两三四五六七八九十百]+")
_SHORTHANDS = {
    "今晚": "今天晚上",
    "明早": "明天早上",
    "明晚": "明天晚上",
    "tonight": "today evening",
    "this morning": "today morning",
    "this afternoon": "today afternoon",
    "this evening": "today evening",
}


def _chinese_number(text: str) -> str:
    if not any(c in "十百" for c in text):
        return "".join(str(_CN_DIGITS[c]) for c in text)  # 二〇二六 → 2026, 一 → 1
    total = current = 0
    for char in text:
        if char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = _CN_DIGITS[char]
    return str(total + current)


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in folded)
    folded = " ".join(folded.split()).strip(" 。.!！,，")
    for short, long in _SHORTHANDS.items():
        folded = folded.replace(short, long)
    return _CN_NUMERAL.sub(lambda m: _chinese_number(m.group()), folded)


# -- the grammar -------------------------------------------------------------------------

_PERIOD = (
    r"(?P<period>上午|早上|早晨|早|中午|下午|晚上|傍晚|夜里|凌晨"
    r"|morning|afternoon|noon|evening)"
)
_CLOCK = (
    r"(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})"
    r"|\s*(?P<dot>[点時时])\s*(?:(?P<half>半)|(?P<quarter>[13])\s*刻|(?P<zhmin>\d{1,2})\s*分?)?)?"
    r"\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
)
_TIME = rf"(?:\s*(?:at\s+|的\s*)?(?:{_PERIOD}\s*)?(?:{_CLOCK})?)"

_DAY_WORDS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "tmr": 1,
    "tmrw": 1,
    "明天": 1,
    "明日": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "后天": 2,
    "大后天": 3,
}
_EN_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_ZH_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}


def _alternatives(words: Iterable[str]) -> str:
    keys = sorted(words, key=len, reverse=True)  # the longest first: "tues" before "tue"
    return "|".join(re.escape(k) for k in keys)


_RE_DAY_WORD = re.compile(rf"(?P<day>{_alternatives(_DAY_WORDS)}){_TIME}")
_RE_EN_WEEKDAY = re.compile(
    rf"(?:(?P<which>this|next|coming)\s+)?(?P<weekday>{_alternatives(_EN_WEEKDAYS)}){_TIME}"
)
_RE_ZH_WEEKDAY = re.compile(
    rf"(?P<which>下下|下|这|本)?\s*(?:周|星期|礼拜)(?P<weekday>[1-7日天]){_TIME}"
)
_RE_NEXT_WORKDAY = re.compile(
    rf"(?:(?:the\s+)?next\s+(?:working|work|business)\s*day|下\s*1?\s*个?\s*工作日){_TIME}"
)
_RE_FULL_DATE = re.compile(
    rf"(?P<year>\d{{4}})\s*[-/.年]\s*(?P<month>\d{{1,2}})\s*[-/.月]\s*(?P<day>\d{{1,2}})\s*[日号]?"
    rf"{_TIME}"
)
_RE_SHORT_DATE = re.compile(rf"(?P<month>\d{{1,2}})\s*[-/月]\s*(?P<day>\d{{1,2}})\s*[日号]?{_TIME}")
_RE_TIME_ONLY = re.compile(_TIME)
_RE_EN_AMOUNT = re.compile(
    r"(?:in\s+)?(?P<amount>\d+(?:\.\d+)?|an?|half\s+an?)\s*"
    r"(?:(?:working|work|business)\s+)?"
    r"(?P<unit>h|hrs?|hours?|m|mins?|minutes?|d|days?|w|wks?|weeks?)"
    r"(?:\s+(?:later|from\s+now))?"
)
_RE_ZH_AMOUNT = re.compile(
    r"(?:过\s*)?(?P<amount>\d+(?:\.\d+)?)?\s*个?\s*(?P<half>半)?\s*个?\s*"
    r"(?P<unit>小时|钟头|分钟|分|工作日|天|日|周|星期|礼拜)"
    r"\s*(?:后|之后|以后|内|以内)?"
)

_HOUR_UNITS = {"h", "hr", "hrs", "hour", "hours", "小时", "钟头"}
_MINUTE_UNITS = {"m", "min", "mins", "minute", "minutes", "分钟", "分"}
_DAY_UNITS = {"d", "day", "days", "天", "日", "工作日"}
_WEEK_UNITS = {"w", "wk", "wks", "week", "weeks", "周", "星期", "礼拜"}


class _UnparsedError(Exception):
    """The text is none of the forms: the caller answers with the examples."""


# -- parsing -----------------------------------------------------------------------------


def parse_follow_up(text: str, *, now: datetime, calendar: WorkingCalendar) -> datetime:
    """The moment a follow-up typed as ``text`` is due, counted from ``now``.

    Raises :class:`ValidationError` with examples when the text is none of the forms,
    and when it names a moment already past or no moment at all ("25:00", "02-30").
    """
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise ValidationError(_EMPTY, examples=EXAMPLES)
    shown = raw if len(raw) <= MAX_TEXT else raw[:MAX_TEXT] + "…"
    if len(raw) > MAX_TEXT:
        raise ValidationError(_UNPARSED, text=shown, examples=EXAMPLES)
    start = now.replace(microsecond=0)
    try:
        due = _parse(_normalised(raw), shown, start, calendar)
    except _UnparsedError:
        raise ValidationError(_UNPARSED, text=shown, examples=EXAMPLES) from None
    except (OverflowError, ValueError):
        raise ValidationError(_TOO_FAR, text=shown) from None
    due = required_datetime(due, F_FOLLOW_UP).replace(microsecond=0)
    if due <= start:
        raise ValidationError(_PAST, time=due.strftime("%Y-%m-%d %H:%M"))
    return due


def follow_up_from_text(store: Store, text: str, now: datetime | None = None) -> datetime:
    """:func:`parse_follow_up` with the store's working calendar and clock."""
    return parse_follow_up(text, now=now or store.clock(), calendar=store.calendar())


def _parse(s: str, shown: str, now: datetime, calendar: WorkingCalendar) -> datetime:
    match = _RE_EN_AMOUNT.fullmatch(s) or _RE_ZH_AMOUNT.fullmatch(s)
    if match:
        return _after_amount(match, shown, now, calendar)
    match = _RE_NEXT_WORKDAY.fullmatch(s)
    if match:
        day = _next_working_day(now.date(), calendar)
        return _on_day(day, match, shown, calendar)
    match = _RE_DAY_WORD.fullmatch(s)
    if match:
        day = now.date() + timedelta(days=_DAY_WORDS[match["day"]])
        return _on_day(day, match, shown, calendar)
    match = _RE_EN_WEEKDAY.fullmatch(s)
    if match:
        relative = {"next": "next", "this": "this"}.get(match["which"] or "", "")
        day = _weekday(now.date(), _EN_WEEKDAYS[match["weekday"]], relative)
        return _on_day(day, match, shown, calendar)
    match = _RE_ZH_WEEKDAY.fullmatch(s)
    if match:
        weeks = {"下": "next", "下下": "after_next", "这": "this", "本": "this"}
        day = _weekday(
            now.date(), _ZH_WEEKDAYS[match["weekday"]], weeks.get(match["which"] or "", "")
        )
        return _on_day(day, match, shown, calendar)
    match = _RE_FULL_DATE.fullmatch(s)
    if match:
        day = _date(int(match["year"]), int(match["month"]), int(match["day"]), shown)
        return _on_day(day, match, shown, calendar)
    match = _RE_SHORT_DATE.fullmatch(s)
    if match:
        month, day_of_month = int(match["month"]), int(match["day"])
        day = _date(now.year, month, day_of_month, shown, allow_leap_next=True)
        if day < now.date():  # "01-05" typed in December is next January
            day = _date(now.year + 1, month, day_of_month, shown)
        return _on_day(day, match, shown, calendar)
    match = _RE_TIME_ONLY.fullmatch(s)
    # A bare number ("2") is no time: two o'clock, or two hours?
    if match and (match["period"] or match["minute"] or match["dot"] or match["ampm"]):
        moment = _at(now.date(), _time_of_day(match, shown, calendar))
        return moment if moment > now else moment + timedelta(days=1)
    raise _UnparsedError


def _after_amount(
    match: re.Match[str], shown: str, now: datetime, calendar: WorkingCalendar
) -> datetime:
    groups = match.groupdict()
    amount_text = (groups.get("amount") or "").strip()
    if amount_text in ("a", "an"):
        amount = 1.0
    elif amount_text.startswith("half"):
        amount = 0.5
    elif amount_text:
        amount = float(amount_text)
    elif groups.get("half"):
        amount = 0.0
    else:
        raise _UnparsedError
    if groups.get("half"):
        amount += 0.5
    unit = match["unit"]
    if unit in _HOUR_UNITS or unit in _MINUTE_UNITS:
        hours = amount if unit in _HOUR_UNITS else amount / 60
        if hours > MAX_HOURS:
            raise ValidationError(_TOO_FAR, text=shown)
        return calendar.add_working_hours(now, hours)
    if unit in _DAY_UNITS:
        if amount != int(amount):  # half a working day: its hours
            return calendar.add_working_hours(now, amount * calendar.seconds_per_day / 3600)
        if amount > MAX_DAYS:
            raise ValidationError(_TOO_FAR, text=shown)
        return calendar.add_working_days(now, int(amount))
    if amount > MAX_WEEKS:
        raise ValidationError(_TOO_FAR, text=shown)
    return calendar.next_working_instant(now + timedelta(days=round(amount * 7)))


def _next_working_day(today: date, calendar: WorkingCalendar) -> date:
    day = today + timedelta(days=1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def _weekday(today: date, weekday: int, which: str) -> date:
    monday = today - timedelta(days=today.weekday())
    if which == "this":
        return monday + timedelta(days=weekday)
    if which == "next":
        return monday + timedelta(days=7 + weekday)
    if which == "after_next":
        return monday + timedelta(days=14 + weekday)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _date(year: int, month: int, day: int, shown: str, *, allow_leap_next: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if allow_leap_next and (month, day) == (2, 29):
            for ahead in range(1, 5):  # "02-29" outside a leap year: the next one
                try:
                    return date(year + ahead, month, day)
                except ValueError:
                    continue
        raise ValidationError(_NO_SUCH_DATE, text=shown) from None


def _on_day(day: date, match: re.Match[str], shown: str, calendar: WorkingCalendar) -> datetime:
    if match["hour"] is None and match["period"] is None:
        return datetime.combine(day, calendar.hours.spans[0][0])
    return _at(day, _time_of_day(match, shown, calendar))


def _at(day: date, moment: time | None) -> datetime:
    if moment is None:
        return datetime.combine(day + timedelta(days=1), time.min)
    return datetime.combine(day, moment)


def _time_of_day(match: re.Match[str], shown: str, calendar: WorkingCalendar) -> time | None:
    """The time the match names; None for midnight at the end of the day ("晚上12点")."""
    period = match["period"]
    if match["hour"] is None:
        return _period_start(period, calendar, shown)
    hour = int(match["hour"])
    minute = 0
    if match["minute"] is not None:
        minute = int(match["minute"])
    elif match["zhmin"] is not None:
        minute = int(match["zhmin"])
    elif match["half"]:
        minute = 30
    elif match["quarter"]:
        minute = 15 * int(match["quarter"])
    ampm = (match["ampm"] or "").replace(".", "")
    later = period in ("下午", "晚上", "傍晚", "夜里", "afternoon", "evening") or ampm == "pm"
    after_noon = period in ("中午", "noon") and 1 <= hour <= 2
    if (later and 1 <= hour < 12) or after_noon:
        hour += 12
    elif (ampm == "am" or period == "凌晨") and hour == 12:
        hour = 0
    elif period in ("晚上", "夜里") and hour == 12:
        return None  # midnight: the start of the next day
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValidationError(_NO_SUCH_TIME, text=shown)
    return time(hour, minute)


def _period_start(period: str | None, calendar: WorkingCalendar, shown: str) -> time:
    spans = calendar.hours.spans
    if period in ("上午", "早上", "早晨", "早", "morning"):
        return spans[0][0]
    if period in ("下午", "afternoon"):
        # The first working span starting after midday; 14:00 if the hours have none.
        return next((s for s, _e in spans if s >= time(12, 0)), time(14, 0))
    if period in ("中午", "noon"):
        return time(12, 0)
    if period in ("晚上", "傍晚", "evening"):
        return time(19, 0)
    raise ValidationError(_UNPARSED, text=shown, examples=EXAMPLES)
