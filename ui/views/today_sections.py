"""Today's sections and how the page's height is shared among them.

A section is a heading with its count, then its list cut to its first rows, then "N
more…" for the others; :func:`share_rows` decides how many rows each shows so that the
page is read in one screen. Apart from :mod:`ui.views.today`, which fills the sections
from the dashboard, so that each stays small enough to read; the page's arrangement of
them (bands, columns, the room left by the warning) stays with the view.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import _, ngettext
from coordinator.store.changes import ChangeKind
from ui.hub import Hub
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import set_up_table

LATE_COLOUR = QColor("#b3261e")  # the red of late steps in the Actions list
QUIET_COLOUR = QColor("#6b6b6b")

Rows = list[tuple[int, tuple[str, ...]]]

MIN_ROWS = 2
"""The fewest rows a list is cut to: fewer is no longer a glance at it, and a window too
small for this many of each scrolls instead."""


SECTION_SPACING = 12


def heading_text(title: str, count: int, total: int | None = None) -> str:
    """“Overdue steps (2)” / “逾期步骤（2）”: a heading with the count of its list, and
    the whole count when the list holds only the first of them."""
    if total is not None and total > count:
        return _("{title} (the first {count} of {total})").format(
            title=title, count=count, total=total
        )
    return _("{title} ({count})").format(title=title, count=count)


def table_height(table: QTableView, rows: int) -> int:
    """The height of ``table`` showing its header and ``rows`` rows, no more."""
    height = 2 * table.frameWidth() + table.horizontalHeader().sizeHint().height()
    height += rows * table.verticalHeader().defaultSectionSize()
    header = table.horizontalHeader()
    if header.length() > table.viewport().width() > 0:
        height += table.horizontalScrollBar().sizeHint().height()
    return height


def fit_table(table: QTableView, rows: int) -> None:
    """As tall as its header and its first ``rows`` rows; the others are hidden (shown
    by the section's "N more…"): the list never scrolls."""
    for row in range(table.model().rowCount()):
        table.setRowHidden(row, row >= rows)
    table.setFixedHeight(table_height(table, rows))


class TodayRowsModel(RowsModel):
    """Today's rows of text, some cells red (late), some with a tooltip of their own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([], parent)
        self.red: dict[int, frozenset[int]] = {}  # row id -> its red columns
        self.tips: dict[tuple[int, int], str] = {}  # (row id, column) -> tooltip

    def set_marked_rows(
        self,
        rows: Rows,
        red: dict[int, frozenset[int]] | None = None,
        tips: dict[tuple[int, int], str] | None = None,
    ) -> None:
        self.red = red or {}
        self.tips = tips or {}
        self.set_rows(rows)

    def colour(self, item: tuple[int, tuple[str, ...]], column: int) -> QColor | None:
        return LATE_COLOUR if column in self.red.get(item[0], ()) else None

    def tooltip(self, item: tuple[int, tuple[str, ...]], column: int) -> str | None:
        return self.tips.get((item[0], column), self.text(item, column))


class Section(QWidget):
    """One part of Today: a heading with its count, then what it holds, or on the
    heading's line the sentence saying it holds nothing; below a list cut short, "N
    more…" (and once pressed, "Show fewer")."""

    expansion_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.empty = QLabel(self)
        palette = self.empty.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QUIET_COLOUR)
        self.empty.setPalette(palette)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.heading)
        line.addWidget(self.empty, 1)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        self.body.addLayout(line)
        # A flat button reads as a link yet is reached with Tab and pressed with Enter.
        self.more = QPushButton(self)
        self.more.setFlat(True)
        self.more.setAutoDefault(True)
        self.more.setCursor(Qt.CursorShape.PointingHandCursor)
        self.more.setStyleSheet("QPushButton { color: palette(link); padding: 1px 4px; }")
        self.more.clicked.connect(self.toggle)
        self.more.hide()
        self.body.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.count = 0
        self.fitted: QTableView | None = None  # the table kept as tall as its rows shown
        self.below_table = 0  # what its content shows under the table (buttons)
        self.shown = 0  # the rows shown of the ``count``
        self.expanded = False  # "N more…" pressed: every row shown
        self.focusables: list[QWidget] = []  # what Tab stops at, before its "N more…"

    def focus_chain(self) -> list[QWidget]:
        return [*self.focusables, self.more]

    def add_content(self, widget: QWidget, table: QTableView) -> None:
        """What the section holds, above its "N more…"; ``table`` is cut to its rows shown,
        and moving down past its last one shows the others."""
        self.body.insertWidget(self.body.indexOf(self.more), widget)
        self.fitted = table
        self.focusables = [table]
        table.installEventFilter(self)
        # Rows are chosen whole: Tab goes on to the "N more…" and the next list, not
        # across the row's cells.
        table.setTabKeyNavigation(False)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitted is not None:  # a narrower page may need a horizontal scrollbar
            fit_table(self.fitted, self.shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.fitted
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self.shown < self.count
        ):
            # The keys that move past the last row shown first show them all.
            key = event.key()
            control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            at_last = watched.currentIndex().row() >= self.shown - 1
            if (key == Qt.Key.Key_End and control) or (
                key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and at_last
            ):
                self.set_expanded(True)
        return super().eventFilter(watched, event)

    def toggle(self) -> None:
        self.set_expanded(not self.expanded)

    def set_expanded(self, expanded: bool) -> None:
        if expanded != self.expanded:
            self.expanded = expanded
            self.expansion_changed.emit()

    def sizeHint(self) -> QSize:  # noqa: N802
        # Exactly its rows shown: a list's own hint would ask for the height of many.
        return QSize(super().sizeHint().width(), self.height_for(self.shown))

    def height_for(self, rows: int) -> int:
        """How tall the section is showing the first ``rows`` of its rows."""
        line = self.heading.sizeHint().height()
        if self.count == 0 or self.fitted is None:
            return max(line, self.empty.sizeHint().height())
        spacing = self.body.spacing()
        height = line + spacing + table_height(self.fitted, rows) + self.below_table
        if self.has_more(rows):
            height += spacing + self.more.sizeHint().height()
        return height

    def has_more(self, rows: int) -> bool:
        """Whether "N more…" (or "Show fewer") shows under ``rows`` of the rows."""
        return rows < self.count or (self.expanded and self.count > MIN_ROWS)

    def show_first(self, rows: int) -> None:
        """Show the first ``rows`` of the rows, and "N more…" for the others."""
        self.shown = rows = min(rows, self.count)
        if self.fitted is None:
            return
        table = self.fitted
        current = table.currentIndex()
        if current.isValid() and current.row() >= rows > 0:
            table.setCurrentIndex(table.model().index(rows - 1, current.column()))
        fit_table(table, rows)
        hidden = self.count - rows
        if hidden > 0:
            self.more.setText(ngettext("{n} more…", "{n} more…", hidden).format(n=hidden))
        else:
            self.more.setText(_("Show fewer"))
        self.more.setVisible(self.has_more(rows))

    @property
    def is_empty(self) -> bool:
        return self.count == 0

    def title(self) -> str:
        """The heading as shown, its count included."""
        return self.heading.text()

    def set_heading(
        self,
        title: str,
        count: int,
        empty_text: str,
        late: bool = False,
        total: int | None = None,
    ) -> None:
        """``late``: the heading is red while the list holds anything (overdue steps);
        ``total``: how many there are when the list shows only the first ``count``."""
        self.count = count
        self.heading.setText(heading_text(title, count, total))
        palette = self.palette()
        if late and count:
            palette.setColor(QPalette.ColorRole.WindowText, LATE_COLOUR)
        self.heading.setPalette(palette)
        self.empty.setText(empty_text)
        self.empty.setVisible(count == 0)
        if count <= MIN_ROWS:
            self.expanded = False  # nothing left to show more of


class ListSection(Section):
    """A list of Today: rows that open what they show (Enter, a double-click)."""

    def __init__(
        self, hub: Hub, kind: ChangeKind, stretch: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.kind = kind
        self.stretch = stretch  # the column of free text, which gives way when narrow
        self.model = TodayRowsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(self.table, fit_to_contents=True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.activated.connect(self.open_row)
        self.table.doubleClicked.connect(self.open_row)
        self.table.hide()
        self.add_content(self.table, self.table)

    def open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            self.hub.request_open(self.kind, self.model.id_at(index.row()))

    def show_rows(
        self,
        title: str,
        headers: Sequence[str],
        rows: Rows,
        empty_text: str,
        *,
        red: dict[int, frozenset[int]] | None = None,
        tips: dict[tuple[int, int], str] | None = None,
        late: bool = False,
        total: int | None = None,
    ) -> None:
        current = self.table.currentIndex()
        keep = self.model.id_at(current.row()) if current.isValid() else None
        self.model.set_headers(headers)
        self.model.set_marked_rows(rows, red, tips)
        header = self.table.horizontalHeader()
        if 0 <= self.stretch < len(headers):
            header.setStretchLastSection(False)
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Stretch)
        if keep is not None:
            row = next((r for r, (ident, _cells) in enumerate(rows) if ident == keep), None)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))
        self.set_heading(title, len(rows), empty_text, late, total)
        self.table.setVisible(bool(rows))
        # As many as before until the page shares its height out again.
        self.show_first(len(rows) if self.expanded else max(self.shown, MIN_ROWS))


def share_rows(
    sections: Sequence[Section], bands: list[list[list[Section]]], room: int
) -> dict[Section, int]:
    """How many of its first rows each section shows in ``room`` pixels, laid out in
    ``bands`` (from the top, each of columns of sections from the top): the same number
    each (a few at least), one more each while the page has room, and a column shorter
    than its neighbour gives its room to its own lists. An expanded section shows all."""
    shown = {s: s.count if s.expanded else min(s.count, MIN_ROWS) for s in sections}

    def height() -> int:
        total = 0
        for band in bands:
            total += max(
                sum(s.height_for(shown[s]) for s in column) + SECTION_SPACING * (len(column) - 1)
                for column in band
            )
        return total

    growing = True
    while growing and height() <= room:
        growing = False
        for section in sections:
            if shown[section] < section.count:
                shown[section] += 1
                if height() <= room:
                    growing = True
                else:
                    shown[section] -= 1
    return shown
