"""Editing a saved record in a form: a case's facts (its owner among them), and the frame
every such form shares.

A form is filled from a record as it was read, with its row version. Save sends only the
fields the officer changed, with that version: when a colleague saved the record
meanwhile, the service refuses (who changed what, and when) and the form stays open
with everything typed, its :class:`~ui.widgets.conflict.ConflictBar` offering Reload
(the form shows the record as saved now; what the officer had typed is listed and can be
put back) and Keep editing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

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

from coordinator.errors import EditConflictError, ValidationError
from coordinator.formatting import listing
from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.labels import F_AMOUNT
from coordinator.queries import cases as case_queries
from coordinator.queries import contacts as contact_queries
from coordinator.services import cases, organisations
from coordinator.store.changes import Outcome
from coordinator.store.records import CaseRecord
from coordinator.store.storage import Store
from coordinator.validation import parse_amount
from ui.hub import Hub
from ui.widgets.conflict import ConflictBar, attempt_edit
from ui.widgets.undo import edited


class Saved(Protocol):
    """A record as read: its id, and the version it was read at."""

    @property
    def id(self) -> int: ...

    @property
    def row_version(self) -> int: ...


R = TypeVar("R", bound=Saved)
Values = dict[str, Any]

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY")


def owner_combo(store: Store, parent: QWidget, current: str) -> QComboBox:
    """The officers named so far (and the one working here), any other name typed."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    names = set(case_queries.owners(store)) | {store.officer, current}
    combo.addItem("")
    for name in sorted(n for n in names if n):
        combo.addItem(name)
    combo.setEditText(current)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText(_("Nobody yet: the officer who chases it"))
    return combo


class RecordForm(QDialog, Generic[R]):
    """A form over one saved record; a subclass says its fields (see the methods below).

    ``base`` is the record the form was filled from (after Reload: as saved now);
    :meth:`changed` the fields the officer changed from it.
    """

    hub: Hub

    def __init__(self, parent: QWidget | None, title: str, record: R) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.base = record
        self.saved: R | None = None
        self.saved_from: int | None = None  # the version the saved edit was made on
        self._mine: Values = {}  # what the officer had typed, kept at a Reload
        self.form = QFormLayout(self)
        self.conflict = ConflictBar(self)
        self.conflict.reload_requested.connect(self.reload)
        self.conflict.restore_requested.connect(self.restore)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.form.addRow(self.conflict)
        self.form.addRow(self.problem)
        self.form.addRow(self.buttons)
        self.fill(self.values_of(self.base))
        self.validate()

    # -- what a subclass says ----------------------------------------------------------

    def values_of(self, record: R) -> Values:
        """The form's values for ``record``, by field."""
        raise NotImplementedError

    def values(self) -> Values:
        """The form's values as the officer left them."""
        raise NotImplementedError

    def fill(self, values: Values) -> None:
        raise NotImplementedError

    def labels(self) -> dict[str, str]:
        """Each field's name, as the form says it."""
        raise NotImplementedError

    def shown(self, field: str, value: Any) -> str:
        """A value in words (a field whose value is not text says how it reads)."""
        return str(value)

    def problem_of(self, values: Values) -> str:
        """Why the form cannot be saved as it stands ("" when it can)."""
        return ""

    def fetch(self) -> R:
        """The record as saved now."""
        raise NotImplementedError

    def save(self, changed: Values) -> Outcome[R] | EditConflictError | None:
        """Save ``changed`` from the version of :attr:`base`; None: refused (and said)."""
        raise NotImplementedError

    def named(self, record: R) -> str:
        """The record in words, for the status bar (“Case 2025-0001”)."""
        raise NotImplementedError

    def put_back(self, before: R, after: R, changed: Values) -> Values:
        """The service's arguments that put ``changed`` back as ``before`` had them."""
        raise NotImplementedError

    def update_service(self) -> Callable[..., Outcome[R]]:
        """The service the form saves through (and an undo puts back through)."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------

    def changed(self) -> Values:
        before = self.values_of(self.base)
        return {k: v for k, v in self.values().items() if v != before.get(k)}

    def validate(self) -> bool:
        problem = self.problem_of(self.values())
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if not self.validate():
            return
        changed = self.changed()
        if not changed:
            self.saved = self.base
            super().accept()
            return
        made_on: int | None = self.base.row_version
        outcome = self.save(changed)
        if isinstance(outcome, EditConflictError):
            self.conflict.show_conflict(outcome)  # the form keeps what was typed
            return
        if outcome is not None:
            self.saved = outcome.value
            self.saved_from = made_on
            self._say_saved(self.base, outcome.value, changed)
            super().accept()

    def _say_saved(self, before: R, after: R, changed: Values) -> None:
        """The status bar says what changed; Ctrl+Z saves the previous values back through
        the same service, from the version this edit left (a colleague's change since is
        refused), and the timeline records the undo."""
        labels = self.labels()
        fields = self.put_back(before, after, changed)
        service = self.update_service()
        hub = self.hub
        ident, version = after.id, after.row_version

        def undo(widget: QWidget | None) -> Outcome[R] | None:
            return hub.call(
                widget, service, ident, expected_version=version, undoing=True, **fields
            )

        edited(hub, self.named(after), [labels[k] for k in changed if k in labels], undo)

    def reload(self) -> None:
        """Show the record as saved now; what the officer had typed is kept aside."""
        self._mine = self.changed()
        self.base = self.fetch()
        self.fill(self.values_of(self.base))
        self.validate()
        labels = self.labels()
        fresh = self.values_of(self.base)
        self.conflict.show_reloaded(
            [
                (labels[k], self.shown(k, v))
                for k, v in self._mine.items()
                if v != fresh.get(k)  # already so: the colleague made the same change
            ]
        )

    def restore(self) -> None:
        """Put the officer's edits back over the record as saved now."""
        values = self.values_of(self.base)
        values.update(self._mine)
        self.fill(values)
        self.validate()


def _amount_text(amount: Decimal | None) -> str:
    return "" if amount is None else format(amount, "f")


def _parse_amount(text: str) -> Decimal | None:
    """Yuan as typed, or with the office's units: "50000000", "5000万", "1.5亿"."""
    return parse_amount(text, F_AMOUNT)


def _tags_text(tags: tuple[str, ...]) -> str:
    return listing(tags)


def _parse_tags(text: str) -> list[str]:
    """Tags typed apart by commas (either width) or by 、, as a Chinese list shows them."""
    return [t.strip() for t in re.split("[,，、;；]", text) if t.strip()]


class EditCaseDialog(RecordForm[CaseRecord]):
    """A case's facts: title, company, owner, fast-track, amount, tags."""

    def __init__(
        self, store: Store, hub: Hub, case: CaseRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, _("Edit case {reference}").format(reference=case.reference), case)
        self.store = store
        self.hub = hub
        self.title = QLineEdit(self)
        self.company = QComboBox(self)
        self.company.setEditable(True)
        self.company.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.company.addItem("")
        for org in contact_queries.organisations(store, kind=OrganisationKind.COMPANY):
            self.company.addItem(org.name, org.id)
        self.owner = owner_combo(store, self, case.owner)
        self.fast_track = QCheckBox(_("Fast-track (the clock against the normal duration)"), self)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(_("optional, e.g. 5000万 or 50000000"))
        self.currency = QComboBox(self)
        self.currency.addItems(sorted(set(CURRENCIES) | {case.currency}))
        self.tags = QLineEdit(self)
        self.tags.setPlaceholderText(_("separated by commas, e.g. foreign capital, key project"))
        self.form.addRow(_("Case title:"), self.title)
        self.form.addRow(_("Company:"), self.company)
        self.form.addRow(_("Owner:"), self.owner)
        self.form.addRow("", self.fast_track)
        self.form.addRow(_("Amount:"), self.amount)
        self.form.addRow(_("Currency:"), self.currency)
        self.form.addRow(_("Tags:"), self.tags)
        self.finish_layout()
        for edit in (self.title, self.amount, self.tags):
            edit.textChanged.connect(self.validate)
        self.company.editTextChanged.connect(self.validate)
        self.owner.editTextChanged.connect(self.validate)

    def labels(self) -> dict[str, str]:
        return {
            "title": _("Title"),
            "company": _("Company"),
            "owner": _("Owner"),
            "fast_track": _("Fast-track"),
            "amount": _("Amount"),
            "currency": _("Currency"),
            "tags": _("Tags"),
        }

    def values_of(self, record: CaseRecord) -> Values:
        return {
            "title": record.title,
            "company": record.company_name,
            "owner": record.owner,
            "fast_track": record.fast_track,
            "amount": _amount_text(record.amount),
            "currency": record.currency,
            "tags": _tags_text(record.tags),
        }

    def values(self) -> Values:
        return {
            "title": self.title.text().strip(),
            "company": self.company.currentText().strip(),
            "owner": " ".join(self.owner.currentText().split()),
            "fast_track": self.fast_track.isChecked(),
            "amount": self.amount.text().strip(),
            "currency": self.currency.currentText(),
            "tags": _tags_text(tuple(_parse_tags(self.tags.text()))),
        }

    def fill(self, values: Values) -> None:
        self.title.setText(values["title"])
        self.company.setEditText(values["company"])
        self.owner.setEditText(values["owner"])
        self.fast_track.setChecked(values["fast_track"])
        self.amount.setText(values["amount"])
        self.currency.setCurrentText(values["currency"])
        self.tags.setText(values["tags"])

    def shown(self, field: str, value: Any) -> str:
        if field == "fast_track":
            return _("yes") if value else _("no")
        return str(value)

    def problem_of(self, values: Values) -> str:
        if not values["title"]:
            return _("Give the case a title.")
        try:
            amount = _parse_amount(values["amount"])
        except ValidationError as refused:
            return refused.message()
        if amount is not None and (not amount.is_finite() or amount < 0):
            return _("The amount must be a positive number.")
        return ""

    def fetch(self) -> CaseRecord:
        return case_queries.get(self.store, self.base.id)

    def _company_id(self, name: str) -> int | bool | None:
        """The company's id (None: no company); False when creating it was refused."""
        if not name:
            return None
        index = self.company.findText(name, Qt.MatchFlag.MatchExactly)
        if index > 0:
            return int(self.company.itemData(index))
        made = self.hub.call(self, organisations.create, name, OrganisationKind.COMPANY)
        return False if made is None else made.value.id

    def save(self, changed: Values) -> Outcome[CaseRecord] | EditConflictError | None:
        fields: dict[str, Any] = {}
        for key in ("title", "owner", "fast_track", "currency"):
            if key in changed:
                fields[key] = changed[key]
        if "amount" in changed:
            fields["amount"] = _parse_amount(changed["amount"])
        if "tags" in changed:
            fields["tags"] = _parse_tags(changed["tags"])
        if "company" in changed:
            company = self._company_id(changed["company"])
            if company is False:
                return None
            fields["company_id"] = company
        return attempt_edit(
            self.hub,
            self,
            cases.update,
            self.base.id,
            expected_version=self.base.row_version,
            **fields,
        )

    def named(self, record: CaseRecord) -> str:
        return _("Case {reference}").format(reference=record.reference)

    def put_back(self, before: CaseRecord, after: CaseRecord, changed: Values) -> Values:
        fields: Values = {}
        for key in ("title", "owner", "fast_track", "currency", "amount"):
            if key in changed:
                fields[key] = getattr(before, key)
        if "tags" in changed:
            fields["tags"] = list(before.tags)
        if "company" in changed:
            fields["company_id"] = before.company_id
        return fields

    def update_service(self) -> Callable[..., Outcome[CaseRecord]]:
        return cases.update


def edit_case(store: Store, hub: Hub, case: CaseRecord, parent: QWidget | None) -> EditCaseDialog:
    """The form of ``case``, once closed: its ``saved`` record (None: cancelled)."""
    dialog = EditCaseDialog(store, hub, case, parent)
    dialog.exec()
    return dialog
