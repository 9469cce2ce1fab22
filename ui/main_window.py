"""The main window: a sidebar of views, the pinned cases, the counts that matter.

The frame (sidebar, menus, status bar) is built and painted before the database layer is
even imported; :meth:`MainWindow.attach` then opens the views on the store. Views are
built the first time they are shown (Today at once), so the window paints quickly on
years of data. Every change a view makes goes out on the hub; the window routes "open
this record" requests to the view that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import NotFoundError
from coordinator.i18n import _
from coordinator.store.changes import ChangeKind, ChangeSet
from ui.hub import Hub
from ui.widgets import status_words
from ui.widgets.schedule_warning import attach_schedule_warning
from ui.window_status import WindowStatus

if TYPE_CHECKING:
    from coordinator.store.storage import Store
    from ui.dialogs.shortcuts import Shortcut
    from ui.quick_log.panel import QuickLogPanel
    from ui.search.panel import SearchPanel
    from ui.views.today import TodayView

USER_ROLE = 0x0100  # Qt.ItemDataRole.UserRole, by value (see the frame's note on Qt)
PINNED_MAX = 9  # one per Ctrl+1 … Ctrl+9 (coordinator.services.settings keeps as many)
REFRESH_MS = 60_000  # working-time clocks move; a minute is the finest unit shown
SAID_MS = 15_000  # what was just done stays in the status bar long enough to read and undo

(
    PAGE_TODAY,
    PAGE_CASES,
    PAGE_COMMUNICATIONS,
    PAGE_INBOX,
    PAGE_ACTIONS,
    PAGE_DOCUMENTS,
    PAGE_CONTACTS,
    PAGE_REPORTS,
) = range(8)
PAGE_COUNT = 8


def _page_titles() -> list[str]:
    return [
        _("Today"),
        _("Cases"),
        _("Communications"),
        _("Unfiled inbox"),
        _("Actions"),
        _("Documents"),
        _("Contacts"),
        _("Reports"),
    ]


class CasesPage(QStackedWidget):
    """The cases list, and one case over it when opened."""

    def __init__(self, store: Store, hub: Hub, clock: Callable[[], datetime], parent: QWidget):
        super().__init__(parent)
        from ui.views.case.view import CaseView
        from ui.views.cases import CasesView

        self.list = CasesView(store, hub, self)
        self.case_view = CaseView(store, hub, clock, self)
        self.addWidget(self.list)
        self.addWidget(self.case_view)
        self.case_view.back_requested.connect(lambda: self.setCurrentWidget(self.list))
        self.list.open_requested.connect(self.open_case)

    def open_case(self, case_id: int) -> None:
        self.case_view.show_case(case_id)
        self.setCurrentWidget(self.case_view)
        self.case_view.tabs.setFocus()

    def refresh(self) -> None:
        """The minute tick: the open case's clock (the list itself follows changes)."""
        self.case_view.refresh_clock()

    def retranslate(self) -> None:
        self.list.refresh()
        self.case_view.retranslate()


class MainWindow(WindowStatus):
    store_replaced = Signal(object)  # the Store opened after a restore or archive import

    def __init__(
        self,
        store: Store | None,
        settings_store: QSettings,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """With ``store`` None only the frame is built, to be shown at once; the
        launcher then opens the data and calls :meth:`attach`."""
        super().__init__(parent)
        self.settings = settings_store
        self.attached = False
        # Made at the first Ctrl+L: the quick log's modules need not load before then.
        self.quick_log_panel: QuickLogPanel | None = None
        self.search_panel: SearchPanel | None = None  # made at the first Ctrl+K, likewise
        self.sidebar = QListWidget(self)
        self.pinned_label = QLabel(self)
        self.pinned = QListWidget(self)
        self.pinned.itemActivated.connect(self._pinned_activated)
        self.pinned.itemClicked.connect(self._pinned_activated)
        # The sidebar is narrow: a long title wraps onto more lines rather than being cut.
        self.pinned.setWordWrap(True)
        side = QWidget(self)
        side.setFixedWidth(190)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 4, 0, 4)
        side_layout.addWidget(self.sidebar, 3)
        side_layout.addWidget(self.pinned_label)
        side_layout.addWidget(self.pinned, 2)
        self.stack = QStackedWidget(self)
        self._pages: dict[int, Any] = {}
        # Centred by stretches, not an alignment flag: the first use of PySide6's Qt
        # namespace builds all its enums (~15 ms), which the first frame can do without.
        opening = QWidget(self)
        self.opening_label = QLabel(opening)
        rows = QVBoxLayout(opening)
        rows.addStretch(1)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(self.opening_label)
        middle.addStretch(1)
        rows.addLayout(middle)
        rows.addStretch(1)
        self.opening: QWidget | None = opening  # until Today takes its place
        self.stack.addWidget(opening)
        for _page in range(1, PAGE_COUNT):
            self.stack.addWidget(QWidget(self))  # built when first shown
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(side)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_status_bar()
        self.sidebar_counts: dict[int, int] = {}  # page -> the count beside its entry
        self._build_menus(PAGE_COUNT, PINNED_MAX)
        self._retranslate_frame()
        self.sidebar.setCurrentRow(PAGE_TODAY)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        geometry = settings_store.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        if store is None:
            self.menuBar().setEnabled(False)  # nothing to act on until the data is open
            central.setEnabled(False)
        else:
            self.attach(store, clock)

    def attach(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        """Open the views on ``store``: Today at once, the others when first shown."""
        from ui.hub import Hub
        from ui.views.today import TodayView

        self.store = store
        self.clock = clock or store.clock
        self.hub = Hub(store, self)
        self.today: TodayView = TodayView(store, self.hub, self.clock, self)
        self._install(PAGE_TODAY, self.today)
        self.schedule_warning = attach_schedule_warning(
            self.today, self.hub, self.clock, self.edit_calendar
        )
        self.hub.changed.connect(self.on_changed)
        self.hub.open_requested.connect(self.open_record)
        self.hub.said.connect(lambda text: self.statusBar().showMessage(text, SAID_MS))
        self.hub.undo_changed.connect(self.show_undo)
        self.sidebar.currentRowChanged.connect(self.show_page)
        self._start_reminders()
        from ui.dialogs.safety_actions import SafetyActions

        self.safety = SafetyActions(
            self, lambda: self.store, self.close_store, self.reopen_store, auto_backup=False
        )
        self.data_menu.addActions(self.safety.menu_actions())
        self.data_menu.addSeparator()
        self.data_menu.addAction(self.calendar_action)
        self.data_menu.addAction(self.workplace_action)
        self.data_menu.addAction(self.sync_conflicts_action)
        from ui.dialogs.sync_actions import SyncActions

        self.sync_actions = SyncActions(
            self, self.hub, lambda: self.store, self.safety, self.show_sync_conflicts
        )
        self.sync_actions.add_to(self.data_menu)
        self.safety.auto_backup.start()  # every few hours of use, off the GUI thread
        self._attach_status_bar()
        self.attached = True
        self.menuBar().setEnabled(True)
        central = self.centralWidget()
        if central is not None:
            central.setEnabled(True)
        self.retranslate()
        self.show_page(max(self.sidebar.currentRow(), PAGE_TODAY))
        self.timer.start(REFRESH_MS)

    # -- pages -----------------------------------------------------------------------

    def page(self, index: int) -> Any:
        """The view of a sidebar entry, built now if it was not yet."""
        view = self._pages.get(index)
        if view is not None:
            return view
        view = self._build_page(index)
        self._install(index, view)
        return view

    def _install(self, index: int, view: QWidget) -> None:
        self._pages[index] = view
        placeholder = self.stack.widget(index)
        self.stack.insertWidget(index, view)
        if placeholder is not None:
            if placeholder is self.opening:
                self.opening = None
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()

    def _build_page(self, index: int) -> QWidget:
        store, hub, clock = self.store, self.hub, self.clock
        if index == PAGE_CASES:
            return CasesPage(store, hub, clock, self)
        if index == PAGE_COMMUNICATIONS:
            from ui.views.communications import CommunicationsView

            return CommunicationsView(store, hub, self)
        if index == PAGE_INBOX:
            from ui.views.inbox import InboxView

            return InboxView(store, hub, clock, self)
        if index == PAGE_ACTIONS:
            from ui.views.actions import ActionsView

            return ActionsView(store, hub, clock, self)
        if index == PAGE_DOCUMENTS:
            from ui.views.documents import DocumentsView

            return DocumentsView(store, hub, clock, self)
        if index == PAGE_CONTACTS:
            from ui.views.contacts.view import ContactsView

            return ContactsView(store, hub, self)
        if index == PAGE_REPORTS:
            from ui.views.reports import ReportsView

            return ReportsView(store, self, hub=hub)
        raise ValueError(index)

    def show_page(self, index: int) -> None:
        if not 0 <= index < PAGE_COUNT:
            return
        self.page(index)
        self.stack.setCurrentIndex(index)
        if self.sidebar.currentRow() != index:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(index)
            self.sidebar.blockSignals(False)

    @property
    def cases_page(self) -> CasesPage:
        page = self.page(PAGE_CASES)
        assert isinstance(page, CasesPage)
        return page

    @property
    def cases(self) -> Any:
        return self.cases_page.list

    @property
    def case_view(self) -> Any:
        return self.cases_page.case_view

    @property
    def communications(self) -> Any:
        return self.page(PAGE_COMMUNICATIONS)

    @property
    def inbox(self) -> Any:
        return self.page(PAGE_INBOX)

    @property
    def actions_view(self) -> Any:
        return self.page(PAGE_ACTIONS)

    @property
    def documents_view(self) -> Any:
        return self.page(PAGE_DOCUMENTS)

    @property
    def contacts(self) -> Any:
        return self.page(PAGE_CONTACTS)

    @property
    def reports(self) -> Any:
        return self.page(PAGE_REPORTS)

    # -- menus -----------------------------------------------------------------------

    def retranslate(self) -> None:
        """Every visible text again, in the current language (views keep their state)."""
        self._retranslate_frame()
        status_words.retranslate(self.statusBar())
        if not self.attached:
            return
        for index, view in self._pages.items():
            if index != PAGE_TODAY and hasattr(view, "retranslate"):
                view.retranslate()
        self.reminders_list.retranslate()
        self.tray.retranslate()
        if self.quick_log_panel is not None:
            self.quick_log_panel.retranslate()
        self.refresh()

    def _retranslate_frame(self) -> None:
        self.setWindowTitle(self.window_title())
        if self.attached:
            self.connection.retranslate()
        self.data_menu.setTitle(_("&Data"))
        self.workplace_action.setText(_("Your &name and office server…"))
        self.calendar_action.setText(_("Working &calendar: holidays…"))
        self.sync_conflicts_action.setText(_("S&ync conflicts…"))
        if self.attached:
            self.schedule_warning.retranslate()
        if self.attached:
            self.safety.retranslate()
            self.sync_actions.retranslate()
        if self.opening is not None:
            self.opening_label.setText(_("Opening your data…"))
        self._retranslate_menus(_page_titles())
        for n, action in enumerate(self.pinned_actions, start=1):
            action.setText(_("Open pinned case {n}").format(n=n))
        self.pinned_label.setText(_("Pinned cases (Ctrl+1…9)"))
        row = max(self.sidebar.currentRow(), 0)
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        self.sidebar.addItems(_page_titles())
        self.sidebar.setCurrentRow(row)
        self.sidebar.blockSignals(False)
        self._show_sidebar_counts()

    def _show_sidebar_counts(self) -> None:
        """Beside Today the overdue steps (red), beside the inbox the unfiled calls."""
        from ui.widgets.sidebar_counts import show_counts

        if self.sidebar_counts:  # none in the frame, before the data is open
            show_counts(self.sidebar, _page_titles(), self.sidebar_counts, PAGE_TODAY, PAGE_INBOX)

    # -- refreshing ------------------------------------------------------------------

    def refresh(self) -> None:
        """The minute tick: clocks, counts and the bounded lists (never a long list)."""
        counts = self.today.refresh()
        for index in (PAGE_CASES, PAGE_REPORTS):
            view = self._pages.get(index)
            if view is not None:
                view.refresh()
        for index in (PAGE_ACTIONS, PAGE_DOCUMENTS):
            view = self._pages.get(index)
            if view is not None:
                view.tick()  # working times move; rows, selection and scroll stay
        self._refresh_pinned()
        self.sidebar_counts = {
            PAGE_TODAY: counts.overdue_actions,
            PAGE_INBOX: counts.unfiled_communications,
        }
        self._show_sidebar_counts()
        self._refresh_sync()
        self._show_counts(counts)

    def _tick(self) -> None:
        from coordinator.store.storage import ServerUnavailableError

        try:
            self.refresh()
        except ServerUnavailableError:
            self.connection.watch.noticed_down()  # the screens keep what they show

    def refresh_all(self) -> None:
        """F5: everything again, the long lists included."""
        self.refresh()
        for index, view in self._pages.items():
            if index not in (PAGE_TODAY, PAGE_CASES, PAGE_REPORTS) and hasattr(view, "refresh"):
                view.refresh()

    def on_changed(self, changes: ChangeSet) -> None:
        """Today, the counts and the pinned list follow every change; the other views
        listen to the hub themselves and refresh only their affected rows."""
        if changes.touches(
            ChangeKind.ACTION,
            ChangeKind.DOCUMENT,
            ChangeKind.COMMUNICATION,
            ChangeKind.CASE,
            ChangeKind.CALENDAR,
        ):
            self.refresh()
        else:
            self._refresh_sync()  # any change waits to be sent; a settled conflict is one
            if changes.touches(ChangeKind.SETTING):
                self._refresh_pinned()
        cases_page = self._pages.get(PAGE_CASES)
        if cases_page is not None:
            if changes.touches(ChangeKind.CASE):
                cases_page.list.on_cases_changed(changes.ids_of(ChangeKind.CASE))
            elif changes.touches(ChangeKind.ORGANISATION):
                cases_page.list.model.refresh_cached()

    def _refresh_pinned(self) -> None:
        from coordinator.queries import cases as case_queries
        from coordinator.queries import settings as setting_queries

        ids = setting_queries.pinned_cases(self.store)
        self.pinned.clear()
        for n, case_id in enumerate(ids, start=1):
            try:
                case = case_queries.get(self.store, case_id)
            except NotFoundError:
                continue
            item = QListWidgetItem(f"{n}  {case.reference}\n    {case.title}")
            item.setData(USER_ROLE, case_id)
            item.setToolTip(f"{case.reference} · {case.title} · {case.company_name}")
            self.pinned.addItem(item)

    # -- opening records -------------------------------------------------------------

    def _pinned_activated(self, item: QListWidgetItem) -> None:
        self.open_record(ChangeKind.CASE, int(item.data(USER_ROLE)))

    def open_pinned(self, n: int) -> None:
        item = self.pinned.item(n)
        if item is not None:
            self._pinned_activated(item)

    def open_record(self, what: str, ident: int) -> None:
        from coordinator.queries import actions as action_queries
        from coordinator.queries import documents as document_queries

        try:
            if what == ChangeKind.CASE:
                self.show_page(PAGE_CASES)
                self.cases_page.open_case(ident)
            elif what in (ChangeKind.ACTION, ChangeKind.DOCUMENT):
                case_id = (
                    action_queries.get(self.store, ident).case_id
                    if what == ChangeKind.ACTION
                    else document_queries.get(self.store, ident).case_id
                )
                self.show_page(PAGE_CASES)
                self.cases_page.open_case(case_id)
                self.cases_page.case_view.select(what, ident)
            elif what == ChangeKind.COMMUNICATION:
                self.show_page(PAGE_COMMUNICATIONS)
                self.communications.select(ident)
            elif what in (ChangeKind.CONTACT, ChangeKind.ORGANISATION):
                self.show_page(PAGE_CONTACTS)
                self.contacts.select(what, ident)
        except NotFoundError as exc:
            self.hub.show_error(self, exc.message())

    def _start_reminders(self) -> None:
        """Due follow-ups and steps: a list on Today (snooze, done) and a tray balloon."""
        from ui.views.reminders import ReminderCentre, RemindersList, tray_icon

        self.reminders = ReminderCentre(self.store, self.hub, self.clock, self)
        self.reminders_list = RemindersList(self.reminders, self)
        self.today.add_reminders(self.reminders_list)
        if not hasattr(self, "tray"):
            self.tray = tray_icon(self)
            self.tray.show_window_requested.connect(self.bring_to_front)
            self.tray.quick_log_requested.connect(self.quick_log)
            self.tray.quit_requested.connect(self.close)
        self.reminders.set_tray(self.tray)

    # -- a restore or an archive import replaces the database -------------------------

    def close_store(self) -> None:
        """Before a restore or import: nothing may read the store while it is replaced."""
        self.timer.stop()
        self.reminders.timer.stop()
        self.hub.drop_foresight()
        self.connection.stop()
        self.store.close()

    def reopen_store(self) -> None:
        """After it (worked or not): a new Store, and every view built again on it."""
        from coordinator.safety.opening import open_store
        from ui.dialogs.recovery import prepare_with_progress
        from ui.views.today import TodayView

        # A backup from before the search index: it is built with progress first.
        prepare_with_progress(self.store.data_dir, self)
        store = open_store(self.store.data_dir)
        current = self.stack.currentIndex()
        for index, view in list(self._pages.items()):
            placeholder = QWidget(self)
            self.stack.insertWidget(index, placeholder)
            self.stack.removeWidget(view)
            view.deleteLater()
        self._pages.clear()
        panel = self.quick_log_panel
        if panel is not None:  # it holds the old store; a new one is made on Ctrl+L
            panel.hide()
            panel.deleteLater()
            self.quick_log_panel = None
        if self.search_panel is not None:
            self.search_panel.set_store(store)
        self.reminders.deleteLater()
        self.store = store
        self.hub.store = store  # the hub (and every connection to it) stays
        self.hub.forget_undo()
        self.today = TodayView(store, self.hub, self.clock, self)
        self._install(PAGE_TODAY, self.today)
        self.schedule_warning = attach_schedule_warning(
            self.today, self.hub, self.clock, self.edit_calendar
        )
        self._start_reminders()
        self.connection.drop()
        self._watch_changes()
        self.retranslate()
        self.show_page(current)
        self.timer.start(REFRESH_MS)
        self.store_replaced.emit(store)

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def quick_log(self) -> QuickLogPanel:
        """Ctrl+L from anywhere (and the tray): log the call that is ringing now.

        The same panel every time (made the first time), ready to type: a half-typed log
        is still in it. A saved log says so in the status bar.
        """
        panel = self.quick_log_panel
        if panel is None:
            from ui.quick_log.panel import QuickLogPanel

            panel = QuickLogPanel(self.store, self.hub, self.clock, self, settings=self.settings)
            status = self.statusBar()
            panel.logged.connect(lambda _ident, text: status.showMessage(text, 8000))
            self.quick_log_panel = panel
        panel.open_panel()
        return panel

    def search(self, text: str | None = None) -> SearchPanel | None:
        """Ctrl+K from anywhere: the search panel, the last query selected (or ``text``)."""
        if not self.attached:
            return None
        panel = self.search_panel
        if panel is None:
            from ui.search.panel import SearchPanel

            panel = SearchPanel(self.store, self.hub, self.settings, self)
            self.search_panel = panel
        panel.open_panel(text)
        return panel

    def _search_box_typed(self, text: str) -> None:
        self.search_box.clear()
        self.search(text or None)

    def import_contacts(self) -> None:
        from ui.dialogs.import_contacts import ImportContactsDialog

        ImportContactsDialog(self.store, self.hub, self).exec()

    def export_list(self) -> None:
        """Ctrl+E: the list on screen, as it is filtered and sorted, to Excel or CSV."""
        from ui.window_lists import export_list

        index = self.stack.currentIndex()
        if self.attached:  # Today and Reports show no list to export
            page = None if index in (PAGE_TODAY, PAGE_REPORTS) else self._pages.get(index)
            export_list(self, page, _page_titles()[index])

    def shortcut_list(self) -> list[Shortcut]:
        """Every key of the app, every screen built first so that none is missing."""
        from ui.dialogs.shortcuts import shortcuts_of

        groups: list[tuple[str, QObject]] = []
        if self.attached:
            groups = [(title, self.page(i)) for i, title in enumerate(_page_titles())]
            panels = ((_("Quick log"), self.quick_log_panel), (_("Search"), self.search_panel))
            groups += [(name, panel) for name, panel in panels if panel is not None]
        return shortcuts_of(self, groups, _("Everywhere"))

    def edit_calendar(self, year: int | None = None) -> None:
        """Data ▸ Working calendar: a year's holidays (the warning on Today opens its year)."""
        from ui.dialogs.calendar import CalendarDialog

        CalendarDialog(self.hub, self.clock, self, year).exec()

    def undo(self) -> None:
        """Ctrl+Z: the last status change, filing or deletion, whichever screen made it."""
        self.hub.undo(self)

    def show_undo(self) -> None:
        hub: Hub | None = getattr(self, "hub", None)  # none until the data is open
        stack = hub.undo_stack if hub is not None else []
        self.undo_action.setEnabled(bool(stack))
        self.undo_action.setText(_("&Undo"))
        self.undo_action.setToolTip(
            _("Undo: {what}").format(what=stack[-1].said) if stack else _("Nothing to undo.")
        )

    def about(self) -> None:
        from ui.dialogs.about import AboutDialog

        store = self.store
        AboutDialog(
            store.data_dir,
            self,
            officer=store.officer,
            server=store.where if store.on_server else None,
        ).exec()

    def new_case(self) -> None:
        from ui.dialogs.new_case import open_new_case

        created = open_new_case(self.store, self.hub, self)
        if created is not None:
            self.open_record(ChangeKind.CASE, created.id)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
