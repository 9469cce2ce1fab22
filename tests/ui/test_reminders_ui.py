"""Reminders while the app runs: announced once, snoozed, done; the tray icon and its menu."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.kinds import OrganisationKind, ReminderKind
from coordinator.queries import actions as action_queries
from coordinator.queries import communications as communication_queries
from coordinator.queries.reminders import Reminder
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, contacts, organisations
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.reminders import (
    SNOOZE_15_MIN,
    SNOOZE_TOMORROW,
    SNOOZE_WORKING_HOUR,
    ReminderCentre,
    RemindersList,
    RemindersModel,
    TrayIcon,
    tray_icon,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    store: Store
    hub: Hub
    clock: Clock
    follow_up_id: int
    action_id: int


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = Clock(datetime(2026, 11, 24, 9, 0))  # a Tuesday morning
    store = open_store(tmp_path / "data", clock=clock)
    company = organisations.create(store, "宁波澄明光电科技有限公司", OrganisationKind.COMPANY)
    department = organisations.create(store, "区市场监督管理局", OrganisationKind.DEPARTMENT)
    person = contacts.create(
        store, "王成峰", organisation_id=company.value.id, phones=["13800138000"]
    )
    case = cases.open_case(
        store,
        "澄明光电 AOI 项目落地",
        company_id=company.value.id,
        opened_at=datetime(2026, 11, 20, 9, 0),
    )
    call = communications.log(
        store,
        at=datetime(2026, 11, 24, 8, 30),
        contact_id=person.value.id,
        case_id=case.value.id,
        notes="答应回电确认开户材料\n其余见邮件",
        follow_up_due=datetime(2026, 11, 24, 8, 50),
    )
    step = actions.add(
        store,
        case.value.id,
        department.value.id,
        "营业执照核发",
        due_at=datetime(2026, 11, 24, 10, 0),
    )
    yield World(store, Hub(store), clock, call.value.id, step.value.id)
    store.close()


@pytest.fixture
def centre(world: World, qtbot: QtBot) -> ReminderCentre:
    set_language("en")
    return ReminderCentre(world.store, world.hub, world.clock, poll_ms=3_600_000)


@pytest.fixture
def reminders_list(centre: ReminderCentre, qtbot: QtBot) -> RemindersList:
    widget = RemindersList(centre)
    qtbot.addWidget(widget)
    widget.resize(800, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.table.setFocus()
    return widget


def _follow_up_due(world: World) -> datetime | None:
    return communication_queries.get(world.store, world.follow_up_id).follow_up_due


def test_a_due_follow_up_is_announced_once_per_run(world: World, centre: ReminderCentre) -> None:
    announced: list[Reminder] = []
    centre.reminder_due.connect(announced.append)
    centre.poll()
    assert [(r.kind, r.item_id) for r in announced] == [
        (ReminderKind.FOLLOW_UP, world.follow_up_id)
    ]
    assert announced[0].title == "答应回电确认开户材料"
    assert announced[0].who == "王成峰"
    centre.poll()
    world.clock.now += timedelta(minutes=30)
    centre.poll()
    assert len(announced) == 1  # not twice, and the step is not due yet

    world.clock.now = datetime(2026, 11, 24, 10, 1)
    centre.poll()
    assert [(r.kind, r.item_id) for r in announced[1:]] == [(ReminderKind.ACTION, world.action_id)]
    assert announced[1].who == "区市场监督管理局"
    assert centre.balloons == 0  # offscreen: no tray, the signal all the same


def test_the_timer_polls_by_itself(world: World, qtbot: QtBot) -> None:
    centre = ReminderCentre(world.store, world.hub, world.clock, poll_ms=50)
    with qtbot.waitSignal(centre.reminder_due, timeout=3000) as due:
        pass
    assert due.args[0].item_id == world.follow_up_id


def test_snooze_moves_the_follow_up_in_the_database(
    world: World, centre: ReminderCentre, reminders_list: RemindersList, qtbot: QtBot
) -> None:
    announced: list[Reminder] = []
    centre.reminder_due.connect(announced.append)
    centre.poll()
    assert [r.item_id for r in reminders_list.model.items()] == [world.follow_up_id]
    assert reminders_list.selected()[0].item_id == world.follow_up_id

    with qtbot.waitSignal(world.hub.changed):
        reminders_list.snooze_actions[SNOOZE_15_MIN].trigger()
    assert _follow_up_due(world) == datetime(2026, 11, 24, 9, 15)
    assert reminders_list.model.rowCount() == 0
    assert reminders_list.stack.currentWidget() is reminders_list.empty

    world.clock.now = datetime(2026, 11, 24, 9, 16)
    centre.poll()  # its due time moved: announced again
    assert [r.due for r in announced] == [
        datetime(2026, 11, 24, 8, 50),
        datetime(2026, 11, 24, 9, 15),
    ]
    assert reminders_list.model.rowCount() == 1


def test_snooze_choices(world: World, centre: ReminderCentre) -> None:
    friday = datetime(2026, 11, 27, 17, 30)  # half an hour before the office closes
    assert centre.snooze_until(SNOOZE_15_MIN, friday) == datetime(2026, 11, 27, 17, 45)
    one_hour = centre.snooze_until(SNOOZE_WORKING_HOUR, friday)
    assert one_hour.date() == datetime(2026, 11, 30).date()  # Monday: working time only
    assert centre.snooze_until(SNOOZE_TOMORROW, friday) == datetime(2026, 11, 28, 9, 0)


def test_done_from_the_keyboard_completes_the_follow_up(
    world: World, centre: ReminderCentre, reminders_list: RemindersList, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(world.hub.changed):
        qtbot.keyClick(reminders_list.table, Qt.Key.Key_D)
    record = communication_queries.get(world.store, world.follow_up_id)
    assert record.follow_up_done_at == world.clock.now
    assert reminders_list.model.rowCount() == 0


def test_a_step_snoozed_is_quiet_but_keeps_its_due_time(
    world: World, centre: ReminderCentre, reminders_list: RemindersList
) -> None:
    world.clock.now = datetime(2026, 11, 24, 10, 5)
    announced: list[Reminder] = []
    centre.reminder_due.connect(announced.append)
    centre.poll()
    assert len(announced) == 2
    reminders_list.table.selectRow(1)
    assert reminders_list.selected()[0].kind is ReminderKind.ACTION
    reminders_list.snooze_actions[SNOOZE_WORKING_HOUR].trigger()
    assert action_queries.get(world.store, world.action_id).due_at == datetime(2026, 11, 24, 10, 0)
    assert [r.kind for r in reminders_list.model.items()] == [ReminderKind.FOLLOW_UP]

    world.clock.now = datetime(2026, 11, 24, 11, 10)
    centre.poll()
    assert [(r.kind, r.item_id) for r in announced[2:]] == [(ReminderKind.ACTION, world.action_id)]
    assert len(reminders_list.model.items()) == 2


def test_done_on_a_step_marks_it_done(
    world: World, centre: ReminderCentre, reminders_list: RemindersList, qtbot: QtBot
) -> None:
    world.clock.now = datetime(2026, 11, 24, 10, 5)
    reminders_list.refresh()
    reminders_list.table.selectRow(1)
    qtbot.mouseClick(reminders_list.done_button, Qt.MouseButton.LeftButton)
    assert action_queries.get(world.store, world.action_id).status.value == "done"
    assert [r.kind for r in reminders_list.model.items()] == [ReminderKind.FOLLOW_UP]


def test_balloon_when_a_tray_is_there(
    world: World, centre: ReminderCentre, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    tray = TrayIcon()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, body, *_a: shown.append((title, body)))
    centre.set_tray(tray)
    centre.poll()
    assert shown == [("Follow-up due: 王成峰", "2026-0001 · 答应回电确认开户材料")]
    assert centre.balloons == 1

    with (
        qtbot.waitSignal(world.hub.open_requested) as opened,
        qtbot.waitSignal(tray.show_window_requested),
    ):
        tray.messageClicked.emit()
    assert opened.args == [ChangeKind.COMMUNICATION, world.follow_up_id]


def test_tray_menu_asks_for_quick_log_window_and_quit(qtbot: QtBot) -> None:
    set_language("en")
    tray = tray_icon()
    assert [a.text() for a in tray.menu.actions() if not a.isSeparator()] == [
        "Quick log…",
        "Show window",
        "Quit",
    ]
    with qtbot.waitSignal(tray.quick_log_requested):
        tray.quick_log_action.trigger()
    with qtbot.waitSignal(tray.quit_requested):
        tray.quit_action.trigger()
    with qtbot.waitSignal(tray.show_window_requested):
        tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)


def test_model_passes_qtmodeltester(qtmodeltester, world: World, centre: ReminderCentre) -> None:
    world.clock.now = datetime(2026, 11, 24, 10, 5)
    model = RemindersModel(world.clock)
    model.set_items(centre.due())
    assert model.rowCount() == 2
    qtmodeltester.check(model)


def test_s_opens_the_snooze_menu_and_the_keyboard_chooses(
    world: World, reminders_list: RemindersList, qtbot: QtBot, qtlog: pytest.FixtureRequest
) -> None:
    # The offscreen platform cannot raise a popup nor grab the keyboard, and says so;
    # nothing else is silenced.
    with qtlog.disabled():  # type: ignore[attr-defined]
        qtbot.keyClick(reminders_list.table, Qt.Key.Key_S)
        menu = reminders_list.snooze_menu
        qtbot.waitUntil(menu.isVisible)
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        qtbot.keyClick(menu, Qt.Key.Key_Down)  # the second choice: one working hour
        with qtbot.waitSignal(world.hub.changed):
            qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert _follow_up_due(world) == datetime(2026, 11, 24, 10, 0)


def test_enter_opens_the_reminded_item(
    world: World, reminders_list: RemindersList, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(world.hub.open_requested) as opened:
        qtbot.keyClick(reminders_list.table, Qt.Key.Key_Return)
    assert opened.args == [ChangeKind.COMMUNICATION, world.follow_up_id]
