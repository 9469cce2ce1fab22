"""Adding a step or a document to a case by hand (beyond what its template brought).

Both forms check as the officer types and leave the service's own message on refusal;
a department typed that does not exist yet is created (as a department) with the step.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    QWidget,
)

from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.queries import contacts as contact_queries
from coordinator.services import actions, documents, organisations
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store
from ui.hub import Hub

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
        self.limit = QDoubleSpinBox(self)
        self.limit.setRange(0, 2000)
        self.limit.setDecimals(1)
        self.limit.setSpecialValueText(_("none"))
        self.limit.setSuffix(_(" working hours"))
        self.waits_on = QListWidget(self)
        self.waits_on.setMaximumHeight(120)
        for step in steps:
            item = QListWidgetItem(f"{step.department_name}: {step.title}")
            item.setData(Qt.ItemDataRole.UserRole, step.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.waits_on.addItem(item)
        self.form.addRow(_("Department:"), self.department)
        self.form.addRow(_("Step:"), self.title)
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
        chosen = []
        for row in range(self.waits_on.count()):
            item = self.waits_on.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                chosen.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return chosen

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
        )
        if outcome is not None:
            self.created = outcome.value
            super().accept()


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
