"""The case view driven like the officer drives it: keys, drops, dialogs, over a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QStandardItem
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus, DocumentState
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import documents as document_queries
from coordinator.queries import settings as setting_queries
from coordinator.safety.opening import open_store
from coordinator.services import cases, templates
from coordinator.store.storage import Store
from ui.dialogs.new_case import NewCaseDialog
from ui.main_window import PAGE_CASES, MainWindow
from ui.views.case.actions_tab import COL_REASON
from ui.views.case.view import TAB_DOCUMENTS, TAB_TIMELINE
from ui.widgets import ask
from ui.widgets.tree_items import children


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 9, 0))  # a Tuesday morning


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    store = open_store(tmp_path / "data", clock=clock)
    templates.install_builtin(store)
    yield store
    store.close()


@pytest.fixture
def window(store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    from PySide6.QtCore import QSettings

    set_language("en")
    win = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # window shortcuts (Ctrl+1 …) need an active window
    yield win
    set_language("en")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda _parent, _title, text, *a, **k: shown.append(text),
    )
    return shown


def _open_from_template(window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> int:
    """Ctrl+N, pick the landing template, type a title and a new company, Open."""

    def fill_and_accept(dialog: NewCaseDialog) -> int:
        index = dialog.template.findData("company_landing")
        dialog.template.setCurrentIndex(index)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()  # no title yet
        assert "title" in dialog.problem.text()
        dialog.title.insert("澄明光电 AOI 项目落地")
        dialog.company.setEditText("宁波澄明光电科技有限公司")
        dialog.amount.setText("abc")
        assert not ok.isEnabled()
        assert "number" in dialog.problem.text()
        dialog.amount.setText("150000000")
        assert ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return 1

    monkeypatch.setattr(NewCaseDialog, "exec", fill_and_accept)
    window.new_case_action.trigger()
    case_id = window.case_view.case_id
    assert case_id is not None
    return case_id


def _step_item(window: MainWindow, title: str) -> QStandardItem:
    tree = window.case_view.actions_tab.tree
    for group in tree.top_items():
        for child in children(group):
            if title in child.text():
                return child
    raise AssertionError(title)


def _step_text(window: MainWindow, title: str, column: int) -> str:
    return window.case_view.actions_tab.tree.text(_step_item(window, title), column)


def _doc_item(window: MainWindow, title: str) -> QStandardItem:
    return next(i for i in window.case_view.documents_tab.tree.top_items() if i.text() == title)


def _press_on_step(window: MainWindow, qtbot: QtBot, title: str, key: str) -> None:
    tab = window.case_view.actions_tab
    item = _step_item(window, title)
    tab.tree.set_current(item)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, key)


def test_open_a_case_from_a_template(
    window: MainWindow, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _open_from_template(window, qtbot, monkeypatch)
    case = case_queries.get(store, case_id)
    assert case.title == "澄明光电 AOI 项目落地"
    assert case.company_name == "宁波澄明光电科技有限公司"
    assert case.fast_track
    assert window.sidebar.currentRow() == PAGE_CASES
    # the template's six steps in their departments, its seven documents
    steps = action_queries.for_case(store, case_id)
    assert len(steps) == 6
    groups = [g.text() for g in window.case_view.actions_tab.tree.top_items()]
    assert groups[:2] == ["园区管委会", "区市场监督管理局"]
    assert len(document_queries.for_case(store, case_id)) == 7
    assert window.case_view.documents_tab.tree.items.rowCount() == 7
    assert window.case_view.title.text() == f"{case.reference} · 澄明光电 AOI 项目落地"
    assert "fast-track" in window.case_view.facts.text()
    assert "of a normal" in window.case_view.clock_label.text()


def test_a_step_through_its_states_with_one_key_each(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[str],
) -> None:
    case_id = _open_from_template(window, qtbot, monkeypatch)
    park = next(s for s in action_queries.for_case(store, case_id) if s.title.startswith("园区"))

    _press_on_step(window, qtbot, "园区入驻", "2")  # in progress: the clock starts
    started = action_queries.get(store, park.id)
    assert started.status == ActionStatus.IN_PROGRESS
    assert started.due_at == datetime(2026, 11, 24, 11, 0)  # promised 2 working hours
    assert _step_text(window, "园区入驻", 1) == "In progress"
    # Today shows it due today, and opening that row comes back to this step
    assert window.today.due_today.model.rowCount() == 1

    # Blocked asks why; cancelling the question changes nothing
    monkeypatch.setattr(ask, "text", lambda *a, **k: None)
    _press_on_step(window, qtbot, "园区入驻", "5")
    assert action_queries.get(store, park.id).status == ActionStatus.IN_PROGRESS

    # waiting on the company pauses the clock: the due time moves on by the pause
    monkeypatch.setattr(ask, "text", lambda *a, **k: "租赁协议未盖章")
    clock.now = datetime(2026, 11, 24, 10, 0)
    _press_on_step(window, qtbot, "园区入驻", "4")
    waiting = action_queries.get(store, park.id)
    assert waiting.status == ActionStatus.WAITING_COMPANY
    assert waiting.blocked_reason == "租赁协议未盖章"
    assert _step_text(window, "园区入驻", COL_REASON) == "租赁协议未盖章"
    clock.now = datetime(2026, 11, 24, 11, 0)
    _press_on_step(window, qtbot, "园区入驻", "2")
    resumed = action_queries.get(store, park.id)
    assert resumed.pauses == ((datetime(2026, 11, 24, 10, 0), datetime(2026, 11, 24, 11, 0)),)
    assert resumed.due_at == datetime(2026, 11, 24, 12, 0)  # one working hour later

    # a step that waits on another cannot be done first: the service says why
    _press_on_step(window, qtbot, "核发营业执照", "6")
    assert errors
    assert "cannot be done before" in errors[-1]
    licence = next(s for s in action_queries.for_case(store, case_id) if s.title == "核发营业执照")
    assert action_queries.get(store, licence.id).status == ActionStatus.TODO

    clock.now = datetime(2026, 11, 24, 11, 30)
    _press_on_step(window, qtbot, "园区入驻", "6")
    assert action_queries.get(store, park.id).status == ActionStatus.DONE

    # the Timeline shows every move, newest first
    window.case_view.tabs.setCurrentIndex(TAB_TIMELINE)
    model = window.case_view.timeline_model
    changes = [str(model.data(model.index(r, 2))) for r in range(model.rowCount())]
    subjects = [str(model.data(model.index(r, 1))) for r in range(model.rowCount())]
    assert changes[0] == "Status: In progress → Done"
    assert "Status: Waiting on the company → In progress" in changes
    assert "Status: In progress → Waiting on the company" in changes
    assert "Reason: 租赁协议未盖章" in changes
    assert subjects[0] == "Step · 园区管委会: 园区入驻审核与注册地址确认"


def test_waiting_on_the_company_shows_in_today_and_stops_the_clock(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = _open_from_template(window, qtbot, monkeypatch)
    _press_on_step(window, qtbot, "园区入驻", "2")
    monkeypatch.setattr(ask, "text", lambda *a, **k: "等企业补材料")
    _press_on_step(window, qtbot, "园区入驻", "4")
    # the next day the step is not overdue: its clock stood still while the company had it
    clock.now = datetime(2026, 11, 25, 9, 0)
    window.refresh()
    assert window.today.overdue.model.rowCount() == 0
    park = next(s for s in action_queries.for_case(store, case_id) if s.title.startswith("园区"))
    _press_on_step(window, qtbot, "园区入驻", "2")
    # paused one whole working day (9:00 to 9:00): due one working day later
    assert action_queries.get(store, park.id).due_at == datetime(2026, 11, 25, 11, 0)
    clock.now = datetime(2026, 11, 25, 11, 30)
    window.refresh()
    assert window.today.overdue.model.rowCount() == 1
    # Enter on the Today row opens the case on that step
    window.show_page(0)
    table = window.today.overdue.table
    table.setCurrentIndex(window.today.overdue.model.index(0, 0))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.sidebar.currentRow() == PAGE_CASES
    assert window.case_view.case_id == case_id
    assert window.case_view.actions_tab.current_id() == park.id


def _drop_files(window: MainWindow, row_title: str, paths: list[Path]) -> None:
    tree = window.case_view.documents_tab.tree
    rect = tree.visual_rect(_doc_item(window, row_title))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(rect.center())
    event = QDropEvent(
        point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    tree.dropEvent(event)


def test_a_document_gets_a_dropped_file_and_is_accepted(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    errors: list[str],
) -> None:
    case_id = _open_from_template(window, qtbot, monkeypatch)
    window.case_view.tabs.setCurrentIndex(TAB_DOCUMENTS)
    scan = tmp_path / "章程扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 articles of association\n")
    _drop_files(window, "公司章程", [scan])
    doc = next(d for d in document_queries.for_case(store, case_id) if d.title == "公司章程")
    doc = document_queries.get(store, doc.id)
    assert [f.original_name for f in doc.files] == ["章程扫描件.pdf"]
    stored = document_queries.file_path(store, doc.files[0].sha256)
    assert stored.read_bytes() == scan.read_bytes()
    tab = window.case_view.documents_tab
    item = _doc_item(window, "公司章程")
    assert item.rowCount() == 1
    assert "章程扫描件.pdf" in item.child(0).text()

    # Enter opens a read-only copy under its own name with the system viewer
    opened: list[str] = []
    monkeypatch.setattr(
        "ui.views.case.documents_tab.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    tab.tree.set_current(item.child(0))
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_Return)
    assert len(opened) == 1
    assert Path(opened[0]).name == "章程扫描件.pdf"
    assert Path(opened[0]).read_bytes() == scan.read_bytes()

    # accepted before it was received: refused, with the reason
    tab.tree.set_current(item)
    qtbot.keyClick(tab.tree, "A")
    assert "has not been received" in errors[-1]
    assert document_queries.get(store, doc.id).state == DocumentState.REQUESTED

    qtbot.keyClick(tab.tree, "R")
    assert document_queries.get(store, doc.id).state == DocumentState.RECEIVED
    clock.now += timedelta(minutes=20)
    qtbot.keyClick(tab.tree, "F")  # its destination comes from the template
    forwarded = document_queries.get(store, doc.id)
    assert forwarded.state == DocumentState.FORWARDED
    assert forwarded.holder_id == forwarded.destination_id
    assert tab.tree.text(_doc_item(window, "公司章程"), 2) == "区市场监督管理局"
    # Today lists it as waiting on the department
    assert "公司章程" in [
        str(window.today.documents.model.data(window.today.documents.model.index(r, 1)))
        for r in range(window.today.documents.model.rowCount())
    ]
    qtbot.keyClick(tab.tree, "A")
    assert document_queries.get(store, doc.id).state == DocumentState.ACCEPTED
    assert tab.tree.text(_doc_item(window, "公司章程"), 1) == "Accepted"

    # returned asks what to correct; a cancelled question changes nothing
    tab.tree.set_current(_doc_item(window, "股东主体资格证明"))
    qtbot.keyClick(tab.tree, "R")
    monkeypatch.setattr(ask, "text", lambda *a, **k: None)
    qtbot.keyClick(tab.tree, "X")
    shareholder = next(
        d for d in document_queries.for_case(store, case_id) if d.title == "股东主体资格证明"
    )
    assert shareholder.state == DocumentState.RECEIVED

    # a file dropped on the file line goes to its document; Delete asks, then removes
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    tab.tree.set_current(_doc_item(window, "公司章程").child(0))
    qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)
    assert len(document_queries.get(store, doc.id).files) == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab.tree.set_current(_doc_item(window, "公司章程").child(0))
    qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)
    assert document_queries.get(store, doc.id).files == ()

    # the timeline tells the story
    model = window.case_view.timeline_model
    changes = [str(model.data(model.index(r, 2))) for r in range(model.rowCount())]
    assert "State: Forwarded → Accepted" in changes
    assert any(c.startswith("File: 章程扫描件.pdf") for c in changes)
    # who holds a document is named, never numbered (“Holder: 14”)
    holders = [c for c in changes if c.startswith("Holder: ")]
    assert holders
    assert not any(part.strip().isdigit() for c in holders for part in c[8:].split("→"))


def test_notes_draft_survives_switching_cases_and_saves_with_ctrl_s(
    window: MainWindow, store: Store, qtbot: QtBot
) -> None:
    first = cases.open_case(store, "第一个事项").value
    second = cases.open_case(store, "第二个事项").value
    window.open_record("case", first.id)
    view = window.case_view
    view.notes.insertPlainText("企业下周一来访")
    assert view.has_draft(first.id)
    assert "not saved" in view.notes_state.text()
    window.open_record("case", second.id)
    assert view.notes.toPlainText() == ""
    window.show_page(0)  # Today, then back
    window.open_record("case", first.id)
    assert view.notes.toPlainText() == "企业下周一来访"
    assert case_queries.get(store, first.id).notes == ""  # not saved yet
    view.tabs.setCurrentIndex(3)
    view.notes.setFocus()
    qtbot.keyClick(view.notes, "s", Qt.KeyboardModifier.ControlModifier)
    assert case_queries.get(store, first.id).notes == "企业下周一来访"
    assert not view.has_draft(first.id)


def test_pin_a_case_and_jump_back_with_ctrl_1(
    window: MainWindow, store: Store, qtbot: QtBot
) -> None:
    first = cases.open_case(store, "第一个事项").value
    second = cases.open_case(store, "第二个事项").value
    window.open_record("case", first.id)
    qtbot.keyClick(window.case_view, "d", Qt.KeyboardModifier.ControlModifier)
    assert setting_queries.pinned_cases(store) == [first.id]
    assert window.pinned.count() == 1
    assert first.reference in window.pinned.item(0).text()
    window.open_record("case", second.id)
    window.show_page(2)
    qtbot.keyClick(window, "1", Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.currentRow() == PAGE_CASES
    assert window.case_view.case_id == first.id
    assert window.case_view.pin_button.isChecked()
    qtbot.keyClick(window.case_view, "d", Qt.KeyboardModifier.ControlModifier)
    assert setting_queries.pinned_cases(store) == []
    assert window.pinned.count() == 0


def test_case_view_models_pass_the_model_tester(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    qtmodeltester: object,
) -> None:
    _open_from_template(window, qtbot, monkeypatch)
    view = window.case_view
    for model in (
        view.timeline_model,
        view.comm_model,
        view.actions_tab.tree.model(),
        view.documents_tab.tree.model(),
    ):
        qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_case_view_in_chinese(
    window: MainWindow, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open_from_template(window, qtbot, monkeypatch)
    set_language("zh_CN")
    window.retranslate()
    view = window.case_view
    assert view.tabs.tabText(0) == "办理步骤"
    assert view.tabs.tabText(1) == "材料"
    assert "常规需" in view.clock_label.text()
    assert _step_text(window, "园区入驻", 1) == "待办"
    set_language("en")
    window.retranslate()
    assert view.tabs.tabText(0) == "Steps"


def test_closing_a_case_with_open_steps_asks_why(
    window: MainWindow, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _open_from_template(window, qtbot, monkeypatch)
    asked: list[str] = []

    def answer(_parent: object, _title: str, label: str, *, required: bool = False) -> str:
        asked.append(label)
        assert required
        return "企业决定暂缓投资"

    monkeypatch.setattr(ask, "text", answer)
    window.case_view.status_actions[cases.CaseStatus.CLOSED].trigger()
    assert "6 steps are still open" in asked[0]
    assert case_queries.get(store, case_id).status == cases.CaseStatus.CLOSED
    assert all(s.status == ActionStatus.CANCELLED for s in action_queries.for_case(store, case_id))


def test_cases_list_filters_in_sql_and_follows_changes(
    window: MainWindow, store: Store, qtbot: QtBot, qtmodeltester: object
) -> None:
    first = cases.open_case(store, "第一个事项", company_name="宁波恒屹新材料有限公司").value
    second = cases.open_case(store, "第二个事项", fast_track=True).value
    window.show_page(PAGE_CASES)
    view = window.cases
    view.refresh()
    assert view.model.rowCount() == 2
    qtmodeltester.check(view.model)  # type: ignore[attr-defined]
    view.search.insert("恒屹")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.id_at(0) == first.id
    view.search.clear()
    view.fast_track.setChecked(True)
    assert [view.model.id_at(r) for r in range(view.model.rowCount())] == [second.id]
    view.fast_track.setChecked(False)
    # a status change made elsewhere shows in place, without resetting the list
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    window.hub.call(None, cases.set_status, first.id, cases.CaseStatus.ON_HOLD, reason="暂缓")
    row = view.model.row_of(first.id)
    assert row is not None
    assert view.model.data(view.model.index(row, 3)) == "On hold"
    assert resets == []
    view.status.setCurrentIndex(3)  # on hold only
    assert [view.model.id_at(r) for r in range(view.model.rowCount())] == [first.id]
    view.status.setCurrentIndex(4)  # closed: none
    assert view.empty.isVisible()
    assert "No case matches" in view.empty.text()


def _column_of(model: object, column: int) -> list[str]:
    from PySide6.QtCore import QAbstractItemModel

    assert isinstance(model, QAbstractItemModel)
    return [str(model.data(model.index(r, column))) for r in range(model.rowCount())]


def test_each_change_shows_in_today_the_department_views_and_the_timeline(
    window: MainWindow,
    store: Store,
    qtbot: QtBot,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The issue's walk-through: open from a template, move a step (waiting on the company
    pauses its clock), add a file to a document and accept it — and find each change in
    Today, in Actions and Documents across cases, and in the Timeline."""
    from ui.views.department_sources import A_REASON, A_STATUS, A_STEP, D_STATE, D_TITLE

    case_id = _open_from_template(window, qtbot, monkeypatch)
    actions_view = window.actions_view  # built now: it must follow changes made elsewhere
    documents_view = window.documents_view
    window.open_record("case", case_id)

    _press_on_step(window, qtbot, "园区入驻", "2")
    assert window.today.due_today.model.rowCount() == 1
    steps = _column_of(actions_view.model, A_STEP)
    statuses = dict(zip(steps, _column_of(actions_view.model, A_STATUS), strict=True))
    assert statuses["园区入驻审核与注册地址确认"].lower() == "in progress"

    monkeypatch.setattr(ask, "text", lambda *a, **k: "租赁协议未盖章")
    clock.now = datetime(2026, 11, 24, 10, 0)
    _press_on_step(window, qtbot, "园区入驻", "4")
    # still due today if the company delivers, and Today says who holds it now
    assert _column_of(window.today.due_today.model, 3) == ["Waiting on the company"]
    steps = _column_of(actions_view.model, A_STEP)
    statuses = dict(zip(steps, _column_of(actions_view.model, A_STATUS), strict=True))
    reasons = dict(zip(steps, _column_of(actions_view.model, A_REASON), strict=True))
    assert statuses["园区入驻审核与注册地址确认"].lower() == "waiting on the company"
    assert reasons["园区入驻审核与注册地址确认"] == "租赁协议未盖章"

    window.case_view.tabs.setCurrentIndex(TAB_DOCUMENTS)
    scan = tmp_path / "租赁协议.pdf"
    scan.write_bytes(b"%PDF-1.4 lease\n")
    _drop_files(window, "住所使用证明（园区租赁协议）", [scan])
    tab = window.case_view.documents_tab
    tab.tree.set_current(_doc_item(window, "住所使用证明（园区租赁协议）"))
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, "R")
    qtbot.keyClick(tab.tree, "F")
    today_docs = _column_of(window.today.documents.model, 1)
    assert "住所使用证明（园区租赁协议）" in today_docs
    # its default filter, documents waiting on someone, takes it in without a refresh
    titles = _column_of(documents_view.model, D_TITLE)
    assert "住所使用证明（园区租赁协议）" in titles
    qtbot.keyClick(tab.tree, "A")
    assert "住所使用证明（园区租赁协议）" not in _column_of(window.today.documents.model, 1)
    shown = dict(
        zip(
            _column_of(documents_view.model, D_TITLE),
            _column_of(documents_view.model, D_STATE),
            strict=True,
        )
    )
    assert shown.get("住所使用证明（园区租赁协议）", "accepted").lower() == "accepted"

    timeline = _column_of(window.case_view.timeline_model, 2)
    assert "Status: In progress → Waiting on the company" in timeline
    assert "State: Forwarded → Accepted" in timeline
    assert any(line.startswith("File: 租赁协议.pdf") for line in timeline)


def test_add_and_delete_steps_and_documents_by_hand(
    window: MainWindow, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs.case_edit import AddDocumentDialog, AddStepDialog

    case = cases.open_case(store, "临时事项", company_name="宁波澄明光电科技有限公司").value
    window.open_record("case", case.id)
    tab = window.case_view.actions_tab
    assert "Insert" in tab.empty.text()

    def fill_step(dialog: AddStepDialog, title: str, waits: bool) -> int:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()
        dialog.department.setEditText("区自然资源和规划分局")  # new: created as a department
        dialog.title.insert(title)
        dialog.limit.setValue(4)
        if waits:
            item = dialog.waits_on.item(0)
            assert item is not None
            item.setCheckState(Qt.CheckState.Checked)
        assert ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return 1

    titles = iter([("地块现场踏勘", False), ("规划条件出具", True)])
    monkeypatch.setattr(AddStepDialog, "exec", lambda d: fill_step(d, *next(titles)))
    tab.setFocus()
    qtbot.keyClick(tab, Qt.Key.Key_Insert)
    qtbot.keyClick(tab.tree, Qt.Key.Key_Insert)
    steps = action_queries.for_case(store, case.id)
    assert [s.title for s in steps] == ["地块现场踏勘", "规划条件出具"]
    assert steps[1].depends_on == (steps[0].id,)
    assert steps[0].department_name == "区自然资源和规划分局"
    assert steps[0].promised_limit_hours == 4
    assert tab.current_id() == steps[1].id  # the new step is selected

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)
    assert [s.title for s in action_queries.for_case(store, case.id)] == ["地块现场踏勘"]

    def fill_document(dialog: AddDocumentDialog) -> int:
        dialog.title.insert("土地出让合同")
        dialog.destination.setEditText("区自然资源和规划分局")
        dialog.original.setChecked(True)
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
        return 1

    monkeypatch.setattr(AddDocumentDialog, "exec", fill_document)
    docs_tab = window.case_view.documents_tab
    window.case_view.tabs.setCurrentIndex(TAB_DOCUMENTS)
    docs_tab.tree.setFocus()
    qtbot.keyClick(docs_tab.tree, Qt.Key.Key_Insert)
    (doc,) = document_queries.for_case(store, case.id)
    assert doc.title == "土地出让合同"
    assert doc.is_original
    assert doc.destination_id == steps[0].department_id
    docs_tab.tree.set_current(_doc_item(window, "土地出让合同"))
    qtbot.keyClick(docs_tab.tree, Qt.Key.Key_Delete)  # no question: Ctrl+Z brings it back
    assert document_queries.for_case(store, case.id) == []
