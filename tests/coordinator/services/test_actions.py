"""Actions: adding, editing, dependencies, statuses and the working-time clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import EditConflictError, NotFoundError, TransitionError, ValidationError
from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.services import actions, cases, contacts, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.records import ActionRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

MON = (2025, 6, 9)  # an ordinary working week: Mon 9 - Fri 13 June 2025
TUE = (2025, 6, 10)


def at(day: tuple[int, int, int], hh: int, mm: int = 0) -> datetime:
    return datetime(*day, hh, mm)


def stamp(day: tuple[int, int, int], hh: int, mm: int = 0) -> str:
    return at(day, hh, mm).isoformat(sep=" ")


@pytest.fixture
def landing(store: Store) -> dict[str, ActionRecord]:
    """A company-landing case's six steps, by template key."""
    case = cases.open_case(
        store, "丙公司落地", company_name="丙公司", template_key="company_landing"
    )
    steps = action_queries.for_case(store, case.value.id)
    return dict(zip(["park", "licence", "seal", "bank", "tax", "social"], steps, strict=True))


@pytest.fixture
def tax_office(store: Store) -> int:
    return organisations.create(store, "区税务局", "department").value.id


@pytest.fixture
def case_id(store: Store) -> int:
    return cases.open_case(store, "落地").value.id


def test_add(store: Store, case_id: int, tax_office: int, log: EventLog) -> None:
    person = contacts.create(store, "李娜", organisation_id=tax_office).value
    first = actions.add(store, case_id, tax_office, "税务登记").value
    log.new()
    out = actions.add(
        store,
        case_id,
        tax_office,
        " 发票申领 ",
        contact_id=person.id,
        statutory_limit_hours=15,
        promised_limit_hours=1.5,
        normal_duration_hours=7.5,
        due_at=at(TUE, 12),
        depends_on=[first.id, first.id],
        notes="带公章",
    )
    action = out.value
    assert action == ActionRecord(
        id=action.id,
        case_id=case_id,
        department_id=tax_office,
        department_name="区税务局",
        contact_id=person.id,
        title="发票申领",
        status=ActionStatus.TODO,
        requested_at=None,
        due_at=at(TUE, 12),
        done_at=None,
        blocked_reason="",
        statutory_limit_hours=15.0,
        promised_limit_hours=1.5,
        normal_duration_hours=7.5,
        notes="带公章",
        depends_on=(first.id,),
        pauses=(),
        owner=store.officer,  # the case's owner: the officer who opened it
    )
    assert out.changes.kinds == {ChangeKind.ACTION, ChangeKind.CASE, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.ACTION) == {action.id}
    assert out.changes.ids_of(ChangeKind.CASE) == {case_id}
    assert log.new() == [
        ("action", action.id, "created", None, "发票申领", case_id),
        ("action", action.id, "depends_on", None, f"[{first.id}]", case_id),
    ]
    assert [a.id for a in action_queries.for_case(store, case_id)] == [first.id, action.id]


def test_add_refusals(store: Store, case_id: int, tax_office: int, refused: Refused) -> None:
    other_case = cases.open_case(store, "别的案子").value.id
    foreign = actions.add(store, other_case, tax_office, "别的步骤").value
    refused(ValidationError, "Title is required.", actions.add, store, case_id, tax_office, "")
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        actions.add,
        store,
        case_id,
        999,
        "x",
    )
    refused(
        NotFoundError,
        "The contact #999 does not exist (any more).",
        actions.add,
        store,
        case_id,
        tax_office,
        "x",
        contact_id=999,
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        actions.add,
        store,
        999,
        tax_office,
        "x",
    )
    refused(
        ValidationError,
        "A step can only wait on steps of the same case.",
        actions.add,
        store,
        case_id,
        tax_office,
        "x",
        depends_on=[foreign.id],
    )
    refused(
        NotFoundError,
        "The action #999 does not exist (any more).",
        actions.add,
        store,
        case_id,
        tax_office,
        "x",
        depends_on=[999],
    )
    refused(
        ValidationError,
        "Promised limit must be between 0 and 43800 working hours.",
        actions.add,
        store,
        case_id,
        tax_office,
        "x",
        promised_limit_hours=-1,
    )


def test_in_progress_starts_the_clock(
    store: Store, landing: dict[str, ActionRecord], log: EventLog
) -> None:
    park = landing["park"]
    log.new()
    out = actions.set_status(store, park.id, "in_progress", at=at(MON, 9))
    action = out.value
    assert (action.status, action.requested_at, action.done_at) == (
        ActionStatus.IN_PROGRESS,
        at(MON, 9),
        None,
    )
    # The promised limit (2 working hours) wins over the statutory one (22.5).
    assert action.due_at == store.calendar().add_working_hours(at(MON, 9), 2) == at(MON, 11)
    assert out.changes.ids_of(ChangeKind.ACTION) == {park.id}
    assert out.changes.ids_of(ChangeKind.CASE) == {park.case_id}
    cid = park.case_id
    assert log.new() == [
        ("action", park.id, "requested_at", None, stamp(MON, 9), cid),
        ("action", park.id, "due_at", None, stamp(MON, 11), cid),
        ("action", park.id, "status", "todo", "in_progress", cid),
    ]


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(MON, 10, 30), 2, at(MON, 14)),  # across the lunch break
        (at(MON, 10), 2, at(MON, 12)),  # ending exactly at noon stays at noon
        (at(MON, 16, 30), 1.5, at(TUE, 9)),  # across the night
        (at(MON, 12, 30), 1, at(MON, 14, 30)),  # requested during lunch
        (datetime(2025, 6, 13, 17), 1, datetime(2025, 6, 16, 9)),  # Friday to Monday
        (datetime(2025, 9, 30, 17), 1, datetime(2025, 10, 9, 9)),  # across National Day
    ],
)
def test_due_time_is_in_working_time(
    store: Store, case_id: int, tax_office: int, start: datetime, hours: float, due: datetime
) -> None:
    action = actions.add(store, case_id, tax_office, "x", promised_limit_hours=hours).value
    moved = actions.set_status(store, action.id, "in_progress", at=start).value
    assert moved.due_at == due


def test_the_limit_falls_back_to_statutory_then_normal(
    store: Store, case_id: int, tax_office: int
) -> None:
    statutory = actions.add(store, case_id, tax_office, "a", statutory_limit_hours=7.5).value
    normal = actions.add(store, case_id, tax_office, "b", normal_duration_hours=3).value
    none = actions.add(store, case_id, tax_office, "c").value
    fixed = actions.add(
        store, case_id, tax_office, "d", promised_limit_hours=1, due_at=at(TUE, 17)
    ).value
    for action in (statutory, normal, none, fixed):
        actions.set_status(store, action.id, "in_progress", at=at(MON, 9))
    dues = [a.due_at for a in action_queries.for_case(store, case_id)]
    # 7.5 h from Monday 9:00 is Tuesday 9:00; 3 h is Monday noon; an entered due time stays.
    assert dues == [at(TUE, 9), at(MON, 12), None, at(TUE, 17)]


def test_waiting_on_the_company_pauses_the_clock(
    store: Store, landing: dict[str, ActionRecord], log: EventLog
) -> None:
    licence = landing["licence"]
    cid = licence.case_id
    started = actions.set_status(store, licence.id, "in_progress", at=at(MON, 10, 30)).value
    assert started.due_at == at(MON, 14)
    log.new()
    paused = actions.set_status(
        store, licence.id, "waiting_company", at=at(MON, 11, 30), reason="等企业签字"
    ).value
    assert paused.status == ActionStatus.WAITING_COMPANY
    assert paused.pauses == ((at(MON, 11, 30), None),)
    assert paused.blocked_reason == "等企业签字"
    assert paused.due_at == at(MON, 14)  # unchanged while the pause is open
    assert log.new() == [
        ("action", licence.id, "status", "in_progress", "waiting_company", cid),
        ("action", licence.id, "reason", None, "等企业签字", cid),
    ]
    resumed = actions.set_status(store, licence.id, "in_progress", at=at(MON, 14)).value
    # Paused 11:30-12:00 and 13:30-14:00: one working hour, so due moves 14:00 -> 15:00.
    assert resumed.pauses == ((at(MON, 11, 30), at(MON, 14)),)
    assert resumed.due_at == at(MON, 15)
    assert resumed.blocked_reason == ""
    assert log.new() == [
        ("action", licence.id, "due_at", stamp(MON, 14), stamp(MON, 15), cid),
        ("action", licence.id, "status", "waiting_company", "in_progress", cid),
    ]


def test_a_pause_overnight_counts_only_working_hours(
    store: Store, case_id: int, tax_office: int
) -> None:
    action = actions.add(store, case_id, tax_office, "x", promised_limit_hours=4).value
    # 14:00-17:30 is 3.5 h, the last half hour runs on Tuesday morning.
    assert actions.set_status(store, action.id, "in_progress", at=at(MON, 14)).value.due_at == (
        at(TUE, 9)
    )
    actions.set_status(store, action.id, "waiting_company", at=at(MON, 16, 30))
    # Paused 16:30-17:30 and 8:30-9:30: two working hours.
    resumed = actions.set_status(store, action.id, "done", at=at(TUE, 9, 30)).value
    assert resumed.due_at == at(TUE, 11)
    assert resumed.done_at == at(TUE, 9, 30)
    assert resumed.pauses == ((at(MON, 16, 30), at(TUE, 9, 30)),)


def test_a_pause_without_working_time_leaves_the_due_time(
    store: Store, case_id: int, tax_office: int, log: EventLog
) -> None:
    action = actions.add(store, case_id, tax_office, "x", promised_limit_hours=2).value
    assert actions.set_status(store, action.id, "in_progress", at=at(MON, 10)).value.due_at == (
        at(MON, 12)
    )
    actions.set_status(store, action.id, "waiting_company", at=at(MON, 12, 5))
    log.new()
    resumed = actions.set_status(store, action.id, "in_progress", at=at(MON, 13)).value
    assert resumed.due_at == at(MON, 12)  # lunch time held no working time
    assert [e.field for e in log.new()] == ["status"]


def test_resuming_before_the_pause_started_closes_it_empty(
    store: Store, case_id: int, tax_office: int
) -> None:
    action = actions.add(store, case_id, tax_office, "x", promised_limit_hours=2).value
    actions.set_status(store, action.id, "waiting_company", at=at(MON, 10))
    resumed = actions.set_status(store, action.id, "in_progress", at=at(MON, 9)).value
    assert resumed.pauses == ((at(MON, 10), at(MON, 10)),)
    assert resumed.requested_at == at(MON, 10)
    assert resumed.due_at == at(MON, 12)


def test_waiting_on_another_step_does_not_start_the_clock(
    store: Store, landing: dict[str, ActionRecord]
) -> None:
    bank = landing["bank"]
    waiting = actions.set_status(store, bank.id, "waiting", at=at(MON, 9)).value
    assert (waiting.status, waiting.requested_at, waiting.due_at) == (
        ActionStatus.WAITING,
        None,
        None,
    )
    started = actions.set_status(store, bank.id, "in_progress", at=at(MON, 15)).value
    assert (started.requested_at, started.due_at) == (at(MON, 15), at(MON, 16, 30))


def test_done_needs_the_steps_it_waits_on(
    store: Store, landing: dict[str, ActionRecord], refused: Refused, log: EventLog
) -> None:
    park, licence, seal, bank = (landing[k] for k in ("park", "licence", "seal", "bank"))
    refused(
        TransitionError,
        "“核发营业执照” cannot be done before “园区入驻审核与注册地址确认” is done.",
        actions.set_status,
        store,
        licence.id,
        "done",
    )
    actions.set_status(store, park.id, "done", at=at(MON, 10))
    actions.set_status(store, licence.id, "done", at=at(MON, 11))
    refused(
        TransitionError,
        "“开立基本存款账户” cannot be done before “公章及财务章刻制备案” is done.",
        actions.set_status,
        store,
        bank.id,
        "done",
    )
    # A cancelled step no longer holds anything up.
    actions.set_status(store, seal.id, "cancelled")
    log.new()
    done = actions.set_status(store, bank.id, "done", at=at(MON, 15)).value
    assert (done.status, done.requested_at, done.done_at) == (
        ActionStatus.DONE,
        at(MON, 15),
        at(MON, 15),
    )
    assert [e.field for e in log.new()] == ["requested_at", "due_at", "status"]
    reopened = actions.set_status(store, bank.id, "in_progress").value
    assert (reopened.status, reopened.done_at, reopened.requested_at) == (
        ActionStatus.IN_PROGRESS,
        None,
        at(MON, 15),
    )


def test_status_refusals(
    store: Store, case_id: int, tax_office: int, refused: Refused, log: EventLog
) -> None:
    action = actions.add(store, case_id, tax_office, "税务登记").value
    refused(
        TransitionError,
        "Say why the step is blocked.",
        actions.set_status,
        store,
        action.id,
        "blocked",
    )
    refused(
        ValidationError,
        "“finished” is not an action status.",
        actions.set_status,
        store,
        action.id,
        "finished",
    )
    refused(
        TransitionError,
        "The step is already to do.",
        actions.set_status,
        store,
        action.id,
        "todo",
    )
    refused(
        NotFoundError,
        "The action #999 does not exist (any more).",
        actions.set_status,
        store,
        999,
        "done",
    )
    blocked = actions.set_status(store, action.id, "blocked", reason="缺法人身份证").value
    assert (blocked.status, blocked.blocked_reason) == (ActionStatus.BLOCKED, "缺法人身份证")
    actions.set_status(store, action.id, "in_progress", at=at(MON, 10))
    refused(
        ValidationError,
        "A step cannot be done before it was requested.",
        actions.set_status,
        store,
        action.id,
        "done",
        at=at(MON, 8),
    )
    refused(
        ValidationError,
        "Time must be between 2000 and 2100.",
        actions.set_status,
        store,
        action.id,
        "done",
        at=datetime(1999, 12, 31),
    )
    actions.set_status(store, action.id, "done", at=at(MON, 11))
    refused(
        TransitionError,
        "A step cannot go from done to waiting on the company.",
        actions.set_status,
        store,
        action.id,
        "waiting_company",
    )
    actions.set_status(store, action.id, "in_progress")
    actions.set_status(store, action.id, "cancelled")
    refused(
        TransitionError,
        "A step cannot go from cancelled to done.",
        actions.set_status,
        store,
        action.id,
        "done",
    )
    assert actions.set_status(store, action.id, "todo").value.status == ActionStatus.TODO


def test_dependencies(
    store: Store, landing: dict[str, ActionRecord], log: EventLog, refused: Refused
) -> None:
    park, licence, seal, bank, tax, social = landing.values()
    cid = park.case_id
    log.new()
    out = actions.set_dependencies(store, social.id, [tax.id, licence.id])
    assert out.value.depends_on == (licence.id, tax.id)
    assert out.changes.ids_of(ChangeKind.ACTION) == {social.id}
    assert log.new() == [
        ("action", social.id, "depends_on", f"[{licence.id}]", f"[{licence.id}, {tax.id}]", cid)
    ]
    cleared = actions.set_dependencies(store, social.id, []).value
    assert cleared.depends_on == ()
    assert log.new() == [
        ("action", social.id, "depends_on", f"[{licence.id}, {tax.id}]", None, cid)
    ]

    refused(
        ValidationError,
        "A step cannot wait on itself.",
        actions.set_dependencies,
        store,
        park.id,
        [park.id],
    )
    refused(
        ValidationError,
        "These steps would wait on each other in a circle.",
        actions.set_dependencies,
        store,
        park.id,
        [bank.id],
    )
    refused(
        ValidationError,
        "These steps would wait on each other in a circle.",
        actions.set_dependencies,
        store,
        licence.id,
        [seal.id],
    )
    other = cases.open_case(store, "其他", template_key="company_landing").value
    foreign = action_queries.for_case(store, other.id)[0]
    refused(
        ValidationError,
        "A step can only wait on steps of the same case.",
        actions.set_dependencies,
        store,
        park.id,
        [foreign.id],
    )


def test_update(store: Store, case_id: int, tax_office: int, log: EventLog) -> None:
    bank = organisations.create(store, "开户银行", "bank").value.id
    person = contacts.create(store, "李娜").value.id
    action = actions.add(store, case_id, tax_office, "开户", promised_limit_hours=1).value
    log.new()
    out = actions.update(
        store,
        action.id,
        title="开立基本户",
        department_id=bank,
        contact_id=person,
        statutory_limit_hours=15,
        promised_limit_hours=None,
        normal_duration_hours=7.5,
        due_at=at(TUE, 10),
        notes="预约 10 点",
    )
    updated = out.value
    assert (updated.title, updated.department_id, updated.department_name) == (
        "开立基本户",
        bank,
        "开户银行",
    )
    assert (updated.contact_id, updated.due_at, updated.notes) == (
        person,
        at(TUE, 10),
        "预约 10 点",
    )
    assert (
        updated.statutory_limit_hours,
        updated.promised_limit_hours,
        updated.normal_duration_hours,
    ) == (15.0, None, 7.5)
    assert out.changes.ids_of(ChangeKind.ACTION) == {action.id}
    assert log.new() == [
        ("action", action.id, "title", "开户", "开立基本户", case_id),
        ("action", action.id, "department_id", str(tax_office), str(bank), case_id),
        ("action", action.id, "contact_id", None, str(person), case_id),
        ("action", action.id, "statutory_limit_hours", None, "15.0", case_id),
        ("action", action.id, "promised_limit_hours", "1.0", None, case_id),
        ("action", action.id, "normal_duration_hours", None, "7.5", case_id),
        ("action", action.id, "due_at", None, stamp(TUE, 10), case_id),
        ("action", action.id, "notes", "", "预约 10 点", case_id),
    ]
    assert not actions.update(store, action.id, title="开立基本户").changes


def test_delete(store: Store, landing: dict[str, ActionRecord], log: EventLog) -> None:
    licence, seal, bank = landing["licence"], landing["seal"], landing["bank"]
    cid = seal.case_id
    log.new()
    out = actions.delete(store, seal.id)
    assert out.changes.ids_of(ChangeKind.ACTION) == {seal.id, bank.id}
    assert out.changes.ids_of(ChangeKind.CASE) == {cid}
    assert log.new() == [
        ("action", seal.id, "deleted", "公章及财务章刻制备案", None, cid),
        ("action", bank.id, "depends_on", f"[{licence.id}, {seal.id}]", f"[{licence.id}]", cid),
    ]
    remaining = {a.id: a for a in action_queries.for_case(store, cid)}
    assert seal.id not in remaining
    assert remaining[bank.id].depends_on == (licence.id,)


def test_a_closed_case_refuses_step_changes(
    store: Store, case_id: int, tax_office: int, refused: Refused
) -> None:
    action = actions.add(store, case_id, tax_office, "税务登记").value
    cases.set_status(store, case_id, "cancelled", reason="企业撤回")
    message = "The case 2025-0001 is closed: reopen it to change its steps."
    refused(TransitionError, message, actions.add, store, case_id, tax_office, "新步骤")
    refused(TransitionError, message, actions.set_status, store, action.id, "in_progress")
    refused(TransitionError, message, actions.update, store, action.id, title="改名")
    refused(TransitionError, message, actions.set_dependencies, store, action.id, [])
    refused(TransitionError, message, actions.delete, store, action.id)
    cases.set_status(store, case_id, "open")
    assert actions.update(store, action.id, title="改名").value.title == "改名"


def test_for_case_of_a_missing_case(store: Store, refused: Refused) -> None:
    refused(
        NotFoundError, "The case #77 does not exist (any more).", action_queries.for_case, store, 77
    )


def test_get_returns_one_step_with_its_dependencies(store: Store) -> None:
    case = cases.open_case(store, "get", template_key="company_landing").value
    steps = action_queries.for_case(store, case.id)
    with_deps = next(s for s in steps if s.depends_on)
    assert action_queries.get(store, with_deps.id) == with_deps
    with pytest.raises(NotFoundError):
        action_queries.get(store, 999_999)


def test_undo_status_puts_back_the_clock_and_the_pauses(
    store: Store, landing: dict[str, ActionRecord], log: EventLog, clock: FixedClock
) -> None:
    park = landing["park"]
    clock.set(*MON, 9)
    started = actions.set_status(store, park.id, "in_progress").value
    clock.set(*MON, 10)
    paused = actions.set_status(store, park.id, "waiting_company", reason="等企业补材料").value
    assert len(paused.pauses) == 1
    clock.set(*TUE, 10)
    resumed = actions.set_status(store, park.id, "in_progress").value
    assert resumed.due_at != paused.due_at  # moved on by the working time paused
    log.new()

    # Undoing the resume reopens the pause and puts the due time back.
    back = actions.undo_status(store, park.id, paused, expected_version=resumed.row_version)
    assert back.value.status == ActionStatus.WAITING_COMPANY
    assert back.value.pauses == paused.pauses
    assert back.value.due_at == paused.due_at
    assert back.value.blocked_reason == "等企业补材料"
    fields = [e.field for e in log.new()]
    assert fields[0] == "status"
    assert fields[-1] == "undone"
    assert "due_at" in fields

    # Undoing the pause itself drops the pause it opened.
    again = actions.undo_status(
        store, park.id, started, expected_version=back.value.row_version
    ).value
    assert again.status == ActionStatus.IN_PROGRESS
    assert again.pauses == ()
    assert again.blocked_reason == ""

    # Done straight back to to do, which no transition allows: an undo is no transition.
    fresh = landing["licence"]
    done = actions.set_status(store, fresh.id, "in_progress").value
    todo = actions.undo_status(store, fresh.id, fresh, expected_version=done.row_version).value
    assert (todo.status, todo.requested_at, todo.due_at) == (ActionStatus.TODO, None, None)


def test_undo_status_refuses_a_step_changed_since(
    store: Store, landing: dict[str, ActionRecord]
) -> None:
    park = landing["park"]
    moved = actions.set_status(store, park.id, "in_progress").value
    actions.update(store, park.id, notes="改了备注")
    with pytest.raises(EditConflictError):
        actions.undo_status(store, park.id, park, expected_version=moved.row_version)
    assert action_queries.get(store, park.id).status == ActionStatus.IN_PROGRESS


def test_a_deleted_step_is_restored_with_its_links_and_pauses(
    store: Store, landing: dict[str, ActionRecord], log: EventLog
) -> None:
    licence, seal, bank = landing["licence"], landing["seal"], landing["bank"]
    actions.set_status(store, seal.id, "waiting_company", reason="等企业来人")
    kept = action_queries.get(store, seal.id)
    gone = actions.delete(store, seal.id).value
    assert gone.dependants == (bank.id,)
    log.new()
    back = actions.restore(store, gone)
    assert back.value == kept  # the same id, fields, links and pauses
    assert back.changes.ids_of(ChangeKind.ACTION) == {seal.id, bank.id}
    assert action_queries.get(store, bank.id).depends_on == tuple(sorted((licence.id, seal.id)))
    assert [(e.entity_id, e.field) for e in log.new()] == [
        (seal.id, "restored"),
        (seal.id, "depends_on"),
        (bank.id, "depends_on"),
    ]
    with pytest.raises(TransitionError):
        actions.restore(store, gone)  # it is there already
