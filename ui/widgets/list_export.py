"""Ctrl+E: the list on screen as an Excel workbook or a CSV file, as it is shown.

What is written is read from the view itself, so an export can never disagree with the
list: its rows (the filter), in its order (the sort), its columns in the order the
header shows them (a hidden column stays out), under the header's titles. A tree's
rows come depth first, each parent before its children, as they read on screen.

A model may give a cell a better value for a spreadsheet than its display text under
:data:`EXPORT_ROLE` (a full date where the screen says "today 10:30", a yes/no where it
leaves "no" blank). A lazy list (:class:`~ui.widgets.lazy_table.LazyIdModel`) streams
its rows from its source window by window instead, without filling its cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableView,
    QTreeView,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.exchange.sheets import Cell, Row, write_csv, write_xlsx
from coordinator.i18n import _
from ui.widgets.lazy_table import LazyIdModel

__all__ = ["EXPORT_ROLE", "ExportedList", "export_view", "view_table", "write_view"]

EXPORT_ROLE = int(Qt.ItemDataRole.UserRole) + 0x0E0
"""A cell's value for a spreadsheet, when it is better than its display text."""

Format = Literal["csv", "xlsx"]
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class ExportedList:
    path: Path
    format: Format
    rows: int


def _header(view: QAbstractItemView) -> QHeaderView | None:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    if isinstance(view, QTreeView):
        return view.header()
    return None


def shown_columns(view: QAbstractItemView) -> list[int]:
    """The model's columns in the order the header shows them, hidden ones left out."""
    model = view.model()
    header = _header(view)
    if header is None:
        return list(range(model.columnCount()))
    logical = (header.logicalIndex(visual) for visual in range(header.count()))
    return [c for c in logical if not header.isSectionHidden(c)]


def _cell(model: QAbstractItemModel, index: QModelIndex) -> Cell:
    value: Cell = model.data(index, EXPORT_ROLE)
    if value is not None:
        return value
    text = model.data(index, Qt.ItemDataRole.DisplayRole)
    return "" if text is None else str(text)


def _walk(
    view: QAbstractItemView, model: QAbstractItemModel, parent: QModelIndex, columns: list[int]
) -> Iterator[Row]:
    for row in range(model.rowCount(parent)):
        hidden = (
            view.isRowHidden(row, parent)
            if isinstance(view, QTreeView)
            else isinstance(view, QTableView) and view.isRowHidden(row)
        )
        if hidden:
            continue
        yield tuple(_cell(model, model.index(row, c, parent)) for c in columns)
        first = model.index(row, 0, parent)
        if isinstance(view, QTreeView) and model.hasChildren(first):
            yield from _walk(view, model, first, columns)


def view_table(view: QAbstractItemView) -> tuple[list[str], Iterator[Row]]:
    """The headers and the rows of ``view`` as it shows them."""
    model = view.model()
    columns = shown_columns(view)
    headers = [
        str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        for c in columns
    ]
    if isinstance(model, LazyIdModel):
        return headers, model.export_rows(columns)
    return headers, _walk(view, model, QModelIndex(), columns)


def write_view(view: QAbstractItemView, path: Path, format: Format, title: str) -> int:
    """Write the list of ``view`` to ``path``; the number of rows written."""
    headers, rows = view_table(view)
    if format == "xlsx":
        return write_xlsx(path, headers, rows, title)
    return write_csv(path, headers, rows)


def file_stem(title: str) -> str:
    return _NOT_IN_FILE_NAMES.sub("-", title).strip("-") or "list"


def export_view(view: QAbstractItemView, title: str, parent: QWidget) -> ExportedList | None:
    """Ask where, then write the list of ``view`` there; None if the officer cancelled."""
    heading = _("Export “{list}”").format(list=title)
    path_text, chosen = QFileDialog.getSaveFileName(
        parent,
        heading,
        f"{file_stem(title)}.xlsx",
        ";;".join((_("Excel workbook (*.xlsx)"), _("CSV, UTF-8 (*.csv)"))),
    )
    if not path_text:
        return None
    path = Path(path_text)
    fmt: Format = "csv" if path.suffix.lower() == ".csv" or chosen.endswith("(*.csv)") else "xlsx"
    if path.suffix.lower() != f".{fmt}":
        path = path.with_suffix(f".{fmt}")
    try:
        rows = write_view(view, path, fmt, title)
    except DomainError as exc:
        QMessageBox.warning(parent, heading, exc.message())
        return None
    QMessageBox.information(
        parent, heading, _("{rows} rows written to {path}.").format(rows=rows, path=path)
    )
    return ExportedList(path, fmt, rows)
