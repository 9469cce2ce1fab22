"""``liaison-hub summary`` and ``liaison-hub report``: PDFs from the command line.

Laying out pages needs Qt but no window: a ``QGuiApplication`` on the offscreen
platform is created if none exists, the report is built by ``coordinator.reports`` and
written by :func:`ui.printing.pdf.write_pdf`.
"""

from __future__ import annotations

import argparse
import os
import sys

from coordinator.errors import DomainError
from coordinator.i18n import _, language_from_environment, ngettext, set_language
from coordinator.reports import ALL, Report, build_report, parse_sections, summary_by_reference
from coordinator.safety.opening import open_store
from coordinator.store.storage import Store

COMMANDS = frozenset({"summary", "report"})


def _application() -> None:
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QGuiApplication([sys.argv[0] if sys.argv else "liaison-hub"])


def _build(args: argparse.Namespace, store: Store) -> Report:
    if args.command == "summary":
        sections = ALL if args.sections is None else parse_sections(args.sections)
        return summary_by_reference(
            store, args.reference, sections=sections, include_notes=not args.no_notes
        )
    return build_report(store, args.name, year=args.year)


def run(args: argparse.Namespace) -> int:
    """Build the report named on the command line and write it as a PDF; the exit status."""
    set_language(args.lang or language_from_environment())
    try:
        _application()
        from ui.printing.pdf import write_pdf  # after the application: fonts need it

        store = open_store(args.data_dir)
        try:
            report = _build(args, store)
        finally:
            store.close()
        pages = write_pdf(report, args.pdf)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2
    print(
        ngettext(
            "{title}: {pages} page written to {path}",
            "{title}: {pages} pages written to {path}",
            pages,
        ).format(title=report.title, pages=pages, path=args.pdf)
    )
    return 0
