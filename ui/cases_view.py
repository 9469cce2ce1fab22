"""The list of cases, newest first: Enter opens one, Ctrl+N opens a new one from a
template, Ctrl+P prints the selected case's summary."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
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
from ui.hub import Hub
from ui.report_actions import print_case_summary
from ui.rows_model import RowsModel


class CasesView(QWidget):
    open_requested = Signal(int)  # a case id

    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
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
        self.new_action = QAction(self)
        self.new_action.triggered.connect(self.new_case)
        self.toolbar.addAction(self.new_action)
        self.open_action = QAction(self)
        self.open_action.setShortcut(QKeySequence(Qt.Key.Key_Return))
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.open_action.triggered.connect(self.open_selected)
        self.toolbar.addAction(self.open_action)
        self.addAction(self.open_action)
        self.print_action = QAction(self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_summary)
        self.toolbar.addAction(self.print_action)
        self.export_action = QAction(self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_list)
        self.toolbar.addAction(self.export_action)
        self.table.addAction(self.print_action)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.table)

    def selected_case_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def open_selected(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            self.open_requested.emit(case_id)

    def new_case(self) -> None:
        from ui.new_case_dialog import open_new_case

        created = open_new_case(self.store, self.hub, self)
        if created is not None:
            self.open_requested.emit(created.id)

    def print_summary(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            print_case_summary(self.store, case_id, self)

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
        self.new_action.setText(_("New case…"))
        self.new_action.setToolTip(_("Open a case from a template (Ctrl+N)"))
        self.open_action.setText(_("Open"))
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
        selected = self.selected_case_id()
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
        if selected is not None:
            row = next((r for r, (ident, _cells) in enumerate(rows) if ident == selected), None)
            if row is not None:
                self.table.selectRow(row)
