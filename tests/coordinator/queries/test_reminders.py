"""Reminders: what falls due while the app runs, announced once, snoozed, done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import TransitionError, ValidationError
from coordinator.kinds import ActionStatus, ReminderKind
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import reminders
from coordinator.queries.reminders import ReminderWatch
from coordinator.services import actions, cases, communications, contacts
from coordinator.services import organisations as orgs
from coordinator.services import reminders as reminder_service
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

START = datetime(2025, 6, 9, 9, 0)


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, 9, hh, mm)


@dataclass
class Items:
    call: int  # follow-up due 10:00, with 张伟明
    sms: int  # follow-up due 11:00, an unknown number
    done_call: int  # follow-up due 9:30, already done
    licence: int  # action due 10:30
    paused: int  # action due 10:15, waiting on the company
    finished: int  # action due 9:45, done
    case_id: int


@pytest.fixture
def items(store: Store) -> Items:
    department = orgs.create(store, "宁波市市场监督管理局", "department").value.id
    case_id = cases.open_case(store, "AOI 项目落地").value.id
    zhang = contacts.create(store, "张伟明", phones=["13800138000"]).value.id
    call = communications.log(
        store,
        contact_id=zhang,
        case_id=case_id,
        notes="答应回电告知执照进度\n带上公章",
        follow_up_due=at(10),
    ).value.id
    sms = communications.log(
        store, raw_number="188 0018 8000", channel="sms", follow_up_due=at(11)
    ).value.id
    done_call = communications.log(store, contact_id=zhang, follow_up_due=at(9, 30)).value.id
    communications.complete_follow_up(store, done_call)
    licence = actions.add(store, case_id, department, "营业执照", due_at=at(10, 30)).value.id
    paused = actions.add(store, case_id, department, "刻制公章", due_at=at(10, 15)).value.id
    actions.set_status(store, paused, ActionStatus.WAITING_COMPANY)
    actions.update(store, paused, due_at=at(10, 15))
    finished = actions.add(store, case_id, department, "名称预核准", due_at=at(9, 45)).value.id
    actions.set_status(store, finished, ActionStatus.DONE)
    return Items(call, sms, done_call, licence, paused, finished, case_id)


def test_due_between(store: Store, items: Items) -> None:
    due = reminders.due_between(store, START, at(12))
    assert [(r.kind, r.item_id, r.due) for r in due] == [
        (ReminderKind.FOLLOW_UP, items.call, at(10)),
        (ReminderKind.ACTION, items.licence, at(10, 30)),
        (ReminderKind.FOLLOW_UP, items.sms, at(11)),
    ]
    call, licence, sms = due
    assert (call.title, call.who) == ("答应回电告知执照进度", "张伟明")
    assert call.case_reference == case_queries.get(store, items.case_id).reference
    assert (licence.title, licence.who, licence.case_id) == (
        "营业执照",
        "宁波市市场监督管理局",
        items.case_id,
    )
    assert (sms.who, sms.case_id, sms.case_reference) == ("188 0018 8000", None, None)


def test_the_window_is_open_before_and_closed_after(store: Store, items: Items) -> None:
    assert [r.item_id for r in reminders.due_between(store, at(10), at(11))] == [
        items.licence,
        items.sms,
    ]
    assert reminders.due_between(store, at(11), at(11)) == []
    assert reminders.due_between(store, at(12), at(11)) == []
    assert len(reminders.due_between(store, START, at(12), limit=1)) == 1
    assert len(reminders.due_between(store, START, at(12))) == 3


def test_a_watch_announces_each_item_once(store: Store, items: Items) -> None:
    watch = ReminderWatch(START)
    assert watch.poll(store, at(9, 50)) == []
    assert [r.item_id for r in watch.poll(store, at(10, 0))] == [items.call]
    assert watch.poll(store, at(10, 5)) == []
    assert [r.item_id for r in watch.poll(store, at(11, 0))] == [items.licence, items.sms]
    assert watch.poll(store, at(12, 0)) == []


def test_a_snoozed_follow_up_is_announced_again_at_its_new_time(
    store: Store, items: Items, clock: FixedClock, log: EventLog
) -> None:
    watch = ReminderWatch(START)
    clock.set(2025, 6, 9, 10, 1)
    (first,) = watch.poll(store, clock.now)
    out = reminder_service.snooze(store, first.item_id, at(10, 30))
    assert out.value.follow_up_due == at(10, 30)
    assert out.changes.ids_of(ChangeKind.COMMUNICATION) == {items.call}
    assert log.new() == [
        (
            "communication",
            items.call,
            "follow_up_due",
            "2025-06-09 10:00:00",
            "2025-06-09 10:30:00",
            items.case_id,
        )
    ]
    assert watch.poll(store, at(10, 20)) == []
    again = watch.poll(store, at(10, 31))
    assert [(r.item_id, r.due) for r in again] == [
        (items.call, at(10, 30)),
        (items.licence, at(10, 30)),
    ]


def test_a_snoozed_notification_comes_back_if_still_due(store: Store, items: Items) -> None:
    watch = ReminderWatch(START)
    announced = watch.poll(store, at(10, 40))
    licence = next(r for r in announced if r.kind is ReminderKind.ACTION)
    watch.snooze(licence, at(11, 0))
    assert [r.item_id for r in watch.poll(store, at(10, 50))] == []
    assert [r.item_id for r in watch.poll(store, at(11, 5))] == [items.licence, items.sms]
    assert watch.poll(store, at(11, 10)) == []


def test_done_from_the_list(store: Store, items: Items, clock: FixedClock) -> None:
    clock.set(2025, 6, 9, 11, 30)
    call, licence, _sms = reminders.due_between(store, START, clock.now)
    done_call = reminder_service.done(store, call.kind, call.item_id)
    assert done_call.value.id == items.call
    done_action = reminder_service.done(store, licence.kind, licence.item_id)
    assert done_action.value.id == items.licence
    assert action_queries.get(store, items.licence).status is ActionStatus.DONE
    assert [r.item_id for r in reminders.due_between(store, START, clock.now)] == [items.sms]
    assert ReminderWatch(START).poll(store, clock.now)[0].item_id == items.sms


def test_snooze_refusals(store: Store, items: Items, clock: FixedClock, refused: Refused) -> None:
    clock.set(2025, 6, 9, 10, 1)
    refused(
        ValidationError,
        "A follow-up can only be snoozed to a later time than now (2025-06-09 10:01).",
        reminder_service.snooze,
        store,
        items.call,
        at(10, 1),
    )
    refused(
        TransitionError,
        "This follow-up is already done.",
        reminder_service.snooze,
        store,
        items.done_call,
        at(12),
    )
    plain = communications.log(store).value.id
    refused(
        TransitionError,
        "This communication has no follow-up to snooze.",
        reminder_service.snooze,
        store,
        plain,
        at(12),
    )
    refused(
        ValidationError,
        "Follow-up time must be between 2000 and 2100.",
        reminder_service.snooze,
        store,
        items.call,
        datetime(2200, 1, 1),
    )
