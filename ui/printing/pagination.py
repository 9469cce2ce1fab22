"""Where a report's pages end: headings kept with what follows, table rows whole.

Qt's own pagination cuts a laid-out document every page height wherever that falls: a
heading ends up alone at the foot of a page, a table row is split so that its first
line stands alone atop the next page.  So the report is laid out as one long page
and :func:`paginate` chooses the cuts itself, from the geometry of what was laid out:

* a cut never passes through a line of text, nor through a table row, unless the row
  is taller than a third of a page (a long note): then only between its lines, never
  leaving fewer than two of them on either side;
* a heading (``<h1>``–``<h3>``, or a table row marked ``keep-with-next``, a
  department's line) goes to the next page with the first row or lines after it;
  a short paragraph straight after a table (its legend) stays with the table's last
  row; a row marked ``keep-with-previous`` (a long note below its row) starts on the
  page of its row; a long paragraph leaves at least two lines on either side;
* ``page-break-before: always`` starts a new page;
* a table cut in its body repeats its header rows at the top of the next page.

Marks are named anchors (``<a name="keep-with-next">…</a>``) in the first cell of a
row: the only trace of the template Qt's rich-text engine keeps in its layout.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtGui import QTextBlock, QTextCursor, QTextDocument, QTextFormat, QTextTable

KEEP_WITH_NEXT = "keep-with-next"
KEEP_WITH_PREVIOUS = "keep-with-previous"
SHORT_LINES = 2  # a paragraph this short is a caption, a legend or a summary line
TALL_ROW_SHARE = 1 / 3  # a row taller than this share of a page may be split
LINES_KEPT = 2  # lines left together at either side of a split paragraph or row


@dataclass(frozen=True)
class Slice:
    """One page: the document's band ``top``–``bottom``, under a repeated table header
    (the band ``header``) when the page continues a table."""

    top: float
    bottom: float
    header: tuple[float, float] | None = None

    @property
    def height(self) -> float:
        header = 0.0 if self.header is None else self.header[1] - self.header[0]
        return self.bottom - self.top + header


@dataclass
class _Table:
    table: QTextTable
    rows: list[float]  # each row's top; and the table's bottom last
    header_rows: int
    line_height: float

    @property
    def body_top(self) -> float:
        return self.rows[self.header_rows] if self.header_rows < len(self.rows) - 1 else self.bottom

    @property
    def bottom(self) -> float:
        return self.rows[-1]

    def row_bottom(self, row: int) -> float:
        return self.rows[row + 1]


class _Geometry:
    """The laid-out document as spans a cut must avoid and places it may fall."""

    def __init__(self, document: QTextDocument, page_height: float) -> None:
        self.document = document
        self.layout = document.documentLayout()
        self.page_height = page_height
        self.lines: list[tuple[float, float]] = []
        self.keeps: list[tuple[float, float]] = []
        self.cuts: set[float] = set()
        self.forced: list[float] = []
        self.tables: list[_Table] = []
        self.end = self.layout.documentSize().height()
        device = self.layout.paintDevice()
        # Qt scales CSS pixels to the device as if the screen had 96 dpi.
        self.scale = device.logicalDpiY() / 96 if device is not None else 1.0
        self._read()

    # -- reading the layout ----------------------------------------------------------

    def _block_lines(self, block: QTextBlock) -> list[tuple[float, float]]:
        rect = self.layout.blockBoundingRect(block)
        text_layout = block.layout()
        origin = rect.top() - text_layout.boundingRect().top()
        lines = []
        for index in range(text_layout.lineCount()):
            line = text_layout.lineAt(index)
            top = origin + line.y()
            lines.append((top, top + line.height()))
        return lines

    def _cell_blocks(self, table: QTextTable, row: int, column: int) -> list[QTextBlock]:
        cell = table.cellAt(row, column)
        block = cell.firstCursorPosition().block()
        last = cell.lastPosition()
        blocks = []
        while block.isValid() and block.position() <= last:
            blocks.append(block)
            block = block.next()
        return blocks

    def _marks(self, table: QTextTable, row: int) -> set[str]:
        names: set[str] = set()
        for block in self._cell_blocks(table, row, 0)[:1]:
            cursor = QTextCursor(block)
            cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
            names.update(cursor.charFormat().anchorNames())
        return names

    def _read(self) -> None:
        items: list[QTextBlock | QTextTable] = []
        seen_tables: set[int] = set()
        block = self.document.begin()
        while block.isValid():
            table: QTextTable | None = QTextCursor(block).currentTable()
            if table is None:
                items.append(block)
            else:
                outer = table
                while (parent := outer.parentFrame()) is not None and isinstance(
                    parent, QTextTable
                ):
                    outer = parent
                key = outer.firstPosition()
                if key not in seen_tables:
                    seen_tables.add(key)
                    items.append(outer)
            block = block.next()
        for index, item in enumerate(items):
            if isinstance(item, QTextTable):
                self._read_table(item)
            else:
                self._read_block(item, items, index)

    def _read_block(
        self, block: QTextBlock, items: list[QTextBlock | QTextTable], index: int
    ) -> None:
        lines = self._block_lines(block)
        if not lines:
            return
        top = self.layout.blockBoundingRect(block).top()
        self.cuts.add(top)
        self.lines.extend(lines)
        self.cuts.update(line_top for line_top, _bottom in lines)
        if block.blockFormat().pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore:
            self.forced.append(top)
        if len(lines) > 2 * LINES_KEPT:
            self.keeps.append((lines[0][0], lines[LINES_KEPT - 1][1]))
            self.keeps.append((lines[-LINES_KEPT][0], lines[-1][1]))
        else:
            self.keeps.append((lines[0][0], lines[-1][1]))
        previous = items[index - 1] if index else None
        if isinstance(previous, QTextTable) and len(lines) <= SHORT_LINES:
            # A legend under a table stays with its last row.
            self.keeps.append((self._last_row_top(previous), lines[-1][1]))
        if block.blockFormat().headingLevel() > 0:
            self.keeps.append((top, self._first_unit_end(items, index + 1, lines[-1][1])))

    def _last_row_top(self, table: QTextTable) -> float:
        return self._row_tops(table)[-2]

    def _first_unit_end(
        self, items: list[QTextBlock | QTextTable], start: int, end: float
    ) -> float:
        """Where what must follow a heading onto its page ends: other headings and short
        paragraphs (a summary line), then a table's header and first row, or the first
        lines of a paragraph."""
        short = 0
        for item in items[start:]:
            if isinstance(item, QTextTable):
                rows = self._row_tops(item)
                header = min(item.format().headerRowCount(), item.rows())
                return rows[min(header + 1, len(rows) - 1)]
            lines = self._block_lines(item)
            if not lines:
                continue
            if len(lines) > SHORT_LINES:
                return lines[LINES_KEPT - 1][1]
            end = lines[-1][1]
            if item.blockFormat().headingLevel() == 0:
                short += 1
                if short > SHORT_LINES:
                    break
        return end

    def _row_tops(self, table: QTextTable) -> list[float]:
        """Each row's top edge, then the table's bottom edge: where a cut between rows
        falls.  A cell's text sits one cell padding (and its top border) below its
        row's edge; lengths in the table's format are CSS pixels, laid out scaled to
        the device."""
        padding = table.format().cellPadding() * self.scale
        tops: list[float] = []
        last_bottom = 0.0
        last_border = 0.0
        for row in range(table.rows()):
            row_tops: list[float] = []
            for column in range(table.columns()):
                cell = table.cellAt(row, column)
                if cell.row() != row or cell.column() != column:
                    continue  # spanned from another cell
                cell_format = cell.format().toTableCellFormat()
                blocks = self._cell_blocks(table, row, column)
                if not blocks:
                    continue
                first = self.layout.blockBoundingRect(blocks[0])
                row_tops.append(first.top() - padding - cell_format.topBorder() * self.scale)
                if row == table.rows() - 1:
                    last_bottom = max(
                        last_bottom, self.layout.blockBoundingRect(blocks[-1]).bottom()
                    )
                    last_border = max(last_border, cell_format.bottomBorder() * self.scale)
            tops.append(min(row_tops) if row_tops else (tops[-1] if tops else 0.0))
        return [*tops, last_bottom + padding + last_border]

    def _read_table(self, table: QTextTable) -> None:
        rows = self._row_tops(table)
        header_rows = min(table.format().headerRowCount(), table.rows())
        row_lines: list[list[tuple[float, float]]] = []
        for row in range(table.rows()):
            lines: list[tuple[float, float]] = []
            for column in range(table.columns()):
                cell = table.cellAt(row, column)
                if cell.row() != row or cell.column() != column:
                    continue
                for block in self._cell_blocks(table, row, column):
                    lines.extend(self._block_lines(block))
            lines.sort()
            row_lines.append(lines)
            self.lines.extend(lines)
        heights = sorted(b - t for lines in row_lines for t, b in lines)
        line_height = heights[len(heights) // 2] if heights else 0.0
        info = _Table(table, rows, header_rows, line_height)
        self.tables.append(info)
        self.cuts.update(rows)
        tall = self.page_height * TALL_ROW_SHARE
        for row in range(table.rows()):
            top, bottom = rows[row], rows[row + 1]
            marks = self._marks(table, row)
            if bottom - top <= tall:
                self.keeps.append((top, bottom))
            else:
                # A long note: cut between its lines, two of them at least on each side.
                self.cuts.update(line_top for line_top, _b in row_lines[row])
                self.keeps.append((top, top + LINES_KEPT * line_height + (rows[1] - rows[0])))
                self.keeps.append((bottom - LINES_KEPT * line_height, bottom))
            if KEEP_WITH_NEXT in marks and row + 1 < table.rows():
                self.keeps.append((top, min(rows[row + 2], rows[row + 1] + tall)))
            if KEEP_WITH_PREVIOUS in marks and row > 0:
                self.keeps.append((rows[row - 1], min(bottom, top + LINES_KEPT * line_height)))
        if header_rows and header_rows < table.rows():
            # The header never ends a page: it goes with the first row below it.
            self.keeps.append((rows[0], min(rows[header_rows + 1], rows[header_rows] + tall)))

    # -- choosing the cuts -----------------------------------------------------------

    def slices(self) -> list[Slice]:
        cuts = sorted(c for c in self.cuts if 0 < c < self.end)
        blocked = [False] * len(cuts)
        for low, high in self.keeps:
            for i in range(bisect.bisect_right(cuts, low), bisect.bisect_left(cuts, high)):
                blocked[i] = True
        in_line = [False] * len(cuts)
        for low, high in self.lines:
            for i in range(bisect.bisect_right(cuts, low), bisect.bisect_left(cuts, high)):
                in_line[i] = True
        forced = sorted(f for f in self.forced if 0 < f < self.end)
        pages: list[Slice] = []
        top = 0.0
        while True:
            header = self._header_at(top)
            room = self.page_height - (0.0 if header is None else header[1] - header[0])
            limit = top + room
            next_forced = next((f for f in forced if f > top + 1e-6), None)
            if next_forced is not None and next_forced <= limit:
                pages.append(Slice(top, next_forced, header))
                top = next_forced
                continue
            if self.end <= limit:
                pages.append(Slice(top, self.end, header))
                return pages
            bottom = self._best_cut(cuts, blocked, in_line, top, limit)
            pages.append(Slice(top, bottom, header))
            top = bottom

    def _best_cut(
        self,
        cuts: list[float],
        blocked: list[bool],
        in_line: list[bool],
        top: float,
        limit: float,
    ) -> float:
        first = bisect.bisect_right(cuts, top + 1e-6)
        last = bisect.bisect_right(cuts, limit) - 1
        for i in range(last, first - 1, -1):
            if not blocked[i] and not in_line[i]:
                return cuts[i]
        # Nothing whole fits (a row or heading group taller than a page): any cut
        # between lines, else wherever the page ends.
        for i in range(last, first - 1, -1):
            if not in_line[i]:
                return cuts[i]
        return limit

    def _header_at(self, top: float) -> tuple[float, float] | None:
        for table in self.tables:
            if table.header_rows and table.body_top <= top < table.bottom - 1e-6:
                return (table.rows[0], table.body_top)
        return None


def paginate(document: QTextDocument, page_height: float) -> list[Slice]:
    """The pages of ``document``, laid out as one long page of the body's width.

    Tables' header rows are repeated by whoever paints the slices; so that Qt draws
    them once, where they are, the tables lose their header row count here (with no
    page height it changes nothing in the layout, but Qt's drawing of a table with
    header rows would also draw stray lines of long cells into the header's band).
    """
    geometry = _Geometry(document, page_height)
    pages = geometry.slices()
    for table in geometry.tables:
        if table.header_rows:
            table_format = table.table.format()
            table_format.setHeaderRowCount(0)
            table.table.setFormat(table_format)
    return pages
