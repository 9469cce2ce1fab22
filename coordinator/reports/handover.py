"""The daily handover brief: what a colleague taking over needs, case by case.

Headline counts first (the "Today" screen's), then every open case with its overdue
steps, steps due today, other open steps, what it waits on (the company, another step,
a blocked department), the documents still out and the follow-ups promised; last, the
promises and calls that belong to no case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordinator.bidi import isolate
from coordinator.calendar.working_time import WorkingCalendar
from coordinator.i18n import N_, Msg, _
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState
from coordinator.labels import ACTION_STATUS, CASE_STATUS, DOCUMENT_STATE, cap
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import communications as communication_queries
from coordinator.queries import dashboard
from coordinator.queries import documents as document_queries
from coordinator.queries.due import WAITING_DOCUMENT_STATES, is_due_today, is_overdue
from coordinator.reports import _data, figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import BigFigure, page, printing_time
from coordinator.store.records import CaseRecord, ContactRecord, OrganisationRecord
from coordinator.store.storage import Store

# The order in which a case's items are listed, most urgent first.
OVERDUE, DUE_TODAY, OPEN, WAITING, DOCUMENT, FOLLOW_UP = range(6)
KIND_LABEL: dict[int, Msg] = {
    OVERDUE: N_("Overdue"),
    DUE_TODAY: N_("Due today"),
    OPEN: N_("Open"),
    WAITING: N_("Waiting"),
    DOCUMENT: N_("Document"),
    FOLLOW_UP: N_("Follow-up"),
}
# Waiting: the department has not been asked yet, or cannot move.
WAITING_STATUSES = frozenset(
    {ActionStatus.WAITING, ActionStatus.WAITING_COMPANY, ActionStatus.BLOCKED, ActionStatus.TODO}
)
CASE_LIMIT = 500
FOLLOW_UP_SCAN = 5_000


@dataclass(frozen=True)
class Item:
    kind: str
    urgent: bool
    what: str
    detail: str
    whom: str
    when: str


@dataclass(frozen=True)
class CaseBrief:
    reference: str
    title: str
    company: str
    status: str
    fast_track: bool
    facts: str
    items: tuple[Item, ...]
    overdue: int


@dataclass(frozen=True)
class LooseFollowUp:
    due: str
    who: str
    notes: str


def handover(store: Store, now: datetime | None = None) -> Report:
    moment = printing_time(store, now)
    calendar = store.calendar()
    year = moment.year
    with store.read():  # one snapshot for the counts and the list
        counts = dashboard.counts(store, moment)
        loose = [
            f
            for f in dashboard.open_follow_ups(store, moment, limit=FOLLOW_UP_SCAN)
            if f.case_id is None
        ]
    open_cases = [
        c
        for c in case_queries.list_cases(store, limit=CASE_LIMIT)
        if c.status in (CaseStatus.OPEN, CaseStatus.ON_HOLD)
    ]
    organisations = _data.organisations(store)
    briefs = [_brief(store, case, organisations, calendar, moment, year) for case in open_cases]
    briefs.sort(key=lambda b: (-b.overdue, b.reference))

    headline = (
        BigFigure(str(len(open_cases)), _("Open cases")),
        BigFigure(str(counts.overdue_actions), _("Overdue steps")),
        BigFigure(str(counts.actions_due_today), _("Due today")),
        BigFigure(str(counts.open_follow_ups), _("Follow-ups due")),
        BigFigure(str(counts.documents_waiting), _("Documents waiting")),
    )
    return page(
        store,
        moment,
        "handover.html",
        title=_("Handover brief {date}").format(date=figures.day(moment)),
        heading=_("Handover brief"),
        qualifier=figures.day(moment),
        headline=headline,
        cases=briefs,
        loose=tuple(
            LooseFollowUp(figures.when(f.follow_up_due, year), f.who, f.notes) for f in loose
        ),
        unfiled=counts.unfiled_communications,
    )


def _brief(
    store: Store,
    case: CaseRecord,
    organisations: dict[int, OrganisationRecord],
    calendar: WorkingCalendar,
    now: datetime,
    year: int,
) -> CaseBrief:
    steps = action_queries.for_case(store, case.id)
    documents = document_queries.for_case(store, case.id)
    comms = communication_queries.for_case(store, case.id, limit=FOLLOW_UP_SCAN)
    people: dict[int, ContactRecord] = _data.contacts(
        store, [s.contact_id for s in steps] + [c.contact_id for c in comms]
    )
    titles = {s.id: s.title for s in steps}
    items: list[tuple[int, datetime, Item]] = []
    for s in steps:
        if s.status in (ActionStatus.DONE, ActionStatus.CANCELLED):
            continue
        contact = _data.contact_of(people, s.contact_id)
        whom = s.department_name + (f" · {contact.name}" if contact is not None else "")
        if s.due_at is not None and is_overdue(s.status, s.due_at, now):
            kind = OVERDUE
            when = _("due {time}, {late} late").format(
                time=figures.when(s.due_at, year),
                late=figures.duration(calendar.working_seconds(s.due_at, now), calendar),
            )
        elif is_due_today(s.status, s.due_at, now):
            kind = DUE_TODAY
            when = _("due {time}").format(time=figures.when(s.due_at, year))
        elif s.status in WAITING_STATUSES:
            kind = WAITING
            paused_since = [start for start, end in s.pauses if end is None]
            when = (
                _("since {time}").format(time=figures.when(paused_since[-1], year))
                if s.status == ActionStatus.WAITING_COMPANY and paused_since
                else ""
            )
        else:
            kind = OPEN
            when = _("due {time}").format(time=figures.when(s.due_at, year)) if s.due_at else ""
        detail = cap(ACTION_STATUS[s.status])
        if s.status == ActionStatus.WAITING and s.depends_on:
            detail = _("waits on: {steps}").format(
                steps=figures.listing(isolate(titles.get(i, "?")) for i in s.depends_on)
            )
        if s.blocked_reason:
            detail = f"{detail} — {isolate(s.blocked_reason)}"
        items.append(
            (kind, s.due_at or now, Item(_kind(kind), kind == OVERDUE, s.title, detail, whom, when))
        )
    for d in documents:
        if d.state not in WAITING_DOCUMENT_STATES:
            continue
        holder = organisations.get(d.holder_id) if d.holder_id is not None else None
        detail = cap(DOCUMENT_STATE[d.state])
        if d.state == DocumentState.ACCEPTED_MISSING and d.missing_items:
            detail = f"{detail} — {d.missing_items}"
        elif d.state == DocumentState.RETURNED and d.return_reason:
            detail = f"{detail} — {d.return_reason}"
        stamps = [
            t
            for t in (
                d.requested_at,
                d.received_at,
                d.forwarded_at,
                d.returned_at,
                d.resubmitted_at,
            )
            if t is not None
        ]
        since = max(stamps) if stamps else None
        when = (
            _("promised by {day}").format(day=figures.day(d.promised_completion_at))
            if d.promised_completion_at is not None
            else (_("since {time}").format(time=figures.when(since, year)) if since else "")
        )
        items.append(
            (
                DOCUMENT,
                since or now,
                Item(
                    _kind(DOCUMENT),
                    False,
                    d.title,
                    detail,
                    holder.name if holder is not None else _("our office"),
                    when,
                ),
            )
        )
    for c in comms:
        if c.follow_up_due is None or c.follow_up_done_at is not None:
            continue
        contact = _data.contact_of(people, c.contact_id)
        late = c.follow_up_due < now
        items.append(
            (
                FOLLOW_UP,
                c.follow_up_due,
                Item(
                    _kind(FOLLOW_UP),
                    late,
                    c.notes,
                    _("promised on {time}").format(time=figures.when(c.at, year)),
                    contact.name if contact is not None else c.raw_number,
                    _("by {time}").format(time=figures.when(c.follow_up_due, year)),
                ),
            )
        )
    items.sort(key=lambda entry: (entry[0], entry[1]))
    clock_seconds = calendar.working_seconds(case.opened_at, now)
    facts = [
        _("opened {time}").format(time=figures.stamp(case.opened_at)),
        _("{time} of working time so far").format(time=figures.duration(clock_seconds, calendar)),
    ]
    if case.target_at is not None:
        facts.append(_("target {time}").format(time=figures.stamp(case.target_at)))
    if case.owner:
        facts.append(_("owner {name}").format(name=isolate(case.owner)))
    return CaseBrief(
        reference=case.reference,
        title=case.title,
        company=case.company_name,
        status=cap(CASE_STATUS[case.status]),
        fast_track=case.fast_track,
        facts=" · ".join(facts),
        items=tuple(item for _k, _t, item in items),
        overdue=sum(1 for k, _t, _i in items if k == OVERDUE),
    )


def _kind(kind: int) -> str:
    return KIND_LABEL[kind].tr()
