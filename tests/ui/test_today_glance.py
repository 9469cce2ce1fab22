"""Today read at a glance, over the demo data at 1366×768 in the app's own font: counts in
the headings and beside the sidebar, empty lists as one line, overdue in red, how long
documents have waited, fast-track cases against their promise, and one screen: every
heading in view, nothing scrolling, a long list cut to its first rows and "N more…"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.queries import dashboard
from coordinator.safety.opening import open_store
from coordinator.store.storage import Store
from tests.ui.conftest import DEMO_NOW
from ui.main_window import PAGE_INBOX, PAGE_TODAY, MainWindow
from ui.printing.fonts import apply_app_font
from ui.views.today import TodayView
from ui.views.today_sections import LATE_COLOUR, MIN_ROWS, ListSection, Section

COUNT = re.compile(r"[(（](\d+)[)）]$")


@pytest.fixture
def app_font(qapp: QApplication) -> Iterator[None]:
    """The font the officer's screen has (the shipped family): its rows are taller than
    the platform's default font's."""
    original = QApplication.font()
    apply_app_font(qapp)
    yield
    QApplication.setFont(original)


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path, app_font: None) -> Iterator[MainWindow]:
    set_language("en")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_store, settings, clock=lambda: DEMO_NOW)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    _settle(win.today)
    yield win
    set_language("en")


def _settle(today: TodayView) -> None:
    """The lists painted, then the fast-track clocks and the forecasts that follow."""
    today.show_fast_track()
    today.show_likely_late()
    QApplication.processEvents()


def _count(section: Section) -> int:
    found = COUNT.search(section.title())
    assert found is not None, section.title()
    return int(found.group(1))


def _lists(today: TodayView) -> list[ListSection]:
    return [s for s in today.sections if isinstance(s, ListSection)]


def _cell(table: QTableView, row: int, column: int, role: int = 0) -> object:
    model = table.model()
    return model.data(model.index(row, column), role)


def test_every_heading_counts_its_rows_and_the_sidebar_the_ones_that_matter(
    window: MainWindow,
) -> None:
    today = window.today
    assert len(today.sections) == 8  # the reminders and seven lists
    for section in _lists(today):
        assert _count(section) == section.model.rowCount(), section.title()
    assert _count(today.reminders) == today.reminders_list.model.rowCount() == 10
    assert today.overdue.title() == "Overdue steps (2)"
    assert today.unfiled.title() == "Unfiled communications (35)"
    assert today.documents.title() == "Documents waiting (14)"
    # Beside the sidebar: the overdue total at Today, the unfiled calls at the inbox.
    counts = dashboard.counts(window.store, DEMO_NOW)
    assert window.sidebar.item(PAGE_TODAY).text() == "Today (2)"
    assert (
        window.sidebar.item(PAGE_INBOX).text() == f"Unfiled inbox ({counts.unfiled_communications})"
    )
    assert counts.unfiled_communications == today.unfiled.model.rowCount()
    assert window.sidebar.item(1).text() == "Cases"  # no count where none means much


def test_the_counts_read_in_chinese_too(window: MainWindow) -> None:
    set_language("zh_CN")
    window.retranslate()
    window.refresh()
    assert window.today.overdue.title() == "逾期步骤（2）"
    assert window.sidebar.item(PAGE_TODAY).text() == "今日（2）"
    assert window.sidebar.item(PAGE_INBOX).text() == "待归档（35）"


def test_an_empty_list_is_one_line(window: MainWindow) -> None:
    today = window.today
    likely = today.likely_late
    assert likely.title() == "Likely late (0)"
    assert likely.table.isHidden()
    assert likely.empty.isVisible()
    line = likely.heading.fontMetrics().height()
    assert likely.height() <= line + 6
    # A list with two rows is a heading, a header and its rows, no more.
    row = today.overdue.table.rowHeight(0)
    assert line + 3 * row <= today.overdue.height() <= line + 4 * row


def test_with_nothing_at_all_each_part_is_one_line_and_the_page_does_not_scroll(
    qtbot: QtBot, tmp_path: Path
) -> None:
    set_language("en")
    store = open_store(tmp_path / "data", clock=lambda: DEMO_NOW)
    try:
        win = MainWindow(
            store,
            QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
            clock=lambda: DEMO_NOW,
        )
        qtbot.addWidget(win)
        win.resize(1366, 768)
        win.show()
        qtbot.waitExposed(win)
        _settle(win.today)
        for section in win.today.sections:
            assert section.is_empty, section.title()
            assert section.height() <= section.heading.fontMetrics().height() + 6, section.title()
        assert win.today.overdue.empty.text() == "Nothing is overdue."
        assert win.today.verticalScrollBar().maximum() == 0
        assert win.sidebar.item(PAGE_TODAY).text() == "Today"  # no "(0)"
        win.close()
    finally:
        store.close()


def test_overdue_is_red(window: MainWindow) -> None:
    overdue = window.today.overdue
    foreground = Qt.ItemDataRole.ForegroundRole
    for row in range(overdue.model.rowCount()):
        for column in (4, 5):  # its due time and how long it is over
            brush = _cell(overdue.table, row, column, foreground)
            assert isinstance(brush, QBrush)
            assert brush.color() == LATE_COLOUR
        assert _cell(overdue.table, row, 2, foreground) is None  # the step's title is not
    assert _cell(overdue.table, 0, 5) == "4 working days 4 h over"
    heading = overdue.heading.palette().color(QPalette.ColorRole.WindowText)
    assert heading == LATE_COLOUR
    # Due today is not late: neither its heading nor its cells.
    due = window.today.due_today
    assert due.heading.palette().color(QPalette.ColorRole.WindowText) != LATE_COLOUR
    assert _cell(due.table, 0, 5, foreground) is None
    # Beside the sidebar's Today.
    sidebar = window.sidebar.item(PAGE_TODAY).foreground()
    assert sidebar.color() == LATE_COLOUR


def test_documents_waiting_say_how_long_in_working_time(window: MainWindow) -> None:
    documents = window.today.documents
    headers = [
        documents.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(documents.model.columnCount())
    ]
    assert headers[-1] == "Waiting"
    # 土地收回协议, asked of the company on Tuesday 20 October at 9:05: five weeks and a
    # day of working days to Wednesday 25 November 10:30, and 1 h 25 min.
    assert _cell(documents.table, 0, 1) == "土地收回协议"
    assert _cell(documents.table, 0, 4) == "26 working days 1 h"  # whole hours past a day
    assert _cell(documents.table, 0, 4, Qt.ItemDataRole.ToolTipRole) == "since 10-20 09:05"
    duration = re.compile(r"^(\d+ working days?)?( ?\d+ h)?( ?\d+ min)?$")
    waited = [str(_cell(documents.table, r, 4)) for r in range(documents.model.rowCount())]
    assert all(duration.match(w) and w for w in waited), waited
    # The longest-waiting first, the one sent on yesterday afternoon last.
    assert waited[-1] == "4 h 22 min"


def test_fast_track_cases_stand_against_their_promise_and_the_normal_duration(
    window: MainWindow,
) -> None:
    fast = window.today.fast_track
    assert fast.model.rowCount() == 1
    cells = [_cell(fast.table, 0, c) for c in range(fast.model.columnCount())]
    assert cells[0] == "2026-0007"
    # Opened Thursday 5 November 9:30: fourteen working days and an hour by now.
    assert cells[3] == "14 working days 1 h"
    # Its steps promised 22.5 h along their longest chain; the normal procedure is 75 h.
    assert cells[4] == "3 working days (11 working days 1 h over)"
    assert cells[5] == "10 working days (4 working days 1 h over)"
    for column in (4, 5):
        brush = _cell(fast.table, 0, column, Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush)
        assert brush.color() == LATE_COLOUR


def _in_view(today: TodayView, widget: QWidget) -> bool:
    top = widget.mapTo(today.viewport(), widget.rect().topLeft()).y()
    return widget.isVisible() and top >= 0 and top + widget.height() <= today.viewport().height()


def _check_one_screen(today: TodayView) -> None:
    """Every heading in view, the page not scrolling, no list scrolling inside it, each
    list exactly as tall as the rows it shows, and "N more…" under a list cut short."""
    bar = today.verticalScrollBar()
    assert bar.maximum() == 0
    assert not bar.isVisible()
    assert not today.horizontalScrollBar().isVisible()
    for section in today.sections:
        assert _in_view(today, section.heading), section.title()
        if section.is_empty:
            continue
        table = section.fitted
        assert table is not None
        assert not table.verticalScrollBar().isVisible(), section.title()
        assert not table.horizontalScrollBar().isVisible(), section.title()
        shown = section.shown
        assert shown >= MIN_ROWS or shown == section.count, section.title()
        rows = [r for r in range(table.model().rowCount()) if not table.isRowHidden(r)]
        assert rows == list(range(shown)), section.title()
        last = table.rowViewportPosition(shown - 1) + table.rowHeight(shown - 1)
        assert last <= table.viewport().height() < last + table.rowHeight(0), section.title()
        assert _in_view(today, table), section.title()
        hidden = section.count - shown
        assert section.more.isVisible() == (hidden > 0), section.title()
        if hidden:
            assert section.more.text() == f"{hidden} more…"
            assert _in_view(today, section.more), section.title()


@pytest.mark.parametrize(
    "height",
    [768, 700],  # the window at the screen's size; maximised under a title bar and a taskbar
)
def test_at_1366_every_heading_shows_and_nothing_scrolls(
    window: MainWindow, qtbot: QtBot, height: int
) -> None:
    window.resize(1366, height)
    qtbot.wait(1)
    today = window.today
    assert today.width() >= 1100  # the page beside the sidebar
    _check_one_screen(today)
    # The long lists are cut: the page is shared, not given to the first of them.
    assert today.unfiled.shown < today.unfiled.count == 35
    assert today.reminders.shown < today.reminders.count == 10
    # The steps across the page, the other lists in two columns under them.
    left = today.reminders.mapTo(today, today.reminders.rect().topLeft())
    right = today.documents.mapTo(today, today.documents.rect().topLeft())
    assert left.y() == right.y()
    assert right.x() > left.x() + today.reminders.width()
    assert today.fast_track.width() > today.reminders.width() + today.documents.width()


def test_at_1366_by_768_in_chinese_too(window: MainWindow, qtbot: QtBot) -> None:
    set_language("zh_CN")
    window.retranslate()
    window.refresh()
    _settle(window.today)
    today = window.today
    assert today.verticalScrollBar().maximum() == 0
    for section in today.sections:
        assert _in_view(today, section.heading), section.title()
    hidden = today.unfiled.count - today.unfiled.shown
    assert today.unfiled.more.text() == f"还有{hidden}条…"


def test_n_more_shows_every_row_and_show_fewer_cuts_them_again(
    window: MainWindow, qtbot: QtBot
) -> None:
    today = window.today
    unfiled = today.unfiled
    shown = unfiled.shown
    assert MIN_ROWS <= shown < 35
    assert unfiled.more.text() == f"{35 - shown} more…"
    qtbot.mouseClick(unfiled.more, Qt.MouseButton.LeftButton)
    qtbot.wait(1)
    table = unfiled.table
    assert unfiled.shown == 35
    assert not any(table.isRowHidden(r) for r in range(35))
    assert table.rowViewportPosition(34) + table.rowHeight(34) <= table.viewport().height()
    assert not table.verticalScrollBar().isVisible()
    assert unfiled.more.text() == "Show fewer"
    # The other lists keep their share; the page scrolls to the rows shown.
    assert today.documents.shown < today.documents.count
    assert today.verticalScrollBar().maximum() > 0
    # From the keyboard: the button is on Tab's way, Enter presses it.
    unfiled.more.setFocus()
    qtbot.keyClick(unfiled.more, Qt.Key.Key_Return)
    qtbot.wait(1)
    assert unfiled.shown == shown
    assert table.isRowHidden(shown)
    assert unfiled.more.text() == f"{35 - shown} more…"
    _check_one_screen(today)
    # Tab reaches it from its list.
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is unfiled.more


def test_a_larger_window_shows_more_rows(window: MainWindow, qtbot: QtBot) -> None:
    today = window.today
    before = {s: s.shown for s in today.sections}
    window.resize(1600, 1000)
    qtbot.wait(1)
    _check_one_screen(today)
    for section in today.sections:
        assert section.shown >= before[section], section.title()
    for section in (today.reminders, today.follow_ups, today.documents, today.unfiled):
        assert section.shown > before[section], section.title()
    # Back to the smaller window, back to fewer.
    window.resize(1366, 768)
    qtbot.wait(1)
    assert {s: s.shown for s in today.sections} == before
    _check_one_screen(today)


def test_moving_down_a_list_with_the_keys_shows_its_other_rows_and_scrolls_the_page(
    window: MainWindow, qtbot: QtBot
) -> None:
    today = window.today
    today.verticalScrollBar().setValue(0)
    # Down from the last row shown goes on to the next.
    documents = today.documents
    table = documents.table
    table.setFocus()
    shown = documents.shown
    table.setCurrentIndex(documents.model.index(shown - 1, 0))
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert documents.shown == documents.count == 14
    assert table.currentIndex().row() == shown
    documents.more.click()  # and cut again
    assert table.currentIndex().row() == shown - 1  # the current row stays in view
    # Ctrl+End goes to the very last.
    table = today.unfiled.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    last = table.model().rowCount() - 1
    assert table.currentIndex().row() == last == 34
    rect = table.visualRect(table.currentIndex())
    top = table.viewport().mapTo(today.viewport(), rect.topLeft()).y()
    assert today.verticalScrollBar().value() > 0
    assert top >= 0
    assert top + rect.height() <= today.viewport().height()
    # And Enter opens what the row shows: the communication.
    with qtbot.waitSignal(window.hub.open_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == ["communication", today.unfiled.model.id_at(last)]


def test_a_list_cut_at_its_limit_says_how_many_there_are(window: MainWindow) -> None:
    unfiled = window.today.unfiled
    rows = [(i, ("today 09:00", "13905741234", "Phone", "来电")) for i in range(1, 4)]
    headers = ["When", "Who", "Channel", "Notes"]
    unfiled.show_rows("Unfiled communications", headers, rows, "", total=350)
    assert unfiled.title() == "Unfiled communications (the first 3 of 350)"
    unfiled.show_rows("Unfiled communications", headers, rows, "", total=3)
    assert unfiled.title() == "Unfiled communications (3)"
