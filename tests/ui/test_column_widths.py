"""The numbers that matter are never cut off: times, durations, statuses and phone numbers
are shown whole at 1366 × 768, in English and Chinese, with the demo data; notes take the
room left over; a cell that is cut short shows its text when pointed at."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QRect, QSettings, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTableView, QToolTip, QTreeView
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.queries import cases as case_queries
from coordinator.services import settings
from coordinator.store.storage import Store
from ui.main_window import (
    PAGE_ACTIONS,
    PAGE_COMMUNICATIONS,
    PAGE_CONTACTS,
    PAGE_DOCUMENTS,
    MainWindow,
)
from ui.widgets.column_kinds import Kind
from ui.widgets.lazy_table import COL_CASE, COL_NOTES
from ui.widgets.tables import NEVER_CUT, column_kinds

TAB_STEPS, TAB_COMMUNICATIONS = 0, 2


@pytest.fixture(params=["en", "zh_CN"])
def window(
    request: pytest.FixtureRequest, demo_store: Store, qtbot: QtBot, tmp_path: Path
) -> Iterator[MainWindow]:
    set_language(request.param)
    win = MainWindow(demo_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    set_language("en")


def _settle(qtbot: QtBot) -> None:
    qtbot.wait(20)  # the columns are fitted once the burst of changes is over


def _header(view: QAbstractItemView) -> tuple[int, ...]:
    header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()  # type: ignore[attr-defined]
    return tuple(header.sectionSize(c) for c in range(header.count()))


def _indexes(view: QAbstractItemView, column: int) -> Iterator[QModelIndex]:
    model = view.model()
    pending = [QModelIndex()]
    while pending:
        parent = pending.pop()
        for row in range(model.rowCount(parent)):
            yield model.index(row, column, parent)
            first = model.index(row, 0, parent)
            if isinstance(view, QTreeView) and model.hasChildren(first):
                pending.append(first)


def _cut_cells(view: QAbstractItemView, where: str, qtbot: QtBot) -> list[str]:
    """The cells of never-cut kinds whose text is wider than their column leaves it: every
    item of a tree; a table's rows page by page, as the officer scrolls through them."""
    kinds = column_kinds(view)
    model = view.model()
    assert len(kinds) == model.columnCount(), f"{where}: a kind for every column"
    style = view.style()
    margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    grid = 1 if isinstance(view, QTableView) and view.showGrid() else 0
    columns = [
        (c, k)
        for c, k in enumerate(kinds)
        if k in NEVER_CUT and not view.isColumnHidden(c)  # type: ignore[attr-defined]
    ]
    cut: list[str] = []
    checked = 0

    def check(indexes: Iterator[QModelIndex], column: int, kind: Kind) -> None:
        nonlocal checked
        width = _header(view)[column]
        for index in indexes:
            text = index.data()
            if not text:
                continue
            font = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetricsF(font if isinstance(font, QFont) else view.font())
            needed = math.ceil(metrics.horizontalAdvance(text)) + margin + grid
            checked += 1
            if needed > width:
                cut.append(f"{where} [{kind.value}] {text!r}: {needed} > {width}")

    if isinstance(view, QTreeView):
        for column, kind in columns:
            check(_indexes(view, column), column, kind)
    else:
        assert isinstance(view, QTableView)
        top = 0
        while top < model.rowCount():
            view.scrollTo(model.index(top, 0), QAbstractItemView.ScrollHint.PositionAtTop)
            _settle(qtbot)
            first = view.rowAt(0)
            last = view.rowAt(view.viewport().height() - 1)
            last = model.rowCount() - 1 if last < 0 else last
            for column, kind in columns:
                rows = range(first, last + 1)
                check((model.index(r, column) for r in rows), column, kind)
            top = last + 1
    assert checked, f"{where}: no cell was checked"
    return cut


def test_no_time_duration_status_or_phone_is_cut_at_1366(window: MainWindow, qtbot: QtBot) -> None:
    cut: list[str] = []
    view = window.case_view
    for case in case_queries.list_cases(window.store):
        window.open_record("case", case.id)
        for tab, table in (
            (TAB_STEPS, view.actions_tab.tree),
            (TAB_COMMUNICATIONS, view.comm_table),
        ):
            view.tabs.setCurrentIndex(tab)
            _settle(qtbot)
            if table.model().rowCount():
                cut += _cut_cells(table, f"{case.reference} tab {tab}", qtbot)
    for page, name in (
        (PAGE_ACTIONS, "actions"),
        (PAGE_DOCUMENTS, "documents"),
        (PAGE_COMMUNICATIONS, "communications"),
        (PAGE_CONTACTS, "contacts"),
    ):
        window.show_page(page)
        _settle(qtbot)
        page_view = window.page(page)
        if page == PAGE_ACTIONS:
            cut += _cut_cells(page_view.departments, "departments", qtbot)
            page_view.status.setCurrentIndex(1)  # every step, the done ones too
            _settle(qtbot)
        if page == PAGE_DOCUMENTS:
            page_view.state.setCurrentIndex(page_view.state.findData("all"))
            _settle(qtbot)
        table = page_view.contacts.list.table if page == PAGE_CONTACTS else page_view.table
        cut += _cut_cells(table, name, qtbot)
    assert cut == []


def test_a_case_s_communications_give_the_notes_the_room(window: MainWindow, qtbot: QtBot) -> None:
    aoi = next(c for c in case_queries.list_cases(window.store) if "AOI" in c.title)
    window.open_record("case", aoi.id)
    view = window.case_view
    view.tabs.setCurrentIndex(TAB_COMMUNICATIONS)
    _settle(qtbot)
    table = view.comm_table
    assert table.isColumnHidden(COL_CASE)  # every row is of this case
    widths = _header(table)
    others = sum(w for c, w in enumerate(widths) if c != COL_NOTES and not table.isColumnHidden(c))
    assert widths[COL_NOTES] >= table.viewport().width() - others - 1
    assert widths[COL_NOTES] > max(w for c, w in enumerate(widths) if c != COL_NOTES)


def test_a_cell_cut_short_shows_its_text_when_pointed_at(window: MainWindow, qtbot: QtBot) -> None:
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    _settle(qtbot)
    table = view.departments
    header = table.horizontalHeader()
    assert column_kinds(table)[0] is Kind.NAME
    header.resizeSection(0, 30)  # as the officer may drag it
    index = table.model().index(1, 0)
    rect = table.visualRect(index)
    point = rect.center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, point, table.viewport().mapToGlobal(point))
    table.viewportEvent(event)
    assert QToolTip.isVisible()
    assert QToolTip.text() == index.data()
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
    # A cell shown whole has no tooltip of its own.
    header.resizeSection(0, 400)
    rect = table.visualRect(index)
    point = rect.center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, point, table.viewport().mapToGlobal(point))
    table.viewportEvent(event)
    assert not QToolTip.isVisible()


def test_pinned_cases_wrap_in_the_sidebar(window: MainWindow, qtbot: QtBot) -> None:
    for case in case_queries.list_cases(window.store)[:3]:
        settings.set_pinned(window.store, case.id, True)
    window.refresh()
    _settle(qtbot)
    pinned = window.pinned
    assert pinned.count() == 3
    width = pinned.viewport().width()
    metrics = pinned.fontMetrics()
    for row in range(pinned.count()):
        item = pinned.item(row)
        rect = pinned.visualItemRect(item)
        assert rect.right() <= width
        wrapped = metrics.boundingRect(
            QRect(0, 0, rect.width() - 8, 10_000), Qt.TextFlag.TextWordWrap, item.text()
        )
        assert rect.height() >= wrapped.height(), item.text()
        assert item.toolTip()
