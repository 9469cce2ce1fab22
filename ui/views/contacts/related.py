"""The cases beside a contact or an organisation: a small table that opens a case.

Both pages show the cases of their record in a tab below the form, with the same columns;
Enter or a double-click on a row opens the case in its own view.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QTableView, QWidget

from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.labels import CASE_STATUS, cap
from coordinator.queries.contacts import CaseLine
from coordinator.store.changes import ChangeKind
from ui.hub import Hub
from ui.views.contacts.parts import small_table
from ui.widgets.column_kinds import Kind
from ui.widgets.rows_model import RowsModel

CASE_KINDS = (Kind.CODE, Kind.TEXT, Kind.TEXT, Kind.STATUS, Kind.TIME)


def case_headers() -> list[str]:
    return [_("Reference"), _("Case"), _("Company"), _("Status"), _("Opened")]


def case_rows(lines: Sequence[CaseLine]) -> list[tuple[int, tuple[str, ...]]]:
    return [
        (
            line.id,
            (
                line.reference,
                line.title,
                line.company_name,
                cap(CASE_STATUS[line.status]),
                short_datetime(line.opened_at),
            ),
        )
        for line in lines
    ]


def cases_table(parent: QWidget, hub: Hub) -> tuple[RowsModel, QTableView]:
    """The model and table of a record's cases; activating a row opens that case."""
    model = RowsModel(case_headers(), parent)
    table = small_table(parent, model, CASE_KINDS)

    def open_case(index: QModelIndex) -> None:
        hub.request_open(ChangeKind.CASE, model.id_at(index.row()))

    table.activated.connect(open_case)
    return model, table
