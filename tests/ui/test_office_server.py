"""The window on an office PostgreSQL server: a colleague's change shows without restarting,
a lost server is said in the status bar while every typed text stays, and the window
works again when the server is back; the first start asks who works here; the name and
the server can be changed from the Data menu.

A server of this module's own (a real, throwaway PostgreSQL cluster), since these tests
stop and start it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from coordinator.i18n import set_language
from coordinator.safety.opening import open_store
from coordinator.services import cases, templates
from coordinator.store import local_settings
from coordinator.store.local_settings import OFFICER_ENV, read_local_settings
from coordinator.store.models import Communication
from coordinator.store.storage import Store
from tests import postgres_server
from tests.postgres_server import PostgresServer
from ui.app import catch_lost_server
from ui.dialogs.workplace import WorkplaceDialog
from ui.main_window import PAGE_CASES, MainWindow

NOW = datetime(2026, 11, 25, 10, 30)
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    postgres_server.skip_unless_available()
    with postgres_server.running() as running:
        yield running


@pytest.fixture
def team_url(server: PostgresServer) -> Iterator[str]:
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def store(tmp_path: Path, team_url: str) -> Iterator[Store]:
    store = open_store(tmp_path / "data", url=team_url, clock=lambda: NOW, officer="李晓雯")
    templates.install_builtin(store)
    yield store
    store.close()


@pytest.fixture
def colleague(tmp_path: Path, team_url: str) -> Iterator[Store]:
    """王成峰, on his own laptop, on the same server."""
    other = open_store(tmp_path / "colleague", url=team_url, clock=lambda: NOW, officer="王成峰")
    yield other
    other.close()


@pytest.fixture
def window(store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.connection.watch._reader is not None, timeout=10_000)
    yield win
    set_language("en")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: shown.append(text)
    )
    return shown


def test_the_title_names_the_officer_and_the_server(window: MainWindow, team_url: str) -> None:
    assert window.windowTitle() == (
        f"Liaison Hub — 李晓雯 — office server {local_settings.shown_url(team_url)}"
    )


def test_a_colleagues_new_case_shows_without_restarting(
    window: MainWindow, colleague: Store, qtbot: QtBot
) -> None:
    window.show_page(PAGE_CASES)
    listed = window.cases.model.rowCount()
    cases.open_case(
        colleague,
        "华腾新材料项目落地",
        company_name="宁波华腾新材料有限公司",
        template_key="company_landing",
    )
    qtbot.waitUntil(lambda: window.cases.model.rowCount() == listed + 1, timeout=10_000)
    assert "王成峰" in window.statusBar().currentMessage()
    texts = [
        str(window.cases.model.data(window.cases.model.index(row, column)))
        for row in range(window.cases.model.rowCount())
        for column in range(window.cases.model.columnCount())
    ]
    assert any("华腾新材料项目落地" in text for text in texts)


def test_a_lost_server_is_said_the_typed_log_is_kept_and_saved_once_it_is_back(
    window: MainWindow,
    store: Store,
    server: PostgresServer,
    qtbot: QtBot,
    errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    catch_lost_server(window)  # as the app does: a screen's read of a lost server is no crash
    label = window.connection.label
    assert not label.isVisible()
    panel = window.quick_log()
    panel.notes.setPlainText("企业来电：营业执照已领取，明天去银行开户")
    server.stop("immediate")
    try:
        qtbot.waitUntil(label.isVisible, timeout=15_000)
        assert "No connection to the office server" in label.text()
        assert not panel.save()  # refused, said, the text kept
        assert errors
        assert "The office server cannot be reached: nothing was saved." in errors[-1]
        assert panel.notes.toPlainText() == "企业来电：营业执照已领取，明天去银行开户"
    finally:
        server.start()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=15_000)
    assert "Connected again" in window.statusBar().currentMessage()
    assert panel.save()
    with store.read() as session:
        notes = list(session.scalars(select(Communication.notes)))
    assert notes == ["企业来电：营业执照已领取，明天去银行开户"]


def test_the_first_start_asks_who_works_here(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs.workplace import ask_name_at_first_start

    monkeypatch.delenv(OFFICER_ENV)
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, WorkplaceDialog)
        assert not dialog.database_box.isVisibleTo(dialog)  # only the name, the first time
        dialog.officer.setText("  陈 思远 ")
        dialog.accept()

    QTimer.singleShot(0, answer)
    ask_name_at_first_start(data_dir)
    assert read_local_settings(data_dir).officer == "陈 思远"
    store = open_store(data_dir)
    try:
        assert store.officer == "陈 思远"
    finally:
        store.close()
    ask_name_at_first_start(data_dir)  # asked once: no dialog now (it would block here)


def test_the_data_menu_moves_the_window_to_the_office_server(
    qtbot: QtBot, tmp_path: Path, team_url: str, store: Store
) -> None:
    """From the laptop's own file to the server: tried, kept, and worked on at once."""
    set_language("en")
    laptop = open_store(tmp_path / "laptop", clock=lambda: NOW, officer="李晓雯")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(laptop, settings)
    qtbot.addWidget(win)
    win.show()
    assert not win.store.on_server

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, WorkplaceDialog)
        dialog.officer.setText("李晓雯")
        dialog.server.setChecked(True)
        dialog.url.setText("postgresql://liaison@127.0.0.1:1/nowhere")  # nobody there
        dialog.accept()
        assert dialog.isVisible()  # refused: the address was tried first
        assert "cannot be reached" in dialog.said.text()
        dialog.url.setText(team_url.replace("postgresql+psycopg://", "postgresql://"))
        dialog.accept()

    QTimer.singleShot(0, fill)
    win.change_workplace()
    try:
        assert win.store.on_server
        assert win.store.url == team_url
        assert read_local_settings(tmp_path / "laptop").database_url == team_url
        assert "office server" in win.windowTitle()
    finally:
        win.close_store()
        win.close()
        set_language("en")
