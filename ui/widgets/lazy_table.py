"""Id-only table models with a bounded cache of row windows, for lists of any length.

A model holds the ordered ids of its list (sorting and filtering are SQL, done by its
:class:`ListSource`) and fetches display rows ``WINDOW`` at a time when the view asks
for one of them; at most ``MAX_WINDOWS`` windows stay cached (least recently used go
first). To show the first screen at once on a million rows, a reload reads only the
count, the first ``EDGE`` ids and the last ``EDGE`` ids; the whole id list is read the
first time a row between them is needed.

The communications list is one source; actions, documents and contacts across all
cases are others (``ui/views/department_sources.py``, ``ui/views/contacts/sources.py``,
``ui/views/cases.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from coordinator.bidi import isolate
from coordinator.exchange.sheets import Cell, Row
from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.labels import CHANNEL, DIRECTION, cap
from coordinator.queries import communications as cq
from coordinator.queries.communications import CommunicationFilter, CommunicationRow
from coordinator.store.storage import Store
from ui.widgets.column_kinds import Kind

Index = QModelIndex | QPersistentModelIndex

WINDOW = 200
MAX_WINDOWS = 20
EDGE = 5 * WINDOW


class ListSource(Protocol):
    """What a lazy list asks of its query: how many, which ids in which order, and the
    display cells of some ids. A source holds its own filter."""

    def headers(self) -> Sequence[str]: ...

    def sort_keys(self) -> Mapping[int, str]:
        """Column number -> the SQL sort key of that column (other columns do not sort)."""
        ...

    def count(self, store: Store) -> int: ...

    def ids(
        self, store: Store, sort: str, descending: bool, limit: int | None = None
    ) -> list[int]: ...

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]: ...

    def export_rows(self, store: Store, ids: Sequence[int]) -> Mapping[int, Sequence[Cell]]:
        """The cells of some ids for a spreadsheet: as :meth:`rows`, but a time in full
        and typed, a yes/no as a bool, a note whole. Column for column as ``rows``."""
        ...

    def alignment(self, column: int) -> int | None:
        """A Qt alignment for the column's cells, or None for the default."""
        ...


class LazyIdModel(QAbstractTableModel):
    """A table over a :class:`ListSource`: ids in memory, cells fetched in windows."""

    def __init__(self, store: Store, source: ListSource, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self._source = source
        keys = source.sort_keys()
        first = min(keys) if keys else 0
        self._sort = keys.get(first, "")
        self._descending = True
        self._count = 0
        self._all: list[int] | None = None  # the whole id list, once read
        self._head: list[int] = []
        self._tail: list[int] = []  # ids of rows [count - len(tail), count)
        # window number -> the cells of its rows (None: the row is gone) and its ids
        self._windows: OrderedDict[int, tuple[list[int], list[tuple[str, ...] | None]]] = (
            OrderedDict()
        )
        self._headers = list(source.headers())
        self.window_fetches = 0  # how many windows were read (for tests and benchmarks)
        self.id_list_loads = 0
        self._load_ids()

    # -- ids -------------------------------------------------------------------------

    @property
    def source(self) -> ListSource:
        return self._source

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def set_sort(self, key: str, descending: bool) -> None:
        if (key, descending) != (self._sort, self._descending):
            self._sort, self._descending = key, descending
            self.reload()

    def _load_ids(self) -> None:
        self._windows.clear()
        self._all = None
        source, store = self._source, self.store
        with store.snapshot():  # the count and the ids it counts agree
            self._count = source.count(store)
            if self._count <= 2 * EDGE:
                self._all = source.ids(store, self._sort, self._descending)
                self._count = len(self._all)
                self._head, self._tail = [], []
                return
            self._head = source.ids(store, self._sort, self._descending, limit=EDGE)
            # The tail starts on a window boundary so that no window straddles the gap.
            tail_start = ((self._count - EDGE) // WINDOW) * WINDOW
            tail = source.ids(
                store, self._sort, not self._descending, limit=self._count - tail_start
            )
            tail.reverse()
            self._tail = tail

    def _ensure_all(self) -> list[int]:
        if self._all is None:
            self._all = self._source.ids(self.store, self._sort, self._descending)
            self.id_list_loads += 1
            if len(self._all) != self._count:  # the data changed since the count was taken
                QTimer.singleShot(0, self, self.reload)
        return self._all

    def _ids_of_window(self, window: int) -> list[int]:
        start = window * WINDOW
        stop = min(start + WINDOW, self._count)
        if self._all is None:
            if stop <= len(self._head):
                return self._head[start:stop]
            tail_start = self._count - len(self._tail)
            if start >= tail_start:
                return self._tail[start - tail_start : stop - tail_start]
        return self._ensure_all()[start:stop]

    def id_at(self, row: int) -> int | None:
        if not 0 <= row < self._count:
            return None
        ids = self._ids_of_window(row // WINDOW)
        offset = row % WINDOW
        return ids[offset] if offset < len(ids) else None

    def row_of(self, ident: int) -> int | None:
        """The row showing ``ident`` (reads the whole id list if it is not yet read)."""
        try:
            return self._ensure_all().index(ident)
        except ValueError:
            return None

    # -- windows of rows -------------------------------------------------------------

    def _window(self, window: int) -> tuple[list[int], list[tuple[str, ...] | None]]:
        cached = self._windows.get(window)
        if cached is not None:
            self._windows.move_to_end(window)
            return cached
        ids = self._ids_of_window(window)
        found = self._source.rows(self.store, ids)
        entry = (ids, [found.get(i) for i in ids])
        self._windows[window] = entry
        self.window_fetches += 1
        while len(self._windows) > MAX_WINDOWS:
            self._windows.popitem(last=False)
        return entry

    def cached_windows(self) -> list[int]:
        return list(self._windows)

    def cells_at(self, row: int) -> tuple[str, ...] | None:
        if not 0 <= row < self._count:
            return None
        _ids, rows = self._window(row // WINDOW)
        offset = row % WINDOW
        return rows[offset] if offset < len(rows) else None

    def export_rows(self, columns: Sequence[int]) -> Iterator[Row]:
        """Every row in the order shown, ``columns`` of each, read window by window from
        the source (the cache of the rows on screen is left alone)."""
        ids = list(self._ensure_all())
        for start in range(0, len(ids), WINDOW):
            chunk = ids[start : start + WINDOW]
            found = self._source.export_rows(self.store, chunk)
            for offset, ident in enumerate(chunk):
                values = found.get(ident)
                if values is None:  # deleted since the list was read
                    continue
                yield tuple(self.export_cell(start + offset, c, values) for c in columns)

    def export_cell(self, row: int, column: int, values: Sequence[Cell]) -> Cell:
        """One cell of an exported row (a subclass fills the columns it draws itself)."""
        return values[column] if column < len(values) else ""

    # -- Qt model API ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._count:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._source.alignment(index.column())
        if role != Qt.ItemDataRole.DisplayRole:
            return None  # a cell cut short shows its text as a tooltip (the delegate's)
        row = self.cells_at(index.row())
        if row is None or index.column() >= len(row):
            return ""
        return isolate(row[index.column()])

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._source.sort_keys().get(column)
        if key is not None:
            self.set_sort(key, order == Qt.SortOrder.DescendingOrder)

    # -- changes ---------------------------------------------------------------------

    def set_source(self, source: ListSource) -> None:
        """Show another query (a new filter) from the top."""
        self._source = source
        self.reload()

    def reload(self) -> None:
        """Read the ids again (after rows were added or deleted, or the order changed)."""
        self.beginResetModel()
        self._headers = list(self._source.headers())
        self._load_ids()
        self.endResetModel()

    def refresh_ids(self, changed_ids: Iterable[int]) -> None:
        """Re-read the rows of ``changed_ids`` that are cached, in place (no reset).

        A row keeps its place even if the change would move it or take it out of the
        filter; :meth:`reload` re-sorts and re-filters.
        """
        wanted = set(changed_ids)
        hits: list[tuple[int, int, int]] = []  # (window, offset, id)
        for window, (ids, _rows) in self._windows.items():
            hits += [(window, offset, i) for offset, i in enumerate(ids) if i in wanted]
        if not hits:
            return
        found = self._source.rows(self.store, [i for _w, _o, i in hits])
        if len(found) < len({i for _w, _o, i in hits}):  # some were deleted: rows move up
            self.reload()
            return
        for window, offset, ident in hits:
            self._windows[window][1][offset] = found.get(ident)
        last = len(self._headers) - 1
        for start, stop in row_runs(sorted(w * WINDOW + o for w, o, _i in hits)):
            self.dataChanged.emit(self.index(start, 0), self.index(stop, last))

    def refresh_cached(self) -> None:
        """Re-read every cached row in place (a name or reference they show changed)."""
        self.refresh_ids({i for ids, _rows in self._windows.values() for i in ids})

    def retranslate(self) -> None:
        """Labels are cached as text: drop them and let the view ask again."""
        self._windows.clear()
        self._headers = list(self._source.headers())
        last = len(self._headers) - 1
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, last)
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, last))


# -- the communications list ---------------------------------------------------------

COL_AT, COL_DIRECTION, COL_CHANNEL, COL_WHO, COL_CASE, COL_DURATION, COL_NOTES, COL_FOLLOW_UP = (
    range(8)
)
COLUMN_COUNT = 8
COMMUNICATION_KINDS = (
    Kind.TIME,
    Kind.STATUS,  # the direction
    Kind.STATUS,  # the channel
    Kind.NAME,
    Kind.CODE,
    Kind.DURATION,
    Kind.NOTES,
    Kind.TIME,  # the follow-up's due time, and whether it is done
)
"""What the communications list's columns hold (:class:`~ui.widgets.tables.Kind`)."""

SORT_KEYS: dict[int, str] = {
    COL_AT: cq.SORT_AT,
    COL_CHANNEL: cq.SORT_CHANNEL,
    COL_WHO: cq.SORT_CONTACT,
    COL_CASE: cq.SORT_CASE,
    COL_DURATION: cq.SORT_DURATION,
}
"""The columns that sort (the others keep the current order)."""


def _headers() -> list[str]:
    return [
        _("When"),
        _("Direction"),
        _("Channel"),
        _("Who"),
        _("Case"),
        _("Duration"),
        _("Notes"),
        _("Follow-up"),
    ]


def _duration(seconds: int) -> str:
    if seconds <= 0:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _follow_up(row: CommunicationRow) -> str:
    if row.follow_up_due is None:
        return ""
    due = short_datetime(row.follow_up_due)
    if row.follow_up_done_at is not None:
        return _("{time}, done").format(time=due)
    return due


def cells(row: CommunicationRow) -> tuple[str, ...]:
    """The display text of one row, column by column."""
    notes = row.first_line
    return (
        short_datetime(row.at),
        cap(DIRECTION[row.direction]),
        cap(CHANNEL[row.channel]),
        row.who,
        row.case_reference or "",
        _duration(row.duration_seconds),
        notes if len(notes) <= 80 else notes[:79] + "…",
        _follow_up(row),
    )


def row_runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers grouped into (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class CommunicationSource:
    """The communications list under one filter."""

    def __init__(self, flt: CommunicationFilter | None = None) -> None:
        self.filter = flt or CommunicationFilter()

    def headers(self) -> Sequence[str]:
        return _headers()

    def sort_keys(self) -> Mapping[int, str]:
        return SORT_KEYS

    def count(self, store: Store) -> int:
        return cq.count(store, self.filter)

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        return cq.ids(store, self.filter, sort, descending, limit=limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        return {i: cells(row) for i, row in cq.rows(store, ids).items()}

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        found: dict[int, Sequence[Cell]] = {}
        for i, row in cq.rows(store, ids).items():
            values: list[Cell] = list(cells(row))
            values[COL_AT] = row.at
            values[COL_NOTES] = row.notes_start
            found[i] = values
        return found

    def alignment(self, column: int) -> int | None:
        if column == COL_DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class LazyCommunicationsModel(LazyIdModel):
    def __init__(
        self, store: Store, flt: CommunicationFilter | None = None, parent: Any = None
    ) -> None:
        super().__init__(store, CommunicationSource(flt), parent)

    @property
    def filter(self) -> CommunicationFilter:
        return self._comm_source().filter

    def _comm_source(self) -> CommunicationSource:
        source = self.source
        assert isinstance(source, CommunicationSource)
        return source

    def set_filter(self, flt: CommunicationFilter) -> None:
        if flt != self.filter:
            self.set_source(CommunicationSource(flt))
