"""Preview, print or save a report as PDF: the dialogs the views share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from coordinator.i18n import N_, _
from coordinator.store.storage import Store
from ui import threads
from ui.printing import pdf as printing
from ui.printing.fonts import font_families
from ui.printing.pdf import LaidOut
from ui.widgets.background import ProgressReport, run_with_progress

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


def ask_pdf_path(parent: QWidget | None, suggested_name: str) -> Path | None:
    """Where to save a PDF (asked in a file dialog), ending in ``.pdf``; None: cancelled."""
    path_text, _filter = QFileDialog.getSaveFileName(
        parent, _("Save as PDF"), suggested_name, _("PDF files (*.pdf)")
    )
    if not path_text:
        return None
    path = Path(path_text)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def save_pdf(report: Report, parent: QWidget | None, suggested_name: str) -> Path | None:
    path = ask_pdf_path(parent, suggested_name)
    if path is None:
        return None
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


@dataclass(frozen=True)
class _Step:
    """How far a case summary is (what :class:`ProgressDialog` reads)."""

    stage: str
    fraction: float | None = None


SUMMARY_STAGES = {
    "build": N_("Reading the case…"),
    "layout": N_("Laying out the pages…"),
    "write": N_("Writing the PDF…"),
}


def make_case_summary(
    parent: QWidget | None,
    build: Callable[[], Report],
    *,
    save_to: Path | None,
) -> LaidOut | int | None:
    """Build and lay out a case summary on a worker thread, with progress, the window
    painting and answering meanwhile (a long case takes a second or more).

    With ``save_to`` the PDF is written there too and its page count returned; else
    the pages laid out for the print preview are.  None when it failed (the error has
    been shown) or was cancelled.
    """
    font_families()  # fonts are registered on the GUI thread, once
    resolution = printing.printer_resolution() if save_to is None else 0

    def work(progress: Callable[[ProgressReport], None]) -> LaidOut | int:
        progress(_Step("build"))
        report = build()
        progress(_Step("layout"))
        if save_to is None:
            return printing.lay_out_for_printer(report, resolution)

        return printing.write_pdf(report, save_to, lambda _laid: progress(_Step("write")))

    threads.worker_started()  # no cycle collection on the worker: it allocates a lot
    try:
        return run_with_progress(
            parent, _("Case summary"), work, stages=SUMMARY_STAGES, show_after_ms=200
        )
    finally:
        threads.worker_ended()


def print_case_summary(store: Store, case_id: int, parent: QWidget) -> None:
    """Ask which sections, then preview or save one case's summary."""
    dialog = SummaryOptionsDialog(parent)
    choice = dialog.exec()
    if choice not in (SummaryOptionsDialog.PREVIEW, SummaryOptionsDialog.SAVE):
        return
    from coordinator import reports  # Jinja2 and the templates: only when printing
    from coordinator.queries import cases as case_queries

    reference = case_queries.get(store, case_id).reference
    sections, include_notes = dialog.sections(), dialog.include_notes()

    def build() -> Report:
        return reports.case_summary(store, case_id, sections=sections, include_notes=include_notes)

    if choice == SummaryOptionsDialog.SAVE:
        path = ask_pdf_path(parent, f"{reference}.pdf")
        if path is not None:
            make_case_summary(parent, build, save_to=path)
        return
    laid = make_case_summary(parent, build, save_to=None)
    if isinstance(laid, printing.LaidOut):
        printing.preview(laid, parent)
