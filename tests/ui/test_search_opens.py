"""A list's search field opens what it found: Enter with one match left opens it, Down then
Enter opens the first of several; in Contacts the detail pane follows the list's current
row, arrow keys included."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.queries import cases as case_queries
from coordinator.queries import communications as cq
from coordinator.queries import contacts as contact_queries
from coordinator.queries.communications import CommunicationFilter
from coordinator.queries.contacts import ContactFilter
from coordinator.store.storage import Store
from ui.main_window import (
    PAGE_ACTIONS,
    PAGE_CASES,
    PAGE_COMMUNICATIONS,
    PAGE_CONTACTS,
    PAGE_DOCUMENTS,
    MainWindow,
)
from ui.views.department_sources import A_CASE_ID


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path) -> MainWindow:
    set_language("en")
    win = MainWindow(demo_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    return win


def _type(qtbot: QtBot, field: object, text: str) -> None:
    field.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)


def test_enter_with_one_case_left_opens_it(window: MainWindow, qtbot: QtBot) -> None:
    window.show_page(PAGE_CASES)
    cases = window.cases
    aoi = next(c for c in case_queries.list_cases(window.store) if c.reference == "2026-0009")
    _type(qtbot, cases.search, "2026-0009")
    qtbot.keyClick(cases.search, Qt.Key.Key_Return)  # before the pause: filters now
    assert window.cases_page.currentWidget() is window.case_view
    assert window.case_view.case_id == aoi.id


def test_enter_with_several_cases_left_only_filters(window: MainWindow, qtbot: QtBot) -> None:
    window.show_page(PAGE_CASES)
    cases = window.cases
    _type(qtbot, cases.search, "2026-000")
    qtbot.keyClick(cases.search, Qt.Key.Key_Return)
    assert cases.model.rowCount() == 9
    assert window.cases_page.currentWidget() is not window.case_view
    assert cases.search.hasFocus()


def test_down_then_enter_opens_the_first_step_found(window: MainWindow, qtbot: QtBot) -> None:
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    _type(qtbot, view.search, "2026-0010")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.model.rowCount() > 1
    assert view.table.hasFocus()
    assert view.table.currentIndex().row() == 0
    first = view.model.id_at(0)
    cells = view.model.cells_at(0)
    assert first is not None
    assert cells is not None
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.case_view.case_id == int(cells[A_CASE_ID])
    assert window.case_view.actions_tab.current_id() == first


def test_down_then_enter_opens_the_first_document_found(window: MainWindow, qtbot: QtBot) -> None:
    window.show_page(PAGE_DOCUMENTS)
    view = window.documents_view
    _type(qtbot, view.search, "2026-0010")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    first = view.model.id_at(0)
    assert first is not None
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.cases_page.currentWidget() is window.case_view
    current = window.case_view.documents_tab.current_ids()
    assert current is not None
    assert current[0] == first


def test_enter_with_one_communication_left_opens_its_case(window: MainWindow, qtbot: QtBot) -> None:
    (ident,) = cq.ids(window.store, CommunicationFilter(text="AOI"), cq.SORT_AT, True)
    found = cq.rows(window.store, [ident])[ident]
    assert found.case_id is not None
    window.show_page(PAGE_COMMUNICATIONS)
    view = window.communications
    _type(qtbot, view.search, "AOI")
    qtbot.keyClick(view.search, Qt.Key.Key_Enter)
    assert window.stack.currentIndex() == PAGE_CASES
    assert window.case_view.case_id == found.case_id


def test_contacts_detail_follows_the_search_and_the_arrow_keys(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.show_page(PAGE_CONTACTS)
    page = window.contacts.contacts
    records = page.list
    (wanted,) = contact_queries.contact_ids(
        window.store, ContactFilter(text="caiminghui"), contact_queries.SORT_NAME, False
    )
    _type(qtbot, records.search, "caiminghui")
    qtbot.keyClick(records.search, Qt.Key.Key_Return)
    assert page.current_id == wanted
    assert page.name.text() == contact_queries.get(window.store, wanted).name
    assert records.table.hasFocus()

    records.search.selectAll()
    qtbot.keyClick(records.search, Qt.Key.Key_Backspace)
    qtbot.keyClick(records.search, Qt.Key.Key_Down)  # into the whole list again
    assert records.table.hasFocus()
    row = records.table.currentIndex().row()
    qtbot.keyClick(records.table, Qt.Key.Key_Down)
    below = records.model.id_at(row + 1)
    assert below is not None
    assert page.current_id == below
    assert page.name.text() == contact_queries.get(window.store, below).name
    qtbot.keyClick(records.table, Qt.Key.Key_Up)
    assert page.current_id == records.model.id_at(row)
