"""Several officers on one database: owners of cases and steps, "my cases" and "my steps",
every change signed, and an edit made on a version a colleague has changed since refused
with who changed what and when, nothing written.

The colleague is a second store on the same database (another laptop on the office
server; on SQLite, another program on the same file).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from coordinator.errors import ConflictError, EditConflictError
from coordinator.kinds import ActionStatus, CaseStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import timeline
from coordinator.queries.actions import ActionFilter
from coordinator.queries.cases import CaseFilter
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, contacts, organisations
from coordinator.store.models import Event
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock, Refused

ME = "李晓雯"
COLLEAGUE = "王成峰"
TAIL = " Your change was not saved. Reload to see it."


@pytest.fixture
def me(store: Store) -> Store:
    store.officer = ME
    return store


@pytest.fixture
def colleague(me: Store, clock: FixedClock) -> Iterator[Store]:
    other = open_store(me.data_dir, clock=clock, officer=COLLEAGUE)
    yield other
    other.close()


def signed(store: Store, entity: str, entity_id: int) -> list[tuple[str, str, int | None]]:
    """The record's events as (field, officer, row version reached)."""
    with store.read() as session:
        return [
            (e.field, e.officer, e.row_version)
            for e in session.scalars(
                select(Event)
                .where(Event.entity == entity, Event.entity_id == entity_id)
                .order_by(Event.id)
            )
        ]


# -- owners --------------------------------------------------------------------------------


def test_a_new_case_and_its_steps_belong_to_the_officer_opening_it(me: Store) -> None:
    case = cases.open_case(me, "落地", template_key="company_landing").value
    assert case.owner == ME
    steps = action_queries.for_case(me, case.id)
    assert len(steps) == 6
    assert {s.owner for s in steps} == {ME}
    # Given explicitly (a colleague's case typed in), or nobody's.
    assert cases.open_case(me, "代办", owner=COLLEAGUE).value.owner == COLLEAGUE
    assert cases.open_case(me, "无人", owner="").value.owner == ""


def test_a_step_belongs_to_its_case_owner_unless_given(me: Store) -> None:
    case = cases.open_case(me, "落地", owner=COLLEAGUE).value
    tax = organisations.create(me, "区税务局", "department").value.id
    assert actions.add(me, case.id, tax, "税务登记").value.owner == COLLEAGUE
    own = actions.add(me, case.id, tax, "发票申领", owner=f"  {ME} ").value
    assert own.owner == ME
    moved = actions.update(me, own.id, owner="张敏", expected_version=own.row_version).value
    assert moved.owner == "张敏"
    assert [e.field for e in timeline.for_record(me, "action", own.id)][-1] == "owner"


def test_a_new_case_owner_takes_the_open_steps_that_followed_the_case(
    me: Store, clock: FixedClock
) -> None:
    case = cases.open_case(me, "交接", template_key="company_landing").value
    park, licence, seal, *_rest = action_queries.for_case(me, case.id)
    actions.set_status(me, park.id, ActionStatus.DONE)
    actions.update(me, seal.id, owner="张敏")
    clock.advance(minutes=5)
    cases.update(me, case.id, owner=COLLEAGUE, expected_version=case.row_version)
    owners = {s.id: s.owner for s in action_queries.for_case(me, case.id)}
    assert owners[park.id] == ME  # done: who chased it stays
    assert owners[seal.id] == "张敏"  # handed to someone else: stays theirs
    assert owners[licence.id] == COLLEAGUE
    assert sum(1 for owner in owners.values() if owner == COLLEAGUE) == 4


def test_my_cases_and_my_steps_are_sql_filters(me: Store, colleague: Store) -> None:
    mine = cases.open_case(me, "我的", template_key="company_landing").value
    theirs = cases.open_case(colleague, "他的", template_key="company_landing").value
    assert case_queries.ids(me, CaseFilter(owner=ME)) == [mine.id]
    assert case_queries.count(me, CaseFilter(owner=COLLEAGUE)) == 1
    assert set(case_queries.ids(me, CaseFilter())) == {mine.id, theirs.id}
    my_steps = set(action_queries.ids(me, ActionFilter(owner=ME)))
    assert my_steps == {s.id for s in action_queries.for_case(me, mine.id)}
    assert action_queries.count(me, ActionFilter(owner=COLLEAGUE)) == 6
    one = action_queries.for_case(me, theirs.id)[0]
    actions.update(colleague, one.id, owner=ME)
    assert one.id in action_queries.ids(me, ActionFilter(owner=ME))
    assert action_queries.matching(me, ActionFilter(owner=ME), [one.id]) == {one.id}
    # The departments' load beside the list counts the same steps.
    loads = action_queries.department_loads(me, me.calendar(), me.clock(), owner=ME)
    assert sum(d.open_steps for d in loads) == 7
    rows = case_queries.rows(me, [mine.id, theirs.id])
    assert (rows[mine.id].owner, rows[theirs.id].owner) == (ME, COLLEAGUE)
    assert action_queries.rows(me, [one.id])[one.id].owner == ME


# -- signed changes ------------------------------------------------------------------------


def test_every_change_is_signed_with_the_version_it_reached(
    me: Store, colleague: Store, clock: FixedClock
) -> None:
    case = cases.open_case(me, "落地").value
    assert case.row_version == 1
    tax = organisations.create(me, "区税务局", "department").value.id
    step = actions.add(me, case.id, tax, "税务登记").value
    clock.advance(minutes=3)
    step = actions.set_status(
        colleague, step.id, ActionStatus.IN_PROGRESS, expected_version=step.row_version
    ).value
    assert step.row_version == 2
    step = actions.update(me, step.id, notes="带公章", expected_version=2).value
    assert signed(me, "action", step.id) == [
        ("created", ME, 1),
        ("requested_at", COLLEAGUE, 2),
        ("status", COLLEAGUE, 2),
        ("notes", ME, 3),
    ]
    lines = [timeline.describe(e, {}) for e in timeline.for_case(me, case.id)]
    assert [line.officer for line in lines] == [ME, ME, COLLEAGUE, COLLEAGUE, ME]
    # A change of links only (tags, what a step waits on) moves the version on too.
    tagged = cases.update(me, case.id, tags=["外资"], expected_version=1).value
    assert tagged.row_version == 2
    other = actions.add(me, case.id, tax, "发票申领").value
    waiting = actions.set_dependencies(me, other.id, [step.id], expected_version=1).value
    assert waiting.row_version == 2


# -- refusals ------------------------------------------------------------------------------


def test_a_step_changed_by_a_colleague_refuses_the_edit_made_before(
    me: Store, colleague: Store, clock: FixedClock, refused: Refused
) -> None:
    case = cases.open_case(me, "落地").value
    tax = organisations.create(me, "区税务局", "department").value.id
    shown = actions.add(me, case.id, tax, "税务登记").value
    clock.set(2025, 6, 9, 10, 32)
    actions.set_status(colleague, shown.id, ActionStatus.IN_PROGRESS)
    actions.set_status(colleague, shown.id, ActionStatus.DONE)
    message = (
        f"{COLLEAGUE} changed this step at 10:32 (requested: 2025-06-09 10:32; "
        "status: To do → In progress; status: In progress → Done)." + TAIL
    )
    err = refused(
        EditConflictError,
        message,
        actions.set_status,
        me,
        shown.id,
        ActionStatus.BLOCKED,
        reason="等材料",
        expected_version=shown.row_version,
    )
    assert isinstance(err, ConflictError)
    assert err.officers == (COLLEAGUE,)
    assert err.message("zh_CN").startswith(COLLEAGUE)
    refused(
        EditConflictError,
        message,
        actions.update,
        me,
        shown.id,
        notes="我的备注",
        expected_version=shown.row_version,
    )
    refused(
        EditConflictError,
        message,
        actions.set_dependencies,
        me,
        shown.id,
        [],
        expected_version=shown.row_version,
    )
    # Loaded again, the edit goes through.
    fresh = action_queries.get(me, shown.id)
    assert fresh.status == ActionStatus.DONE
    saved = actions.update(me, shown.id, notes="我的备注", expected_version=fresh.row_version)
    assert saved.value.notes == "我的备注"


def test_a_case_changed_by_a_colleague_refuses_the_edit_made_before(
    me: Store, colleague: Store, clock: FixedClock, refused: Refused
) -> None:
    shown = cases.open_case(me, "落地", amount="5000").value
    clock.set(2025, 6, 10, 8, 5)
    cases.update(colleague, shown.id, title="甬达落地", amount="12000.5")
    message = (
        f"{COLLEAGUE} changed this case at 08:05 (Title: 落地 → 甬达落地; "
        "Amount: CNY 5,000.00 → CNY 12,000.50)." + TAIL
    )
    refused(
        EditConflictError, message, cases.update, me, shown.id, title="别的", expected_version=1
    )
    refused(
        EditConflictError,
        message,
        cases.set_status,
        me,
        shown.id,
        CaseStatus.ON_HOLD,
        reason="等企业",
        expected_version=1,
    )
    # The next day, the time says which day it was.
    clock.set(2025, 6, 11, 9, 0)
    err = refused(
        EditConflictError,
        message.replace("at 08:05", "at 2025-06-10 08:05"),
        cases.update,
        me,
        shown.id,
        notes="我的",
        expected_version=1,
    )
    assert "2025-06-10 08:05" in err.message("zh_CN")
    assert cases.update(me, shown.id, notes="我的", expected_version=2).value.row_version == 3


def test_contacts_organisations_and_communications_refuse_a_stale_edit(
    me: Store, colleague: Store, clock: FixedClock, refused: Refused
) -> None:
    org = organisations.create(me, "甬达", "company").value
    person = contacts.create(me, "王成", organisation_id=org.id).value
    case = cases.open_case(me, "落地").value
    call = communications.log(me, raw_number="13800138000", notes="来电").value
    clock.set(2025, 6, 9, 11, 0)
    organisations.update(colleague, org.id, name="甬达科技")
    contacts.update(colleague, person.id, role="财务")
    communications.file_to_case(colleague, [call.id], case.id)
    refused(
        EditConflictError,
        f"{COLLEAGUE} changed this organisation at 11:00 (Name: 甬达 → 甬达科技)." + TAIL,
        organisations.update,
        me,
        org.id,
        notes="老客户",
        expected_version=org.row_version,
    )
    refused(
        EditConflictError,
        f"{COLLEAGUE} changed this contact at 11:00 (Role: — → 财务)." + TAIL,
        contacts.update,
        me,
        person.id,
        role="出纳",
        expected_version=person.row_version,
    )
    filed = (
        f"{COLLEAGUE} changed this communication at 11:00 "
        f"(filed to case: {case.reference} {case.title})." + TAIL
    )
    refused(
        EditConflictError,
        filed,
        communications.update,
        me,
        call.id,
        notes="回电",
        expected_version=call.row_version,
    )
    # Filing it again, or elsewhere, from a list that showed it unfiled: refused whole.
    other = communications.log(me, notes="另一条").value
    refused(
        EditConflictError,
        filed,
        communications.file_to_case,
        me,
        [other.id, call.id],
        None,
        expected_versions={other.id: other.row_version, call.id: call.row_version},
    )
    assert communications.file_to_case(me, [other.id], case.id).value == [other.id]
    assert communications.update(me, other.id, notes="x").value.row_version == 3


def test_a_follow_up_done_by_a_colleague_is_not_done_twice(
    me: Store, colleague: Store, clock: FixedClock, refused: Refused
) -> None:
    call = communications.log(me, notes="回电", follow_up_due=datetime(2025, 6, 9, 15)).value
    clock.set(2025, 6, 9, 9, 30)
    communications.complete_follow_up(colleague, call.id)
    message = (
        f"{COLLEAGUE} changed this communication at 09:30 "
        "(follow-up done: 2025-06-09 09:30)." + TAIL
    )
    refused(
        EditConflictError,
        message,
        communications.snooze_follow_up,
        me,
        call.id,
        datetime(2025, 6, 9, 16),
        expected_version=call.row_version,
    )
    refused(
        EditConflictError,
        message,
        communications.complete_follow_up,
        me,
        call.id,
        expected_version=call.row_version,
    )


def test_a_change_without_a_name_or_without_events_still_says_what_it_can(
    me: Store, clock: FixedClock, refused: Refused
) -> None:
    case = cases.open_case(me, "落地").value
    nameless = open_store(me.data_dir, clock=clock, officer="")
    try:
        clock.set(2025, 6, 9, 9, 45)
        cases.update(nameless, case.id, fast_track=True)
    finally:
        nameless.close()
    refused(
        EditConflictError,
        "Someone else changed this case at 09:45 (fast-track: no → yes)." + TAIL,
        cases.update,
        me,
        case.id,
        title="新",
        expected_version=1,
    )
    # A version no event explains (a record imported or copied in): the plain sentence.
    refused(
        EditConflictError,
        "Someone else changed this case since you opened it." + TAIL,
        cases.update,
        me,
        case.id,
        title="新",
        expected_version=7,
    )


def test_many_changes_are_cut_short(
    me: Store, colleague: Store, clock: FixedClock, in_chinese: object
) -> None:
    case = cases.open_case(me, "落地").value
    clock.set(2025, 6, 9, 14, 0)
    cases.update(
        colleague,
        case.id,
        title="新标题",
        fast_track=True,
        currency="USD",
        notes="很长的备注" * 20,
        tags=["外资", "重点"],
    )
    with pytest.raises(EditConflictError) as info:
        cases.update(me, case.id, title="x", expected_version=case.row_version)
    text = info.value.message("en")
    assert text.startswith(f"{COLLEAGUE} changed this case at 14:00 (Title: 落地 → 新标题; ")
    assert " and 1 more)." in text
    assert ("很长的备注" * 8)[:39] + "…" in text  # a long note: its beginning, cut at 40
    chinese = info.value.message("zh_CN")
    assert chinese.startswith(COLLEAGUE)
    assert "14:00" in chinese


# -- the printed summary and the exports ---------------------------------------------------


def test_the_summary_says_who_and_the_actions_sheet_has_the_owner(
    me: Store, colleague: Store
) -> None:
    from coordinator import reports
    from coordinator.exchange import table_export

    case = cases.open_case(me, "落地", template_key="company_landing").value
    park = action_queries.for_case(me, case.id)[0]
    actions.set_status(colleague, park.id, ActionStatus.DONE)
    html = reports.case_summary(me, case.id, sections=frozenset({"timeline"})).html
    body = html.split("<body>", 1)[-1]
    # The step done by the colleague, the case opened by the officer, each signed.
    assert body.index(COLLEAGUE) > body.index(ME)
    assert ">" + COLLEAGUE + "<" in body
    table = table_export.LISTS["actions"](me, case_id=case.id)
    assert "Owner" in table.headers
    owner_at = table.headers.index("Owner")
    assert {row[owner_at] for row in table.rows} == {ME}


def test_a_document_moved_by_a_colleague_refuses_the_key_pressed_before(
    me: Store, colleague: Store, clock: FixedClock, refused: Refused
) -> None:
    from coordinator.kinds import DocumentState
    from coordinator.services import documents

    case = cases.open_case(me, "甬达落地").value
    shown = documents.add(me, case.id, "营业执照副本").value
    clock.set(2025, 6, 10, 8, 5)
    documents.transition(colleague, shown.id, DocumentState.RECEIVED)
    message = f"{COLLEAGUE} changed this document at 08:05 (state: Requested → Received)." + TAIL
    refused(
        EditConflictError,
        message,
        documents.transition,
        me,
        shown.id,
        DocumentState.RETURNED,
        reason="缺公章",
        expected_version=shown.row_version,
    )
    refused(
        EditConflictError,
        message,
        documents.update,
        me,
        shown.id,
        notes="原件已核对",
        expected_version=shown.row_version,
    )
    # Read again, the key acts on what the colleague did.
    moved = documents.transition(
        me, shown.id, DocumentState.RETURNED, reason="缺公章", expected_version=2
    ).value
    assert (moved.state, moved.row_version) == (DocumentState.RETURNED, 3)
    assert signed(me, "document", shown.id)[-1][1:] == (ME, 3)
