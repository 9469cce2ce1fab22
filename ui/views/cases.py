"""The list of cases, newest first: Enter opens one, Ctrl+N opens a new one from a
template, Ctrl+P prints the selected case's summary, Ctrl+M keeps the officer's own
("My cases", remembered)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.exchange.sheets import Cell
from coordinator.formatting import money
from coordinator.i18n import _, ngettext
from coordinator.kinds import CaseStatus
from coordinator.labels import CASE_STATUS, cap
from coordinator.queries import cases as cq
from coordinator.queries.cases import CaseFilter
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.printing.report_actions import print_case_summary
from ui.widgets.column_kinds import Kind
from ui.widgets.lazy_table import LazyIdModel
from ui.widgets.list_export import export_view
from ui.widgets.mine import MineFilter
from ui.widgets.search import keys_to_list, search_field
from ui.widgets.tables import set_up_table


class CasesView(QWidget):
    open_requested = Signal(int)  # a case id

    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.status = QComboBox(self)
        for _status in range(len(_STATUS_CHOICES)):
            self.status.addItem("")
        self.fast_track = QCheckBox(self)
        self.search, self.search_timer = search_field(self, self._apply_filter)
        self.count_label = QLabel(self)
        self.mine = MineFilter(self, store, "cases", steps=False)
        self.mine.changed.connect(self._apply_filter)
        self.model = LazyIdModel(store, CaseSource(self.current_filter()), self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(
            self.table,
            kinds=CASE_KINDS,
            selection=QAbstractItemView.SelectionMode.SingleSelection,
            sortable=True,
        )
        header = self.table.horizontalHeader()
        header.setSortIndicator(COL_OPENED, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.status.currentIndexChanged.connect(self._apply_filter)
        self.fast_track.toggled.connect(self._apply_filter)
        self.model.modelReset.connect(self._update_count)
        self.toolbar = QToolBar(self)
        self.new_action = QAction(self)
        self.new_action.triggered.connect(self.new_case)
        self.toolbar.addAction(self.new_action)
        self.open_action = QAction(self)
        self.open_action.setShortcut(QKeySequence(Qt.Key.Key_Return))
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.open_action.triggered.connect(self.open_selected)
        self.toolbar.addAction(self.open_action)
        self.addAction(self.open_action)
        self.print_action = QAction(self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_summary)
        self.toolbar.addAction(self.print_action)
        self.export_action = QAction(self)
        self.export_action.triggered.connect(self.export_list)
        self.toolbar.addAction(self.export_action)
        self.table.addAction(self.print_action)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        keys_to_list(
            self.search, self.search_timer, self._apply_filter, self.table, self.open_selected
        )
        bar = QHBoxLayout()
        bar.addWidget(self.status)
        bar.addWidget(self.fast_track)
        bar.addWidget(self.mine.box)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addLayout(bar)
        layout.addWidget(self.mine.hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.refresh()

    def current_filter(self) -> CaseFilter:
        status, open_only = _STATUS_CHOICES[max(self.status.currentIndex(), 0)]
        return CaseFilter(
            status=status,
            open_only=open_only,
            fast_track_only=self.fast_track.isChecked(),
            text=self.search.text().strip(),
            owner=self.mine.owner(),
        )

    def _apply_filter(self) -> None:
        self.search_timer.stop()
        self.model.set_source(CaseSource(self.current_filter()))

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(ngettext("{n} case", "{n} cases", n).format(n=n))
        self.empty.setVisible(n == 0)
        self.table.setVisible(n > 0)
        flt = self.current_filter()
        if flt.owner is not None and flt == CaseFilter(owner=flt.owner):
            text = _(
                "No case is yours yet. Cases you open are yours; a case's owner is set in "
                "its form (Edit case…). Press Ctrl+M to see every case."
            )
        elif flt != CaseFilter():
            text = _("No case matches. Clear the search box or choose all statuses.")
        else:
            text = _("No cases yet. Press Ctrl+N to open one from a template.")
        self.empty.setText(text)

    def select(self, case_id: int) -> bool:
        row = self.model.row_of(case_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def selected_case_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def open_selected(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            self.open_requested.emit(case_id)

    def new_case(self) -> None:
        from ui.dialogs.new_case import open_new_case

        created = open_new_case(self.store, self.hub, self)
        if created is not None:
            self.open_requested.emit(created.id)

    def print_summary(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            print_case_summary(self.store, case_id, self)

    def export_list(self) -> None:
        """The cases as listed (filter and order) to Excel or CSV; Ctrl+E in the window."""
        export_view(self.table, _("Cases"), self)

    def refresh(self) -> None:
        """Labels, then the rows: in place if no case was added or removed."""
        self.new_action.setText(_("New case…"))
        self.new_action.setToolTip(_("Open a case from a template (Ctrl+N)"))
        self.open_action.setText(_("Open the case"))
        self.print_action.setText(_("Print case summary…"))
        self.export_action.setText(_("Export to Excel or CSV…"))
        self.export_action.setToolTip(_("Export the list as shown to Excel or CSV (Ctrl+E)"))
        for index, label in enumerate(
            (_("All cases"), _("Open and on hold"), _("Open"), _("On hold"), _("Closed"))
        ):
            self.status.setItemText(index, label)
        self.fast_track.setText(_("Fast-track only"))
        self.mine.retranslate()
        self.search.setPlaceholderText(_("Search reference, title or company"))
        selected = self.selected_case_id()
        self.model.reload()
        if selected is not None:
            self.select(selected)
        self._update_count()

    def on_cases_changed(self, ids: frozenset[int]) -> None:
        """Rows re-read in place when every changed case is listed, else the list again."""
        if all(self.model.row_of(i) is not None for i in ids):
            self.model.refresh_ids(ids)
        else:
            self.refresh()


_STATUS_CHOICES: tuple[tuple[CaseStatus | None, bool], ...] = (
    (None, False),
    (None, True),
    (CaseStatus.OPEN, False),
    (CaseStatus.ON_HOLD, False),
    (CaseStatus.CLOSED, False),
)

(
    COL_REFERENCE,
    COL_TITLE,
    COL_COMPANY,
    COL_STATUS,
    COL_OWNER,
    COL_FAST,
    COL_OPENED,
    COL_AMOUNT,
) = range(8)
CASE_KINDS = (
    Kind.CODE,
    Kind.TEXT,
    Kind.TEXT,
    Kind.STATUS,
    Kind.NAME,
    Kind.STATUS,  # fast-track
    Kind.TIME,
    Kind.NUMBER,  # the amount
)
_SORT_KEYS = {
    COL_REFERENCE: cq.SORT_REFERENCE,
    COL_TITLE: cq.SORT_TITLE,
    COL_COMPANY: cq.SORT_COMPANY,
    COL_STATUS: cq.SORT_STATUS,
    COL_OWNER: cq.SORT_OWNER,
    COL_OPENED: cq.SORT_OPENED,
    COL_AMOUNT: cq.SORT_AMOUNT,
}


class CaseSource:
    """The cases list under one filter (a ListSource of the lazy table)."""

    def __init__(self, flt: CaseFilter | None = None) -> None:
        self.filter = flt or CaseFilter()

    def headers(self) -> Sequence[str]:
        return [
            _("Reference"),
            _("Case"),
            _("Company"),
            _("Status"),
            _("Owner"),
            _("Fast-track"),
            _("Opened"),
            _("Amount"),
        ]

    def sort_keys(self) -> Mapping[int, str]:
        return _SORT_KEYS

    def count(self, store: Store) -> int:
        return cq.count(store, self.filter)

    def ids(self, store: Store, sort: str, descending: bool, limit: int | None = None) -> list[int]:
        return cq.ids(store, self.filter, sort or cq.SORT_OPENED, descending, limit)

    def rows(self, store: Store, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        return {i: _case_cells(r) for i, r in cq.rows(store, ids).items()}

    def export_rows(self, store: Store, ids: Sequence[int]) -> dict[int, Sequence[Cell]]:
        found: dict[int, Sequence[Cell]] = {}
        for i, r in cq.rows(store, ids).items():
            values: list[Cell] = list(_case_cells(r))
            values[COL_FAST] = r.fast_track  # "yes" or blank on screen: 是/否 in a sheet
            values[COL_OPENED] = r.opened_at
            found[i] = values
        return found

    def alignment(self, column: int) -> int | None:
        if column == COL_AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _case_cells(r: cq.CaseRow) -> tuple[str, ...]:
    return (
        r.reference,
        r.title,
        r.company_name,
        cap(CASE_STATUS[r.status]),
        r.owner,
        _("yes") if r.fast_track else "",
        r.opened_at.strftime("%Y-%m-%d %H:%M"),
        money(r.amount, r.currency),
    )
