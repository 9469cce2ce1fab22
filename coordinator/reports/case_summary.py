"""The case summary: one case on A4, for a director, the company or a colleague.

Sections (any subset, in this order): the case's facts and parties, the fast-track
clock, the department steps with their times, the document checklist, the
communication log and the key events of the timeline. With ``include_notes=False``
every note the officer typed (on the case, its steps, documents and communications)
is left out: the version handed to the company.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from coordinator.bidi import isolate
from coordinator.calendar.case_timing import ActionTiming, critical_path
from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import DomainError, ValidationError
from coordinator.i18n import N_, _, current_language
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState
from coordinator.labels import ACTION_STATUS, CASE_STATUS, DOCUMENT_STATE, cap
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import communications as communication_queries
from coordinator.queries import documents as document_queries
from coordinator.queries import indicators as indicator_queries
from coordinator.queries import templates as template_queries
from coordinator.queries import timeline as timeline_service
from coordinator.queries.timing import COMPANY_KEY, CaseClock, case_clock, chain_sentence
from coordinator.reports import _data, case_history, figures
from coordinator.reports.base import Report
from coordinator.reports.blocks import Bar, BigFigure, page, printing_time
from coordinator.services import indicators as indicator_service
from coordinator.store.records import (
    ActionRecord,
    CaseRecord,
    ContactRecord,
    DocumentRecord,
    OrganisationRecord,
)
from coordinator.store.storage import Store

SECTIONS: tuple[str, ...] = (
    "facts",
    "clock",
    "actions",
    "documents",
    "communications",
    "timeline",
)
ALL: frozenset[str] = frozenset(SECTIONS)

# Every communication of a case is printed; this only guards against a runaway query.
COMMUNICATION_LIMIT = 100_000


def parse_sections(text: str) -> frozenset[str]:
    """``"facts,clock"`` -> the sections; refuses unknown names and an empty list."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in ALL:
            raise ValidationError(
                N_("“{name}” is not a section of the case summary: choose from {choices}."),
                name=name,
                choices=", ".join(SECTIONS),
            )
    if not names:
        raise ValidationError(
            N_("Name at least one section of the case summary: {choices}."),
            choices=", ".join(SECTIONS),
        )
    return frozenset(names)


# -- what the template is given ------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    phone: str


@dataclass(frozen=True)
class Party:
    name: str
    role: str
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Clock:
    figures: tuple[BigFigure, ...]  # the big figures: taken, normal, saved
    details: tuple[Fact, ...]  # opened, closed or now, target, limits
    verdict: str
    chain: str  # the critical chain of steps and its working time
    warning: str


@dataclass(frozen=True)
class ActionRow:
    title: str
    status: str
    contact: str
    requested: str
    done: str
    worked: str
    limit: str
    over_limit: bool
    blocked_reason: str
    notes: str


@dataclass(frozen=True)
class DepartmentGroup:
    name: str
    held: str
    rows: tuple[ActionRow, ...]


@dataclass(frozen=True)
class DocumentRow:
    title: str
    flags: str
    remarks: tuple[str, ...]
    notes: str
    state: str
    requested: str
    received: str
    forwarded: str
    accepted: str
    holder: str


# -- the builder ---------------------------------------------------------------------------


def case_summary(
    store: Store,
    case_id: int,
    *,
    sections: frozenset[str] = ALL,
    include_notes: bool = True,
    now: datetime | None = None,
) -> Report:
    """The summary of one case (``sections`` picks what is printed, in the fixed order)."""
    unknown = set(sections) - ALL
    if unknown:
        parse_sections(",".join(sorted(unknown)))  # raises, naming the first unknown one
    moment = printing_time(store, now)
    calendar = store.calendar()
    case = case_queries.get(store, case_id)
    steps = action_queries.for_case(store, case_id)
    organisations = _data.organisations(store)
    year = moment.year

    need_people = bool({"facts", "actions", "communications"} & sections)
    comms = (
        list(reversed(communication_queries.for_case(store, case_id, limit=COMMUNICATION_LIMIT)))
        if "communications" in sections
        else []
    )
    people = (
        _data.contacts(store, [a.contact_id for a in steps] + [c.contact_id for c in comms])
        if need_people
        else {}
    )
    clock = case_clock(store, case_id, moment) if {"clock", "actions"} & sections else None

    context: dict[str, object] = {
        "sections": sections,
        "include_notes": include_notes,
        "case": case,
        "status": cap(CASE_STATUS[case.status]),
        "kind": _kind_name(store, case.kind),
        "notes": case.notes if include_notes else "",
        "facts": (),
        "parties": (),
        "clock": None,
        "groups": (),
        "bars": (),
        "documents": (),
        "document_summary": "",
        "communications": (),
        "communication_summary": "",
        "events": (),
    }
    if "facts" in sections:
        context["facts"] = _facts(store, case, with_dates="clock" not in sections)
        context["parties"] = _parties(store, case, steps, people)
    if clock is not None and "clock" in sections:
        context["clock"] = _clock(case, steps, clock, calendar, moment)
    if clock is not None and "actions" in sections:
        context["groups"] = _groups(steps, clock, calendar, people, include_notes, year)
        context["bars"] = _department_bars(clock, calendar)
    documents = (
        document_queries.for_case(store, case_id) if {"documents", "timeline"} & sections else []
    )
    if "documents" in sections:
        context["documents"] = _documents(documents, organisations, include_notes, year)
        context["document_summary"] = _document_summary(documents)
    if "communications" in sections:
        context["communications"] = case_history.communication_rows(
            comms, people, include_notes, year
        )
        context["communication_summary"] = case_history.communication_summary(comms)
    if "timeline" in sections:
        context["events"] = case_history.event_rows(
            timeline_service.for_case(store, case_id), steps, documents, year
        )

    return page(
        store,
        moment,
        "case_summary.html",
        title=_("Case summary {reference}").format(reference=case.reference),
        heading=_("Case summary"),
        qualifier=case.reference,
        **context,
    )


def summary_by_reference(
    store: Store,
    reference: str,
    *,
    sections: frozenset[str] = ALL,
    include_notes: bool = True,
    now: datetime | None = None,
) -> Report:
    case = case_queries.by_reference(store, reference)
    return case_summary(store, case.id, sections=sections, include_notes=include_notes, now=now)


# -- sections ------------------------------------------------------------------------------


def _kind_name(store: Store, kind: str) -> str:
    """A template key as the template's name in the reader's language; free text as is."""
    if not kind:
        return ""
    try:
        template = template_queries.get(store, kind)
    except DomainError:
        return kind
    if current_language() != "zh_CN" and template.name_en:
        return template.name_en
    return template.name


def _facts(store: Store, case: CaseRecord, *, with_dates: bool) -> tuple[Fact, ...]:
    """What the title block does not say already (reference, company, kind, status)."""
    facts = [Fact(_("Owner"), case.owner)]
    if with_dates:  # else the clock shows them
        facts.append(Fact(_("Opened"), figures.stamp(case.opened_at)))
        facts.append(Fact(_("Target time"), figures.stamp(case.target_at)))
        if case.closed_at is not None:
            label = _("Cancelled") if case.status == CaseStatus.CANCELLED else _("Closed")
            facts.append(Fact(label, figures.stamp(case.closed_at)))
    if case.close_reason:
        facts.append(Fact(_("Closing note"), case.close_reason))
    if case.amount is not None:
        facts.append(Fact(_("Investment"), figures.money(case.amount, case.currency)))
    if case.tags:
        facts.append(Fact(_("Tags"), " · ".join(case.tags)))
    for amount in indicator_queries.for_case(store, case.id):
        facts.append(
            Fact(
                indicator_service.LABEL[amount.indicator].tr(),
                _("{amount}, counted on {day}").format(
                    amount=figures.money(amount.amount, amount.currency),
                    day=figures.day(amount.counted_on),
                ),
            )
        )
    return tuple(f for f in facts if f.value)


def _person(contact: ContactRecord) -> Person:
    return Person(contact.name, contact.role, _data.first_phone(contact))


def _parties(
    store: Store,
    case: CaseRecord,
    steps: Sequence[ActionRecord],
    people: dict[int, ContactRecord],
) -> tuple[Party, ...]:
    parties: list[Party] = []
    if case.company_id is not None:
        staff = _data.contacts_of(store, [case.company_id]).get(case.company_id, [])
        parties.append(Party(case.company_name, _("Company"), tuple(_person(c) for c in staff)))
    by_department: dict[int, list[ActionRecord]] = {}
    for step in steps:
        if step.status != ActionStatus.CANCELLED:
            by_department.setdefault(step.department_id, []).append(step)
    for department_steps in by_department.values():
        seen: dict[int, Person] = {}
        for step in department_steps:
            contact = _data.contact_of(people, step.contact_id)
            if contact is not None and contact.id not in seen:
                seen[contact.id] = _person(contact)
        parties.append(
            Party(
                department_steps[0].department_name,
                figures.listing((s.title for s in department_steps), long=True),
                tuple(seen.values()),
            )
        )
    return tuple(parties)


def _limit_chain(
    steps: Sequence[ActionRecord], hours_of: str, calendar: WorkingCalendar, until: datetime
) -> int | None:
    """Working seconds of the longest dependency chain, each step weighing its limit."""
    live = [s for s in steps if s.status != ActionStatus.CANCELLED]
    if not live or any(getattr(s, hours_of) is None for s in live):
        return None
    timings = [
        ActionTiming(
            id=s.id,
            department=s.department_name,
            requested_at=None,
            done_at=None,
            pauses=(),
            depends_on=s.depends_on,
            normal_hours=getattr(s, hours_of),
        )
        for s in live
    ]
    try:
        return critical_path(timings, calendar, until).working_seconds
    except ValueError:  # a dependency cycle: the services refuse them, an import may not
        return None


def _clock(
    case: CaseRecord,
    steps: Sequence[ActionRecord],
    clock: CaseClock,
    calendar: WorkingCalendar,
    now: datetime,
) -> Clock:
    def d(seconds: int) -> str:
        return figures.duration(seconds, calendar)

    def big_figure(seconds: int, label: str) -> BigFigure:
        return BigFigure(figures.duration(seconds, calendar), label)

    big = [big_figure(clock.elapsed_seconds, _("Working time taken"))]
    verdicts = []
    if clock.normal_seconds is not None:
        big.append(big_figure(clock.normal_seconds, _("Normal duration")))
        saved = clock.saved_seconds or 0
        if saved >= 0:
            big.append(big_figure(saved, _("Time saved")))
        else:
            big.append(big_figure(-saved, _("Over the normal duration by")))
        if clock.normal_seconds > 0 and saved > 0:
            share = round(100 * saved / clock.normal_seconds)
            verdicts.append(_("{share}% faster than the normal procedure.").format(share=share))
    details = [Fact(_("Opened"), figures.stamp(clock.opened_at))]
    if clock.running:
        details.append(Fact(_("Still open at"), figures.stamp(now)))
    else:
        details.append(Fact(_("Closed"), figures.stamp(clock.until)))
    if case.target_at is not None:
        if clock.running and now <= case.target_at:
            met = _("not yet due")
        elif clock.until <= case.target_at:
            met = _("met")
            verdicts.append(_("Done before the target time."))
        else:
            late = d(calendar.working_seconds(case.target_at, clock.until))
            met = _("missed by {time}").format(time=late)
        details.append(
            Fact(
                _("Target time"),
                _("{value} ({remark})").format(value=figures.stamp(case.target_at), remark=met),
            )
        )
    statutory = _limit_chain(steps, "statutory_limit_hours", calendar, clock.until)
    if statutory is not None:
        details.append(Fact(_("Statutory limit"), d(statutory)))
    promised = _limit_chain(steps, "promised_limit_hours", calendar, clock.until)
    if promised is not None:
        details.append(Fact(_("Promised limit"), d(promised)))
    chain = chain_sentence(clock, {s.id: s.title for s in steps}, d)
    warning = ""
    if clock.uncovered_years:
        warning = _(
            "No holiday schedule is entered for {years}: working time there counts "
            "weekends only as days off."
        ).format(years=", ".join(str(y) for y in clock.uncovered_years))
    # Chinese sentences run on; English ones take a space.
    verdict = ("" if current_language() == "zh_CN" else " ").join(verdicts)
    return Clock(tuple(big), tuple(details), verdict, chain, warning)


def _limit_text(step: ActionRecord, calendar: WorkingCalendar) -> tuple[str, float | None]:
    promised = step.promised_limit_hours
    statutory = step.statutory_limit_hours
    parts = [
        figures.duration(round(h * 3600), calendar) for h in (promised, statutory) if h is not None
    ]
    binding = promised if promised is not None else statutory
    return " / ".join(parts), binding


def _groups(
    steps: Sequence[ActionRecord],
    clock: CaseClock,
    calendar: WorkingCalendar,
    people: dict[int, ContactRecord],
    include_notes: bool,
    year: int,
) -> tuple[DepartmentGroup, ...]:
    grouped: dict[str, list[ActionRow]] = {}
    for step in steps:
        worked_seconds: int | None = None
        if step.requested_at is not None:
            end = step.done_at or clock.until
            worked_seconds = calendar.working_seconds(step.requested_at, end, step.pauses)
        limit, binding = _limit_text(step, calendar)
        over = (
            worked_seconds is not None
            and binding is not None
            and worked_seconds > round(binding * 3600)
        )
        contact = _data.contact_of(people, step.contact_id)
        grouped.setdefault(step.department_name, []).append(
            ActionRow(
                title=step.title,
                status=cap(ACTION_STATUS[step.status]),
                contact=contact.name if contact is not None else "",
                requested=figures.when(step.requested_at, year),
                done=figures.when(step.done_at, year),
                worked="" if worked_seconds is None else figures.duration(worked_seconds, calendar),
                limit=limit,
                over_limit=over,
                blocked_reason=step.blocked_reason,
                notes=step.notes if include_notes else "",
            )
        )
    return tuple(
        DepartmentGroup(
            name=name,
            held=figures.duration(clock.department_seconds.get(name, 0), calendar),
            rows=tuple(rows),
        )
        for name, rows in grouped.items()
    )


def _department_bars(clock: CaseClock, calendar: WorkingCalendar) -> tuple[Bar, ...]:
    held = sorted(clock.department_seconds.items(), key=lambda item: (-item[1], item[0]))
    top = max((seconds for _name, seconds in held), default=0)
    bars = []
    for name, seconds in held:
        label = _("Waiting on the company") if name == COMPANY_KEY else name
        bars.append(
            Bar(
                label=label,
                value=figures.duration(seconds, calendar),
                percent=round(100 * seconds / top) if top else 0,
                tone="fill-muted" if name == COMPANY_KEY else "fill",
            )
        )
    return tuple(bars)


def _holder(holder_id: int | None, organisations: dict[int, OrganisationRecord]) -> str:
    if holder_id is None:
        return _("our office")
    org = organisations.get(holder_id)
    return org.name if org is not None else ""


def _documents(
    documents: Iterable[DocumentRecord],
    organisations: dict[int, OrganisationRecord],
    include_notes: bool,
    year: int,
) -> tuple[DocumentRow, ...]:
    rows = []
    for doc in documents:
        flags = []
        if doc.is_original:
            flags.append(_("original"))
        if doc.stamped:
            flags.append(_("stamped"))
        if not doc.required:
            flags.append(_("optional"))
        if doc.version > 1:
            flags.append(_("version {n}").format(n=doc.version))
        remarks = []
        if doc.return_reason and doc.state in (DocumentState.RETURNED, DocumentState.RESUBMITTED):
            remarks.append(_("Returned: {reason}").format(reason=isolate(doc.return_reason)))
        elif doc.return_reason:
            remarks.append(_("Once returned: {reason}").format(reason=isolate(doc.return_reason)))
        if doc.missing_items:
            promise = figures.day(doc.promised_completion_at)
            remarks.append(
                _("Missing: {items} (promised by {day})").format(
                    items=isolate(doc.missing_items), day=promise
                )
                if promise
                else _("Missing: {items}").format(items=isolate(doc.missing_items))
            )
        destination = organisations.get(doc.destination_id) if doc.destination_id else None
        if destination is not None and doc.holder_id != destination.id:
            remarks.insert(0, _("For {department}").format(department=isolate(destination.name)))
        rows.append(
            DocumentRow(
                title=doc.title,
                flags=" · ".join(flags),
                remarks=tuple(remarks),
                notes=doc.notes if include_notes else "",
                state=cap(DOCUMENT_STATE[doc.state]),
                requested=figures.when(doc.requested_at, year),
                received=figures.when(doc.received_at, year),
                forwarded=figures.when(doc.forwarded_at, year),
                accepted=figures.when(doc.accepted_at, year),
                holder=_holder(doc.holder_id, organisations),
            )
        )
    return tuple(rows)


def _document_summary(documents: Sequence[DocumentRecord]) -> str:
    if not documents:
        return ""
    counts: dict[DocumentState, int] = {}
    for doc in documents:
        counts[doc.state] = counts.get(doc.state, 0) + 1
    parts = [
        _("{count} {state}").format(count=n, state=DOCUMENT_STATE[state].tr())
        for state, n in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return _("{total} in all: {parts}.").format(total=len(documents), parts=figures.listing(parts))
