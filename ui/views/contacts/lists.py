"""A lazy list of contacts or organisations, with its search box and kind filter.

The table holds ids only (:class:`~ui.widgets.lazy_table.LazyIdModel` over a source of
:mod:`ui.views.contacts.sources`); filtering and sorting are SQL. The list keeps the
record the officer chose current across reloads and marks the records with drafts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import Counted
from coordinator.kinds import OrganisationKind
from coordinator.labels import ORGANISATION_KIND
from coordinator.store.storage import Store
from ui.views.contacts.parts import empty_label, reload_if_count_changed
from ui.widgets.column_kinds import Kind
from ui.widgets.lazy_table import LazyIdModel, ListSource
from ui.widgets.search import keys_to_list, search_field
from ui.widgets.tables import set_up_table

Index = QModelIndex | QPersistentModelIndex


class DraftSource(ListSource, Protocol):
    """A list source that marks the records with unsaved edits."""

    drafts: frozenset[int]


SourceFactory = Callable[[str, OrganisationKind | None, frozenset[int]], DraftSource]


class RecordList(QWidget):
    """Search box, kind filter and an id-only table; says which record is current."""

    current_changed = Signal(int)  # the id of the row the officer made current

    def __init__(
        self,
        store: Store,
        make_source: SourceFactory,
        kinds: Sequence[Kind],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._make_source = make_source
        self._drafts: frozenset[int] = frozenset()
        self._filter: tuple[str, OrganisationKind | None] = ("", None)
        self._selected = 0  # the id to keep current across reloads (0: none)
        self.empty_text = ""  # shown when there is nothing at all
        self.no_match_text = ""  # shown when the filter leaves nothing
        self.count_text: Counted = str  # how many rows the filter lets through

        self.search, self.search_timer = search_field(self, self.apply_filter)
        self.kind = QComboBox(self)
        self.kind.addItem("", None)
        for kind in OrganisationKind:
            self.kind.addItem("", kind.value)
        self.count_label = QLabel(self)

        self._source = make_source("", None, self._drafts)
        self.model = LazyIdModel(store, self._source, self)
        # The lists read as a directory, A to Z; the model's own default is newest first.
        self.model.set_sort(self.model.sort_key[0], False)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(
            self.table,
            kinds=kinds,
            selection=QAbstractItemView.SelectionMode.SingleSelection,
        )
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(
            self._column_of(self.model.sort_key[0]), Qt.SortOrder.AscendingOrder
        )
        header.setSectionsClickable(True)
        self.empty = empty_label(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.kind)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        self.search.returnPressed.connect(self.apply_filter)
        # The one match found is shown in the detail pane, the list keeping the keyboard.
        keys_to_list(
            self.search, self.search_timer, self.apply_filter, self.table, self.table.setFocus
        )
        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        header.sortIndicatorChanged.connect(self._sort_changed)

    # -- filter, sort, selection -------------------------------------------------------

    def _column_of(self, key: str) -> int:
        return next(c for c, k in self._source.sort_keys().items() if k == key)

    def filter_active(self) -> bool:
        return self._filter != ("", None)

    def apply_filter(self) -> None:
        self.search_timer.stop()
        value = self.kind.currentData()
        wanted = (self.search.text().strip(), OrganisationKind(value) if value else None)
        if wanted == self._filter:
            return
        self._filter = wanted
        self._source = self._make_source(wanted[0], wanted[1], self._drafts)
        self.model.set_source(self._source)

    def clear_filter(self) -> None:
        for widget in (self.search, self.kind):
            widget.blockSignals(True)
        self.search.clear()
        self.kind.setCurrentIndex(0)
        for widget in (self.search, self.kind):
            widget.blockSignals(False)
        self.apply_filter()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in self._source.sort_keys():  # no SQL order here: show the current one
            key, descending = self.model.sort_key
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(
                self._column_of(key),
                Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
            )
            header.blockSignals(False)
            return
        self.model.sort(column, order)

    def _row_changed(self, current: Index, _previous: Index) -> None:
        ident = self.model.id_at(current.row()) if current.isValid() else None
        if ident is not None:
            self._selected = ident
            self.current_changed.emit(ident)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def select_id(self, ident: int, *, reveal: bool = False) -> bool:
        """Make ``ident`` the current row; ``reveal`` clears a filter that hides it."""
        self._selected = ident
        row = self.model.row_of(ident)
        if row is None and reveal and self.filter_active():
            self.clear_filter()
            row = self.model.row_of(ident)
        if row is None:
            self.table.clearSelection()
            self.table.selectionModel().clearCurrentIndex()
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def forget_selection(self) -> None:
        """No row is current (so that a click on the row that was makes it current again)."""
        self._selected = 0
        self.table.clearSelection()
        self.table.selectionModel().clearCurrentIndex()

    def _after_reset(self) -> None:
        self._update_count()
        if self._selected and (row := self.model.row_of(self._selected)) is not None:
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(self.count_text(n))
        self.empty.setText(self.no_match_text if self.filter_active() else self.empty_text)
        self.stack.setCurrentWidget(self.table if n else self.empty)

    # -- changes -----------------------------------------------------------------------

    def set_drafts(self, drafts: frozenset[int]) -> None:
        """Mark these records as having unsaved edits (only the rows that changed repaint)."""
        changed = drafts ^ self._drafts
        self._drafts = drafts
        self._source.drafts = drafts
        if changed:
            self.model.refresh_ids(changed)

    def apply(self, ids: Iterable[int], *, check_count: bool) -> None:
        """Rows ``ids`` changed; ``check_count`` when records may have come or gone."""
        if check_count and reload_if_count_changed(self.model):
            return
        wanted = set(ids)
        if wanted:
            self.model.refresh_ids(wanted)

    def reload(self) -> None:
        self.model.reload()

    def retranslate(
        self, placeholder: str, all_kinds: str, count: Counted, empty: str, no_match: str
    ) -> None:
        self.search.setPlaceholderText(placeholder)
        self.count_text = count
        self.kind.setItemText(0, all_kinds)
        for i, kind in enumerate(OrganisationKind, start=1):
            self.kind.setItemText(i, ORGANISATION_KIND[kind].tr())
        self.empty_text, self.no_match_text = empty, no_match
        self.model.retranslate()
        self._update_count()
