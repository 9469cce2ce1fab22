"""The status bar's passing message, kept as how to say it.

A message is a sentence in the language it was said in; after the officer switches the
language it would stay on screen in the other one. Said through :func:`say`, a message is
said again in the new language by :func:`retranslate`; any other message still showing
(built beforehand, in words that cannot be said again) is cleared.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar

Words = Callable[[], str]


class _Said(QObject):
    """The words of the message the bar shows now, if it was said through :func:`say`."""

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.setObjectName("said_in_status")
        self.bar = bar
        self.words: Words | None = None
        self.timeout = 0
        self.shown = ""
        bar.messageChanged.connect(self._changed)

    def _changed(self, text: str) -> None:
        if text != self.shown:  # replaced by another message, or gone
            self.words = None
            self.shown = ""

    def say(self, words: Words, timeout: int) -> None:
        self.words, self.timeout = words, timeout
        self.shown = words()
        self.bar.showMessage(self.shown, timeout)

    def retranslate(self) -> None:
        if not self.bar.currentMessage():
            return
        if self.words is None:
            self.bar.clearMessage()
        else:
            self.say(self.words, self.timeout)


def _said(bar: QStatusBar) -> _Said:
    found = bar.findChild(_Said, "said_in_status")
    return found if isinstance(found, _Said) else _Said(bar)


def say(bar: QStatusBar, words: Words, timeout: int = 0) -> None:
    """Show ``words()`` for ``timeout`` ms (0: until replaced), said again on a switch of
    language."""
    _said(bar).say(words, timeout)


def retranslate(bar: QStatusBar) -> None:
    """After a switch of language: the message said again, or cleared."""
    _said(bar).retranslate()
