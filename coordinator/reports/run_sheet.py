"""The department run sheet: what the officer takes to a morning round of calls.

One A4 page per department (a new page starts with ``page-break-before``): who to ring
and on which numbers, every step of an open case that the department still owes, and
every paper it holds that it has not accepted yet, the longest-waiting first. Check
boxes and ruled lines leave room for what is said on the phone.

Given the forecasts of the cases (:mod:`coordinator.foresight.forecast`, worked out by
the caller: the screen keeps the departments' history built), each step also says when
it is expected to finish, from the department's own finished steps, and its case when it
is expected to close; a step the forecast puts past its due time is marked △ before it
is late. Without them the sheet is as it always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.bidi import isolate
from coordinator.foresight.forecast import Basis, CaseForecast, StepForecast
from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.labels import ACTION_STATUS, DOCUMENT_STATE, ORGANISATION_KIND, cap
from coordinator.queries.due import is_likely_late, is_overdue
from coordinator.reports import _data, figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import page, printing_time
from coordinator.store.models import Action, Case
from coordinator.store.storage import Store

WRITING_LINES = 4


@dataclass(frozen=True)
class PersonRow:
    name: str
    role: str
    phones: tuple[str, ...]  # "手机 139…", one a line


@dataclass(frozen=True)
class StepRow:
    case: str
    company: str
    title: str
    blocked_reason: str
    status: str
    requested: str
    due: str
    overdue: bool
    waiting: str
    contact: str
    phone: str
    forecast: str = ""
    """The expected finish, or what stands in for it (empty without forecasts)."""
    forecast_note: str = ""
    """The range, or why there is none."""
    likely_late: bool = False
    closes: str = ""
    """When the step's case is expected to close."""


@dataclass(frozen=True)
class PaperRow:
    case: str
    company: str
    title: str
    remark: str
    state: str
    since: str
    waiting: str


@dataclass(frozen=True)
class DepartmentPage:
    name: str
    kind: str
    summary: str
    people: tuple[PersonRow, ...]
    steps: tuple[StepRow, ...]
    papers: tuple[PaperRow, ...]


@dataclass
class _Gathered:
    name: str
    kind: OrganisationKind
    steps: list[tuple[int, StepRow]]  # (waiting seconds, row)
    papers: list[tuple[int, PaperRow]]
    overdue: int = 0


def pending_cases(store: Store) -> list[int]:
    """The open cases with a pending step: those whose forecasts the sheet can show."""
    with store.read() as session:
        return list(
            session.scalars(
                select(Action.case_id)
                .join(Case, Case.id == Action.case_id)
                .where(Action.status.in_(_data.PENDING_ACTION), Case.status.in_(_data.OPEN_CASE))
                .distinct()
                .order_by(Action.case_id)
            )
        )


def _span(forecast: StepForecast, year: int) -> str:
    """“11:00 – 15:30” on the day of the expected finish, else with the days."""
    day = forecast.expected.date()
    if forecast.early.date() == day == forecast.late.date():
        return f"{forecast.early:%H:%M} – {forecast.late:%H:%M}"
    return f"{figures.when(forecast.early, year)} – {figures.when(forecast.late, year)}"


def _forecast_texts(forecast: StepForecast | None, moment: datetime) -> tuple[str, str]:
    """The expected finish and its note: the range, or what the forecast stands on."""
    if forecast is None:
        return "", ""
    year = moment.year
    notes: list[str] = []
    if forecast.basis is Basis.LIMIT:
        passed = forecast.expected <= moment
        expected = "" if passed else figures.when(forecast.expected, year)
        notes.append(
            _("too little history; limit passed") if passed else _("too little history: limit")
        )
    else:
        expected = figures.when(forecast.expected, year)
        if forecast.early != forecast.late:
            notes.append(_span(forecast, year))
    if forecast.paused:
        notes.append(
            _("with the company's usual answer time")
            if forecast.answer_forecast
            else _("if the company answers now")
        )
    return expected, figures.listing(notes)


def _close_text(forecast: CaseForecast | None, moment: datetime) -> str:
    if forecast is None or forecast.expected_close is None:
        return ""
    return _("closes {time}").format(time=figures.when(forecast.expected_close, moment.year))


def run_sheet(
    store: Store,
    now: datetime | None = None,
    forecasts: Mapping[int, CaseForecast] | None = None,
) -> Report:
    """The sheet as of ``now``; ``forecasts`` (by case id, as of the same moment) add
    each step's expected finish and its case's expected close."""
    moment = printing_time(store, now)
    calendar = store.calendar()
    year = moment.year
    steps = [
        a for a in _data.pending_actions(store) if a.department_kind != OrganisationKind.COMPANY
    ]
    papers = [d for d in _data.held_documents(store) if d.holder_kind != OrganisationKind.COMPANY]
    responsible = _data.contacts(store, [a.contact_id for a in steps])

    gathered: dict[int, _Gathered] = {}
    for a in steps:
        entry = gathered.setdefault(
            a.department_id, _Gathered(a.department_name, a.department_kind, [], [])
        )
        waited = (
            calendar.working_seconds(a.requested_at, moment, a.pauses)
            if a.requested_at is not None
            else -1
        )
        overdue = is_overdue(a.status, a.due_at, moment)
        entry.overdue += overdue
        contact = _data.contact_of(responsible, a.contact_id)
        case_forecast = forecasts.get(a.case_id) if forecasts is not None else None
        step_forecast = case_forecast.steps.get(a.id) if case_forecast is not None else None
        expected, note = _forecast_texts(step_forecast, moment)
        entry.steps.append(
            (
                waited,
                StepRow(
                    case=a.case_reference,
                    company=a.company_name,
                    title=a.title,
                    blocked_reason=a.blocked_reason,
                    status=cap(ACTION_STATUS[a.status]),
                    requested=figures.when(a.requested_at, year),
                    due=figures.when(a.due_at, year),
                    overdue=overdue,
                    waiting="" if waited < 0 else figures.duration(waited, calendar),
                    contact=contact.name if contact is not None else "",
                    phone=_data.first_phone(contact),
                    forecast=expected,
                    forecast_note=note,
                    likely_late=step_forecast is not None
                    and is_likely_late(
                        step_forecast.expected, a.due_at, step_forecast.paused, moment
                    ),
                    closes=_close_text(case_forecast, moment),
                ),
            )
        )
    for d in papers:
        entry = gathered.setdefault(d.holder_id, _Gathered(d.holder_name, d.holder_kind, [], []))
        waited = calendar.working_seconds(d.since, moment) if d.since is not None else -1
        remark = ""
        if d.missing_items:
            remark = _("Missing: {items}").format(items=isolate(d.missing_items))
        elif d.return_reason:
            remark = _("Returned: {reason}").format(reason=isolate(d.return_reason))
        entry.papers.append(
            (
                waited,
                PaperRow(
                    case=d.case_reference,
                    company=d.company_name,
                    title=d.title,
                    remark=remark,
                    state=cap(DOCUMENT_STATE[d.state]),
                    since=figures.when(d.since, year),
                    waiting="" if waited < 0 else figures.duration(waited, calendar),
                ),
            )
        )

    people = _data.contacts_of(store, gathered)

    def longest(entry: _Gathered) -> int:
        return max([w for w, _row in entry.steps] + [w for w, _row in entry.papers] + [0])

    order = sorted(
        gathered.items(), key=lambda item: (-item[1].overdue, -longest(item[1]), item[1].name)
    )
    pages = []
    for org_id, entry in order:
        parts = [_("Steps pending: {n}").format(n=len(entry.steps))]
        if entry.overdue:
            parts.append(_("overdue: {n}").format(n=entry.overdue))
        parts.append(_("documents held: {n}").format(n=len(entry.papers)))
        wait = longest(entry)
        if wait > 0:
            parts.append(_("longest wait: {time}").format(time=figures.duration(wait, calendar)))
        pages.append(
            DepartmentPage(
                name=entry.name,
                kind=ORGANISATION_KIND[entry.kind].tr(),
                summary=" · ".join(parts),
                people=tuple(
                    PersonRow(p.name, p.role, _data.labelled_phones(p))
                    for p in people.get(org_id, [])
                ),
                steps=tuple(row for _w, row in sorted(entry.steps, key=lambda s: -s[0])),
                papers=tuple(row for _w, row in sorted(entry.papers, key=lambda s: -s[0])),
            )
        )

    return page(
        store,
        moment,
        "run_sheet.html",
        title=_("Department run sheet {date}").format(date=figures.day(moment)),
        heading=_("Department run sheet"),
        qualifier=figures.day(moment),
        pages=pages,
        forecasting=forecasts is not None,
        writing_lines=range(WRITING_LINES),
    )
