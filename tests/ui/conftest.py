"""Qt tests run headless, and a Qt warning fails the test that caused it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QtMsgType

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The offscreen platform itself says this whenever a window is shown; it is not ours.
_PLATFORM_NOISE = ("This plugin does not support propagateSizeHints()",)


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
