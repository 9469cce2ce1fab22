"""Every communication, newest first: a filter bar over a lazy table of a million rows.

The table never measures its contents (no ResizeToContents): rows have one fixed
height and columns fixed widths, so showing it touches only the rows on screen.
"""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator import changes as ch
from coordinator import communication_queries as cq
from coordinator.changes import ChangeSet
from coordinator.communication_queries import CommunicationFilter
from coordinator.i18n import _
from coordinator.labels import CHANNEL
from coordinator.models import Channel
from coordinator.storage import Store
from ui.hub import OPEN_CASE, Hub
from ui.lazy_table import (
    COL_AT,
    COL_CASE,
    COL_CHANNEL,
    COL_DIRECTION,
    COL_DURATION,
    COL_FOLLOW_UP,
    COL_NOTES,
    COL_WHO,
    SORT_KEYS,
    LazyCommunicationsModel,
)

SEARCH_DELAY_MS = 250

_COLUMN_WIDTHS = {
    COL_AT: 130,
    COL_DIRECTION: 70,
    COL_CHANNEL: 80,
    COL_WHO: 130,
    COL_CASE: 110,
    COL_DURATION: 70,
    COL_FOLLOW_UP: 140,
}


class CommunicationsView(QWidget):
    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub

        self.channel_label = QLabel(self)
        self.channel = QComboBox(self)
        self.channel.addItem("", None)
        for channel in Channel:
            self.channel.addItem("", channel.value)
        self.unfiled = QCheckBox(self)
        self.use_dates = QCheckBox(self)
        self.since = QDateEdit(self)
        self.until = QDateEdit(self)
        today = QDate.currentDate()
        for edit, value in ((self.since, today.addMonths(-1)), (self.until, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(value)
            edit.setEnabled(False)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.count_label = QLabel(self)

        bar = QHBoxLayout()
        bar.addWidget(self.channel_label)
        bar.addWidget(self.channel)
        bar.addWidget(self.unfiled)
        bar.addWidget(self.use_dates)
        bar.addWidget(self.since)
        bar.addWidget(self.until)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)

        self.model = LazyCommunicationsModel(store, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(False)
        for column, width in _COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        # The notes are what the officer reads: they take the room that is left.
        horizontal.setSectionResizeMode(COL_NOTES, QHeaderView.ResizeMode.Stretch)
        # Sorting is SQL: the header only tells the model; no proxy model anywhere.
        horizontal.setSortIndicatorShown(True)
        horizontal.setSortIndicator(COL_AT, Qt.SortOrder.DescendingOrder)
        horizontal.setSectionsClickable(True)
        horizontal.sortIndicatorChanged.connect(self._sort_changed)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self.channel.currentIndexChanged.connect(self._apply_filter)
        self.unfiled.toggled.connect(self._apply_filter)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.since.dateChanged.connect(self._apply_filter)
        self.until.dateChanged.connect(self._apply_filter)
        self.search.textChanged.connect(self.search_timer.start)
        self.search_timer.timeout.connect(self._apply_filter)
        self.model.modelReset.connect(self._update_count)
        self.table.doubleClicked.connect(self._open_case_of_row)
        hub.changed.connect(self.on_changed)
        self.retranslate()

    # -- filter and sort -------------------------------------------------------------

    def current_filter(self) -> CommunicationFilter:
        value = self.channel.currentData()
        since = until = None
        if self.use_dates.isChecked():
            since = _start_of(self.since.date())
            # The end date is inclusive for the officer: up to the start of the next day.
            until = _start_of(self.until.date().addDays(1))
        return CommunicationFilter(
            channel=Channel(value) if value else None,
            unfiled_only=self.unfiled.isChecked(),
            since=since,
            until=until,
            text=self.search.text().strip(),
        )

    def _apply_filter(self) -> None:
        self.search_timer.stop()
        self.model.set_filter(self.current_filter())

    def _dates_toggled(self, checked: bool) -> None:
        self.since.setEnabled(checked)
        self.until.setEnabled(checked)
        self._apply_filter()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in SORT_KEYS:  # this column has no SQL order: show the current one
            key, descending = self.model.sort_key
            current = next(c for c, k in SORT_KEYS.items() if k == key)
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(
                current,
                Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
            )
            header.blockSignals(False)
            return
        self.model.sort(column, order)

    # -- opening and changes ---------------------------------------------------------

    def select(self, communication_id: int) -> bool:
        """Show one communication: the current filter is cleared if it hides it."""
        row = self.model.row_of(communication_id)
        if row is None:
            self.channel.setCurrentIndex(0)
            self.unfiled.setChecked(False)
            self.use_dates.setChecked(False)
            self.search.clear()
            self._apply_filter()
            row = self.model.row_of(communication_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self.table.setFocus()
        return True

    def _open_case_of_row(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        ident = self.model.id_at(rows[0].row()) if rows else None
        if ident is None:
            return
        with self.store.read() as session:
            found = cq.rows(session, [ident]).get(ident)
        if found is not None and found.case_id is not None:
            self.hub.request_open(OPEN_CASE, found.case_id)

    def on_changed(self, changes: ChangeSet) -> None:
        """Edited rows are re-read in place; a new row (or one this list has not got)
        needs the ids again. Names and case references show in rows: re-read those too."""
        changed = changes.ids_of(ch.COMMUNICATION)
        if changed:
            if any(self.model.row_of(i) is None for i in changed):
                self.model.reload()
            else:
                self.model.refresh_ids(changed)
        elif changes.touches(ch.CONTACT, ch.CASE):
            self.model.refresh_cached()

    # -- refresh and language --------------------------------------------------------

    def refresh(self) -> None:
        """Read the list again (rows added or deleted elsewhere)."""
        self.model.reload()

    def _update_count(self) -> None:
        self.count_label.setText(_("{n} communications").format(n=self.model.rowCount()))

    def retranslate(self) -> None:
        self.channel_label.setText(_("Channel:"))
        self.channel.setItemText(0, _("All channels"))
        for i, channel in enumerate(Channel, start=1):
            self.channel.setItemText(i, CHANNEL[channel].tr())
        self.unfiled.setText(_("Unfiled only"))
        self.use_dates.setText(_("Between"))
        self.search.setPlaceholderText(_("Search notes and numbers"))
        self.model.retranslate()
        self._update_count()


def _start_of(day: QDate) -> datetime:
    return datetime.combine(date(day.year(), day.month(), day.day()), time.min)
