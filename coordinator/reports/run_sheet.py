"""The department run sheet: what the officer takes to a morning round of calls.

One A4 page per department (a new page starts with ``page-break-before``): who to ring
and on which numbers, every step of an open case that the department still owes, and
every paper it holds that it has not accepted yet, the longest-waiting first. Check
boxes and ruled lines leave room for what is said on the phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.labels import ACTION_STATUS, DOCUMENT_STATE, ORGANISATION_KIND
from coordinator.queries.due import is_overdue
from coordinator.reports import _data, figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import page, printing_time
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


def run_sheet(store: Store, now: datetime | None = None) -> Report:
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
        entry.steps.append(
            (
                waited,
                StepRow(
                    case=a.case_reference,
                    company=a.company_name,
                    title=a.title,
                    blocked_reason=a.blocked_reason,
                    status=ACTION_STATUS[a.status].tr(),
                    requested=figures.when(a.requested_at, year),
                    due=figures.when(a.due_at, year),
                    overdue=overdue,
                    waiting="" if waited < 0 else figures.compact_duration(waited, calendar),
                    contact=contact.name if contact is not None else "",
                    phone=_data.first_phone(contact),
                ),
            )
        )
    for d in papers:
        entry = gathered.setdefault(d.holder_id, _Gathered(d.holder_name, d.holder_kind, [], []))
        waited = calendar.working_seconds(d.since, moment) if d.since is not None else -1
        remark = ""
        if d.missing_items:
            remark = _("Missing: {items}").format(items=d.missing_items)
        elif d.return_reason:
            remark = _("Returned: {reason}").format(reason=d.return_reason)
        entry.papers.append(
            (
                waited,
                PaperRow(
                    case=d.case_reference,
                    company=d.company_name,
                    title=d.title,
                    remark=remark,
                    state=DOCUMENT_STATE[d.state].tr(),
                    since=figures.when(d.since, year),
                    waiting="" if waited < 0 else figures.compact_duration(waited, calendar),
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
            parts.append(
                _("longest wait: {time}").format(time=figures.compact_duration(wait, calendar))
            )
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
        writing_lines=range(WRITING_LINES),
    )
