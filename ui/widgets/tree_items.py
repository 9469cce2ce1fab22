"""A tree of read-only rows over a QStandardItemModel (QTreeWidget's own model does not
pass Qt's model tester, so the case view's trees use this instead).

A row is named by the item of its first column; :meth:`ItemTree.text` reads any cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from PySide6.QtCore import QModelIndex, QPoint, QRect
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from coordinator.bidi import isolate


class ItemTree(QTreeView):
    def __init__(self, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items = QStandardItemModel(0, columns, self)
        self.setModel(self.items)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)

    def set_headers(self, labels: Sequence[str]) -> None:
        self.items.setHorizontalHeaderLabels(list(labels))

    def clear(self) -> None:
        self.items.removeRows(0, self.items.rowCount())

    def add(self, cells: Sequence[str], parent: QStandardItem | None = None) -> QStandardItem:
        row = [QStandardItem(isolate(text)) for text in cells]
        for item in row:
            item.setEditable(False)
        (parent or self.items.invisibleRootItem()).appendRow(row)
        return row[0]

    def cell(self, item: QStandardItem, column: int) -> QStandardItem | None:
        parent = item.parent() or self.items.invisibleRootItem()
        return parent.child(item.row(), column)

    def text(self, item: QStandardItem, column: int) -> str:
        cell = self.cell(item, column)
        return "" if cell is None else cell.text()

    def top_items(self) -> Iterator[QStandardItem]:
        root = self.items.invisibleRootItem()
        for row in range(root.rowCount()):
            item = root.child(row, 0)
            if item is not None:
                yield item

    def _first(self, index: QModelIndex) -> QStandardItem | None:
        if not index.isValid():
            return None
        return self.items.itemFromIndex(index.siblingAtColumn(0))

    def current_item(self) -> QStandardItem | None:
        return self._first(self.currentIndex())

    def set_current(self, item: QStandardItem) -> None:
        self.setCurrentIndex(item.index())
        self.scrollTo(item.index())

    def selected_items(self) -> list[QStandardItem]:
        found = [self._first(i) for i in self.selectionModel().selectedRows()]
        return [f for f in found if f is not None]

    def item_at(self, point: QPoint) -> QStandardItem | None:
        return self._first(self.indexAt(point))

    def visual_rect(self, item: QStandardItem) -> QRect:
        return self.visualRect(item.index())


def children(item: QStandardItem) -> Iterator[QStandardItem]:
    for row in range(item.rowCount()):
        child = item.child(row, 0)
        if child is not None:
            yield child
