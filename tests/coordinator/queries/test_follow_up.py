"""Follow-up phrases, in Chinese and English, counted in working time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import DomainError, ValidationError
from coordinator.queries.follow_up import EXAMPLES, follow_up_from_text, parse_follow_up
from coordinator.services import calendar as calendar_service
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock

InChinese = Callable[[DomainError], DomainError]

CALENDAR = WorkingCalendar()  # 8:30-12:00, 13:30-17:30; Chinese holidays
MONDAY = datetime(2025, 6, 9, 9, 0)
FRIDAY_LATE = datetime(2025, 6, 13, 16, 30)


def due(text: str, now: datetime = MONDAY) -> datetime:
    return parse_follow_up(text, now=now, calendar=CALENDAR)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # amounts of working time
        ("in 2 working hours", datetime(2025, 6, 9, 11, 0)),
        ("2h", datetime(2025, 6, 9, 11, 0)),
        ("2 hours", datetime(2025, 6, 9, 11, 0)),
        ("2小时后", datetime(2025, 6, 9, 11, 0)),
        ("两个小时后", datetime(2025, 6, 9, 11, 0)),
        ("２小时后", datetime(2025, 6, 9, 11, 0)),
        ("4h", datetime(2025, 6, 9, 14, 30)),  # lunch 12:00-13:30 is not working time
        ("半小时后", datetime(2025, 6, 9, 9, 30)),
        ("half an hour", datetime(2025, 6, 9, 9, 30)),
        ("an hour", datetime(2025, 6, 9, 10, 0)),
        ("1个半小时后", datetime(2025, 6, 9, 10, 30)),
        ("1.5h", datetime(2025, 6, 9, 10, 30)),
        ("90 min", datetime(2025, 6, 9, 10, 30)),
        ("30分钟后", datetime(2025, 6, 9, 9, 30)),
        ("3 working days", datetime(2025, 6, 12, 9, 0)),
        ("3天后", datetime(2025, 6, 12, 9, 0)),
        ("3个工作日", datetime(2025, 6, 12, 9, 0)),
        ("1周后", datetime(2025, 6, 16, 9, 0)),
        ("in 2 weeks", datetime(2025, 6, 23, 9, 0)),
        # days, with or without a time
        ("tomorrow 9:00", datetime(2025, 6, 10, 9, 0)),
        ("Tomorrow at 9am", datetime(2025, 6, 10, 9, 0)),
        ("tomorrow", datetime(2025, 6, 10, 8, 30)),  # the opening of the working day
        ("tomorrow afternoon", datetime(2025, 6, 10, 13, 30)),
        ("明天9点", datetime(2025, 6, 10, 9, 0)),
        ("明天上午9点", datetime(2025, 6, 10, 9, 0)),
        ("明天上午九点半", datetime(2025, 6, 10, 9, 30)),
        ("明天下午3点", datetime(2025, 6, 10, 15, 0)),
        ("明天下午三点一刻", datetime(2025, 6, 10, 15, 15)),
        ("明天中午1点", datetime(2025, 6, 10, 13, 0)),
        ("明早", datetime(2025, 6, 10, 8, 30)),
        ("明天晚上12点", datetime(2025, 6, 11, 0, 0)),
        ("后天 14:30", datetime(2025, 6, 11, 14, 30)),
        ("今天下午4点", datetime(2025, 6, 9, 16, 0)),
        ("今晚8点", datetime(2025, 6, 9, 20, 0)),
        ("next working day", datetime(2025, 6, 10, 8, 30)),
        ("下个工作日", datetime(2025, 6, 10, 8, 30)),
        ("下一个工作日 14:00", datetime(2025, 6, 10, 14, 0)),
        # weekdays
        ("Friday", datetime(2025, 6, 13, 8, 30)),
        ("fri 2pm", datetime(2025, 6, 13, 14, 0)),
        ("周五", datetime(2025, 6, 13, 8, 30)),
        ("星期五下午3点", datetime(2025, 6, 13, 15, 0)),
        ("礼拜天", datetime(2025, 6, 15, 8, 30)),
        ("周一", datetime(2025, 6, 16, 8, 30)),  # said on a Monday: next Monday
        ("下周一 10:00", datetime(2025, 6, 16, 10, 0)),
        ("下周五", datetime(2025, 6, 20, 8, 30)),
        ("next friday", datetime(2025, 6, 20, 8, 30)),
        ("本周五", datetime(2025, 6, 13, 8, 30)),
        ("this friday", datetime(2025, 6, 13, 8, 30)),
        ("下下周三", datetime(2025, 6, 25, 8, 30)),
        # dates
        ("2026-12-01", datetime(2026, 12, 1, 8, 30)),
        ("2026/12/1 9:15", datetime(2026, 12, 1, 9, 15)),
        ("2026年12月1日下午2点", datetime(2026, 12, 1, 14, 0)),
        ("12-01 14:30", datetime(2025, 12, 1, 14, 30)),
        ("12/1", datetime(2025, 12, 1, 8, 30)),
        ("12月1日", datetime(2025, 12, 1, 8, 30)),
        ("6月10号上午10点", datetime(2025, 6, 10, 10, 0)),
        ("01-05", datetime(2026, 1, 5, 8, 30)),  # January has passed: next year's
        ("02-29", datetime(2028, 2, 29, 8, 30)),
        # a time alone: today, or tomorrow once it has passed
        ("15:00", datetime(2025, 6, 9, 15, 0)),
        ("下午3点", datetime(2025, 6, 9, 15, 0)),
        ("3pm", datetime(2025, 6, 9, 15, 0)),
        ("8:00", datetime(2025, 6, 10, 8, 0)),
        ("  2H  ", datetime(2025, 6, 9, 11, 0)),
    ],
)
def test_phrases(text: str, expected: datetime) -> None:
    assert due(text) == expected


def test_working_hours_run_over_the_weekend() -> None:
    assert due("2h", FRIDAY_LATE) == datetime(2025, 6, 16, 9, 30)
    assert due("next working day", FRIDAY_LATE) == datetime(2025, 6, 16, 8, 30)
    assert due("1天后", FRIDAY_LATE) == datetime(2025, 6, 16, 16, 30)


def test_holidays_and_make_up_days_count() -> None:
    # National Day 2025: 1-8 October off; Saturday 11 October a make-up working day.
    eve = datetime(2025, 9, 30, 17, 0)
    assert due("next working day", eve) == datetime(2025, 10, 9, 8, 30)
    assert due("1h", eve) == datetime(2025, 10, 9, 9, 0)
    assert due("3个工作日", eve) == datetime(2025, 10, 11, 17, 0)


def test_the_officers_own_calendar(store: Store, clock: FixedClock) -> None:
    calendar_service.set_day(store, date(2025, 6, 10), False, "防汛值守调休")
    assert follow_up_from_text(store, "next working day") == datetime(2025, 6, 11, 8, 30)
    assert follow_up_from_text(store, "2h") == datetime(2025, 6, 9, 11, 0)
    clock.set(2025, 6, 9, 17, 0)
    assert follow_up_from_text(store, "1h") == datetime(2025, 6, 11, 9, 0)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("hello", f"“hello” is not a follow-up time. Write, for example: {EXAMPLES}."),
        ("周八", f"“周八” is not a follow-up time. Write, for example: {EXAMPLES}."),
        ("2", f"“2” is not a follow-up time. Write, for example: {EXAMPLES}."),
        ("凌晨", f"“凌晨” is not a follow-up time. Write, for example: {EXAMPLES}."),
        ("", f"The follow-up time is empty. Write, for example: {EXAMPLES}."),
        ("   ", f"The follow-up time is empty. Write, for example: {EXAMPLES}."),
        ("02-30", "“02-30” is not a date on the calendar."),
        ("2026-13-01", "“2026-13-01” is not a date on the calendar."),
        (
            "25:00",
            "“25:00” is not a time of day: hours go from 0 to 23 and minutes from 0 to 59.",
        ),
        (
            "明天9点70分",
            "“明天9点70分” is not a time of day: hours go from 0 to 23 and minutes from 0 to 59.",
        ),
        ("today 8:00", "The follow-up time 2025-06-09 08:00 is already past."),
        ("2020-01-01", "The follow-up time 2020-01-01 08:30 is already past."),
        ("这周一", "The follow-up time 2025-06-09 08:30 is already past."),
        ("in 99999 hours", "“in 99999 hours” is too far ahead for a follow-up."),
        ("9999天后", "“9999天后” is too far ahead for a follow-up."),
        ("2999-01-01", "Follow-up time must be between 2000 and 2100."),
    ],
)
def test_refusals_say_what_is_wrong(text: str, english: str, in_chinese: InChinese) -> None:
    with pytest.raises(ValidationError) as info:
        due(text)
    assert info.value.message("en") == english
    in_chinese(info.value)


def test_a_long_text_is_cut_in_the_message() -> None:
    with pytest.raises(ValidationError) as info:
        due("请" * 100)
    assert info.value.message("en").startswith(f"“{'请' * 80}…” is not a follow-up time.")


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=25),
        st.text(
            alphabet=st.sampled_from("0123456789:-/ 点半刻时后天周下明上午hdmin个工作日"),
            max_size=15,
        ),
    )
)
def test_anything_typed_is_a_future_time_or_a_validation_error(text: str) -> None:
    refusal: ValidationError | None = None
    try:
        result = due(text)
    except ValidationError as err:
        refusal = err
    if refusal is not None:
        assert refusal.message("en")
        return
    assert result > MONDAY
    assert result.microsecond == 0
