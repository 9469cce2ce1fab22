"""Every communication, newest first: a filter bar over a lazy table of a million rows.

The table never measures its contents (no ResizeToContents): rows have one fixed
height and columns fixed widths, so showing it touches only the rows on screen.

The contact and case filters are search boxes that pick one record: type a name,
pinyin, initials or part of a number (a reference, title or company for a case),
choose from the popup; clearing the box shows every communication again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import _, ngettext
from coordinator.kinds import Channel
from coordinator.labels import CHANNEL
from coordinator.queries import cases as caseq
from coordinator.queries import communications as cq
from coordinator.queries import contacts as contactq
from coordinator.queries.cases import CaseFilter
from coordinator.queries.communications import CommunicationFilter
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.widgets.lazy_table import (
    COL_AT,
    COMMUNICATION_KINDS,
    SORT_KEYS,
    LazyCommunicationsModel,
)
from ui.widgets.search import keys_to_list, search_field
from ui.widgets.tables import set_up_table

PICKER_DELAY_MS = 150
PICKER_SHOWN = 20

Lookup = Callable[[str], list[tuple[int, str]]]
"""What a picker searches: the typed text -> (id, label) of the first matches."""


class SearchPicker(QLineEdit):
    """A search box that picks one record from a popup of matches.

    Typing searches (after a short pause) and lists the matches; choosing one emits
    :attr:`chosen` with its id. Editing the text again or clearing it drops the choice
    (``chosen(None)``), so the box never shows one name while filtering by another.
    """

    chosen = Signal(object)  # int | None

    def __init__(self, lookup: Lookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self.chosen_id: int | None = None
        self.setClearButtonEnabled(True)
        self.matches = QStandardItemModel(self)
        # Driven by hand (setWidget, not setCompleter): the matches come from SQL, and the
        # line edit must not fill itself in with a half-chosen completion.
        self.completer_ = QCompleter(self.matches, self)
        self.completer_.setWidget(self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        # QCompleter.activated is overloaded (text, index); the stubs do not know the index.
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PICKER_DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self.textEdited.connect(self._edited)
        self.textChanged.connect(self._text_changed)

    def choose(self, ident: int | None, label: str = "") -> None:
        """Pick ``ident`` as if chosen from the popup (None clears the box)."""
        self.timer.stop()
        self._hide_popup()
        changed = ident != self.chosen_id
        self.chosen_id = ident
        self.blockSignals(True)  # the text is the choice's, not a new search
        self.setText(label if ident is not None else "")
        self.blockSignals(False)
        if changed:
            self.chosen.emit(ident)

    def search_now(self) -> None:
        self.timer.stop()
        text = self.text().strip()
        self.matches.clear()
        if not text or self.chosen_id is not None:
            self._hide_popup()
            return
        for ident, label in self._lookup(text):
            item = QStandardItem(label)
            item.setData(ident, Qt.ItemDataRole.UserRole)
            item.setEditable(False)
            self.matches.appendRow(item)
        if self.matches.rowCount():
            self.completer_.complete()
        else:
            self._hide_popup()

    def _hide_popup(self) -> None:
        popup = self.completer_.popup()
        if popup is not None:
            popup.hide()

    def _activated(self, index: QModelIndex) -> None:
        ident = index.data(Qt.ItemDataRole.UserRole)
        if ident is not None:
            self.choose(int(ident), str(index.data(Qt.ItemDataRole.DisplayRole)))

    def _edited(self, _text: str) -> None:
        self._drop()
        self.timer.start()

    def _text_changed(self, text: str) -> None:
        if not text:  # the clear button
            self.timer.stop()
            self._hide_popup()
            self._drop()

    def _drop(self) -> None:
        if self.chosen_id is not None:
            self.chosen_id = None
            self.chosen.emit(None)


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
        self.contact_label = QLabel(self)
        self.contact = SearchPicker(self._find_contacts, self)
        self.case_label = QLabel(self)
        self.case = SearchPicker(self._find_cases, self)
        for picker in (self.contact, self.case):
            picker.setMinimumWidth(150)
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
        self.search, self.search_timer = search_field(self, self._apply_filter)
        self.count_label = QLabel(self)

        # Two rows: who and what first, then when and the words.
        bar = QHBoxLayout()
        bar.addWidget(self.channel_label)
        bar.addWidget(self.channel)
        bar.addWidget(self.contact_label)
        bar.addWidget(self.contact, 1)
        bar.addWidget(self.case_label)
        bar.addWidget(self.case, 1)
        bar.addWidget(self.unfiled)
        second = QHBoxLayout()
        second.addWidget(self.use_dates)
        second.addWidget(self.since)
        second.addWidget(self.until)
        second.addWidget(self.search, 1)
        second.addWidget(self.count_label)

        self.model = LazyCommunicationsModel(store, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        # The notes are what the officer reads: they take the room that is left.
        set_up_table(self.table, kinds=COMMUNICATION_KINDS, sortable=True)
        horizontal = self.table.horizontalHeader()
        horizontal.setSortIndicator(COL_AT, Qt.SortOrder.DescendingOrder)
        horizontal.sortIndicatorChanged.connect(self._sort_changed)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)

        self.channel.currentIndexChanged.connect(self._apply_filter)
        self.unfiled.toggled.connect(self._apply_filter)
        self.contact.chosen.connect(self._apply_filter)
        self.case.chosen.connect(self._apply_filter)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.since.dateChanged.connect(self._apply_filter)
        self.until.dateChanged.connect(self._apply_filter)
        self.model.modelReset.connect(self._update_count)
        self.table.doubleClicked.connect(self._open_case_of_row)
        self.table.activated.connect(self._open_case_of_row)  # Enter on a row
        keys_to_list(
            self.search, self.search_timer, self._apply_filter, self.table, self._open_case_of_row
        )
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
            contact_id=self.contact.chosen_id,
            case_id=self.case.chosen_id,
            unfiled_only=self.unfiled.isChecked(),
            since=since,
            until=until,
            text=self.search.text().strip(),
        )

    def _apply_filter(self) -> None:
        self.search_timer.stop()
        self.model.set_filter(self.current_filter())

    def filter_by_contact(self, contact_id: int | None) -> None:
        """Show the communications with one contact (None: with anyone)."""
        label = ""
        if contact_id is not None:
            row = contactq.contact_rows(self.store, [contact_id]).get(contact_id)
            if row is None:
                return
            label = _contact_label(row)
        self.contact.choose(contact_id, label)

    def filter_by_case(self, case_id: int | None) -> None:
        """Show the communications of one case (None: of any case)."""
        label = ""
        if case_id is not None:
            row = caseq.rows(self.store, [case_id]).get(case_id)
            if row is None:
                return
            label = _case_label(row)
        self.case.choose(case_id, label)

    def _find_contacts(self, text: str) -> list[tuple[int, str]]:
        with self.store.snapshot():
            # The people talked to lately first: the one the officer has in mind.
            ids = contactq.contact_ids(
                self.store,
                contactq.ContactFilter(text=text),
                sort=contactq.SORT_LAST_CONTACT,
                descending=True,
                limit=PICKER_SHOWN,
            )
            rows = contactq.contact_rows(self.store, ids)
        return [(i, _contact_label(rows[i])) for i in ids if i in rows]

    def _find_cases(self, text: str) -> list[tuple[int, str]]:
        with self.store.snapshot():
            ids = caseq.ids(self.store, CaseFilter(text=text), limit=PICKER_SHOWN)
            rows = caseq.rows(self.store, ids)
        return [(i, _case_label(rows[i])) for i in ids if i in rows]

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
            self.contact.choose(None)
            self.case.choose(None)
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
        found = cq.rows(self.store, [ident]).get(ident)
        if found is not None and found.case_id is not None:
            self.hub.request_open(ChangeKind.CASE, found.case_id)

    def on_changed(self, changes: ChangeSet) -> None:
        """Edited rows are re-read in place; a new row (or one this list has not got)
        needs the ids again. Names and case references show in rows: re-read those too."""
        changed = changes.ids_of(ChangeKind.COMMUNICATION)
        if changed:
            if any(self.model.row_of(i) is None for i in changed):
                self.model.reload()
            else:
                self.model.refresh_ids(changed)
        elif changes.touches(ChangeKind.CONTACT, ChangeKind.CASE):
            self.model.refresh_cached()

    # -- refresh and language --------------------------------------------------------

    def refresh(self) -> None:
        """Read the list again (rows added or deleted elsewhere)."""
        self.model.reload()

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(ngettext("{n} communication", "{n} communications", n).format(n=n))

    def retranslate(self) -> None:
        self.channel_label.setText(_("Channel:"))
        self.channel.setItemText(0, _("All channels"))
        for i, channel in enumerate(Channel, start=1):
            self.channel.setItemText(i, CHANNEL[channel].tr())
        self.contact_label.setText(_("Contact:"))
        self.contact.setPlaceholderText(_("Anyone: type a name, pinyin or number"))
        self.case_label.setText(_("Case:"))
        self.case.setPlaceholderText(_("Any case: type a reference, title or company"))
        self.unfiled.setText(_("Unfiled only"))
        self.use_dates.setText(_("Between"))
        self.search.setPlaceholderText(_("Search notes and numbers"))
        self.model.retranslate()
        self._update_count()


def _contact_label(row: contactq.ContactRow) -> str:
    return f"{row.name} · {row.organisation_name}" if row.organisation_name else row.name


def _case_label(row: caseq.CaseRow) -> str:
    return f"{row.reference} · {row.title}"


def _start_of(day: QDate) -> datetime:
    return datetime.combine(date(day.year(), day.month(), day.day()), time.min)
