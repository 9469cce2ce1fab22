"""What every report is built of: big figures, bars, its time, and the page around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordinator.queries import settings as setting_queries
from coordinator.reports import figures
from coordinator.reports.base import Report
from coordinator.reports.templating import render
from coordinator.store.storage import Store


@dataclass(frozen=True)
class BigFigure:
    value: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar; ``tone`` is the stylesheet class of its filled part."""

    label: str
    value: str
    percent: int  # 0-100: the filled share of the bar
    tone: str = "fill"  # or "fill-muted", "fill-light"


def printing_time(store: Store, now: datetime | None) -> datetime:
    """``now``, or the store's clock, to the second: what a report is "as of"."""
    return (now or store.clock()).replace(microsecond=0)


def page(
    store: Store,
    moment: datetime,
    template: str,
    *,
    title: str,
    heading: str,
    qualifier: str,
    **context: object,
) -> Report:
    """``template`` rendered with ``context`` and the day and time of ``moment`` (as
    ``date`` and ``printed``), headed by the office's name and “heading · qualifier”."""
    html = render(template, date=figures.day(moment), printed=figures.stamp(moment), **context)
    return Report(
        title=title,
        html=html,
        header_left=setting_queries.office_name(store),
        header_right=f"{heading} · {qualifier}",
        printed_at=moment,
    )
