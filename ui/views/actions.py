"""Actions across all cases: who is holding what, for how long.

Left, each department with open steps: how many, the longest one held (working time,
its pauses on the company left out) and how many are overdue; choosing one filters the
list. Right, the steps themselves, longest waiting first, in a lazy id-only table, each
with its forecast finish beside its due time (worked out for the rows on screen only).

Keys on the list are those of a case's Actions tab: 1 to do, 2 in progress, 3 waiting
on another step, 4 waiting on the company (its clock stops), 5 blocked (asks why),
6 done, 7 cancelled; Enter or a double-click opens the step in its case. A key hands the
service the version of the step the row shows: a step a colleague changed meanwhile is
not changed again over their change; the refusal says who did what, and the row shows
it. Ctrl+M keeps the steps the officer chases ("My steps", remembered).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, EditConflictError
from coordinator.held_words import duration_text
from coordinator.i18n import _, counted
from coordinator.kinds import ActionStatus
from coordinator.labels import ACTION_STATUS, cap
from coordinator.queries import actions as aq
from coordinator.queries.actions import ActionFilter, DepartmentLoad
from coordinator.services import actions
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.across_cases import AcrossCasesList
from ui.views.department_sources import (
    A_DEPARTMENT,
    ACTION_KINDS,
    ACTION_SORT_KEYS,
    ActionsModel,
)
from ui.widgets import ask
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import attempt_edit
from ui.widgets.keys import name_status_actions, status_actions
from ui.widgets.mine import MineFilter
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import reload_keeping_selection, select_ids, set_up_table
from ui.widgets.undo import statuses_changed

ALL_DEPARTMENTS = 0  # the id of the summary's first row
STATUS_OPEN = "open"
STATUS_ALL = "all"

L_NAME, L_OPEN, L_LONGEST, L_OVERDUE = range(4)


class ActionsView(AcrossCasesList):
    opens = ChangeKind.ACTION
    model: ActionsModel

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        # Through the hub each time: the hub's foresight is made anew with a new store.
        model = ActionsModel(
            store, clock, forecasts=lambda cases, now: hub.foresight.forecasts(cases, now)
        )
        super().__init__(store, hub, clock, model, ACTION_SORT_KEYS, ACTION_KINDS, parent)
        model.setParent(self)
        hub.foresight.ready.connect(model.drop_forecasts)
        # "Overdue" is judged at one moment, taken when the box is ticked or the view
        # refreshed: a moment that moved with every keystroke would reload the list.
        self._overdue_at: datetime | None = None
        self._loads: list[DepartmentLoad] = []

        # -- the departments --
        self.departments_label = QLabel(self)
        self.departments_model = RowsModel(["", "", "", ""], self)
        self.departments = QTableView(self)
        self.departments.setModel(self.departments_model)
        set_up_table(
            self.departments,
            kinds=(Kind.NAME, Kind.NUMBER, Kind.DURATION, Kind.NUMBER),
            selection=QAbstractItemView.SelectionMode.SingleSelection,
        )
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
        self.mine = MineFilter(self, store, "actions", steps=True)
        bar = self.filter_bar(
            self.status_label, self.status, self.overdue, self.fast_track, self.mine.box
        )

        # -- the steps --
        # Only while the list has the focus: typing "1" in the search box is text.
        self.status_actions = status_actions(
            self.table, self.toolbar, self.set_status, Qt.ShortcutContext.WidgetShortcut
        )
        self.add_open_action()

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.mine.hint)
        right_layout.addWidget(self.toolbar)
        right_layout.addWidget(self.pages, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        # The department names need ~150 px and their three figures ~200 px; the steps
        # need every pixel left over.
        self.splitter.setSizes([350, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.status.currentIndexChanged.connect(lambda _index: self._apply_filter())
        self.overdue.toggled.connect(self._overdue_toggled)
        self.fast_track.toggled.connect(self._fast_track_toggled)
        self.mine.changed.connect(self._fast_track_toggled)
        self.departments.selectionModel().currentRowChanged.connect(self._department_chosen)
        self._show_departments()
        self.retranslate()

    # -- the departments -----------------------------------------------------------------

    def _show_departments(self) -> None:
        self._loads = aq.department_loads(
            self.store,
            self.store.calendar(),
            self.clock(),
            self.fast_track.isChecked(),
            owner=self.mine.owner(),
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
            owner=self.mine.owner(),
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

    def clear_filters(self) -> None:
        """Every open step of every department (the filters as they start)."""
        widgets = (self.status, self.overdue, self.fast_track, self.search, self.mine)
        for widget in widgets:
            widget.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self._overdue_at = None
        self.fast_track.setChecked(False)
        self.search.clear()
        self.mine.set_on(False)
        for widget in widgets:
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
        return self.show_selected(ident)

    # -- changing ------------------------------------------------------------------------

    def set_status(self, status: ActionStatus, asks: bool = False, required: bool = False) -> None:
        """Move the selected steps to ``status``, after asking why when it needs a reason.

        With several steps selected, those already there are skipped; the first refusal
        is shown and stops the rest (the steps before it keep their new status). Each
        step is changed from the version its row shows: one a colleague changed since is
        refused (who did what) and its row read again.
        """
        ids = self.selected_ids()
        shown = {i: self._version_shown(i) for i in ids}
        if len(ids) > 1:
            found = aq.rows(self.store, ids)
            ids = [i for i in ids if i in found and found[i].status != status]
        if not ids:
            return
        reason = ""
        if asks:
            answer = ask.text(
                self,
                cap(ACTION_STATUS[status]),
                _("Why is the step blocked?")
                if required
                else _("Why? (the company's missing papers, the other step, …)"),
                required=required,
            )
            if answer is None:
                return
            reason = answer
        self._own_change = True
        changed: list[tuple[ActionRecord, ActionRecord]] = []
        try:
            for action_id in ids:
                try:
                    before = aq.get(self.store, action_id)
                except DomainError:  # deleted a moment ago: the service says so below
                    before = None
                outcome = attempt_edit(
                    self.hub,
                    self,
                    actions.set_status,
                    action_id,
                    status,
                    reason=reason,
                    expected_version=shown.get(action_id),
                )
                if isinstance(outcome, EditConflictError):
                    self.model.refresh_ids([action_id])  # show what the colleague did
                    self.hub.show_error(self, outcome.message())
                    break
                if outcome is None:
                    break
                if before is not None:
                    changed.append((before, outcome.value))
        finally:
            self._own_change = False
            statuses_changed(self.hub, changed)

    def _version_shown(self, action_id: int) -> int | None:
        row = self.model.row_of(action_id)
        return None if row is None else self.model.version_at(row)

    def _on_changed(self, changes: ChangeSet) -> None:
        if not changes.touches(ChangeKind.ACTION, ChangeKind.CASE, ChangeKind.ORGANISATION):
            return
        self._show_departments()
        if changes.touches(ChangeKind.ACTION, ChangeKind.CASE):
            # A step done moves the forecasts of its case's other steps, and of every
            # step of its kind: the rows on screen work theirs out again.
            self.model.drop_forecasts()
        if changes.touches(ChangeKind.ORGANISATION):
            # A department or company renamed or added: names show, sort and filter
            # everywhere in the list, and organisations change rarely.
            reload_keeping_selection(self.table, self.model)
            return
        flt = self.model.filter
        self.follow(changes, aq.of_cases, lambda store, ids: aq.matching(store, flt, ids))

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
        nothing_open = not self._loads and self.current_filter() == ActionFilter()
        empty = (
            _(
                "No department holds a step right now. Steps appear here when a case "
                "is opened from a template, or when a step is added to a case."
            )
            if nothing_open
            else _(
                "No step matches these filters. Choose another department or status, "
                "or clear the search."
            )
        )
        self.show_count(counted("{n} step", "{n} steps"), empty, not nothing_open)

    def retranslate(self) -> None:
        self.departments_label.setText(_("Departments"))
        self.status_label.setText(_("Status:"))
        self.status.setItemText(0, _("Open steps"))
        self.status.setItemText(1, _("All statuses"))
        for i, status in enumerate(aq.STATUS_ORDER, start=2):
            self.status.setItemText(i, cap(ACTION_STATUS[status]))
        self.overdue.setText(_("Overdue only"))
        self.fast_track.setText(_("Fast-track cases only"))
        self.mine.retranslate()
        self.search.setPlaceholderText(_("Search case, company or step"))
        name_status_actions(self.status_actions)
        self.name_open_action()
        self.clear_button.setText(_("Show every open step"))
        self.model.retranslate()
        self._fill_departments()
        self._choose_department(self.department_id())
        self._list_changed()
