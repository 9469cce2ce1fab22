"""Today: what needs the officer now — overdue and due steps, the steps likely to be
late, follow-ups, the unfiled inbox, documents waiting on someone, and the fast-track
cases' clocks.

"Likely late" is the warning before "overdue": a step due in the next few working days
whose forecast (its department's own history) finishes after its due time. The
candidates are read in SQL, their cases' forecasts worked out for them only.

Enter or a double-click on a row opens what it refers to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QScrollArea,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import short_datetime, working_duration
from coordinator.i18n import _
from coordinator.labels import ACTION_STATUS, CHANNEL, DOCUMENT_STATE, cap
from coordinator.queries import cases as case_queries
from coordinator.queries import dashboard
from coordinator.queries.timing import case_clock
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.widgets.forecast_text import is_likely_late
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import set_up_table

FAST_TRACK_SHOWN = 12

Rows = list[tuple[int, tuple[str, ...]]]


class Section(QGroupBox):
    """One list of Today, with a sentence in place of an empty table."""

    def __init__(self, hub: Hub, kind: ChangeKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.kind = kind
        self.model = RowsModel([], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(self.table, fit_to_contents=True)
        self.table.activated.connect(self.open_row)
        self.table.doubleClicked.connect(self.open_row)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(self.stack)

    def open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            self.hub.request_open(self.kind, self.model.id_at(index.row()))

    def show_rows(self, title: str, headers: Sequence[str], rows: Rows, empty_text: str) -> None:
        self.setTitle(f"{title} ({len(rows)})")
        current = self.table.currentIndex()
        keep = self.model.id_at(current.row()) if current.isValid() else None
        self.model.set_headers(headers)
        self.model.set_rows(rows)
        if keep is not None:
            row = next((r for r, (ident, _cells) in enumerate(rows) if ident == keep), None)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))
        self.empty.setText(empty_text)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(r) for r in range(min(len(rows), 8)))
        self.table.setFixedHeight(max(height, 60))


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
        self.body_layout = layout
        self.overdue = Section(hub, ChangeKind.ACTION, body)
        self.due_today = Section(hub, ChangeKind.ACTION, body)
        self.likely_late = Section(hub, ChangeKind.ACTION, body)
        self.fast_track = Section(hub, ChangeKind.CASE, body)
        self.follow_ups = Section(hub, ChangeKind.COMMUNICATION, body)
        self.unfiled = Section(hub, ChangeKind.COMMUNICATION, body)
        self.documents = Section(hub, ChangeKind.DOCUMENT, body)
        for section in (
            self.overdue,
            self.due_today,
            self.likely_late,
            self.fast_track,
            self.follow_ups,
            self.unfiled,
            self.documents,
        ):
            layout.addWidget(section)
        layout.addStretch(1)
        self.setWidget(body)
        self.fast_track_timer = QTimer(self)
        self.fast_track_timer.setSingleShot(True)
        self.fast_track_timer.setInterval(0)
        self.fast_track_timer.timeout.connect(self.show_fast_track)
        self.likely_late_timer = QTimer(self)
        self.likely_late_timer.setSingleShot(True)
        self.likely_late_timer.setInterval(0)
        self.likely_late_timer.timeout.connect(self.show_likely_late)
        # The forecasts come once the departments' history is read (and after a rebuild).
        hub.foresight.ready.connect(self.likely_late_timer.start)

    def add_reminders(self, reminders: QWidget) -> None:
        """The due reminders (snooze, done) go first: they are what rang."""
        self.reminders_box = QGroupBox(self)
        box_layout = QVBoxLayout(self.reminders_box)
        box_layout.addWidget(reminders)
        reminders.setMinimumHeight(200)
        self.body_layout.insertWidget(0, self.reminders_box)
        self.reminders_box.setTitle(_("Reminders due"))

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
        )
        self.documents.show_rows(
            _("Documents waiting"),
            [_("Case"), _("Document"), _("State"), _("Held by"), _("Since")],
            [
                (
                    d.document_id,
                    (
                        d.case_reference,
                        d.title,
                        cap(DOCUMENT_STATE[d.state]),
                        d.holder_name or _("me"),
                        short_datetime(d.since, now),
                    ),
                )
                for d in documents
            ],
            _("No document is waiting on anyone."),
        )
        if hasattr(self, "reminders_box"):
            self.reminders_box.setTitle(_("Reminders due"))
        # The clocks cost a few queries per case, the forecasts a little more: they
        # follow just after the lists paint.
        self.fast_track_timer.start()
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
        """The promise of each open fast-track case: its working time against normal."""
        if self.store.closed:  # closed for a restore or a move while this was queued
            return
        now = self.clock()
        per_day = self.store.calendar().seconds_per_day
        ids = dashboard.open_fast_track_cases(self.store, FAST_TRACK_SHOWN)
        rows: Rows = []
        for case in (case_queries.get(self.store, i) for i in ids):
            clock = case_clock(self.store, case.id, now)
            if clock.normal_seconds is None or clock.saved_seconds is None:
                normal = left = ""
            else:
                normal = working_duration(clock.normal_seconds, per_day)
                left = (
                    _("{time} left").format(time=working_duration(clock.saved_seconds, per_day))
                    if clock.saved_seconds >= 0
                    else _("{time} over").format(
                        time=working_duration(clock.saved_seconds, per_day)
                    )
                )
            rows.append(
                (
                    case.id,
                    (
                        case.reference,
                        case.title,
                        case.company_name,
                        working_duration(clock.elapsed_seconds, per_day),
                        normal,
                        left,
                    ),
                )
            )
        self.fast_track.show_rows(
            _("Fast-track cases"),
            [_("Case"), _("Title"), _("Company"), _("Elapsed"), _("Normal"), _("Left / over")],
            rows,
            _("No fast-track case is open. Tick Fast-track when opening a case to time it here."),
        )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 80 else line[:79] + "…"
