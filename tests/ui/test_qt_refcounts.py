"""A Qt binding that loses references to None would crash the app after enough drawing.

PySide6 6.12.0 does (two per QPainter save/restore); on Python 3.11, where None is not
immortal, the process then aborts with "deallocating None". This guards the pin.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot


def test_painting_keeps_references_to_none(qtbot: QtBot) -> None:
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(500):
            painter.save()
            painter.translate(1, 1)
            painter.restore()
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after - before >= 0
