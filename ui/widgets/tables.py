"""The lists' one table set-up, their empty page, and keeping a selection across reloads.

Every list of the app is a read-only table of whole rows: nothing is edited in place, no
row numbers, one line per row of a fixed height so the table never measures its rows
(a million rows would be measured one by one). Sorting, where a list has it, is SQL: the
header only tells the model.

A list declares what each column holds (:class:`Kind`) and :class:`ColumnFitter` sizes
it: a time, a duration, a status, a phone number, a reference or a count is never cut
short (its column fits the widest text of the rows on screen and a screenful below,
and grows as the officer scrolls to longer ones); a name or a title
fits up to a cap; notes take the width left over. Any cell that is cut short shows its
whole text when pointed at (:class:`ElidedTipDelegate`). A column the officer drags
keeps the width given to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.column_kinds import Kind

if TYPE_CHECKING:  # Today's short lists are set up before the lazy lists are needed
    from ui.widgets.lazy_table import LazyIdModel

Selection = QAbstractItemView.SelectionMode


NEVER_CUT = frozenset({Kind.TIME, Kind.DURATION, Kind.STATUS, Kind.PHONE, Kind.NUMBER, Kind.CODE})
"""The kinds whose text is read whole at a glance: their columns always fit it."""

_CAP_EMS = {Kind.NAME: 9, Kind.TEXT: 15}
"""The widest a name or a title column gets from its text, in character heights (a Chinese
character is about as wide as the font is high)."""

SHORT_EMS = 6
"""The narrowest a name or a title column is made to keep the list from scrolling sideways."""

NOTES_MIN_EMS = 12
"""The narrowest a notes column gets when the others fill the window."""

FIT_ROWS_MIN = 30
"""Rows measured at least from the first one on screen (more if the screen holds more:
twice what it shows). Measuring costs ~50 µs a cell; a long list's reset must stay quick."""

_TREE_ITEMS_MAX = 2000
"""Items of a tree measured at most (a case's steps or documents are far fewer)."""


def text_margin(view: QAbstractItemView) -> int:
    """The room a cell's text needs beyond its own width: the style's margins each side
    and the grid line."""
    style = view.style()
    return 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 1


def text_width(metrics: QFontMetricsF, text: str) -> int:
    """The whole pixels a line of text is drawn on (its advance is fractional: rounding it
    down would cut the last character off)."""
    return math.ceil(metrics.horizontalAdvance(text))


def text_fits(
    view: QAbstractItemView, index: QModelIndex | QPersistentModelIndex, width: int
) -> bool:
    """Whether the cell's text is shown whole in a column ``width`` wide."""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if not isinstance(text, str) or not text:
        return True
    font = index.data(Qt.ItemDataRole.FontRole)
    metrics = QFontMetricsF(font if isinstance(font, QFont) else view.font())
    widest = max(text_width(metrics, line) for line in text.split("\n"))
    return widest + text_margin(view) <= width


class ElidedTipDelegate(QStyledItemDelegate):
    """Shows a cell's whole text as its tooltip when the cell cuts it short (a model's own
    tooltip, where it gives one, comes first)."""

    def helpEvent(  # noqa: N802
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if (
            event.type() != QEvent.Type.ToolTip
            or not index.isValid()
            or index.data(Qt.ItemDataRole.ToolTipRole)
        ):
            return super().helpEvent(event, view, option, index)
        if text_fits(view, index, option.rect.width()):
            QToolTip.hideText()
            event.ignore()
            return False
        QToolTip.showText(event.globalPos(), str(index.data()), view, option.rect)
        return True


def _header(view: QAbstractItemView) -> QHeaderView:
    if isinstance(view, QTreeView):
        return view.header()
    assert isinstance(view, QTableView)
    return view.horizontalHeader()


class ColumnFitter(QObject):
    """Keeps a list's columns as wide as their :class:`Kind` asks (see the module)."""

    def __init__(self, view: QAbstractItemView, kinds: Sequence[Kind]) -> None:
        super().__init__(view)
        self.view = view
        self.kinds = list(kinds)
        self.header = _header(view)
        self.user_sized: set[int] = set()
        self._needs: dict[int, int] = {}  # column -> the width its widest text asks
        self._setting = False
        self._shrink_later = False
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self._fit_pending)
        # The room left over goes to the notes; a list without notes gives it to its
        # titles, then to its names.
        self.takers = self._takers()
        self.header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.header.setStretchLastSection(not self.takers)
        self.header.sectionResized.connect(self._resized)
        model = view.model()
        # Methods, not lambdas: Qt drops their connections when the fitter goes.
        model.modelReset.connect(self._reset)
        # Rows replaced (a tree filled again) may shrink the columns; a row changed or
        # scrolled to only widens them.
        for signal in (model.layoutChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._rows_replaced)
        for signal in (model.dataChanged, model.headerDataChanged):
            signal.connect(self._cells_changed)
        view.verticalScrollBar().valueChanged.connect(self._cells_changed)
        self._viewport = view.viewport()
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)
        self.fit(shrink=True)

    def _takers(self) -> list[int]:
        for kind in (Kind.NOTES, Kind.TEXT, Kind.NAME):
            found = [c for c, k in enumerate(self.kinds) if k is kind]
            if found:
                return found
        return []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # The type first: a widget being destroyed still sends events, and asking it
        # anything then would fail.
        kind = event.type()
        if kind == QEvent.Type.Show and watched is self.view:
            self.fit(shrink=True)  # what was reset while hidden
        elif kind == QEvent.Type.Resize and watched is self._viewport:
            self.spread()
        return False

    def _fit_pending(self) -> None:
        self.fit(shrink=self._shrink_later)

    def _reset(self) -> None:
        self.fit(shrink=True)

    def _rows_replaced(self, *_args: object) -> None:
        self.later(shrink=True)

    def _cells_changed(self, *_args: object) -> None:
        self.later(shrink=False)

    def later(self, *, shrink: bool) -> None:
        """Fit once the current burst of changes is over."""
        self._shrink_later = self._shrink_later or shrink
        self._pending.start()

    def _resized(self, column: int, _old: int, _new: int) -> None:
        # Only a drag is the officer's choice; Qt resizes sections of its own too.
        if not self._setting and QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self.user_sized.add(column)  # the officer's drag: the column keeps it
            self.spread()

    def _set_width(self, column: int, width: int) -> None:
        if self.header.sectionSize(column) == width:
            return
        self._setting = True
        try:
            self.header.resizeSection(column, width)
        finally:
            self._setting = False

    # -- measuring ---------------------------------------------------------------------

    def _indexes(self, column: int) -> Iterator[QModelIndex]:
        model = self.view.model()
        if isinstance(self.view, QTreeView):
            yield from _tree_indexes(model, column)
            return
        rows = model.rowCount()
        assert isinstance(self.view, QTableView)
        first = max(0, self.view.rowAt(0))
        on_screen = self.view.viewport().height() // max(1, self.view.rowHeight(first)) + 1
        for row in range(first, min(rows, first + max(FIT_ROWS_MIN, 2 * on_screen))):
            yield model.index(row, column)

    def needed(self, column: int) -> int:
        """The width the column's widest text asks (its title's included)."""
        widest = self.header.sectionSizeHint(column)
        margin = text_margin(self.view)
        plain = QFontMetricsF(self.view.font())
        measured: dict[str, QFontMetricsF] = {}
        # The trees' items carry fonts (a bold group line); the tables' models give none,
        # and asking each of their cells would double the cost of measuring.
        fonts = isinstance(self.view, QTreeView)
        seen: set[str] = set()  # a status or a channel repeats down the column
        for index in self._indexes(column):
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if not isinstance(text, str) or not text:
                continue
            metrics = plain
            if fonts:
                font = index.data(Qt.ItemDataRole.FontRole)
                if isinstance(font, QFont):
                    metrics = measured.setdefault(font.key(), QFontMetricsF(font))
            elif text in seen:
                continue
            else:
                seen.add(text)
            indent = self._indent(index) if column == 0 else 0
            for line in text.split("\n"):
                widest = max(widest, text_width(metrics, line) + margin + indent)
        return widest

    def _indent(self, index: QModelIndex) -> int:
        """How far a tree draws the first cell of a row in from the column's edge."""
        view = self.view
        if not isinstance(view, QTreeView):
            return 0
        depth = 1 if view.rootIsDecorated() else 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        return depth * view.indentation()

    def _em(self) -> int:
        return self.view.fontMetrics().height()

    def _shown(self, column: int) -> bool:
        return column < self.header.count() and not self.header.isSectionHidden(column)

    # -- sizing ------------------------------------------------------------------------

    def fit(self, *, shrink: bool) -> None:
        """Size every column to its text; ``shrink`` False only widens (a scroll, a row
        changed: the columns do not jump narrower under the officer's eyes)."""
        self._pending.stop()
        self._shrink_later = False
        if not self.view.isVisible():
            return  # measured when shown: a hidden list reads no rows for it
        for column, kind in enumerate(self.kinds):
            if kind is Kind.NOTES or not self._shown(column):
                continue
            need = self.needed(column)
            if not shrink:
                need = max(need, self._needs.get(column, 0))
            self._needs[column] = need
            if kind in NEVER_CUT and column not in self.user_sized:
                current = self.header.sectionSize(column)
                self._set_width(column, need if shrink else max(need, current))
        self.spread()

    def spread(self) -> None:
        """Share the window's width among the columns that are not of a fixed width.

        Names and titles get their capped width first, the notes their narrowest; what
        is left lets the names and titles grow to their whole text, and the rest goes to
        the taking columns (the notes, else the titles, else the names).
        """
        if not self.view.isVisible():
            return
        em = self._em()
        free = [
            c
            for c, kind in enumerate(self.kinds)
            if kind not in NEVER_CUT and c not in self.user_sized and self._shown(c)
        ]
        if not free:
            return
        need: dict[int, int] = {}
        width: dict[int, int] = {}
        least: dict[int, int] = {}  # what a name or title keeps when the window is short
        for column in free:
            kind = self.kinds[column]
            if kind is Kind.NOTES:
                need[column] = width[column] = least[column] = NOTES_MIN_EMS * em
                continue
            title = self.header.sectionSizeHint(column)
            need[column] = max(self._needs.get(column, 0), title)
            width[column] = max(min(need[column], _CAP_EMS.get(kind, 0) * em), title)
            least[column] = max(title, min(width[column], SHORT_EMS * em))
        fixed = sum(
            self.header.sectionSize(c)
            for c in range(self.header.count())
            if c not in width and self._shown(c)
        )
        spare = self.view.viewport().width() - fixed - sum(width.values())
        short = {c: need[c] - width[c] for c in free if need[c] > width[c]}
        wanted = sum(short.values())
        if spare > 0 and wanted:
            given = min(spare, wanted)
            for column, missing in short.items():
                width[column] += missing * given // wanted
            spare -= given
        slack = {c: width[c] - least[c] for c in free if width[c] > least[c]}
        room = sum(slack.values())
        if 0 < -spare <= room:
            # Names and titles give up width (their cells show it as a tooltip) when
            # that spares the list a sideways scroll; a list that scrolls anyway keeps
            # them readable.
            taken = -spare
            for column, extra in slack.items():
                width[column] -= -(-extra * taken // room)
            spare += taken
        takers = [c for c in self.takers if c in width]
        if spare > 0 and takers:
            for column in takers:
                width[column] += spare // len(takers)
        for column, value in width.items():
            self._set_width(column, value)


def _tree_indexes(model: QAbstractItemModel, column: int) -> Iterator[QModelIndex]:
    pending = [QModelIndex()]
    seen = 0
    while pending and seen < _TREE_ITEMS_MAX:
        parent = pending.pop()
        for row in range(model.rowCount(parent)):
            yield model.index(row, column, parent)
            first = model.index(row, 0, parent)
            if model.hasChildren(first):
                pending.append(first)
            seen += 1


def fit_columns(view: QAbstractItemView, kinds: Sequence[Kind]) -> ColumnFitter:
    """Size ``view``'s columns by ``kinds`` from now on, and show cut text as tooltips."""
    view.setItemDelegate(ElidedTipDelegate(view))
    fitter = ColumnFitter(view, kinds)
    view.setProperty("column_kinds", [k.value for k in kinds])
    return fitter


def column_kinds(view: QAbstractItemView) -> list[Kind]:
    """The kinds a list declared for its columns (none: an empty list)."""
    found = view.property("column_kinds")
    return [Kind(v) for v in found] if found else []


def set_up_table(
    table: QTableView,
    widths: Mapping[int, int] | Sequence[int] = (),
    *,
    kinds: Sequence[Kind] = (),
    selection: Selection = Selection.ExtendedSelection,
    stretch: int | None = None,
    sortable: bool = False,
    fit_to_contents: bool = False,
) -> None:
    """Whole rows, read only, one fixed-height line each.

    ``kinds``: what each column holds, which sizes it (:class:`ColumnFitter`); without
    them, ``widths`` by column, and ``stretch``, the column that takes the room left over
    (None: the last one). ``fit_to_contents``: short lists (Today's) size their columns
    to the first rows.
    """
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(selection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setItemDelegate(ElidedTipDelegate(table))
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
    if kinds:
        fit_columns(table, kinds)


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
