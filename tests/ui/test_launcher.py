"""``liaison-hub --demo``: the entry point fills an empty data folder and opens the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.services import cases
from coordinator.storage import Store
from ui import launcher
from ui.main_window import MainWindow


def test_demo_flag_opens_the_window_on_demo_data(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seen: list[MainWindow] = []

    def look_then_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        seen.extend(windows)
        for window in windows:
            window.close()
        QApplication.quit()

    QTimer.singleShot(300, look_then_quit)
    try:
        status = launcher.main(["--data-dir", str(data_dir), "--lang", "zh_CN", "--demo"])
    finally:
        set_language("en")

    assert status == 0
    assert len(seen) == 1
    window = seen[0]
    assert window.windowTitle() == "招商联络工作台"
    assert window.today.overdue.model.rowCount() > 0
    assert (data_dir / "ui.ini").exists()  # the layout and language were saved on close
    store = Store(data_dir)
    assert len(cases.list_cases(store)) >= 8
    store.close()


def test_second_demo_run_keeps_the_data(tmp_path: Path, qtbot: QtBot) -> None:
    data_dir = tmp_path / "data"
    from coordinator import cli

    assert cli.main(["--data-dir", str(data_dir), "demo"]) == 0
    store = Store(data_dir)
    before = [c.reference for c in cases.list_cases(store)]
    store.close()
    args = cli.build_parser().parse_args(["--data-dir", str(data_dir), "--demo"])
    assert cli.cmd_demo_if_empty(args) == 0
    store = Store(data_dir)
    assert [c.reference for c in cases.list_cases(store)] == before
    store.close()
