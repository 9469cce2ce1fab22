"""The office sync from the Data menu: Sync with the office now, Undo the last sync…, and
Sync by file, on a real laptop checkout of a real office database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from coordinator.i18n import set_language
from coordinator.services import communications
from coordinator.store.local_settings import read_local_settings
from coordinator.store.models import Communication
from coordinator.store.storage import Store
from coordinator.sync.checkout import checkout
from coordinator.sync.parcel import apply_parcel
from tests.conftest import database_fingerprint
from ui.dialogs.sync_actions import AddressDialog, PassphraseDialog
from ui.main_window import MainWindow

W = TypeVar("W", bound=QWidget)

OFFICE_CALL = "办公室：园区来电询问用地指标"
LAPTOP_CALL = "笔记本：企业来电确认签约时间"
PASSPHRASE = "长江大桥2026年"


def _calls(store: Store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(Communication.notes)))


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def laptop(store: Store, tmp_path: Path) -> Iterator[Store]:
    """A checkout of the office (``store``); then a call logged on each."""
    copy, _report = checkout(store, tmp_path / "laptop")
    communications.log(store, notes=OFFICE_CALL)
    communications.log(copy, notes=LAPTOP_CALL)
    yield copy
    copy.close()


def _window(store: Store, qtbot: QtBot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store, settings)
    qtbot.addWidget(win)
    win.show()
    return win


def answer(kind: type[W], fill: Callable[[W], None]) -> list[W]:
    """When a modal ``kind`` opens, ``fill`` it (a dialog's exec() would wait for a user);
    the dialogs answered, to look at."""
    seen: list[W] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            seen.append(dialog)
            fill(dialog)
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    return seen


def type_address(address: str) -> list[str]:
    """Type ``address`` in the next address dialog; what it offered first."""
    offered: list[str] = []

    def fill(dialog: AddressDialog) -> None:
        offered.append(dialog.address.text())
        dialog.address.setText(address)
        dialog.accept()

    answer(AddressDialog, fill)
    return offered


def type_passphrase(text: str, again: str | None = None) -> list[PassphraseDialog]:
    def fill(dialog: PassphraseDialog) -> None:
        dialog.passphrase.setText(text)
        if dialog.again is not None:
            dialog.again.setText(text if again is None else again)
        dialog.accept()

    return answer(PassphraseDialog, fill)


def captured(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """What ``QMessageBox.<name>`` would have said (a modal box would block the test);
    ``question`` is answered Yes."""
    said: list[str] = []

    def box(_parent: object, _title: str, text: str, *_a: Any) -> QMessageBox.StandardButton:
        said.append(text)
        if name == "question":
            return QMessageBox.StandardButton.Yes
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, name, staticmethod(box))
    return said


def _sync(win: MainWindow, address: str) -> list[str]:
    asked = type_address(address)
    win.sync_actions.update_enabled()
    assert win.sync_actions.sync_action.isEnabled()
    win.sync_actions.sync_action.trigger()
    return asked


@pytest.mark.usefixtures("english")
def test_syncing_with_the_office_now_and_undoing_it(
    laptop: Store, store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = _window(laptop, qtbot, tmp_path)
    actions = win.sync_actions
    assert actions.sync_action.shortcut().toString() == "Ctrl+Shift+Y"
    assert not actions.undo_action.isEnabled()  # no sync yet
    assert win.sync_status.text().endswith("2 changes waiting")  # the call, its contact line

    asked = _sync(win, store.url)
    qtbot.waitUntil(lambda: actions.result_box is not None and actions.result_box.isVisible())

    assert asked == [""]  # nothing to offer before the first sync
    assert _calls(win.store) == {OFFICE_CALL, LAPTOP_CALL}
    assert _calls(store) == {OFFICE_CALL, LAPTOP_CALL}
    assert win.sync_status.text().endswith("nothing waiting")
    box = actions.result_box
    assert box is not None
    assert box.text() == "Sent 2 changes, received 2."  # its own coming back are not counted
    assert "conflict" not in box.text()
    # The address is kept for the next sync, in the data folder's own settings.
    assert read_local_settings(laptop.data_dir).office_server == store.url
    box.close()
    actions.update_enabled()
    assert actions.undo_action.isEnabled()

    questions = captured(monkeypatch, "question")
    captured(monkeypatch, "information")
    assert actions.undo_last_sync()
    assert "Put this laptop back as it was before the sync of " in questions[0]
    assert "lost" in questions[0]
    assert win.store is not laptop  # the database was replaced and opened again
    assert _calls(win.store) == {LAPTOP_CALL}
    assert _calls(store) == {OFFICE_CALL, LAPTOP_CALL}  # the office keeps what it had


@pytest.mark.usefixtures("english")
def test_an_office_out_of_reach_loses_nothing(
    laptop: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = _window(laptop, qtbot, tmp_path)
    before = database_fingerprint(laptop)
    warnings = captured(monkeypatch, "warning")

    nowhere = f"sqlite:///{tmp_path / 'nowhere' / 'liaison-hub.sqlite3'}"
    assert _sync(win, nowhere) == [""]
    assert warnings == [
        f"There is no Liaison Hub database at {nowhere}: nothing was sent or received."
    ]
    # The last address is offered again: the office may only have been out of reach.
    assert _sync(win, "postgresql+psycopg://officer:secret@127.0.0.1:9/office") == [nowhere]
    assert len(warnings) == 2
    assert "office server cannot be reached" in warnings[1]
    assert "secret" not in warnings[1]
    assert database_fingerprint(laptop) == before
    assert win.sync_status.text().endswith("2 changes waiting")  # the call, its contact line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.usefixtures("english")
def test_syncing_by_file(
    laptop: Store, store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = _window(laptop, qtbot, tmp_path)
    actions = win.sync_actions
    sealed = tmp_path / "usb" / "to-office"
    sealed.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(sealed), ""))
    # Too short, then two that differ: said in the dialog, which stays open.
    problems: list[str] = []

    def fill(dialog: PassphraseDialog) -> None:
        assert dialog.again is not None
        for first, second in (("短", "短"), (PASSPHRASE, PASSPHRASE + "x")):
            dialog.passphrase.setText(first)
            dialog.again.setText(second)
            dialog.accept()
            assert dialog.isVisible()
            problems.append(dialog.problem.text())
        dialog.again.setText(PASSPHRASE)
        dialog.accept()

    answer(PassphraseDialog, fill)
    actions.write_action.trigger()
    written = sealed.with_name("to-office.lhsync")
    assert written.is_file()
    assert problems == [
        "The passphrase must be at least 8 characters long.",
        "The two passphrases differ: type the same one twice.",
    ]
    assert actions.result_box is not None
    assert actions.result_box.text().startswith(
        f"Sealed 2 changes and 0 attachments into {written}"
    )

    reply = tmp_path / "usb" / "back.lhsync"
    at_office = apply_parcel(store, written, PASSPHRASE, reply=reply)
    assert at_office.ops == 2
    assert _calls(store) == {OFFICE_CALL, LAPTOP_CALL}

    # The reply, with a wrong passphrase first: said, and nothing changes.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(reply), ""))
    warnings = captured(monkeypatch, "warning")
    before = database_fingerprint(laptop)
    type_passphrase("不是这个口令啊啊啊")
    actions.apply_action.trigger()
    assert len(warnings) == 1
    assert "passphrase" in warnings[0]
    assert database_fingerprint(laptop) == before

    type_passphrase(PASSPHRASE)
    actions.apply_action.trigger()
    assert _calls(laptop) == {OFFICE_CALL, LAPTOP_CALL}
    assert actions.result_box is not None
    assert actions.result_box.text().startswith("Applied ")
    assert win.sync_status.text().endswith("nothing waiting")


@pytest.mark.usefixtures("english")
def test_a_laptops_file_applied_at_the_office_writes_the_reply(
    laptop: Store, store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coordinator.sync.parcel import write_laptop_parcel

    sealed = tmp_path / "from-laptop.lhsync"
    write_laptop_parcel(laptop, sealed, PASSPHRASE)
    win = _window(store, qtbot, tmp_path)  # the office's own window
    actions = win.sync_actions
    actions.update_enabled()
    assert not actions.sync_action.isEnabled()
    assert not actions.write_action.isEnabled()
    assert actions.apply_action.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sealed), ""))
    reply = tmp_path / "reply"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(reply), ""))
    type_passphrase(PASSPHRASE)
    actions.apply_action.trigger()
    assert _calls(store) == {OFFICE_CALL, LAPTOP_CALL}
    assert actions.result_box is not None
    assert str(reply.with_name("reply.lhsync")) in actions.result_box.text()
    done = apply_parcel(laptop, reply.with_name("reply.lhsync"), PASSPHRASE)
    assert done.ops >= 1
    assert _calls(laptop) == {OFFICE_CALL, LAPTOP_CALL}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screens_in_both_languages(
    laptop: Store, store: Store, qtbot: QtBot, tmp_path: Path, lang: str
) -> None:
    from ui.printing.fonts import apply_app_font, register_fonts

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    register_fonts()
    apply_app_font(app)
    set_language(lang)
    try:
        win = _window(laptop, qtbot, tmp_path)
        win.data_menu.popup(win.mapToGlobal(win.rect().topLeft()))
        qtbot.waitExposed(win.data_menu)
        win.data_menu.grab().save(f"/tmp/syncapp-menu-{lang}.png")
        win.data_menu.hide()

        def grab_address(dialog: AddressDialog) -> None:
            dialog.grab().save(f"/tmp/syncapp-address-{lang}.png")
            dialog.address.setText(store.url)
            dialog.accept()

        answer(AddressDialog, grab_address)
        win.sync_actions.sync_action.trigger()
        box = win.sync_actions.result_box
        assert box is not None
        qtbot.waitExposed(box)
        box.grab().save(f"/tmp/syncapp-result-{lang}.png")
        box.close()

        def grab_passphrase(dialog: PassphraseDialog) -> None:
            dialog.passphrase.setText("短")
            dialog.accept()
            dialog.grab().save(f"/tmp/syncapp-passphrase-{lang}.png")
            dialog.reject()

        answer(PassphraseDialog, grab_passphrase)
        assert win.sync_actions._passphrase("x", twice=True) is None
        if lang == "zh_CN":
            assert win.sync_actions.sync_action.text() == "立即与办公室同步(&O)"
    finally:
        set_language("en")
        app.setFont(font)


@pytest.mark.usefixtures("english")
def test_a_sync_that_keeps_conflicts_leads_to_them(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    from coordinator.services import cases
    from coordinator.store.models import Case
    from ui.dialogs.sync_conflicts import SyncConflictsDialog

    cases.open_case(store, "星河电池工厂落地")
    copy, _report = checkout(store, tmp_path / "laptop")
    try:
        for where, notes in ((copy, "笔记本：企业要求加急"), (store, "办公室：等待环评")):
            with where.read() as session:
                case_id = session.scalar(select(Case.id))
            assert case_id is not None
            cases.update(where, case_id, notes=notes)
        win = _window(copy, qtbot, tmp_path)
        _sync(win, store.url)
        box = win.sync_actions.result_box
        assert box is not None
        assert "1 conflict to settle" in box.text()
        box.grab().save("/tmp/syncapp-conflicts-en.png")
        settle = next(b for b in box.buttons() if b.text() == "Settle the conflicts…")
        assert win.findChild(SyncConflictsDialog) is None
        settle.click()
        dialog = win.findChild(SyncConflictsDialog)
        assert isinstance(dialog, SyncConflictsDialog)
        assert dialog.list.count() == 1
    finally:
        copy.close()
