"""The search field every list has: it filters a pause after the last keystroke, so a
word typed at speed costs one query, not one per character."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLineEdit, QWidget

SEARCH_DELAY_MS = 250


def search_field(
    parent: QWidget, apply: Callable[[], None], delay_ms: int = SEARCH_DELAY_MS
) -> tuple[QLineEdit, QTimer]:
    """The field and its timer; ``apply`` runs ``delay_ms`` after the text last changed
    (stop the timer to apply at once, e.g. on Enter)."""
    field = QLineEdit(parent)
    field.setClearButtonEnabled(True)
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    field.textChanged.connect(timer.start)
    timer.timeout.connect(apply)
    return field, timer
