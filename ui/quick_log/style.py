"""How the quick-log panel says things beside its fields: in red when something is
wrong, grey for a hint, green when it is understood."""

from __future__ import annotations

from typing import Final

from PySide6.QtWidgets import QLabel

ERROR_STYLE: Final = "color: #b3261e;"
HINT_STYLE: Final = "color: #5f6368;"
OK_STYLE: Final = "color: #1b6e20;"


def say(label: QLabel, text: str, style: str) -> None:
    label.setStyleSheet(style)
    label.setText(text)
