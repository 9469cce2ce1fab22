"""Reports onto A4 pages: PDF files, printers and the print preview.

A report's HTML is laid out by QTextDocument on the page's body; the header (office,
reference) and footer (print time, "page N of M") are drawn around it on every page, in
the shipped font so a summary looks the same on every laptop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QWidget

from coordinator.errors import StorageError
from coordinator.i18n import N_, _
from ui.printing.fonts import font_families

if TYPE_CHECKING:
    from coordinator.reports import Report  # the package imports Jinja2: only when printing

PDF_DPI = 300
MARGINS_MM = QMarginsF(16, 14, 16, 14)
BODY_POINT_SIZE = 10.0
EDGE_POINT_SIZE = 8.0


def _page_layout(report: Report) -> QPageLayout:
    orientation = (
        QPageLayout.Orientation.Landscape if report.landscape else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), orientation, MARGINS_MM, QPageLayout.Unit.Millimeter
    )


def render(report: Report, device: QPagedPaintDevice) -> int:
    """Paint the report on a paged device (PDF writer or printer); returns the page count."""
    families = font_families()
    device.setPageLayout(_page_layout(report))
    painter = QPainter()
    if not painter.begin(device):
        raise StorageError(N_("The printer or PDF file could not be opened."))
    try:
        return _paint(report, device, painter, families)
    finally:
        painter.end()


def _paint(
    report: Report, device: QPagedPaintDevice, painter: QPainter, families: list[str]
) -> int:
    dpi = device.logicalDpiY()
    area = QRectF(device.pageLayout().paintRectPixels(device.logicalDpiX()))
    area.moveTo(0, 0)  # the painter's origin is already the printable area's corner
    edge_font = _print_font(families)
    edge_font.setPointSizeF(EDGE_POINT_SIZE)
    edge_height = QFontMetricsF(edge_font, device).height() * 1.8
    body = QRectF(0, edge_height, area.width(), area.height() - 2 * edge_height)

    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    body_font = _print_font(families)
    body_font.setPointSizeF(BODY_POINT_SIZE)
    document.setDefaultFont(body_font)
    document.setDocumentMargin(0)
    document.setHtml(report.html)
    document.setPageSize(QSizeF(body.width(), body.height()))
    pages = max(document.pageCount(), 1)
    printed = report.printed_at.strftime("%Y-%m-%d %H:%M")
    line_pen_width = max(dpi / 150, 1.0)

    for page in range(pages):
        if page:
            device.newPage()
        painter.save()
        painter.translate(body.left(), body.top() - page * body.height())
        document.drawContents(painter, QRectF(0, page * body.height(), body.width(), body.height()))
        painter.restore()

        painter.save()
        painter.setFont(edge_font)
        pen = painter.pen()
        pen.setWidthF(line_pen_width)
        pen.setColor(Qt.GlobalColor.darkGray)
        painter.setPen(pen)
        top = QRectF(0, 0, area.width(), edge_height * 0.8)
        painter.drawText(
            top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, report.header_left
        )
        painter.drawText(
            top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, report.header_right
        )
        painter.drawLine(0, int(top.bottom()), int(area.width()), int(top.bottom()))
        bottom = QRectF(0, area.height() - edge_height * 0.8, area.width(), edge_height * 0.8)
        painter.drawLine(0, int(bottom.top()), int(area.width()), int(bottom.top()))
        painter.drawText(
            bottom,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            _("Printed {time}").format(time=printed),
        )
        painter.drawText(
            bottom,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            _("Page {page} of {pages}").format(page=page + 1, pages=pages),
        )
        painter.restore()
    return pages


def _print_font(families: list[str]) -> QFont:
    # Ligatures (fi, ff, fl) would print fine but extract as nothing: "Office" copied out of
    # the PDF would read "Oce". Printed text must stay searchable and copyable.
    font = QFont()
    font.setFamilies(families)
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def write_pdf(report: Report, path: Path) -> int:
    """Write the report as a PDF file, atomically; returns the page count."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    writer = QPdfWriter(str(partial))
    writer.setResolution(PDF_DPI)
    writer.setTitle(report.title)
    writer.setCreator("Liaison Hub")
    try:
        pages = render(report, writer)
    finally:
        del writer  # flushes and closes the file
    try:
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(
            N_("The PDF could not be saved to {path}: {reason}"),
            path=str(target),
            reason=exc.strerror or str(exc),
        ) from exc
    return pages


def preview(report: Report, parent: QWidget | None = None) -> None:
    """The print preview, from which the officer prints or changes the page set-up."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(report.title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(report.title)
    dialog.paintRequested.connect(lambda device: render(report, device))
    dialog.exec()
