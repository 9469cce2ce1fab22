"""A case's steps, grouped by department, with one key per status.

Keys on the list: 1 to do, 2 in progress, 3 waiting on another step, 4 waiting on the
company (its clock stops), 5 blocked (asks why), 6 done, 7 cancelled; Enter (or a
double-click) edits the step, its owner among its fields. A department's line says how
long it has held the case's steps; steps on the critical chain (the steps that decided
when the case finished, :func:`coordinator.calendar.case_timing.critical_chain`) are bold
and marked ◆.
Beside each open step's due time, its forecast finish (:mod:`ui.widgets.forecast_text`),
once the department's history is read.

A key changes the step from the version the list shows: when a colleague changed the
step meanwhile, the change is refused with who did what, and the list is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QKeySequence, QStandardItem
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import EditConflictError
from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import listing, short_datetime, working_duration
from coordinator.i18n import _
from coordinator.kinds import ActionStatus
from coordinator.labels import ACTION_STATUS, cap
from coordinator.queries.timing import COMPANY_KEY, CaseClock
from coordinator.services import actions
from coordinator.store.records import ActionRecord
from ui.hub import Hub
from ui.widgets import ask
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import attempt_edit
from ui.widgets.forecast_text import WARNING_COLOUR, ForecastText, step_text
from ui.widgets.keys import name_status_actions, status_actions
from ui.widgets.tables import fit_columns
from ui.widgets.tree_items import ItemTree, children
from ui.widgets.undo import statuses_changed, step_deleted

ID_ROLE = Qt.ItemDataRole.UserRole
(
    COL_STEP,
    COL_STATUS,
    COL_OWNER,
    COL_REQUESTED,
    COL_DUE,
    COL_FORECAST,
    COL_TIME,
    COL_WAITS,
    COL_REASON,
) = range(9)
COLUMNS = 9
COLUMN_KINDS = (
    Kind.TEXT,  # the step (a department on its group's line)
    Kind.STATUS,
    Kind.NAME,
    Kind.TIME,
    Kind.TIME,
    Kind.TIME,  # the forecast finish, "11-26 15:30, likely late"
    Kind.DURATION,
    Kind.TEXT,
    Kind.NOTES,  # the reason
)


class CaseActionsTab(QWidget):
    refresh_requested = Signal()  # the steps must be read again (a colleague's change)

    def __init__(
        self, hub: Hub, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.clock = clock
        self.steps: list[ActionRecord] = []
        self.toolbar = QToolBar(self)
        self.status_actions = status_actions(
            self, self.toolbar, self.set_status, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.toolbar.addSeparator()
        self.case_id: int | None = None
        self.add_action = QAction(self)
        self.add_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.add_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_action.triggered.connect(self.add_step)
        self.delete_action = QAction(self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_step)
        self.edit_action = QAction(self)
        self.edit_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.edit_action.triggered.connect(self.edit_step)
        for extra in (self.add_action, self.edit_action, self.delete_action):
            self.toolbar.addAction(extra)
            self.addAction(extra)
        self.tree = ItemTree(COLUMNS, self)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        fit_columns(self.tree, COLUMN_KINDS)
        self.tree.doubleClicked.connect(lambda _index: self.edit_step())
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        self.retranslate()

    def retranslate(self) -> None:
        name_status_actions(self.status_actions)
        self.add_action.setText(_("Add a step…"))
        self.add_action.setToolTip(_("Add a step (Insert)"))
        self.edit_action.setText(_("Edit the step…"))
        self.edit_action.setToolTip(_("Edit the step: its owner, title, limit… (Enter)"))
        self.delete_action.setText(_("Delete the step"))
        self.tree.set_headers(
            [
                _("Step"),
                _("Status"),
                _("Owner"),
                _("Requested"),
                _("Due"),
                _("Forecast"),
                _("Held / left"),
                _("Waits on"),
                _("Reason"),
            ]
        )
        self.empty.setText(
            _(
                "This case has no steps yet. Press Insert to add one; a case opened from a "
                "template gets the usual steps of each department."
            )
        )

    # -- showing ---------------------------------------------------------------------

    def show_steps(
        self,
        steps: Sequence[ActionRecord],
        clock: CaseClock,
        calendar: WorkingCalendar,
        forecast: CaseForecast | None = None,
    ) -> None:
        """The steps by department; ``forecast`` (None until the history is read) fills
        the forecast column."""
        selected = set(self.selected_ids())
        current = self.current_id()
        self.steps = list(steps)
        now = self.clock()
        per_day = calendar.seconds_per_day
        titles = {s.id: s.title for s in steps}
        forecasts = forecast.steps if forecast is not None else {}
        critical = set(clock.critical_path)
        by_department: dict[str, list[ActionRecord]] = {}
        for step in steps:
            by_department.setdefault(step.department_name, []).append(step)
        self.tree.clear()
        keep: list[QStandardItem] = []
        current_item: QStandardItem | None = None
        for department, members in by_department.items():
            held = clock.department_seconds.get(department, 0)
            open_count = sum(
                1 for s in members if s.status not in (ActionStatus.DONE, ActionStatus.CANCELLED)
            )
            cells = [""] * COLUMNS
            cells[COL_STEP] = department
            cells[COL_STATUS] = _("{open} of {total} open").format(
                open=open_count, total=len(members)
            )
            cells[COL_TIME] = working_duration(held, per_day) if held else ""
            group = self.tree.add(cells)
            font = group.font()
            font.setBold(True)
            group.setFont(font)
            group.setSelectable(False)
            for step in members:
                item = self.tree.add(
                    [
                        ("◆ " if step.id in critical else "") + step.title,
                        cap(ACTION_STATUS[step.status]),
                        step.owner,
                        short_datetime(step.requested_at, now),
                        short_datetime(step.due_at, now),
                        "",
                        _time_text(step, now, calendar),
                        listing(titles.get(d, f"#{d}") for d in step.depends_on),
                        step.blocked_reason,
                    ],
                    group,
                )
                item.setData(step.id, ID_ROLE)
                if step.id in critical:
                    bold = item.font()
                    bold.setBold(True)
                    item.setFont(bold)
                    # The step's whole title too: the tooltip stands in for the cut text.
                    item.setToolTip(
                        step.title
                        + "\n"
                        + _("On the critical chain: decided when the case finished")
                    )
                reason = self.tree.cell(item, COL_REASON)
                if step.notes and reason is not None:
                    reason.setToolTip(step.notes)
                forecast_cell = self.tree.cell(item, COL_FORECAST)
                if forecast_cell is not None:
                    _show_forecast(forecast_cell, step_text(forecasts.get(step.id), now))
                if step.id in selected:
                    keep.append(item)
                if step.id == current:
                    current_item = item
            self.tree.setExpanded(group.index(), True)
        company = clock.department_seconds.get(COMPANY_KEY, 0)
        if company:
            cells = [""] * COLUMNS
            cells[COL_STEP] = _("Waiting on the company")
            cells[COL_TIME] = working_duration(company, per_day)
            note = self.tree.add(cells)
            note.setSelectable(False)
        self.tree.setVisible(bool(steps))
        self.empty.setVisible(not steps)
        if current_item is not None:
            self.tree.selectionModel().setCurrentIndex(
                current_item.index(), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        for item in keep:
            self.tree.selectionModel().select(
                item.index(),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
        if current_item is None and steps:
            first = self._item_of(steps[0].id)
            if first is not None:
                self.tree.set_current(first)

    def show_forecast(self, forecast: CaseForecast | None) -> None:
        """The forecast column again (time moved, or the history did), every row left as
        it is: the selection and the scroll position stay."""
        now = self.clock()
        forecasts = forecast.steps if forecast is not None else {}
        for group in self.tree.top_items():
            for child in children(group):
                ident = child.data(ID_ROLE)
                cell = self.tree.cell(child, COL_FORECAST)
                if ident is not None and cell is not None:
                    _show_forecast(cell, step_text(forecasts.get(int(ident)), now))

    def _item_of(self, action_id: int) -> QStandardItem | None:
        for group in self.tree.top_items():
            for child in children(group):
                if child.data(ID_ROLE) == action_id:
                    return child
        return None

    def select_step(self, action_id: int) -> bool:
        item = self._item_of(action_id)
        if item is None:
            return False
        self.tree.clearSelection()
        self.tree.set_current(item)
        return True

    def selected_ids(self) -> list[int]:
        ids = [item.data(ID_ROLE) for item in self.tree.selected_items()]
        return [int(i) for i in ids if i is not None]

    def current_id(self) -> int | None:
        item = self.tree.current_item()
        value = None if item is None else item.data(ID_ROLE)
        return None if value is None else int(value)

    def step_of(self, action_id: int | None) -> ActionRecord | None:
        return next((s for s in self.steps if s.id == action_id), None)

    def status_of(self, action_id: int) -> ActionStatus | None:
        step = self.step_of(action_id)
        return None if step is None else step.status

    # -- changing --------------------------------------------------------------------

    def add_step(self) -> None:
        if self.case_id is None:
            return
        from ui.dialogs.case_edit import AddStepDialog

        dialog = AddStepDialog(self.hub.store, self.hub, self.case_id, self.steps, self)
        if dialog.exec() == AddStepDialog.DialogCode.Accepted and dialog.created is not None:
            self.select_step(dialog.created.id)

    def edit_step(self) -> None:
        """The current step's form (its owner, title, limit, what it waits on, notes),
        filled from the step as the list shows it."""
        step = self.step_of(self.current_id())
        if step is None:
            return
        from ui.dialogs.case_edit import EditStepDialog

        dialog = EditStepDialog(self.hub.store, self.hub, step, self.steps, self)
        if dialog.exec() == EditStepDialog.DialogCode.Accepted and dialog.saved is not None:
            self.select_step(step.id)

    def delete_step(self) -> None:
        step = self.step_of(self.current_id())
        if step is None:
            return
        # No question first: Ctrl+Z puts the step back, with its links.
        outcome = self.hub.call(self, actions.delete, step.id)
        if outcome is not None:
            step_deleted(self.hub, outcome.value)

    def set_status(self, status: ActionStatus, asks: bool, required: bool) -> None:
        current = self.current_id()
        ids = self.selected_ids() or ([current] if current is not None else [])
        ids = [i for i in ids if self.status_of(i) != status]
        if not ids:
            return
        reason = ""
        if asks:
            answer = ask.text(
                self,
                cap(ACTION_STATUS[status]),
                _("Why? (the company's missing papers, the other step, …)")
                if not required
                else _("Why is the step blocked?"),
                required=required,
            )
            if answer is None:
                return
            reason = answer
        shown = {s.id: s for s in self.steps}
        changed: list[tuple[ActionRecord, ActionRecord]] = []
        for action_id in ids:
            before = shown.get(action_id)
            outcome = attempt_edit(
                self.hub,
                self,
                actions.set_status,
                action_id,
                status,
                reason=reason,
                expected_version=None if before is None else before.row_version,
            )
            if isinstance(outcome, EditConflictError):
                self.refresh_requested.emit()  # the list shows what the colleague did
                self.hub.show_error(self, outcome.message())
                break
            if outcome is None:
                break
            if before is not None:
                changed.append((before, outcome.value))
        statuses_changed(self.hub, changed)


def _show_forecast(cell: QStandardItem, text: ForecastText) -> None:
    cell.setText(text.cell)
    cell.setToolTip(text.tooltip)
    if text.likely_late:
        cell.setForeground(QBrush(WARNING_COLOUR))
    else:
        cell.setData(None, Qt.ItemDataRole.ForegroundRole)


def _time_text(step: ActionRecord, now: datetime, calendar: WorkingCalendar) -> str:
    """How long the department has held an open step, or how long is left / over."""
    per_day = calendar.seconds_per_day
    if step.status in (ActionStatus.DONE, ActionStatus.CANCELLED) or step.requested_at is None:
        return ""
    if step.due_at is not None:
        if step.due_at >= now:
            left = calendar.working_seconds(now, step.due_at)
            return _("{time} left").format(time=working_duration(left, per_day))
        over = calendar.working_seconds(step.due_at, now)
        return _("{time} over").format(time=working_duration(over, per_day))
    held = calendar.working_seconds(step.requested_at, now)
    return working_duration(held, per_day)
