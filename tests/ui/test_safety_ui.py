"""The Data menu and start-up recovery, driven like the officer drives them, over real
stores in a temporary folder: back up, cancel, restore, check and repair, archives, and a
database that is garbage at start."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.paths import DATABASE_NAME
from coordinator.queries import communications as communication_queries
from coordinator.queries import documents as document_queries
from coordinator.safety import backup, copying, retention
from coordinator.safety.catalogue import list_backups
from coordinator.safety.checks import check_store
from coordinator.safety.opening import open_store
from coordinator.safety.retention import retention_policy
from coordinator.services import cases, communications, documents, templates
from coordinator.store import filestore
from coordinator.store.storage import Store
from ui.dialogs.recovery import CHOICE_NEWEST, CHOICE_QUIT, RecoveryDialog
from ui.dialogs.safety import (
    B_REASON,
    B_STATE,
    F_REPAIR,
    F_TEXT,
    BackupsDialog,
    BackupsModel,
    CheckDialog,
    FindingsModel,
    PolicyDialog,
    size_text,
)
from ui.dialogs.safety_actions import (
    AutoBackup,
    SafetyActions,
    backup_on_quit,
    check_before_open,
)
from ui.widgets.background import ProgressDialog

NOW = datetime(2026, 11, 24, 9, 0)  # a Tuesday morning


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Harness:
    """What the main window gives SafetyActions: the store now, close it, open it again."""

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.store = open_store(data_dir, clock=clock)
        templates.install_builtin(self.store)
        self.closed = 0
        self.reopened = 0

    def get(self) -> Store:
        return self.store

    def close(self) -> None:
        self.store.close()
        self.closed += 1

    def reopen(self) -> None:
        self.store = open_store(self.data_dir, clock=self.clock)
        self.reopened += 1


@dataclass
class Boxes:
    """Message boxes shown, answered Yes to every question."""

    information: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    critical: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    shown = Boxes()

    def recorder(into: list[str], answer: QMessageBox.StandardButton) -> object:
        def box(_parent: object, _title: str, text: str, *_a: object, **_k: object) -> object:
            into.append(text)
            return answer

        return staticmethod(box)

    ok = QMessageBox.StandardButton.Ok
    monkeypatch.setattr(QMessageBox, "information", recorder(shown.information, ok))
    monkeypatch.setattr(QMessageBox, "warning", recorder(shown.warnings, ok))
    monkeypatch.setattr(QMessageBox, "critical", recorder(shown.critical, ok))
    monkeypatch.setattr(
        QMessageBox, "question", recorder(shown.questions, QMessageBox.StandardButton.Yes)
    )
    return shown


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def harness(tmp_path: Path, clock: Clock) -> Iterator[Harness]:
    set_language("en")
    made = Harness(tmp_path / "data", clock)
    yield made
    made.store.close()


def _window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    return window


@pytest.fixture
def actions(harness: Harness, qtbot: QtBot) -> Iterator[SafetyActions]:
    made = SafetyActions(
        _window(qtbot), harness.get, harness.close, harness.reopen, auto_backup=False
    )
    yield made
    made.shut_down()


@pytest.fixture(scope="module")
def big_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with 5,000 communications (and cases, contacts, actions...)."""
    from bench.generate import generate

    folder = tmp_path_factory.mktemp("big") / "data"
    report = generate(folder, 0.005, seed=1)
    assert report.counts["communications"] == 5_000
    return folder


@pytest.fixture
def big(big_seed: Path, tmp_path: Path, clock: Clock) -> Iterator[Harness]:
    set_language("en")
    folder = tmp_path / "big"
    shutil.copytree(big_seed, folder)
    made = Harness(folder, clock)
    yield made
    made.store.close()


def _attach(store: Store, tmp_path: Path, name: str, content: bytes) -> str:
    case = cases.open_case(store, f"案件 {name}", template_key="company_landing").value
    document = document_queries.for_case(store, case.id)[0]
    source = tmp_path / name
    source.write_bytes(content)
    return documents.attach_file(store, document.id, source).value.files[-1].sha256


def _visible_progress() -> ProgressDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ProgressDialog) and widget.isVisible():
            return widget
    return None


def _top(kind: type[BackupsDialog] | type[CheckDialog]) -> BackupsDialog | CheckDialog:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    assert len(found) == 1
    return found[0]


def _column(model: BackupsModel | FindingsModel, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


# --- Back up now -------------------------------------------------------------------------


def test_back_up_now_makes_a_verified_backup_and_says_where(
    actions: SafetyActions, harness: Harness, boxes: Boxes
) -> None:
    communications.log(harness.store, notes="王成峰 called about the bank account")

    actions.back_up_action.trigger()

    (made,) = list_backups(harness.data_dir)
    assert made.reason == "manual"
    assert made.verified
    assert made.complete
    assert made.path.is_dir()
    assert made.path == harness.data_dir / "backups" / "20261124-090000-manual"
    (text,) = boxes.information
    assert str(made.path) in text
    assert size_text(made.size) in text
    assert boxes.warnings == []
    assert _visible_progress() is None  # gone once the work is over


def test_the_gui_keeps_running_while_a_backup_runs(
    big: Harness, qtbot: QtBot, boxes: Boxes, tmp_path: Path
) -> None:
    # Attachments too: the backup copies and hashes them after the database.
    for n in range(64):
        _attach(big.store, tmp_path, f"scan-{n}.pdf", bytes([n]) * 1024 * 1024)
    actions = SafetyActions(_window(qtbot), big.get, big.close, big.reopen, auto_backup=False)
    ticks: list[float] = []
    dialog_seen: list[bool] = []

    def tick() -> None:
        ticks.append(time.perf_counter())
        dialog_seen.append(_visible_progress() is not None)

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    actions.back_up_action.trigger()
    ended = time.perf_counter()
    timer.stop()
    actions.shut_down()

    (made,) = list_backups(big.data_dir)
    assert made.verified
    assert made.file_count == 64
    during = [started, *[t for t in ticks if started <= t <= ended], ended]
    longest = max(b - a for a, b in itertools.pairwise(during))
    print(  # the figure quoted in the closing note (pytest -s)
        f"backup of {made.size / 2**20:.1f} MB took {ended - started:.3f} s; "
        f"{len(during) - 2} ticks; longest GUI-thread gap {longest * 1000:.1f} ms"
    )
    assert len(during) > 3  # the nested event loop ran the timer while the work ran
    assert any(dialog_seen)  # the progress dialog was on screen meanwhile
    assert longest < 0.100


def test_cancel_stops_a_long_backup_and_leaves_no_partial_backup(
    big: Harness, qtbot: QtBot, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Make the copy long for sure: one page per step, and a pause at each step.
    monkeypatch.setattr(copying, "PAGES_PER_STEP", 1)
    original = copying.report

    def slow(progress: object, stage: str, done: int, total: int) -> None:
        time.sleep(0.002)
        original(progress, stage, done, total)  # type: ignore[arg-type]

    monkeypatch.setattr(copying, "report", slow)
    actions = SafetyActions(_window(qtbot), big.get, big.close, big.reopen, auto_backup=False)
    clicked: list[float] = []

    def press_cancel_while_copying() -> None:
        dialog = _visible_progress()
        if clicked or dialog is None or dialog.stage != "database" or dialog.bar.value() < 50:
            return
        assert dialog.bar.maximum() == 1000  # determinate: the copy knows its size
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert not dialog.cancel_button.isEnabled()
        assert dialog.label.text() == "Stopping… what was started is being removed."
        clicked.append(time.perf_counter())

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(press_cancel_while_copying)
    watcher.start()
    result = actions.back_up_now()
    returned = time.perf_counter()
    watcher.stop()
    actions.shut_down()

    assert clicked, "the backup ended before Cancel could be pressed"
    assert result is None
    assert returned - clicked[0] < 1.0  # stopped at the next step, not at the end
    assert list_backups(big.data_dir) == []
    assert list((big.data_dir / "backups").iterdir()) == []  # no .partial- folder left
    assert boxes.information == []
    assert boxes.warnings == []


def test_a_failing_backup_is_said_in_plain_words(
    actions: SafetyActions, harness: Harness, boxes: Boxes
) -> None:
    # A file where the backups folder should be (permissions would not stop root).
    (harness.data_dir / "backups").rmdir()
    (harness.data_dir / "backups").write_text("not a folder")
    assert actions.back_up_now() is None
    (message,) = boxes.warnings
    assert message.startswith("No backup was made: ")
    assert message.endswith("Your data is unchanged.")
    assert boxes.information == []


# --- Backups… and Restore ----------------------------------------------------------------


def test_restore_from_the_backups_dialog_brings_back_deleted_data(
    actions: SafetyActions, harness: Harness, boxes: Boxes, qtbot: QtBot
) -> None:
    kept = communications.log(harness.store, notes="税务局回电：材料齐全").value
    actions.back_up_now()
    communications.delete(harness.store, kept.id)
    boxes.information.clear()

    actions.backups_action.trigger()
    dialog = _top(BackupsDialog)
    assert isinstance(dialog, BackupsDialog)
    assert _column(dialog.model, B_REASON) == ["made by hand"]
    assert _column(dialog.model, B_STATE) == ["Verified"]
    assert dialog.restore_button.isEnabled()  # the newest is selected
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    (question,) = boxes.questions
    assert "2026-11-24 09:00" in question
    assert "backed up first" in question
    assert (harness.closed, harness.reopened) == (1, 1)
    assert communication_queries.get(harness.store, kept.id).notes == "税务局回电：材料齐全"
    # The state before the restore (without the communication) is a backup of its own.
    backups = list_backups(harness.data_dir)
    safety_copy = next(b for b in backups if b.reason == "before-restore")
    conn = sqlite3.connect(f"file:{safety_copy.path / DATABASE_NAME}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT count(*) FROM communications").fetchone()[0] == 0
    finally:
        conn.close()
    assert sorted(_column(dialog.model, B_REASON)) == ["before a restore", "made by hand"]
    assert dialog.selected() == safety_copy
    (told,) = boxes.information
    assert "The data as it was on 2026-11-24 09:00 is back." in told
    assert "before a restore" in told
    dialog.close()


def test_saying_no_to_a_restore_changes_nothing(
    actions: SafetyActions, harness: Harness, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions.back_up_now()
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.No)
    )
    dialog = actions.show_backups()
    dialog.restore_button.click()
    assert (harness.closed, harness.reopened) == (0, 0)
    assert len(list_backups(harness.data_dir)) == 1
    dialog.close()


def test_the_keeping_policy_is_edited_from_the_backups_dialog(
    actions: SafetyActions, harness: Harness, qtbot: QtBot
) -> None:
    backups_dialog = actions.show_backups()
    assert backups_dialog.empty.isVisibleTo(backups_dialog)  # no backups yet: it says so
    assert not backups_dialog.restore_button.isEnabled()
    qtbot.mouseClick(backups_dialog.policy_button, Qt.MouseButton.LeftButton)
    policy = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PolicyDialog))
    assert (policy.daily.value(), policy.weekly.value(), policy.monthly.value()) == (12, 10, 9)
    policy.daily.setValue(5)
    policy.monthly.setValue(0)
    policy.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not policy.isVisible())
    assert retention_policy(harness.store) == retention.RetentionPolicy(5, 10, 0)
    backups_dialog.close()


# --- Check data ----------------------------------------------------------------------------


def test_check_data_finds_a_deleted_attachment_and_repair_restores_it(
    actions: SafetyActions, harness: Harness, boxes: Boxes, qtbot: QtBot, tmp_path: Path
) -> None:
    content = b"%PDF-1.4 business licence scan" * 200
    sha = _attach(harness.store, tmp_path, "营业执照.pdf", content)
    actions.back_up_now()
    live = filestore.path_for(harness.store.files_dir, sha)
    live.unlink()

    actions.check_action.trigger()
    dialog = _top(CheckDialog)
    assert isinstance(dialog, CheckDialog)
    texts = _column(dialog.model, F_TEXT)
    assert (
        "The attached file “营业执照.pdf” is missing; the backup of 2026-11-24 09:00 has a "
        "good copy." in texts
    )
    row = texts.index(
        "The attached file “营业执照.pdf” is missing; the backup of 2026-11-24 09:00 has a "
        "good copy."
    )
    assert dialog.model.index(row, F_REPAIR).data() == "Copy the file back from that backup"
    assert dialog.model.index(row, 0).data() == "Problem"
    assert dialog.summary.text().startswith("Problems found: 1. Warnings: ")
    assert dialog.repair_button.isEnabled()

    qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton)

    assert live.read_bytes() == content
    assert "Repaired: The attached file “营业执照.pdf” is missing" in dialog.repairs.toPlainText()
    # Checked again at once: nothing of what was repaired is found any more.
    assert not any("营业执照" in t for t in _column(dialog.model, F_TEXT))
    assert not dialog.repair_button.isEnabled()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert not any("营业执照" in t for t in _column(dialog.model, F_TEXT))
    assert [f.code for f in check_store(harness.store).findings if f.severity == "error"] == []
    assert boxes.warnings == []
    dialog.close()


# --- archives ------------------------------------------------------------------------------


def test_export_then_import_into_an_empty_folder_round_trips_the_data(
    actions: SafetyActions,
    harness: Harness,
    boxes: Boxes,
    qtbot: QtBot,
    tmp_path: Path,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QFileDialog

    logged = communications.log(harness.store, notes="园区管委会：周五前送原件").value
    content = b"signed investment agreement" * 300
    sha = _attach(harness.store, tmp_path, "协议.pdf", content)
    target = tmp_path / "usb" / "move"  # no suffix typed: .zip is added
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )
    actions.export_action.trigger()
    archive = target.with_name("move.zip")
    assert archive.is_file()
    (written,) = boxes.information
    assert str(archive) in written
    assert "attached files: 1)" in written

    other = Harness(tmp_path / "other-laptop", clock)
    try:
        receiving = SafetyActions(
            _window(qtbot), other.get, other.close, other.reopen, auto_backup=False
        )
        monkeypatch.setattr(
            QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(archive), ""))
        )
        receiving.import_action.trigger()
        (question,) = boxes.questions
        assert "move.zip" in question
        assert "replaces all the data" in question
        assert (other.closed, other.reopened) == (1, 1)
        assert communication_queries.get(other.store, logged.id).notes == "园区管委会：周五前送原件"
        assert filestore.path_for(other.store.files_dir, sha).read_bytes() == content
        assert [b.reason for b in list_backups(other.data_dir)] == ["before-import"]
        assert "is imported (attached files: 1)" in boxes.information[-1]
        receiving.shut_down()
    finally:
        other.store.close()


def test_a_file_that_is_no_archive_is_refused_and_nothing_is_closed(
    actions: SafetyActions, harness: Harness, boxes: Boxes, tmp_path: Path
) -> None:
    bogus = tmp_path / "photo.zip"
    bogus.write_bytes(b"\x89PNG not a zip at all")
    assert actions.import_archive(bogus) is None
    (message,) = boxes.warnings
    assert (
        message == "The file photo.zip is not a Liaison Hub archive: it is not a readable zip file."
    )
    assert boxes.questions == []
    assert (harness.closed, harness.reopened) == (0, 0)


# --- automatic and quit backups ----------------------------------------------------------


def test_auto_backup_runs_when_due_and_says_so_on_the_status_bar(
    harness: Harness, qtbot: QtBot, clock: Clock
) -> None:
    window = _window(qtbot)
    auto = AutoBackup(window, harness.get, interval_ms=60_000)
    auto.start()
    with qtbot.waitSignal(auto.backed_up, timeout=10_000) as made:
        assert auto.check_now()
        assert not auto.check_now()  # one at a time
    result = made.args[0]
    assert result.backup.reason == "periodic"
    assert window.statusBar().currentMessage().startswith("Backed up automatically (")
    assert auto.timer.isActive()
    assert auto.timer.interval() == 60_000

    clock.now = NOW.replace(hour=13)  # four hours later, but nothing changed
    auto.check_now()
    qtbot.waitUntil(lambda: not auto.running)
    assert len(list_backups(harness.data_dir)) == 1  # skipped: same data as the newest
    auto.stop()
    assert not auto.timer.isActive()


def test_quit_backup_is_made_after_a_change_and_skipped_without_one(
    harness: Harness, qtbot: QtBot, clock: Clock
) -> None:
    communications.log(harness.store, notes="市场监管局：名称已核准")
    made = backup_on_quit(None, harness.store)
    assert made is not None
    assert made.backup is not None
    assert made.backup.reason == "quit"
    assert made.backup.check == "quick_check"
    clock.now = NOW.replace(minute=30)
    again = backup_on_quit(None, harness.store)
    assert again is not None
    assert again.skipped
    assert len(list_backups(harness.data_dir)) == 1


# --- a damaged database at start --------------------------------------------------------


@pytest.fixture
def garbage_store(harness: Harness, tmp_path: Path) -> tuple[Path, int, bytes]:
    """A data folder with one good backup, whose database then became garbage."""
    kept = communications.log(harness.store, notes="银行：开户预约周三").value
    backup.make_backup(harness.store, "manual")
    harness.store.close()
    database = harness.data_dir / DATABASE_NAME
    for suffix in ("-wal", "-shm"):
        database.with_name(DATABASE_NAME + suffix).unlink(missing_ok=True)
    garbage = bytes(range(256)) * 64
    database.write_bytes(garbage)
    return harness.data_dir, kept.id, garbage


def test_garbage_at_start_is_set_aside_untouched_and_the_newest_backup_restored(
    garbage_store: tuple[Path, int, bytes],
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> None:
    data_dir, kept_id, garbage = garbage_store
    shown: list[tuple[str, str, str]] = []

    def choose_newest(dialog: RecoveryDialog) -> int:
        shown.append((dialog.problem.text(), dialog.kept.text(), dialog.offer.text()))
        assert dialog.newest_button.isEnabled()
        dialog.choice = CHOICE_NEWEST
        return 1

    monkeypatch.setattr(RecoveryDialog, "exec", choose_newest)

    assert check_before_open(data_dir, None) is True

    ((problem, kept, offer),) = shown
    assert problem == (
        f"The file {data_dir / DATABASE_NAME} is not a database any more: it has been "
        "overwritten or damaged."
    )
    assert "kept exactly as it is" in kept
    assert str(data_dir / "damaged") in kept
    assert "2026-11-24 09:00 (made by hand)" in offer
    (aside,) = (data_dir / "damaged").iterdir()
    assert (aside / DATABASE_NAME).read_bytes() == garbage  # untouched, byte for byte
    (told,) = boxes.information
    assert str(aside) in told
    store = open_store(data_dir, clock=clock)
    try:
        assert communication_queries.get(store, kept_id).notes == "银行：开户预约周三"
    finally:
        store.close()


def test_quit_at_the_recovery_dialog_leaves_everything_as_it_was(
    garbage_store: tuple[Path, int, bytes], boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, _kept, garbage = garbage_store

    def quit_(dialog: RecoveryDialog) -> int:
        dialog.quit_button.click()
        assert dialog.choice == CHOICE_QUIT
        return 0

    monkeypatch.setattr(RecoveryDialog, "exec", quit_)
    assert check_before_open(data_dir, None) is False
    assert (data_dir / DATABASE_NAME).read_bytes() == garbage
    assert not (data_dir / "damaged").exists()
    assert boxes.information == []


def test_a_database_from_a_newer_version_is_left_alone(
    harness: Harness, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.store.close()
    database = harness.data_dir / DATABASE_NAME
    conn = sqlite3.connect(database)
    try:
        conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
        conn.commit()
    finally:
        conn.close()
    before = database.read_bytes()
    monkeypatch.setattr(RecoveryDialog, "exec", lambda _self: pytest.fail("not a recovery"))

    assert check_before_open(harness.data_dir, None) is False

    (message,) = boxes.critical
    assert "newer version of Liaison Hub" in message
    assert "has not been changed" in message
    assert database.read_bytes() == before
    assert not (harness.data_dir / "damaged").exists()


def test_a_sound_or_new_folder_opens_without_a_question(tmp_path: Path, boxes: Boxes) -> None:
    assert check_before_open(tmp_path / "new", None) is True
    assert boxes == Boxes()


# --- models --------------------------------------------------------------------------------


def test_the_models_pass_the_model_tester(
    harness: Harness, qtmodeltester: object, tmp_path: Path
) -> None:
    communications.log(harness.store, notes="one")
    backup.make_backup(harness.store, "manual")
    harness.clock.now = NOW.replace(hour=10)
    communications.log(harness.store, notes="two")
    backup.make_backup(harness.store, "periodic")
    model = BackupsModel()
    model.set_items(list_backups(harness.data_dir))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert _column(model, B_REASON) == ["periodic", "made by hand"]

    sha = _attach(harness.store, tmp_path, "a.pdf", b"a" * 100)
    filestore.path_for(harness.store.files_dir, sha).unlink()
    findings = FindingsModel()
    findings.set_items(check_store(harness.store).findings)
    assert findings.rowCount() >= 1
    qtmodeltester.check(findings)  # type: ignore[attr-defined]


def test_menu_actions_are_named_and_follow_the_language(actions: SafetyActions) -> None:
    texts = [a.text() for a in actions.menu_actions() if not a.isSeparator()]
    assert texts == [
        "&Back up now",
        "B&ackups…",
        "&Check data…",
        "&Export archive…",
        "&Import archive…",
    ]
    assert actions.menu_title() == "&Data"
