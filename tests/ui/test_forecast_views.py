"""The steps' forecasts on screen: a case's steps and expected close, the list across cases,
Today's "likely late", and the printed run sheet, over an office with a known history
(``tests/coordinator/reports/forecast_world.py``: the park's finished steps took 1–6
working hours, so a park step requested at 09:00 is expected at 14:00, likely between
11:00 and 15:30).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator.foresight.forecast import Basis, CaseForecast, StepForecast, forecast_cases
from coordinator.foresight.history import DurationHistory
from coordinator.formatting import short_datetime
from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus
from coordinator.services import actions
from coordinator.store.storage import Store
from tests.coordinator.reports import forecast_world
from tests.coordinator.reports.forecast_world import NOW, Clock, World
from ui.hub import Hub
from ui.printing.pdf import write_pdf
from ui.views.actions import ActionsView
from ui.views.case.actions_tab import COL_DUE, COL_FORECAST
from ui.views.case.view import CaseView
from ui.views.department_sources import A_FORECAST, ActionsModel
from ui.views.reports import ReportsView
from ui.views.today import TodayView
from ui.widgets.forecast_text import WARNING_COLOUR, close_text, step_text
from ui.widgets.tree_items import children

PARK_TOOLTIP = (
    "Expected today 14:00 (likely between today 11:00 and today 15:30), from 6 finished "
    "steps of this department and kind."
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def world(store: Store, clock: Clock) -> World:
    return forecast_world.build(store, clock)


@pytest.fixture
def hub(store: Store) -> Iterator[Hub]:
    hub = Hub(store)
    yield hub
    hub.drop_foresight()  # no build may still read the store when it closes


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def ready(qtbot: QtBot, hub: Hub) -> None:
    hub.foresight.start()
    qtbot.waitUntil(lambda: hub.foresight.is_ready)


def truth(store: Store, case_id: int) -> CaseForecast:
    """The forecast the coordinator works out itself, to hold the screens against."""
    return forecast_cases(store, DurationHistory.build(store), [case_id], NOW)[case_id]


# -- a case's steps ---------------------------------------------------------------------


def _cell(view: CaseView, action_id: int, column: int) -> tuple[str, str, object]:
    """The text, tooltip and foreground colour of one cell of a step."""
    tree = view.actions_tab.tree
    for group in tree.top_items():
        for child in children(group):
            if child.data(Qt.ItemDataRole.UserRole) == action_id:
                cell = tree.cell(child, column)
                assert cell is not None
                brush = cell.data(Qt.ItemDataRole.ForegroundRole)
                colour = brush.color() if brush is not None else None
                return cell.text(), cell.toolTip(), colour
    raise AssertionError(action_id)


def test_case_steps_show_the_forecast_beside_the_due_time(
    qtbot: QtBot, store: Store, clock: Clock, world: World, hub: Hub
) -> None:
    view = CaseView(store, hub, clock)
    qtbot.addWidget(view)
    view.show_case(world.on_time_case)
    # Before the history is read: the due times as always, the forecasts not yet.
    assert _cell(view, world.on_time_park, COL_FORECAST)[0] == ""
    assert view.close_label.text() == ""
    with qtbot.waitSignal(hub.foresight.ready):
        pass  # the case asked, so the history is being read; the view refreshes on ready
    text, tooltip, colour = _cell(view, world.on_time_park, COL_FORECAST)
    assert text == "today 14:00"
    assert tooltip == PARK_TOOLTIP
    assert colour is None  # due on Friday: not likely late
    assert _cell(view, world.on_time_park, COL_DUE)[0] == "06-13 09:00"
    # The licence has three finished steps only: it falls back on the template's limit,
    # and says so, with the spread it takes over from the park before it.
    text, tooltip, _colour = _cell(view, world.on_time_licence, COL_FORECAST)
    expected = truth(store, world.on_time_case).steps[world.on_time_licence]
    assert expected.basis is Basis.LIMIT
    assert text == f"{short_datetime(expected.expected, NOW)} (limit)"
    assert tooltip.splitlines()[0] == (
        "Too little history (3 finished steps): the template's limit."
    )
    assert "after the steps it waits on" in tooltip
    # The case's expected close: its last open step, the chain carried along.
    whole = truth(store, world.on_time_case)
    assert whole.expected_close is not None
    assert view.close_label.text() == close_text(whole, NOW)
    assert view.close_label.text().startswith(
        f"Expected to close {short_datetime(whole.expected_close, NOW)} ("
    )
    # Park, then the licence at its promised limit, then the longest branch after it.
    assert whole.expected_close > expected.expected
    assert "Open steps with too little history" in view.close_label.toolTip()


def test_likely_late_is_marked_on_the_case(
    qtbot: QtBot, store: Store, clock: Clock, world: World, hub: Hub
) -> None:
    ready(qtbot, hub)
    view = CaseView(store, hub, clock)
    qtbot.addWidget(view)
    view.show_case(world.late_case)
    text, tooltip, colour = _cell(view, world.late_park, COL_FORECAST)
    assert text == "today 14:00, likely late"
    assert tooltip.splitlines() == [
        "Likely late: expected after its due time today 10:00.",
        PARK_TOOLTIP,
    ]
    assert colour == WARNING_COLOUR
    # Once overdue it is no longer "likely" late: the due column's red says it.
    clock.now = datetime(2025, 6, 11, 10, 30)
    view.refresh()
    text, _tooltip, colour = _cell(view, world.late_park, COL_FORECAST)
    assert "likely late" not in text
    assert colour is None


def test_a_finished_step_moves_the_forecast_on_screen(
    qtbot: QtBot, store: Store, clock: Clock, world: World, hub: Hub
) -> None:
    ready(qtbot, hub)
    view = CaseView(store, hub, clock)
    qtbot.addWidget(view)
    view.show_case(world.on_time_case)
    assert _cell(view, world.on_time_park, COL_FORECAST)[1] == PARK_TOOLTIP
    view.actions_tab.select_step(world.on_time_park)
    # The late case's park step is done: one more finished step of the park's kind, and
    # this case (untouched itself) shows the forecast drawn from seven, in place.
    clock.now = datetime(2025, 6, 11, 9, 10)
    hub.call(view, actions.set_status, world.late_park, ActionStatus.DONE)
    _text, tooltip, _colour = _cell(view, world.on_time_park, COL_FORECAST)
    assert "from 7 finished steps" in tooltip
    assert view.actions_tab.current_id() == world.on_time_park  # the rows stayed


# -- across cases -----------------------------------------------------------------------


def test_actions_across_cases_show_the_forecast(
    qtbot: QtBot, store: Store, clock: Clock, world: World, hub: Hub
) -> None:
    calls: list[set[int]] = []

    def counting(cases: Iterable[int], now: datetime) -> Mapping[int, CaseForecast]:
        wanted = set(cases)
        calls.append(wanted)
        return hub.foresight.forecasts(wanted, now)

    view = ActionsView(store, hub, clock)
    qtbot.addWidget(view)
    model = view.model
    model.forecasts = counting
    rows = {model.id_at(r): r for r in range(model.rowCount())}

    def cell(action_id: int, role: Qt.ItemDataRole) -> object:
        return model.data(model.index(rows[action_id], A_FORECAST), role)

    assert model.headerData(A_FORECAST, Qt.Orientation.Horizontal) == "Forecast"
    assert cell(world.on_time_park, Qt.ItemDataRole.DisplayRole) == ""  # not read yet
    with qtbot.waitSignal(hub.foresight.ready):
        pass
    calls.clear()
    fetched = model.forecast_fetches
    assert cell(world.on_time_park, Qt.ItemDataRole.DisplayRole) == "today 14:00"
    assert cell(world.on_time_park, Qt.ItemDataRole.ToolTipRole) == PARK_TOOLTIP
    assert cell(world.on_time_park, Qt.ItemDataRole.ForegroundRole) is None
    assert cell(world.late_park, Qt.ItemDataRole.DisplayRole) == "today 14:00, likely late"
    brush = cell(world.late_park, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush)
    assert brush.color() == WARNING_COLOUR
    for row in range(model.rowCount()):
        model.data(model.index(row, A_FORECAST))
    # One window of rows: one call, for the cases of its rows.
    assert model.forecast_fetches == fetched + 1
    assert calls == [_cases_listed(store, model)]
    assert {world.on_time_case, world.late_case} <= calls[0]
    # Cached until a step changes: then the rows on screen work theirs out again. A new
    # due time keeps the row in its place (no reload): only the drop renews its forecast.
    model.data(model.index(0, A_FORECAST))
    assert len(calls) == 1
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    hub.call(view, actions.update, world.late_park, due_at=forecast_world.ON_TIME_DUE)
    assert resets == []
    assert cell(world.late_park, Qt.ItemDataRole.DisplayRole) == "today 14:00"
    assert cell(world.late_park, Qt.ItemDataRole.ForegroundRole) is None
    assert len(calls) == 2


def _cases_listed(store: Store, model: ActionsModel) -> set[int]:
    """The cases of the open steps listed (the history cases' later steps are open too)."""
    from coordinator.queries import actions as aq

    ids = [i for i in (model.id_at(r) for r in range(model.rowCount())) if i is not None]
    return {row.case_id for row in aq.rows(store, ids).values()}


# -- Today --------------------------------------------------------------------------------


def test_today_lists_the_steps_likely_to_be_late(
    qtbot: QtBot, store: Store, clock: Clock, world: World, hub: Hub
) -> None:
    view = TodayView(store, hub, clock)
    qtbot.addWidget(view)
    view.refresh()
    section = view.likely_late
    qtbot.waitUntil(lambda: section.title().startswith("Likely late"))
    if not hub.foresight.is_ready:
        assert section.model.rowCount() == 0
        assert section.empty.text() == "Working out the forecasts from the departments' history…"
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    assert section.title() == "Likely late (1)"
    model = section.model
    assert model.id_at(0) == world.late_park
    assert [model.data(model.index(0, c)) for c in range(model.columnCount())] == [
        world.late_reference,
        world.park_department,
        forecast_world.PARK,
        "In progress",
        "today 10:00",
        "today 14:00 (today 11:00 – today 15:30)",
        "2 h 30 min after due",  # 10:00 to 14:00, the lunch break left out
    ]
    # Like every row of Today, it opens its step in its case.
    with qtbot.waitSignal(hub.open_requested) as opened:
        section.open_row(model.index(0, 0))
    assert opened.args == ["action", world.late_park]
    # Past its due time it is overdue, no longer "likely late".
    clock.now = datetime(2025, 6, 11, 10, 1)
    view.refresh()
    qtbot.waitUntil(lambda: section.title() == "Likely late (0)")
    assert section.empty.text() == "No step looks likely to be late."
    assert section.empty.isVisibleTo(section)
    assert section.table.isHidden()


def test_today_says_so_when_nothing_is_likely_late(qtbot: QtBot, store: Store, hub: Hub) -> None:
    view = TodayView(store, hub, lambda: NOW)
    qtbot.addWidget(view)
    view.refresh()
    qtbot.waitUntil(lambda: view.likely_late.title() == "Likely late (0)")
    assert view.likely_late.empty.text() == "No step looks likely to be late."
    assert not hub.foresight.is_ready  # no candidate: no history was read for nothing


# -- the words ----------------------------------------------------------------------------


def _forecast(**changes: object) -> StepForecast:
    values: dict[str, object] = {
        "action_id": 1,
        "expected": datetime(2025, 6, 12, 15, 30),
        "early": datetime(2025, 6, 12, 10, 0),
        "late": datetime(2025, 6, 13, 11, 0),
        "basis": Basis.HISTORY,
        "samples": 37,
        "due_at": datetime(2025, 6, 16, 9, 0),
    }
    values.update(changes)
    return StepForecast(**values)  # type: ignore[arg-type]


def test_too_little_history_falls_back_on_the_limit_and_says_so() -> None:
    limit = datetime(2025, 6, 12, 15, 30)
    shown = step_text(
        _forecast(basis=Basis.LIMIT, samples=3, early=limit, late=limit, expected=limit), NOW
    )
    assert shown.cell == "06-12 15:30 (limit)"
    assert shown.tooltip == "Too little history (3 finished steps): the template's limit."
    assert not shown.likely_late
    none_yet = step_text(_forecast(basis=Basis.LIMIT, samples=0, early=limit, late=limit), NOW)
    assert none_yet.tooltip == (
        "No finished step of this department and kind yet: the template's limit."
    )
    passed = step_text(_forecast(basis=Basis.LIMIT, samples=1, expected=NOW, due_at=NOW), NOW)
    assert passed.cell == "limit passed"
    assert passed.tooltip == (
        "Too little history (1 finished step): the template's limit, which has already passed."
    )


def test_forecast_words() -> None:
    shown = step_text(_forecast(), NOW)
    assert shown.cell == "06-12 15:30"
    assert shown.tooltip == (
        "Expected 06-12 15:30 (likely between 06-12 10:00 and 06-13 11:00), from 37 "
        "finished steps of this department and kind."
    )
    paused = step_text(_forecast(paused=True, due_at=datetime(2025, 6, 12, 9, 0)), NOW)
    assert not paused.likely_late  # its due time moves on when the company answers
    assert paused.tooltip.endswith(
        "It waits on the company: the forecast assumes the company answers now."
    )
    answered = step_text(_forecast(paused=True, answer_forecast=True), NOW)
    assert answered.tooltip.endswith(
        "It waits on the company: the forecast counts how long companies took to answer "
        "on this kind of step."
    )
    beyond = step_text(_forecast(beyond_history=True), NOW)
    assert "held longer than any finished step of its kind" in beyond.tooltip
    assert step_text(None, NOW).cell == ""
    set_language("zh_CN")
    assert step_text(_forecast(), NOW).cell == "06-12 15:30"


# -- the run sheet ------------------------------------------------------------------------


def test_printed_run_sheet_carries_the_forecasts(
    qtbot: QtBot,
    qapp: QApplication,
    store: Store,
    clock: Clock,
    world: World,
    hub: Hub,
    tmp_path: Path,
) -> None:
    view = ReportsView(store, hub=hub)
    qtbot.addWidget(view)
    without = view.run_sheet()  # the history not read yet: printed as before
    assert "Forecast" not in without.html
    qtbot.waitUntil(lambda: hub.foresight.is_ready)  # the print started reading it
    report = view.run_sheet()
    pdf = tmp_path / "run-sheet.pdf"
    pages = write_pdf(report, pdf)
    # pypdf runs words together or apart as the layout has them: compare without spaces.
    text = [squeeze(page.extract_text() or "") for page in PdfReader(pdf).pages]
    park = next(page for page in text if world.park_department in page)
    assert "Forecast" in park
    assert "06-1114:00" in park
    assert "06-1114:0011:00–15:30" in park
    assert "△06-1114:00" in park  # the late case's park step, due at 10:00
    close = truth(store, world.on_time_case).expected_close
    assert close is not None
    assert squeeze(f"closes {close:%m-%d %H:%M}") in "".join(text)
    assert "toolittlehistory:limit" in "".join(text)
    assert pages == report.html.count("<h1>")  # still one page per department
