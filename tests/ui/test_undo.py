"""Every status change, filing and step deletion says what it did in the status bar, and
Ctrl+Z takes it back through the services (versioned, and recorded as an Event)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from coordinator.i18n import set_language
from coordinator.safety.opening import open_store
from coordinator.services import actions
from coordinator.store.storage import Store
from ui.main_window import PAGE_ACTIONS, PAGE_INBOX, MainWindow


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    win = MainWindow(demo_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    set_language("en")


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def capture(_parent: QWidget | None, _title: str, message: str, *_a: Any) -> None:
        shown.append(message)

    monkeypatch.setattr(QMessageBox, "warning", capture)
    return shown


def sql(store: Store, query: str) -> list[Any]:
    with store.read() as session:
        return list(session.execute(text(query)))


def step_state(store: Store, action_id: int) -> tuple[Any, ...]:
    (row,) = sql(
        store,
        "SELECT status, requested_at, due_at, done_at, blocked_reason FROM actions "
        f"WHERE id = {action_id}",
    )
    return tuple(row)


def events(store: Store, entity: str, ident: int, field: str) -> list[Any]:
    return sql(
        store,
        f"SELECT officer FROM events WHERE entity = '{entity}' AND entity_id = {ident} "
        f"AND field = '{field}'",
    )


def a_step_that_can_be_done(store: Store, status: str, nth: int = 0) -> tuple[int, str, int]:
    """A step in ``status`` of an open case whose steps waited on are all finished."""
    rows = sql(
        store,
        "SELECT a.id, a.title, a.case_id FROM actions a JOIN cases c ON c.id = a.case_id "
        f"WHERE a.status = '{status}' AND c.status = 'open' AND NOT EXISTS ("
        " SELECT 1 FROM action_dependencies d JOIN actions b ON b.id = d.depends_on_id"
        " WHERE d.action_id = a.id AND b.status NOT IN ('done', 'cancelled'))"
        " ORDER BY a.id",
    )
    assert len(rows) > nth
    return int(rows[nth][0]), str(rows[nth][1]), int(rows[nth][2])


def ctrl_z(qtbot: QtBot, window: MainWindow) -> None:
    focused = window.focusWidget() or window
    qtbot.keyClick(focused, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_done_in_the_actions_view_is_said_and_ctrl_z_puts_the_step_back(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    step, title, _case = a_step_that_can_be_done(store, "in_progress")
    before = step_state(store, step)
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    assert view.select("action", step)
    view.table.setFocus()
    assert not window.undo_action.isEnabled()

    qtbot.keyClick(view.table, Qt.Key.Key_6)
    assert step_state(store, step)[0] == "done"
    said = window.statusBar().currentMessage()
    assert said == f"Step “{title}”: In progress → Done. Ctrl+Z to undo."
    assert window.undo_action.isEnabled()

    ctrl_z(qtbot, window)
    assert warnings == []
    assert step_state(store, step) == before  # its done time cleared again
    assert window.statusBar().currentMessage() == f"Undone: step “{title}” is In progress again."
    assert events(store, "action", step, "undone") == [("测试员",)]
    assert not window.undo_action.isEnabled()  # Edit ▸ Undo greyed: nothing left
    window.undo()
    assert window.statusBar().currentMessage() == "Nothing to undo."


def test_a_status_key_in_the_case_view_is_undone_and_a_colleagues_change_wins(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    step, title, case_id = a_step_that_can_be_done(store, "in_progress", nth=1)
    before = step_state(store, step)
    window.open_record("case", case_id)
    tab = window.case_view.actions_tab
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_6)
    assert step_state(store, step)[0] == "done"
    assert window.statusBar().currentMessage() == (
        f"Step “{title}”: In progress → Done. Ctrl+Z to undo."
    )
    ctrl_z(qtbot, window)
    assert step_state(store, step) == before
    assert len(events(store, "action", step, "undone")) == 1

    # Done again; then a colleague edits the step: the undo is refused, saying who.
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_6)
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        actions.update(colleague, step, notes="已电话确认")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert len(warnings) == 1
    assert "王同事" in warnings[0]
    assert step_state(store, step)[0] == "done"  # nothing written over the colleague
    assert len(events(store, "action", step, "undone")) == 1


def test_a_filing_is_undone_with_ctrl_z_from_anywhere(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    window.show_page(PAGE_INBOX)
    inbox = window.inbox
    inbox.table.setFocus()
    (chosen,) = inbox.selected_ids()
    target = inbox.suggestions()[0]
    qtbot.keyClick(inbox.table, "1")
    assert sql(store, f"SELECT case_id FROM communications WHERE id = {chosen}") == [
        (target.case_id,)
    ]
    said = f"Filed 1 to {target.reference}. U or Ctrl+Z to undo."
    assert window.statusBar().currentMessage() == said
    assert inbox.status.text() == said

    window.show_page(PAGE_ACTIONS)  # elsewhere: Ctrl+Z still takes back the filing
    window.actions_view.table.setFocus()
    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, f"SELECT case_id FROM communications WHERE id = {chosen}") == [(None,)]
    assert window.statusBar().currentMessage() == f"1 back in the inbox from {target.reference}."
    assert events(store, "communication", chosen, "undone") == [("测试员",)]


def test_a_deleted_step_comes_back_with_its_links(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    rows = sql(
        store,
        "SELECT a.id, a.title, a.case_id FROM actions a JOIN cases c ON c.id = a.case_id "
        "WHERE c.status = 'open' AND EXISTS (SELECT 1 FROM action_dependencies d "
        " WHERE d.depends_on_id = a.id) AND EXISTS (SELECT 1 FROM action_dependencies d "
        " WHERE d.action_id = a.id) ORDER BY a.id",
    )
    step, title, case_id = int(rows[0][0]), str(rows[0][1]), int(rows[0][2])
    links = "SELECT action_id, depends_on_id FROM action_dependencies "
    links += f"WHERE action_id = {step} OR depends_on_id = {step} ORDER BY 1, 2"
    linked = sql(store, links)
    kept = step_state(store, step)
    window.open_record("case", case_id)
    tab = window.case_view.actions_tab
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)  # no question: it can be undone
    assert sql(store, f"SELECT id FROM actions WHERE id = {step}") == []
    assert sql(store, links) == []
    assert window.statusBar().currentMessage() == (
        f"Deleted step “{title}”. Ctrl+Z to bring it back."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert step_state(store, step) == kept
    assert sql(store, links) == linked
    assert window.statusBar().currentMessage() == f"Undone: step “{title}” is back."
    assert events(store, "action", step, "restored") == [("测试员",)]
    assert tab.select_step(step)  # on screen again


def test_the_undo_says_the_language_of_the_screen(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    set_language("zh_CN")
    window.retranslate()
    step, title, _case = a_step_that_can_be_done(demo_store, "in_progress", nth=2)
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    assert view.select("action", step)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_6)
    assert warnings == []
    said = window.statusBar().currentMessage()
    assert title in said
    assert "Ctrl+Z" in said
    assert "Step" not in said
    assert window.edit_menu.title() != "&Edit"
