"""The list of cases, newest first; a selected case's summary prints from here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from coordinator import table_export
from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.labels import CASE_STATUS
from coordinator.services import cases
from coordinator.storage import Store
from ui.report_actions import SummaryOptionsDialog, run_report
from ui.rows_model import RowsModel


class CasesView(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = RowsModel([], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.toolbar = QToolBar(self)
        self.print_action = QAction(self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_summary)
        self.toolbar.addAction(self.print_action)
        self.export_action = QAction(self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_list)
        self.toolbar.addAction(self.export_action)
        self.table.addAction(self.print_action)
        self.table.doubleClicked.connect(lambda _index: self.print_summary())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.table)

    def selected_case_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def print_summary(self) -> None:
        case_id = self.selected_case_id()
        if case_id is None:
            return
        dialog = SummaryOptionsDialog(self)
        choice = dialog.exec()
        if choice not in (SummaryOptionsDialog.PREVIEW, SummaryOptionsDialog.SAVE):
            return
        from coordinator import reports  # Jinja2 and the templates: only when printing

        reference = cases.get(self.store, case_id).reference
        run_report(
            lambda: reports.case_summary(
                self.store,
                case_id,
                sections=dialog.sections(),
                include_notes=dialog.include_notes(),
            ),
            self,
            f"{reference}.pdf",
            save=choice == SummaryOptionsDialog.SAVE,
        )

    def export_list(self) -> None:
        """All cases to Excel or CSV (text that looks like a formula is made inert)."""
        path_text, chosen = QFileDialog.getSaveFileName(
            self,
            _("Export cases"),
            "cases.xlsx",
            ";;".join((_("Excel workbook (*.xlsx)"), _("CSV, UTF-8 (*.csv)"))),
        )
        if not path_text:
            return
        path = Path(path_text)
        fmt: table_export.Format = (
            "csv" if path.suffix.lower() == ".csv" or chosen.endswith("(*.csv)") else "xlsx"
        )
        if path.suffix.lower() != f".{fmt}":
            path = path.with_suffix(f".{fmt}")
        try:
            exported = table_export.export_list(self.store, "cases", path, format=fmt)
        except DomainError as exc:
            QMessageBox.warning(self, _("Export cases"), exc.message())
            return
        QMessageBox.information(
            self,
            _("Export cases"),
            _("{rows} rows written to {path}.").format(rows=exported.rows, path=path),
        )

    def refresh(self) -> None:
        self.print_action.setText(_("Print case summary…"))
        self.export_action.setText(_("Export to Excel or CSV…"))
        self.model.set_headers(
            [
                _("Reference"),
                _("Case"),
                _("Company"),
                _("Status"),
                _("Fast-track"),
                _("Opened"),
                _("Amount"),
            ]
        )
        rows = []
        for c in cases.list_cases(self.store):
            amount = f"{c.amount:,.2f} {c.currency}" if c.amount is not None else ""
            rows.append(
                (
                    c.id,
                    (
                        c.reference,
                        c.title,
                        c.company_name,
                        CASE_STATUS[c.status].tr(),
                        _("yes") if c.fast_track else "",
                        c.opened_at.strftime("%Y-%m-%d %H:%M"),
                        amount,
                    ),
                )
            )
        self.model.set_rows(rows)
