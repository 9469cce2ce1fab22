"""The main window over a real store: Today's lists, counts, language switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.kinds import Channel
from coordinator.queries import actions as action_queries
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, templates
from coordinator.store.storage import Store
from ui.main_window import MainWindow

NOW = datetime(2026, 11, 25, 10, 30)  # a Wednesday


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "data", clock=lambda: NOW)
    templates.install_builtin(store)
    yield store
    store.close()


@pytest.fixture
def window(store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store, settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    set_language("en")


def _column(view_model: object, column: int) -> list[str]:
    from ui.widgets.rows_model import RowsModel

    assert isinstance(view_model, RowsModel)
    return [str(view_model.data(view_model.index(r, column))) for r in range(view_model.rowCount())]


def test_today_lists_what_needs_the_officer(store: Store, window: MainWindow) -> None:
    case = cases.open_case(
        store,
        "AOI 项目落地",
        company_name="宁波澄明光电科技有限公司",
        template_key="company_landing",
        opened_at=datetime(2026, 11, 24, 8, 40),
    ).value
    park = action_queries.for_case(store, case.id)[0]
    actions.set_status(store, park.id, "in_progress", at=datetime(2026, 11, 24, 9, 0))
    communications.log(
        store,
        at=datetime(2026, 11, 25, 9, 5),
        channel=Channel.WECHAT,
        raw_number="13905741234",
        notes="企业来电询问开户\n第二行",
    )
    communications.log(
        store,
        at=datetime(2026, 11, 25, 9, 15),
        case_id=case.id,
        notes="答应下午回电",
        follow_up_due=datetime(2026, 11, 25, 15, 0),
    )

    window.refresh()

    overdue = window.today.overdue.model
    assert _column(overdue, 0) == [case.reference]
    assert _column(overdue, 2) == ["园区入驻审核与注册地址确认"]
    # promised 2 working hours from 9:00 on the 24th: due 11:00. Until 10:30 on the 25th:
    # 11:00-12:00 and 13:30-17:30 on the 24th, 8:30-10:30 on the 25th = 7 working hours.
    assert _column(overdue, 5) == ["7 h over"]
    assert _column(window.today.unfiled.model, 3) == ["企业来电询问开户"]
    assert _column(window.today.follow_ups.model, 4) == ["答应下午回电"]
    documents_held = _column(window.today.documents.model, 3)
    assert set(documents_held) == {"宁波澄明光电科技有限公司"}
    assert window.today.due_today.is_empty
    assert window.today.due_today.table.isHidden()
    assert "No step falls due today" in window.today.due_today.empty.text()
    status = window.counts_label.text()
    assert "Overdue: 1" in status
    assert "Unfiled: 1" in status
    assert "Follow-ups: 1" in status


def test_language_switch_retranslates_in_place(window: MainWindow) -> None:
    window.sidebar.setCurrentRow(1)
    assert window.sidebar.item(0).text() == "Today"
    set_language("zh_CN")
    window.retranslate()
    assert window.sidebar.item(0).text() == "今日"
    assert window.windowTitle() != "Liaison Hub"
    assert window.sidebar.currentRow() == 1  # the officer stays where they were
    set_language("en")
    window.retranslate()
    assert window.sidebar.item(1).text() == "Cases"


def test_rows_model_passes_the_model_tester(window: MainWindow, qtmodeltester: object) -> None:
    window.refresh()
    qtmodeltester.check(window.today.overdue.model)  # type: ignore[attr-defined]
    qtmodeltester.check(window.cases.model)  # type: ignore[attr-defined]


def test_window_geometry_is_remembered(store: Store, qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    first = MainWindow(store, settings)
    qtbot.addWidget(first)
    # the offscreen screen is small: keep the width the window needs, change the height
    first.resize(first.minimumSizeHint().width(), 530)
    first.show()
    expected = (first.width(), first.height())
    first.close()
    second = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert expected[1] == 530
    # the height proves the restore (a fresh window would be 800 high); the width may be
    # cut to the offscreen screen's 800 pixels
    assert second.height() == 530
