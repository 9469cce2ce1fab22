"""Cases: opening (with and without a template), references, editing, status changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from coordinator.errors import EditConflictError, NotFoundError, TransitionError, ValidationError
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState, OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import contacts as contact_queries
from coordinator.queries import documents as document_queries
from coordinator.queries import timeline
from coordinator.services import actions, cases, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.models import Event
from coordinator.store.records import CaseRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

OPENED = datetime(2025, 6, 9, 9, 0)


def test_open_a_plain_case(store: Store, log: EventLog) -> None:
    company = organisations.create(store, "宁波甲科技有限公司", "company").value
    log.new()
    out = cases.open_case(
        store,
        " 甲科技落地 ",
        company_id=company.id,
        kind="landing",
        fast_track=True,
        owner="小陈",
        target_at=datetime(2025, 6, 9, 17, 30),
        normal_duration_hours=30,
        amount=Decimal("12345678.99"),
        currency="usd",
        tags=["重点", "外资", "重点"],
        notes="第一行\n第二行",
    )
    case = out.value
    assert case == CaseRecord(
        id=case.id,
        reference="2025-0001",
        title="甲科技落地",
        company_id=company.id,
        company_name="宁波甲科技有限公司",
        kind="landing",
        fast_track=True,
        status=CaseStatus.OPEN,
        owner="小陈",
        opened_at=OPENED,
        target_at=datetime(2025, 6, 9, 17, 30),
        closed_at=None,
        close_reason="",
        normal_duration_hours=30.0,
        amount=Decimal("12345678.99"),
        currency="USD",
        notes="第一行\n第二行",
        tags=("外资", "重点"),
    )
    assert str(case.amount) == "12345678.99"
    assert out.changes.kinds == {ChangeKind.CASE, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.CASE) == {case.id}
    assert log.new() == [("case", case.id, "opened", None, "2025-0001 甲科技落地", case.id)]
    assert case_queries.get(store, case.id) == case
    assert case_queries.by_reference(store, " 2025-0001 ") == case


def test_open_with_a_new_company_name_creates_it(store: Store, log: EventLog) -> None:
    out = cases.open_case(store, "增资", company_name="乙基金")
    case = out.value
    company = contact_queries.organisations(store, kind=OrganisationKind.COMPANY)
    assert [(c.id, c.name) for c in company] == [(case.company_id, "乙基金")]
    assert out.changes.ids_of(ChangeKind.ORGANISATION) == {case.company_id}
    assert log.new() == [
        ("organisation", case.company_id, "created", None, "乙基金 (company)", None),
        ("case", case.id, "opened", None, "2025-0001 增资", case.id),
    ]
    # The same name again finds the same company.
    again = cases.open_case(store, "增资二期", company_name="乙基金").value
    assert again.company_id == case.company_id


def test_open_from_the_company_landing_template(store: Store, log: EventLog) -> None:
    out = cases.open_case(
        store, "丙公司注册落地", company_name="丙公司", template_key="company_landing"
    )
    case = out.value
    assert case.kind == "company_landing"
    assert case.normal_duration_hours == 30.0  # from the template
    steps = action_queries.for_case(store, case.id)
    by_title = {a.title: a for a in steps}
    assert [a.department_name for a in steps] == [
        "园区管委会",
        "区市场监督管理局",
        "公安分局印章管理中心",
        "开户银行",
        "区税务局",
        "区人力资源和社会保障局",
    ]
    assert all(a.status == ActionStatus.TODO for a in steps)
    assert all(a.requested_at is None and a.due_at is None for a in steps)
    park, licence, seal, bank, tax, social = steps
    assert (park.statutory_limit_hours, park.promised_limit_hours, park.normal_duration_hours) == (
        22.5,
        2.0,
        7.5,
    )
    assert park.depends_on == ()
    assert licence.depends_on == (park.id,)
    assert seal.depends_on == (licence.id,)
    assert bank.depends_on == (licence.id, seal.id)
    assert tax.depends_on == social.depends_on == (licence.id,)
    assert by_title["开立基本存款账户"] is bank

    docs = document_queries.for_case(store, case.id)
    assert len(docs) == 7
    assert all(d.state == DocumentState.REQUESTED for d in docs)
    assert all(d.requested_at == OPENED for d in docs)
    assert all(d.source_id == d.holder_id == case.company_id for d in docs)
    first = docs[0]
    assert (first.title, first.is_original, first.stamped, first.required) == (
        "公司登记（备案）申请书",
        True,
        False,
        True,
    )
    market = {o.name: o.id for o in contact_queries.organisations(store)}["区市场监督管理局"]
    assert first.destination_id == market

    assert out.changes.ids_of(ChangeKind.ACTION) == {a.id for a in steps}
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {d.id for d in docs}
    assert out.changes.ids_of(ChangeKind.CASE) == {case.id}
    assert len(out.changes.ids_of(ChangeKind.ORGANISATION)) == 7  # the company and 6 departments
    events = log.new()
    assert events[-1] == ("case", case.id, "template", None, "company_landing", case.id)
    assert {e for e in events if e.entity == "action"} == {
        ("action", a.id, "created", None, a.title, case.id) for a in steps
    }
    assert {e for e in events if e.entity == "document"} == {
        ("document", d.id, "created", None, d.title, case.id) for d in docs
    }
    assert [e.field for e in events if e.entity == "organisation"] == ["created"] * 7

    # A second case reuses the departments.
    before = len(contact_queries.organisations(store))
    second = cases.open_case(store, "丁公司", template_key="company_landing").value
    assert len(contact_queries.organisations(store)) == before
    assert all(d.source_id is None for d in document_queries.for_case(store, second.id))


@pytest.mark.parametrize("key", ["capital_increase", "cross_district_filing", "talent_match"])
def test_every_builtin_template_opens_a_case(store: Store, key: str) -> None:
    case = cases.open_case(store, key, template_key=key).value
    assert case.kind == key
    assert action_queries.for_case(store, case.id) or document_queries.for_case(store, case.id)


def test_references_count_up_per_year(store: Store, clock: FixedClock) -> None:
    assert cases.open_case(store, "a").value.reference == "2025-0001"
    assert cases.open_case(store, "b").value.reference == "2025-0002"
    # Opened (back-dated) in another year: that year's numbering.
    assert cases.open_case(store, "c", opened_at=datetime(2024, 12, 30)).value.reference == (
        "2024-0001"
    )
    # A reference the officer typed by hand is not a number: the sequence goes on.
    assert cases.open_case(store, "d", reference="2025-A7").value.reference == "2025-A7"
    assert cases.open_case(store, "e").value.reference == "2025-0003"
    # Numbers compare as numbers past 9999.
    cases.open_case(store, "f", reference="2025-9999")
    assert cases.open_case(store, "g").value.reference == "2025-10000"
    assert cases.open_case(store, "h").value.reference == "2025-10001"
    clock.set(2026, 1, 5, 9, 0)
    assert cases.open_case(store, "i").value.reference == "2026-0001"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("12345678.99"), Decimal("12345678.99")),
        ("12345678.99", Decimal("12345678.99")),
        ("1,234,567.50", Decimal("1234567.5")),
        (" 88 ", Decimal("88")),
        (0, Decimal("0")),
        (1000000, Decimal("1000000")),
        (0.1, Decimal("0.1")),
        ("0.005", Decimal("0.01")),  # half a fen rounds up
        ("0.004", Decimal("0")),
        ("999999999999999.99", Decimal("999999999999999.99")),
        (None, None),
        ("", None),
    ],
)
def test_amounts_are_stored_exactly(store: Store, amount: object, expected: Decimal) -> None:
    case = cases.open_case(store, "x", amount=amount).value  # type: ignore[arg-type]
    assert case.amount == expected
    assert case_queries.get(store, case.id).amount == expected


def test_open_refusals(store: Store, refused: Refused) -> None:
    cases.open_case(store, "已有")
    refused(ValidationError, "Title is required.", cases.open_case, store, "  ")
    refused(
        ValidationError,
        "The target time cannot be before the case was opened.",
        cases.open_case,
        store,
        "x",
        target_at=datetime(2025, 6, 8),
    )
    refused(
        ValidationError,
        "There is no case template “nope”.",
        cases.open_case,
        store,
        "x",
        template_key="nope",
    )
    refused(
        ValidationError,
        "The reference 2025-0001 is already used.",
        cases.open_case,
        store,
        "x",
        reference="2025-0001",
    )
    refused(
        ValidationError,
        "The currency must be a three-letter code such as CNY or USD.",
        cases.open_case,
        store,
        "x",
        currency="元",
    )
    refused(
        ValidationError,
        "The currency must be a three-letter code such as CNY or USD.",
        cases.open_case,
        store,
        "x",
        currency="US",
    )
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        cases.open_case,
        store,
        "x",
        company_id=999,
    )
    # A template case that fails late (bad currency) leaves no company or department.
    refused(
        ValidationError,
        "The currency must be a three-letter code such as CNY or USD.",
        cases.open_case,
        store,
        "x",
        company_name="新公司",
        template_key="company_landing",
        currency="R1B",
    )


def test_update(store: Store, log: EventLog) -> None:
    company = organisations.create(store, "甲公司", "company").value
    case = cases.open_case(store, "落地", tags=["a", "b"], amount="100").value
    log.new()
    out = cases.update(
        store,
        case.id,
        title="落地（加急）",
        company_id=company.id,
        fast_track=True,
        owner="小王",
        target_at=datetime(2025, 6, 10, 12, 0),
        normal_duration_hours=15,
        amount=Decimal("2000.5"),
        currency="EUR",
        notes="备注",
        tags=["b", "c"],
    )
    updated = out.value
    assert (updated.title, updated.company_name, updated.fast_track, updated.owner) == (
        "落地（加急）",
        "甲公司",
        True,
        "小王",
    )
    assert (updated.target_at, updated.normal_duration_hours, updated.amount) == (
        datetime(2025, 6, 10, 12, 0),
        15.0,
        Decimal("2000.5"),
    )
    assert (updated.currency, updated.notes, updated.tags) == ("EUR", "备注", ("b", "c"))
    assert out.changes.ids_of(ChangeKind.CASE) == {case.id}
    cid = case.id
    assert log.new() == [
        ("case", cid, "title", "落地", "落地（加急）", cid),
        ("case", cid, "company_id", None, str(company.id), cid),
        ("case", cid, "fast_track", "false", "true", cid),
        ("case", cid, "owner", store.officer, "小王", cid),  # opened by the store's officer
        ("case", cid, "target_at", None, "2025-06-10 12:00:00", cid),
        ("case", cid, "normal_duration_hours", None, "15.0", cid),
        ("case", cid, "amount_minor", "10000", "200050", cid),
        ("case", cid, "currency", "CNY", "EUR", cid),
        ("case", cid, "notes", "", "备注", cid),
        ("case", cid, "tags", '["a", "b"]', '["b", "c"]', cid),
    ]
    # KEEP leaves fields alone; None clears them.
    cleared = cases.update(store, case.id, target_at=None, amount=None, company_id=None).value
    assert (cleared.target_at, cleared.amount, cleared.company_id) == (None, None, None)
    assert cleared.title == "落地（加急）"
    assert [e.field for e in log.new()] == ["company_id", "target_at", "amount_minor"]
    same = cases.update(store, case.id, title="落地（加急）", tags=["c", "b"])
    assert not same.changes
    assert log.new() == []


def test_update_refusals(store: Store, refused: Refused) -> None:
    case = cases.open_case(store, "x", target_at=datetime(2025, 6, 10)).value
    refused(
        ValidationError,
        "The target time cannot be before the case was opened.",
        cases.update,
        store,
        case.id,
        target_at=datetime(2025, 6, 1),
    )
    refused(
        ValidationError,
        "The target time cannot be before the case was opened.",
        cases.update,
        store,
        case.id,
        opened_at=datetime(2025, 6, 11),
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        cases.update,
        store,
        999,
        title="x",
    )
    refused(ValidationError, "Tag is required.", cases.update, store, case.id, tags=["ok", " "])


def _case_with_open_action(store: Store) -> tuple[int, int]:
    case = cases.open_case(store, "x").value
    department = organisations.create(store, "区税务局", "department").value
    action = actions.add(store, case.id, department.id, "税务登记").value
    return case.id, action.id


def test_close_and_reopen(store: Store, log: EventLog, clock: FixedClock) -> None:
    case = cases.open_case(store, "x").value
    log.new()
    out = cases.set_status(store, case.id, "closed", at=datetime(2025, 6, 9, 11, 0))
    assert (out.value.status, out.value.closed_at, out.value.close_reason) == (
        CaseStatus.CLOSED,
        datetime(2025, 6, 9, 11, 0),
        "",
    )
    assert out.changes.ids_of(ChangeKind.CASE) == {case.id}
    assert log.new() == [("case", case.id, "status", "open", "closed", case.id)]
    clock.advance(hours=1)
    out = cases.set_status(store, case.id, CaseStatus.OPEN, reason="企业补充材料")
    assert (out.value.status, out.value.closed_at, out.value.close_reason) == (
        CaseStatus.OPEN,
        None,
        "",
    )
    assert log.new() == [
        ("case", case.id, "status", "closed", "open", case.id),
        ("case", case.id, "reason", None, "企业补充材料", case.id),
    ]


def test_hold_cancel_and_force_close(store: Store, log: EventLog) -> None:
    case_id, action_id = _case_with_open_action(store)
    log.new()
    held = cases.set_status(store, case_id, "on_hold").value
    assert held.status == CaseStatus.ON_HOLD
    assert held.closed_at is None
    forced = cases.set_status(store, case_id, "closed", force=True, reason="企业放弃").value
    assert (forced.status, forced.close_reason, forced.closed_at) == (
        CaseStatus.CLOSED,
        "企业放弃",
        OPENED,
    )
    cases.set_status(store, case_id, "open")
    cancelled = cases.set_status(store, case_id, "cancelled", reason="项目转到邻区").value
    assert (cancelled.status, cancelled.close_reason) == (CaseStatus.CANCELLED, "项目转到邻区")
    assert [(e.entity, e.field, e.before, e.after) for e in log.new()] == [
        ("case", "status", "open", "on_hold"),
        ("action", "status", "todo", "cancelled"),  # the closed case owes nothing more
        ("case", "status", "on_hold", "closed"),
        ("case", "reason", None, "企业放弃"),
        ("case", "status", "closed", "open"),
        ("case", "status", "open", "cancelled"),
        ("case", "reason", None, "项目转到邻区"),
    ]
    assert action_queries.for_case(store, case_id)[0].id == action_id


def test_status_refusals(store: Store, refused: Refused) -> None:
    case_id, action_id = _case_with_open_action(store)
    refused(TransitionError, "The case is already open.", cases.set_status, store, case_id, "open")
    refused(
        TransitionError,
        "Say why the case is cancelled.",
        cases.set_status,
        store,
        case_id,
        "cancelled",
        reason="  ",
    )
    refused(
        TransitionError,
        "The case still has open steps (1): finish or cancel them, or close anyway and give a "
        "reason.",
        cases.set_status,
        store,
        case_id,
        "closed",
    )
    refused(
        TransitionError,
        "Closing a case with open steps needs a reason.",
        cases.set_status,
        store,
        case_id,
        "closed",
        force=True,
    )
    refused(
        ValidationError,
        "“archived” is not a case status.",
        cases.set_status,
        store,
        case_id,
        "archived",
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        cases.set_status,
        store,
        999,
        "closed",
    )
    actions.set_status(store, action_id, "done")
    refused(
        ValidationError,
        "A case cannot close before it was opened.",
        cases.set_status,
        store,
        case_id,
        "closed",
        at=datetime(2025, 6, 8),
    )
    refused(
        ValidationError,
        "A case cannot close before it was opened.",
        cases.set_status,
        store,
        case_id,
        "cancelled",
        reason="x",
        at=datetime(2025, 6, 8),
    )
    cases.set_status(store, case_id, "closed")
    refused(
        TransitionError,
        "A case cannot go from closed to on hold.",
        cases.set_status,
        store,
        case_id,
        "on_hold",
    )
    refused(
        TransitionError,
        "The case is already closed.",
        cases.set_status,
        store,
        case_id,
        "closed",
    )


def test_closing_with_only_finished_actions_needs_no_force(store: Store) -> None:
    case_id, action_id = _case_with_open_action(store)
    actions.set_status(store, action_id, "cancelled")
    assert cases.set_status(store, case_id, "closed").value.status == CaseStatus.CLOSED


def test_lookups(store: Store, clock: FixedClock, refused: Refused) -> None:
    first = cases.open_case(store, "a").value
    clock.advance(hours=1)
    second = cases.open_case(store, "b").value
    cases.set_status(store, first.id, "cancelled", reason="重复")
    assert [c.id for c in case_queries.list_cases(store)] == [second.id, first.id]
    assert [c.id for c in case_queries.list_cases(store, status=CaseStatus.OPEN)] == [second.id]
    assert [c.id for c in case_queries.list_cases(store, limit=1)] == [second.id]
    refused(
        NotFoundError, "There is no case 2025-9999.", case_queries.by_reference, store, "2025-9999"
    )
    refused(NotFoundError, "The case #404 does not exist (any more).", case_queries.get, store, 404)


def test_timeline_and_audit_trail(store: Store, clock: FixedClock) -> None:
    case = cases.open_case(store, "落地", company_name="丙公司").value
    department = organisations.create(store, "区税务局", "department").value
    clock.advance(minutes=10)
    action = actions.add(store, case.id, department.id, "税务登记").value
    clock.advance(minutes=10)
    cases.update(store, case.id, owner="小陈")
    trail = timeline.for_case(store, case.id)
    assert [(e.at, e.entity, e.entity_id, e.field, e.after) for e in trail] == [
        (OPENED, "case", case.id, "opened", "2025-0001 落地"),
        (datetime(2025, 6, 9, 9, 10), "action", action.id, "created", "税务登记"),
        (datetime(2025, 6, 9, 9, 20), "case", case.id, "owner", "小陈"),
        # The open step nobody else chased follows the case to its new owner.
        (datetime(2025, 6, 9, 9, 20), "action", action.id, "owner", "小陈"),
    ]
    assert all(e.case_id == case.id for e in trail)
    assert [e.id for e in trail] == sorted(e.id for e in trail)
    assert len(timeline.for_case(store, case.id, limit=2)) == 2
    assert [e.field for e in timeline.for_record(store, "case", case.id)] == ["opened", "owner"]
    assert [e.field for e in timeline.for_record(store, "organisation", department.id)] == [
        "created"
    ]
    # The trail outlives what it describes.
    actions.delete(store, action.id)
    assert [e.field for e in timeline.for_record(store, "action", action.id)] == [
        "created",
        "owner",
        "deleted",
    ]


def test_force_close_cancels_the_open_steps_with_events(store: Store) -> None:
    case = cases.open_case(store, "强制办结", template_key="company_landing").value
    steps = action_queries.for_case(store, case.id)
    actions.set_status(store, steps[0].id, "waiting_company", reason="等企业盖章")
    closed = cases.set_status(store, case.id, "closed", force=True, reason="企业放弃落地")
    assert closed.value.status == CaseStatus.CLOSED
    after = action_queries.for_case(store, case.id)
    assert {a.status for a in after} == {ActionStatus.CANCELLED}
    assert after[0].pauses[0][1] is not None  # the pause is closed with the case
    assert closed.changes.ids_of("action") == {a.id for a in steps}
    with store.read() as session:
        cancelled_events = session.scalars(
            select(Event).where(
                Event.entity == "action", Event.field == "status", Event.after == "cancelled"
            )
        ).all()
    assert len(cancelled_events) == len(steps)


def test_undo_status_reopens_the_case_with_the_steps_its_closing_cancelled(
    store: Store, log: EventLog
) -> None:
    case_id, action_id = _case_with_open_action(store)
    step = actions.set_status(store, action_id, "in_progress").value
    before = case_queries.get(store, case_id)
    closed = cases.set_status(store, case_id, "closed", force=True, reason="企业放弃").value
    cancelled = action_queries.get(store, action_id)
    assert cancelled.status == ActionStatus.CANCELLED
    log.new()
    back = cases.undo_status(
        store,
        case_id,
        before,
        steps=[(step, cancelled.row_version)],
        expected_version=closed.row_version,
    )
    assert back.value == before
    assert action_queries.get(store, action_id) == step
    assert back.changes.ids_of(ChangeKind.ACTION) == {action_id}
    fields = [(e[0], e[2]) for e in log.new()]
    assert fields[0] == ("case", "status")
    assert ("action", "undone") in fields
    assert fields[-1] == ("case", "undone")


def test_undo_status_refuses_a_case_changed_since(store: Store) -> None:
    case_id, _action_id = _case_with_open_action(store)
    before = case_queries.get(store, case_id)
    held = cases.set_status(store, case_id, "on_hold").value
    cases.update(store, case_id, notes="企业来电")
    with pytest.raises(EditConflictError):
        cases.undo_status(store, case_id, before, expected_version=held.row_version)
    assert case_queries.get(store, case_id).status == CaseStatus.ON_HOLD
