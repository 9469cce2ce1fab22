"""Today: what needs the officer now — overdue and due steps, the steps likely to be
late, follow-ups, the unfiled inbox, documents waiting on someone, and the fast-track
cases' clocks.

"Likely late" is the warning before "overdue": a step due in the next few working days
whose forecast (its department's own history) finishes after its due time. The
candidates are read in SQL, their cases' forecasts worked out for them only.

Enter or a double-click on a row opens what it refers to.

The page is read at a glance, in one screen: every heading carries its count, a list that
is empty is one line saying so, and no list scrolls inside the page. A list shows as many
of its first rows as the window has room for (at least :data:`MIN_ROWS`; a taller window
shows more), then "N more…", which shows the rest in place; the page scrolls only then,
or when the window is too small for even the first few rows of each. On a wide page the
steps' lists (overdue, due, likely late, fast-track) take the full width and the other
four share two columns below them. What is late is red: overdue steps and a fast-track
case past its promise or its normal duration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import short_datetime, working_duration
from coordinator.i18n import _, ngettext
from coordinator.labels import ACTION_STATUS, CHANNEL, DOCUMENT_STATE, cap
from coordinator.queries import dashboard
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.widgets.forecast_text import is_likely_late
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import set_up_table

if TYPE_CHECKING:
    from ui.views.reminders import RemindersList

FAST_TRACK_SHOWN = 12
LATE_COLOUR = QColor("#b3261e")  # the red of late steps in the Actions list
QUIET_COLOUR = QColor("#6b6b6b")

Rows = list[tuple[int, tuple[str, ...]]]
OVERDUE_COLUMNS = frozenset({4, 5})  # an overdue step's due time and how long it is over
DOCUMENT_WAITING_COLUMN = 4
FAST_TRACK_PROMISED_COLUMN = 4  # then the normal duration

MIN_ROWS = 2
"""The fewest rows a list is cut to: fewer is no longer a glance at it, and a window too
small for this many of each scrolls instead."""

TWO_COLUMNS_EMS = 58
"""The page's width, in character heights, from which the lists other than the steps' sit
in two columns (a window 1280 pixels wide beside the sidebar)."""

SECTION_SPACING = 12
COLUMN_GAP = 18


def heading_text(title: str, count: int, total: int | None = None) -> str:
    """“Overdue steps (2)” / “逾期步骤（2）”: a heading with the count of its list, and
    the whole count when the list holds only the first of them."""
    if total is not None and total > count:
        return _("{title} (the first {count} of {total})").format(
            title=title, count=count, total=total
        )
    return _("{title} ({count})").format(title=title, count=count)


def table_height(table: QTableView, rows: int) -> int:
    """The height of ``table`` showing its header and ``rows`` rows, no more."""
    height = 2 * table.frameWidth() + table.horizontalHeader().sizeHint().height()
    height += rows * table.verticalHeader().defaultSectionSize()
    header = table.horizontalHeader()
    if header.length() > table.viewport().width() > 0:
        height += table.horizontalScrollBar().sizeHint().height()
    return height


def fit_table(table: QTableView, rows: int) -> None:
    """As tall as its header and its first ``rows`` rows; the others are hidden (shown
    by the section's "N more…"): the list never scrolls."""
    for row in range(table.model().rowCount()):
        table.setRowHidden(row, row >= rows)
    table.setFixedHeight(table_height(table, rows))


class TodayRowsModel(RowsModel):
    """Today's rows of text, some cells red (late), some with a tooltip of their own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([], parent)
        self.red: dict[int, frozenset[int]] = {}  # row id -> its red columns
        self.tips: dict[tuple[int, int], str] = {}  # (row id, column) -> tooltip

    def set_marked_rows(
        self,
        rows: Rows,
        red: dict[int, frozenset[int]] | None = None,
        tips: dict[tuple[int, int], str] | None = None,
    ) -> None:
        self.red = red or {}
        self.tips = tips or {}
        self.set_rows(rows)

    def colour(self, item: tuple[int, tuple[str, ...]], column: int) -> QColor | None:
        return LATE_COLOUR if column in self.red.get(item[0], ()) else None

    def tooltip(self, item: tuple[int, tuple[str, ...]], column: int) -> str | None:
        return self.tips.get((item[0], column), self.text(item, column))


class Section(QWidget):
    """One part of Today: a heading with its count, then what it holds, or on the
    heading's line the sentence saying it holds nothing; below a list cut short, "N
    more…" (and once pressed, "Show fewer")."""

    expansion_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.empty = QLabel(self)
        palette = self.empty.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QUIET_COLOUR)
        self.empty.setPalette(palette)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.heading)
        line.addWidget(self.empty, 1)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        self.body.addLayout(line)
        # A flat button reads as a link yet is reached with Tab and pressed with Enter.
        self.more = QPushButton(self)
        self.more.setFlat(True)
        self.more.setAutoDefault(True)
        self.more.setCursor(Qt.CursorShape.PointingHandCursor)
        self.more.setStyleSheet("QPushButton { color: palette(link); padding: 1px 4px; }")
        self.more.clicked.connect(self.toggle)
        self.more.hide()
        self.body.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.count = 0
        self.fitted: QTableView | None = None  # the table kept as tall as its rows shown
        self.below_table = 0  # what its content shows under the table (buttons)
        self.shown = 0  # the rows shown of the ``count``
        self.expanded = False  # "N more…" pressed: every row shown
        self.focusables: list[QWidget] = []  # what Tab stops at, before its "N more…"

    def focus_chain(self) -> list[QWidget]:
        return [*self.focusables, self.more]

    def add_content(self, widget: QWidget, table: QTableView) -> None:
        """What the section holds, above its "N more…"; ``table`` is cut to its rows shown,
        and moving down past its last one shows the others."""
        self.body.insertWidget(self.body.indexOf(self.more), widget)
        self.fitted = table
        self.focusables = [table]
        table.installEventFilter(self)
        # Rows are chosen whole: Tab goes on to the "N more…" and the next list, not
        # across the row's cells.
        table.setTabKeyNavigation(False)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitted is not None:  # a narrower page may need a horizontal scrollbar
            fit_table(self.fitted, self.shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.fitted
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self.shown < self.count
        ):
            # The keys that move past the last row shown first show them all.
            key = event.key()
            control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            at_last = watched.currentIndex().row() >= self.shown - 1
            if (key == Qt.Key.Key_End and control) or (
                key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and at_last
            ):
                self.set_expanded(True)
        return super().eventFilter(watched, event)

    def toggle(self) -> None:
        self.set_expanded(not self.expanded)

    def set_expanded(self, expanded: bool) -> None:
        if expanded != self.expanded:
            self.expanded = expanded
            self.expansion_changed.emit()

    def sizeHint(self) -> QSize:  # noqa: N802
        # Exactly its rows shown: a list's own hint would ask for the height of many.
        return QSize(super().sizeHint().width(), self.height_for(self.shown))

    def height_for(self, rows: int) -> int:
        """How tall the section is showing the first ``rows`` of its rows."""
        line = self.heading.sizeHint().height()
        if self.count == 0 or self.fitted is None:
            return max(line, self.empty.sizeHint().height())
        spacing = self.body.spacing()
        height = line + spacing + table_height(self.fitted, rows) + self.below_table
        if self.has_more(rows):
            height += spacing + self.more.sizeHint().height()
        return height

    def has_more(self, rows: int) -> bool:
        """Whether "N more…" (or "Show fewer") shows under ``rows`` of the rows."""
        return rows < self.count or (self.expanded and self.count > MIN_ROWS)

    def show_first(self, rows: int) -> None:
        """Show the first ``rows`` of the rows, and "N more…" for the others."""
        self.shown = rows = min(rows, self.count)
        if self.fitted is None:
            return
        table = self.fitted
        current = table.currentIndex()
        if current.isValid() and current.row() >= rows > 0:
            table.setCurrentIndex(table.model().index(rows - 1, current.column()))
        fit_table(table, rows)
        hidden = self.count - rows
        if hidden > 0:
            self.more.setText(ngettext("{n} more…", "{n} more…", hidden).format(n=hidden))
        else:
            self.more.setText(_("Show fewer"))
        self.more.setVisible(self.has_more(rows))

    @property
    def is_empty(self) -> bool:
        return self.count == 0

    def title(self) -> str:
        """The heading as shown, its count included."""
        return self.heading.text()

    def set_heading(
        self,
        title: str,
        count: int,
        empty_text: str,
        late: bool = False,
        total: int | None = None,
    ) -> None:
        """``late``: the heading is red while the list holds anything (overdue steps);
        ``total``: how many there are when the list shows only the first ``count``."""
        self.count = count
        self.heading.setText(heading_text(title, count, total))
        palette = self.palette()
        if late and count:
            palette.setColor(QPalette.ColorRole.WindowText, LATE_COLOUR)
        self.heading.setPalette(palette)
        self.empty.setText(empty_text)
        self.empty.setVisible(count == 0)
        if count <= MIN_ROWS:
            self.expanded = False  # nothing left to show more of


class ListSection(Section):
    """A list of Today: rows that open what they show (Enter, a double-click)."""

    def __init__(
        self, hub: Hub, kind: ChangeKind, stretch: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.kind = kind
        self.stretch = stretch  # the column of free text, which gives way when narrow
        self.model = TodayRowsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(self.table, fit_to_contents=True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.activated.connect(self.open_row)
        self.table.doubleClicked.connect(self.open_row)
        self.table.hide()
        self.add_content(self.table, self.table)

    def open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            self.hub.request_open(self.kind, self.model.id_at(index.row()))

    def show_rows(
        self,
        title: str,
        headers: Sequence[str],
        rows: Rows,
        empty_text: str,
        *,
        red: dict[int, frozenset[int]] | None = None,
        tips: dict[tuple[int, int], str] | None = None,
        late: bool = False,
        total: int | None = None,
    ) -> None:
        current = self.table.currentIndex()
        keep = self.model.id_at(current.row()) if current.isValid() else None
        self.model.set_headers(headers)
        self.model.set_marked_rows(rows, red, tips)
        header = self.table.horizontalHeader()
        if 0 <= self.stretch < len(headers):
            header.setStretchLastSection(False)
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Stretch)
        if keep is not None:
            row = next((r for r, (ident, _cells) in enumerate(rows) if ident == keep), None)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))
        self.set_heading(title, len(rows), empty_text, late, total)
        self.table.setVisible(bool(rows))
        # As many as before until the page shares its height out again.
        self.show_first(len(rows) if self.expanded else max(self.shown, MIN_ROWS))


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
            shown = {s: s.count if s.expanded else min(s.count, MIN_ROWS) for s in self.sections}

            def height() -> int:
                total = 0
                for band in bands:
                    total += max(
                        sum(s.height_for(shown[s]) for s in column)
                        + SECTION_SPACING * (len(column) - 1)
                        for column in band
                    )
                return total

            growing = True
            while growing and height() <= room:
                growing = False
                for section in self.sections:
                    if shown[section] < section.count:
                        shown[section] += 1
                        if height() <= room:
                            growing = True
                        else:
                            shown[section] -= 1
            for section, rows in shown.items():
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
