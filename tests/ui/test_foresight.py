"""The foresight a hub keeps: built off the GUI thread, current after each change, built
again in the background after a big one, and never reading a store that closed."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from coordinator.services import cases, communications
from coordinator.store.changes import ChangeKind, ChangeTracker
from coordinator.store.storage import Store
from tests.conftest import FixedClock
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
