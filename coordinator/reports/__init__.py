"""Printable reports: plain data gathered through the services, rendered to HTML by
autoescaping templates in ``resources/reports``. Turning the HTML into pages (A4, header,
footer, "page N of M") is the UI's job (``ui.printing.pdf``), so this package stays Qt-free."""

from coordinator.reports.backlog import backlog
from coordinator.reports.base import Report
from coordinator.reports.case_summary import (
    ALL,
    SECTIONS,
    case_summary,
    parse_sections,
    summary_by_reference,
)
from coordinator.reports.handover import handover
from coordinator.reports.indicators import indicators
from coordinator.reports.registry import REPORT_NAMES, build_report
from coordinator.reports.run_sheet import run_sheet

__all__ = [
    "ALL",
    "REPORT_NAMES",
    "SECTIONS",
    "Report",
    "backlog",
    "build_report",
    "case_summary",
    "handover",
    "indicators",
    "parse_sections",
    "run_sheet",
    "summary_by_reference",
]
