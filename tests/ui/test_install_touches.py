"""What an installed app shows of itself: the About box, the names desktops match, and
``--quit-after`` (how an install is tried: the window opens, then the app quits the usual way)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator import __version__
from coordinator.cli import commands as cli
from coordinator.i18n import set_language
from coordinator.paths import DATABASE_NAME
from coordinator.safety.opening import open_store
from coordinator.store.storage import Store
from ui.app import DESKTOP_FILE_NAME, Application, start_app
from ui.dialogs.about import AboutDialog
from ui.main_window import MainWindow


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "data")
    yield store
    store.close()


def test_help_about_shows_the_version_and_the_data_folder(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    set_language("zh_CN")
    try:
        window = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.show()
        assert window.help_menu.title() == "帮助(&H)"
        assert window.about_action.text() == "关于招商联络工作台(&A)"
        seen: dict[str, object] = {}

        def inspect_then_close() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, AboutDialog)
            seen["title"] = dialog.windowTitle()
            seen["version"] = dialog.value_labels["版本"].text()
            seen["folder"] = dialog.value_labels["数据文件夹"].text()
            seen["database"] = dialog.value_labels["数据库"].text()
            dialog.copy_button.click()
            seen["clipboard"] = QGuiApplication.clipboard().text()
            dialog.reject()

        QTimer.singleShot(0, inspect_then_close)
        window.about_action.trigger()  # runs the dialog until the timer closes it
    finally:
        set_language("en")
    assert seen["title"] == "关于招商联络工作台"
    assert seen["version"] == __version__
    assert seen["folder"] == str(store.data_dir)
    assert str(seen["database"]).endswith(" MB）")
    clipboard = str(seen["clipboard"])
    assert clipboard.startswith(f"招商联络工作台 {__version__}\n")
    assert f"数据文件夹: {store.data_dir}" in clipboard


def test_about_says_when_there_is_no_database_yet(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = AboutDialog(tmp_path / "empty")
    qtbot.addWidget(dialog)
    database = dialog.value_labels["Database"].text()
    assert database == f"{tmp_path / 'empty' / DATABASE_NAME} (not created yet)"
    assert dialog.value_labels["Runs from"].text().startswith("Python ")


def test_the_app_names_itself_for_the_desktop(qtbot: QtBot, tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(["--data-dir", str(tmp_path / "data"), "--lang", "en"])
    started = start_app(args)
    assert isinstance(started, Application)
    try:
        qtbot.waitExposed(started.window)
        app = started.app
        assert app.applicationName() == "Liaison Hub"  # X11's WM_CLASS: the entry's StartupWMClass
        assert app.applicationVersion() == __version__
        assert app.desktopFileName() == DESKTOP_FILE_NAME  # Wayland's app id: liaison-hub.desktop
        entry = Path(__file__).resolve().parents[2] / "resources/linux/liaison-hub.desktop"
        assert "StartupWMClass=Liaison Hub\n" in entry.read_text(encoding="utf-8")
    finally:
        started.shut_down()


def test_quit_after_opens_the_window_then_quits_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "ui.launcher", "--data-dir", str(data_dir), "--quit-after", "0.5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (data_dir / "liaison-hub.sqlite3").is_file()  # the data was opened
    assert (data_dir / "ui.ini").is_file()  # and the window closed the usual way, saving its layout
    assert not (data_dir / "liaison-hub.lock").exists()  # the data folder was let go
