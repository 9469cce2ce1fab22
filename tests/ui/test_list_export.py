"""Ctrl+E on every list: the file holds the rows the list shows, in its order, under its
columns, whatever the filter and the sort; yes and no are words (是/否)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMessageBox, QTreeView
from pytestqt.qtbot import QtBot

from coordinator.formatting import short_datetime
from coordinator.i18n import set_language
from coordinator.store.storage import Store
from tests.ui.conftest import DEMO_NOW
from ui.main_window import (
    PAGE_ACTIONS,
    PAGE_CASES,
    PAGE_COMMUNICATIONS,
    PAGE_CONTACTS,
    PAGE_DOCUMENTS,
    PAGE_INBOX,
    PAGE_TODAY,
    MainWindow,
)
from ui.widgets.list_export import shown_columns


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("zh_CN")
    win = MainWindow(
        demo_store,
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
        clock=lambda: DEMO_NOW,
    )
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    set_language("en")


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    return said


def press_ctrl_e(
    window: MainWindow, view: QAbstractItemView, target: Path, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[Any, ...]]:
    """Focus the list, press Ctrl+E, answer the save dialog; the rows read back."""
    asked: list[str] = []

    def save_as(*args: Any, **_kwargs: Any) -> tuple[str, str]:
        asked.append(str(args[2]))  # the suggested file name
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    view.setFocus()
    window.activateWindow()
    target.unlink(missing_ok=True)
    QtBot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert asked, "Ctrl+E asked for no file"
    assert target.exists()
    sheet = load_workbook(target).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def shown_rows(view: QAbstractItemView) -> list[tuple[str, ...]]:
    """What the list shows, row by row (a tree's children under their parent)."""
    model = view.model()
    columns = shown_columns(view)
    found: list[tuple[str, ...]] = []

    def walk(parent: Any) -> None:
        for row in range(model.rowCount(parent)):
            found.append(tuple(str(model.index(row, c, parent).data() or "") for c in columns))
            first = model.index(row, 0, parent)
            if isinstance(view, QTreeView) and model.hasChildren(first):
                walk(first)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return found


def same_cell(shown: str, written: Any) -> bool:
    """A written value is the shown one, typed: a time in full, a count as a number,
    a yes/no as 是/否 (the list shows "是" or nothing)."""
    if written is None:
        return shown == ""
    if isinstance(written, datetime):
        return shown in {short_datetime(written, DEMO_NOW), short_datetime(written)}
    if isinstance(written, int):
        return shown == (str(written) if written else "")
    if written in ("是", "否") and shown in ("是", ""):
        return (written == "是") == (shown == "是")
    return shown == written


def assert_same(view: QAbstractItemView, rows: list[tuple[Any, ...]]) -> None:
    model = view.model()
    header, *body = rows
    columns = shown_columns(view)
    assert list(header) == [model.headerData(c, Qt.Orientation.Horizontal) for c in columns]
    shown = shown_rows(view)
    assert len(body) == len(shown) > 0
    for n, (on_screen, in_file) in enumerate(zip(shown, body, strict=True)):
        bad = [
            (header[c], s, w)
            for c, (s, w) in enumerate(zip(on_screen, in_file, strict=True))
            if not same_cell(s, w)
        ]
        assert not bad, f"row {n}: {bad}"


def test_cases_filtered_and_sorted(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_CASES)
    view = window.cases
    view.status.setCurrentIndex(1)  # open and on hold
    view.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    all_cases = window.cases.model.rowCount()
    rows = press_ctrl_e(window, view.table, tmp_path / "cases.xlsx", monkeypatch)
    assert_same(view.table, rows)
    references = [r[0] for r in rows[1:]]
    assert references == sorted(references)  # the sort chosen, not the default
    assert 0 < len(references) == all_cases
    fast = [r[5] for r in rows[1:]]
    assert set(fast) == {"是", "否"}  # never TRUE/FALSE, never blank
    assert messages == [f"已写入 {len(references)} 行到 {tmp_path / 'cases.xlsx'}。"]


def test_communications_filtered_and_sorted(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_COMMUNICATIONS)
    view = window.communications
    view.channel.setCurrentIndex(1)
    view.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.AscendingOrder)  # who
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    rows = press_ctrl_e(window, view.table, tmp_path / "comms.xlsx", monkeypatch)
    assert_same(view.table, rows)
    assert isinstance(rows[1][0], datetime)  # the time in full, typed


def test_steps_across_cases_with_waiting_and_working_time(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    view.status.setCurrentIndex(1)  # every status
    view.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.AscendingOrder)  # step
    rows = press_ctrl_e(window, view.table, tmp_path / "steps.xlsx", monkeypatch)
    assert_same(view.table, rows)
    assert {"等待", "工作时间"} <= set(rows[0])
    waiting = rows[0].index("等待")
    assert sum(1 for r in rows[1:] if r[waiting]) > len(rows) // 2

    view.departments.setFocus()  # the department summary beside it exports on its own
    departments = press_ctrl_e(window, view.departments, tmp_path / "deps.xlsx", monkeypatch)
    assert_same(view.departments, departments)


def test_documents_across_cases(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_DOCUMENTS)
    view = window.documents_view
    view.state.setCurrentIndex(view.state.count() - 1)
    view.state.setCurrentIndex(0)
    view.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # title
    rows = press_ctrl_e(window, view.table, tmp_path / "docs.xlsx", monkeypatch)
    assert_same(view.table, rows)
    assert "等待" in rows[0]
    titles = [r[1] for r in rows[1:]]
    assert titles == sorted(titles, reverse=True) or len(set(titles)) < len(titles)


def test_inbox_contacts_and_organisations(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_INBOX)
    inbox = window.inbox
    rows = press_ctrl_e(window, inbox.table, tmp_path / "inbox.xlsx", monkeypatch)
    assert_same(inbox.table, rows)

    window.show_page(PAGE_CONTACTS)
    contacts = window.contacts
    people = contacts.contacts.list
    people.search.setText("局")
    people.apply_filter()
    people.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: people.model.rowCount() > 0)
    rows = press_ctrl_e(window, people.table, tmp_path / "people.xlsx", monkeypatch)
    assert_same(people.table, rows)

    contacts.tabs.setCurrentIndex(1)
    organisations = contacts.organisations.list
    organisations.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    rows = press_ctrl_e(window, organisations.table, tmp_path / "orgs.xlsx", monkeypatch)
    assert_same(organisations.table, rows)


def test_a_cases_own_steps_and_documents(
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[str],
) -> None:
    window.show_page(PAGE_CASES)
    window.cases.table.selectRow(0)
    window.cases.open_selected()
    case = window.case_view
    for tab, name in ((0, "steps"), (1, "documents"), (2, "comms")):
        case.tabs.setCurrentIndex(tab)
        shown = case.tabs.currentWidget()
        lists = [shown] if isinstance(shown, QAbstractItemView) else shown.findChildren(QTreeView)
        view = lists[0]
        if view.model().rowCount() == 0:
            continue
        rows = press_ctrl_e(window, view, tmp_path / f"{name}.xlsx", monkeypatch)
        assert_same(view, rows)


def test_csv_is_chosen_by_its_name(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: list[str]
) -> None:
    window.show_page(PAGE_CASES)
    target = tmp_path / "cases.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_list_action.trigger()
    text = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(text) == window.cases.model.rowCount() + 1
    assert "TRUE" not in target.read_text(encoding="utf-8-sig")


def test_nothing_to_export_on_today(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    window.show_page(PAGE_TODAY)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("asked for a file")
    )
    window.export_list_action.trigger()
    assert window.statusBar().currentMessage() == "此页面没有可导出的列表。"
