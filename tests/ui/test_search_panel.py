"""The search panel as the officer uses it: Ctrl+K or the field at the top, type, move
with the arrows, Enter opens the record where it lives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QInputMethodEvent, QPainter
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.queries import communications as communication_queries
from coordinator.queries import contacts as contact_queries
from coordinator.queries.search import search
from coordinator.services import communications
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.main_window import PAGE_COMMUNICATIONS, PAGE_CONTACTS, MainWindow
from ui.search.painting import highlighted_layout
from ui.search.panel import SearchPanel
from ui.search.results_model import RowKind


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    win = MainWindow(demo_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    set_language("en")


def _panel(window: MainWindow) -> SearchPanel:
    panel = window.search_panel
    assert panel is not None
    return panel


def _enter(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Type ``text`` as the officer does: Latin and digits by key, Chinese as an input
    method delivers it (a committed string)."""
    for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
        if run.isascii():
            qtbot.keyClicks(field, run)
        else:
            event = QInputMethodEvent()
            event.setCommitString(run)
            QApplication.sendEvent(field, event)


def _type(qtbot: QtBot, panel: SearchPanel, text: str) -> None:
    panel.query.clear()
    _enter(qtbot, panel.query, text)
    qtbot.waitUntil(lambda: not panel.timer.isActive())


def _hits(panel: SearchPanel) -> list[tuple[ChangeKind, int]]:
    return [
        (row.hit.kind, row.hit.id)
        for row in panel.model.rows
        if row.kind is RowKind.HIT and row.hit is not None
    ]


def test_ctrl_k_opens_the_panel_and_typing_shows_grouped_results(
    window: MainWindow, demo_store: Store, qtbot: QtBot
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    panel = _panel(window)
    assert panel.isVisible()
    qtbot.waitUntil(panel.query.hasFocus)
    _type(qtbot, panel, "税务")
    headings = [row.title for row in panel.model.rows if row.kind is RowKind.HEADING]
    assert headings[0].startswith("Cases")
    assert any(h.startswith("Steps") for h in headings)
    expected = search(demo_store, "税务", limit=8)
    assert _hits(panel) == [(h.kind, h.id) for h in expected.hits]
    # the first hit is current, so Enter opens it at once
    assert panel.model.row_at(panel.view.currentIndex().row()).kind is RowKind.HIT


def test_arrows_and_enter_open_a_communication_in_its_list(
    window: MainWindow, demo_store: Store, qtbot: QtBot
) -> None:
    panel = window.search()
    assert panel is not None
    officer = next(h for h in search(demo_store, "税务局").hits if h.kind is ChangeKind.CONTACT)
    number = contact_queries.get(demo_store, officer.id).phones[0].e164
    _type(qtbot, panel, number[-6:-2])  # a part of the number: the contact, then calls
    hits = _hits(panel)
    assert hits[0][0] is ChangeKind.CONTACT
    first_call = next(
        i for i, (kind, _ident) in enumerate(hits) if kind is ChangeKind.COMMUNICATION
    )
    for _ in range(first_call):
        qtbot.keyClick(panel.query, Qt.Key.Key_Down)
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert not panel.isVisible()
    assert window.stack.currentIndex() == PAGE_COMMUNICATIONS
    view = window.communications
    selected = view.table.selectionModel().selectedRows()
    assert [view.model.id_at(r.row()) for r in selected] == [hits[first_call][1]]


def test_a_click_opens_a_contact_and_the_query_is_remembered(
    window: MainWindow, qtbot: QtBot
) -> None:
    panel = window.search()
    assert panel is not None
    _type(qtbot, panel, "税务局")
    row = next(
        i
        for i, r in enumerate(panel.model.rows)
        if r.kind is RowKind.HIT and r.hit and r.hit.kind is ChangeKind.CONTACT
    )
    rect = panel.view.visualRect(panel.model.index(row))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.stack.currentIndex() == PAGE_CONTACTS
    assert panel.recent() == ["税务局"]
    window.search("")
    assert [r.title for r in panel.model.rows if r.kind is RowKind.RECENT] == ["税务局"]
    qtbot.keyClick(panel.query, Qt.Key.Key_Down)
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)  # a recent query is searched again
    assert panel.query.text() == "税务局"
    assert _hits(panel)


def test_the_field_at_the_top_opens_the_panel_with_what_was_typed(
    window: MainWindow, qtbot: QtBot
) -> None:
    _enter(qtbot, window.search_box, "银")
    panel = _panel(window)
    assert panel.isVisible()
    assert panel.query.text() == "银"
    assert window.search_box.text() == ""


def test_nothing_found_and_nothing_typed_say_what_to_do(window: MainWindow, qtbot: QtBot) -> None:
    panel = window.search()
    assert panel is not None
    assert panel.results.currentWidget() is panel.empty
    assert "pinyin" in panel.empty.text()
    _type(qtbot, panel, "没有这样的记录")
    assert panel.results.currentWidget() is panel.empty
    assert "没有这样的记录" in panel.empty.text()
    _type(qtbot, panel, 'NEAR("税务" OR *')  # query syntax is only text: no error, no widening
    assert panel.results.currentWidget() is panel.empty


def test_filters_narrow_the_results(window: MainWindow, demo_store: Store, qtbot: QtBot) -> None:
    panel = window.search()
    assert panel is not None
    _type(qtbot, panel, "税务")
    panel.kind_filter.setCurrentIndex(panel.kind_filter.findData("communication"))
    kinds = {kind for kind, _ident in _hits(panel)}
    assert kinds == {ChangeKind.COMMUNICATION}
    panel.channel_filter.setCurrentIndex(panel.channel_filter.findData("wechat"))
    for _kind, ident in _hits(panel):
        assert communication_queries.get(demo_store, ident).channel == "wechat"


def test_a_saved_call_is_found_at_once(window: MainWindow, demo_store: Store, qtbot: QtBot) -> None:
    panel = window.search()
    assert panel is not None
    _type(qtbot, panel, "燚鑫")
    assert _hits(panel) == []
    made = communications.log(demo_store, notes="燚鑫公司来电咨询").value.id
    _type(qtbot, panel, "燚鑫")
    assert _hits(panel) == [(ChangeKind.COMMUNICATION, made)]


def test_the_highlight_is_painted_over_plain_text(qtbot: QtBot) -> None:
    font = QApplication.font()
    layout = highlighted_layout("<b>税务</b>局", [(3, 5)], font)
    assert layout.text() == "<b>税务</b>局"  # shown as typed: not read as markup
    [mark] = layout.formats()
    assert (mark.start, mark.length) == (3, 2)
    image = QImage(400, 40, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    layout.draw(painter, image.rect().topLeft())
    painter.end()
    x = int(layout.lineAt(0).cursorToX(4)[0])
    assert image.pixelColor(x, 5).red() > 200
    assert image.pixelColor(x, 5).blue() < 160
