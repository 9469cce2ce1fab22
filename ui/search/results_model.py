"""The rows of the search panel: a heading per kind, then its hits; or, before anything
is typed, the last queries.

A row's text is plain text; where the query matched travels beside it as spans, for the
delegate to paint (:mod:`ui.search.painting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from coordinator.i18n import _
from coordinator.labels import RECORD_KINDS
from coordinator.queries.search import Hit, Results

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""The :class:`Row` itself."""


class RowKind(Enum):
    HEADING = "heading"
    HIT = "hit"
    RECENT = "recent"


@dataclass(frozen=True)
class Row:
    kind: RowKind
    title: str
    detail: str = ""
    title_spans: tuple[tuple[int, int], ...] = ()
    detail_spans: tuple[tuple[int, int], ...] = ()
    hit: Hit | None = None

    @property
    def selectable(self) -> bool:
        return self.kind is not RowKind.HEADING


class ResultsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def show_results(self, results: Results) -> None:
        rows: list[Row] = []
        for group in results.groups:
            heading = RECORD_KINDS[group.kind.value].tr()
            shown = len(group.hits)
            total = f"{group.total}+" if group.more else str(group.total)
            count = (
                _("{shown} of {total}").format(shown=shown, total=total)
                if group.total > shown
                else total
            )
            rows.append(Row(RowKind.HEADING, f"{heading}  ·  {count}"))
            rows.extend(
                Row(RowKind.HIT, h.title, h.detail, h.title_spans, h.detail_spans, h)
                for h in group.hits
            )
        self._replace(rows)

    def show_recent(self, queries: list[str]) -> None:
        rows = [Row(RowKind.HEADING, _("Recent searches"))] if queries else []
        rows.extend(Row(RowKind.RECENT, q) for q in queries)
        self._replace(rows)

    def _replace(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def first_selectable(self, start: int = 0, step: int = 1) -> int | None:
        row = start
        while 0 <= row < len(self.rows):
            if self.rows[row].selectable:
                return row
            row += step
        return None

    @property
    def hit_count(self) -> int:
        return sum(1 for r in self.rows if r.kind is RowKind.HIT)

    # -- Qt -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.ToolTipRole and row.detail:
            return row.detail
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.title}. {row.detail}" if row.detail else row.title
        if role == ROW_ROLE:
            return row
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or not row.selectable:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
