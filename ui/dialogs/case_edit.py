"""Adding a step or a document to a case by hand (beyond what its template brought), and
editing a step (its owner among its fields).

The forms check as the officer types and leave the service's own message on refusal;
a department typed that does not exist yet is created (as a department) with the step.
A step's form is saved from the version it was filled from: a colleague's change since
is said in the form, which offers to reload (:mod:`ui.dialogs.case_form`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from coordinator.errors import EditConflictError
from coordinator.formatting import listing
from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import contacts as contact_queries
from coordinator.services import actions, documents, organisations
from coordinator.store.changes import Outcome
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store
from ui.dialogs.case_form import RecordForm, Values, owner_combo
from ui.hub import Hub
from ui.widgets.conflict import attempt_edit

_PLACES = (
    OrganisationKind.DEPARTMENT,
    OrganisationKind.PARK,
    OrganisationKind.BANK,
    OrganisationKind.DISTRICT,
    OrganisationKind.FUND,
)


def _department_combo(store: Store, parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for kind in _PLACES:
        for org in contact_queries.organisations(store, kind=kind):
            combo.addItem(org.name, org.id)
    combo.setCurrentIndex(-1)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText(_("A department, park or bank; or type a new one"))
    return combo


def _chosen_department(hub: Hub, combo: QComboBox, parent: QWidget) -> int | None:
    """The chosen organisation's id; a new name is created as a department first."""
    name = combo.currentText().strip()
    index = combo.findText(name, Qt.MatchFlag.MatchExactly)
    if index >= 0:
        value = combo.itemData(index)
        return int(value) if value is not None else None
    made = hub.call(parent, organisations.create, name, OrganisationKind.DEPARTMENT)
    return None if made is None else made.value.id


class _Form(QDialog):
    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout(self)

    def finish_layout(self) -> None:
        self.form.addRow(self.problem)
        self.form.addRow(self.buttons)
        self.validate()

    def say(self, problem: str) -> bool:
        self.problem.setText(problem)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problem)
        return not problem

    def validate(self) -> bool:
        raise NotImplementedError


def _limit_box(parent: QWidget) -> QDoubleSpinBox:
    limit = QDoubleSpinBox(parent)
    limit.setRange(0, 2000)
    limit.setDecimals(1)
    limit.setSpecialValueText(_("none"))
    limit.setSuffix(_(" working hours"))
    return limit


def _waits_on_list(parent: QWidget, steps: Sequence[ActionRecord]) -> QListWidget:
    waits_on = QListWidget(parent)
    waits_on.setMaximumHeight(120)
    for step in steps:
        item = QListWidgetItem(f"{step.department_name}: {step.title}")
        item.setData(Qt.ItemDataRole.UserRole, step.id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        waits_on.addItem(item)
    return waits_on


def _checked(waits_on: QListWidget) -> list[int]:
    chosen = []
    for row in range(waits_on.count()):
        item = waits_on.item(row)
        if item is not None and item.checkState() == Qt.CheckState.Checked:
            chosen.append(int(item.data(Qt.ItemDataRole.UserRole)))
    return chosen


def _check(waits_on: QListWidget, ids: Sequence[int]) -> None:
    for row in range(waits_on.count()):
        item = waits_on.item(row)
        if item is not None:
            wanted = int(item.data(Qt.ItemDataRole.UserRole)) in ids
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


class AddStepDialog(_Form):
    def __init__(
        self,
        store: Store,
        hub: Hub,
        case_id: int,
        steps: Sequence[ActionRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, _("Add a step"))
        self.store = store
        self.hub = hub
        self.case_id = case_id
        self.created: ActionRecord | None = None
        self.department = _department_combo(store, self)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(_("e.g. site survey of the plot"))
        # The case's owner chases its new steps unless another officer is named.
        self.owner = owner_combo(store, self, case_queries.get(store, case_id).owner)
        self.limit = _limit_box(self)
        self.waits_on = _waits_on_list(self, steps)
        self.form.addRow(_("Department:"), self.department)
        self.form.addRow(_("Step:"), self.title)
        self.form.addRow(_("Owner:"), self.owner)
        self.form.addRow(_("Promised limit:"), self.limit)
        self.form.addRow(_("Waits on:"), self.waits_on)
        self.department.currentTextChanged.connect(self.validate)
        self.title.textChanged.connect(self.validate)
        self.finish_layout()

    def validate(self) -> bool:
        if not self.department.currentText().strip():
            return self.say(_("Choose or type the department that owes the step."))
        if not self.title.text().strip():
            return self.say(_("Say what the step is."))
        return self.say("")

    def depends_on(self) -> list[int]:
        return _checked(self.waits_on)

    def accept(self) -> None:
        if not self.validate():
            return
        department_id = _chosen_department(self.hub, self.department, self)
        if department_id is None:
            return
        limit = self.limit.value()
        outcome = self.hub.call(
            self,
            actions.add,
            self.case_id,
            department_id,
            self.title.text().strip(),
            promised_limit_hours=limit or None,
            depends_on=self.depends_on(),
            owner=" ".join(self.owner.currentText().split()),
        )
        if outcome is not None:
            self.created = outcome.value
            super().accept()


class EditStepDialog(RecordForm[ActionRecord]):
    """A step's department, title, owner, promised limit, what it waits on and notes."""

    def __init__(
        self,
        store: Store,
        hub: Hub,
        step: ActionRecord,
        steps: Sequence[ActionRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, _("Edit the step"), step)
        self.store = store
        self.hub = hub
        others = [s for s in steps if s.id != step.id]
        self.step_titles = {s.id: s.title for s in others}
        self.department = _department_combo(store, self)
        self.title = QLineEdit(self)
        self.owner = owner_combo(store, self, step.owner)
        self.limit = _limit_box(self)
        self.waits_on = _waits_on_list(self, others)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.form.addRow(_("Department:"), self.department)
        self.form.addRow(_("Step:"), self.title)
        self.form.addRow(_("Owner:"), self.owner)
        self.form.addRow(_("Promised limit:"), self.limit)
        self.form.addRow(_("Waits on:"), self.waits_on)
        self.form.addRow(_("Notes:"), self.notes)
        self.finish_layout()
        self.department.editTextChanged.connect(self.validate)
        self.title.textChanged.connect(self.validate)

    def labels(self) -> dict[str, str]:
        return {
            "department": _("Department"),
            "title": _("Step"),
            "owner": _("Owner"),
            "limit": _("Promised limit"),
            "waits_on": _("Waits on"),
            "notes": _("Notes"),
        }

    def values_of(self, record: ActionRecord) -> Values:
        return {
            "department": record.department_name,
            "title": record.title,
            "owner": record.owner,
            "limit": record.promised_limit_hours or 0.0,
            "waits_on": tuple(sorted(d for d in record.depends_on if d in self.step_titles)),
            "notes": record.notes,
        }

    def values(self) -> Values:
        return {
            "department": self.department.currentText().strip(),
            "title": self.title.text().strip(),
            "owner": " ".join(self.owner.currentText().split()),
            "limit": self.limit.value(),
            "waits_on": tuple(sorted(_checked(self.waits_on))),
            "notes": self.notes.toPlainText(),
        }

    def fill(self, values: Values) -> None:
        self.department.setEditText(values["department"])
        self.title.setText(values["title"])
        self.owner.setEditText(values["owner"])
        self.limit.setValue(values["limit"])
        _check(self.waits_on, values["waits_on"])
        if self.notes.toPlainText() != values["notes"]:
            self.notes.setPlainText(values["notes"])

    def shown(self, field: str, value: Any) -> str:
        if field == "waits_on":
            return listing(self.step_titles.get(i, f"#{i}") for i in value) or "—"
        if field == "limit":
            return self.limit.textFromValue(value) + self.limit.suffix() if value else _("none")
        return str(value)

    def problem_of(self, values: Values) -> str:
        if not values["department"]:
            return _("Choose or type the department that owes the step.")
        if not values["title"]:
            return _("Say what the step is.")
        return ""

    def fetch(self) -> ActionRecord:
        return action_queries.get(self.store, self.base.id)

    def save(self, changed: Values) -> Outcome[ActionRecord] | EditConflictError | None:
        fields: dict[str, Any] = {}
        if "department" in changed:
            department_id = _chosen_department(self.hub, self.department, self)
            if department_id is None:
                return None
            fields["department_id"] = department_id
        for key in ("title", "owner", "notes"):
            if key in changed:
                fields[key] = changed[key]
        if "limit" in changed:
            fields["promised_limit_hours"] = changed["limit"] or None
        if "waits_on" in changed:
            fields["depends_on"] = list(changed["waits_on"])
        return attempt_edit(
            self.hub,
            self,
            actions.update,
            self.base.id,
            expected_version=self.base.row_version,
            **fields,
        )

    def named(self, record: ActionRecord) -> str:
        return _("Step “{title}”").format(title=record.title)

    def put_back(self, before: ActionRecord, after: ActionRecord, changed: Values) -> Values:
        fields: Values = {}
        if "department" in changed:
            fields["department_id"] = before.department_id
        for key in ("title", "owner", "notes"):
            if key in changed:
                fields[key] = getattr(before, key)
        if "limit" in changed:
            fields["promised_limit_hours"] = before.promised_limit_hours
        if "waits_on" in changed:
            fields["depends_on"] = list(before.depends_on)
        return fields

    def update_service(self) -> Callable[..., Outcome[ActionRecord]]:
        return actions.update


class AddDocumentDialog(_Form):
    def __init__(self, store: Store, hub: Hub, case_id: int, parent: QWidget | None = None):
        super().__init__(parent, _("Add a document"))
        self.store = store
        self.hub = hub
        self.case_id = case_id
        self.created = False
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(_("e.g. lease agreement of the premises"))
        self.destination = _department_combo(store, self)
        self.required = QCheckBox(_("Required"), self)
        self.required.setChecked(True)
        self.original = QCheckBox(_("The original is needed"), self)
        self.stamped = QCheckBox(_("Stamped by the company"), self)
        self.form.addRow(_("Document:"), self.title)
        self.form.addRow(_("Goes to:"), self.destination)
        self.form.addRow("", self.required)
        self.form.addRow("", self.original)
        self.form.addRow("", self.stamped)
        self.title.textChanged.connect(self.validate)
        self.finish_layout()

    def validate(self) -> bool:
        if not self.title.text().strip():
            return self.say(_("Name the document."))
        return self.say("")

    def accept(self) -> None:
        if not self.validate():
            return
        destination: int | None = None
        if self.destination.currentText().strip():
            destination = _chosen_department(self.hub, self.destination, self)
            if destination is None:
                return
        outcome = self.hub.call(
            self,
            documents.add,
            self.case_id,
            self.title.text().strip(),
            required=self.required.isChecked(),
            destination_id=destination,
            is_original=self.original.isChecked(),
            stamped=self.stamped.isChecked(),
        )
        if outcome is not None:
            self.created = True
            super().accept()
