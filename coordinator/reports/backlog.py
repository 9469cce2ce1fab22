"""The department backlog: open steps per department and how long they have waited.

"Waiting" is the working time since a step was put in the department's hands (its
``requested_at``), less the time it waited on the company; steps not requested yet
count as open but not as waiting. Departments are listed the longest wait first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.labels import ORGANISATION_KIND
from coordinator.queries.due import is_overdue
from coordinator.reports import _data, figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import Bar, BigFigure, page, printing_time
from coordinator.store.storage import Store


@dataclass(frozen=True)
class BacklogRow:
    department: str
    kind: str
    open: int
    requested: int
    overdue: int
    average: str
    worst: str
    worst_step: str


@dataclass
class DepartmentTally:
    """One department's open steps and the working seconds each requested one waited."""

    name: str
    kind: OrganisationKind
    open: int = 0
    overdue: int = 0
    waits: list[int] = field(default_factory=list)
    worst_step: str = ""

    @property
    def worst(self) -> int:
        return max(self.waits, default=0)

    @property
    def average(self) -> int:
        return round(sum(self.waits) / len(self.waits)) if self.waits else 0


def tallies(store: Store, now: datetime) -> list[DepartmentTally]:
    """Per department (companies left out), the longest wait first."""
    calendar = store.calendar()
    found: dict[int, DepartmentTally] = {}
    for a in _data.pending_actions(store):
        if a.department_kind == OrganisationKind.COMPANY:
            continue
        tally = found.setdefault(
            a.department_id, DepartmentTally(a.department_name, a.department_kind)
        )
        tally.open += 1
        if is_overdue(a.status, a.due_at, now):
            tally.overdue += 1
        if a.requested_at is None:
            continue
        waited = calendar.working_seconds(a.requested_at, now, a.pauses)
        if not tally.waits or waited > tally.worst:
            tally.worst_step = f"{a.case_reference} {a.title}"
        tally.waits.append(waited)
    return sorted(found.values(), key=lambda t: (-t.worst, -t.overdue, -t.open, t.name))


def backlog(store: Store, now: datetime | None = None) -> Report:
    moment = printing_time(store, now)
    calendar = store.calendar()
    departments = tallies(store, moment)
    rows = [
        BacklogRow(
            department=t.name,
            kind=ORGANISATION_KIND[t.kind].tr(),
            open=t.open,
            requested=len(t.waits),
            overdue=t.overdue,
            average=figures.duration(t.average, calendar) if t.waits else "—",
            worst=figures.duration(t.worst, calendar) if t.waits else "—",
            worst_step=t.worst_step,
        )
        for t in departments
    ]
    top = max((t.worst for t in departments), default=0)
    worst_bars = tuple(
        Bar(
            label=t.name,
            value=figures.duration(t.worst, calendar),
            percent=round(100 * t.worst / top) if top > 0 else 0,
        )
        for t in departments
        if t.worst > 0
    )
    all_waits = [w for t in departments for w in t.waits]
    headline = (
        BigFigure(str(sum(t.open for t in departments)), _("Open steps")),
        BigFigure(str(sum(t.overdue for t in departments)), _("Overdue")),
        BigFigure(
            figures.duration(round(sum(all_waits) / len(all_waits)), calendar)
            if all_waits
            else "—",
            _("Average wait"),
        ),
        BigFigure(
            figures.duration(max(all_waits), calendar) if all_waits else "—",
            _("Longest wait"),
        ),
    )
    return page(
        store,
        moment,
        "backlog.html",
        title=_("Department backlog {date}").format(date=figures.day(moment)),
        heading=_("Department backlog"),
        qualifier=figures.day(moment),
        headline=headline,
        rows=rows,
        bars=worst_bars,
    )
