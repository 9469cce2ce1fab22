"""The reports by the names the command line and menus use."""

from __future__ import annotations

from datetime import datetime

from coordinator.errors import ValidationError
from coordinator.foresight.forecast import forecast_cases
from coordinator.foresight.history import DurationHistory
from coordinator.i18n import N_
from coordinator.reports.backlog import backlog
from coordinator.reports.base import Report
from coordinator.reports.handover import handover
from coordinator.reports.indicators import indicators
from coordinator.reports.run_sheet import pending_cases, run_sheet
from coordinator.store.storage import Store

REPORT_NAMES: tuple[str, ...] = ("run-sheet", "handover", "backlog", "indicators")


def build_report(
    store: Store, name: str, *, year: int | None = None, now: datetime | None = None
) -> Report:
    """The report called ``name``; ``year`` is for the indicators (default: this year)."""
    if name == "run-sheet":
        # Headless, nothing to keep responsive: the history is read here and now.
        moment = now or store.clock()
        history = DurationHistory.build(store)
        forecasts = forecast_cases(store, history, pending_cases(store), moment)
        return run_sheet(store, moment, forecasts)
    if name == "handover":
        return handover(store, now)
    if name == "backlog":
        return backlog(store, now)
    if name == "indicators":
        moment = now or store.clock()
        return indicators(store, moment.year if year is None else year, now=moment)
    raise ValidationError(
        N_("There is no report “{name}”: choose from {choices}."),
        name=name,
        choices=", ".join(REPORT_NAMES),
    )
