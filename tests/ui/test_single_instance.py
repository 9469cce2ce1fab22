"""One app per data folder: a second launch never becomes a second writer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.single_instance import SingleInstance


def test_second_instance_defers_to_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()
    try:
        second = SingleInstance(tmp_path)
        assert not second.acquire()
        with qtbot.waitSignal(first.activated, timeout=3000):
            assert second.notify_running()
    finally:
        first.release()
    third = SingleInstance(tmp_path)
    assert third.acquire()  # released: the folder can be opened again
    third.release()


def test_second_launch_of_the_app_exits_and_raises_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    first = SingleInstance(data_dir)
    assert first.acquire()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LIAISON_HUB_LANG": "en"}
    try:
        with qtbot.waitSignal(first.activated, timeout=30_000):
            launch = subprocess.Popen(
                [sys.executable, "-m", "ui.launcher", "--data-dir", str(data_dir)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            qtbot.waitUntil(lambda: launch.poll() is not None, timeout=30_000)
        _out, errors = launch.communicate(timeout=10)
        assert launch.returncode == 0, errors
    finally:
        first.release()
    # the second launch opened no database of its own
    assert not (data_dir / "liaison-hub.sqlite3").exists()
