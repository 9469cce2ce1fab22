"""Preview, print or save a report as PDF: the dialogs the views share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.store.storage import Store
from ui.printing import pdf as printing

if TYPE_CHECKING:
    from coordinator.reports import Report  # the package imports Jinja2: only when printing

SECTIONS = ("facts", "clock", "actions", "documents", "communications", "timeline")


def _section_label(key: str) -> str:
    labels = {
        "facts": _("Case facts and parties"),
        "clock": _("Fast-track clock"),
        "actions": _("Steps by department"),
        "documents": _("Document checklist"),
        "communications": _("Communication log"),
        "timeline": _("Key timeline events"),
    }
    return labels[key]


class SummaryOptionsDialog(QDialog):
    """Which sections, and whether notes are in (a version for the company leaves them out)."""

    PREVIEW = 10
    SAVE = 11

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Print case summary"))
        layout = QVBoxLayout(self)
        box = QGroupBox(_("Sections"), self)
        box_layout = QVBoxLayout(box)
        self.section_boxes: dict[str, QCheckBox] = {}
        for key in SECTIONS:
            check = QCheckBox(_section_label(key), box)
            check.setChecked(True)
            box_layout.addWidget(check)
            self.section_boxes[key] = check
        layout.addWidget(box)
        self.notes_box = QCheckBox(_("Include notes (leave out for a copy to the company)"), self)
        self.notes_box.setChecked(True)
        layout.addWidget(self.notes_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.preview_button = buttons.addButton(
            _("Preview and print…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button = buttons.addButton(
            _("Save as PDF…"), QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.preview_button.clicked.connect(lambda: self.done(self.PREVIEW))
        self.save_button.clicked.connect(lambda: self.done(self.SAVE))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def sections(self) -> frozenset[str]:
        return frozenset(key for key, box in self.section_boxes.items() if box.isChecked())

    def include_notes(self) -> bool:
        return self.notes_box.isChecked()


def save_pdf(report: Report, parent: QWidget | None, suggested_name: str) -> Path | None:
    path_text, _filter = QFileDialog.getSaveFileName(
        parent, _("Save as PDF"), suggested_name, _("PDF files (*.pdf)")
    )
    if not path_text:
        return None
    path = Path(path_text)
    if path.suffix.lower() != ".pdf":
        path = path.with_suffix(".pdf")
    try:
        printing.write_pdf(report, path)
    except DomainError as exc:
        QMessageBox.warning(parent, _("Save as PDF"), exc.message())
        return None
    return path


def run_report(
    build: Callable[[], Report], parent: QWidget | None, suggested_name: str, *, save: bool
) -> None:
    """Build a report (errors shown, not raised) and preview or save it."""
    try:
        report = build()
    except DomainError as exc:
        QMessageBox.warning(parent, _("Report"), exc.message())
        return
    if save:
        save_pdf(report, parent, suggested_name)
    else:
        printing.preview(report, parent)


def print_case_summary(store: Store, case_id: int, parent: QWidget) -> None:
    """Ask which sections, then preview or save one case's summary."""
    dialog = SummaryOptionsDialog(parent)
    choice = dialog.exec()
    if choice not in (SummaryOptionsDialog.PREVIEW, SummaryOptionsDialog.SAVE):
        return
    from coordinator import reports  # Jinja2 and the templates: only when printing
    from coordinator.queries import cases as case_queries

    reference = case_queries.get(store, case_id).reference
    run_report(
        lambda: reports.case_summary(
            store,
            case_id,
            sections=dialog.sections(),
            include_notes=dialog.include_notes(),
        ),
        parent,
        f"{reference}.pdf",
        save=choice == SummaryOptionsDialog.SAVE,
    )
