"""Communications: logging calls and messages, filing them, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import NotFoundError, TransitionError, ValidationError
from coordinator.kinds import Channel, Direction
from coordinator.queries import communications as communication_queries
from coordinator.services import cases, communications, contacts
from coordinator.store.changes import ChangeKind
from coordinator.store.records import CommunicationRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

T0 = datetime(2025, 6, 9, 9, 0)


def t(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 9, hh, mm)


@pytest.fixture
def case_id(store: Store) -> int:
    return cases.open_case(store, "甲公司落地").value.id


@pytest.fixture
def wang(store: Store) -> int:
    return contacts.create(store, "王成峰", phones=["13800138000"]).value.id


def test_log_a_call_to_a_case(store: Store, case_id: int, wang: int, log: EventLog) -> None:
    out = communications.log(
        store,
        at=t(9, 5),
        channel="phone",
        direction="in",
        contact_id=wang,
        raw_number="+86 138-0013-8000",
        case_id=case_id,
        duration_seconds=95,
        notes="营业执照下午出\n让企业带公章",
        follow_up_due=t(16),
    )
    call = out.value
    assert call == CommunicationRecord(
        id=call.id,
        at=t(9, 5),
        duration_seconds=95,
        direction=Direction.INBOUND,
        channel=Channel.PHONE,
        contact_id=wang,
        raw_number="+86 138-0013-8000",
        number_e164="+8613800138000",
        case_id=case_id,
        notes="营业执照下午出\n让企业带公章",
        follow_up_due=t(16),
        follow_up_done_at=None,
    )
    assert out.changes.kinds == {ChangeKind.COMMUNICATION, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    assert log.new() == [("communication", call.id, "logged", None, "phone 2025-0001", case_id)]
    assert communication_queries.get(store, call.id) == call


def test_log_an_unfiled_message_now(store: Store, log: EventLog) -> None:
    out = communications.log(store, channel=Channel.WECHAT, direction=Direction.OUTBOUND)
    msg = out.value
    assert (msg.at, msg.case_id, msg.contact_id, msg.raw_number, msg.number_e164) == (
        T0,
        None,
        None,
        "",
        "",
    )
    assert (msg.channel, msg.direction, msg.duration_seconds) == (
        Channel.WECHAT,
        Direction.OUTBOUND,
        0,
    )
    assert log.new() == [("communication", msg.id, "logged", None, "wechat -", None)]


def test_log_refusals(store: Store, case_id: int, refused: Refused) -> None:
    refused(
        ValidationError,
        "“1234” is not a valid phone number (check the number of digits).",
        communications.log,
        store,
        raw_number="1234",
    )
    refused(
        ValidationError,
        "“fax” is not a known channel.",
        communications.log,
        store,
        channel="fax",
    )
    refused(
        ValidationError,
        "The direction must be incoming or outgoing.",
        communications.log,
        store,
        direction="sideways",
    )
    refused(
        ValidationError,
        "Duration must be between 0 seconds and 24 hours.",
        communications.log,
        store,
        duration_seconds=-1,
    )
    refused(
        ValidationError,
        "Duration must be between 0 seconds and 24 hours.",
        communications.log,
        store,
        duration_seconds=24 * 3600 + 1,
    )
    refused(
        ValidationError,
        "Duration must be a number of seconds.",
        communications.log,
        store,
        duration_seconds="long",
    )
    refused(
        NotFoundError,
        "The contact #999 does not exist (any more).",
        communications.log,
        store,
        contact_id=999,
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        communications.log,
        store,
        case_id=999,
    )
    refused(
        ValidationError,
        "Follow-up time must be between 2000 and 2100.",
        communications.log,
        store,
        follow_up_due=datetime(1899, 12, 31),
    )


def test_update(store: Store, case_id: int, wang: int, log: EventLog) -> None:
    call = communications.log(store, case_id=case_id).value
    log.new()
    out = communications.update(
        store,
        call.id,
        at=t(8, 55),
        channel="dingtalk",
        direction="out",
        contact_id=wang,
        duration_seconds=30,
        notes="补充",
        follow_up_due=t(15),
    )
    updated = out.value
    assert (updated.at, updated.channel, updated.direction, updated.contact_id) == (
        t(8, 55),
        Channel.DINGTALK,
        Direction.OUTBOUND,
        wang,
    )
    assert (updated.duration_seconds, updated.notes, updated.follow_up_due) == (30, "补充", t(15))
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    i = call.id
    assert log.new() == [
        ("communication", i, "at", "2025-06-09 09:00:00", "2025-06-09 08:55:00", case_id),
        ("communication", i, "channel", "phone", "dingtalk", case_id),
        ("communication", i, "direction", "in", "out", case_id),
        ("communication", i, "contact_id", None, str(wang), case_id),
        ("communication", i, "duration_seconds", "0", "30", case_id),
        ("communication", i, "notes", "", "补充", case_id),
        ("communication", i, "follow_up_due", None, "2025-06-09 15:00:00", case_id),
    ]
    cleared = communications.update(store, call.id, follow_up_due=None, contact_id=None).value
    assert (cleared.follow_up_due, cleared.contact_id, cleared.notes) == (None, None, "补充")


def test_update_refusals(store: Store, refused: Refused) -> None:
    call = communications.log(store).value
    refused(
        NotFoundError,
        "The communication #999 does not exist (any more).",
        communications.update,
        store,
        999,
        notes="x",
    )
    refused(
        ValidationError,
        "“pigeon” is not a known channel.",
        communications.update,
        store,
        call.id,
        channel="pigeon",
    )


def test_file_to_case(store: Store, case_id: int, log: EventLog) -> None:
    other = cases.open_case(store, "乙公司增资").value.id
    a = communications.log(store).value.id
    b = communications.log(store, case_id=other).value.id
    c = communications.log(store, case_id=case_id).value.id
    log.new()
    out = communications.file_to_case(store, [c, b, a, a], case_id)
    assert out.value == [a, b]
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {a, b}
    assert out.changes.ids_of(ChangeKind.CASE) == {case_id, other}
    assert log.new() == [
        ("communication", a, "case_id", None, str(case_id), case_id),
        ("communication", b, "case_id", str(other), str(case_id), case_id),
    ]
    assert sorted(x.id for x in communication_queries.for_case(store, case_id)) == [a, b, c]
    unfiled = communications.file_to_case(store, [b], None)
    assert unfiled.value == [b]
    assert log.new() == [("communication", b, "case_id", str(case_id), None, case_id)]
    assert communication_queries.get(store, b).case_id is None
    nothing = communications.file_to_case(store, [], case_id)
    assert nothing.value == []
    assert not nothing.changes.touches(ChangeKind.COMMUNICATION)


def test_file_to_case_refusals(store: Store, case_id: int, refused: Refused) -> None:
    a = communications.log(store).value.id
    refused(
        NotFoundError,
        "The communication #999 does not exist (any more).",
        communications.file_to_case,
        store,
        [a, 999],
        case_id,
    )
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        communications.file_to_case,
        store,
        [a],
        999,
    )


def test_for_case_newest_first(store: Store, case_id: int) -> None:
    ids = [communications.log(store, at=t(9 + n), case_id=case_id).value.id for n in range(3)]
    communications.log(store, at=t(13))  # unfiled
    assert [c.id for c in communication_queries.for_case(store, case_id)] == ids[::-1]
    assert [c.id for c in communication_queries.for_case(store, case_id, limit=1)] == [ids[-1]]


def test_follow_ups(store: Store, clock: FixedClock, log: EventLog, refused: Refused) -> None:
    call = communications.log(store, follow_up_due=t(16)).value
    log.new()
    clock.now = t(15, 40)
    out = communications.complete_follow_up(store, call.id)
    assert out.value.follow_up_done_at == t(15, 40)
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    assert log.new() == [
        ("communication", call.id, "follow_up_done_at", None, "2025-06-09 15:40:00", None)
    ]
    refused(
        TransitionError,
        "This follow-up is already done.",
        communications.complete_follow_up,
        store,
        call.id,
    )
    reopened = communications.reopen_follow_up(store, call.id).value
    assert reopened.follow_up_done_at is None
    assert log.new() == [
        ("communication", call.id, "follow_up_done_at", "2025-06-09 15:40:00", None, None)
    ]
    refused(
        TransitionError,
        "This follow-up is not done.",
        communications.reopen_follow_up,
        store,
        call.id,
    )
    done = communications.complete_follow_up(store, call.id, at=t(17)).value
    assert done.follow_up_done_at == t(17)
    plain = communications.log(store).value
    refused(
        TransitionError,
        "This communication has no follow-up to complete.",
        communications.complete_follow_up,
        store,
        plain.id,
    )


def test_delete(store: Store, case_id: int, log: EventLog, refused: Refused) -> None:
    call = communications.log(store, case_id=case_id, notes="打错了").value
    log.new()
    out = communications.delete(store, call.id)
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    assert log.new() == [("communication", call.id, "deleted", "打错了", None, case_id)]
    refused(
        NotFoundError,
        f"The communication #{call.id} does not exist (any more).",
        communication_queries.get,
        store,
        call.id,
    )


def test_a_deleted_communication_is_restored_under_its_own_id(
    store: Store, case_id: int, wang: int, log: EventLog
) -> None:
    call = communications.log(
        store, case_id=case_id, contact_id=wang, notes="约周四见面", follow_up_due=t(15)
    ).value
    gone = communications.delete(store, call.id).value
    assert gone.record == call
    log.new()
    back = communications.restore(store, gone)
    assert back.value == call
    assert back.changes.ids_of(ChangeKind.COMMUNICATION) == {call.id}
    assert back.changes.ids_of(ChangeKind.CASE) == {case_id}
    assert log.new() == [("communication", call.id, "restored", None, "约周四见面", case_id)]
    # Its contact deleted since: it comes back without them, as the database would have it.
    gone = communications.delete(store, call.id).value
    contacts.delete(store, wang)
    again = communications.restore(store, gone).value
    assert (again.contact_id, again.case_id, again.notes) == (None, case_id, "约周四见面")
