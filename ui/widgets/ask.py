"""Small questions a step asks before it happens: a reason, a department, missing items.

Each returns None when the officer cancels, and then nothing changes. Views call them
through this module (``ask.text(...)``) so tests can answer in their place.
"""

from __future__ import annotations

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
from coordinator.services import organisations
from coordinator.store.models import OrganisationKind
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
        for org in organisations.list_all(store, kind=kind):
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
