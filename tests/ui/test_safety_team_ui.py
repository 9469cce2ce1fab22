"""The Data menu when the data is on an office server, driven as the officer drives it:
Back up now makes the server's own dump, Backups… says plainly what applies and
restores, Check data offers what can be repaired there, an archive import warns that it
replaces everyone's data, and start-up does not look for a laptop file it does not use.

Each test's data folder names a database of its own on the run's PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.paths import DATABASE_NAME
from coordinator.queries import communications as communication_queries
from coordinator.queries import documents as document_queries
from coordinator.safety.catalogue import backups_for
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, documents, templates
from coordinator.store.local_settings import set_database_url
from coordinator.store.storage import Store
from tests.postgres_server import PostgresServer
from ui.dialogs.safety import B_REASON, F_REPAIR, BackupsDialog, CheckDialog
from ui.dialogs.safety_actions import SafetyActions, backup_on_quit, check_before_open

NOW = datetime(2026, 11, 24, 9, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Team:
    """What the main window gives SafetyActions, on an office server's store."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.clock = Clock(NOW)
        self.store = open_store(data_dir, clock=self.clock)
        templates.install_builtin(self.store)

    def get(self) -> Store:
        return self.store

    def close(self) -> None:
        self.store.close()

    def reopen(self) -> None:
        self.store = open_store(self.data_dir, clock=self.clock)


@pytest.fixture
def team(postgres: PostgresServer, tmp_path: Path) -> Iterator[Team]:
    set_language("en")
    database = postgres.create_database()
    data_dir = tmp_path / "data"
    set_database_url(data_dir, postgres.url(database))
    made = Team(data_dir)
    yield made
    made.store.close()
    postgres.drop_database(database)


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box's text; questions answered Yes."""
    texts: list[str] = []

    def box(_parent: object, _title: str, text: str, *_a: object, **_k: object) -> object:
        texts.append(text)
        return QMessageBox.StandardButton.Yes

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(box))
    return texts


@pytest.fixture
def actions(team: Team, qtbot: QtBot) -> Iterator[SafetyActions]:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    made = SafetyActions(window, team.get, team.close, team.reopen, auto_backup=False)
    yield made
    made.shut_down()


def _top(kind: type) -> object:
    (found,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found


def test_backups_say_what_applies_on_a_server_and_restore_it(
    actions: SafetyActions, team: Team, said: list[str], qtbot: QtBot
) -> None:
    kept = communications.log(team.store, notes="税务局回电：材料齐全").value
    assert backup_on_quit(None, team.store) is not None  # skipped at once: the server's job
    assert backups_for(team.data_dir, team.store.url) == []
    actions.back_up_action.trigger()
    (made,) = backups_for(team.data_dir, team.store.url)
    assert made.on_server
    assert made.reason == "manual"
    assert str(made.path) in said[-1]
    communications.delete(team.store, kept.id)

    actions.backups_action.trigger()
    dialog = _top(BackupsDialog)
    assert isinstance(dialog, BackupsDialog)
    intro = dialog.intro.text()
    assert intro.startswith(f"Your data is on the office server {team.store.where}")
    assert "Its regular backups are made on the server itself" in intro
    assert [dialog.model.index(r, B_REASON).data() for r in range(1)] == ["made by hand"]
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)

    question = next(t for t in said if t.startswith("Put back the office's data"))
    assert f"every officer who works on the server {team.store.where}" in question
    assert said[-1].startswith("The data as it was on 2026-11-24 09:00 is back.")
    back = [communication_queries.get(team.store, i) for i in communication_queries.ids(team.store)]
    assert [c.notes for c in back] == ["税务局回电：材料齐全"]  # the store in use sees it
    assert {b.reason for b in backups_for(team.data_dir, team.store.url)} == {
        "manual",
        "before-restore",
    }
    dialog.close()


def test_check_data_offers_to_remove_content_nobody_refers_to(
    actions: SafetyActions, team: Team, said: list[str], qtbot: QtBot, tmp_path: Path
) -> None:
    case = cases.open_case(team.store, "检查", template_key="company_landing").value
    document = document_queries.for_case(team.store, case.id)[0]
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"scan " * 100)
    record = documents.attach_file(team.store, document.id, source).value
    documents.remove_file(team.store, document.id, record.files[0].id)

    dialog = actions.check_data()
    assert isinstance(dialog, CheckDialog)
    assert dialog.model.rowCount() == 2  # that content, and the calendar's warning
    repairs = [dialog.model.index(r, F_REPAIR).data() for r in range(2)]
    assert "Remove it from the database (a backup is made first)" in repairs
    qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton)
    assert "Backed up first as " in dialog.repairs.toPlainText()
    assert "no document refers to" not in " ".join(
        dialog.model.index(r, 1).data() for r in range(dialog.model.rowCount())
    )
    dialog.close()


def test_an_archive_import_says_it_replaces_everyones_data(
    actions: SafetyActions, team: Team, said: list[str], tmp_path: Path
) -> None:
    communications.log(team.store, notes="共享的记录")
    from coordinator.safety.archive import export_archive

    made = tmp_path / "all.zip"
    export_archive(team.store, made)
    result = actions.import_archive(made)
    assert result is not None
    question = next(t for t in said if "importing replaces it" in t)
    assert question.startswith(
        f"Your data is on the office server {team.store.where}: importing replaces it for "
        "every officer who works there."
    )
    assert result.safety is not None
    assert result.safety.on_server


def test_start_up_does_not_look_for_a_laptop_file_on_a_server(team: Team, said: list[str]) -> None:
    # A laptop file from before the folder joined the server, damaged since: not in use.
    (team.data_dir / DATABASE_NAME).write_bytes(b"garbage" * 1000)
    assert check_before_open(team.data_dir, None)
    assert said == []
