"""The contract between report builders (here) and the page renderer (``ui.printing.pdf``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Report:
    """One printable document.

    ``html`` uses only what Qt's rich-text engine (QTextDocument) understands: tables,
    headings, paragraphs, inline styles and a ``<style>`` block with simple selectors;
    ``page-break-before: always`` starts a new page. Every piece of user text in it has
    been escaped by the template engine.
    """

    title: str  # the PDF's title, and the window title of a preview
    html: str
    header_left: str  # plain text drawn at the top of every page (the office's name)
    header_right: str  # plain text, top right (a case reference, a report name)
    printed_at: datetime
    landscape: bool = False
