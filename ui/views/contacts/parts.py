"""The small parts the contacts and organisations pages are built from.

Label styles, the labels for hints, errors and empty lists, the set-up of their tables
(fixed row heights, so that showing a list touches only its screen), the notes field of
a form, and the one rule for following a lazy list after a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from ui.widgets.column_kinds import Kind
from ui.widgets.lazy_table import LazyIdModel
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import set_up_table

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: palette(mid);"
DRAFT_STYLE = "background: #fff4ce; color: #5c4300; border-radius: 3px; padding: 1px 6px;"


def small_table(
    parent: QWidget, model: RowsModel | LazyIdModel, kinds: Sequence[Kind]
) -> QTableView:
    """A table of the detail pane: one row chosen at a time, columns sized by ``kinds``."""
    table = QTableView(parent)
    table.setModel(model)
    set_up_table(table, kinds=kinds, selection=QAbstractItemView.SelectionMode.SingleSelection)
    return table


def reload_if_count_changed(model: LazyIdModel) -> bool:
    """Reload ``model`` when records came or went; True when it did (every row is fresh)."""
    if model.source.count(model.store) != model.rowCount():
        model.reload()
        return True
    return False


def empty_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(HINT_STYLE)
    label.setMargin(24)
    return label


def message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def notes_field(parent: QWidget, lines: int) -> QPlainTextEdit:
    """A notes box ``lines`` high; Tab leaves it, as in every other field of the form."""
    notes = QPlainTextEdit(parent)
    notes.setTabChangesFocus(True)
    notes.setFixedHeight(parent.fontMetrics().lineSpacing() * lines + 12)
    return notes


def form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form
