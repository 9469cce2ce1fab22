"""The status bar's word on a laptop's checkout of the office's data: when it last synced,
how many of its changes wait to be sent, and the conflicts left to settle.

Shown only when the data folder is a checkout (an office's own database has nothing to
sync with). The conflicts are in a warning colour, and a click opens the list of them.
Two counts of the local database: cheap enough to read again after every change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from coordinator.i18n import _, ngettext

if TYPE_CHECKING:
    from coordinator.store.storage import Store
    from coordinator.sync.state import SyncStatus

WARNING_STYLE = "color: #b3261e; font-weight: bold;"  # Today's red for what is overdue


def when_text(at: datetime | None, now: datetime) -> str:
    """“12-08 09:30”, with the year when it is not this one; “never” before a first sync."""
    if at is None:
        return _("never")
    return at.strftime("%m-%d %H:%M" if at.year == now.year else "%Y-%m-%d %H:%M")


class SyncStatusItem(QWidget):
    """“Office sync: last 12-08 09:30 · 5 changes waiting · 2 conflicts”."""

    clicked = Signal()

    def __init__(
        self, store: Callable[[], Store], clock: Callable[[], datetime], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.store = store  # asked each time: a restore replaces the window's store
        self.clock = clock
        self.status: SyncStatus | None = None
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.conflicts_label = QLabel(self)
        self.conflicts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.conflicts_label.setStyleSheet(WARNING_STYLE)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(0)
        row.addWidget(self.label)
        row.addWidget(self.conflicts_label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hide()

    @property
    def checked_out(self) -> bool:
        return self.status is not None and self.status.checked_out

    def refresh(self) -> None:
        from coordinator.sync.state import status

        store = self.store()
        # A checkout is always the laptop's own file; a server's database is never one.
        self.status = None if store.on_server else status(store)
        self.retranslate()

    def retranslate(self) -> None:
        now = self.status
        if now is None or not now.checked_out:
            self.hide()
            return
        parts = [_("Office sync: last {when}").format(when=when_text(now.last_sync, self.clock()))]
        if now.waiting:
            parts.append(
                ngettext("{n} change waiting", "{n} changes waiting", now.waiting).format(
                    n=now.waiting
                )
            )
        else:
            parts.append(_("nothing waiting"))
        # TRANSLATORS: between the parts of the sync status line
        dot = _(" · ")
        self.label.setText(dot.join(parts))
        if now.conflicts:
            self.conflicts_label.setText(
                dot
                + ngettext("{n} conflict", "{n} conflicts", now.conflicts).format(n=now.conflicts)
            )
            self.conflicts_label.show()
        else:
            self.conflicts_label.setText("")
            self.conflicts_label.hide()
        office = now.office or _("the office")
        self.setToolTip(
            _("Synced with {office}. Click to see the conflicts to settle.").format(office=office)
        )
        self.show()

    def text(self) -> str:
        """The line as shown (read by tests)."""
        shown = self.label.text()
        if self.conflicts_label.isVisibleTo(self):
            shown += self.conflicts_label.text()
        return shown

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)
