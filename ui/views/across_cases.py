"""What the lists of steps and of documents across every case have in common.

A search box (its text filters after a short pause), the lazy id-only table sorted in
SQL, a page saying what to do when the filters leave nothing, a toolbar of one-key
status changes that act on the selected rows, Enter or a double-click to open a row in
its case, and following the changes made anywhere (:func:`~ui.widgets.tables.follow_changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableView, QToolBar, QWidget

from coordinator.i18n import Counted, _
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.department_sources import FlaggedListModel
from ui.widgets.column_kinds import Kind
from ui.widgets.search import keys_to_list, search_field
from ui.widgets.tables import (
    follow_changes,
    list_or_empty_page,
    select_ids,
    selected_ids,
    set_up_table,
    sort_indicator,
)


class AcrossCasesList(QWidget):
    """The frame of one list across cases; a subclass adds its filters and keys."""

    opens: ChangeKind
    """What a row is, and what Enter asks the window to open."""

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        model: FlaggedListModel,
        sort_keys: Mapping[int, str],
        kinds: Sequence[Kind],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self.sort_keys = sort_keys
        self._own_change = False  # True while this list's own key press is being saved

        self.search, self.search_timer = search_field(self, self._apply_filter)
        self.count_label = QLabel(self)

        self.model = model
        self.table = QTableView(self)
        self.table.setModel(model)
        set_up_table(self.table, kinds=kinds, sortable=True)
        sort_indicator(self.table, sort_keys, model)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.toolbar = QToolBar(self)
        self.pages, self.empty_text, self.clear_button = list_or_empty_page(self.table, self)
        self.clear_button.clicked.connect(self.clear_filters)
        self.open_action = QAction(self)

        self.model.modelReset.connect(self._list_changed)
        self.table.doubleClicked.connect(self._double_clicked)
        keys_to_list(
            self.search, self.search_timer, self._apply_filter, self.table, self.open_current
        )
        hub.changed.connect(self._on_changed)

    def filter_bar(self, *filters: QWidget) -> QHBoxLayout:
        """The filters, then the search box taking the room, then the count."""
        bar = QHBoxLayout()
        for widget in filters:
            bar.addWidget(widget)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        return bar

    def add_open_action(self) -> None:
        """Enter opens the current row in its case (after the key actions, on the bar)."""
        self.toolbar.addSeparator()
        self.open_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        # Only while the list has the focus: Enter in the search box filters.
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action.triggered.connect(self.open_current)
        self.toolbar.addAction(self.open_action)
        self.table.addAction(self.open_action)

    # -- what a subclass says --------------------------------------------------------------

    def _apply_filter(self) -> None:
        raise NotImplementedError

    def clear_filters(self) -> None:
        raise NotImplementedError

    def _list_changed(self) -> None:
        raise NotImplementedError

    def _on_changed(self, changes: ChangeSet) -> None:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in self.sort_keys:  # no SQL order of its own: show the current one
            sort_indicator(self.table, self.sort_keys, self.model)
            return
        self.model.sort(column, order)

    def selected_ids(self) -> list[int]:
        return selected_ids(self.table, self.model)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        ident = self.model.id_at(index.row()) if index.isValid() else None
        if ident is not None:
            self.hub.request_open(self.opens, ident)

    def _double_clicked(self, index: QModelIndex) -> None:
        ident = self.model.id_at(index.row())
        if ident is not None:
            self.hub.request_open(self.opens, ident)

    def show_selected(self, ident: int) -> bool:
        """Select the row of ``ident`` and give the list the focus; False if not listed."""
        shown = select_ids(self.table, self.model, [ident])
        if shown:
            self.table.setFocus()
        return shown

    def follow(
        self,
        changes: ChangeSet,
        of_cases: Callable[[Store, Iterable[int]], set[int]],
        matching: Callable[[Store, set[int]], set[int]],
    ) -> None:
        """Refresh the rows a change touched: its own records, and those of the cases it
        changed (a case's reference or company shows on every row of it)."""
        with self.store.snapshot():
            candidates = set(changes.ids_of(self.opens)) | of_cases(
                self.store, changes.ids_of(ChangeKind.CASE)
            )
            now = matching(self.store, candidates) if candidates else set()
        if candidates:
            follow_changes(self.table, self.model, candidates, now, self._own_change)

    def show_count(self, text: Counted, empty: str, filtered: bool) -> bool:
        """The count, and the empty page's sentence; True if the list has rows."""
        count = self.model.rowCount()
        self.count_label.setText(text(count))
        self.pages.setCurrentIndex(0 if count else 1)
        sort_indicator(self.table, self.sort_keys, self.model)
        if not count:
            self.empty_text.setText(empty)
            self.clear_button.setVisible(filtered)
        return bool(count)

    def name_open_action(self) -> None:
        self.open_action.setText(_("Open in its case"))
        self.open_action.setToolTip(_("Open in its case (Enter)"))
