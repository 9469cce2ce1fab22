"""A restore replaces the database under a running window: every view is built again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.safety import backup, restore
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, templates
from coordinator.store.storage import Store
from ui.main_window import PAGE_CASES, PAGE_COMMUNICATIONS, MainWindow

NOW = datetime(2026, 11, 25, 10, 0)


@pytest.fixture
def window(tmp_path: Path, qtbot: QtBot) -> Iterator[MainWindow]:
    set_language("en")
    store = open_store(tmp_path / "data", clock=lambda: NOW)
    templates.install_builtin(store)
    win = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.store.close()


def test_restore_under_a_running_window_rebuilds_every_view(window: MainWindow) -> None:
    store = window.store
    case = cases.open_case(store, "备份前的事项").value
    communications.log(store, notes="备份前的来电", case_id=case.id)
    made = backup.make_backup(store, "manual").backup
    assert made is not None
    later = cases.open_case(store, "备份后的事项").value
    window.show_page(PAGE_CASES)
    window.show_page(PAGE_COMMUNICATIONS)
    assert window.cases.model.rowCount() == 2
    replaced: list[Store] = []
    window.store_replaced.connect(replaced.append)

    window.close_store()
    restore.restore_backup(store.data_dir, made)
    window.reopen_store()

    assert len(replaced) == 1
    assert window.store is replaced[0]
    assert window.hub.store is replaced[0]
    assert window.stack.currentIndex() == PAGE_COMMUNICATIONS  # the officer stays put
    assert window.communications.model.rowCount() == 1
    window.show_page(PAGE_CASES)
    ids = [window.cases.model.id_at(r) for r in range(window.cases.model.rowCount())]
    assert ids == [case.id]  # the case opened after the backup is gone with the restore
    assert later.id not in ids
    # the views work on the new store: a change made now shows at once
    window.hub.call(None, cases.open_case, "恢复后的事项")
    assert window.cases.model.rowCount() == 2
    window.refresh()
    assert "Overdue: 0" in window.counts_label.text()


def test_nothing_queued_reads_the_store_once_it_is_closed(window: MainWindow, qtbot: QtBot) -> None:
    """Today's fast-track and forecast lists follow the other lists a moment later; a
    restore closing the store in that moment must not have them open the database
    again behind its back (a file being replaced, or a server connection never closed)."""
    from sqlalchemy import event

    store = window.store
    opened_after_close: list[object] = []

    @event.listens_for(store.engine, "connect")
    def _connected(dbapi_connection: object, record: object) -> None:
        if store.closed:
            opened_after_close.append(dbapi_connection)

    window.refresh()  # queues the fast-track and likely-late lists
    window.close_store()
    qtbot.wait(50)
    assert opened_after_close == []
