"""Help: the keyboard shortcuts (F1, Ctrl+/) read from the app's own actions, and the
About box saying where the data lives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator import __version__
from coordinator.i18n import set_language
from coordinator.paths import DATABASE_NAME
from coordinator.store.storage import Store
from tests.ui.conftest import DEMO_NOW
from ui.dialogs.about import AboutDialog
from ui.dialogs.shortcuts import ShortcutsDialog, action_name, keys_text
from ui.main_window import MainWindow


@pytest.fixture(params=["zh_CN", "en"])
def window(
    request: pytest.FixtureRequest, demo_store: Store, qtbot: QtBot, tmp_path: Path
) -> Iterator[MainWindow]:
    set_language(request.param)
    win = MainWindow(
        demo_store,
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
        clock=lambda: DEMO_NOW,
    )
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    set_language("en")


def open_with(
    window: MainWindow, qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier
) -> ShortcutsDialog:
    seen: list[list[tuple[str, str, str]]] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ShortcutsDialog):  # the screens are still being built
            QTimer.singleShot(20, close_it)
            return
        seen.append(dialog.rows())
        dialog.reject()

    QTimer.singleShot(0, close_it)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QtBot.keyClick(window.stack.currentWidget(), key, modifier)
    assert seen, "the key opened no shortcut list"
    return seen[0]


def test_f1_and_ctrl_slash_list_every_shortcut_of_the_window(
    window: MainWindow, qtbot: QtBot
) -> None:
    dialog = open_with(window, qtbot, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)
    again = open_with(window, qtbot, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    listed = dialog
    assert listed == again
    pairs = {(keys, what) for _group, keys, what in listed}
    # Every screen was built to be read: each action with a key anywhere in the window.
    actions = [
        a for a in window.findChildren(QAction) if any(not k.isEmpty() for k in a.shortcuts())
    ]
    assert len(actions) > 30
    for action in actions:
        keys = keys_text([k for k in action.shortcuts() if not k.isEmpty()])
        assert (keys, action_name(action)) in pairs, (keys, action_name(action))
    assert [r for r in listed if not r[2]] == []  # every key says what it does
    groups = [group for group, _keys, _what in listed]
    chinese = window.export_list_action.text().startswith("导出")
    assert (groups[0] == "全局") if chinese else (groups[0] == "Everywhere")
    assert ("事项" if chinese else "Cases") in groups
    assert ("部门待办" if chinese else "Actions") in groups
    assert ("Ctrl+E", action_name(window.export_list_action)) in pairs
    assert ("F1 / Ctrl+/", action_name(window.shortcuts_action)) in pairs


def test_a_new_action_shows_up_without_editing_the_list(window: MainWindow) -> None:
    extra = QAction("Something new", window.cases)
    extra.setShortcut(QKeySequence("Ctrl+Shift+Y"))
    rows = window.shortcut_list()
    found = [s for s in rows if s.what == "Something new"]
    assert len(found) == 1
    assert found[0].keys == "Ctrl+Shift+Y"
    assert found[0].group == window.page_actions[1].text()


def test_about_shows_the_database_file_the_officer_and_copies_the_path(
    demo_store: Store, qtbot: QtBot
) -> None:
    set_language("zh_CN")
    try:
        dialog = AboutDialog(demo_store.data_dir, officer="测试员", server=None)
        qtbot.addWidget(dialog)
        assert dialog.value_labels["版本"].text() == __version__
        assert dialog.value_labels["数据文件夹"].text() == str(demo_store.data_dir)
        database = dialog.value_labels["数据库"].text()
        assert database.startswith(str(demo_store.data_dir / DATABASE_NAME))
        assert database.endswith(" MB）")
        assert dialog.value_labels["经办人"].text() == "测试员"
        qtbot.mouseClick(dialog.copy_path_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == str(demo_store.data_dir)
    finally:
        set_language("en")


def test_about_names_the_office_server(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = AboutDialog(tmp_path, server="postgresql+psycopg://li@db.office/liaison")
    qtbot.addWidget(dialog)
    assert dialog.value_labels["Database"].text() == (
        "office server postgresql+psycopg://li@db.office/liaison"
    )
    assert dialog.value_labels["Officer"].text() == "not named yet"
    assert "Officer: not named yet" in dialog.details_text()
