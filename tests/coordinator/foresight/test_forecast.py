"""Step forecasts from the departments' history, over a real store: durations in working
time with the company's waits apart, percentiles, the chain, the fallback to the limit."""

from __future__ import annotations

from datetime import datetime

import pytest

from coordinator.foresight.forecast import (
    MIN_SAMPLES,
    Basis,
    case_steps,
    forecast_case,
    forecast_cases,
    quantile,
)
from coordinator.foresight.history import DurationHistory, step_kind
from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.services import actions, cases, organisations
from coordinator.store.changes import ChangeKind, ChangeTracker
from coordinator.store.storage import Store
from tests.conftest import FixedClock

MONDAY = datetime(2025, 6, 9, 9, 0)
WEDNESDAY = datetime(2025, 6, 11, 9, 0)


def _finished_steps(
    store: Store,
    clock: FixedClock,
    department: int,
    hours: list[float],
    *,
    title: str = "核发营业执照",
    fast_track: bool = False,
    waits: dict[int, float] | None = None,
) -> list[int]:
    """One case per duration, its one step requested on Monday 09:00 and done after that
    many working hours of the department (plus, for some, a wait on the company)."""
    calendar = store.calendar()
    ids = []
    for n, hours_taken in enumerate(hours):
        clock.now = MONDAY
        case = cases.open_case(store, f"历史项目{title}{n}", fast_track=fast_track).value
        step = actions.add(store, case.id, department, title).value
        actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=MONDAY)
        at = MONDAY
        wait = (waits or {}).get(n)
        if wait is not None:  # the company is asked for a paper after one hour
            at = calendar.add_working_hours(MONDAY, 1)
            clock.now = at
            actions.set_status(store, step.id, ActionStatus.WAITING_COMPANY, at=at)
            at = calendar.add_working_hours(at, wait)
            clock.now = at
            actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=at)
            hours_taken -= 1
        done = calendar.add_working_hours(at, hours_taken)
        clock.now = done
        actions.set_status(store, step.id, ActionStatus.DONE, at=done)
        ids.append(step.id)
    return ids


@pytest.fixture
def licence_office(store: Store) -> int:
    return organisations.create(store, "鄞州区市场监督管理局", OrganisationKind.DEPARTMENT).value.id


def test_history_is_the_departments_working_time_with_the_companys_waits_apart(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [2, 4, 6], waits={2: 8.0})
    history = DurationHistory.build(store)
    kind = step_kind(licence_office, "", "核发营业执照", False)
    assert list(history.samples(kind)) == [2 * 3600, 4 * 3600, 6 * 3600]
    assert list(history.waits(kind)) == [0, 0, 8 * 3600]
    assert history.samples(step_kind(licence_office, "", "核发营业执照", True)) == ()


def test_a_started_step_is_forecast_from_the_longer_finished_ones(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [1, 2, 3, 4, 5, 6, 7])
    clock.now = WEDNESDAY
    case = cases.open_case(store, "新项目").value
    step = actions.add(store, case.id, licence_office, "核发营业执照").value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    history = DurationHistory.build(store)
    calendar = store.calendar()
    # Held 2.5 hours by 11:30: of the finished steps only 3–7 h say anything: 0.5–4.5 h more.
    now = calendar.add_working_hours(WEDNESDAY, 2.5)
    forecast = forecast_cases(store, history, [case.id], now)[case.id]
    made = forecast.steps[step.id]
    assert made.basis is Basis.HISTORY
    assert made.samples == 7
    assert made.expected == calendar.add_working_hours(now, 2.5)  # the middle of 0.5–4.5
    assert made.early == calendar.add_working_hours(now, 1.3)
    assert made.late == calendar.add_working_hours(now, 3.7)
    assert forecast.expected_close == made.expected
    assert made.due_at is None
    assert not made.likely_late


def test_a_step_waiting_on_another_starts_when_it_is_expected_to_finish(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    bank = organisations.create(store, "工商银行鄞州支行", OrganisationKind.BANK).value.id
    _finished_steps(store, clock, licence_office, [2, 2, 2, 2, 2])
    _finished_steps(store, clock, bank, [3, 3, 3, 3, 3], title="开立基本存款账户")
    clock.now = WEDNESDAY
    case = cases.open_case(store, "新项目").value
    licence = actions.add(store, case.id, licence_office, "核发营业执照").value
    account = actions.add(store, case.id, bank, "开立基本存款账户", depends_on=[licence.id]).value
    actions.set_status(store, licence.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    history = DurationHistory.build(store)
    calendar = store.calendar()
    forecast = forecast_cases(store, history, [case.id], WEDNESDAY)[case.id]
    assert forecast.steps[licence.id].expected == calendar.add_working_hours(WEDNESDAY, 2)
    # The account is requested when the licence is done: 2 + 3 working hours from now.
    five = calendar.add_working_hours(WEDNESDAY, 5)
    assert forecast.steps[account.id].expected == five
    assert forecast.expected_close == five
    assert (forecast.early_close, forecast.late_close) == (five, five)  # steady departments


def test_too_little_history_falls_back_on_the_limit_and_says_so(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [1.0] * (MIN_SAMPLES - 1))
    clock.now = WEDNESDAY
    case = cases.open_case(store, "新项目").value
    step = actions.add(
        store, case.id, licence_office, "核发营业执照", statutory_limit_hours=7.5
    ).value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    history = DurationHistory.build(store)
    made = forecast_cases(store, history, [case.id], WEDNESDAY)[case.id].steps[step.id]
    assert made.basis is Basis.LIMIT
    assert made.samples == MIN_SAMPLES - 1
    assert made.expected == store.calendar().add_working_hours(WEDNESDAY, 7.5)
    assert made.expected == made.due_at  # the limit is what set the due time


def test_a_step_expected_after_its_due_time_is_likely_late(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [6, 6, 7, 7, 8])
    clock.now = WEDNESDAY
    case = cases.open_case(store, "新项目").value
    step = actions.add(
        store, case.id, licence_office, "核发营业执照", statutory_limit_hours=2
    ).value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    history = DurationHistory.build(store)
    made = forecast_cases(store, history, [case.id], WEDNESDAY)[case.id].steps[step.id]
    assert made.due_at == store.calendar().add_working_hours(WEDNESDAY, 2)
    assert made.likely_late


def test_a_finished_step_joins_the_history_and_a_reopened_one_leaves_it(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    (first,) = _finished_steps(store, clock, licence_office, [3])
    history = DurationHistory.build(store)
    kind = step_kind(licence_office, "", "核发营业执照", False)
    assert history.finished_steps == 1
    (second,) = _finished_steps(store, clock, licence_office, [5])
    tracker = ChangeTracker()
    tracker.add(ChangeKind.ACTION, second)
    history.apply(store, tracker.freeze())  # what the hub hands on after that filing
    assert list(history.samples(kind)) == [3 * 3600, 5 * 3600]
    reopened = actions.set_status(store, first, ActionStatus.IN_PROGRESS)
    history.apply(store, reopened.changes)
    assert list(history.samples(kind)) == [5 * 3600]


def test_the_history_as_it_stood_leaves_out_what_finished_later(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [1, 2, 8])
    calendar = store.calendar()
    until = calendar.add_working_hours(MONDAY, 3)
    kind = step_kind(licence_office, "", "核发营业执照", False)
    assert list(DurationHistory.build(store, until=until).samples(kind)) == [3600, 7200]


def test_a_step_held_longer_than_any_finished_one_is_said_to_be_beyond_history(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    _finished_steps(store, clock, licence_office, [1, 1, 1, 1, 1])
    clock.now = MONDAY
    case = cases.open_case(store, "拖延的项目").value
    step = actions.add(store, case.id, licence_office, "核发营业执照").value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=MONDAY)
    history = DurationHistory.build(store)
    made = forecast_cases(store, history, [case.id], WEDNESDAY)[case.id].steps[step.id]
    assert made.beyond_history
    # Any moment now: within a quarter of the kind's middle duration.
    soon = store.calendar().add_working_hours(WEDNESDAY, 0.25)
    assert WEDNESDAY <= made.early < made.expected < made.late <= soon


def test_a_case_with_nothing_open_has_no_expected_close(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    (done,) = _finished_steps(store, clock, licence_office, [2])
    history = DurationHistory.build(store)
    case_id = action_queries.get(store, done).case_id
    forecast = forecast_case(case_id, case_steps(store, [case_id])[case_id], history, WEDNESDAY)
    assert forecast.steps == {}
    assert forecast.expected_close is None


def test_forecasts_do_not_flicker_between_refreshes(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    bank = organisations.create(store, "工商银行鄞州支行", OrganisationKind.BANK).value.id
    _finished_steps(store, clock, licence_office, [1, 2, 3, 5, 8, 13])
    _finished_steps(store, clock, bank, [2, 3, 5, 8, 13, 21], title="开户")
    clock.now = WEDNESDAY
    case = cases.open_case(store, "新项目").value
    licence = actions.add(store, case.id, licence_office, "核发营业执照").value
    actions.add(store, case.id, bank, "开户", depends_on=[licence.id])
    history = DurationHistory.build(store)
    first = forecast_cases(store, history, [case.id], WEDNESDAY)
    again = forecast_cases(store, history, [case.id], WEDNESDAY)
    assert first == again
    close = first[case.id]
    assert close.early_close is not None
    assert close.late_close is not None
    assert close.early_close < close.expected_close < close.late_close  # type: ignore[operator]


def test_quantile_interpolates() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert quantile([1.0, 2.0], 0.5) == 1.5
    assert quantile([7.0], 0.2) == 7.0
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)


def test_a_step_waiting_on_the_company_adds_how_long_companies_took_to_answer(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    # Five licences took 3 working hours of the department each; four of them also
    # waited 6 hours on the company after their first hour.
    _finished_steps(store, clock, licence_office, [3, 3, 3, 3, 3], waits={n: 6.0 for n in range(4)})
    clock.now = WEDNESDAY
    case = cases.open_case(store, "等材料的项目").value
    step = actions.add(store, case.id, licence_office, "核发营业执照").value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    calendar = store.calendar()
    asked = calendar.add_working_hours(WEDNESDAY, 1)
    clock.now = asked
    actions.set_status(store, step.id, ActionStatus.WAITING_COMPANY, at=asked, reason="补章程")
    now = calendar.add_working_hours(asked, 2)  # the company has been silent for 2 hours
    history = DurationHistory.build(store)
    made = forecast_cases(store, history, [case.id], now)[case.id].steps[step.id]
    assert made.paused
    assert made.answer_forecast
    # 4 more hours of waiting (6 - 2), then the department's 2 hours left (3 - 1).
    assert made.expected == calendar.add_working_hours(now, 6)
    # With no company that ever waited this long, it counts as if the company answered now.
    later = calendar.add_working_hours(asked, 7)
    beyond = forecast_cases(store, history, [case.id], later)[case.id].steps[step.id]
    assert not beyond.answer_forecast
    assert beyond.expected == calendar.add_working_hours(later, 2)


def test_a_paused_step_on_its_limit_keeps_its_due_time(
    store: Store, clock: FixedClock, licence_office: int
) -> None:
    clock.now = WEDNESDAY
    case = cases.open_case(store, "无历史的项目").value
    step = actions.add(
        store, case.id, licence_office, "核发营业执照", statutory_limit_hours=40
    ).value
    actions.set_status(store, step.id, ActionStatus.IN_PROGRESS, at=WEDNESDAY)
    calendar = store.calendar()
    asked = calendar.add_working_hours(WEDNESDAY, 2)
    clock.now = asked
    actions.set_status(store, step.id, ActionStatus.WAITING_COMPANY, at=asked, reason="补章程")
    now = calendar.add_working_hours(asked, 4)
    history = DurationHistory.build(store)
    made = forecast_cases(store, history, [case.id], now)[case.id].steps[step.id]
    assert made.basis is Basis.LIMIT
    assert made.due_at == calendar.add_working_hours(WEDNESDAY, 40)
    # The limit is not eaten by the open pause: 38 of its 40 hours are still to come when
    # the company answers (now, as the forecast assumes), which moves the due time on by
    # the 4 paused hours.
    assert made.expected == calendar.add_working_hours(WEDNESDAY, 44)
    assert made.expected > now
