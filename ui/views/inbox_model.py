"""The unfiled inbox as a table model: ids in memory, rows read in windows.

Years of unfiled calls stay cheap: only the ids are held, display rows are read a window
at a time and a bounded number are kept. Rows filed away or coming back are turned into
row removals and insertions, so that a view keeps its selection and scroll position.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.labels import CHANNEL, DIRECTION, cap
from coordinator.queries import communications as cq
from coordinator.queries.communications import CommunicationFilter, CommunicationRow
from coordinator.store.storage import Store
from ui.widgets.lazy_table import row_runs

Index = QModelIndex | QPersistentModelIndex

COL_AT, COL_CHANNEL, COL_WHO, COL_NOTES = range(4)
COLUMN_COUNT = 4

WINDOW = 200
"""Rows read at once when the view asks for one that is not cached."""
MAX_CACHED = 20 * WINDOW
"""Rows kept in memory at most (years of unfiled calls stay cheap)."""

_UNFILED = CommunicationFilter(unfiled_only=True)


class InboxModel(QAbstractTableModel):
    """Unfiled communications, newest first: the ids in memory, rows read in windows.

    :meth:`sync` reads the id list again and turns the difference into row removals and
    insertions, so a view keeps its selection and scroll position while rows are filed
    away or come back; only a change of order needs a reset.
    """

    def __init__(self, store: Store, clock: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        # id -> its display row (None: it vanished between the id list and the read)
        self._cache: OrderedDict[int, CommunicationRow | None] = OrderedDict()
        self.row_reads = 0  # how many window reads (for tests)
        self._ids = self._read_ids()
        self._index_rows()

    # -- ids ----------------------------------------------------------------------------

    def _read_ids(self) -> list[int]:
        return cq.ids(self.store, _UNFILED)

    def _index_rows(self) -> None:
        self._row_of = {ident: row for row, ident in enumerate(self._ids)}

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, ident: int) -> int | None:
        return self._row_of.get(ident)

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = self._read_ids()
        self._index_rows()
        self._cache.clear()
        self.endResetModel()

    def sync(self, changed: Iterable[int] = ()) -> None:
        """Follow the database: rows filed or deleted leave, rows unfiled or logged come
        in at their place, rows in ``changed`` that stay are re-read."""
        fresh = self._read_ids()
        fresh_set = set(fresh)
        old_set = set(self._ids)
        removed = old_set - fresh_set
        added = fresh_set - old_set
        if [i for i in self._ids if i not in removed] != [i for i in fresh if i not in added]:
            self.reload()  # the order itself changed (a time was edited)
            return
        # Bottom-up, so the row numbers still to remove stay valid.
        gone_rows = sorted(self._row_of[i] for i in removed)
        for first, last in reversed(row_runs(gone_rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._ids[first : last + 1]
            self.endRemoveRows()
        for ident in removed:
            self._cache.pop(ident, None)
        # Top-down: everything above an insertion point already matches the new list.
        new_rows = [row for row, ident in enumerate(fresh) if ident in added]
        for first, last in row_runs(new_rows):
            self.beginInsertRows(QModelIndex(), first, last)
            self._ids[first:first] = fresh[first : last + 1]
            self.endInsertRows()
        self._index_rows()
        self.refresh_ids(i for i in changed if i not in added)

    # -- rows ---------------------------------------------------------------------------

    def refresh_ids(self, idents: Iterable[int]) -> None:
        """Re-read the cached rows of ``idents`` in place (a name, a note changed)."""
        stale = [i for i in idents if i in self._cache and i in self._row_of]
        if not stale:
            return
        found = cq.rows(self.store, stale)
        for ident in stale:
            self._cache[ident] = found.get(ident)
        for first, last in row_runs(sorted(self._row_of[i] for i in stale)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, COLUMN_COUNT - 1))

    def refresh_cached(self) -> None:
        self.refresh_ids(list(self._cache))

    def record(self, row: int) -> CommunicationRow | None:
        ident = self.id_at(row)
        if ident is None:
            return None
        if ident not in self._cache:
            self._read_window(row // WINDOW)
        else:
            self._cache.move_to_end(ident)
        return self._cache.get(ident)

    def records(self, idents: Sequence[int]) -> list[CommunicationRow]:
        """Display rows of any ids, cached or not (a large selection), in the given order."""
        missing = [i for i in idents if i not in self._cache]
        found: dict[int, CommunicationRow] = {}
        if missing:
            found = cq.rows(self.store, missing)
        result = []
        for ident in idents:
            row = self._cache[ident] if ident in self._cache else found.get(ident)
            if row is not None:
                result.append(row)
        return result

    def _read_window(self, window: int) -> None:
        window_ids = self._ids[window * WINDOW : (window + 1) * WINDOW]
        wanted = [i for i in window_ids if i not in self._cache]
        found = cq.rows(self.store, wanted)
        self.row_reads += 1
        for ident in wanted:
            self._cache[ident] = found.get(ident)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)

    # -- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        row = self.record(index.row())
        if row is None:
            return ""
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            # The whole start of the notes where the cell cuts them; the direction on the
            # channel (it matters less for filing than the room it would take).
            if column == COL_NOTES:
                return row.notes_start.strip() or None
            if column == COL_CHANNEL:
                return cap(DIRECTION[row.direction])
            return None
        if column == COL_AT:
            return short_datetime(row.at, self.clock())
        if column == COL_CHANNEL:
            return cap(CHANNEL[row.channel])
        if column == COL_WHO:
            return row.who
        notes = row.first_line
        return notes if len(notes) <= 80 else notes[:79] + "…"

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return (_("When"), _("Channel"), _("Who"), _("Notes"))[section]
        return None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, COLUMN_COUNT - 1)
            )
