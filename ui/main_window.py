"""The main window: a sidebar of views, the views, and the counts that matter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from coordinator.i18n import _, current_language
from coordinator.storage import Store
from ui.cases_view import CasesView
from ui.communications_view import CommunicationsView
from ui.reports_view import ReportsView
from ui.today import TodayView

REFRESH_MS = 60_000  # working-time clocks move; a minute is the finest unit shown


class MainWindow(QMainWindow):
    language_requested = Signal(str)

    def __init__(
        self,
        store: Store,
        settings: QSettings,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.clock = clock or store.clock
        self.sidebar = QListWidget(self)
        self.sidebar.setFixedWidth(160)
        self.stack = QStackedWidget(self)
        self.today = TodayView(store, self.clock, self)
        self.cases = CasesView(store, self)
        self.communications = CommunicationsView(store, self)
        self.reports = ReportsView(store, self)
        self.stack.addWidget(self.today)
        self.stack.addWidget(self.cases)
        self.stack.addWidget(self.communications)
        self.stack.addWidget(self.reports)
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.counts_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.counts_label)
        self._build_menus()
        self.retranslate()
        self.sidebar.setCurrentRow(0)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)

    def _build_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("")
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.view_menu = self.menuBar().addMenu("")
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh_all)
        self.view_menu.addAction(self.refresh_action)
        self.language_menu = self.view_menu.addMenu("")
        self.chinese_action = QAction("中文", self, checkable=True)
        self.english_action = QAction("English", self, checkable=True)
        self.chinese_action.triggered.connect(lambda: self.language_requested.emit("zh_CN"))
        self.english_action.triggered.connect(lambda: self.language_requested.emit("en"))
        self.language_menu.addAction(self.chinese_action)
        self.language_menu.addAction(self.english_action)

    def retranslate(self) -> None:
        """Every visible text again, in the current language (views keep their state)."""
        self.setWindowTitle(_("Liaison Hub"))
        self.file_menu.setTitle(_("&File"))
        self.quit_action.setText(_("&Quit"))
        self.view_menu.setTitle(_("&View"))
        self.refresh_action.setText(_("&Refresh"))
        self.language_menu.setTitle(_("&Language"))
        self.chinese_action.setChecked(current_language() == "zh_CN")
        self.english_action.setChecked(current_language() == "en")
        row = max(self.sidebar.currentRow(), 0)
        self.sidebar.clear()
        self.sidebar.addItems([_("Today"), _("Cases"), _("Communications"), _("Reports")])
        self.communications.retranslate()
        self.sidebar.setCurrentRow(row)
        self.refresh()

    def refresh(self) -> None:
        counts = self.today.refresh()
        self.cases.refresh()
        self.reports.refresh()
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

    def refresh_all(self) -> None:
        """F5: everything again, the long communications list included (the minute timer
        only moves the clocks and counts, so it never resets a list under the officer)."""
        self.refresh()
        self.communications.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
