"""Actions and documents across cases, driven like the officer: filters, keys, dialogs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus, DocumentState
from coordinator.queries import actions as aq
from coordinator.services import actions, documents
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views import department_sources
from ui.views.actions import ActionsView
from ui.views.department_sources import (
    A_DEPARTMENT,
    A_LEFT,
    A_REASON,
    A_STATUS,
    A_STEP,
    D_HOLDER,
    D_NOTE,
    D_STATE,
    D_TITLE,
    LATE_COLOUR,
    ActionsModel,
    ActionSource,
)
from ui.views.documents import DocumentsView
from ui.widgets import ask, lazy_table

NOW = datetime(2026, 11, 25, 10, 30)  # the demo's "now": a Wednesday morning


@pytest.fixture
def store(demo_store: Store) -> Store:
    return demo_store  # the demo built at NOW, copied for this test (tests/ui/conftest.py)


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What QMessageBox.warning would have shown (a modal box would block the test)."""
    shown: list[str] = []

    def capture(_parent: QWidget | None, _title: str, message: str, *_a: Any) -> None:
        shown.append(message)

    monkeypatch.setattr(QMessageBox, "warning", capture)
    return shown


def shown_view(qtbot: QtBot, view: QWidget) -> None:
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitExposed(view):
        view.show()
    # Keys reach the list's shortcuts only in the active window.
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)


def sql(store: Store, query: str) -> list[Any]:
    with store.read() as session:
        return list(session.execute(text(query)))


def status_of(store: Store, action_id: int) -> str:
    return str(sql(store, f"SELECT status FROM actions WHERE id = {action_id}")[0][0])


def action_id(store: Store, title: str, reference: str) -> int:
    rows = sql(
        store,
        "SELECT a.id FROM actions a JOIN cases c ON c.id = a.case_id "
        f"WHERE a.title = '{title}' AND c.reference = '{reference}'",
    )
    assert len(rows) == 1
    return int(rows[0][0])


def model_ids(view: ActionsView | DocumentsView) -> list[int | None]:
    return [view.model.id_at(r) for r in range(view.model.rowCount())]


def cell(view: ActionsView | DocumentsView, ident: int, column: int) -> str:
    row = view.model.row_of(ident)
    assert row is not None, f"#{ident} is not in the list"
    return str(view.model.index(row, column).data())


def press_on(qtbot: QtBot, view: ActionsView | DocumentsView, ident: int, key: Qt.Key) -> None:
    assert view.select("action" if isinstance(view, ActionsView) else "document", ident)
    view.table.setFocus()
    qtbot.keyClick(view.table, key)


# -- actions: the departments and the filters -----------------------------------------------


def test_lists_the_open_steps_longest_waiting_first(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    qtbot.addWidget(view)
    expected = [
        r[0]
        for r in sql(
            store,
            "SELECT id FROM actions WHERE status NOT IN ('done', 'cancelled') "
            "ORDER BY requested_at IS NULL, requested_at, id",
        )
    ]
    assert len(expected) == 11
    assert model_ids(view) == expected
    assert view.count_label.text() == "11 steps"
    first = view.departments_model
    assert first.data(first.index(0, 0)) == "All departments"
    assert first.data(first.index(0, 1)) == "11"


def test_choosing_a_department_shows_only_its_steps(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    summary = view.departments_model
    names = [summary.data(summary.index(r, 0)) for r in range(summary.rowCount())]
    row = names.index("区市场监督管理局")
    department = summary.id_at(row)
    rect = view.departments.visualRect(summary.index(row, 0))
    qtbot.mouseClick(view.departments.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    expected = {
        r[0]
        for r in sql(
            store,
            f"SELECT id FROM actions WHERE department_id = {department} "
            "AND status NOT IN ('done', 'cancelled')",
        )
    }
    assert expected
    assert set(model_ids(view)) == expected
    assert summary.data(summary.index(names.index("区市场监督管理局"), 1)) == str(len(expected))
    assert view.table.isColumnHidden(A_DEPARTMENT)  # it would say the same on every row

    first = view.departments.visualRect(summary.index(0, 0))
    qtbot.mouseClick(view.departments.viewport(), Qt.MouseButton.LeftButton, pos=first.center())
    assert view.model.rowCount() == 11
    assert not view.table.isColumnHidden(A_DEPARTMENT)

    assert view.select("organisation", department)  # what "open this department" does
    assert set(model_ids(view)) == expected
    assert summary.id_at(view.departments.currentIndex().row()) == department
    assert not view.select("organisation", 999_999)


def test_overdue_fast_track_and_search_filters(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    qtbot.addWidget(view)
    view.overdue.setChecked(True)
    overdue = {
        r[0]
        for r in sql(
            store,
            "SELECT id FROM actions WHERE status IN ('todo', 'in_progress', 'waiting', "
            f"'blocked') AND due_at < '{NOW.isoformat(sep=' ')}'",
        )
    }
    assert overdue
    assert set(model_ids(view)) == overdue
    for row in range(view.model.rowCount()):
        assert view.model.index(row, A_LEFT).data().endswith("over")
        assert view.model.index(row, A_LEFT).data(Qt.ItemDataRole.ForegroundRole).color() == (
            LATE_COLOUR
        )

    view.overdue.setChecked(False)
    view.fast_track.setChecked(True)
    fast = {
        r[0]
        for r in sql(
            store,
            "SELECT a.id FROM actions a JOIN cases c ON c.id = a.case_id "
            "WHERE c.fast_track AND a.status NOT IN ('done', 'cancelled')",
        )
    }
    assert fast
    assert set(model_ids(view)) == fast

    view.fast_track.setChecked(False)
    with qtbot.waitSignal(view.model.modelReset, timeout=2000):
        view.search.setText("营业执照")  # applied after the typing pause
    assert [view.model.index(r, A_STEP).data() for r in range(view.model.rowCount())] == [
        "核发营业执照"
    ]


def test_an_empty_list_says_what_to_do(qtbot: QtBot, store: Store, hub: Hub, english: None) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    view.search.setText("no such step anywhere")
    view.search_timer.timeout.emit()
    assert view.model.rowCount() == 0
    assert view.pages.currentIndex() == 1
    assert "No step matches these filters" in view.empty_text.text()
    assert view.clear_button.isVisible()
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.search.text() == ""
    assert view.model.rowCount() == 11
    assert view.pages.currentIndex() == 0


# -- actions: one key per status ----------------------------------------------------------


def test_waiting_on_the_company_key_changes_the_row_in_place(
    qtbot: QtBot, store: Store, hub: Hub, english: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, bool]] = []

    def answer(_parent: QWidget, _title: str, label: str, *, required: bool = False) -> str:
        asked.append((label, required))
        return "等企业补交租赁合同"

    monkeypatch.setattr(ask, "text", answer)
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    step = action_id(store, "注册资本变更登记", "2026-0007")
    assert status_of(store, step) == "in_progress"
    before = view.model.row_of(step)
    assert before is not None
    refreshed: list[tuple[int, int]] = []
    view.model.dataChanged.connect(lambda first, last: refreshed.append((first.row(), last.row())))
    with (
        qtbot.assertNotEmitted(view.model.modelReset),
        qtbot.waitSignal(hub.changed) as broadcast,
    ):
        press_on(qtbot, view, step, Qt.Key.Key_4)
    assert asked == [("Why? (the company's missing papers, the other step, …)", False)]
    assert status_of(store, step) == "waiting_company"
    assert step in broadcast.args[0].ids_of("action")
    assert any(first <= before <= last for first, last in refreshed)
    assert view.model.row_of(step) == before
    assert cell(view, step, A_STATUS) == "Waiting on the company"
    assert cell(view, step, A_REASON) == "等企业补交租赁合同"
    assert cell(view, step, A_LEFT).endswith("paused")  # its clock stands still
    assert view.selected_ids() == [step]


def test_blocked_asks_why_and_cancel_changes_nothing(
    qtbot: QtBot, store: Store, hub: Hub, english: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[str | None] = [None, "系统维护，明日恢复"]
    asked: list[bool] = []

    def answer(_parent: QWidget, _title: str, _label: str, *, required: bool = False) -> str | None:
        asked.append(required)
        return answers.pop(0)

    monkeypatch.setattr(ask, "text", answer)
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    step = action_id(store, "核发营业执照", "2026-0010")
    with qtbot.assertNotEmitted(hub.changed):
        press_on(qtbot, view, step, Qt.Key.Key_5)
    assert asked == [True]
    assert status_of(store, step) == "in_progress"
    assert cell(view, step, A_STATUS) == "In progress"

    press_on(qtbot, view, step, Qt.Key.Key_5)
    assert status_of(store, step) == "blocked"
    reason = sql(store, f"SELECT blocked_reason FROM actions WHERE id = {step}")[0][0]
    assert reason == "系统维护，明日恢复"
    assert cell(view, step, A_STATUS) == "Blocked"
    assert cell(view, step, A_REASON) == "系统维护，明日恢复"


def test_a_refused_change_shows_the_reason_and_changes_nothing(
    qtbot: QtBot, store: Store, hub: Hub, english: None, warnings: list[str]
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    step = action_id(store, "竞买资格审查", "2026-0005")  # waits on the notice, in progress
    with qtbot.assertNotEmitted(hub.changed):
        press_on(qtbot, view, step, Qt.Key.Key_6)
    assert warnings == ["“竞买资格审查” cannot be done before “挂牌出让公告发布” is done."]
    assert hub.last_error == warnings[0]
    assert status_of(store, step) == "todo"
    assert cell(view, step, A_STATUS) == "To do"


def test_several_steps_move_together(
    qtbot: QtBot, store: Store, hub: Hub, english: None, warnings: list[str]
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    first = action_id(store, "公章及财务章刻制备案", "2026-0010")
    second = action_id(store, "开立基本存款账户", "2026-0010")
    view.select("action", first)
    row = view.model.row_of(second)
    assert row is not None
    rect = view.table.visualRect(view.model.index(row, A_STEP))
    qtbot.mouseClick(
        view.table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        rect.center(),
    )
    assert sorted(view.selected_ids()) == sorted([first, second])
    qtbot.keyClick(view.table, Qt.Key.Key_2)
    assert warnings == []
    assert (status_of(store, first), status_of(store, second)) == ("in_progress", "in_progress")


def test_enter_and_double_click_open_the_step(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    step = action_id(store, "人才认定与政策兑现", "2026-0006")
    with qtbot.waitSignal(hub.open_requested) as opened:
        press_on(qtbot, view, step, Qt.Key.Key_Return)
    assert opened.args == ["action", step]
    row = view.model.row_of(step)
    assert row is not None
    rect = view.table.visualRect(view.model.index(row, A_STEP))
    # The view takes a double click as one on the row its first press landed on.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(hub.open_requested) as opened:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == ["action", step]


def test_select_clears_the_filters_that_hide_a_step(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    done = action_id(store, "核发营业执照", "2026-0001")
    view.fast_track.setChecked(False)
    view.overdue.setChecked(True)
    assert view.model.row_of(done) is None
    assert view.select("action", done)
    assert not view.overdue.isChecked()
    assert view.status.currentData() == "all"
    assert view.selected_ids() == [done]
    assert cell(view, done, A_STATUS) == "Done"
    assert not view.select("action", 999_999)


def test_changes_made_elsewhere_add_and_remove_rows(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    qtbot.addWidget(view)
    view.status.setCurrentIndex(view.status.findData(ActionStatus.IN_PROGRESS.value))
    notice = action_id(store, "挂牌出让公告发布", "2026-0005")
    vetting = action_id(store, "竞买资格审查", "2026-0005")
    assert view.model.row_of(notice) is not None
    assert view.model.row_of(vetting) is None
    # a case view finishes the notice and starts the vetting
    hub.call(None, actions.set_status, notice, ActionStatus.DONE)
    assert view.model.row_of(notice) is None
    hub.call(None, actions.set_status, vetting, ActionStatus.IN_PROGRESS)
    assert view.model.row_of(vetting) is not None
    departments = view.departments_model
    trade_rows = [
        r
        for r in range(departments.rowCount())
        if departments.data(departments.index(r, 0)) == "区公共资源交易中心"
    ]
    assert len(trade_rows) == 1
    assert departments.data(departments.index(trade_rows[0], 1)) == "1"


# -- documents --------------------------------------------------------------------------------


def document_id(store: Store, title: str, reference: str) -> int:
    rows = sql(
        store,
        "SELECT d.id FROM documents d JOIN cases c ON c.id = d.case_id "
        f"WHERE d.title = '{title}' AND c.reference = '{reference}'",
    )
    assert len(rows) == 1
    return int(rows[0][0])


def test_receive_forward_accept_with_keys(
    qtbot: QtBot, store: Store, hub: Hub, english: None, warnings: list[str]
) -> None:
    view = DocumentsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    doc = document_id(store, "财务负责人及办税人员身份证明", "2026-0010")
    assert cell(view, doc, D_STATE) == "Requested"
    assert cell(view, doc, D_HOLDER) == "宁波澜拓智能装备有限公司"
    row = view.model.row_of(doc)
    with qtbot.assertNotEmitted(view.model.modelReset):
        press_on(qtbot, view, doc, Qt.Key.Key_R)
        assert cell(view, doc, D_STATE) == "Received"
        assert cell(view, doc, D_HOLDER) == "me"
        qtbot.keyClick(view.table, Qt.Key.Key_F)
        assert cell(view, doc, D_STATE) == "Forwarded"
        assert cell(view, doc, D_HOLDER) == "区税务局"
        qtbot.keyClick(view.table, Qt.Key.Key_A)
    assert warnings == []
    state, holder = sql(store, f"SELECT state, holder_id FROM documents WHERE id = {doc}")[0]
    tax = sql(store, "SELECT id FROM organisations WHERE name = '区税务局'")[0][0]
    assert (state, holder) == ("accepted", tax)
    # Accepted is outside "not yet accepted", but the row stays under the keyboard.
    assert view.model.row_of(doc) == row
    assert cell(view, doc, D_STATE) == "Accepted"
    assert cell(view, doc, D_HOLDER) == "区税务局"
    view.refresh()
    assert view.model.row_of(doc) is None


def test_the_clock_moves_without_a_reset(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    now = [NOW]
    view = ActionsView(store, hub, lambda: now[0])
    shown_view(qtbot, view)
    step = action_id(store, "外债签约登记及资金入账", "2026-0007")  # due today 17:00
    view.select("action", step)
    assert cell(view, step, A_LEFT) == "5 h left"
    now[0] = datetime(2026, 11, 25, 11, 30)
    with qtbot.assertNotEmitted(view.model.modelReset):
        view.tick()
    assert cell(view, step, A_LEFT) == "4 h left"
    assert view.selected_ids() == [step]
    now[0] = datetime(2026, 11, 25, 17, 20)
    view.overdue.setChecked(True)
    assert view.model.row_of(step) is not None  # overdue since 17:00
    assert cell(view, step, A_LEFT) == "20 min over"


def test_forward_without_a_destination_asks_for_one(
    qtbot: QtBot, store: Store, hub: Hub, english: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = document_id(store, "劳动合同", "2026-0006")
    documents.transition(store, doc, DocumentState.RECEIVED)
    documents.update(store, doc, destination_id=None)
    hr = sql(store, "SELECT id FROM organisations WHERE name = '区人力资源和社会保障局'")[0][0]
    answers: list[int | None] = [None, hr]
    monkeypatch.setattr(ask, "department", lambda *_a: answers.pop(0))
    view = DocumentsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    with qtbot.assertNotEmitted(hub.changed):
        press_on(qtbot, view, doc, Qt.Key.Key_F)
    assert cell(view, doc, D_STATE) == "Received"
    press_on(qtbot, view, doc, Qt.Key.Key_F)
    assert cell(view, doc, D_STATE) == "Forwarded"
    assert cell(view, doc, D_HOLDER) == "区人力资源和社会保障局"


def test_accept_with_items_missing_and_return(
    qtbot: QtBot, store: Store, hub: Hub, english: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    promised = datetime(2026, 11, 27, 17, 0)
    missing: list[tuple[str, datetime] | None] = [None, ("评估师资格证", promised)]
    monkeypatch.setattr(ask, "missing_items", lambda *_a: missing.pop(0))
    monkeypatch.setattr(ask, "text", lambda *_a, **_k: "盖章不清晰")
    view = DocumentsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    report = document_id(store, "土地估价报告", "2026-0005")
    press_on(qtbot, view, report, Qt.Key.Key_M)
    assert cell(view, report, D_STATE) == "Forwarded"
    press_on(qtbot, view, report, Qt.Key.Key_M)
    assert cell(view, report, D_STATE) == "Accepted with items missing"
    assert cell(view, report, D_NOTE) == "promised by 11-27 17:00"
    items, when = sql(
        store, f"SELECT missing_items, promised_completion_at FROM documents WHERE id = {report}"
    )[0]
    assert (items, when) == ("评估师资格证", "2026-11-27 17:00:00.000000")

    charter = document_id(store, "董事会增资决议", "2026-0007")
    press_on(qtbot, view, charter, Qt.Key.Key_X)
    assert cell(view, charter, D_STATE) == "Returned for correction"
    assert cell(view, charter, D_NOTE) == "盖章不清晰"
    assert cell(view, charter, D_HOLDER) == "宁波恒屹新材料有限公司"


def test_document_refusal_is_shown(
    qtbot: QtBot, store: Store, hub: Hub, english: None, warnings: list[str]
) -> None:
    view = DocumentsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    doc = document_id(store, "劳动合同", "2026-0006")  # requested: not received yet
    press_on(qtbot, view, doc, Qt.Key.Key_A)
    assert warnings == ["“劳动合同” cannot be accepted: it has not been received yet."]
    assert cell(view, doc, D_STATE) == "Requested"


def test_document_filters_and_open(qtbot: QtBot, store: Store, hub: Hub, english: None) -> None:
    view = DocumentsView(store, hub, lambda: NOW)
    shown_view(qtbot, view)
    not_accepted = {r[0] for r in sql(store, "SELECT id FROM documents WHERE state != 'accepted'")}
    assert set(model_ids(view)) == not_accepted
    view.holder.setCurrentIndex(view.holder.findData("department"))
    at_departments = {
        r[0]
        for r in sql(
            store,
            "SELECT d.id FROM documents d JOIN organisations o ON o.id = d.holder_id "
            "WHERE d.state != 'accepted' AND o.kind != 'company'",
        )
    }
    assert at_departments
    assert set(model_ids(view)) == at_departments
    market = view.holder.findText("区市场监督管理局")
    view.holder.setCurrentIndex(market)
    assert {cell(view, i, D_HOLDER) for i in model_ids(view) if i is not None} == {
        "区市场监督管理局"
    }
    view.state.setCurrentIndex(view.state.findData("all"))
    view.holder.setCurrentIndex(view.holder.findData("anyone"))
    view.search.setText("股东主体资格证明")
    view.search_timer.timeout.emit()
    assert {cell(view, i, D_TITLE) for i in model_ids(view) if i is not None} == {
        "股东主体资格证明"
    }
    assert view.model.rowCount() == 4
    doc = model_ids(view)[0]
    assert doc is not None
    with qtbot.waitSignal(hub.open_requested) as opened:
        press_on(qtbot, view, doc, Qt.Key.Key_Enter)
    assert opened.args == ["document", doc]


# -- models and language -----------------------------------------------------------------------


def test_head_and_tail_come_from_one_sorted_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small windows make the demo's eleven open steps a "long" list: head, gap, tail.
    monkeypatch.setattr(lazy_table, "EDGE", 3)
    monkeypatch.setattr(lazy_table, "WINDOW", 2)
    reads: list[tuple[str, bool, int | None]] = []
    read = ActionSource._ids

    def counting(
        self: ActionSource, session: Any, sort: str, descending: bool, limit: int | None
    ) -> list[int]:
        reads.append((sort, descending, limit))
        return read(self, session, sort, descending, limit)

    monkeypatch.setattr(ActionSource, "_ids", counting)
    expected = [
        r[0]
        for r in sql(
            store,
            "SELECT id FROM actions WHERE status NOT IN ('done', 'cancelled') "
            "ORDER BY requested_at IS NULL, requested_at, id",
        )
    ]
    model = ActionsModel(store, lambda: NOW)
    assert reads == [(aq.SORT_HELD, True, None)]  # one read served the head and the tail
    assert [model.id_at(r) for r in range(model.rowCount())] == expected
    assert len(reads) == 2  # the middle rows: a new session reads afresh

    reads.clear()
    monkeypatch.setattr(department_sources, "FULL_READ_MAX", 5)
    model.reload()
    assert reads == [(aq.SORT_HELD, True, 3), (aq.SORT_HELD, False, 3)]
    assert [model.id_at(r) for r in range(model.rowCount())] == expected


def test_models_pass_qtmodeltester(qtmodeltester: Any, store: Store, hub: Hub) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.departments_model)
    view.status.setCurrentIndex(view.status.findData("all"))
    qtmodeltester.check(view.model)
    docs = DocumentsView(store, hub, lambda: NOW)
    qtmodeltester.check(docs.model)
    view.deleteLater()
    docs.deleteLater()


def test_chinese_after_switching_language(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    actions_view = ActionsView(store, hub, lambda: NOW)
    documents_view = DocumentsView(store, hub, lambda: NOW)
    qtbot.addWidget(actions_view)
    qtbot.addWidget(documents_view)
    step = action_id(store, "核发营业执照", "2026-0010")
    assert cell(actions_view, step, A_STATUS) == "In progress"
    set_language("zh_CN")
    actions_view.retranslate()
    documents_view.retranslate()

    def headers(view: ActionsView | DocumentsView) -> list[str]:
        model = view.model
        return [
            str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
        ]

    assert headers(actions_view)[:4] == ["事项", "部门", "办理步骤", "状态"]
    assert headers(documents_view)[:4] == ["事项", "材料", "状态", "持有方"]
    assert cell(actions_view, step, A_STATUS) == "办理中"
    summary = actions_view.departments_model
    assert [summary.headerData(c, Qt.Orientation.Horizontal) for c in (1, 2, 3)] == [
        "在办",
        "最长等待",
        "逾期",
    ]
    assert "工作日" in "".join(
        str(summary.data(summary.index(r, 2))) for r in range(summary.rowCount())
    )
    doc = document_id(store, "土地估价报告", "2026-0005")
    assert cell(documents_view, doc, D_STATE) == "已转交"
    texts = [action.text() for action, *_rest in actions_view.status_actions]
    assert texts[1] == "办理中"


def test_department_loads_match_the_summary(
    qtbot: QtBot, store: Store, hub: Hub, english: None
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    qtbot.addWidget(view)
    loads = aq.department_loads(store, store.calendar(), NOW)
    summary = view.departments_model
    assert [summary.id_at(r) for r in range(1, summary.rowCount())] == [
        d.department_id for d in loads
    ]
    assert summary.data(summary.index(0, 3)) == str(sum(d.overdue for d in loads))
