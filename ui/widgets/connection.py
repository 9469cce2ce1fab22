"""The window's side of working with others: their saved changes broadcast on the hub,
and a line in the status bar while the database does not answer.

When the office server stops answering (stopped, cable out), a red line says so; the
screens keep what they show and every unsaved text stays where it is (a save refused
meanwhile says why and keeps the text). When it answers again the line goes and every
screen is read anew.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QStatusBar

from coordinator.i18n import _, current_language
from coordinator.store.changes import ChangeSet
from ui.hub import Hub
from ui.watch import ChangeWatch

if TYPE_CHECKING:
    from coordinator.store.storage import Store


class Connection(QObject):
    def __init__(
        self,
        store: Store,
        hub: Hub,
        status: QStatusBar,
        refresh_all: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.status = status
        self.refresh_all = refresh_all
        self.down = False
        self.label = QLabel(status)
        self.label.setObjectName("server_label")
        self.label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.label.hide()
        status.insertPermanentWidget(0, self.label)
        self.watch = ChangeWatch(store, self)
        self.watch.heard.connect(self._heard)
        self.watch.reachable.connect(self.reachable)
        self.watch.start()

    def stop(self) -> None:
        """Before the store closes."""
        self.watch.stop()

    def drop(self) -> None:
        """The store was replaced: this one goes (a new one watches the new store)."""
        self.watch.stop()
        self.status.removeWidget(self.label)
        self.label.deleteLater()
        self.deleteLater()

    def _heard(self, changes: ChangeSet, officers: tuple[str, ...]) -> None:
        self.hub.broadcast(changes)
        if officers and self.store.on_server:
            names = ("、" if current_language() == "zh_CN" else ", ").join(officers)
            self.status.showMessage(_("Saved just now by {names}").format(names=names), 8000)

    def reachable(self, up: bool) -> None:
        self.down = not up
        self.retranslate()
        if up:
            self.status.showMessage(_("Connected again: everything is read anew."), 8000)
            self.refresh_all()

    def retranslate(self) -> None:
        if not self.down:
            self.label.hide()
            return
        where = _("the office server") if self.store.on_server else _("the database")
        self.label.setText(
            _("No connection to {where}: retrying… nothing you type is lost").format(where=where)
        )
        self.label.show()
