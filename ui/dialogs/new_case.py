"""Open a case, usually from a template: the template brings the departments' steps,
their limits and dependencies, and the document checklist.

The form checks as the officer types (a title is needed; an amount must be a number)
and shows the service's own message if it still refuses.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from coordinator.i18n import _, current_language
from coordinator.kinds import OrganisationKind
from coordinator.queries import contacts as contact_queries
from coordinator.queries import templates as template_queries
from coordinator.services import cases
from coordinator.store.records import CaseRecord
from coordinator.store.storage import Store
from ui.hub import Hub


class NewCaseDialog(QDialog):
    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.created: CaseRecord | None = None
        self.setWindowTitle(_("Open a case"))
        self.setMinimumWidth(520)
        self.template = QComboBox(self)
        self.template.addItem(_("No template (steps added by hand)"), None)
        english = current_language() == "en"
        for t in template_queries.list_all(store):
            self.template.addItem(t.name_en if english and t.name_en else t.name, t.key)
            self.template.setItemData(
                self.template.count() - 1, t.description, Qt.ItemDataRole.ToolTipRole
            )
        if self.template.count() > 1:
            self.template.setCurrentIndex(1)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(_("e.g. AOI equipment project landing"))
        self.company = QComboBox(self)
        self.company.setEditable(True)
        self.company.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.company.addItem("", None)
        for org in contact_queries.organisations(store, kind=OrganisationKind.COMPANY):
            self.company.addItem(org.name, org.id)
        line = self.company.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("An existing company, or type a new name"))
        self.fast_track = QCheckBox(_("Fast-track (the clock against the normal duration)"), self)
        self.fast_track.setChecked(True)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(_("optional, e.g. 50000000"))
        self.currency = QComboBox(self)
        self.currency.addItems(["CNY", "USD", "EUR", "HKD", "JPY"])
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Open case"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Template:"), self.template)
        form.addRow(_("Case title:"), self.title)
        form.addRow(_("Company:"), self.company)
        form.addRow("", self.fast_track)
        form.addRow(_("Amount:"), self.amount)
        form.addRow(_("Currency:"), self.currency)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.title.textChanged.connect(self.validate)
        self.amount.textChanged.connect(self.validate)
        self.validate()

    def _amount(self) -> Decimal | None:
        text = self.amount.text().strip().replace(",", "")
        if not text:
            return None
        return Decimal(text)

    def validate(self) -> bool:
        """Say what is missing or wrong, and allow Open only when nothing is."""
        problem = ""
        if not self.title.text().strip():
            problem = _("Give the case a title.")
        else:
            try:
                amount = self._amount()
                if amount is not None and (not amount.is_finite() or amount < 0):
                    problem = _("The amount must be a positive number.")
            except InvalidOperation:
                problem = _("The amount must be a number, such as 50000000 or 1.5.")
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if not self.validate():
            return
        company_id = self.company.currentData()
        name = self.company.currentText().strip()
        if company_id is not None and name != self.company.itemText(self.company.currentIndex()):
            company_id = None  # the officer edited the chosen name: a new company
        try:
            amount = self._amount()
        except InvalidOperation:
            amount = None
        outcome = self.hub.call(
            self,
            cases.open_case,
            self.title.text().strip(),
            company_id=company_id,
            company_name=None if company_id is not None else (name or None),
            template_key=self.template.currentData(),
            fast_track=self.fast_track.isChecked(),
            amount=amount,
            currency=self.currency.currentText(),
        )
        if outcome is None:
            return  # refused: the message was shown, the form keeps what was typed
        self.created = outcome.value
        super().accept()


def open_new_case(store: Store, hub: Hub, parent: QWidget | None) -> CaseRecord | None:
    dialog = NewCaseDialog(store, hub, parent)
    dialog.exec()
    return dialog.created
