"""The lists behind the two department views: actions and documents across every case.

Each source is a :class:`~ui.widgets.lazy_table.ListSource` over :mod:`coordinator.queries.actions`
or :mod:`coordinator.queries.documents`: ids in SQL order, display cells for the rows on
screen only. Working time ("waiting", "over / left") depends on the moment, so a source
reads its clock and the officer's calendar each time it builds a window of rows.

A row's cells carry hidden cells after the visible ones: last a flag the model turns
into a colour (red for a step past due), so that the flag is cached, refreshed and
dropped with the text it belongs to; before it, for a step, its case's id and the row
version shown (a status key hands it to the service, which refuses the change when a
colleague has changed the step since the row was read).

A step's forecast finish is not among its cells: it moves whenever any step of its
case, or any finished step of its kind anywhere, changes, while the cells move only
with the step. :class:`ActionsModel` keeps the forecasts of each window apart (one
:meth:`~ui.foresight.Foresight.forecasts` call per window, for the cases of its rows)
and drops them all on :meth:`ActionsModel.drop_forecasts`; only the windows on screen
are then asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.exchange.sheets import Cell
from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import listing, short_datetime
from coordinator.held_words import duration_text, margin_text
from coordinator.i18n import _
from coordinator.kinds import ActionStatus, DocumentState
from coordinator.labels import ACTION_STATUS, DOCUMENT_STATE, cap
from coordinator.queries import actions as aq
from coordinator.queries import documents as dq
from coordinator.queries.actions import ActionFilter, ActionRow
from coordinator.queries.documents import DocumentFilter, DocumentRow
from coordinator.store.storage import Store
from ui.widgets.column_kinds import Kind
from ui.widgets.forecast_text import NO_FORECAST, WARNING_COLOUR, ForecastText, step_text
from ui.widgets.lazy_table import WINDOW, Index, LazyIdModel

Clock = Callable[[], datetime]
Forecasts = Callable[[Iterable[int], datetime], Mapping[int, CaseForecast]]
"""The forecasts of some cases as of a moment (:meth:`ui.foresight.Foresight.forecasts`)."""

FLAG_LATE = "late"
LATE_COLOUR = QColor("#b3261e")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

# -- actions -------------------------------------------------------------------------------

# How long and how late come right after the step: in a narrow window they are what must
# stay in sight; the company's long name goes last and takes the room left over.
(
    A_CASE,
    A_DEPARTMENT,
    A_STEP,
    A_STATUS,
    A_WAITING,
    A_LEFT,
    A_DUE,
    A_FORECAST,
    A_REQUESTED,
    A_OWNER,
    A_COMPANY,
) = range(11)
A_REASON = A_COMPANY + 1
"""Why a step waits or is blocked: its status stays a word read at a glance."""
A_CASE_ID = A_REASON + 1
"""The hidden cell holding the step's case id (then its version, then the flag)."""
A_VERSION = A_CASE_ID + 1

ACTION_SORT_KEYS: dict[int, str] = {
    A_CASE: aq.SORT_CASE,
    A_COMPANY: aq.SORT_COMPANY,
    A_DEPARTMENT: aq.SORT_DEPARTMENT,
    A_STEP: aq.SORT_TITLE,
    A_STATUS: aq.SORT_STATUS,
    A_REQUESTED: aq.SORT_REQUESTED,
    A_DUE: aq.SORT_DUE,
    A_WAITING: aq.SORT_HELD,
    A_OWNER: aq.SORT_OWNER,
}
"""Every column sorts but "over / left", which follows the due time (sort by Due), and
the forecast, which is no column of the database."""


def action_headers() -> list[str]:
    return [
        _("Case"),
        _("Department"),
        _("Step"),
        _("Status"),
        _("Waiting"),
        _("Working time"),
        _("Due"),
        _("Forecast"),
        _("Requested"),
        _("Owner"),
        _("Company"),
        _("Reason"),
    ]


ACTION_KINDS = (
    Kind.CODE,
    Kind.NAME,
    Kind.TEXT,
    Kind.STATUS,
    Kind.DURATION,
    Kind.DURATION,
    Kind.TIME,
    Kind.TIME,
    Kind.TIME,
    Kind.NAME,
    Kind.TEXT,
    Kind.NOTES,
)
"""What the steps list's columns hold (:class:`~ui.widgets.tables.Kind`)."""


def action_cells(row: ActionRow, calendar: WorkingCalendar, now: datetime) -> tuple[str, ...]:
    """The display text of one step, column by column (the forecast column empty: the
    model fills it), then its case id, its version and its flag."""
    per_day = calendar.seconds_per_day
    held = aq.held_seconds(row, calendar, now)
    margin = aq.due_margin(row, calendar, now)
    status = cap(ACTION_STATUS[row.status])
    reason = ""
    if row.reason and row.status in (
        ActionStatus.BLOCKED,
        ActionStatus.WAITING,
        ActionStatus.WAITING_COMPANY,
    ):
        reason = _one_line(row.reason)
    late = margin is not None and margin.over and not margin.paused and not margin.finished
    return (
        row.case_reference,
        row.department_name,
        row.title,
        status,
        duration_text(held, per_day) if held is not None else "",
        margin_text(margin, per_day),
        short_datetime(row.due_at, now),
        "",
        short_datetime(row.requested_at, now),
        row.owner,
        row.company_name or "",
        reason,
        str(row.case_id),
        str(row.row_version),
        FLAG_LATE if late else "",
    )


def _one_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 60 else line[:59] + "…"


FULL_READ_MAX = 50_000
"""Up to this many rows, a list's ids are read whole in one sorted query."""


class _OneSortSource:
    """Serves the head and the tail of a list from one sorted read, when it is short.

    The lazy model reads a long list's first and last ids as two queries, each sorting
    every matching row; these lists sort on working-time keys no index holds, so for a
    list of up to :data:`FULL_READ_MAX` rows one full read costs about what one of those
    sorts costs. The read serves the head and tail requests that follow a count (the
    model makes all three in one snapshot of the data); the next count reads afresh.
    """

    def __init__(self) -> None:
        self._counted: int | None = None
        self._snapshot: tuple[str, bool, list[int]] | None = None

    def _count(self, store: Store) -> int:
        raise NotImplementedError

    def _ids(self, store: Store, sort: str, descending: bool, limit: int | None) -> list[int]:
        raise NotImplementedError

    def count(self, store: Store) -> int:
        found = self._count(store)
        self._counted = found
        self._snapshot = None
        return found

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        if limit is None:
            return self._ids(store, sort, descending, None)
        snapshot = self._snapshot
        if snapshot is not None and snapshot[0] == sort:
            whole = snapshot[2] if snapshot[1] == descending else snapshot[2][::-1]
            return whole[:limit]
        counted = self._counted
        if counted is not None and counted <= FULL_READ_MAX:
            whole = self._ids(store, sort, descending, None)
            self._snapshot = (sort, descending, whole)
            return whole[:limit]
        return self._ids(store, sort, descending, limit)


class ActionSource(_OneSortSource):
    """The steps of every case under one filter."""

    def __init__(self, store: Store, clock: Clock, flt: ActionFilter | None = None) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.filter = flt or ActionFilter()

    def headers(self) -> Sequence[str]:
        return action_headers()

    def sort_keys(self) -> Mapping[int, str]:
        return ACTION_SORT_KEYS

    def _count(self, store: Store) -> int:
        return aq.count(store, self.filter)

    def _ids(self, store: Store, sort: str, descending: bool, limit: int | None) -> list[int]:
        return aq.ids(store, self.filter, sort, descending, limit=limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        calendar = self.store.calendar()
        now = self.clock()
        return {i: action_cells(row, calendar, now) for i, row in aq.rows(store, ids).items()}

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        calendar = self.store.calendar()
        now = self.clock()
        found: dict[int, Sequence[Cell]] = {}
        for i, row in aq.rows(store, ids).items():
            values: list[Cell] = list(action_cells(row, calendar, now))
            values[A_DUE] = row.due_at
            values[A_REQUESTED] = row.requested_at
            found[i] = values
        return found

    def alignment(self, column: int) -> int | None:
        return _RIGHT if column in (A_WAITING, A_LEFT) else None

    def flag_columns(self) -> frozenset[int]:
        return frozenset({A_LEFT, A_DUE})


# -- documents -----------------------------------------------------------------------------

(
    D_CASE,
    D_TITLE,
    D_STATE,
    D_HOLDER,
    D_WAITING,
    D_PAPER,
    D_FILES,
    D_COMPANY,
) = range(8)
D_NOTE = D_COMPANY + 1
"""What the state leaves open: the promised completion, why it was returned."""
D_VERSION = D_NOTE + 1
"""The hidden cell holding the document's version (then the flag)."""

DOCUMENT_SORT_KEYS: dict[int, str] = {
    D_CASE: dq.SORT_CASE,
    D_COMPANY: dq.SORT_COMPANY,
    D_TITLE: dq.SORT_TITLE,
    D_STATE: dq.SORT_STATE,
    D_HOLDER: dq.SORT_HOLDER,
    D_WAITING: dq.SORT_HELD,
}


def document_headers() -> list[str]:
    return [
        _("Case"),
        _("Document"),
        _("State"),
        _("Held by"),
        _("Waiting"),
        _("Original / stamped"),
        _("Files"),
        _("Company"),
        _("Note"),
    ]


DOCUMENT_KINDS = (
    Kind.CODE,
    Kind.TEXT,
    Kind.STATUS,
    Kind.NAME,
    Kind.DURATION,
    Kind.NAME,
    Kind.NUMBER,
    Kind.TEXT,
    Kind.NOTES,
)
"""What the documents list's columns hold (:class:`~ui.widgets.tables.Kind`)."""


def _paper(row: DocumentRow) -> str:
    marks = []
    if row.is_original:
        marks.append(_("original"))
    if row.stamped:
        marks.append(_("stamped"))
    return listing(marks)


def document_cells(row: DocumentRow, calendar: WorkingCalendar, now: datetime) -> tuple[str, ...]:
    """The display text of one document, column by column, then its version and its flag."""
    held = dq.held_seconds(row, calendar, now)
    state = cap(DOCUMENT_STATE[row.state])
    note = ""
    late = False
    if row.state == DocumentState.ACCEPTED_MISSING and row.promised_completion_at is not None:
        note = _("promised by {time}").format(time=short_datetime(row.promised_completion_at, now))
        late = row.promised_completion_at < now
    elif row.state == DocumentState.RETURNED and row.return_reason:
        note = _one_line(row.return_reason)
    return (
        row.case_reference,
        row.title,
        state,
        row.holder_name if row.holder_name is not None else _("me"),
        duration_text(held, calendar.seconds_per_day) if held is not None else "",
        _paper(row),
        str(row.files) if row.files else "",
        row.company_name or "",
        note,
        str(row.row_version),
        FLAG_LATE if late else "",
    )


class DocumentSource(_OneSortSource):
    """The documents of every case under one filter."""

    def __init__(self, store: Store, clock: Clock, flt: DocumentFilter | None = None) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.filter = flt or DocumentFilter()

    def headers(self) -> Sequence[str]:
        return document_headers()

    def sort_keys(self) -> Mapping[int, str]:
        return DOCUMENT_SORT_KEYS

    def _count(self, store: Store) -> int:
        return dq.count(store, self.filter)

    def _ids(self, store: Store, sort: str, descending: bool, limit: int | None) -> list[int]:
        return dq.ids(store, self.filter, sort, descending, limit=limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        calendar = self.store.calendar()
        now = self.clock()
        return {i: document_cells(row, calendar, now) for i, row in dq.rows(store, ids).items()}

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        found: dict[int, Sequence[Cell]] = {}
        for i, cells in self.rows(store, ids).items():
            values: list[Cell] = list(cells)
            values[D_FILES] = int(cells[D_FILES] or 0)
            found[i] = values
        return found

    def alignment(self, column: int) -> int | None:
        return _RIGHT if column in (D_WAITING, D_FILES) else None

    def flag_columns(self) -> frozenset[int]:
        return frozenset({D_STATE, D_NOTE})


# -- the models ----------------------------------------------------------------------------


class _Unread:
    """Stands in for a source while its model is built: the base class reads ids in its
    own first order, and these lists start in another, so the real source comes only
    once the order is set (one read of the ids instead of two)."""

    def __init__(self, source: ActionSource | DocumentSource) -> None:
        self._source = source

    def headers(self) -> Sequence[str]:
        return self._source.headers()

    def sort_keys(self) -> Mapping[int, str]:
        return self._source.sort_keys()

    def count(self, store: Store) -> int:
        return 0

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        return []

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        return {}

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        return {}

    def alignment(self, column: int) -> int | None:
        return self._source.alignment(column)


class FlaggedListModel(LazyIdModel):
    """A lazy list whose rows can be flagged late: their flag columns are drawn in red."""

    def __init__(
        self,
        store: Store,
        source: ActionSource | DocumentSource,
        sort: tuple[str, bool],
        parent: Any = None,
    ) -> None:
        super().__init__(store, _Unread(source), parent)
        self.set_sort(*sort)
        self.set_source(source)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if not index.isValid():
                return None
            source = self.source
            assert isinstance(source, ActionSource | DocumentSource)
            if index.column() not in source.flag_columns():
                return None
            cells = self.cells_at(index.row())
            if cells is not None and cells[-1] == FLAG_LATE:
                return QBrush(LATE_COLOUR)
            return None
        return super().data(index, role)


MAX_FORECAST_WINDOWS = 4
"""Windows whose forecasts are kept: the screen shows one or two at a time."""


class ActionsModel(FlaggedListModel):
    def __init__(
        self,
        store: Store,
        clock: Clock,
        flt: ActionFilter | None = None,
        parent: Any = None,
        forecasts: Forecasts | None = None,
    ) -> None:
        super().__init__(store, ActionSource(store, clock, flt), (aq.SORT_HELD, True), parent)
        self.clock = clock
        self.forecasts = forecasts
        self._forecasts: dict[int, dict[int, ForecastText]] = {}  # window -> step -> text
        self.forecast_fetches = 0  # how many windows' forecasts were worked out (tests)
        # Windows are numbered anew by every reset: their forecasts go with them.
        self.modelReset.connect(self._forget_forecasts)

    @property
    def filter(self) -> ActionFilter:
        source = self.source
        assert isinstance(source, ActionSource)
        return source.filter

    def version_at(self, row: int) -> int | None:
        """The version of the step on ``row`` as the list shows it (None: not read)."""
        cells = self.cells_at(row)
        return int(cells[A_VERSION]) if cells is not None else None

    def set_filter(self, flt: ActionFilter) -> bool:
        """Show ``flt``; False (and nothing read) if it is the one shown."""
        if flt == self.filter:
            return False
        self.set_source(ActionSource(self.store, self.clock, flt))
        return True

    # -- the forecast column ---------------------------------------------------------------

    def forecast_at(self, row: int) -> ForecastText:
        """The forecast of the step on ``row`` (worked out with the rest of its window)."""
        if self.forecasts is None or not 0 <= row < self.rowCount():
            return NO_FORECAST
        window = row // WINDOW
        found = self._forecasts.get(window)
        if found is None:
            found = self._window_forecasts(window)
        ident = self.id_at(row)
        return found.get(ident, NO_FORECAST) if ident is not None else NO_FORECAST

    def _window_forecasts(self, window: int) -> dict[int, ForecastText]:
        assert self.forecasts is not None
        start = window * WINDOW
        rows = range(start, min(start + WINDOW, self.rowCount()))
        case_of: dict[int, int] = {}
        for row in rows:
            ident, cells = self.id_at(row), self.cells_at(row)
            if ident is not None and cells is not None:
                case_of[ident] = int(cells[A_CASE_ID])
        now = self.clock()
        by_case = self.forecasts(set(case_of.values()), now) if case_of else {}
        found: dict[int, ForecastText] = {}
        for ident, case_id in case_of.items():
            case = by_case.get(case_id)
            found[ident] = step_text(case.steps.get(ident) if case else None, now)
        self.forecast_fetches += 1
        if len(self._forecasts) >= MAX_FORECAST_WINDOWS:
            self._forecasts.clear()  # a long scroll: start again rather than grow
        self._forecasts[window] = found
        return found

    def _forget_forecasts(self) -> None:
        self._forecasts.clear()

    def drop_forecasts(self) -> None:
        """Forget every forecast (a step or the history changed, or the history is read):
        the rows on screen ask again, the others when they are scrolled to."""
        self._forecasts.clear()
        if self.rowCount():
            index = self.index(0, A_FORECAST)
            self.dataChanged.emit(index, self.index(self.rowCount() - 1, A_FORECAST))

    def retranslate(self) -> None:
        self._forecasts.clear()  # their words, and the moment they were judged at
        super().retranslate()

    def export_cell(self, row: int, column: int, values: Sequence[Cell]) -> Cell:
        if column == A_FORECAST:
            return self.forecast_at(row).cell
        return super().export_cell(row, column, values)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != A_FORECAST:
            return super().data(index, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.forecast_at(index.row()).cell
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.forecast_at(index.row()).tooltip or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(WARNING_COLOUR) if self.forecast_at(index.row()).likely_late else None
        return super().data(index, role)


class DocumentsModel(FlaggedListModel):
    def __init__(
        self, store: Store, clock: Clock, flt: DocumentFilter | None = None, parent: Any = None
    ) -> None:
        super().__init__(store, DocumentSource(store, clock, flt), (dq.SORT_HELD, True), parent)
        self.clock = clock

    @property
    def filter(self) -> DocumentFilter:
        source = self.source
        assert isinstance(source, DocumentSource)
        return source.filter

    def set_filter(self, flt: DocumentFilter) -> bool:
        if flt == self.filter:
            return False
        self.set_source(DocumentSource(self.store, self.clock, flt))
        return True

    def version_at(self, row: int) -> int | None:
        """The version of the document on ``row`` as the list shows it (None: not read)."""
        cells = self.cells_at(row)
        return int(cells[D_VERSION]) if cells is not None else None
