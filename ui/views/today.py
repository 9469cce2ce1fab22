"""Today: what needs the officer now — overdue and due steps, the steps likely to be
late, follow-ups, the unfiled inbox, documents waiting on someone, and the fast-track
cases' clocks.

"Likely late" is the warning before "overdue": a step due in the next few working days
whose forecast (its department's own history) finishes after its due time. The
candidates are read in SQL, their cases' forecasts worked out for them only.

Enter or a double-click on a row opens what it refers to.

The page is read at a glance, in one screen: every heading carries its count, a list that
is empty is one line saying so, and no list scrolls inside the page. A list shows as many
of its first rows as the window has room for (at least
:data:`ui.views.today_sections.MIN_ROWS`; a taller window
shows more), then "N more…", which shows the rest in place; the page scrolls only then,
or when the window is too small for even the first few rows of each. On a wide page the
steps' lists (overdue, due, likely late, fast-track) take the full width and the other
four share two columns below them. What is late is red: overdue steps and a fast-track
case past its promise or its normal duration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import short_datetime, working_duration
from coordinator.i18n import _
from coordinator.labels import ACTION_STATUS, CHANNEL, DOCUMENT_STATE, cap
from coordinator.queries import dashboard
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.today_sections import SECTION_SPACING, ListSection, Rows, Section, share_rows
from ui.widgets.forecast_text import is_likely_late

if TYPE_CHECKING:
    from ui.views.reminders import RemindersList

FAST_TRACK_SHOWN = 12
OVERDUE_COLUMNS = frozenset({4, 5})  # an overdue step's due time and how long it is over
DOCUMENT_WAITING_COLUMN = 4
FAST_TRACK_PROMISED_COLUMN = 4  # then the normal duration

TWO_COLUMNS_EMS = 58
"""The page's width, in character heights, from which the lists other than the steps' sit
in two columns (a window 1280 pixels wide beside the sidebar)."""

COLUMN_GAP = 18


def _step_cells(a: dashboard.ActionItem, now: datetime) -> tuple[str, ...]:
    """The cells every list of steps on Today begins with: case, department, step,
    status, due."""
    return (
        a.case_reference,
        a.department_name,
        a.title,
        cap(ACTION_STATUS[a.status]),
        short_datetime(a.due_at, now),
    )


def _after_due(seconds: int, per_day: int) -> str:
    """How far after its due time a step is expected: a due time out of hours and a
    finish at the next opening are no working time apart, yet the step is late."""
    if seconds < 60:
        return _("just after due")
    return _("{time} after due").format(time=working_duration(seconds, per_day))


class TodayView(QScrollArea):
    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self.setWidgetResizable(True)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(SECTION_SPACING)
        self.body_layout = layout  # the schedule's warning goes at its top
        # The steps across the page, the rest in two columns below them on a wide page.
        self.across = QVBoxLayout()
        self.left = QVBoxLayout()
        self.right = QVBoxLayout()
        columns = QHBoxLayout()
        columns.setSpacing(COLUMN_GAP)
        for stack in (self.across, self.left, self.right):
            stack.setContentsMargins(0, 0, 0, 0)
            stack.setSpacing(SECTION_SPACING)
        # The right column's lists (documents, calls) have more columns of their own.
        columns.addLayout(self.left, 5)
        columns.addLayout(self.right, 6)
        layout.addLayout(self.across)
        layout.addLayout(columns)
        layout.addStretch(1)
        self.two_columns: bool | None = None  # not yet laid out
        # The columns of free text (a step's title, notes) give way when the page is narrow.
        self.overdue = ListSection(hub, ChangeKind.ACTION, 2, body)
        self.due_today = ListSection(hub, ChangeKind.ACTION, 2, body)
        self.likely_late = ListSection(hub, ChangeKind.ACTION, 2, body)
        self.fast_track = ListSection(hub, ChangeKind.CASE, 1, body)
        self.follow_ups = ListSection(hub, ChangeKind.COMMUNICATION, 4, body)
        self.documents = ListSection(hub, ChangeKind.DOCUMENT, 1, body)
        self.unfiled = ListSection(hub, ChangeKind.COMMUNICATION, 3, body)
        # The unfiled calls go last: the longest list, and the Unfiled inbox has them all.
        lists = [
            self.overdue,
            self.due_today,
            self.likely_late,
            self.fast_track,
            self.follow_ups,
            self.documents,
            self.unfiled,
        ]
        self.sections: list[Section] = list(lists)  # in page order, the reminders first
        for section in lists:
            self._follow_current_row(section.table)
            section.expansion_changed.connect(self.fit_page)
        self.setWidget(body)
        body.installEventFilter(self)  # the warning shown or hidden takes or gives room
        self.fit_timer = QTimer(self)
        self.fit_timer.setSingleShot(True)
        self.fit_timer.setInterval(0)
        self.fit_timer.timeout.connect(self.fit_page)
        self.fitting = False
        self.fit_page()
        self.likely_late_timer = QTimer(self)
        self.likely_late_timer.setSingleShot(True)
        self.likely_late_timer.setInterval(0)
        self.likely_late_timer.timeout.connect(self.show_likely_late)
        # The forecasts come once the departments' history is read (and after a rebuild).
        hub.foresight.ready.connect(self.likely_late_timer.start)

    def add_reminders(self, reminders: RemindersList) -> None:
        """The due reminders (snooze, done) go first: they are what rang."""
        self.reminders = Section(self)
        self.reminders_list = reminders
        reminders.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reminders.add_content(reminders, reminders.table)
        # Under its table, the row of its buttons.
        buttons = (reminders.snooze_button, reminders.done_button, reminders.hint)
        inner = reminders.layout()
        self.reminders.below_table = (inner.spacing() if inner is not None else 0) + max(
            b.sizeHint().height() for b in buttons
        )
        self.reminders.focusables = [
            reminders.table,
            reminders.snooze_button,
            reminders.done_button,
        ]
        reminders.model.modelReset.connect(self.show_reminders)
        self._follow_current_row(reminders.table)
        self.reminders.expansion_changed.connect(self.fit_page)
        self.sections.insert(0, self.reminders)
        self.two_columns = None  # laid out again with it
        self.show_reminders()

    # -- one screen ----------------------------------------------------------------------

    def arrangement(self, two_columns: bool) -> list[list[list[Section]]]:
        """The page's bands from the top, each of columns of sections from the top."""
        steps: list[Section] = [self.overdue, self.due_today, self.likely_late, self.fast_track]
        if not two_columns:
            return [[list(self.sections)]]
        reminders: list[Section] = [self.reminders] if hasattr(self, "reminders") else []
        return [
            [steps],
            [[*reminders, self.follow_ups], [self.documents, self.unfiled]],
        ]

    def _lay_out(self, two_columns: bool) -> None:
        for stack in (self.across, self.left, self.right):
            while stack.count():
                stack.takeAt(0)
        bands = self.arrangement(two_columns)
        stacks = [self.across] if not two_columns else [self.across, self.left, self.right]
        columns = [column for band in bands for column in band]
        for stack, column in zip(stacks, columns, strict=True):
            for section in column:
                stack.addWidget(section)
            stack.addStretch(1)  # a column shorter than its neighbour ends short
        # Tab goes through the sections as they read, down each column.
        chain = [w for column in columns for s in column for w in s.focus_chain()]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.two_columns = two_columns

    def _room(self) -> int:
        """The height the sections have: the page's, less its margins and what else it
        shows (the warning of a year with no holidays)."""
        layout = self.body_layout
        margins = layout.contentsMargins()
        room = self.viewport().height() - margins.top() - margins.bottom()
        width = self.viewport().width() - margins.left() - margins.right()
        for index in range(layout.count()):
            item = layout.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is None or widget.isHidden():
                continue
            if widget.hasHeightForWidth():
                room -= widget.heightForWidth(width)
            else:
                room -= widget.sizeHint().height()
            room -= layout.spacing()
        return room - layout.spacing()  # between the steps and the columns

    def fit_page(self) -> None:
        """Share the page's height out among the lists: each shows the same number of
        its first rows (a few at least), one more each while the page has room, and a
        column shorter than its neighbour gives its room to its own lists."""
        if self.fitting:
            return
        self.fitting = True
        try:
            page = self.widget()
            em = self.fontMetrics().height()
            # The frame's width, not the viewport's: a scrollbar coming or going must
            # not change the arrangement that made it come or go.
            two = self.width() - 2 * self.frameWidth() >= TWO_COLUMNS_EMS * em
            if two != self.two_columns:
                self._lay_out(two)
            bands = self.arrangement(two)
            room = self._room()
            for section, rows in share_rows(self.sections, bands, room).items():
                section.show_first(rows)
            if page is not None:
                # Laid out now, so that the page never flashes a scrollbar it then drops.
                page.updateGeometry()
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        finally:
            self.fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_page()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.widget()
            and event.type() == QEvent.Type.LayoutRequest
            and not self.fitting
        ):
            self.fit_timer.start()
        return super().eventFilter(watched, event)

    def _follow_current_row(self, table: QTableView) -> None:
        """The lists do not scroll: moving down one with the keys scrolls the page."""

        def follow(current: QModelIndex, _previous: QModelIndex) -> None:
            page = self.widget()
            if current.isValid() and page is not None:
                rect = table.visualRect(current)
                centre = table.viewport().mapTo(page, rect.center())
                self.ensureVisible(0, centre.y(), 0, rect.height())

        table.selectionModel().currentChanged.connect(follow)

    def show_reminders(self) -> None:
        reminders = self.reminders_list
        count = reminders.model.rowCount()
        self.reminders.set_heading(_("Reminders due"), count, reminders.empty.text())
        reminders.setVisible(count > 0)
        self.fit_page()

    def refresh(self) -> dashboard.DashboardCounts:
        now = self.clock()
        calendar = self.store.calendar()
        per_day = calendar.seconds_per_day
        with self.store.snapshot():
            overdue = dashboard.overdue_actions(self.store, now)
            due_today = dashboard.actions_due_today(self.store, now)
            follow_ups = dashboard.open_follow_ups(self.store, now)
            unfiled = dashboard.unfiled_communications(self.store, now)
            documents = dashboard.documents_waiting(self.store, now)
            counts = dashboard.counts(self.store, now)

        action_headers = [
            _("Case"),
            _("Department"),
            _("Step"),
            _("Status"),
            _("Due"),
            _("Working time"),
        ]
        self.overdue.show_rows(
            _("Overdue steps"),
            action_headers,
            [
                (
                    a.action_id,
                    (
                        *_step_cells(a, now),
                        _("{time} over").format(
                            time=working_duration(calendar.working_seconds(a.due_at, now), per_day)
                        ),
                    ),
                )
                for a in overdue
            ],
            _("Nothing is overdue."),
            red={a.action_id: OVERDUE_COLUMNS for a in overdue},
            late=True,
            total=counts.overdue_actions,
        )
        self.due_today.show_rows(
            _("Due today"),
            action_headers,
            [
                (
                    a.action_id,
                    (
                        *_step_cells(a, now),
                        _("{time} left").format(
                            time=working_duration(calendar.working_seconds(now, a.due_at), per_day)
                        ),
                    ),
                )
                for a in due_today
            ],
            _("No step falls due today."),
            total=counts.actions_due_today,
        )
        self.follow_ups.show_rows(
            _("Follow-ups"),
            [_("Due"), _("Who"), _("Case"), _("Channel"), _("Notes")],
            [
                (
                    f.communication_id,
                    (
                        short_datetime(f.follow_up_due, now),
                        f.contact_name or f.raw_number,
                        f.case_reference or "",
                        cap(CHANNEL[f.channel]),
                        _first_line(f.notes),
                    ),
                )
                for f in follow_ups
            ],
            _("No follow-up is due. Promises made on a call appear here when they fall due."),
            total=counts.open_follow_ups,
        )
        self.documents.show_rows(
            _("Documents waiting"),
            [_("Case"), _("Document"), _("State"), _("Held by"), _("Waiting")],
            [
                (
                    d.document_id,
                    (
                        d.case_reference,
                        d.title,
                        cap(DOCUMENT_STATE[d.state]),
                        d.holder_name or _("me"),
                        ""
                        if d.since is None
                        else working_duration(calendar.working_seconds(d.since, now), per_day),
                    ),
                )
                for d in documents
            ],
            _("No document is waiting on anyone."),
            tips={
                (d.document_id, DOCUMENT_WAITING_COLUMN): _("since {time}").format(
                    time=short_datetime(d.since, now)
                )
                for d in documents
                if d.since is not None
            },
            total=counts.documents_waiting,
        )
        self.unfiled.show_rows(
            _("Unfiled communications"),
            [_("When"), _("Who"), _("Channel"), _("Notes")],
            [
                (
                    u.communication_id,
                    (
                        short_datetime(u.at, now),
                        u.contact_name or u.raw_number,
                        cap(CHANNEL[u.channel]),
                        _first_line(u.notes),
                    ),
                )
                for u in unfiled
            ],
            _("Every communication is filed to a case."),
            total=counts.unfiled_communications,
        )
        if hasattr(self, "reminders"):
            self.show_reminders()
        self.show_fast_track()  # and the page shared out again
        # The forecasts cost more: they follow just after the lists paint.
        self.likely_late_timer.start()
        return counts

    def show_likely_late(self) -> None:
        """Steps due soon that their forecast finishes after their due time."""
        if self.store.closed:  # closed for a restore or a move while this was queued
            return
        now = self.clock()
        calendar = self.store.calendar()
        per_day = calendar.seconds_per_day
        candidates = dashboard.actions_due_soon(self.store, now)
        foresight = self.hub.foresight
        forecasts: dict[int, CaseForecast] = (
            foresight.forecasts({c.case_id for c in candidates}, now) if candidates else {}
        )
        rows: Rows = []
        for a in candidates:
            case = forecasts.get(a.case_id)
            step = case.steps.get(a.action_id) if case is not None else None
            if step is None or not is_likely_late(step, now):
                continue
            expected = short_datetime(step.expected, now)
            if step.early != step.late:
                expected = _("{time} ({early} – {late})").format(
                    time=expected,
                    early=short_datetime(step.early, now),
                    late=short_datetime(step.late, now),
                )
            rows.append(
                (
                    a.action_id,
                    (
                        *_step_cells(a, now),
                        expected,
                        _after_due(calendar.working_seconds(a.due_at, step.expected), per_day),
                    ),
                )
            )
        if candidates and not foresight.is_ready and not foresight.failed:
            empty = _("Working out the forecasts from the departments' history…")
        else:
            empty = _("No step looks likely to be late.")
        self.likely_late.show_rows(
            _("Likely late"),
            [
                _("Case"),
                _("Department"),
                _("Step"),
                _("Status"),
                _("Due"),
                _("Forecast"),
                _("Working time"),
            ],
            rows,
            empty,
        )
        self.fit_page()

    def show_fast_track(self) -> None:
        """The promise of each open fast-track case: its working time against the promised
        limit and against the normal duration, red once past either."""
        if self.store.closed:  # closed for a restore or a move while this was queued
            return
        now = self.clock()
        per_day = self.store.calendar().seconds_per_day
        clocks = dashboard.fast_track_clocks(self.store, now, FAST_TRACK_SHOWN)
        rows: Rows = []
        red: dict[int, frozenset[int]] = {}
        for clock in clocks:
            promised = _against(clock.promised_seconds, clock.promised_left_seconds, per_day)
            normal = _against(clock.normal_seconds, clock.normal_left_seconds, per_day)
            rows.append(
                (
                    clock.case_id,
                    (
                        clock.reference,
                        clock.title,
                        clock.company_name,
                        working_duration(clock.elapsed_seconds, per_day),
                        promised,
                        normal,
                    ),
                )
            )
            over = {
                column
                for column, left in (
                    (FAST_TRACK_PROMISED_COLUMN, clock.promised_left_seconds),
                    (FAST_TRACK_PROMISED_COLUMN + 1, clock.normal_left_seconds),
                )
                if left is not None and left < 0
            }
            red[clock.case_id] = frozenset(over)
        self.fast_track.show_rows(
            _("Fast-track cases"),
            [_("Case"), _("Title"), _("Company"), _("Elapsed"), _("Promised limit"), _("Normal")],
            rows,
            _("No fast-track case is open. Tick Fast-track when opening a case to time it here."),
            red=red,
        )
        self.fit_page()


def _against(limit: int | None, left: int | None, per_day: int) -> str:
    """“5 working days (2 working days left)”: a limit and where the case stands to it."""
    if limit is None or left is None:
        return ""
    verdict = (
        _("{time} left").format(time=working_duration(left, per_day))
        if left >= 0
        else _("{time} over").format(time=working_duration(left, per_day))
    )
    return _("{limit} ({verdict})").format(limit=working_duration(limit, per_day), verdict=verdict)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 80 else line[:79] + "…"
