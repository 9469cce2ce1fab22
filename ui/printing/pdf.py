"""Reports onto A4 pages: PDF files, printers and the print preview.

A report's HTML is laid out by QTextDocument on the page's body; the header (office,
reference) and footer (print time, "page N of M") are drawn around it on every page, in
the shipped font so a summary looks the same on every laptop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QCoreApplication, QIODevice, QMarginsF, QObject, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QWidget

from coordinator.errors import StorageError
from coordinator.i18n import N_, _
from ui.printing.fonts import font_families
from ui.printing.pagination import Slice, paginate

if TYPE_CHECKING:
    from coordinator.reports import Report  # the package imports Jinja2: only when printing

PDF_DPI = 300
MARGINS_MM = QMarginsF(16, 14, 16, 14)
BODY_POINT_SIZE = 10.0
EDGE_POINT_SIZE = 8.0
# A last page filled less than this is "near empty": worth setting the report smaller
# by a few per cent (at most 9 %, still well readable) to do without it.
NEAR_EMPTY_SHARE = 0.15
SQUEEZE_SCALES = (0.97, 0.94, 0.91)
BAND_EDGE = 0.1  # device pixels: beyond Qt's rounding of line positions to 1/64 pixel


def _page_layout(report: Report) -> QPageLayout:
    orientation = (
        QPageLayout.Orientation.Landscape if report.landscape else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), orientation, MARGINS_MM, QPageLayout.Unit.Millimeter
    )


@dataclass
class LaidOut:
    """A report laid out for one paint device's page and resolution: its pages are
    painted by :func:`paint`, on that device or another of the same resolution."""

    report: Report
    document: QTextDocument
    pages: list[Slice]
    scale: float  # below 1 when the report was set a little smaller to save a last page
    resolution: tuple[int, int]
    area: QRectF
    body: QRectF
    edge_font: QFont
    edge_height: float
    metrics: tuple[QObject, ...] = ()  # the device the layout measured with, kept alive


def lay_out(report: Report, device: QPagedPaintDevice) -> LaidOut:
    """Lay the report out on ``device``'s pages (no painting: safe on a worker thread
    with a device of its own)."""
    families = font_families()
    device.setPageLayout(_page_layout(report))
    area = QRectF(device.pageLayout().paintRectPixels(device.logicalDpiX()))
    area.moveTo(0, 0)  # the painter's origin is already the printable area's corner
    edge_font = _print_font(families)
    edge_font.setPointSizeF(EDGE_POINT_SIZE)
    edge_height = QFontMetricsF(edge_font, device).height() * 1.8
    body = QRectF(0, edge_height, area.width(), area.height() - 2 * edge_height)
    body_font = _print_font(families)
    body_font.setPointSizeF(BODY_POINT_SIZE)

    def attempt(scale: float) -> tuple[QTextDocument, list[Slice]]:
        document = QTextDocument()
        document.documentLayout().setPaintDevice(device)
        document.setDefaultFont(body_font)
        document.setDocumentMargin(0)
        document.setHtml(report.html)
        document.setTextWidth(body.width() / scale)
        return document, paginate(document, body.height() / scale)

    document, pages = attempt(1.0)
    scale = 1.0
    if len(pages) > 1 and pages[-1].height < NEAR_EMPTY_SHARE * body.height():
        # A last page holding a line or two: set the report slightly smaller if that
        # brings it onto the pages before.
        for smaller in SQUEEZE_SCALES:
            squeezed, fewer = attempt(smaller)
            if len(fewer) < len(pages):
                document, pages, scale = squeezed, fewer, smaller
                break
    return LaidOut(
        report,
        document,
        pages,
        scale,
        (device.logicalDpiX(), device.logicalDpiY()),
        area,
        body,
        edge_font,
        edge_height,
    )


def render(report: Report, device: QPagedPaintDevice) -> int:
    """Paint the report on a paged device (PDF writer or printer); returns the page count."""
    return paint(lay_out(report, device), device)


def paint(laid: LaidOut, device: QPagedPaintDevice) -> int:
    """Paint pages laid out by :func:`lay_out` on ``device``; returns the page count."""
    device.setPageLayout(_page_layout(laid.report))
    painter = QPainter()
    if not painter.begin(device):
        raise StorageError(N_("The printer or PDF file could not be opened."))
    try:
        return _paint(laid, device, painter)
    finally:
        painter.end()


def _paint(laid: LaidOut, device: QPagedPaintDevice, painter: QPainter) -> int:
    report, document, body, area = laid.report, laid.document, laid.body, laid.area
    edge_font, edge_height, scale = laid.edge_font, laid.edge_height, laid.scale
    dpi = device.logicalDpiY()
    pages = len(laid.pages)
    printed = report.printed_at.strftime("%Y-%m-%d %H:%M")
    line_pen_width = max(dpi / 150, 1.0)
    width = body.width() / scale

    for page, band in enumerate(laid.pages):
        if page:
            device.newPage()
        painter.save()
        painter.translate(body.left(), body.top())
        painter.scale(scale, scale)
        offset = 0.0
        if band.header is not None:
            # The table this page continues: its header rows again.
            head_top, head_bottom = band.header
            painter.save()
            painter.translate(0, -head_top)
            _draw_band(document, painter, width, head_top, head_bottom)
            painter.restore()
            offset = head_bottom - head_top
        painter.translate(0, offset - band.top)
        _draw_band(document, painter, width, band.top, band.bottom)
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


def _draw_band(
    document: QTextDocument, painter: QPainter, width: float, top: float, bottom: float
) -> None:
    """Draw the document's band ``top``–``bottom`` (cut where no line is)."""
    painter.save()
    # Qt draws every block and cell that touches the clip, even by an edge: clipped out
    # on paper, but its text would still be in the PDF, copied out with the wrong page;
    # so the band is drawn a hair short at both ends.  (Of a paragraph cut between its
    # lines, Qt still draws the line above the band, clipped out: that line's text is
    # in the PDF twice.)
    clip = QRectF(0, top + BAND_EDGE, width, bottom - top - 2 * BAND_EDGE)
    painter.setClipRect(clip)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = clip
    context.palette.setColor(QPalette.ColorRole.Text, painter.pen().color())
    document.documentLayout().draw(painter, context)
    painter.restore()


def _print_font(families: list[str]) -> QFont:
    # Ligatures (fi, ff, fl) would print fine but extract as nothing: "Office" copied out of
    # the PDF would read "Oce". Printed text must stay searchable and copyable.
    font = QFont()
    font.setFamilies(families)
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def write_pdf(
    report: Report, path: Path, on_laid_out: Callable[[LaidOut], None] | None = None
) -> int:
    """Write the report as a PDF file, atomically; returns the page count.

    Needs no GUI thread: the case summary is written on a worker.  ``on_laid_out`` is
    told when the pages are laid out, before they are painted (for a progress bar).
    """
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    writer = QPdfWriter(str(partial))
    writer.setResolution(PDF_DPI)
    writer.setTitle(report.title)
    writer.setCreator("Liaison Hub")
    try:
        laid = lay_out(report, writer)
        if on_laid_out is not None:
            on_laid_out(laid)
        pages = paint(laid, writer)
        del laid  # its document measured with the writer: gone before the writer is
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


def printer_resolution() -> int:
    """The resolution the print preview's printer draws at (read on the GUI thread)."""
    from PySide6.QtPrintSupport import QPrinter

    return QPrinter(QPrinter.PrinterMode.HighResolution).resolution()


def lay_out_for_printer(report: Report, resolution: int) -> LaidOut:
    """Lay the report out for the print preview at ``resolution`` without the printer
    (printers belong to the GUI thread; this may run on a worker), and hand the result
    to the GUI thread, where :func:`preview` paints it."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    metrics = QPdfWriter(buffer)
    metrics.setResolution(resolution)
    laid = lay_out(report, metrics)
    gui = QCoreApplication.instance()
    if gui is not None:
        for thing in (laid.document, metrics, buffer):
            thing.moveToThread(gui.thread())
    laid.metrics = (metrics, buffer)
    return laid


def preview(report: Report | LaidOut, parent: QWidget | None = None) -> None:
    """The print preview, from which the officer prints or changes the page set-up.

    Pages laid out beforehand (off the GUI thread) are painted as they are while the
    printer matches them; a change of page set-up lays the report out again.
    """
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    laid = report if isinstance(report, LaidOut) else None
    source = report.report if isinstance(report, LaidOut) else report
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(source.title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(source.title)

    def paint_requested(device: QPagedPaintDevice) -> None:
        if laid is not None and _fits(laid, device):
            paint(laid, device)
        else:
            render(source, device)

    dialog.paintRequested.connect(paint_requested)
    dialog.exec()


def _fits(laid: LaidOut, device: QPagedPaintDevice) -> bool:
    """Whether pages laid out earlier are right for ``device`` as it is set up now."""
    if (device.logicalDpiX(), device.logicalDpiY()) != laid.resolution:
        return False
    current = device.pageLayout()
    wanted = _page_layout(laid.report)
    return (
        current.pageSize().id() == wanted.pageSize().id()
        and current.orientation() == wanted.orientation()
    )
