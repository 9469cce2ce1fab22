"""Small questions a step asks before it happens: a reason, a department, missing items.

Each returns None when the officer cancels, and then nothing changes. Views call them
through this module (``ask.text(...)``) so tests can answer in their place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from coordinator.i18n import _
from coordinator.kinds import DocumentState, OrganisationKind
from coordinator.queries import contacts as contact_queries
from coordinator.store.storage import Store


class _TextDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, label: str, required: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.edit = QPlainTextEdit(self)
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(90)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(label, self))
        form.addRow(self.edit)
        form.addRow(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if required:
            ok.setEnabled(False)
            self.edit.textChanged.connect(
                lambda: ok.setEnabled(bool(self.edit.toPlainText().strip()))
            )


def text(parent: QWidget | None, title: str, label: str, *, required: bool = False) -> str | None:
    dialog = _TextDialog(parent, title, label, required)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.edit.toPlainText().strip()


def department(parent: QWidget | None, store: Store, title: str) -> int | None:
    """Choose one of the departments (or parks, banks, districts) a document can go to."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    combo = QComboBox(dialog)
    for kind in (
        OrganisationKind.DEPARTMENT,
        OrganisationKind.PARK,
        OrganisationKind.BANK,
        OrganisationKind.DISTRICT,
        OrganisationKind.FUND,
    ):
        for org in contact_queries.organisations(store, kind=kind):
            combo.addItem(org.name, org.id)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow(_("Department:"), combo)
    form.addRow(buttons)
    if combo.count() == 0 or dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    value = combo.currentData()
    return int(value) if value is not None else None


def missing_items(
    parent: QWidget | None, title: str, default_promise: datetime
) -> tuple[str, datetime] | None:
    """What is still missing, and by when the company promised it (容缺受理)."""
    dialog = _TextDialog(parent, title, _("What is still missing:"), required=True)
    when = QDateTimeEdit(dialog)
    when.setCalendarPopup(True)
    when.setDisplayFormat("yyyy-MM-dd HH:mm")
    when.setDateTime(
        QDateTime(
            QDate(default_promise.year, default_promise.month, default_promise.day),
            QTime(default_promise.hour, default_promise.minute),
        )
    )
    layout = dialog.layout()
    assert isinstance(layout, QFormLayout)
    layout.insertRow(2, _("Promised by:"), when)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen = when.dateTime()
    day, clock = chosen.date(), chosen.time()
    promised = datetime.combine(
        datetime(day.year(), day.month(), day.day()).date(),
        time(clock.hour(), clock.minute()),
    )
    return dialog.edit.toPlainText().strip(), promised


PROMISE_WORKING_DAYS = 5  # the usual promise when a department accepts with items missing


@dataclass(frozen=True)
class DocumentStep:
    """What a document's next state needs besides itself, as the officer answered."""

    reason: str = ""
    missing_items: str = ""
    promised_completion_at: datetime | None = None


def document_step(
    parent: QWidget | None, store: Store, state: DocumentState, title: str, now: datetime
) -> DocumentStep | None:
    """Ask what ``state`` needs: why a document goes back, what is missing and by when.

    The department a document is forwarded to is asked per document, by the caller."""
    if state == DocumentState.RETURNED:
        why = text(parent, title, _("What must be corrected?"), required=True)
        return None if why is None else DocumentStep(reason=why)
    if state == DocumentState.ACCEPTED_MISSING:
        promise = store.calendar().add_working_days(now, PROMISE_WORKING_DAYS)
        answer = missing_items(parent, title, promise)
        if answer is None:
            return None
        return DocumentStep(missing_items=answer[0], promised_completion_at=answer[1])
    return DocumentStep()
