"""Reminders while the app runs: a tray notification when a follow-up or a step falls
due, and a list of what is due with Snooze and Done.

:class:`ReminderCentre` polls :class:`~coordinator.queries.reminders.ReminderWatch` every 30
seconds and emits :attr:`ReminderCentre.reminder_due` once per newly due item (again
only when its due time moves, or a snooze ends). The tray balloon is skipped where
there is no system tray (a bare X session, the offscreen platform); the signal is
emitted all the same, so Today and the list still show it.

Snoozing a follow-up moves its due time in the database (the promise moves); snoozing a
department's step only quiets it in this run: its due time is the department's, not
the officer's, to move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedLayout,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.formatting import short_datetime
from coordinator.i18n import N_, _, ngettext
from coordinator.kinds import ReminderKind
from coordinator.paths import RESOURCES_DIR
from coordinator.queries import reminders
from coordinator.queries.reminders import Reminder, ReminderWatch
from coordinator.services import reminders as reminder_service
from coordinator.store.changes import ChangeKind, ChangeSet, Outcome
from coordinator.store.storage import ServerUnavailableError, Store
from ui.hub import Hub
from ui.widgets.rows_model import ItemsModel
from ui.widgets.tables import set_up_table

Index = QModelIndex | QPersistentModelIndex

POLL_MS = 30_000
FIRST_POLL_MS = 2_000
"""The first look after start: once the window has painted, not before."""
BALLOON_MS = 10_000
BALLOON_LINES = 3
LIST_LIMIT = 200
"""The list shows this many due reminders at most, the earliest due first."""
EPOCH = datetime(1970, 1, 1)
"""The list looks back to here: a promise forgotten for months is still due."""
TOMORROW_AT = time(9, 0)

SNOOZE_15_MIN = "15min"
SNOOZE_WORKING_HOUR = "1h"
SNOOZE_TOMORROW = "tomorrow"
SNOOZE_CHOICES = (SNOOZE_15_MIN, SNOOZE_WORKING_HOUR, SNOOZE_TOMORROW)


def _snooze_label(choice: str) -> str:
    return {
        SNOOZE_15_MIN: _("For 15 minutes"),
        SNOOZE_WORKING_HOUR: _("For 1 working hour"),
        SNOOZE_TOMORROW: _("Until tomorrow 9:00"),
    }[choice]


def _kind_label(kind: ReminderKind) -> str:
    return _("Follow-up") if kind is ReminderKind.FOLLOW_UP else _("Step")


def _open_kind(kind: ReminderKind) -> ChangeKind:
    return ChangeKind.COMMUNICATION if kind is ReminderKind.FOLLOW_UP else ChangeKind.ACTION


def _one_line(item: Reminder) -> str:
    case = f" ({item.case_reference})" if item.case_reference else ""
    return f"{item.who}: {item.title}{case}" if item.title else f"{item.who}{case}"


# -- the tray icon ----------------------------------------------------------------------------


class TrayIcon(QSystemTrayIcon):
    """The app's tray icon and its menu; the main window connects the three requests.

    A click on the icon asks for the window too.
    """

    quick_log_requested = Signal()
    show_window_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(QIcon(str(RESOURCES_DIR / "icons" / "app.svg")), parent)
        # A tray icon is no widget: the menu has no parent and lives as long as the icon.
        self.menu = QMenu()
        self.quick_log_action = QAction(self.menu)
        self.show_window_action = QAction(self.menu)
        self.quit_action = QAction(self.menu)
        self.menu.addAction(self.quick_log_action)
        self.menu.addAction(self.show_window_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.quick_log_action.triggered.connect(self.quick_log_requested)
        self.show_window_action.triggered.connect(self.show_window_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.activated.connect(self._activated)
        self.setContextMenu(self.menu)
        self.retranslate()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_window_requested.emit()

    def retranslate(self) -> None:
        self.setToolTip(_("Liaison Hub"))
        self.quick_log_action.setText(_("Quick log…"))
        self.show_window_action.setText(_("Show window"))
        self.quit_action.setText(_("Quit"))


def tray_icon(parent: QObject | None = None) -> TrayIcon:
    """The tray icon with its menu (Quick log, Show window, Quit), shown if the desktop
    has a tray. Pass it to :meth:`ReminderCentre.set_tray` for the balloons."""
    icon = TrayIcon(parent)
    if QSystemTrayIcon.isSystemTrayAvailable():
        icon.show()
    return icon


# -- the centre -------------------------------------------------------------------------------


class ReminderCentre(QObject):
    """Polls for reminders falling due; announces each once per run."""

    reminder_due = Signal(object)  # a coordinator.queries.reminders.Reminder
    changed = Signal()
    """What is due may have changed (a poll found something, a snooze, a done)."""

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QObject | None = None,
        *,
        since: datetime | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        # From the start of today: what fell due this morning before the app was opened
        # is announced too (older items are in the list, not in a burst of balloons).
        start = since or datetime.combine(clock().date(), time.min)
        self.watch = ReminderWatch(start)
        self.tray: QSystemTrayIcon | None = None
        self.balloons = 0  # balloons shown (for tests and the status bar)
        self._last_balloon: list[Reminder] = []
        self._quiet_actions: dict[int, datetime] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        QTimer.singleShot(FIRST_POLL_MS, self, self.poll)

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        if self.tray is not None:
            self.tray.messageClicked.disconnect(self._balloon_clicked)
        self.tray = tray
        if tray is not None:
            tray.messageClicked.connect(self._balloon_clicked)

    def poll(self) -> list[Reminder]:
        """Look now; emits :attr:`reminder_due` for each newly due item and returns them."""
        try:
            fresh = self.watch.poll(self.store, self.clock())
        except ServerUnavailableError:
            return []  # the status bar says the server is gone; the next look catches up
        for item in fresh:
            self.reminder_due.emit(item)
        if fresh:
            self._balloon(fresh)
            self.changed.emit()
        return fresh

    def _balloon(self, items: Sequence[Reminder]) -> None:
        tray = self.tray
        if tray is None or not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if len(items) == 1:
            item = items[0]
            title = (
                _("Follow-up due: {who}").format(who=item.who)
                if item.kind is ReminderKind.FOLLOW_UP
                else _("Step due: {department}").format(department=item.who)
            )
            body = item.title
            if item.case_reference:
                body = f"{item.case_reference} · {body}" if body else item.case_reference
        else:
            title = ngettext("{n} reminder due", "{n} reminders due", len(items)).format(
                n=len(items)
            )
            lines = [_one_line(i) for i in items[:BALLOON_LINES]]
            if len(items) > BALLOON_LINES:
                lines.append(_("and {n} more").format(n=len(items) - BALLOON_LINES))
            body = "\n".join(lines)
        self._last_balloon = list(items)
        tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, BALLOON_MS)
        self.balloons += 1

    def _balloon_clicked(self) -> None:
        """Show the window, and the item when the balloon was about one."""
        if isinstance(self.tray, TrayIcon):
            self.tray.show_window_requested.emit()
        if len(self._last_balloon) == 1:
            item = self._last_balloon[0]
            self.hub.request_open(_open_kind(item.kind), item.item_id)

    # -- what is due, snooze and done ----------------------------------------------------------

    def due(self) -> list[Reminder]:
        """Everything due now and not done, the earliest first, without quieted steps."""
        now = self.clock()
        items = reminders.due_between(self.store, EPOCH, now, limit=LIST_LIMIT)
        for ident, until in list(self._quiet_actions.items()):
            if until <= now:
                del self._quiet_actions[ident]
        return [
            i
            for i in items
            if not (i.kind is ReminderKind.ACTION and i.item_id in self._quiet_actions)
        ]

    def snooze_until(self, choice: str, now: datetime | None = None) -> datetime:
        moment = now or self.clock()
        if choice == SNOOZE_15_MIN:
            return moment + timedelta(minutes=15)
        if choice == SNOOZE_WORKING_HOUR:
            return self.store.calendar().add_working_hours(moment, 1)
        if choice == SNOOZE_TOMORROW:
            return datetime.combine(moment.date() + timedelta(days=1), TOMORROW_AT)
        raise ValueError(f"unknown snooze choice {choice!r}")

    def snooze(self, item: Reminder, until: datetime, widget: QWidget | None = None) -> bool:
        """A follow-up moves to ``until``; a step is quiet until then. False if refused."""
        if item.kind is ReminderKind.FOLLOW_UP:
            if self.hub.call(widget, reminder_service.snooze, item.item_id, until) is None:
                return False
        else:
            self._quiet_actions[item.item_id] = until
        self.watch.snooze(item, until)
        self.changed.emit()
        return True

    def done(self, item: Reminder, widget: QWidget | None = None) -> bool:
        if self.hub.call(widget, _mark_done, item) is None:
            return False
        self.changed.emit()
        return True


def _mark_done(store: Store, item: Reminder) -> Outcome[object]:
    """Mark a reminded item done, with one result type (a follow-up's or a step's record)."""
    outcome = reminder_service.done(store, item.kind, item.item_id)
    return Outcome(outcome.value, outcome.changes)


# -- the list -----------------------------------------------------------------------------------

COL_DUE, COL_KIND, COL_WHO, COL_WHAT, COL_CASE = range(5)
COLUMN_COUNT = 5


class RemindersModel(ItemsModel[Reminder]):
    """Due reminders (a bounded list: at most ``LIST_LIMIT``)."""

    def __init__(self, clock: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(
            [N_("Due"), N_("Kind"), N_("Person or department"), N_("Subject"), N_("Case")],
            parent,
        )
        self.clock = clock

    def item(self, row: int) -> Reminder | None:
        return self.item_at(row) if 0 <= row < self.rowCount() else None

    def items(self) -> list[Reminder]:
        return [self.item_at(row) for row in range(self.rowCount())]

    def text(self, item: Reminder, column: int) -> str:
        if column == COL_DUE:
            return short_datetime(item.due, self.clock())
        if column == COL_KIND:
            return _kind_label(item.kind)
        if column == COL_WHO:
            return item.who
        if column == COL_WHAT:
            return item.title
        return item.case_reference or ""

    def tooltip(self, item: Reminder, column: int) -> str | None:
        return item.title if column == COL_WHAT and item.title else None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, COLUMN_COUNT - 1)
            )


class RemindersList(QWidget):
    """What is due now: Enter opens it, D marks it done, S snoozes it (a menu)."""

    def __init__(self, centre: ReminderCentre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.centre = centre
        self.model = RemindersModel(centre.clock, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        # Its columns as wide as their text: the list shares Today's width with another.
        set_up_table(self.table, stretch=COL_WHAT, fit_to_contents=True)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        self.snooze_menu = QMenu(self)
        self.snooze_actions: dict[str, QAction] = {}
        for choice in SNOOZE_CHOICES:
            action = QAction(self.snooze_menu)
            action.triggered.connect(lambda _checked=False, c=choice: self.snooze_selected(c))
            self.snooze_menu.addAction(action)
            self.snooze_actions[choice] = action
        self.snooze_button = QPushButton(self)
        self.snooze_button.setMenu(self.snooze_menu)
        self.done_button = QPushButton(self)
        self.done_button.clicked.connect(self.done_selected)
        self.hint = QLabel(self)
        self.more = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.snooze_button)
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.stack, 1)
        layout.addLayout(buttons)

        self.table.installEventFilter(self)
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        centre.changed.connect(self.refresh)
        centre.hub.changed.connect(self.on_changed)
        self.retranslate()

    def selected(self) -> list[Reminder]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [item for item in (self.model.item(r) for r in rows) if item is not None]

    def refresh(self) -> None:
        current = self.table.currentIndex()
        keep = self.model.item(current.row()) if current.isValid() else None
        items = self.centre.due()
        self.model.set_items(items)
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self.more.setText(
            _("The {n} earliest are shown.").format(n=LIST_LIMIT)
            if len(items) >= LIST_LIMIT
            else ""
        )
        row = 0
        if keep is not None:
            row = next(
                (
                    r
                    for r, i in enumerate(items)
                    if (i.kind, i.item_id) == (keep.kind, keep.item_id)
                ),
                min(current.row(), len(items) - 1),
            )
        if items:
            self.table.selectRow(max(row, 0))
        self._update_buttons()

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(
            ChangeKind.COMMUNICATION,
            ChangeKind.ACTION,
            ChangeKind.CASE,
            ChangeKind.CONTACT,
            ChangeKind.ORGANISATION,
        ):
            self.refresh()

    def snooze_selected(self, choice: str) -> None:
        until = self.centre.snooze_until(choice)
        for item in self.selected():
            if not self.centre.snooze(item, until, self):
                break
        self.table.setFocus()

    def done_selected(self) -> None:
        for item in self.selected():
            if not self.centre.done(item, self):
                break
        self.table.setFocus()

    def _open(self, index: QModelIndex) -> None:
        item = self.model.item(index.row())
        if item is not None:
            self.centre.hub.request_open(_open_kind(item.kind), item.item_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if event.key() == Qt.Key.Key_D:
                self.done_selected()
                return True
            if event.key() == Qt.Key.Key_S and self.selected():
                rect = self.table.visualRect(self.table.currentIndex())
                self.snooze_menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))
                return True
        return super().eventFilter(watched, event)

    def _update_buttons(self, *_args: object) -> None:
        has = bool(self.selected())
        self.snooze_button.setEnabled(has)
        self.done_button.setEnabled(has)

    def retranslate(self) -> None:
        self.snooze_button.setText(_("Snooze"))
        for choice, action in self.snooze_actions.items():
            action.setText(_snooze_label(choice))
        self.done_button.setText(_("Mark done"))
        self.hint.setText(_("Enter: open · S: snooze · D: done"))
        self.empty.setText(
            _(
                "Nothing is due. Follow-ups promised on a call and steps owed by departments "
                "appear here when they fall due."
            )
        )
        self.model.retranslate()
        self.refresh()
