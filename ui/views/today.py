"""Today: what needs the officer now — overdue and due steps, the steps likely to be
late, follow-ups, the unfiled inbox, documents waiting on someone, and the fast-track
cases' clocks.

"Likely late" is the warning before "overdue": a step due in the next few working days
whose forecast (its department's own history) finishes after its due time. The
candidates are read in SQL, their cases' forecasts worked out for them only.

Enter or a double-click on a row opens what it refers to.

The page is read at a glance: every heading carries its count, a list that is empty is
one line saying so, and a list is as tall as its rows (no list scrolls inside the page;
the page alone scrolls when the day holds more rows than the window). What is late is
red: overdue steps and a fast-track case past its promise or its normal duration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
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


def heading_text(title: str, count: int, total: int | None = None) -> str:
    """“Overdue steps (2)” / “逾期步骤（2）”: a heading with the count of its list, and
    the whole count when the list holds only the first of them."""
    if total is not None and total > count:
        return _("{title} (the first {count} of {total})").format(
            title=title, count=count, total=total
        )
    return _("{title} ({count})").format(title=title, count=count)


def fit_table(table: QTableView, rows: int) -> None:
    """As tall as its header and ``rows`` rows: the page scrolls, never the list."""
    height = 2 * table.frameWidth() + table.horizontalHeader().sizeHint().height()
    height += rows * table.verticalHeader().defaultSectionSize()
    header = table.horizontalHeader()
    if header.length() > table.viewport().width() > 0:
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(height)


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
    heading's line the sentence saying it holds nothing."""

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
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.count = 0
        self.fitted: QTableView | None = None  # the table kept as tall as its rows

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitted is not None:  # a narrower page may need a horizontal scrollbar
            fit_table(self.fitted, self.fitted.model().rowCount())

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
        self.body.addWidget(self.table)
        self.fitted = self.table

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
        fit_table(self.table, len(rows))


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
        layout.setSpacing(14)
        self.body_layout = layout
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
            layout.addWidget(section)
            self._follow_current_row(section.table)
        layout.addStretch(1)
        self.setWidget(body)
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
        self.reminders.body.addWidget(reminders)
        self.reminders.fitted = reminders.table
        reminders.model.modelReset.connect(self.show_reminders)
        self._follow_current_row(reminders.table)
        self.body_layout.insertWidget(0, self.reminders)
        self.sections.insert(0, self.reminders)
        self.show_reminders()

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
        fit_table(reminders.table, count)

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
        self.show_fast_track()
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
