"""The foresight a hub keeps: built off the GUI thread, current after each change, built
again in the background after a big one, and never reading a store that closed."""

from __future__ import annotations

import gc
from datetime import date, timedelta

import pytest
from pytestqt.qtbot import QtBot

from coordinator.services import calendar, cases, communications
from coordinator.store.changes import ChangeKind, ChangeTracker
from coordinator.store.storage import Store
from tests.conftest import START, FixedClock
from ui.foresight import BIG_CHANGE
from ui.hub import Hub


def test_built_in_the_background_then_kept_current_by_the_hub(
    qtbot: QtBot, store: Store, clock: FixedClock
) -> None:
    case = cases.open_case(store, "甬达新设企业落地", company_name="宁波甬达精密机械有限公司").value
    hub = Hub(store)
    foresight = hub.foresight
    assert not foresight.is_ready
    assert foresight.suggest([]) == []  # asking starts the build and answers at once
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        pass
    assert foresight.is_ready
    assert foresight.filing is not None
    # A filing through the hub reaches the model before any screen hears of it.
    heard: list[object] = []
    hub.changed.connect(lambda _c: heard.append(foresight.filing))
    logged = hub.call(None, communications.log, notes="环评批复", raw_number="0574 8765 1234")
    assert logged is not None
    hub.call(None, communications.file_to_case, [logged.value.id], case.id)
    clock.advance(minutes=5)
    again = hub.call(None, communications.log, notes="环评批复补件", raw_number="0574 8765 1234")
    assert again is not None
    best = foresight.suggest([again.value.id])
    assert [s.case_id for s in best] == [case.id]
    assert heard  # the screens were told after the model had it
    hub.drop_foresight()


def test_a_big_change_is_learned_in_the_background(
    qtbot: QtBot, store: Store, clock: FixedClock
) -> None:
    case = cases.open_case(store, "华腾外资增资", company_name="宁波华腾新材料有限公司").value
    hub = Hub(store)
    foresight = hub.foresight
    foresight.start()
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        pass
    tracker = ChangeTracker()
    for n in range(BIG_CHANGE + 1):  # as an import writes them: straight to the case
        clock.advance(seconds=30)
        record = communications.log(store, notes=f"债券批复第{n}次", case_id=case.id).value
        tracker.add(ChangeKind.COMMUNICATION, record.id)
    tracker.add(ChangeKind.CASE, case.id)
    old = foresight.filing
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        hub.broadcast(tracker.freeze())
        assert foresight.filing is old  # not relearned on the GUI thread
    assert foresight.filing is not old
    clock.now += timedelta(minutes=1)
    ident = communications.log(store, notes="债券批复的进度", raw_number="021 5555 0000").value.id
    assert [s.case_id for s in foresight.suggest([ident])][:1] == [case.id]
    hub.drop_foresight()


def test_closing_the_store_waits_for_a_build_still_reading_it(qtbot: QtBot, store: Store) -> None:
    hub = Hub(store)
    foresight = hub.foresight
    foresight.start()
    store.close()  # the store's before_close hook waits for the worker first
    assert foresight._pool.activeThreadCount() == 0


def test_a_build_that_fails_is_not_tried_again_and_again(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []

    def broken(_store: Store, until: object = None) -> object:
        builds.append(1)
        raise OSError("disk I/O error")

    monkeypatch.setattr("ui.foresight.DurationHistory.build", broken)
    hub = Hub(store)
    foresight = hub.foresight
    # A screen that asks again whenever it hears "ready", as the case view does.
    foresight.ready.connect(lambda: foresight.forecasts([1], START))
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        foresight.start()
    qtbot.wait(200)
    assert foresight.failed
    assert len(builds) == 1
    assert foresight.forecasts([1], START) == {}  # the screens go on without it
    hub.drop_foresight()


def test_a_dropped_foresight_stays_quiet_and_nothing_reads_the_closed_store(
    qtbot: QtBot, store: Store
) -> None:
    hub = Hub(store)
    foresight = hub.foresight
    heard: list[int] = []
    foresight.ready.connect(lambda: heard.append(1))
    foresight.start()
    hub.drop_foresight()  # as the window does before a restore
    store.close()
    qtbot.wait(200)  # the worker's result, queued, is delivered now
    assert heard == []
    again = hub.foresight  # a screen asking meanwhile gets one that does not start
    again.start()
    assert not again._building


def test_a_filing_is_learned_while_the_history_is_built_again(
    qtbot: QtBot, store: Store, clock: FixedClock
) -> None:
    case = cases.open_case(store, "甬达用地审批", company_name="宁波甬达精密机械有限公司").value
    busy = cases.open_case(store, "华腾外资增资", company_name="宁波华腾新材料有限公司").value
    for n in range(3):  # the other case is the busier: without learning it would come first
        clock.advance(minutes=1)
        communications.log(store, notes=f"债券第{n}期", case_id=busy.id)
    hub = Hub(store)
    foresight = hub.foresight
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        foresight.start()
    hub.call(None, calendar.set_day, date(2025, 6, 20), False, "台风停工")
    assert foresight._building  # the history is read again in the background
    logged = hub.call(None, communications.log, notes="规划许可证", raw_number="0574 8765 1234")
    assert logged is not None
    hub.call(None, communications.file_to_case, [logged.value.id], case.id)
    clock.advance(minutes=5)
    again = communications.log(store, notes="规划许可证补件", raw_number="0574 8765 1234")
    assert foresight._building  # still: and yet the filing was learned
    assert [s.case_id for s in foresight.suggest([again.value.id])][:1] == [case.id]
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        pass
    hub.drop_foresight()


def test_the_cycle_collector_waits_while_a_build_runs(qtbot: QtBot, store: Store) -> None:
    """On the worker it would free Qt objects of closed screens on the wrong thread."""
    hub = Hub(store)
    foresight = hub.foresight
    assert gc.isenabled()
    with qtbot.waitSignal(foresight.ready, timeout=20_000):
        foresight.start()
        assert not gc.isenabled()
    assert gc.isenabled()  # back as soon as the build is handed back
    hub.drop_foresight()
