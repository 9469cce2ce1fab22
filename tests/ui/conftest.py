"""Qt tests run headless, and a Qt warning fails the test that caused it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QtMsgType

from coordinator.demo.build import build_demo
from coordinator.paths import DATABASE_NAME
from coordinator.safety.opening import open_store
from coordinator.services import templates
from coordinator.store.storage import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The offscreen platform itself says these whenever a window is shown, raised, or a popup
# takes the keyboard; they are not ours.
_PLATFORM_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",
)


@pytest.fixture(autouse=True)
def _fail_on_qt_warnings(qtlog: pytest.FixtureRequest) -> Iterator[None]:
    yield
    bad = [
        record.message
        for record in qtlog.records  # type: ignore[attr-defined]
        if record.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        and record.message not in _PLATFORM_NOISE
    ]
    if bad:
        pytest.fail("Qt warnings: " + "; ".join(bad), pytrace=False)


@pytest.fixture(autouse=True)
def _officer_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who works here is asked at the first start: the tests' app is somebody already
    (the test of that question takes the name away again). Per test, so that it never
    outlives the UI tests into the core's."""
    monkeypatch.setenv("LIAISON_HUB_OFFICER", "测试员")


DEMO_NOW = datetime(2026, 11, 25, 10, 30)  # the demo's "now": a Wednesday morning


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scenario, built once for the whole run."""
    data_dir = tmp_path_factory.mktemp("demo")
    store = open_store(data_dir, clock=lambda: DEMO_NOW)
    templates.install_builtin(store)
    build_demo(store, now=DEMO_NOW)
    store.close()
    return data_dir


@pytest.fixture
def demo_store(demo_dir: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the demo per test, so that one test's change does not leak into another."""
    copy = tmp_path / "data"
    copy.mkdir()
    source = sqlite3.connect(demo_dir / DATABASE_NAME)
    target = sqlite3.connect(copy / DATABASE_NAME)
    with target:
        source.backup(target)
    source.close()
    target.close()
    opened = open_store(copy, clock=lambda: DEMO_NOW)
    yield opened
    opened.close()
