"""Data ▸ Working calendar…: a year's holidays, make-up working days and office closures.

Each December the State Council publishes the next year's schedule; the ``chinese_calendar``
library learns it only with a new release. Until the year is known every due date and
working-time figure of that year counts weekends alone, so the officer enters it here:
holiday ranges, make-up working days (调休上班) and the office's own closures, each with its
name. The year's list shows what is known, the library's days marked as the national
schedule (only the office's own can be removed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coordinator.cli.calendar import KIND_WORDS, WEEKDAY_WORDS
from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.queries import calendar as calendar_queries
from coordinator.queries.calendar import ScheduleDay, YearSchedule
from coordinator.services import calendar
from coordinator.store.changes import ChangeKind, ChangeSet
from ui.hub import Hub

ERROR_STYLE = "color: #b3261e;"
OK_STYLE = "color: #1b6e20;"
COL_DATE, COL_WEEKDAY, COL_KIND, COL_NAME, COL_SOURCE = range(5)
KINDS = ("holiday", "make_up", "closure")


def say(label: QLabel, text: str, style: str) -> None:
    label.setStyleSheet(style)
    label.setText(text)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class CalendarDialog(QDialog):
    """One year at a time: what is known of it, and the form to add to it."""

    def __init__(
        self,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        year: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.clock = clock
        self.schedule: YearSchedule | None = None
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(year or clock().year)
        self.year_label = QLabel(self)
        self.year_label.setBuddy(self.year)
        self.coverage = QLabel(self)
        self.coverage.setWordWrap(True)
        self.table = QTableWidget(0, 5, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (COL_DATE, COL_WEEKDAY, COL_KIND, COL_SOURCE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.remove_button = QPushButton(self)

        self.kind = QComboBox(self)
        for kind in KINDS:
            self.kind.addItem("", kind)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.name = QLineEdit(self)
        self.add_button = QPushButton(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.year_label)
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.remove_button)
        self.form = QFormLayout()
        self.kind_label = QLabel(self)
        self.start_label = QLabel(self)
        self.end_label = QLabel(self)
        self.name_label = QLabel(self)
        self.form.addRow(self.kind_label, self.kind)
        self.form.addRow(self.start_label, self.start)
        self.form.addRow(self.end_label, self.end)
        self.form.addRow(self.name_label, self.name)
        adding = QHBoxLayout()
        adding.addLayout(self.form, 1)
        adding.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.coverage)
        layout.addWidget(self.table, 1)
        layout.addLayout(adding)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.year.valueChanged.connect(self._year_changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.start.dateChanged.connect(self._start_changed)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.name.returnPressed.connect(self.add)
        hub.changed.connect(self._on_changed)
        self.retranslate()
        self._year_changed()
        self.resize(720, 620)

    # -- the year ------------------------------------------------------------------------

    def _year_changed(self) -> None:
        year = self.year.value()
        first = date(year, 1, 1)
        for edit in (self.start, self.end):
            edit.setDateRange(_qdate(first), _qdate(date(year, 12, 31)))
        if self.start.date().year() != year:
            self.start.setDate(_qdate(first))
            self.end.setDate(_qdate(first))
        self.refresh()

    def refresh(self) -> None:
        self.schedule = calendar_queries.year_schedule(self.hub.store, self.year.value())
        self._show_coverage()
        days = self.schedule.days
        self.table.setRowCount(len(days))
        for row, day in enumerate(days):
            cells = (
                day.day.isoformat(),
                WEEKDAY_WORDS[day.day.weekday()].tr(),
                KIND_WORDS[day.kind].tr(),
                day.name,
                _("entered") if day.entered else _("national schedule"),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self._update_buttons()

    def _show_coverage(self) -> None:
        schedule = self.schedule
        if schedule is None:
            return
        year = schedule.year
        if schedule.coverage == "fallback":
            text = _(
                "{year} has no holiday schedule yet: only weekends count as days off, so due "
                "dates in {year} may fall on holidays. Enter its holidays and make-up working "
                "days as published."
            ).format(year=year)
            say(self.coverage, text, ERROR_STYLE)
        elif schedule.coverage == "entered":
            text = _(
                "{year}: the schedule entered here ({holidays} holidays, {make_up} make-up "
                "working days, {closures} office closures)."
            ).format(
                year=year,
                holidays=len(schedule.of_kind("holiday")),
                make_up=len(schedule.of_kind("make_up")),
                closures=len(schedule.of_kind("closure")),
            )
            say(self.coverage, text, OK_STYLE)
        else:
            say(
                self.coverage,
                _(
                    "{year}: the national schedule is known; days entered here change it "
                    "for this office."
                ).format(year=year),
                OK_STYLE,
            )

    def selected_days(self) -> list[ScheduleDay]:
        if self.schedule is None:
            return []
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.schedule.days[r] for r in rows if r < len(self.schedule.days)]

    def _update_buttons(self) -> None:
        chosen = self.selected_days()
        self.remove_button.setEnabled(bool(chosen) and all(d.entered for d in chosen))

    # -- adding and removing ---------------------------------------------------------------

    def _kind_changed(self) -> None:
        one_day = self.kind.currentData() == "make_up"
        self.end.setEnabled(not one_day)
        self.end_label.setEnabled(not one_day)

    def _start_changed(self, value: QDate) -> None:
        if self.end.date() < value:
            self.end.setDate(value)

    def add(self) -> bool:
        kind = self.kind.currentData()
        start = _day(self.start.date())
        end = None if kind == "make_up" else _day(self.end.date())
        name = self.name.text()
        if kind == "holiday":
            outcome = self.hub.attempt(calendar.add_holidays, start, end, name)
        elif kind == "make_up":
            outcome = self.hub.attempt(calendar.add_make_up_day, start, name)
        else:
            outcome = self.hub.attempt(calendar.add_closure, start, end, name)
        if isinstance(outcome, DomainError):
            say(self.message, outcome.message(), ERROR_STYLE)
            return False
        days = 1 if end is None else (end - start).days + 1
        say(
            self.message,
            _("Added {kind} “{name}”: {days} day(s) from {start}.").format(
                kind=KIND_WORDS[kind].tr(), name=name.strip(), days=days, start=start.isoformat()
            ),
            OK_STYLE,
        )
        self.name.clear()
        self.refresh()
        return True

    def remove_selected(self) -> None:
        chosen = [d for d in self.selected_days() if d.entered]
        for day in chosen:
            outcome = self.hub.attempt(calendar.remove_day, day.day)
            if isinstance(outcome, DomainError):
                say(self.message, outcome.message(), ERROR_STYLE)
                break
        else:
            say(
                self.message,
                _("Removed {n} day(s).").format(n=len(chosen)),
                OK_STYLE,
            )
        self.refresh()

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.CALENDAR) and self.isVisible():
            self.refresh()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Working calendar"))
        self.year_label.setText(_("Year:"))
        self.table.setHorizontalHeaderLabels(
            [_("Date"), _("Day"), _("What"), _("Name"), _("Source")]
        )
        self.remove_button.setText(_("Remove selected"))
        for i, kind in enumerate(KINDS):
            self.kind.setItemText(i, KIND_WORDS[kind].tr())
        self.kind_label.setText(_("Add:"))
        self.start_label.setText(_("From:"))
        self.end_label.setText(_("To (included):"))
        self.name_label.setText(_("Name:"))
        self.name.setPlaceholderText(_("e.g. 春节, 国庆节, office move"))
        self.add_button.setText(_("Add"))
        self._kind_changed()
