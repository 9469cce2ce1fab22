"""``liaison-hub --demo``: the entry point fills an empty data folder and opens the window."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from coordinator.cli import commands as cli
from coordinator.i18n import set_language
from coordinator.queries import cases as case_queries
from coordinator.safety.opening import open_store
from ui.app import Application, start_app


def test_demo_flag_opens_the_window_on_demo_data(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    args = cli.build_parser().parse_args(["--data-dir", str(data_dir), "--lang", "zh_CN", "--demo"])
    try:
        assert cli.cmd_demo_if_empty(args) == 0
        started = start_app(args)
        assert isinstance(started, Application)
        window = started.window
        qtbot.waitExposed(window)
        assert window.windowTitle() == "招商联络工作台 — 测试员"  # the app, who works in it
        assert window.today.overdue.model.rowCount() > 0
        started.shut_down()
    finally:
        set_language("en")
    assert (data_dir / "ui.ini").exists()  # the layout and language were saved on close
    assert (data_dir / "ui.ini").stat().st_mode & 0o077 == 0  # private, like the data
    store = open_store(data_dir)
    assert len(case_queries.list_cases(store)) >= 8
    store.close()


def test_second_demo_run_keeps_the_data(tmp_path: Path, qtbot: QtBot) -> None:
    data_dir = tmp_path / "data"
    assert cli.main(["--data-dir", str(data_dir), "demo"]) == 0
    store = open_store(data_dir)
    before = [c.reference for c in case_queries.list_cases(store)]
    store.close()
    args = cli.build_parser().parse_args(["--data-dir", str(data_dir), "--demo"])
    assert cli.cmd_demo_if_empty(args) == 0
    store = open_store(data_dir)
    assert [c.reference for c in case_queries.list_cases(store)] == before
    store.close()
