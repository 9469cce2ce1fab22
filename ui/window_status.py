"""The main window's status bar and what feeds it: the day's counts, the watch on other
officers and the office server, a laptop's sync line and its conflicts, and Data ▸ Your
name and office server…, which changes who signs and where the data lives (the window's
title says both). Apart from :mod:`ui.main_window`, which keeps the pages and the store,
so that each stays small enough to read. :class:`ui.main_window.MainWindow` is one of
these: the attributes and methods declared below are its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from coordinator.i18n import _
from ui.widgets import status_words
from ui.window_menus import WindowMenus

if TYPE_CHECKING:
    from coordinator.queries.dashboard import DashboardCounts
    from coordinator.store.storage import Store
    from ui.dialogs.sync_conflicts import SyncConflictsDialog
    from ui.hub import Hub
    from ui.widgets.connection import Connection
    from ui.widgets.sync_status import SyncStatusItem


class WindowStatus(WindowMenus):
    store: Store
    hub: Hub
    clock: Callable[[], datetime]
    attached: bool
    connection: Connection
    sync_status: SyncStatusItem

    def _build_status_bar(self) -> None:
        """The frame's part: the counts, empty until the data is open."""
        self.counts_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.counts_label)

    def _attach_status_bar(self) -> None:
        """Once the data is open: the watch on others' changes, then the sync line."""
        self._watch_changes()
        from ui.widgets.sync_status import SyncStatusItem

        self.sync_status = SyncStatusItem(lambda: self.store, lambda: self.clock(), self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.sync_status.clicked.connect(self.show_sync_conflicts)

    def _show_counts(self, counts: DashboardCounts) -> None:
        self.counts_label.setText(
            _(
                "Overdue: {overdue}   Due today: {today}   Follow-ups: {follow_ups}   "
                "Unfiled: {unfiled}"
            ).format(
                overdue=counts.overdue_actions,
                today=counts.actions_due_today,
                follow_ups=counts.open_follow_ups,
                unfiled=counts.unfiled_communications,
            )
        )

    # -- other officers and the office server -----------------------------------------

    def _watch_changes(self) -> None:
        from ui.widgets.connection import Connection

        self.connection = Connection(self.store, self.hub, self.statusBar(), self.refresh_all, self)

    def change_workplace(self) -> None:
        """Data ▸ Your name and office server…: a new name signs from now on; another
        database is moved to at once (the old store closed, the new one opened)."""
        from ui.dialogs.workplace import WorkplaceDialog

        dialog = WorkplaceDialog(self.store.data_dir, self)
        if dialog.exec() != WorkplaceDialog.DialogCode.Accepted or dialog.chosen is None:
            return
        self.store.officer = dialog.chosen.officer
        from coordinator.store.local_settings import configured_url

        if configured_url(self.store.data_dir) != (
            None if self.store.uses_data_dir_database else self.store.url
        ):
            self.close_store()
            self.reopen_store()
        self._retranslate_frame()
        store = self.store
        status_words.say(
            self.statusBar(),
            lambda: _("Working as {name} on {where}.").format(
                name=store.officer, where=store.where
            ),
            8000,
        )

    def window_title(self) -> str:
        """The app, the officer working, and on the office server where its data lives."""
        parts = [_("Liaison Hub")]
        store: Store | None = getattr(self, "store", None)
        if store is not None and store.officer:
            parts.append(store.officer)
        if store is not None and store.on_server:
            parts.append(_("office server {where}").format(where=store.where))
        return " — ".join(parts)

    # -- a laptop's checkout of the office's data ---------------------------------------

    def _refresh_sync(self) -> None:
        """The checkout's line: last sync, changes waiting, conflicts (two counts)."""
        self.sync_status.refresh()
        self.sync_conflicts_action.setEnabled(self.sync_status.checked_out)

    def show_sync_conflicts(self) -> SyncConflictsDialog | None:
        """Data ▸ Sync conflicts… (and a click on the sync line): settle them side by side."""
        from ui.dialogs.sync_conflicts import SyncConflictsDialog

        if not self.attached or not self.sync_status.checked_out:
            return None
        dialog = SyncConflictsDialog(self.hub, self)
        dialog.settled.connect(self._refresh_sync)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- the main window's own ---------------------------------------------------------

    def _retranslate_frame(self) -> None:
        raise NotImplementedError

    def close_store(self) -> None:
        raise NotImplementedError

    def reopen_store(self) -> None:
        raise NotImplementedError
