"""The search panel (Ctrl+K, or typing in the field at the top right of the window).

Type Chinese, pinyin, initials or any part of a number: the results follow a pause after
the last keystroke, grouped by kind, best first, the matched part highlighted. Up and
Down move through them from the query field; Enter (or a click) opens the record where
it lives and closes the panel; Escape closes it. Filters narrow by kind, case, channel
and time. Before anything is typed the panel offers the last queries opened from.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.kinds import CaseStatus, Channel
from coordinator.labels import CHANNEL, RECORD_KINDS, cap
from coordinator.queries import cases as case_queries
from coordinator.queries.search import SearchFilter, search
from coordinator.search.backend import SEARCHED
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.search.painting import ResultDelegate
from ui.search.results_model import ResultsModel, Row, RowKind
from ui.widgets.search import search_field

RECENT_KEY = "search/recent"
RECENT_MAX = 10
SEARCH_DELAY_MS = 120
"""Shorter than the lists' pause: a search answers in tens of milliseconds."""
HITS_PER_KIND = 8
HITS_OF_ONE_KIND = 50

PERIODS: tuple[tuple[str, int | None], ...] = (
    ("any", None),
    ("today", 0),
    ("week", 7),
    ("month", 30),
    ("year", 365),
)


class SearchPanel(QDialog):
    opened = Signal(str, int)  # (a ChangeKind, id): a result was opened

    def __init__(
        self, store: Store, hub: Hub, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.settings = settings
        self.setObjectName("search_panel")
        self.resize(760, 560)
        self.query, self.timer = search_field(self, self.run_search, SEARCH_DELAY_MS)
        self.query.installEventFilter(self)
        self.query.returnPressed.connect(self.open_current)
        self.kind_filter = QComboBox(self)
        self.case_filter = QComboBox(self)
        self.channel_filter = QComboBox(self)
        self.period_filter = QComboBox(self)
        for combo in (self.kind_filter, self.case_filter, self.channel_filter, self.period_filter):
            combo.currentIndexChanged.connect(self.run_search)
        self.model = ResultsModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.view))
        self.view.setUniformItemSizes(False)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.results = QStackedLayout()
        self.results.addWidget(self.view)
        self.results.addWidget(self.empty)
        filters = QHBoxLayout()
        for combo in (self.kind_filter, self.case_filter, self.channel_filter, self.period_filter):
            filters.addWidget(combo)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addLayout(filters)
        layout.addLayout(self.results, 1)
        self.retranslate()

    # -- opening ---------------------------------------------------------------------

    def open_panel(self, text: str | None = None) -> None:
        """Show the panel, the query selected (or replaced by ``text``), ready to type."""
        self._fill_cases()
        if text is not None:
            self.query.setText(text)
            self.query.setCursorPosition(len(text))
        else:
            self.query.selectAll()
        self.run_search()
        # No raise_(): the panel is the main window's own dialog, always above it.
        self.show()
        self.activateWindow()
        self.query.setFocus()

    def set_store(self, store: Store) -> None:
        """A restore or an archive import replaced the database."""
        self.store = store
        self.model.show_recent([])

    # -- searching -------------------------------------------------------------------

    def current_filter(self) -> SearchFilter:
        kind = self.kind_filter.currentData()
        channel = self.channel_filter.currentData()
        days = self.period_filter.currentData()
        since = None
        if days is not None:
            start = datetime.combine(self.store.clock().date(), datetime.min.time())
            since = start - timedelta(days=days)
        return SearchFilter(
            kinds=frozenset(SEARCHED) if kind is None else frozenset({ChangeKind(kind)}),
            case_id=self.case_filter.currentData(),
            channel=None if channel is None else Channel(channel),
            since=since,
        )

    def run_search(self) -> None:
        self.timer.stop()
        text = self.query.text().strip()
        if not text:
            recent = self.recent()
            self.model.show_recent(recent)
            self._show_empty(
                None
                if recent
                else _(
                    "Type a name, pinyin or initials, part of a number, or "
                    "any words of a note, a document or a step."
                )
            )
            return
        flt = self.current_filter()
        limit = HITS_PER_KIND if len(flt.kinds) > 1 else HITS_OF_ONE_KIND
        try:
            results = search(self.store, text, flt, limit)
        except DomainError as exc:
            self._show_empty(exc.message())
            return
        self.model.show_results(results)
        if not results:
            self._show_empty(_("Nothing found for “{query}”.").format(query=text))
            return
        self._show_empty(None)
        first = self.model.first_selectable()
        if first is not None:
            self.view.setCurrentIndex(self.model.index(first))

    def _show_empty(self, message: str | None) -> None:
        if message is None:
            self.results.setCurrentWidget(self.view)
        else:
            self.empty.setText(message)
            self.results.setCurrentWidget(self.empty)

    # -- choosing --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self._move(1 if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) else -1)
                return True
        return super().eventFilter(watched, event)

    def _move(self, step: int) -> None:
        current = self.view.currentIndex().row()
        start = (0 if step > 0 else self.model.rowCount() - 1) if current < 0 else current + step
        row = self.model.first_selectable(start, step)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))

    def open_current(self) -> None:
        if self.timer.isActive():  # Enter before the pause ran out: search now
            self.run_search()
        index = self.view.currentIndex()
        if index.isValid():
            self._activated(index)

    def _activated(self, index: QModelIndex) -> None:
        row: Row | None = self.model.row_at(index.row())
        if row is None or not row.selectable:
            return
        if row.kind is RowKind.RECENT:
            self.query.setText(row.title)
            self.run_search()
            return
        assert row.hit is not None
        self.remember(self.query.text().strip())
        self.hide()
        self.opened.emit(row.hit.kind.value, row.hit.id)
        self.hub.request_open(row.hit.kind, row.hit.id)

    # -- the last queries ------------------------------------------------------------

    def recent(self) -> list[str]:
        stored = self.settings.value(RECENT_KEY, [])
        if isinstance(stored, str):  # QSettings gives a lone value back as a string
            stored = [stored]
        if not isinstance(stored, list):
            return []
        return [q for q in stored if isinstance(q, str) and q.strip()][:RECENT_MAX]

    def remember(self, query: str) -> None:
        if not query:
            return
        kept = [query, *(q for q in self.recent() if q != query)][:RECENT_MAX]
        self.settings.setValue(RECENT_KEY, kept)

    # -- texts -----------------------------------------------------------------------

    def _fill_cases(self) -> None:
        """The open cases (and the one chosen, if it has closed since)."""
        chosen = self.case_filter.currentData()
        self.case_filter.blockSignals(True)
        try:
            self.case_filter.clear()
            self.case_filter.addItem(_("All cases"), None)
            for status in (CaseStatus.OPEN, CaseStatus.ON_HOLD):
                for case in case_queries.list_cases(self.store, status=status):
                    self.case_filter.addItem(f"{case.reference} {case.title}", case.id)
            if chosen is not None:
                found = self.case_filter.findData(chosen)
                if found < 0:
                    try:
                        case = case_queries.get(self.store, chosen)
                    except DomainError:
                        found = 0
                    else:
                        self.case_filter.addItem(f"{case.reference} {case.title}", case.id)
                        found = self.case_filter.count() - 1
                self.case_filter.setCurrentIndex(found)
        finally:
            self.case_filter.blockSignals(False)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Search"))
        self.query.setPlaceholderText(_("Search cases, people, calls, documents and steps"))
        self.query.setAccessibleName(_("Search"))
        _refill(
            self.kind_filter,
            [(_("All kinds"), None)]
            + [(RECORD_KINDS[kind.value].tr(), kind.value) for kind in SEARCHED],
        )
        _refill(
            self.channel_filter,
            [(_("Any channel"), None)] + [(cap(CHANNEL[c]), c.value) for c in Channel],
        )
        period_labels = {
            "any": _("Any time"),
            "today": _("Today"),
            "week": _("Last 7 days"),
            "month": _("Last 30 days"),
            "year": _("Last 12 months"),
        }
        _refill(self.period_filter, [(period_labels[key], days) for key, days in PERIODS])
        self.case_filter.setToolTip(_("Only what belongs to this case"))
        if self.case_filter.count():
            self.case_filter.setItemText(0, _("All cases"))
        self.run_search()


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace the items, keeping the choice."""
    chosen = combo.currentIndex()
    combo.blockSignals(True)
    try:
        combo.clear()
        for label, data in items:
            combo.addItem(label, data)
        combo.setCurrentIndex(max(chosen, 0))
    finally:
        combo.blockSignals(False)
