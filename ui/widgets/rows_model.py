"""Small read-only table models over bounded lists held in full.

The long lists (communications over years) get id-only lazy models; short ones (the
Today screen's lists, capped by their queries, the backups of a folder, the findings of a
check, the preview of a file to import) hold their items, which is cheap.

:class:`ItemsModel` is the one implementation: a subclass says what a cell shows
(:meth:`~ItemsModel.text`, and optionally its tooltip, colour and alignment), the base
does the rest of Qt's table protocol. A cell's text cut short by its column is shown
whole as its tooltip by the lists' delegate (:mod:`ui.widgets.tables`), so a tooltip
here is for what the cell does not say. :class:`RowsModel` is the case where the rows are
already display text, each with the id of its record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from coordinator.bidi import isolate
from coordinator.i18n import Msg

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

_RIGHT: int = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ItemsModel(QAbstractTableModel, Generic[T]):
    """One row per item, read only.

    ``headers`` are the column titles; a :class:`~coordinator.i18n.Msg` among them is
    translated each time it is shown, so a change of language needs only a repaint.
    """

    right_aligned: ClassVar[frozenset[int]] = frozenset()  # columns of numbers

    def __init__(self, headers: Sequence[str] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._items: list[T] = []

    # -- what a subclass says ----------------------------------------------------------

    def text(self, item: T, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, item: T, column: int) -> str | None:
        return None

    def colour(self, item: T, column: int) -> QColor | None:
        return None

    # -- the items ---------------------------------------------------------------------

    def set_items(self, items: Iterable[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> T:
        return self._items[row]

    def set_headers(self, headers: Sequence[str]) -> None:
        if len(headers) != len(self._headers):
            self.beginResetModel()
            self._headers = list(headers)
            self.endResetModel()
            return
        self._headers = list(headers)
        if self._headers:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)

    def retranslate(self) -> None:
        """The language changed: every title and cell is read again."""
        last = len(self._headers) - 1
        if last < 0:
            return
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, last)
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, last))

    # -- Qt's table protocol -----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return isolate(self.text(item, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self.tooltip(item, column)
            return isolate(tip) if isinstance(tip, str) else tip
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(item, column)
            return None if colour is None else QBrush(colour)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_aligned:
            return _RIGHT
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            title = self._headers[section]
            return title.tr() if isinstance(title, Msg) else title
        return None


class RowsModel(ItemsModel[tuple[int, tuple[str, ...]]]):
    """Rows of display text, each with the id of the record it shows."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(headers, parent)

    def set_rows(self, rows: Sequence[tuple[int, tuple[str, ...]]]) -> None:
        self.set_items(rows)

    def id_at(self, row: int) -> int:
        return self.item_at(row)[0]

    def text(self, item: tuple[int, tuple[str, ...]], column: int) -> str:
        return item[1][column]
