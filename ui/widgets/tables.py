"""The lists' one table set-up, their empty page, and keeping a selection across reloads.

Every list of the app is a read-only table of whole rows: nothing is edited in place, no
row numbers, one line per row of a fixed height so the table never measures its rows
(a million rows would be measured one by one), columns at set widths that the officer
may drag. Sorting, where a list has it, is SQL: the header only tells the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # Today's short lists are set up before the lazy lists are needed
    from ui.widgets.lazy_table import LazyIdModel

Selection = QAbstractItemView.SelectionMode


def set_up_table(
    table: QTableView,
    widths: Mapping[int, int] | Sequence[int] = (),
    *,
    selection: Selection = Selection.ExtendedSelection,
    stretch: int | None = None,
    sortable: bool = False,
    fit_to_contents: bool = False,
) -> None:
    """Whole rows, read only, one fixed-height line each; ``widths`` by column.

    ``stretch``: the column that takes the room left over (None: the last one).
    ``fit_to_contents``: short lists (Today's) size their columns to the first rows.
    """
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(selection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
    horizontal = table.horizontalHeader()
    if fit_to_contents:
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Fit to the first rows only: measuring all 200 of a long list costs more than
        # the rest of the screen.
        horizontal.setResizeContentsPrecision(25)
    else:
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    pairs = widths.items() if isinstance(widths, Mapping) else enumerate(widths)
    for column, width in pairs:
        table.setColumnWidth(column, width)
    horizontal.setStretchLastSection(stretch is None)
    if stretch is not None:
        horizontal.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    if sortable:
        horizontal.setSortIndicatorShown(True)
        horizontal.setSectionsClickable(True)


def list_or_empty_page(
    table: QTableView, parent: QWidget
) -> tuple[QStackedWidget, QLabel, QPushButton]:
    """The list, or in its place a sentence saying what to do and a "clear filters" button."""
    text = QLabel(parent)
    text.setWordWrap(True)
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    clear = QPushButton(parent)
    empty = QWidget(parent)
    column = QVBoxLayout(empty)
    column.addStretch(1)
    column.addWidget(text)
    column.addWidget(clear, 0, Qt.AlignmentFlag.AlignHCenter)
    column.addStretch(2)
    pages = QStackedWidget(parent)
    pages.addWidget(table)
    pages.addWidget(empty)
    return pages, text, clear


def sort_indicator(table: QTableView, keys: Mapping[int, str], model: LazyIdModel) -> None:
    """Show the model's order on the header (without sorting again)."""
    key, descending = model.sort_key
    column = next((c for c, k in keys.items() if k == key), -1)
    header = table.horizontalHeader()
    header.blockSignals(True)
    header.setSortIndicator(
        column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    )
    header.blockSignals(False)


def selected_ids(table: QTableView, model: LazyIdModel) -> list[int]:
    """The selected rows' ids in list order, else the current row's."""
    rows = sorted(index.row() for index in table.selectionModel().selectedRows())
    if not rows and table.currentIndex().isValid():
        rows = [table.currentIndex().row()]
    found = (model.id_at(row) for row in rows)
    return [i for i in found if i is not None]


def select_ids(table: QTableView, model: LazyIdModel, ids: Sequence[int]) -> bool:
    """Select the rows of ``ids`` (the first becomes current); False if none is shown."""
    rows = [r for r in (model.row_of(i) for i in ids) if r is not None]
    if not rows:
        return False
    selection = table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.setCurrentIndex(
        model.index(rows[0], 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    for row in rows[1:]:
        selection.select(model.index(row, 0), flags)
    table.scrollTo(model.index(rows[0], 0))
    return True


def reload_keeping_selection(table: QTableView, model: LazyIdModel) -> None:
    chosen = selected_ids(table, model)
    model.reload()
    if chosen:
        select_ids(table, model, chosen)


def follow_changes(
    table: QTableView,
    model: LazyIdModel,
    candidates: Iterable[int],
    matching_now: set[int],
    own_change: bool,
) -> None:
    """Bring a filtered list up to date after ``candidates`` changed.

    A candidate that now matches the filter but is not shown makes the list reload (it
    must appear in its place). One that is shown but no longer matches stays where it is
    after the officer's own key press, showing its new state (it leaves at the next
    reload: a row must not vanish from under the keyboard); after a change made
    elsewhere it makes the list reload. Otherwise only the shown rows are read again.
    """
    wanted = set(candidates)
    shown = {i for i in wanted if model.row_of(i) is not None}
    entering = matching_now - shown
    leaving = shown - matching_now
    if entering or (leaving and not own_change):
        reload_keeping_selection(table, model)
    elif shown:
        model.refresh_ids(shown)
