"""The demo scenario: it builds, re-enacts the article, and fills every list of "Today"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, or_, select

from coordinator.demo.build import DemoSummary, build_demo
from coordinator.errors import ConflictError
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState, OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import documents as document_queries
from coordinator.queries import indicators as indicator_queries
from coordinator.queries.timing import case_clock
from coordinator.safety.opening import open_store
from coordinator.services import contacts
from coordinator.store.models import (
    Action,
    ActionPause,
    Case,
    Communication,
    Contact,
    Document,
    Event,
    Handle,
    Organisation,
    PhoneNumber,
)
from coordinator.store.records import CaseRecord
from coordinator.store.storage import Store

WEDNESDAY = datetime(2026, 11, 25, 10, 30)
MONDAY_MORNING = datetime(2026, 11, 23, 8, 50)
FINISHED = (ActionStatus.DONE, ActionStatus.CANCELLED, ActionStatus.WAITING_COMPANY)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DemoSummary]]:
    store = open_store(tmp_path_factory.mktemp("demo") / "data")
    summary = build_demo(store, WEDNESDAY)
    yield store, summary
    store.close()


@pytest.fixture
def store(built: tuple[Store, DemoSummary]) -> Store:
    return built[0]


def end_of_today(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time.min)


def case_by_company(store: Store, company: str) -> CaseRecord:
    matches = [c for c in case_queries.list_cases(store) if c.company_name == company]
    assert len(matches) == 1
    return matches[0]


def row_counts(store: Store) -> dict[str, int]:
    models = (Organisation, Contact, Case, Action, Document, Communication, Event, PhoneNumber)
    with store.read() as session:
        return {
            m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in models
        }


# -- it builds, with enough of everything -------------------------------------------------


def test_the_summary_counts_what_is_stored(built: tuple[Store, DemoSummary]) -> None:
    store, summary = built
    counts = row_counts(store)
    assert summary.contacts == counts["contacts"] >= 40
    assert summary.communications == counts["communications"] >= 300
    assert summary.cases == counts["cases"] >= 8
    assert summary.organisations == counts["organisations"]
    assert summary.actions == counts["actions"]
    assert summary.documents == counts["documents"]
    assert 0 < summary.open_cases < summary.cases
    assert "cases=" in str(summary)


def test_about_five_percent_of_the_communications_are_unfiled(
    built: tuple[Store, DemoSummary],
) -> None:
    _, summary = built
    share = summary.unfiled_communications / summary.communications
    assert 0.02 <= share <= 0.08


def test_contacts_have_one_or_two_numbers_and_some_handles(store: Store) -> None:
    with store.read() as session:
        per_contact = dict(
            session.execute(
                select(PhoneNumber.contact_id, func.count()).group_by(PhoneNumber.contact_id)
            ).all()
        )
        contact_ids = list(session.scalars(select(Contact.id)))
        extensions = session.scalar(
            select(func.count()).select_from(PhoneNumber).where(PhoneNumber.extension != "")
        )
        numbers = list(session.scalars(select(PhoneNumber.e164)))
        handles = session.scalar(select(func.count()).select_from(Handle))
        unattached = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.organisation_id.is_(None))
        )
    assert all(1 <= per_contact.get(cid, 0) <= 2 for cid in contact_ids)
    assert (extensions or 0) >= 3
    assert len(numbers) == len(set(numbers))  # nobody shares a number
    assert (handles or 0) >= 20
    assert unattached == 1  # the talent, not yet employed by anyone


def test_departments_banks_and_the_park_all_have_people(store: Store) -> None:
    with store.read() as session:
        kinds = set(
            session.scalars(
                select(Organisation.kind).join(Contact, Contact.organisation_id == Organisation.id)
            )
        )
    assert {
        OrganisationKind.DEPARTMENT,
        OrganisationKind.BANK,
        OrganisationKind.PARK,
        OrganisationKind.COMPANY,
        OrganisationKind.DISTRICT,
    } <= kinds


# -- the article's situations ----------------------------------------------------------


def test_the_aoi_project_lands_in_half_a_day(store: Store) -> None:
    case = case_by_company(store, "宁波澄明光电科技有限公司")
    assert case.kind == "company_landing"
    assert case.fast_track
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    assert case.opened_at.date() == case.closed_at.date()
    steps = action_queries.for_case(store, case.id)
    assert len(steps) >= 5
    assert all(a.status == ActionStatus.DONE for a in steps)
    departments = {a.department_name for a in steps}
    assert {"园区管委会", "区市场监督管理局", "区税务局", "公安分局印章管理中心"} <= departments
    assert any("银行" in name for name in departments)
    clock = case_clock(store, case.id, WEDNESDAY)
    day = store.calendar().seconds_per_day
    assert clock.elapsed_seconds <= 4 * 3600
    assert clock.normal_seconds is not None
    assert clock.normal_seconds >= 3 * day
    assert clock.saved_seconds is not None
    assert clock.saved_seconds >= 2 * day
    assert not clock.running


def test_aoi_documents_were_returned_once_and_accepted_with_items_missing_once(
    store: Store,
) -> None:
    case = case_by_company(store, "宁波澄明光电科技有限公司")
    docs = document_queries.for_case(store, case.id)
    resubmitted = [d for d in docs if d.resubmitted_at is not None]
    assert len(resubmitted) == 1
    assert resubmitted[0].state == DocumentState.ACCEPTED
    assert resubmitted[0].version == 2
    assert resubmitted[0].return_reason
    missing = [d for d in docs if d.state == DocumentState.ACCEPTED_MISSING]
    assert len(missing) == 1
    assert missing[0].missing_items
    assert missing[0].promised_completion_at is not None
    others = [d for d in docs if d not in resubmitted and d not in missing]
    assert all(d.state == DocumentState.ACCEPTED for d in others)
    assert all(d.forwarded_at is not None and d.received_at is not None for d in docs)


def test_the_cross_district_filing_takes_half_an_hour(store: Store) -> None:
    case = case_by_company(store, "甬港精密电子（宁波）有限公司")
    assert case.kind == "cross_district_filing"
    assert case.status == CaseStatus.CLOSED
    assert case.currency == "USD"
    assert case.amount is not None
    assert case.amount > Decimal("22000000")
    clock = case_clock(store, case.id, WEDNESDAY)
    assert 0 < clock.elapsed_seconds <= 30 * 60
    assert all(a.status == ActionStatus.DONE for a in action_queries.for_case(store, case.id))


def test_the_bond_capital_increase_is_still_running(store: Store) -> None:
    case = case_by_company(store, "宁波恒屹新材料有限公司")
    assert case.kind == "capital_increase"
    assert case.status == CaseStatus.OPEN
    assert case.fast_track
    assert (case.amount, case.currency) == (Decimal("27480000"), "USD")
    assert case.target_at is not None
    assert (case.target_at.year, case.target_at.month) == (WEDNESDAY.year + 1, 1)
    steps = action_queries.for_case(store, case.id)
    statuses = {a.status for a in steps}
    assert ActionStatus.IN_PROGRESS in statuses
    assert ActionStatus.DONE in statuses
    overdue = [
        a
        for a in steps
        if a.status not in FINISHED and a.due_at is not None and a.due_at < WEDNESDAY
    ]
    assert overdue
    paused = [a for a in steps if a.status == ActionStatus.WAITING_COMPANY]
    assert len(paused) == 1
    assert paused[0].pauses
    assert paused[0].pauses[-1][1] is None
    assert paused[0].blocked_reason
    due_today = [
        a
        for a in steps
        if a.status not in FINISHED
        and a.due_at is not None
        and WEDNESDAY <= a.due_at < end_of_today(WEDNESDAY)
    ]
    assert due_today


def test_the_talent_match_is_open_and_names_no_real_carmaker(store: Store) -> None:
    case = case_by_company(store, "宁波甬能动力电池有限公司")
    assert case.kind == "talent_match"
    assert case.status == CaseStatus.OPEN
    assert "某日资汽车企业前研究员" in case.notes
    with store.read() as session:
        texts = [
            *session.scalars(select(Communication.notes)),
            *session.scalars(select(Case.notes)),
            *session.scalars(select(Case.title)),
            *session.scalars(select(Contact.role)),
        ]
    assert not any("丰田" in t or "toyota" in t.lower() for t in texts)


def test_ordinary_cases_carry_amounts_for_the_yearly_indicators(store: Store) -> None:
    every = case_queries.list_cases(store)
    closed = [c for c in every if c.status == CaseStatus.CLOSED]
    assert len(closed) >= 4
    assert any(c.status == CaseStatus.CANCELLED for c in every)
    assert any("低效用地" in c.tags for c in every)
    assert {"CNY", "USD"} <= {c.currency for c in every if c.amount is not None}
    assert any("省外内资" in c.tags for c in every)
    assert any("合同外资" in c.tags for c in every)
    assert min(c.opened_at for c in every) < WEDNESDAY - timedelta(days=60)


# -- the "Today" screen ----------------------------------------------------------------


def assert_today_has_content(store: Store, now: datetime) -> None:
    tomorrow = end_of_today(now)
    with store.read() as session:
        overdue = session.scalar(
            select(func.count())
            .select_from(Action)
            .where(Action.status.not_in(FINISHED), Action.due_at < now)
        )
        due_today = session.scalar(
            select(func.count())
            .select_from(Action)
            .where(
                Action.status.not_in((ActionStatus.DONE, ActionStatus.CANCELLED)),
                Action.due_at >= now,
                Action.due_at < tomorrow,
            )
        )
        unfiled = session.scalar(
            select(func.count()).select_from(Communication).where(Communication.case_id.is_(None))
        )
        follow_ups = [
            due
            for due in session.scalars(
                select(Communication.follow_up_due).where(
                    Communication.follow_up_due.is_not(None),
                    Communication.follow_up_done_at.is_(None),
                    Communication.follow_up_due < tomorrow,
                )
            )
            if due is not None
        ]
        done_follow_ups = session.scalar(
            select(func.count())
            .select_from(Communication)
            .where(Communication.follow_up_done_at.is_not(None))
        )
        at_departments = session.scalar(
            select(func.count())
            .select_from(Document)
            .join(Organisation, Organisation.id == Document.holder_id)
            .where(
                Document.state == DocumentState.FORWARDED,
                Organisation.kind.in_(
                    (OrganisationKind.DEPARTMENT, OrganisationKind.BANK, OrganisationKind.PARK)
                ),
            )
        )
        fast_track_running = session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.fast_track.is_(True), Case.status == CaseStatus.OPEN)
        )
    assert (overdue or 0) >= 2
    assert (due_today or 0) >= 1
    assert (unfiled or 0) >= 1
    assert any(due >= datetime.combine(now.date(), time.min) for due in follow_ups)  # today
    assert any(due < datetime.combine(now.date(), time.min) for due in follow_ups)  # overdue
    assert (done_follow_ups or 0) >= 3
    assert (at_departments or 0) >= 2
    assert (fast_track_running or 0) >= 1


def test_today_has_something_in_every_list(store: Store) -> None:
    assert_today_has_content(store, WEDNESDAY)


def test_unfiled_communications_include_unknown_numbers(store: Store) -> None:
    with store.read() as session:
        strangers = session.scalar(
            select(func.count())
            .select_from(Communication)
            .where(
                Communication.case_id.is_(None),
                Communication.contact_id.is_(None),
                Communication.number_e164 != "",
            )
        )
        today = session.scalar(
            select(func.count())
            .select_from(Communication)
            .where(Communication.at >= datetime.combine(WEDNESDAY.date(), time.min))
        )
    assert (strangers or 0) >= 1
    assert (today or 0) >= 3


def test_nothing_happens_after_now(store: Store) -> None:
    with store.read() as session:
        latest = [
            session.scalar(select(func.max(Communication.at))),
            session.scalar(select(func.max(Communication.created_at))),
            session.scalar(select(func.max(Communication.follow_up_done_at))),
            session.scalar(select(func.max(Event.at))),
            session.scalar(select(func.max(Case.opened_at))),
            session.scalar(select(func.max(Case.closed_at))),
            session.scalar(select(func.max(Action.requested_at))),
            session.scalar(select(func.max(Action.done_at))),
            session.scalar(select(func.max(ActionPause.started_at))),
            session.scalar(select(func.max(Document.received_at))),
            session.scalar(select(func.max(Document.forwarded_at))),
            session.scalar(select(func.max(Document.accepted_at))),
        ]
        busiest = session.execute(
            select(func.date(Communication.at), func.count())
            .group_by(func.date(Communication.at))
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    assert all(t is not None and t <= WEDNESDAY for t in latest)
    assert busiest[1] >= 40  # a call every ten minutes or so on a busy day


def test_every_event_refers_to_an_existing_case_or_none(store: Store) -> None:
    with store.read() as session:
        dangling = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.case_id.is_not(None), Event.case_id.not_in(select(Case.id)))
        )
        case_events = session.scalar(
            select(func.count()).select_from(Event).where(Event.case_id.is_not(None))
        )
    assert dangling == 0
    assert (case_events or 0) > 300


def test_case_timelines_read_in_time_order(store: Store) -> None:
    case = case_by_company(store, "宁波澄明光电科技有限公司")
    with store.read() as session:
        moments = list(
            session.scalars(select(Event.at).where(Event.case_id == case.id).order_by(Event.id))
        )
    assert moments == sorted(moments)
    assert moments[0] >= case.opened_at - timedelta(minutes=10)  # the first call, filed later


# -- refusing a store that is not empty ------------------------------------------------


def test_building_twice_is_refused_and_changes_nothing(store: Store) -> None:
    before = row_counts(store)
    with pytest.raises(ConflictError):
        build_demo(store, WEDNESDAY)
    assert row_counts(store) == before


def test_a_store_with_only_contacts_is_refused_too(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    contacts.create(store, "王小明", phones=["13912345678"])
    before = row_counts(store)
    with pytest.raises(ConflictError):
        build_demo(store, WEDNESDAY)
    assert row_counts(store) == before


# -- other moments ---------------------------------------------------------------------


def test_a_monday_morning_build_works_too(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    clock = store.clock
    summary = build_demo(store, MONDAY_MORNING)
    assert store.clock is clock  # the simulated clock of the build is given back
    assert summary.communications >= 300
    assert summary.contacts >= 40
    assert summary.cases >= 8
    assert_today_has_content(store, MONDAY_MORNING)
    with store.read() as session:
        latest = session.scalar(select(func.max(Event.at)))
        unsorted_due = session.scalar(
            select(func.count())
            .select_from(Action)
            .where(or_(Action.done_at > MONDAY_MORNING, Action.requested_at > MONDAY_MORNING))
        )
    assert latest is not None
    assert latest <= MONDAY_MORNING
    assert unsorted_due == 0
    aoi = case_by_company(store, "宁波澄明光电科技有限公司")
    assert case_clock(store, aoi.id, MONDAY_MORNING).elapsed_seconds <= 4 * 3600


def test_the_same_moment_gives_the_same_demo(
    tmp_path: Path, store: Store, request: pytest.FixtureRequest
) -> None:
    again = open_store(tmp_path / "data")
    request.addfinalizer(again.close)
    build_demo(again, WEDNESDAY)

    def fingerprint(s: Store) -> list[tuple[object, ...]]:
        with s.read() as session:
            return [
                tuple(row)
                for row in session.execute(
                    select(
                        Communication.at,
                        Communication.channel,
                        Communication.raw_number,
                        Communication.notes,
                        Communication.case_id,
                        Communication.follow_up_due,
                    ).order_by(Communication.id)
                )
            ]

    assert fingerprint(again) == fingerprint(store)
    assert row_counts(again) == row_counts(store)


def test_the_indicators_report_has_figures(store: Store) -> None:
    from decimal import Decimal

    from coordinator.kinds import Indicator

    figures = {f.indicator: f for f in indicator_queries.yearly(store, WEDNESDAY.year)}
    # closed landings from outside the city: 150 m + 80 m + 120 m against a 360 m target
    assert figures[Indicator.DOMESTIC_OUTSIDE_CITY].total == Decimal("350000000")
    assert figures[Indicator.DOMESTIC_OUTSIDE_CITY].percent_of_target == Decimal("97.22")
    # contracted when opened: USD 22.6 m + 27.48 m + 8.6 m against 50 m
    assert figures[Indicator.FOREIGN_CONTRACTED].total == Decimal("58680000")
    assert figures[Indicator.FOREIGN_CONTRACTED].percent_of_target == Decimal("117.36")
    # actually used only once the money is in: the bond case is still open
    assert figures[Indicator.FOREIGN_USED].total == Decimal("8600000")
