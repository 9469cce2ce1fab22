"""Today: what needs the officer now — overdue and due steps, follow-ups, the unfiled
inbox, documents waiting on someone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator import dashboard
from coordinator.formatting import short_datetime, working_duration
from coordinator.i18n import _
from coordinator.labels import ACTION_STATUS, CHANNEL, DOCUMENT_STATE
from coordinator.storage import Store
from ui.rows_model import RowsModel

Rows = list[tuple[int, tuple[str, ...]]]


class Section(QGroupBox):
    """One list of Today, with a sentence in place of an empty table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowsModel([], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(self.stack)

    def show_rows(self, title: str, headers: Sequence[str], rows: Rows, empty_text: str) -> None:
        self.setTitle(f"{title} ({len(rows)})")
        self.model.set_headers(headers)
        self.model.set_rows(rows)
        self.empty.setText(empty_text)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(r) for r in range(min(len(rows), 8)))
        self.table.setFixedHeight(max(height, 60))


class TodayView(QScrollArea):
    def __init__(self, store: Store, clock: Callable[[], datetime], parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.setWidgetResizable(True)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.overdue = Section(body)
        self.due_today = Section(body)
        self.follow_ups = Section(body)
        self.unfiled = Section(body)
        self.documents = Section(body)
        for section in (
            self.overdue,
            self.due_today,
            self.follow_ups,
            self.unfiled,
            self.documents,
        ):
            layout.addWidget(section)
        layout.addStretch(1)
        self.setWidget(body)

    def refresh(self) -> dashboard.DashboardCounts:
        now = self.clock()
        calendar = self.store.calendar()
        per_day = calendar.seconds_per_day
        with self.store.read() as session:
            overdue = dashboard.overdue_actions(session, now)
            due_today = dashboard.actions_due_today(session, now)
            follow_ups = dashboard.open_follow_ups(session, now)
            unfiled = dashboard.unfiled_communications(session, now)
            documents = dashboard.documents_waiting(session, now)
            counts = dashboard.counts(session, now)

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
                        a.case_reference,
                        a.department_name,
                        a.title,
                        ACTION_STATUS[a.status].tr(),
                        short_datetime(a.due_at, now),
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
                        a.case_reference,
                        a.department_name,
                        a.title,
                        ACTION_STATUS[a.status].tr(),
                        short_datetime(a.due_at, now),
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
                        CHANNEL[f.channel].tr(),
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
                        CHANNEL[u.channel].tr(),
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
                        DOCUMENT_STATE[d.state].tr(),
                        d.holder_name or _("me"),
                        short_datetime(d.since, now),
                    ),
                )
                for d in documents
            ],
            _("No document is waiting on anyone."),
        )
        return counts


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 80 else line[:79] + "…"
