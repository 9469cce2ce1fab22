"""Painting a search row: the title, and under it the detail, with the matched part
highlighted by text formats over plain text (the user's text is never read as markup)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.search.results_model import ROW_ROLE, Row, RowKind

Index = QModelIndex | QPersistentModelIndex

HIGHLIGHT = QColor(255, 214, 102)  # a marker-pen yellow, readable on light and selected rows
PADDING = 6


def highlighted_layout(text: str, spans: Sequence[tuple[int, int]], font: QFont) -> QTextLayout:
    """``text`` laid out on one line, ``spans`` on a highlight (exposed for tests)."""
    layout = QTextLayout(text, font)
    formats = []
    for start, end in spans:
        mark = QTextCharFormat()
        mark.setBackground(HIGHLIGHT)
        mark.setForeground(QColor(0, 0, 0))
        fmt = QTextLayout.FormatRange()
        fmt.start, fmt.length, fmt.format = start, end - start, mark
        formats.append(fmt)
    layout.setFormats(formats)
    layout.beginLayout()
    line = layout.createLine()
    if line.isValid():
        line.setLineWidth(1_000_000)  # one line: the row clips what does not fit
    layout.endLayout()
    return layout


class ResultDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        row: Row | None = index.data(ROW_ROLE)
        height = QFontMetrics(option.font).height()
        if row is None or row.kind is not RowKind.HIT:
            return QSize(200, height + PADDING * 2)
        return QSize(200, height * 2 + PADDING * 3)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row: Row | None = index.data(ROW_ROLE)
        if row is None:
            return
        style = option.widget.style() if option.widget is not None else None
        painter.save()
        try:
            if style is not None:
                style.drawPrimitive(
                    QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
                )
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            palette = option.palette
            text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            rect = QRectF(option.rect).adjusted(PADDING * 2, PADDING, -PADDING, -PADDING)
            painter.setClipRect(option.rect)
            if row.kind is RowKind.HEADING:
                font = QFont(option.font)
                font.setBold(True)
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                self._draw(painter, row.title, (), font, rect.topLeft())
                return
            painter.setPen(palette.color(text_role))
            title_font = QFont(option.font)
            if row.kind is RowKind.HIT:
                title_font.setBold(True)
            self._draw(painter, row.title, row.title_spans, title_font, rect.topLeft())
            if row.detail:
                painter.setPen(
                    palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText)
                )
                below = rect.topLeft() + QPointF(0, QFontMetrics(option.font).height() + PADDING)
                self._draw(painter, row.detail, row.detail_spans, option.font, below)
        finally:
            painter.restore()

    @staticmethod
    def _draw(
        painter: QPainter,
        text: str,
        spans: Sequence[tuple[int, int]],
        font: QFont,
        at: QPointF,
    ) -> None:
        layout = highlighted_layout(text, spans, font)
        layout.draw(painter, at)
