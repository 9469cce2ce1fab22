"""The "Today" queries: exactly which rows each returns, in which order, on which index."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql

from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    OrganisationKind,
)
from coordinator.queries import dashboard
from coordinator.queries import due as rules
from coordinator.safety.opening import open_store
from coordinator.store.models import Action, Case, Communication, Contact, Document, Organisation
from coordinator.store.storage import Store
from tests.coordinator.queries.plans import plan

NOW = datetime(2026, 11, 25, 10, 0)
LAST_INSTANT = datetime(2026, 11, 25, 23, 59, 59, 999999)
MIDNIGHT = datetime(2026, 11, 26, 0, 0)
T0 = datetime(2026, 11, 1, 9, 0)


@dataclasses.dataclass
class World:
    store: Store
    ids: dict[str, int]  # "kind:key" -> id


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = open_store(tmp_path / "data", clock=lambda: NOW)
    ids: dict[str, int] = {}
    with store.work() as w:
        s = w.session
        company = Organisation(
            name="宁波华海智能科技有限公司",
            kind=OrganisationKind.COMPANY,
            created_at=T0,
            updated_at=T0,
        )
        department = Organisation(
            name="宁波市住房和城乡建设局",
            kind=OrganisationKind.DEPARTMENT,
            created_at=T0,
            updated_at=T0,
        )
        s.add_all([company, department])
        s.flush()
        contact = Contact(name="王成峰", organisation_id=company.id, created_at=T0, updated_at=T0)
        case_a = Case(
            reference="NB-2026-00001",
            title="增资扩产项目",
            company_id=company.id,
            status=CaseStatus.OPEN,
            opened_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        case_b = Case(
            reference="NB-2026-00002",
            title="新建厂房项目",
            company_id=company.id,
            status=CaseStatus.OPEN,
            opened_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        s.add_all([contact, case_a, case_b])
        s.flush()
        ids.update(
            company=company.id,
            department=department.id,
            contact=contact.id,
            case_a=case_a.id,
            case_b=case_b.id,
        )

        def action(key: str, status: ActionStatus, due: datetime | None) -> None:
            row = Action(
                case_id=case_a.id,
                department_id=department.id,
                title=key,
                status=status,
                due_at=due,
                created_at=T0,
                updated_at=T0,
            )
            s.add(row)
            s.flush()
            ids[f"action:{key}"] = row.id

        action("overdue_todo", ActionStatus.TODO, NOW - timedelta(days=1))
        action("overdue_blocked", ActionStatus.BLOCKED, NOW - timedelta(minutes=1))
        action("overdue_waiting", ActionStatus.WAITING, NOW - timedelta(days=3))
        action("paused_past", ActionStatus.WAITING_COMPANY, NOW - timedelta(days=2))
        action("done_past", ActionStatus.DONE, NOW - timedelta(days=1))
        action("cancelled_past", ActionStatus.CANCELLED, NOW - timedelta(days=1))
        action("due_now", ActionStatus.IN_PROGRESS, NOW)
        action("due_last_instant", ActionStatus.WAITING, LAST_INSTANT)
        action("due_midnight", ActionStatus.TODO, MIDNIGHT)
        action("paused_today", ActionStatus.WAITING_COMPANY, NOW.replace(hour=15))
        action("done_today", ActionStatus.DONE, NOW.replace(hour=15))
        action("cancelled_today", ActionStatus.CANCELLED, NOW.replace(hour=16))
        action("no_due", ActionStatus.TODO, None)
        # Five working days from Wednesday 10:00 end on the next Wednesday at 10:00.
        action("due_next_tuesday", ActionStatus.IN_PROGRESS, NOW + timedelta(days=6))
        action("paused_next_monday", ActionStatus.WAITING_COMPANY, NOW + timedelta(days=5))
        action("due_after_five_days", ActionStatus.TODO, NOW + timedelta(days=7, minutes=1))

        def communication(
            key: str,
            at: datetime,
            *,
            case_id: int | None,
            due: datetime | None = None,
            done: datetime | None = None,
            contact_id: int | None = None,
            raw: str = "",
        ) -> None:
            row = Communication(
                at=at,
                direction=Direction.INBOUND,
                channel=Channel.PHONE,
                contact_id=contact_id,
                raw_number=raw,
                case_id=case_id,
                notes=key,
                follow_up_due=due,
                follow_up_done_at=done,
                created_at=at,
            )
            s.add(row)
            s.flush()
            ids[f"communication:{key}"] = row.id

        communication(
            "follow_up_yesterday",
            NOW - timedelta(days=3),
            case_id=case_a.id,
            due=NOW - timedelta(days=1),
            contact_id=contact.id,
            raw="138 0013 8000",
        )
        communication(
            "follow_up_today_unknown",
            NOW - timedelta(days=2),
            case_id=None,
            due=NOW.replace(hour=17),
            raw="0574-87654321",
        )
        communication(
            "follow_up_last_instant",
            NOW - timedelta(hours=5),
            case_id=case_b.id,
            due=LAST_INSTANT,
            contact_id=contact.id,
        )
        communication(
            "follow_up_tomorrow",
            NOW - timedelta(hours=4),
            case_id=None,
            due=MIDNIGHT,
            contact_id=contact.id,
        )
        communication(
            "follow_up_done",
            NOW - timedelta(days=4),
            case_id=case_a.id,
            due=NOW - timedelta(days=1),
            done=NOW - timedelta(days=2),
        )
        communication("no_follow_up", NOW - timedelta(hours=1), case_id=None, raw="13900001111")
        communication("filed_plain", NOW - timedelta(minutes=30), case_id=case_b.id)

        def document(
            key: str, state: DocumentState, holder: int | None, **stamps: datetime
        ) -> None:
            row = Document(
                case_id=case_a.id,
                title=key,
                state=state,
                holder_id=holder,
                created_at=T0,
                updated_at=T0,
                **stamps,
            )
            s.add(row)
            s.flush()
            ids[f"document:{key}"] = row.id

        day = timedelta(days=1)
        document("requested", DocumentState.REQUESTED, company.id, requested_at=T0 + 2 * day)
        document(
            "forwarded",
            DocumentState.FORWARDED,
            department.id,
            requested_at=T0,
            received_at=T0 + day,
            forwarded_at=T0 + 4 * day,
        )
        document(
            "returned",
            DocumentState.RETURNED,
            None,
            requested_at=T0,
            received_at=T0 + day,
            forwarded_at=T0 + 2 * day,
            returned_at=T0 + 3 * day,
        )
        document(
            "missing",
            DocumentState.ACCEPTED_MISSING,
            department.id,
            requested_at=T0,
            received_at=T0 + day,
            accepted_at=T0 + 5 * day,
        )
        document("undated", DocumentState.REQUESTED, company.id)
        document("received", DocumentState.RECEIVED, None, requested_at=T0, received_at=T0)
        document("accepted", DocumentState.ACCEPTED, department.id, accepted_at=T0)
        document("resubmitted", DocumentState.RESUBMITTED, department.id, resubmitted_at=T0)
    yield World(store, ids)
    store.close()


def keys(world: World, kind: str, rows: list[int]) -> list[str]:
    """The test's names of these ids of one kind of record."""
    by_id = {v: k.split(":", 1)[1] for k, v in world.ids.items() if k.startswith(f"{kind}:")}
    return [by_id[r] for r in rows]


def test_overdue_actions_leave_out_paused_finished_and_those_due_exactly_now(
    world: World,
) -> None:
    items = dashboard.overdue_actions(world.store, NOW)
    assert keys(world, "action", [i.action_id for i in items]) == [
        "overdue_waiting",
        "overdue_todo",
        "overdue_blocked",
    ]
    first = items[0]
    assert first.case_reference == "NB-2026-00001"
    assert first.department_name == "宁波市住房和城乡建设局"
    assert first.title == "overdue_waiting"
    assert first.status is ActionStatus.WAITING
    assert first.due_at == NOW - timedelta(days=3)


def test_actions_due_today_run_from_now_to_the_last_instant_of_the_day(world: World) -> None:
    items = dashboard.actions_due_today(world.store, NOW)
    assert keys(world, "action", [i.action_id for i in items]) == [
        "due_now",
        "paused_today",
        "due_last_instant",
    ]
    assert items[-1].due_at == LAST_INSTANT


def test_actions_due_soon_are_on_a_running_clock_within_five_working_days(
    world: World,
) -> None:
    """The candidates for "likely late": not overdue yet, not paused (a pause moves the
    due time on), not finished, due before the fifth working day from now is over."""
    items = dashboard.actions_due_soon(world.store, NOW)
    assert keys(world, "action", [i.action_id for i in items]) == [
        "due_now",
        "due_last_instant",
        "due_midnight",
        "due_next_tuesday",
    ]
    two_days = dashboard.actions_due_soon(world.store, NOW, working_days=2)
    assert keys(world, "action", [i.action_id for i in two_days])[-1] == "due_midnight"


def test_open_follow_ups_due_by_end_of_today(world: World) -> None:
    items = dashboard.open_follow_ups(world.store, NOW)
    assert keys(world, "communication", [i.communication_id for i in items]) == [
        "follow_up_yesterday",
        "follow_up_today_unknown",
        "follow_up_last_instant",
    ]
    known, unknown, last = items
    assert known.contact_name == "王成峰"
    assert known.who == "王成峰"
    assert known.case_reference == "NB-2026-00001"
    assert unknown.contact_id is None
    assert unknown.contact_name is None
    assert unknown.who == "0574-87654321"
    assert unknown.case_id is None
    assert unknown.case_reference is None
    assert last.case_reference == "NB-2026-00002"
    assert last.follow_up_due == LAST_INSTANT


def test_unfiled_communications_newest_first(world: World) -> None:
    items = dashboard.unfiled_communications(world.store, NOW)
    assert keys(world, "communication", [i.communication_id for i in items]) == [
        "no_follow_up",
        "follow_up_tomorrow",
        "follow_up_today_unknown",
    ]
    assert items[0].who == "13900001111"
    assert items[1].who == "王成峰"


def test_documents_waiting_with_holder_and_latest_step(world: World) -> None:
    items = dashboard.documents_waiting(world.store, NOW)
    assert keys(world, "document", [i.document_id for i in items]) == [
        "requested",
        "returned",
        "forwarded",
        "missing",
        "undated",  # no step timestamp at all: last
    ]
    by_key = dict(zip(keys(world, "document", [i.document_id for i in items]), items, strict=True))
    day = timedelta(days=1)
    assert by_key["requested"].since == T0 + 2 * day
    assert by_key["requested"].holder_name == "宁波华海智能科技有限公司"
    assert by_key["returned"].since == T0 + 3 * day
    assert by_key["returned"].holder_id is None
    assert by_key["returned"].holder_name is None
    assert by_key["returned"].held_by_officer
    assert by_key["forwarded"].since == T0 + 4 * day
    assert by_key["forwarded"].holder_name == "宁波市住房和城乡建设局"
    assert not by_key["forwarded"].held_by_officer
    assert by_key["missing"].since == T0 + 5 * day
    assert by_key["missing"].state is DocumentState.ACCEPTED_MISSING
    assert by_key["undated"].since is None
    assert all(i.case_reference == "NB-2026-00001" for i in items)


def test_counts_match_the_lists_without_their_limit(world: World) -> None:
    with world.store.snapshot():
        counts = dashboard.counts(world.store, NOW)
        limited = dashboard.overdue_actions(world.store, NOW, limit=1)
    assert counts == dashboard.DashboardCounts(
        overdue_actions=3,
        actions_due_today=3,
        open_follow_ups=3,
        unfiled_communications=3,
        documents_waiting=5,
    )
    assert keys(world, "action", [i.action_id for i in limited]) == ["overdue_waiting"]


def test_later_in_the_day_the_boundaries_move(world: World) -> None:
    evening = NOW.replace(hour=23, minute=59, second=59, microsecond=999999)
    with world.store.snapshot():
        overdue = dashboard.overdue_actions(world.store, evening)
        due = dashboard.actions_due_today(world.store, evening)
        tomorrow = dashboard.open_follow_ups(world.store, MIDNIGHT)
    assert "due_now" in keys(world, "action", [i.action_id for i in overdue])
    assert "paused_today" not in keys(world, "action", [i.action_id for i in overdue])
    assert keys(world, "action", [i.action_id for i in due]) == ["due_last_instant"]
    last = keys(world, "communication", [i.communication_id for i in tomorrow])[-1]
    assert last == "follow_up_tomorrow"


def test_results_are_plain_frozen_data(world: World) -> None:
    item = dashboard.overdue_actions(world.store, NOW)[0]
    assert dataclasses.is_dataclass(item)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("overdue_actions", "ix_actions_status_due"),
        ("actions_due_today", "ix_actions_status_due"),
        ("actions_due_soon", "ix_actions_status_due"),
        ("open_follow_ups", "ix_communications_open_follow_up"),
        # SQLite serves "case_id IS NULL ORDER BY at DESC" as well from the (case_id, at)
        # index as from the partial one, and its planner prefers the former.
        ("unfiled_communications", ("ix_communications_unfiled", "ix_communications_case_at")),
        ("documents_waiting", "ix_documents_state_holder"),
    ],
)
def test_each_list_searches_its_index(world: World, name: str, index: str | tuple[str]) -> None:
    stmt = dashboard.STATEMENTS[name](NOW, 200)
    sql = str(stmt.compile(world.store.engine, compile_kwargs={"literal_binds": True}))
    found = plan(world.store, sql)
    wanted = (index,) if isinstance(index, str) else index
    assert any(i in found.searched for i in wanted), found.lines
    assert [line for line in found.scanned if "picked" not in line] == [], found.lines


def test_counts_search_the_indexes_too(world: World) -> None:
    executed: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        executed.append((args[2], args[3]))  # statement, parameters

    event.listen(world.store.engine, "before_cursor_execute", grab)
    try:
        dashboard.counts(world.store, NOW)
    finally:
        event.remove(world.store.engine, "before_cursor_execute", grab)
    sql, parameters = next((q, p) for q, p in executed if "count(" in q)
    found = plan(world.store, sql, parameters)
    for index in (
        "ix_actions_status_due",
        "ix_communications_open_follow_up",
        "ix_documents_state_holder",
    ):
        assert index in found.searched, found.lines
    assert [line for line in found.scanned if "CONSTANT ROW" not in line] == [], found.lines


def test_latest_step_compiles_to_greatest_on_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql = str(dashboard.documents_waiting_stmt(NOW).compile(dialect=dialect))
    assert "GREATEST(documents.requested_at, documents.received_at" in sql
    assert "MAX(" not in sql


@pytest.mark.parametrize("moment", [NOW, LAST_INSTANT, MIDNIGHT, NOW - timedelta(days=3)])
def test_the_rules_in_python_agree_with_the_sql(world: World, moment: datetime) -> None:
    """Reports judge steps already read with is_overdue / is_due_today; Today asks
    SQL. Both must say the same of every step."""
    with world.store.read() as session:
        steps = list(session.execute(select(Action.id, Action.status, Action.due_at)))
    overdue = {i.action_id for i in dashboard.overdue_actions(world.store, moment)}
    due_today = {i.action_id for i in dashboard.actions_due_today(world.store, moment)}
    assert overdue == {i for i, status, at in steps if rules.is_overdue(status, at, moment)}
    assert due_today == {i for i, status, at in steps if rules.is_due_today(status, at, moment)}
    assert overdue or due_today or moment == MIDNIGHT  # the world has steps to judge
