"""The list of cases, newest first, with their clocks."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from coordinator.i18n import _
from coordinator.labels import CASE_STATUS
from coordinator.services import cases
from coordinator.storage import Store
from ui.rows_model import RowsModel


class CasesView(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = RowsModel([], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def refresh(self) -> None:
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
