"""A laptop's checkout in the main window: the sync line in the status bar, and the
conflicts a sync kept, settled side by side in their dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.services import actions, cases, organisations
from coordinator.store.models import Action, Case
from coordinator.store.storage import Store
from coordinator.sync import conflicts
from coordinator.sync.checkout import checkout
from coordinator.sync.exchange import sync
from ui.dialogs.sync_conflicts import CombineDialog, SyncConflictsDialog
from ui.main_window import MainWindow

LAPTOP_NOTES = "笔记本：企业要求加急"
OFFICE_NOTES = "办公室：等待环评"


def _one(store: Store, model: type[Case] | type[Action]) -> int:
    with store.read() as session:
        found = session.scalar(select(model.id).order_by(model.id))
        assert found is not None
        return int(found)


def _notes(store: Store) -> str:
    with store.read() as session:
        return str(session.scalar(select(Case.notes)))


@pytest.fixture
def laptop(store: Store, tmp_path: Path) -> Iterator[Store]:
    """The office (``store``) and a laptop checked out from it, the same case's notes
    changed on both, then synced: one same-field conflict, and a step done on the laptop
    while blocked at the office (settled by meaning)."""
    park = organisations.create(store, "滨海产业园管委会", OrganisationKind.PARK).value
    company = organisations.create(store, "星河新能源有限公司", OrganisationKind.COMPANY).value
    case = cases.open_case(store, "星河电池工厂落地", company_id=company.id).value
    actions.add(store, case.id, park.id, "园区入驻审批")
    copy, _report = checkout(store, tmp_path / "laptop")
    cases.update(copy, _one(copy, Case), notes=LAPTOP_NOTES)
    cases.update(store, _one(store, Case), notes=OFFICE_NOTES)
    actions.set_status(copy, _one(copy, Action), ActionStatus.DONE)
    actions.set_status(store, _one(store, Action), ActionStatus.BLOCKED, reason="缺材料")
    sync(copy, store, backup=False)
    yield copy
    copy.close()


def _window(store: Store, qtbot: QtBot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store, settings)
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.mark.usefixtures("english")
def test_settling_a_conflict_with_the_offices_value(
    laptop: Store, store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    win = _window(laptop, qtbot, tmp_path)
    item = win.sync_status
    assert item.isVisible()
    assert "Office sync: last " in item.text()
    assert item.text().endswith("· 1 conflict")
    assert win.sync_conflicts_action.isEnabled()

    qtbot.mouseClick(item, Qt.MouseButton.LeftButton)  # the line opens the conflicts
    dialog = win.findChild(SyncConflictsDialog)
    assert isinstance(dialog, SyncConflictsDialog)
    qtbot.waitExposed(dialog)
    assert dialog.list.count() == 1
    assert "Notes" in dialog.list.item(0).text()
    # Side by side: this laptop's on the left, the office's on the right, one in use.
    assert dialog.here.title() == "On this laptop"
    assert dialog.here.value.toPlainText() == LAPTOP_NOTES
    assert dialog.there.title() == "At the office"
    assert dialog.there.value.toPlainText() == OFFICE_NOTES
    assert dialog.here.x() < dialog.there.x()
    assert dialog.here.y() == dialog.there.y()
    in_use = [s.in_use.text() for s in (dialog.here, dialog.there)]
    assert sorted(in_use) == ["", "✓ In use now"]
    assert "测试员" in dialog.here.who.text()
    assert dialog.keep_theirs.isVisible()
    assert dialog.combine.isVisible()
    assert not dialog.restore.isVisible()
    assert not dialog.leave.isVisible()
    # The step kept done is told, not asked.
    assert "园区入驻审批" in dialog.settled_note.text()
    assert "kept done" in dialog.settled_note.text()

    qtbot.mouseClick(dialog.keep_theirs, Qt.MouseButton.LeftButton)

    assert _notes(laptop) == OFFICE_NOTES
    assert conflicts.list_conflicts(laptop) == []
    assert dialog.intro.text() == "No conflicts: everything merged."
    assert not dialog.list.isVisible()
    assert not dialog.here.isVisible()
    assert "conflict" not in item.text()
    assert item.isVisible()
    # The choice travels: after the next sync the office has it and nothing waits.
    sync(laptop, store, backup=False)
    win.refresh()
    assert _notes(store) == OFFICE_NOTES
    assert item.text().endswith("nothing waiting")


@pytest.mark.usefixtures("english")
def test_combining_two_texts(laptop: Store, qtbot: QtBot, tmp_path: Path) -> None:
    win = _window(laptop, qtbot, tmp_path)
    win.sync_conflicts_action.trigger()
    dialog = win.findChild(SyncConflictsDialog)
    assert isinstance(dialog, SyncConflictsDialog)

    def edit_and_save() -> None:
        editor = dialog.findChild(CombineDialog)
        assert isinstance(editor, CombineDialog)
        assert editor.text() == f"{LAPTOP_NOTES}\n{OFFICE_NOTES}"
        editor.editor.setPlainText("两边都对：加急，等待环评")
        editor.accept()

    qtbot.waitUntil(lambda: dialog.isVisible())
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, edit_and_save)
    assert dialog.combine_texts()
    assert _notes(laptop) == "两边都对：加急，等待环评"
    assert win.sync_status.text().count("conflict") == 0


def test_the_line_is_hidden_for_data_that_is_not_a_checkout(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    cases.open_case(store, "不同步的案子")
    win = _window(store, qtbot, tmp_path)
    assert not win.sync_status.isVisible()
    assert not win.sync_conflicts_action.isEnabled()
    assert win.show_sync_conflicts() is None


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screens_in_both_languages(laptop: Store, qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.printing.fonts import apply_app_font, register_fonts

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    register_fonts()
    apply_app_font(app)  # the shipped CJK font, as the app has it: the grabs show real glyphs
    set_language(lang)
    try:
        win = _window(laptop, qtbot, tmp_path)
        win.resize(1366, 768)
        dialog = win.show_sync_conflicts()
        assert dialog is not None
        qtbot.waitExposed(dialog)
        if lang == "zh_CN":
            assert win.sync_status.text().startswith("办公室同步")
            assert dialog.here.title() == "本机"
            assert "已办结" in dialog.settled_note.text()  # a status as its label
        win.statusBar().grab().save(f"/tmp/syncui-status-{lang}.png")
        dialog.grab().save(f"/tmp/syncui-dialog-{lang}.png")
    finally:
        set_language("en")
        app.setFont(font)


def test_only_free_text_can_be_combined(laptop: Store) -> None:
    from ui.dialogs.sync_conflicts import combinable

    every = conflicts.list_conflicts(laptop, open_only=False)
    notes = next(c for c in every if c.field == "notes")
    status = next(c for c in every if c.field == "status")
    assert combinable(notes)
    assert not combinable(status)
