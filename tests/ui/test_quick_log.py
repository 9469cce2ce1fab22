"""The quick-log panel driven like the officer drives it while the phone rings.

Everything goes through keys sent to the widgets (QtTest's keyClicks is ASCII-only, so
Chinese text is put in with ``insert()``, the way an input method commits it), over a
real store, with a clock the tests move. The people, companies and numbers are invented.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from coordinator.i18n import set_language, translate
from coordinator.kinds import Channel, Direction, OrganisationKind
from coordinator.queries.follow_up import follow_up_from_text
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, contacts, organisations, settings
from coordinator.store.models import Communication, Contact, Organisation
from coordinator.store.records import CommunicationRecord
from coordinator.store.storage import Store
from ui.dialogs.chat_paste import MY_NAMES_KEY, ChatPasteDialog
from ui.main_window import MainWindow
from ui.quick_log.draft import DRAFT_KEY, Draft, format_duration, parse_duration
from ui.quick_log.panel import QuickLogPanel

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


class Keys:
    """Sends keys to widgets and counts them, as the acceptance counts them.

    A key or a chord (Ctrl+L) is one keystroke; an ASCII text is one keystroke per
    character; a Chinese text committed by the input method counts as one typing step
    (the issue's "the note" is one step, however long the note).
    """

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.count = 0
        self.slowest = 0.0  # the longest a single keystroke took to be handled

    def press(
        self,
        widget: QWidget,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        start = time.perf_counter()
        self.qtbot.keyClick(widget, key, modifier)
        self.slowest = max(self.slowest, time.perf_counter() - start)
        self.count += 1

    def type(self, widget: QWidget, text: str) -> None:
        for char in text:
            start = time.perf_counter()
            self.qtbot.keyClicks(widget, char)
            self.slowest = max(self.slowest, time.perf_counter() - start)
            self.count += 1

    def commit(self, widget: QLineEdit | QPlainTextEdit, text: str) -> None:
        if isinstance(widget, QLineEdit):
            widget.insert(text)
        else:
            widget.insertPlainText(text)
        self.count += 1


# -- the office's data ----------------------------------------------------------------------

CALLER_NUMBER = "139 5741 2786"
OTHER_NUMBER = "0574-8765 2786"  # the same last four digits, another person


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 10, 0))  # a Tuesday morning


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    store = open_store(tmp_path / "data", clock=clock)
    yield store
    store.close()


@pytest.fixture
def office(store: Store, clock: Clock) -> dict[str, int]:
    """A company with two open cases; 魏晨帆 talked about the newer one yesterday.

    温春芳 has the same initials (wcf) and a number ending in the same four digits, and
    has not called for a month: recency must rank 魏晨帆 first for both.
    """
    company = organisations.create(store, "宁波澄明光电科技有限公司", OrganisationKind.COMPANY)
    bank = organisations.create(store, "东港银行镇海支行", OrganisationKind.BANK)
    caller = contacts.create(
        store,
        "魏晨帆",
        organisation_id=company.value.id,
        role="行政总监",
        phones=[CALLER_NUMBER],
    ).value
    other = contacts.create(
        store, "温春芳", organisation_id=bank.value.id, role="客户经理", phones=[OTHER_NUMBER]
    ).value
    older = cases.open_case(
        store,
        "澄明光电厂房租赁备案",
        company_id=company.value.id,
        opened_at=clock.now - timedelta(days=60),
    ).value
    current = cases.open_case(
        store,
        "澄明光电 AOI 项目落地",
        company_id=company.value.id,
        fast_track=True,
        opened_at=clock.now - timedelta(days=5),
    ).value
    communications.log(
        store,
        at=clock.now - timedelta(days=40),
        channel=Channel.PHONE,
        contact_id=caller.id,
        case_id=older.id,
        notes="租赁合同已盖章",
    )
    communications.log(
        store,
        at=clock.now - timedelta(days=1),
        channel=Channel.WECHAT,
        contact_id=caller.id,
        case_id=current.id,
        notes="营业执照材料已备齐",
    )
    communications.log(
        store,
        at=clock.now - timedelta(days=30),
        channel=Channel.PHONE,
        contact_id=other.id,
        notes="开户资料清单",
    )
    return {
        "caller": caller.id,
        "other": other.id,
        "current": current.id,
        "older": older.id,
        "company": company.value.id,
    }


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(
    store: Store, clock: Clock, qtbot: QtBot, ui_settings: QSettings, office: dict[str, int]
) -> Iterator[MainWindow]:
    set_language("en")
    win = MainWindow(store, ui_settings, clock=clock)
    qtbot.addWidget(win)
    assert win.quick_log_action.shortcut() == QKeySequence("Ctrl+L")  # the real one
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    set_language("en")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: shown.append(text)
    )
    return shown


def _open(
    window: MainWindow, qtbot: QtBot, keys: Keys | None = None, *, focus: str = "who"
) -> QuickLogPanel:
    """Ctrl+L on the main window: the panel comes up, active, ready for the caller."""
    # Only a window that is active hears its shortcuts (the panel was, until it hid).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    if keys is not None:
        keys.press(window, Qt.Key.Key_L, CTRL)
    else:
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    panel = window.findChild(QuickLogPanel)
    assert panel is not None
    qtbot.waitUntil(lambda: panel.isVisible() and panel.isActiveWindow())
    assert getattr(panel, focus).hasFocus()
    return panel


def _logged(store: Store) -> list[CommunicationRecord]:
    with store.read() as session:
        rows = session.scalars(select(Communication).order_by(Communication.id))
        return [CommunicationRecord.of(c) for c in rows]


# -- the acceptance --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2786", "wcf"], ids=["four-digits", "initials"])
def test_a_known_caller_is_logged_to_their_case_in_eight_keystrokes(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    errors: list[str],
    typed: str,
) -> None:
    before = len(_logged(store))
    listing = window.communications  # built now, so it hears the change like the officer sees it
    keys = Keys(qtbot)

    panel = _open(window, qtbot, keys)  # 1: the shortcut
    keys.type(panel.who, typed)  # 2-5 (or 2-4): four digits, or the initials
    # Both people match; the one who called yesterday comes first and is on the card.
    assert panel.candidates_model.rowCount() == 2
    best = panel.candidates_model.candidate(0)
    assert best is not None
    assert best.contact_id == office["caller"]
    # The list follows each keystroke synchronously (10-20 ms on a laptop); the bound is
    # loose for a busy CI machine, bench/bench_caller.py holds the precise figure.
    assert keys.slowest < 0.25, f"a keystroke took {keys.slowest * 1000:.0f} ms"
    keys.press(panel.who, Qt.Key.Key_Return)  # Enter: the caller is taken, on to the notes
    assert panel.notes.hasFocus()
    assert "魏晨帆" in panel.card_view.toPlainText()
    assert "澄明光电 AOI 项目落地" in panel.card_view.toPlainText()
    # Their most recently active open case, and the channel last used with them.
    assert panel.case_id() == office["current"]
    assert panel.channel_value() is Channel.WECHAT
    clock.advance(150)  # two and a half minutes on the phone
    keys.commit(panel.notes, "企业问营业执照何时能领，答复今天下午三点前")  # the note
    keys.press(panel.notes, Qt.Key.Key_Return)  # Enter: saved

    assert keys.count == 1 + len(typed) + 1 + 1 + 1 <= 8
    assert errors == []
    assert not panel.isVisible()
    rows = _logged(store)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.contact_id == office["caller"]
    assert row.case_id == office["current"]
    assert row.channel is Channel.WECHAT
    assert row.direction is Direction.INBOUND
    assert row.notes == "企业问营业执照何时能领，答复今天下午三点前"
    assert row.duration_seconds == 150  # the running timer, from when the panel opened
    assert row.at == datetime(2026, 11, 24, 10, 0)
    assert row.raw_number == ""
    # The main window heard it: the list has the row, the status bar says so.
    assert listing.model.row_of(row.id) is not None
    assert "魏晨帆" in window.statusBar().currentMessage()


def test_defaults_are_changed_with_one_key_each(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    qtlog: object,
    office: dict[str, int],
    errors: list[str],
) -> None:
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    assert panel.case_id() == office["current"]
    # Ctrl+K: the case box, where typing part of a reference or title finds the case.
    qtbot.keyClick(panel.notes, Qt.Key.Key_K, CTRL)
    assert panel.case.hasFocus()
    line = panel.case.lineEdit()
    assert line is not None
    assert line.selectedText() == panel.case.currentText()
    completer = panel.case.completer()
    popup = completer.popup()
    # The offscreen platform can neither raise nor grab the keyboard for a popup, and
    # says so each time one opens: that noise alone is let through here.
    with qtlog.disabled():  # type: ignore[attr-defined]
        line.insert("租赁")
        assert not panel.case_text_matches()
        assert completer.completionCount() == 1
        qtbot.waitUntil(popup.isVisible)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not popup.isVisible())
    qtbot.waitUntil(panel.notes.hasFocus)  # back where the typing goes on
    # Offscreen, a closed popup stays the "active window": the panel is made active again
    # (a window manager does that itself), so that its shortcuts are heard.
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    assert panel.case_id() == office["older"]
    assert panel.case_text_matches()
    # F4 does the same. Up and Down walk the list (the caller's cases first, after
    # "Unfiled") without leaving it; Enter goes back to the notes.
    qtbot.keyClick(panel.notes, Qt.Key.Key_F4)
    assert panel.case.hasFocus()
    qtbot.keyClick(panel.case, Qt.Key.Key_Up)
    assert panel.case_id() == office["current"]
    qtbot.keyClick(panel.case, Qt.Key.Key_Up)
    assert panel.case.currentText() == "Unfiled"
    assert panel.case_id() is None
    assert panel.case.hasFocus()
    qtbot.keyClick(panel.case, Qt.Key.Key_Return)
    assert panel.notes.hasFocus()
    # Ctrl+D turns the call round; a channel chosen stays chosen.
    qtbot.keyClick(panel.notes, Qt.Key.Key_D, CTRL)
    assert panel.direction() is Direction.OUTBOUND
    assert "Outgoing" in panel.direction_button.text()
    panel.channel.setCurrentIndex(panel.channel.findData(Channel.PHONE.value))
    panel.channel.activated.emit(panel.channel.currentIndex())
    # Shift+Enter is a new line in the notes, not a save.
    panel.notes.insertPlainText("第一行")
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return, SHIFT)
    panel.notes.insertPlainText("第二行")
    assert panel.isVisible()
    # The duration typed wins over the timer.
    panel.duration.clear()
    qtbot.keyClicks(panel.duration, "4:30")
    clock.advance(600)
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return)

    assert errors == []
    row = _logged(store)[-1]
    assert (row.contact_id, row.case_id) == (office["caller"], None)
    assert row.direction is Direction.OUTBOUND
    assert row.channel is Channel.PHONE
    assert row.notes == "第一行\n第二行"
    assert row.duration_seconds == 270


def test_the_pinned_current_case_serves_callers_without_an_open_case(
    window: MainWindow, store: Store, qtbot: QtBot, office: dict[str, int], errors: list[str]
) -> None:
    settings.set_pinned(store, office["older"], True)
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    # The officer's current case is one of this caller's: it wins over the latest.
    assert panel.case_id() == office["older"]
    panel.reset()
    panel.who.setFocus()
    # 温春芳 has no open case at all: the current case is offered.
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Down)
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    assert panel.shown_contact_id() == office["other"]
    assert panel.case_id() == office["older"]
    assert panel.channel_value() is Channel.PHONE


# -- an unknown number ------------------------------------------------------------------------


def test_an_unknown_number_becomes_a_contact_without_leaving_the_panel(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    errors: list[str],
) -> None:
    keys = Keys(qtbot)
    panel = _open(window, qtbot, keys)
    keys.type(panel.who, "0574-8711 2233")
    recognition = panel.recognition
    assert recognition is not None
    assert recognition.is_unknown_number
    assert "nobody's number" in panel.who_message.text()
    assert panel.new_contact_button.isVisible()
    keys.press(panel.who, Qt.Key.Key_N, CTRL)  # Ctrl+N: the mini form, the number in it
    assert panel.new_contact_open()
    assert panel.new_name.hasFocus()
    assert panel.new_number.text() == "0574-8711 2233"
    keys.commit(panel.new_name, "柯文静")
    assert panel.new_org.lineEdit() is not None
    keys.commit(panel.new_org.lineEdit(), "宁波新港物流有限公司")  # a new organisation
    keys.commit(panel.new_role, "行政主管")
    keys.press(panel.new_role, Qt.Key.Key_Return)  # Create

    assert not panel.new_contact_open()
    assert panel.notes.hasFocus()
    with store.read() as session:
        created = session.scalar(select(Contact).where(Contact.name == "柯文静"))
        assert created is not None
        assert [p.e164 for p in created.phones] == ["+8657487112233"]
        org = session.get(Organisation, created.organisation_id)
        assert org is not None
        assert org.name == "宁波新港物流有限公司"
        assert org.kind is OrganisationKind.COMPANY
        assert created.role == "行政主管"
        new_id = created.id
    assert panel.shown_contact_id() == new_id
    assert "柯文静" in panel.card_view.toPlainText()
    assert panel.case_id() is None  # a new caller has no case yet: unfiled
    clock.advance(45)
    keys.commit(panel.notes, "咨询仓储用地政策，已发材料清单")
    keys.press(panel.notes, Qt.Key.Key_Return)

    # The shortcut, 14 characters of the number, Ctrl+N, three fields, Enter, the note, Enter.
    assert keys.count == 1 + 14 + 1 + 3 + 1 + 1 + 1
    assert errors == []
    row = _logged(store)[-1]
    assert row.contact_id == new_id
    assert row.case_id is None
    assert row.notes == "咨询仓储用地政策，已发材料清单"
    assert row.duration_seconds == 45
    # Typed again, the number now finds its owner.
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "87112233")
    best = panel.candidates_model.candidate(0)
    assert best is not None
    assert best.contact_id == new_id


def test_an_unknown_number_can_be_logged_alone_and_the_form_refuses_clearly(
    window: MainWindow, store: Store, qtbot: QtBot, errors: list[str]
) -> None:
    # A Beijing contact's number ends with the same eight digits as the local number
    # typed: listed, but not taken for the caller.
    contacts.create(store, "郝思远", phones=["010-6543 2233"])
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "6543 2233")
    assert panel.candidates_model.rowCount() == 1
    assert panel.shown_contact_id() is None
    assert "nobody's number" in panel.who_message.text()
    panel.update_card()
    assert "郝思远" not in panel.card_view.toPlainText()
    assert "0574 6543 2233" in panel.card_view.toPlainText()
    qtbot.keyClick(panel.who, Qt.Key.Key_N, CTRL)
    # Neither a name nor a number that is one: said in the form, nothing created.
    panel.new_number.setText("1234")
    qtbot.keyClick(panel.new_name, Qt.Key.Key_Return)
    assert "required" in panel.new_message.text()
    panel.new_name.insert("路过的访客")
    qtbot.keyClick(panel.new_name, Qt.Key.Key_Return)
    assert "1234" in panel.new_message.text()
    assert panel.new_contact_open()
    with store.read() as session:
        assert session.scalar(select(Contact).where(Contact.name == "路过的访客")) is None
    # Esc closes the form, not the panel; Enter then logs the call to the number alone.
    qtbot.keyClick(panel.new_name, Qt.Key.Key_Escape)
    assert not panel.new_contact_open()
    assert panel.isVisible()
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    panel.notes.insertPlainText("打错电话")
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return)
    assert errors == []
    row = _logged(store)[-1]
    assert (row.contact_id, row.raw_number, row.number_e164) == (
        None,
        "6543 2233",
        "+8657465432233",
    )


def test_an_invalid_number_is_said_plainly_and_nothing_is_saved(
    window: MainWindow, store: Store, qtbot: QtBot, errors: list[str]
) -> None:
    before = len(_logged(store))
    panel = _open(window, qtbot)
    for typed in ("10012345678", "138OO138OOO", "1234567890123456789"):
        panel.who.clear()
        qtbot.keyClicks(panel.who, typed)
        assert panel.who_problem, typed
        assert typed in panel.who_message.text()
        assert "b3261e" in panel.who_message.styleSheet()  # in red
        assert panel.candidates_model.rowCount() == 0
        qtbot.keyClick(panel.who, Qt.Key.Key_Return)
        assert panel.who.hasFocus()  # Enter goes nowhere with a wrong number
    panel.notes.setFocus()
    panel.notes.insertPlainText("这条不该保存")
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return)
    assert panel.isVisible()
    assert "1234567890123456789" in panel.who_message.text()  # beside the field, once
    assert "1234567890123456789" not in panel.status.text()
    assert panel.status.text() == "Not saved: fix the field marked in red."
    assert panel.who.hasFocus()
    assert errors == []
    assert len(_logged(store)) == before


# -- a pasted chat ------------------------------------------------------------------------------

WECHAT_CHAT = """魏晨帆 2026/11/24 09:12
林科长，营业执照的材料今天能送到园区吗？
招商小林 2026/11/24 09:15
可以，下午两点前送到。
公章的事我另外问一下。
魏晨帆 2026/11/24 09:16
好的，谢谢！
"""


def test_a_pasted_chat_becomes_communications_once(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    ui_settings: QSettings,
    errors: list[str],
) -> None:
    QGuiApplication.clipboard().setText(WECHAT_CHAT)
    before = len(_logged(store))
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    qtbot.keyClick(panel.notes, Qt.Key.Key_V, CTRL | SHIFT)
    dialog = panel.chat_dialog
    assert isinstance(dialog, ChatPasteDialog)
    assert dialog.text.toPlainText() == WECHAT_CHAT  # from the clipboard
    assert "魏晨帆" in dialog.contact.text()
    assert dialog.case_id() == office["current"]
    assert dialog.preview_model.rowCount() == 3
    # Until the officer says which names are theirs, only 我 / Me are outgoing.
    assert dialog.preview_model.data(dialog.preview_model.index(1, 2)) == "Incoming"
    dialog.my_names.setText("招商小林")
    dialog.update_preview()
    assert dialog.preview_model.data(dialog.preview_model.index(1, 2)) == "Outgoing"
    assert dialog.preview_model.data(dialog.preview_model.index(1, 1)) == "招商小林"
    assert dialog.preview_model.data(dialog.preview_model.index(0, 0)) == "2026-11-24 09:12"
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "3 added, 0 already there."
    assert not dialog.import_button.isEnabled()
    rows = _logged(store)[before:]
    assert [(r.direction, r.at.strftime("%H:%M")) for r in rows] == [
        (Direction.INBOUND, "09:12"),
        (Direction.OUTBOUND, "09:15"),
        (Direction.INBOUND, "09:16"),
    ]
    assert {(r.contact_id, r.case_id, r.channel) for r in rows} == {
        (office["caller"], office["current"], Channel.WECHAT)
    }
    assert rows[1].notes == "招商小林：可以，下午两点前送到。\n公章的事我另外问一下。"
    # The card hears of the new messages.
    qtbot.waitUntil(lambda: "好的，谢谢！" in panel.card_view.toPlainText())
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.chat_dialog is None)

    # Pasted again (the names remembered): nothing new.
    assert ui_settings.value(MY_NAMES_KEY) == "招商小林"
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    qtbot.keyClick(panel.notes, Qt.Key.Key_V, CTRL | SHIFT)
    again = panel.chat_dialog
    assert isinstance(again, ChatPasteDialog)
    assert again is not dialog
    assert again.my_names.text() == "招商小林"
    qtbot.waitUntil(again.isActiveWindow)
    qtbot.keyClick(again.text, Qt.Key.Key_Return, CTRL)  # Ctrl+Enter imports
    assert again.message.text() == "0 added, 3 already there."
    assert len(_logged(store)) == before + 3
    # Something that is no chat: the parser's reason, and nothing to import.
    again.text.setPlainText("请问材料什么时候送到？")
    again.update_preview()
    assert "does not look like a copied chat" in again.message.text()
    assert not again.import_button.isEnabled()
    assert again.preview_model.rowCount() == 0
    again.reject()
    assert errors == []
    # The call log itself was untouched by all this.
    assert panel.case_id() == office["current"]
    assert panel.isVisible()


# -- interruptions ------------------------------------------------------------------------------


def test_a_half_typed_log_survives_hiding_and_a_restart(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    ui_settings: QSettings,
    tmp_path: Path,
    errors: list[str],
) -> None:
    panel = _open(window, qtbot)
    started = clock.now
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    panel.notes.insertPlainText("企业说公章")
    qtbot.keyClicks(panel.follow_up, "in 2 working hours")
    qtbot.keyClick(panel.notes, Qt.Key.Key_D, CTRL)
    clock.advance(60)
    # Another call: Esc puts the panel away, the log kept.
    qtbot.keyClick(panel.notes, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    kept = Draft.from_json(ui_settings.value(DRAFT_KEY))
    assert kept is not None
    assert (kept.who, kept.contact_id, kept.notes, kept.elapsed) == (
        "wcf",
        office["caller"],
        "企业说公章",
        60,
    )
    clock.advance(600)  # hidden: the timer waits
    # The caller was taken: straight back to the notes.
    assert _open(window, qtbot, focus="notes") is panel
    assert panel.notes.toPlainText() == "企业说公章"
    assert panel.direction() is Direction.OUTBOUND

    # The app is closed and started again: a new window, a new panel, the same log.
    panel.hide()
    window.close()
    set_language("en")
    restarted = MainWindow(
        store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock=clock
    )
    qtbot.addWidget(restarted)
    restarted.show()
    qtbot.waitUntil(restarted.isActiveWindow)
    fresh = restarted.quick_log()
    assert fresh is not panel
    qtbot.waitUntil(fresh.isActiveWindow)
    assert fresh.who.text() == "wcf"
    assert fresh.shown_contact_id() == office["caller"]
    assert fresh.accepted_id == office["caller"]
    assert "魏晨帆" in fresh.card_view.toPlainText()
    assert fresh.notes.toPlainText() == "企业说公章"
    assert fresh.follow_up.text() == "in 2 working hours"
    assert fresh.case_id() == office["current"]
    assert fresh.direction() is Direction.OUTBOUND
    assert fresh.notes.hasFocus()
    fresh.notes.insertPlainText("下午送到")
    clock.advance(30)
    qtbot.keyClick(fresh.notes, Qt.Key.Key_Return)
    assert errors == []
    row = _logged(store)[-1]
    assert row.notes == "企业说公章下午送到"
    assert row.at == started
    assert row.duration_seconds == 90  # 60 s before the interruption, 30 s after
    assert row.direction is Direction.OUTBOUND
    assert ui_settings.value(DRAFT_KEY) is None  # saved: no draft left


def test_discard_asks_then_forgets_the_draft(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    ui_settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = len(_logged(store))
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "2786")
    panel.notes.insertPlainText("草稿")
    panel.store_draft()
    assert ui_settings.value(DRAFT_KEY) is not None
    asked: list[str] = []
    answer = QMessageBox.StandardButton.No

    def question(_parent: QWidget, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.mouseClick(panel.discard_button, Qt.MouseButton.LeftButton)
    assert asked == ["Throw away what you typed in this log? It cannot be brought back."]
    assert panel.notes.toPlainText() == "草稿"  # No, the default: nothing lost
    assert ui_settings.value(DRAFT_KEY) is not None
    answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(panel.discard_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2
    assert ui_settings.value(DRAFT_KEY) is None
    assert (panel.who.text(), panel.notes.toPlainText()) == ("", "")
    assert panel.candidates_model.rowCount() == 0
    assert panel.who.hasFocus()
    qtbot.keyClick(panel.who, Qt.Key.Key_Escape)
    assert ui_settings.value(DRAFT_KEY) is None
    assert _open(window, qtbot).notes.toPlainText() == ""
    assert len(_logged(store)) == before


def test_a_broken_stored_draft_is_ignored(
    window: MainWindow, qtbot: QtBot, ui_settings: QSettings
) -> None:
    ui_settings.setValue(DRAFT_KEY, '{"who": 5, "notes": ["x"], "elapsed": -3, "case_id": "7"}')
    panel = _open(window, qtbot)
    assert (panel.who.text(), panel.notes.toPlainText()) == ("", "")
    assert Draft.from_json("not json") is None
    assert Draft.from_json('["a list"]') is None


# -- follow-ups ---------------------------------------------------------------------------------


def test_a_follow_up_is_parsed_as_typed_and_stored(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    errors: list[str],
) -> None:
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "wcf")
    qtbot.keyClick(panel.who, Qt.Key.Key_Return)
    panel.notes.insertPlainText("答应两小时内回复")
    qtbot.keyClicks(panel.follow_up, "in 2 working hours")
    expected = follow_up_from_text(store, "in 2 working hours", clock.now)
    assert expected == datetime(2026, 11, 24, 12, 0)
    assert panel.follow_up_result.text() == "→ today 12:00"
    panel.follow_up.clear()
    panel.follow_up.insert("明天9点")
    assert panel.follow_up_result.text() == "→ Wed 11-25 09:00"
    panel.follow_up.clear()
    qtbot.keyClicks(panel.follow_up, "someday")
    assert "someday" in panel.follow_up_result.text()
    assert "b3261e" in panel.follow_up_result.styleSheet()
    # Enter with a follow-up that is no time: said, the cursor on it, nothing saved.
    before = len(_logged(store))
    qtbot.keyClick(panel.follow_up, Qt.Key.Key_Return)
    assert panel.isVisible()
    assert panel.follow_up.hasFocus()
    assert "someday" in panel.follow_up_result.text()
    assert "someday" not in panel.status.text()  # said once, beside the field
    assert len(_logged(store)) == before
    panel.follow_up.clear()
    qtbot.keyClicks(panel.follow_up, "in 2 working hours")
    qtbot.keyClick(panel.follow_up, Qt.Key.Key_Return)  # Enter on the follow-up saves too
    assert errors == []
    row = _logged(store)[-1]
    assert row.follow_up_due == expected
    assert row.contact_id == office["caller"]


# -- models and language ----------------------------------------------------------------------


def test_the_models_pass_the_model_tester(
    window: MainWindow, qtbot: QtBot, qtmodeltester: object
) -> None:
    QGuiApplication.clipboard().setText(WECHAT_CHAT)
    panel = _open(window, qtbot)
    qtbot.keyClicks(panel.who, "wcf")
    assert panel.candidates_model.rowCount() == 2
    qtmodeltester.check(panel.candidates_model)  # type: ignore[attr-defined]
    qtbot.keyClick(panel.who, Qt.Key.Key_V, CTRL | SHIFT)
    assert panel.chat_dialog is not None
    assert panel.chat_dialog.preview_model.rowCount() == 3
    qtmodeltester.check(panel.chat_dialog.preview_model)  # type: ignore[attr-defined]
    panel.chat_dialog.reject()


def _clipped_buttons(widget: QWidget) -> list[str]:
    return [
        b.text()
        for b in widget.findChildren(QPushButton)
        if b.isVisible() and b.width() < b.sizeHint().width()
    ]


def test_the_panel_speaks_chinese(
    store: Store, clock: Clock, qtbot: QtBot, ui_settings: QSettings, office: dict[str, int]
) -> None:
    set_language("zh_CN")
    try:
        window = MainWindow(store, ui_settings, clock=clock)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(window.isActiveWindow)
        panel = window.quick_log()
        qtbot.waitUntil(panel.isActiveWindow)
        panel.who.insert("魏晨帆")
        assert panel.candidates_model.candidate(0) is not None
        qtbot.keyClick(panel.who, Qt.Key.Key_Return)
        panel.follow_up.insert("明天9点")
        zh = "zh_CN"
        assert panel.windowTitle() == translate("Quick log", zh)
        assert panel.notes_label.text() == translate("Notes:", zh)
        assert panel.save_button.text() == translate("Save (Enter)", zh)
        assert panel.case.itemText(0) == translate("Unfiled", zh)
        assert panel.channel.currentText() == "微信"  # the catalogue's own channel names
        assert translate("incoming", zh) in panel.direction_button.text()
        assert panel.follow_up_result.text() == "→ {} 11-25 09:00".format(translate("Wed", zh))
        card = panel.card_view.toPlainText()
        assert translate("Open cases", zh) in card
        assert "澄明光电 AOI 项目落地" in card
        assert _clipped_buttons(panel) == []
        # Switched back while open: every text follows.
        set_language("en")
        panel.retranslate()
        assert panel.windowTitle() == "Quick log"
        assert panel.channel.currentText() == "WeChat"
        assert "Incoming" in panel.direction_button.text()
        assert panel.follow_up_result.text() == "→ Wed 11-25 09:00"
    finally:
        set_language("en")


def test_durations_as_typed() -> None:
    assert parse_duration("") == 0
    assert parse_duration("5") == 300
    assert parse_duration("3:20") == 200
    assert parse_duration("1:05:00") == 3900
    for wrong in ("3:75", "abc", "1:75:00", "-2"):
        with pytest.raises(Exception, match="not a duration"):
            parse_duration(wrong)
    assert format_duration(0) == "0:00"
    assert format_duration(187) == "3:07"
    assert format_duration(3727) == "1:02:07"


def test_counting_keys_counts_what_is_sent(qtbot: QtBot) -> None:
    """The acceptance's counter itself: a failing count must be able to fail."""
    line = QLineEdit()
    qtbot.addWidget(line)
    keys = Keys(qtbot)
    keys.type(line, "2786")
    keys.press(line, Qt.Key.Key_Return)
    keys.commit(line, "魏晨帆")
    assert keys.count == 6
    assert line.text() == "2786魏晨帆"


# -- the form's messages, the duration, discarding ---------------------------------------------


def test_every_problem_is_said_once_beside_its_field(
    window: MainWindow, store: Store, qtbot: QtBot, errors: list[str]
) -> None:
    before = len(_logged(store))
    panel = _open(window, qtbot)
    panel.resize(940, 560)
    qtbot.keyClicks(panel.who, "zzzz")  # nobody
    panel.case.setFocus()
    panel.case.setEditText("no such case")
    panel.duration.setFocus()
    panel.duration.selectAll()
    qtbot.keyClicks(panel.duration, "abc")
    qtbot.keyClicks(panel.follow_up, "someday")
    bottom = panel.status.geometry().bottom()
    assert not panel.save()
    assert len(_logged(store)) == before
    assert errors == []
    red = "b3261e"
    assert "zzzz" in panel.who_message.text()
    assert red in panel.who_message.styleSheet()
    assert panel.details.case_message.isVisible()
    assert red in panel.details.case_message.styleSheet()
    assert "abc" in panel.details.duration_message.text()
    assert red in panel.details.duration_message.styleSheet()
    assert "someday" in panel.follow_up_result.text()
    # The bottom line only counts them, on one line that never grows over the form.
    assert panel.status.text() == "Not saved: fix the 4 fields marked in red."
    assert not panel.status.wordWrap()
    assert panel.status.geometry().bottom() == bottom
    for message in (panel.who_message.text(), panel.follow_up_result.text()):
        assert message not in panel.status.text()
    assert panel.who.hasFocus()  # the first field to fix
    # Typing a duration again takes its refusal away.
    panel.duration.setFocus()
    panel.duration.selectAll()
    qtbot.keyClicks(panel.duration, "5")
    assert not panel.details.duration_message.isVisible()


def test_the_follow_up_examples_speak_the_screens_language(
    window: MainWindow, qtbot: QtBot
) -> None:
    set_language("zh_CN")
    window.retranslate()
    panel = _open(window, qtbot)
    panel.follow_up.insert("某天")  # typed through the input method
    said = panel.follow_up_result.text()
    assert "某天" in said
    assert "明天" in said
    for english in ("working", "tomorrow", "Friday", "next", "Write"):
        assert english not in said
    set_language("en")
    window.retranslate()
    panel.follow_up.clear()
    qtbot.keyClicks(panel.follow_up, "someday")
    assert "tomorrow 9:00" in panel.follow_up_result.text()
    assert "明天" not in panel.follow_up_result.text()


def test_the_duration_saved_is_what_the_box_says_beside_the_running_clock(
    window: MainWindow,
    store: Store,
    clock: Clock,
    qtbot: QtBot,
    office: dict[str, int],
    errors: list[str],
) -> None:
    panel = _open(window, qtbot)
    clock.advance(95)
    panel.duration.show_running()  # the tick, once a second
    assert panel.duration.text() == "1:35"
    assert panel.details.clock_label.text() == "⏱ 1:35, running"
    # The officer says the call took seven minutes: the box keeps it, the clock runs on.
    panel.duration.setFocus()
    panel.duration.selectAll()
    qtbot.keyClicks(panel.duration, "7")
    clock.advance(20)
    panel.duration.show_running()
    assert panel.duration.text() == "7"
    assert panel.details.clock_label.text() == "⏱ 1:55, not used"
    panel.notes.insertPlainText("约好下周见面")
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return)
    assert errors == []
    assert _logged(store)[-1].duration_seconds == 7 * 60
    # Cleared, the box follows the clock again: what it shows when saved is saved.
    panel = _open(window, qtbot)
    clock.advance(42)
    panel.duration.setFocus()
    panel.duration.selectAll()
    qtbot.keyClicks(panel.duration, "9")
    panel.duration.clear()
    qtbot.keyClicks(panel.duration, "")  # the box emptied by the officer
    panel.duration.textEdited.emit("")
    panel.duration.show_running()
    assert panel.duration.text() == "0:42"
    panel.notes.insertPlainText("短信确认")
    qtbot.keyClick(panel.notes, Qt.Key.Key_Return)
    assert _logged(store)[-1].duration_seconds == 42


def test_discard_does_not_ask_when_nothing_would_be_lost(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append("asked"))
    panel = _open(window, qtbot)
    qtbot.mouseClick(panel.discard_button, Qt.MouseButton.LeftButton)
    assert asked == []
    assert panel.who.hasFocus()
