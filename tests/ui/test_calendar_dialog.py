"""Data ▸ Working calendar: a new year's holidays entered in the dialog; Today warns about a
year without them from December of the year before, and opens the dialog on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, QSettings, Qt
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.safety.opening import open_store
from coordinator.store.storage import Store
from ui.dialogs.calendar import COL_DATE, COL_KIND, COL_NAME, CalendarDialog
from ui.hub import Hub
from ui.main_window import MainWindow


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 30, 9, 0))


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = open_store(tmp_path / "data", clock=clock)
    yield opened
    opened.close()


def first_unknown_year(store: Store) -> int:
    working = store.calendar()
    return next(y for y in range(2020, 2100) if working.coverage(y) == "fallback")


def cells(dialog: CalendarDialog, column: int) -> list[str]:
    table = dialog.table
    return [table.item(r, column).text() for r in range(table.rowCount())]  # type: ignore[union-attr]


def test_a_holiday_range_a_make_up_day_and_a_closure_added_then_one_removed(
    store: Store, clock: Clock, qtbot: QtBot
) -> None:
    set_language("en")
    year = first_unknown_year(store)
    dialog = CalendarDialog(Hub(store), clock, year=year)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 0
    assert "no holiday schedule yet" in dialog.coverage.text()

    dialog.kind.setCurrentIndex(dialog.kind.findData("holiday"))
    dialog.start.setDate(QDate(year, 2, 10))
    dialog.end.setDate(QDate(year, 2, 12))
    qtbot.keyClicks(dialog.name, "Spring Festival")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text().startswith("Added holiday “Spring Festival”: 3 day(s)")
    assert cells(dialog, COL_DATE) == [f"{year}-02-{d}" for d in (10, 11, 12)]
    assert "the schedule entered here (3 holidays" in dialog.coverage.text()

    dialog.kind.setCurrentIndex(dialog.kind.findData("make_up"))
    assert not dialog.end.isEnabled()  # one day
    dialog.start.setDate(QDate(year, 2, 15))
    qtbot.keyClicks(dialog.name, "Spring Festival")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Enter adds too
    dialog.kind.setCurrentIndex(dialog.kind.findData("closure"))
    dialog.start.setDate(QDate(year, 3, 3))
    dialog.end.setDate(QDate(year, 3, 3))
    qtbot.keyClicks(dialog.name, "Office move")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert cells(dialog, COL_KIND)[-2:] == ["make-up working day", "office closure"]
    assert cells(dialog, COL_NAME)[-1] == "Office move"

    working = store.calendar()
    assert working.coverage(year) == "entered"
    assert not working.is_workday(date(year, 2, 11))
    assert working.is_workday(date(year, 2, 15))
    assert not working.is_workday(date(year, 3, 3))

    # Nameless: refused in the dialog, nothing added.
    dialog.start.setDate(QDate(year, 4, 1))
    dialog.end.setDate(QDate(year, 4, 1))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "Name" in dialog.message.text()
    assert dialog.table.rowCount() == 5

    row = cells(dialog, COL_DATE).index(f"{year}-03-03")
    dialog.table.selectionModel().select(
        dialog.table.model().index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert f"{year}-03-03" not in cells(dialog, COL_DATE)
    assert store.calendar().is_workday(date(year, 3, 3))


def test_the_national_schedule_is_listed_and_cannot_be_removed(
    store: Store, clock: Clock, qtbot: QtBot
) -> None:
    set_language("en")
    dialog = CalendarDialog(Hub(store), clock, year=2025)
    qtbot.addWidget(dialog)
    assert "national schedule is known" in dialog.coverage.text()
    row = cells(dialog, COL_DATE).index("2025-10-01")
    assert dialog.table.item(row, COL_NAME).text() == "National Day"  # type: ignore[union-attr]
    dialog.table.selectRow(row)
    assert not dialog.remove_button.isEnabled()


def test_today_warns_from_december_and_opens_the_year(
    store: Store, clock: Clock, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_language("en")
    year = first_unknown_year(store)
    clock.now = datetime(year - 1, 11, 30, 9, 0)
    window = MainWindow(
        store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock=clock
    )
    qtbot.addWidget(window)
    window.show()
    warning = window.schedule_warning
    assert warning.isHidden()  # November: not yet
    clock.now = datetime(year - 1, 12, 1, 9, 0)
    warning.check()  # the hourly check
    assert warning.isVisible()
    assert f"The holidays of {year} are not entered" in warning.text()
    assert warning.parent() is window.today.widget()  # at the top of Today

    opened: list[int | None] = []

    def exec_dialog(dialog: CalendarDialog) -> int:
        opened.append(dialog.year.value())
        dialog.start.setDate(QDate(year, 1, 1))
        dialog.end.setDate(QDate(year, 1, 1))
        dialog.name.setText("New Year's Day")
        assert dialog.add()
        return 0

    monkeypatch.setattr(CalendarDialog, "exec", exec_dialog)
    warning.linkActivated.emit("calendar")
    assert opened == [year]
    assert warning.isHidden()  # the year is entered now


def test_the_data_menu_opens_the_calendar(
    store: Store, clock: Clock, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_language("zh_CN")
    try:
        window = MainWindow(
            store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock=clock
        )
        qtbot.addWidget(window)
        assert window.calendar_action in window.data_menu.actions()
        assert window.calendar_action.text() != "Working &calendar: holidays…"  # translated
        shown: list[int] = []
        monkeypatch.setattr(CalendarDialog, "exec", lambda d: shown.append(d.year.value()) or 0)
        window.calendar_action.trigger()
        assert shown == [clock.now.year]
    finally:
        set_language("en")
