"""A case's clock, on a company landing re-enacted with realistic times.

Working hours are the default 8:30-12:00 and 13:30-17:30 (7.5 h = 27 000 s a day).
Monday 9 and Tuesday 10 June 2025 are ordinary working days.

    step     department          requested  company pause    done       held (working)
    park     园区管委会            Mon 09:00  -                Mon 10:30  1.5 h
    licence  区市场监督管理局       Mon 10:30  Mon 11:30-14:00  Mon 15:30  3.5 h - 1 h = 2.5 h
    seal     公安分局印章管理中心    Mon 15:30  -                Mon 16:30  1 h
    tax      区税务局              Mon 15:30  -                Tue 09:30  2 h + 1 h = 3 h
    social   区人力资源和社会保障局   Mon 15:45  -                (open)     1.75 + 2.5 = 4.25 h
    bank     开户银行              Mon 16:30  -                Tue 10:00  1 h + 1.5 h = 2.5 h

Now is Tuesday 11:00. The case has run Mon 9:00-12:00 (3 h), 13:30-17:30 (4 h) and
Tue 8:30-11:00 (2.5 h): 9.5 h = 34 200 s, against a normal 30 h = 108 000 s.
Critical chain: social, still open, finishes last (now); it waited on licence, which
waited on park: park -> licence -> social, from Mon 9:00 to now = 9.5 h = 34 200 s, of
which licence's 1 h paused for the company.  (Held time alone would have ranked
park -> licence -> seal -> bank at 7.5 h close behind: the chain is decided by when
things finished, not by how long departments held them.)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import timing
from coordinator.queries.timing import COMPANY_KEY, CaseClock
from coordinator.services import actions, cases
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock

H = 3600


def mon(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 9, hh, mm)


def tue(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 10, hh, mm)


@pytest.fixture
def landed(store: Store, clock: FixedClock) -> tuple[int, dict[str, int]]:
    clock.now = mon(9)
    case = cases.open_case(
        store, "丙公司注册落地", company_name="丙公司", template_key="company_landing"
    )
    case_id = case.value.id
    keys = ["park", "licence", "seal", "bank", "tax", "social"]
    ids = dict(zip(keys, (a.id for a in action_queries.for_case(store, case_id)), strict=True))
    script: list[tuple[datetime, str, ActionStatus, str]] = [
        (mon(9), "park", ActionStatus.IN_PROGRESS, ""),
        (mon(10, 30), "park", ActionStatus.DONE, ""),
        (mon(10, 30), "licence", ActionStatus.IN_PROGRESS, ""),
        (mon(11, 30), "licence", ActionStatus.WAITING_COMPANY, "法人签字"),
        (mon(14), "licence", ActionStatus.IN_PROGRESS, ""),
        (mon(15, 30), "licence", ActionStatus.DONE, ""),
        (mon(15, 30), "seal", ActionStatus.IN_PROGRESS, ""),
        (mon(15, 30), "tax", ActionStatus.IN_PROGRESS, ""),
        (mon(15, 45), "social", ActionStatus.IN_PROGRESS, ""),
        (mon(16, 30), "seal", ActionStatus.DONE, ""),
        (mon(16, 30), "bank", ActionStatus.IN_PROGRESS, ""),
        (tue(9, 30), "tax", ActionStatus.DONE, ""),
        (tue(10), "bank", ActionStatus.DONE, ""),
    ]
    for when, key, status, reason in script:
        clock.now = when
        actions.set_status(store, ids[key], status, reason=reason)
    clock.now = tue(11)
    return case_id, ids


def test_due_times_along_the_way(store: Store, landed: tuple[int, dict[str, int]]) -> None:
    case_id, ids = landed
    due = {a.id: a.due_at for a in action_queries.for_case(store, case_id)}
    assert due[ids["park"]] == mon(11)  # 9:00 + 2 h
    assert due[ids["licence"]] == mon(15)  # 10:30 + 2 h = 14:00, + 1 h paused
    assert due[ids["seal"]] == mon(16, 30)  # 15:30 + 1 h
    assert due[ids["tax"]] == mon(17)  # 15:30 + 1.5 h
    assert due[ids["social"]] == tue(8, 45)  # 15:45 + 2 h: 1.75 h on Monday
    assert due[ids["bank"]] == tue(9)  # 16:30 + 1.5 h: 1 h on Monday


def test_case_clock(store: Store, landed: tuple[int, dict[str, int]]) -> None:
    case_id, ids = landed
    result = timing.case_clock(store, case_id)
    assert result == CaseClock(
        case_id=case_id,
        opened_at=mon(9),
        until=tue(11),
        running=True,
        elapsed_seconds=34_200,
        normal_seconds=108_000,
        saved_seconds=108_000 - 34_200,
        department_seconds={
            "园区管委会": 5_400,
            "区市场监督管理局": 9_000,
            "公安分局印章管理中心": 3_600,
            "开户银行": 9_000,
            "区税务局": 10_800,
            "区人力资源和社会保障局": 15_300,
            COMPANY_KEY: 3_600,
        },
        critical_path=(ids["park"], ids["licence"], ids["social"]),
        critical_path_seconds=34_200,
        critical_path_paused_seconds=3_600,
        uncovered_years=(),
    )


def test_case_clock_at_another_moment(store: Store, landed: tuple[int, dict[str, int]]) -> None:
    case_id, _ = landed
    # Tuesday 17:30: social has now held 1.75 h + 7.5 h.
    later = timing.case_clock(store, case_id, now=tue(17, 30))
    assert later.elapsed_seconds == 14 * H + 30 * 60
    assert later.department_seconds["区人力资源和社会保障局"] == int(9.25 * H)
    assert later.critical_path_seconds == later.elapsed_seconds == int(14.5 * H)


def test_a_closed_case_stops_its_clock(
    store: Store, landed: tuple[int, dict[str, int]], clock: FixedClock
) -> None:
    case_id, ids = landed
    clock.now = tue(11)
    actions.set_status(store, ids["social"], ActionStatus.DONE)
    cases.set_status(store, case_id, "closed")
    result = timing.case_clock(store, case_id, now=datetime(2025, 6, 20, 9))
    assert (result.until, result.running, result.elapsed_seconds) == (tue(11), False, 34_200)
    assert result.department_seconds["区人力资源和社会保障局"] == 15_300


def test_cancelled_and_unrequested_steps_are_not_charged(store: Store, clock: FixedClock) -> None:
    clock.now = mon(9)
    case_id = cases.open_case(store, "x", template_key="company_landing").value.id
    park, licence, *_ = action_queries.for_case(store, case_id)
    actions.set_status(store, park.id, "in_progress")
    clock.now = mon(10)
    actions.set_status(store, licence.id, "in_progress")
    clock.now = mon(11)
    actions.set_status(store, licence.id, "cancelled")
    result = timing.case_clock(store, case_id, now=mon(11, 30))
    assert result.department_seconds == {"园区管委会": 9_000}
    # Steps not yet requested have decided nothing and the cancelled licence step drops
    # out: park, open since 9:00, is the whole chain so far.
    assert result.critical_path == (park.id,)
    assert result.critical_path_seconds == int(2.5 * H)
    assert result.saved_seconds == 108_000 - 9_000


def test_a_case_without_steps(store: Store) -> None:
    case_id = cases.open_case(store, "咨询").value.id
    result = timing.case_clock(store, case_id, now=mon(10))
    assert (result.elapsed_seconds, result.normal_seconds, result.saved_seconds) == (
        H,
        None,
        None,
    )
    assert (result.department_seconds, result.critical_path, result.critical_path_seconds) == (
        {},
        (),
        0,
    )


def test_a_year_without_holiday_data_is_flagged(store: Store, clock: FixedClock) -> None:
    clock.now = datetime(2031, 3, 3, 9, 0)
    case_id = cases.open_case(store, "远期").value.id
    result = timing.case_clock(store, case_id, now=datetime(2031, 3, 3, 10, 0))
    assert result.uncovered_years == (2031,)
    assert result.elapsed_seconds == H
