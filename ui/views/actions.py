"""Actions across all cases: who is holding what, for how long.

Left, each department with open steps: how many, the longest one held (working time,
its pauses on the company left out) and how many are overdue; choosing one filters the
list. Right, the steps themselves, longest waiting first, in a lazy id-only table.

Keys on the list are those of a case's Actions tab: 1 to do, 2 in progress, 3 waiting
on another step, 4 waiting on the company (its clock stops), 5 blocked (asks why),
6 done, 7 cancelled; Enter or a double-click opens the step in its case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import _
from coordinator.kinds import ActionStatus
from coordinator.labels import ACTION_STATUS
from coordinator.queries import actions as aq
from coordinator.queries.actions import ActionFilter, DepartmentLoad
from coordinator.services import actions
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.department_sources import (
    A_CASE,
    A_COMPANY,
    A_DEPARTMENT,
    A_DUE,
    A_LEFT,
    A_REQUESTED,
    A_STATUS,
    A_STEP,
    A_WAITING,
    ACTION_SORT_KEYS,
    ActionsModel,
    configure_table,
    duration_text,
    follow_changes,
    list_or_empty_page,
    reload_keeping_selection,
    select_ids,
    selected_ids,
    sort_indicator,
)
from ui.widgets import ask
from ui.widgets.keys import STATUS_KEYS
from ui.widgets.rows_model import RowsModel

SEARCH_DELAY_MS = 250


ALL_DEPARTMENTS = 0  # the id of the summary's first row
STATUS_OPEN = "open"
STATUS_ALL = "all"

L_NAME, L_OPEN, L_LONGEST, L_OVERDUE = range(4)

_COLUMN_WIDTHS = {
    A_CASE: 76,
    A_DEPARTMENT: 130,
    A_STEP: 180,
    A_STATUS: 100,
    A_WAITING: 116,
    A_LEFT: 140,
    A_DUE: 84,
    A_REQUESTED: 84,
    A_COMPANY: 180,
}


class ActionsView(QWidget):
    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self._own_change = False
        # "Overdue" is judged at one moment, taken when the box is ticked or the view
        # refreshed: a moment that moved with every keystroke would reload the list.
        self._overdue_at: datetime | None = None
        self._loads: list[DepartmentLoad] = []
        row_height = self.fontMetrics().height() + 8

        # -- the departments --
        self.departments_label = QLabel(self)
        self.departments_model = RowsModel(["", "", "", ""], self)
        self.departments = QTableView(self)
        self.departments.setModel(self.departments_model)
        self.departments.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.departments.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.departments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.departments.setWordWrap(False)
        self.departments.verticalHeader().hide()
        self.departments.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.departments.verticalHeader().setDefaultSectionSize(row_height)
        header = self.departments.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in ((L_OPEN, 48), (L_LONGEST, 116), (L_OVERDUE, 58)):
            self.departments.setColumnWidth(column, width)
        header.setSectionResizeMode(L_NAME, QHeaderView.ResizeMode.Stretch)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.departments_label)
        left_layout.addWidget(self.departments, 1)

        # -- the filters --
        self.status_label = QLabel(self)
        self.status = QComboBox(self)
        self.status.addItem("", STATUS_OPEN)
        self.status.addItem("", STATUS_ALL)
        for status in aq.STATUS_ORDER:
            self.status.addItem("", status.value)
        self.overdue = QCheckBox(self)
        self.fast_track = QCheckBox(self)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.count_label = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(self.status_label)
        bar.addWidget(self.status)
        bar.addWidget(self.overdue)
        bar.addWidget(self.fast_track)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)

        # -- the steps --
        self.model = ActionsModel(store, clock, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        configure_table(self.table, _COLUMN_WIDTHS, row_height)
        sort_indicator(self.table, ACTION_SORT_KEYS, self.model)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.toolbar = QToolBar(self)
        self.status_actions: list[tuple[QAction, ActionStatus, bool, bool]] = []
        for key, status, asks, required in STATUS_KEYS:
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            # Only while the list has the focus: typing "1" in the search box is text.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(
                lambda _checked=False, s=status, a=asks, r=required: self.set_status(s, a, r)
            )
            self.toolbar.addAction(action)
            self.table.addAction(action)
            self.status_actions.append((action, status, asks, required))
        self.toolbar.addSeparator()
        self.open_action = QAction(self)
        self.open_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action.triggered.connect(self.open_current)
        self.toolbar.addAction(self.open_action)
        self.table.addAction(self.open_action)
        self.table.doubleClicked.connect(self._double_clicked)
        self.pages, self.empty_text, self.clear_button = list_or_empty_page(self.table, self)
        self.clear_button.clicked.connect(self.clear_filters)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.toolbar)
        right_layout.addWidget(self.pages, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        # The department names need ~150 px; the steps need every pixel left over.
        self.splitter.setSizes([290, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.status.currentIndexChanged.connect(lambda _index: self._apply_filter())
        self.overdue.toggled.connect(self._overdue_toggled)
        self.fast_track.toggled.connect(self._fast_track_toggled)
        self.search.textChanged.connect(self.search_timer.start)
        self.search_timer.timeout.connect(self._apply_filter)
        self.model.modelReset.connect(self._list_changed)
        self.departments.selectionModel().currentRowChanged.connect(self._department_chosen)
        hub.changed.connect(self._on_changed)
        self._show_departments()
        self.retranslate()

    # -- the departments -----------------------------------------------------------------

    def _show_departments(self) -> None:
        self._loads = aq.department_loads(
            self.store, self.store.calendar(), self.clock(), self.fast_track.isChecked()
        )
        self._fill_departments()
        self._choose_department(self.department_id())

    def _fill_departments(self) -> None:
        per_day = self.store.calendar().seconds_per_day
        loads = list(self._loads)
        chosen = self.model.filter.department_id
        if chosen is not None and all(d.department_id != chosen for d in loads):
            # The chosen department has no open step left: keep it listed (with zeros)
            # rather than pull the filter from under the officer.
            name = aq.department_name(self.store, chosen)
            loads.append(DepartmentLoad(chosen, name, 0, 0, 0, None, None))

        def longest(value: int | None) -> str:
            return duration_text(value, per_day) if value is not None else ""

        held_values = [d.longest_seconds for d in loads if d.longest_seconds is not None]
        rows = [
            (
                ALL_DEPARTMENTS,
                (
                    _("All departments"),
                    str(sum(d.open_steps for d in loads)),
                    longest(max(held_values) if held_values else None),
                    str(sum(d.overdue for d in loads)),
                ),
            )
        ]
        rows += [
            (
                d.department_id,
                (d.name, str(d.open_steps), longest(d.longest_seconds), str(d.overdue)),
            )
            for d in loads
        ]
        self.departments_model.set_headers(
            [_("Department"), _("Open"), _("Longest wait"), _("Overdue")]
        )
        self.departments_model.set_rows(rows)

    def department_id(self) -> int | None:
        """The department the list is filtered on (None: all of them)."""
        return self.model.filter.department_id

    def _choose_department(self, department_id: int | None) -> bool:
        target = ALL_DEPARTMENTS if department_id is None else department_id
        for row in range(self.departments_model.rowCount()):
            if self.departments_model.id_at(row) == target:
                self.departments.setCurrentIndex(self.departments_model.index(row, L_NAME))
                return True
        return False

    def _department_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        ident = self.departments_model.id_at(current.row())
        self._filter_department(None if ident == ALL_DEPARTMENTS else ident)

    # -- filter and sort -----------------------------------------------------------------

    def current_filter(self, department_id: int | None = None) -> ActionFilter:
        """The filter the widgets say, for ``department_id`` (None: all departments)."""
        value = self.status.currentData()
        statuses: tuple[ActionStatus, ...] | None
        if value == STATUS_OPEN:
            statuses = aq.OPEN_STATUSES
        elif value == STATUS_ALL:
            statuses = None
        else:
            statuses = (ActionStatus(value),)
        return ActionFilter(
            department_id=department_id,
            statuses=statuses,
            overdue_at=self._overdue_at if self.overdue.isChecked() else None,
            fast_track_only=self.fast_track.isChecked(),
            text=self.search.text().strip(),
        )

    def _apply_filter(self) -> None:
        self._filter_department(self.department_id())

    def _filter_department(self, department_id: int | None) -> None:
        self.search_timer.stop()
        self.model.set_filter(self.current_filter(department_id))
        self.table.setColumnHidden(A_DEPARTMENT, department_id is not None)

    def _overdue_toggled(self, checked: bool) -> None:
        self._overdue_at = self.clock() if checked else None
        self._apply_filter()

    def _fast_track_toggled(self) -> None:
        self._apply_filter()
        self._show_departments()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in ACTION_SORT_KEYS:  # no SQL order of its own: show the current one
            sort_indicator(self.table, ACTION_SORT_KEYS, self.model)
            return
        self.model.sort(column, order)

    def clear_filters(self) -> None:
        """Every open step of every department (the filters as they start)."""
        for widget in (self.status, self.overdue, self.fast_track, self.search):
            widget.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self._overdue_at = None
        self.fast_track.setChecked(False)
        self.search.clear()
        for widget in (self.status, self.overdue, self.fast_track, self.search):
            widget.blockSignals(False)
        self._filter_department(None)
        self._show_departments()

    # -- showing one ---------------------------------------------------------------------

    def select(self, what: str, ident: int) -> bool:
        """Show a step (``"action"``) or a department (``"organisation"``); the filters
        are cleared when they hide it. False if there is no such record."""
        if what == ChangeKind.ORGANISATION:
            if not aq.department_name(self.store, ident):
                return False
            self.search.clear()
            self._filter_department(ident)
            self._fill_departments()
            return self._choose_department(ident)
        if what != ChangeKind.ACTION:
            return False
        if self.model.row_of(ident) is None:
            found = aq.rows(self.store, [ident]).get(ident)
            if found is None:
                return False
            self.clear_filters()
            if found.status not in aq.OPEN_STATUSES:
                self.status.setCurrentIndex(self.status.findData(STATUS_ALL))
        shown = select_ids(self.table, self.model, [ident])
        if shown:
            self.table.setFocus()
        return shown

    def selected_ids(self) -> list[int]:
        return selected_ids(self.table, self.model)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        ident = self.model.id_at(index.row()) if index.isValid() else None
        if ident is not None:
            self.hub.request_open(ChangeKind.ACTION, ident)

    def _double_clicked(self, index: QModelIndex) -> None:
        ident = self.model.id_at(index.row())
        if ident is not None:
            self.hub.request_open(ChangeKind.ACTION, ident)

    # -- changing ------------------------------------------------------------------------

    def set_status(self, status: ActionStatus, asks: bool = False, required: bool = False) -> None:
        """Move the selected steps to ``status``, after asking why when it needs a reason.

        With several steps selected, those already there are skipped; the first refusal
        is shown and stops the rest (the steps before it keep their new status).
        """
        ids = self.selected_ids()
        if len(ids) > 1:
            found = aq.rows(self.store, ids)
            ids = [i for i in ids if i in found and found[i].status != status]
        if not ids:
            return
        reason = ""
        if asks:
            answer = ask.text(
                self,
                ACTION_STATUS[status].tr(),
                _("Why is the step blocked?")
                if required
                else _("Why? (the company's missing papers, the other step, …)"),
                required=required,
            )
            if answer is None:
                return
            reason = answer
        self._own_change = True
        try:
            for action_id in ids:
                if (
                    self.hub.call(self, actions.set_status, action_id, status, reason=reason)
                    is None
                ):
                    break
        finally:
            self._own_change = False

    def _on_changed(self, changes: ChangeSet) -> None:
        if not changes.touches(ChangeKind.ACTION, ChangeKind.CASE, ChangeKind.ORGANISATION):
            return
        self._show_departments()
        if changes.touches(ChangeKind.ORGANISATION):
            # A department or company renamed or added: names show, sort and filter
            # everywhere in the list, and organisations change rarely.
            reload_keeping_selection(self.table, self.model)
            return
        flt = self.model.filter
        with self.store.snapshot():
            candidates = set(changes.ids_of(ChangeKind.ACTION)) | aq.of_cases(
                self.store, changes.ids_of(ChangeKind.CASE)
            )
            matching = aq.matching(self.store, flt, candidates) if candidates else set()
        if candidates:
            follow_changes(self.table, self.model, candidates, matching, self._own_change)

    # -- refresh and language ------------------------------------------------------------

    def refresh(self) -> None:
        """Everything again (rows added elsewhere, "overdue" judged anew); the selected
        steps stay selected if they are still listed."""
        self._show_departments()
        if self.overdue.isChecked():
            self._overdue_at = self.clock()
        chosen = self.selected_ids()
        if not self.model.set_filter(self.current_filter(self.department_id())):
            self.model.reload()
        select_ids(self.table, self.model, chosen)

    def tick(self) -> None:
        """The clocks moved: working times read again, the list as it is (no reset, so
        the selection and the scroll position stay)."""
        self._show_departments()
        self.model.retranslate()

    def _list_changed(self) -> None:
        count = self.model.rowCount()
        self.count_label.setText(_("{n} steps").format(n=count))
        self.pages.setCurrentIndex(0 if count else 1)
        sort_indicator(self.table, ACTION_SORT_KEYS, self.model)
        if count:
            return
        nothing_open = not self._loads and self.current_filter() == ActionFilter()
        if nothing_open:
            self.empty_text.setText(
                _(
                    "No department holds a step right now. Steps appear here when a case "
                    "is opened from a template, or when a step is added to a case."
                )
            )
        else:
            self.empty_text.setText(
                _(
                    "No step matches these filters. Choose another department or status, "
                    "or clear the search."
                )
            )
        self.clear_button.setVisible(not nothing_open)

    def retranslate(self) -> None:
        self.departments_label.setText(_("Departments"))
        self.status_label.setText(_("Status:"))
        self.status.setItemText(0, _("Open steps"))
        self.status.setItemText(1, _("All statuses"))
        for i, status in enumerate(aq.STATUS_ORDER, start=2):
            self.status.setItemText(i, ACTION_STATUS[status].tr())
        self.overdue.setText(_("Overdue only"))
        self.fast_track.setText(_("Fast-track cases only"))
        self.search.setPlaceholderText(_("Search case, company or step"))
        for action, status, asks, _required in self.status_actions:
            label = ACTION_STATUS[status].tr()
            action.setText(f"{label}…" if asks else label)
            # The toolbar shows each key beside its label: the keys are the fast way.
            action.setIconText(f"{action.shortcut().toString()} {label}")
            action.setToolTip(
                _("{label} (key {key})").format(label=label, key=action.shortcut().toString())
            )
        self.open_action.setText(_("Open in its case"))
        self.open_action.setToolTip(_("Open in its case (Enter)"))
        self.clear_button.setText(_("Show every open step"))
        self.model.retranslate()
        self._fill_departments()
        self._choose_department(self.department_id())
        self._list_changed()
