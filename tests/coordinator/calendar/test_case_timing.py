from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.calendar.case_timing import (
    COMPANY,
    ActionTiming,
    CriticalChain,
    CriticalPath,
    critical_chain,
    critical_path,
    department_waiting,
    elapsed,
)
from coordinator.calendar.working_time import WorkingCalendar

DAY = 27_000
HOUR = 3600
CAL = WorkingCalendar()

# Mon 9 - Fri 13 June 2025 are ordinary working days (Dragon Boat ended on 2 June).
MON, TUE, WED, THU, FRI = ((2025, 6, d) for d in range(9, 14))


def dt(ymd: tuple[int, int, int], hh: int = 0, mm: int = 0) -> datetime:
    return datetime(*ymd, hh, mm)


def action(
    id_: int,
    department: str = "发改委",
    requested_at: datetime | None = None,
    done_at: datetime | None = None,
    pauses: tuple[tuple[datetime, datetime | None], ...] = (),
    depends_on: tuple[int, ...] = (),
    normal_hours: float | None = None,
    cancelled: bool = False,
) -> ActionTiming:
    return ActionTiming(
        id_, department, requested_at, done_at, pauses, depends_on, normal_hours, cancelled
    )


# -- department_waiting ---------------------------------------------------------------


def test_department_waiting_with_pause_attributed_to_company() -> None:
    now = dt(FRI, 10)
    actions = [
        # Held Mon-Wed, but Tuesday was spent waiting on the company.
        action(
            1,
            requested_at=dt(MON, 8, 30),
            done_at=dt(WED, 17, 30),
            pauses=((dt(TUE, 8, 30), dt(TUE, 17, 30)),),
        ),
        # Same department, overlapping Wednesday: only Thursday morning is new.
        action(2, requested_at=dt(WED, 8, 30), done_at=dt(THU, 12)),
        # Still open, paused since Friday 09:00 (open-ended pause).
        action(
            3,
            "自然资源局",
            requested_at=dt(THU, 13, 30),
            pauses=((dt(FRI, 9), None),),
        ),
        action(4, "住建局", requested_at=dt(MON, 8, 30), cancelled=True),
        action(5, "生态环境局"),  # never requested
    ]
    assert department_waiting(actions, CAL, now) == {
        # Mon + Wed + Thu morning (union), not 15 h + 7.5 h + 3.5 h.
        "发改委": 2 * DAY + int(3.5 * HOUR),
        # Thu afternoon 4 h + Fri 08:30-09:00.
        "自然资源局": 4 * HOUR + 30 * 60,
        # Tuesday + Fri 09:00-10:00.
        COMPANY: DAY + HOUR,
    }


def test_company_time_is_a_union_across_departments() -> None:
    pause = ((dt(TUE, 8, 30), dt(TUE, 17, 30)),)
    actions = [
        action(1, "A", requested_at=dt(MON, 8, 30), done_at=dt(WED, 8, 30), pauses=pause),
        action(2, "B", requested_at=dt(MON, 8, 30), done_at=dt(WED, 8, 30), pauses=pause),
    ]
    assert department_waiting(actions, CAL, dt(FRI)) == {"A": DAY, "B": DAY, COMPANY: DAY}


def test_department_waiting_edge_cases() -> None:
    now = dt(MON, 10)
    actions = [
        action(1, "A", requested_at=dt(MON, 8, 30)),
        action(2, "B", requested_at=dt(TUE, 9)),  # requested after "now"
        # Pause entirely outside the held span is not company time.
        action(3, "C", requested_at=dt(MON, 9), pauses=((dt(TUE), dt(WED)),)),
    ]
    assert department_waiting(actions, CAL, now) == {"A": 90 * 60, "B": 0, "C": HOUR}
    assert department_waiting([], CAL, now) == {}


def test_reserved_department_name_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        department_waiting([action(1, COMPANY, requested_at=dt(MON, 9))], CAL, dt(TUE))


# -- critical_path --------------------------------------------------------------------


def diamond(weights: dict[int, float]) -> list[ActionTiming]:
    # 1 -> {2, 3} -> 4
    deps = {1: (), 2: (1,), 3: (1,), 4: (2, 3)}
    return [action(i, depends_on=deps[i], normal_hours=weights[i]) for i in (4, 3, 2, 1)]


def test_critical_path_on_diamond() -> None:
    now = dt(FRI, 17, 30)
    actions = diamond({1: 7.5, 2: 4, 3: 10, 4: 2})
    assert critical_path(actions, CAL, now) == CriticalPath((1, 3, 4), int(19.5 * HOUR))
    # Equal branches: the lower id wins.
    tied = diamond({1: 1, 2: 5, 3: 5, 4: 1})
    assert critical_path(tied, CAL, now) == CriticalPath((1, 2, 4), 7 * HOUR)


def test_critical_path_uses_actual_durations_and_pauses() -> None:
    now = dt(FRI, 17, 30)
    actions = [
        action(1, requested_at=dt(MON, 8, 30), done_at=dt(MON, 17, 30), normal_hours=1),
        action(2, depends_on=(1,), normal_hours=4),
        # Actual Tue-Thu minus the paused Wednesday: 15 h, although "normally" 1 h.
        action(
            3,
            requested_at=dt(TUE, 8, 30),
            done_at=dt(THU, 17, 30),
            pauses=((dt(WED), dt(THU)),),
            depends_on=(1,),
            normal_hours=1,
        ),
        # Still open since Friday 08:30: 7.5 h until now (17:30).
        action(4, requested_at=dt(FRI, 8, 30), depends_on=(2, 3, 99)),
        action(5, depends_on=(4,)),  # no estimate: weighs 0
        action(6, depends_on=(5,), normal_hours=100, cancelled=True),
    ]
    # 5 weighs nothing, so the chains ending at 4 and at 5 tie; the lower end id wins.
    expected = 7.5 * HOUR + 15 * HOUR + 7.5 * HOUR
    assert critical_path(actions, CAL, now) == CriticalPath((1, 3, 4), int(expected))


def test_critical_path_single_heavy_action_and_empty() -> None:
    actions = [*diamond({1: 1, 2: 1, 3: 1, 4: 1}), action(9, normal_hours=30)]
    assert critical_path(actions, CAL, dt(FRI)) == CriticalPath((9,), 30 * HOUR)
    assert critical_path([], CAL, dt(FRI)) == CriticalPath((), 0)


def test_cycle_refused() -> None:
    actions = [
        action(0, depends_on=(1,)),  # hangs off the cycle, not part of it
        action(1, depends_on=(3,)),
        action(2, depends_on=(1,)),
        action(3, depends_on=(2,)),
    ]
    with pytest.raises(ValueError, match=r"cycle.*1 -> 3 -> 2 -> 1"):
        critical_path(actions, CAL, dt(FRI))
    with pytest.raises(ValueError, match=r"cycle.*7 -> 7"):
        critical_path([action(7, depends_on=(7,))], CAL, dt(FRI))


def test_duplicate_ids_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        critical_path([action(1), action(1)], CAL, dt(FRI))


# -- critical_chain -------------------------------------------------------------------


def test_critical_chain_follows_what_finished_last_pauses_and_all() -> None:
    """1 opens the case; 2 (held a whole day by its department) and 3 (held one hour,
    then paused two days for the company's signature) both wait on it.  3 finished
    last, so it decided the case's end: the chain is 1 -> 3, although 1 -> 2 holds
    more department time, which is what the longest-chain reading picks."""
    actions = [
        action(1, requested_at=dt(MON, 8, 30), done_at=dt(MON, 12)),
        action(2, "税务", requested_at=dt(MON, 13, 30), done_at=dt(TUE, 12), depends_on=(1,)),
        action(
            3,
            "银行",
            requested_at=dt(MON, 13, 30),
            done_at=dt(THU, 9, 30),
            pauses=((dt(MON, 14, 30), dt(THU, 8, 30)),),
            depends_on=(1,),
        ),
        action(4, depends_on=(3,), normal_hours=50),  # not requested: decided nothing yet
        action(5, requested_at=dt(MON, 9), done_at=dt(FRI), cancelled=True),
    ]
    until = dt(THU, 17, 30)
    assert critical_path(actions[:3], CAL, until).action_ids == (1, 2)
    # Mon 8:30 to Thu 9:30: three working days and an hour, of which Mon 14:30-17:30,
    # Tuesday and Wednesday paused.
    assert critical_chain(actions, CAL, until) == CriticalChain(
        (1, 3), 3 * DAY + HOUR, 2 * DAY + 3 * HOUR
    )


def test_critical_chain_of_a_running_case_ends_at_now() -> None:
    actions = [
        action(1, requested_at=dt(MON, 8, 30), done_at=dt(MON, 17, 30)),
        action(2, requested_at=dt(TUE, 8, 30), depends_on=(1, 99)),  # open
        action(3, requested_at=dt(TUE, 8, 30), done_at=dt(WED, 12), depends_on=(1,)),
    ]
    assert critical_chain(actions, CAL, dt(WED, 17, 30)) == CriticalChain((1, 2), 3 * DAY, 0)
    assert critical_chain([], CAL, dt(WED)) == CriticalChain((), 0, 0)
    # A cycle (an import may bring one) ends the chain instead of looping.
    looped = [
        action(1, requested_at=dt(MON, 8, 30), done_at=dt(MON, 10), depends_on=(2,)),
        action(2, requested_at=dt(MON, 8, 30), done_at=dt(MON, 12), depends_on=(1,)),
    ]
    assert critical_chain(looped, CAL, dt(WED)).action_ids == (1, 2)


# -- elapsed --------------------------------------------------------------------------


def test_elapsed_across_national_day() -> None:
    opened, closed = datetime(2025, 9, 26, 10), datetime(2025, 10, 9, 10)
    now = datetime(2025, 12, 1)
    assert elapsed(opened, closed, CAL, now) == 6 * HOUR + 3 * DAY + 90 * 60
    # Monday 29 Sep paused.
    pause = ((datetime(2025, 9, 29), datetime(2025, 9, 30)),)
    assert elapsed(opened, closed, CAL, now, pause) == 6 * HOUR + 2 * DAY + 90 * 60
    # Still open: counted to now (Sun 28 Sep is a make-up day: Fri 6 h + Sun 2 h).
    assert elapsed(opened, None, CAL, datetime(2025, 9, 28, 10, 30)) == 8 * HOUR


# -- properties -----------------------------------------------------------------------

SLOT = timedelta(minutes=30)
WEEK_START = datetime(2025, 6, 9)  # Monday; all span bounds are on the 30-minute grid
N_SLOTS = 7 * 48
slots = st.integers(0, N_SLOTS)


def at(slot: int) -> datetime:
    return WEEK_START + slot * SLOT


@st.composite
def waiting_actions(draw: st.DrawFn) -> list[ActionTiming]:
    result: list[ActionTiming] = []
    for i in range(draw(st.integers(0, 6))):
        req = draw(slots | st.none())
        done = draw(slots | st.none())
        pauses = tuple(
            (at(p), None if q is None else at(q))
            for p, q in draw(st.lists(st.tuples(slots, slots | st.none()), max_size=3))
        )
        result.append(
            action(
                i,
                draw(st.sampled_from(["A", "B", "C"])),
                None if req is None else at(req),
                None if done is None else at(done),
                pauses,
                cancelled=draw(st.booleans()),
            )
        )
    return result


@settings(max_examples=150, deadline=None)
@given(actions=waiting_actions(), now_slot=slots)
def test_department_waiting_matches_slot_by_slot_reference(
    actions: list[ActionTiming], now_slot: int
) -> None:
    now = at(now_slot)
    company_slots: set[int] = set()
    dept_slots: dict[str, set[int]] = {}
    for a in actions:
        if a.cancelled or a.requested_at is None:
            continue
        dept_slots.setdefault(a.department, set())
        end = a.done_at if a.done_at is not None else now
        for s in range(N_SLOTS):
            lo, hi = at(s), at(s + 1)
            if not (a.requested_at <= lo and hi <= end):
                continue
            paused = any(p <= lo and hi <= (end if q is None else q) for p, q in a.pauses)
            (company_slots if paused else dept_slots[a.department]).add(s)

    def working(ss: set[int]) -> int:
        return sum(CAL.working_seconds(at(s), at(s + 1)) for s in ss)

    expected = {d: working(ss) for d, ss in dept_slots.items()}
    if company_slots:
        expected[COMPANY] = working(company_slots)
    assert department_waiting(actions, CAL, now) == expected


@st.composite
def dags(draw: st.DrawFn) -> list[ActionTiming]:
    n = draw(st.integers(1, 7))
    ids = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n, unique=True))
    result: list[ActionTiming] = []
    for k, id_ in enumerate(ids):
        # Depending only on earlier entries keeps the graph acyclic.
        deps = draw(st.lists(st.sampled_from(ids[:k]), max_size=3)) if k else []
        hours = draw(st.integers(0, 20) | st.none())
        result.append(action(id_, depends_on=(*deps, 99), normal_hours=hours))
    return result


@settings(max_examples=200, deadline=None)
@given(actions=dags())
def test_critical_path_matches_brute_force(actions: list[ActionTiming]) -> None:
    by_id = {a.id: a for a in actions}
    weight = {a.id: round((a.normal_hours or 0) * HOUR) for a in actions}

    def longest_ending_at(i: int) -> int:
        deps = [d for d in by_id[i].depends_on if d in by_id]
        return weight[i] + max((longest_ending_at(d) for d in deps), default=0)

    result = critical_path(list(reversed(actions)), CAL, dt(FRI))
    assert result.working_seconds == max(longest_ending_at(i) for i in by_id)
    chain = result.action_ids
    assert sum(weight[i] for i in chain) == result.working_seconds
    assert not [d for d in by_id[chain[0]].depends_on if d in by_id]
    for before, after in pairwise(chain):
        assert before in by_id[after].depends_on
    assert critical_path(actions, CAL, dt(FRI)) == result  # input order is irrelevant
