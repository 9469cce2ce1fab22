"""Two officers on one database, driven like the officer drives the app: a status key on a
step a colleague changed meanwhile, the case's form and notes refused and reloaded, "my
steps" and "my cases", the owner shown, who did what on the timeline.

The colleague is a second store on the same data (王成峰's laptop); his changes are not
heard by this window before the officer acts (as when both act within the same second).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, templates
from coordinator.store.records import ActionRecord, CaseRecord
from coordinator.store.storage import Store
from ui.dialogs.case_edit import EditStepDialog
from ui.dialogs.case_form import EditCaseDialog
from ui.hub import Hub
from ui.views.actions import ActionsView
from ui.views.case.actions_tab import COL_OWNER, COL_STATUS
from ui.views.case.view import TAB_NOTES, TAB_TIMELINE, CaseView
from ui.views.cases import COL_OWNER as CASES_COL_OWNER
from ui.views.cases import CasesView
from ui.views.department_sources import A_OWNER, A_STATUS
from ui.widgets.tree_items import children

NOW = datetime(2026, 11, 24, 9, 0)  # a Tuesday morning
ME = "李晓雯"
COLLEAGUE = "王成峰"
TAIL = "Your change was not saved. Reload to see it."


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data", clock=lambda: NOW, officer=ME)
    templates.install_builtin(opened)
    yield opened
    opened.close()


@pytest.fixture
def colleague(store: Store) -> Iterator[Store]:
    other = open_store(store.data_dir, clock=lambda: NOW, officer=COLLEAGUE)
    yield other
    other.close()


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def capture(_parent: QWidget | None, _title: str, message: str, *_a: Any) -> None:
        shown.append(message)

    monkeypatch.setattr(QMessageBox, "warning", capture)
    return shown


@pytest.fixture
def landing(store: Store) -> CaseRecord:
    return cases.open_case(
        store, "甬达科技落地", company_name="宁波甬达科技有限公司", template_key="company_landing"
    ).value


def show(qtbot: QtBot, view: QWidget) -> None:
    qtbot.addWidget(view)
    view.resize(1280, 760)
    with qtbot.waitExposed(view):
        view.show()
    view.activateWindow()  # keys reach a view's shortcuts only in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)


def first_step(store: Store, case: CaseRecord) -> ActionRecord:
    return action_queries.for_case(store, case.id)[0]  # the park's: it waits on nothing


# -- a status key --------------------------------------------------------------------------


def test_a_status_key_on_a_step_a_colleague_changed_meanwhile_is_refused_and_shown(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    warnings: list[str],
    english: None,
) -> None:
    view = ActionsView(store, hub, lambda: NOW)
    show(qtbot, view)
    step = first_step(store, landing)
    row = view.model.row_of(step.id)
    assert row is not None
    assert view.model.index(row, A_STATUS).data() == "To do"
    assert view.model.index(row, A_OWNER).data() == ME
    actions.set_status(colleague, step.id, ActionStatus.IN_PROGRESS)  # his laptop

    assert view.select("action", step.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_6)  # done, from the row as it showed
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{COLLEAGUE} changed this step at 09:00 (")
    assert "status: To do → In progress" in warnings[0]
    assert warnings[0].endswith(TAIL)
    assert action_queries.get(store, step.id).status == ActionStatus.IN_PROGRESS
    # The row shows what he did; pressed again, the key acts on it.
    assert view.model.index(row, A_STATUS).data() == "In progress"
    qtbot.keyClick(view.table, Qt.Key.Key_6)
    assert len(warnings) == 1
    assert action_queries.get(store, step.id).status == ActionStatus.DONE


def test_a_status_key_in_the_case_refused_the_same_way(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    warnings: list[str],
    english: None,
) -> None:
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    step = first_step(store, landing)
    tab = view.actions_tab
    assert tab.select_step(step.id)
    item = tab.tree.current_item()
    assert item is not None
    assert tab.tree.text(item, COL_OWNER) == ME
    actions.set_status(colleague, step.id, ActionStatus.BLOCKED, reason="等企业盖章")
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_2)  # in progress
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{COLLEAGUE} changed this step at 09:00 (")
    assert "status: To do → Blocked; Reason: 等企业盖章" in warnings[0]
    assert action_queries.get(store, step.id).status == ActionStatus.BLOCKED
    item = tab.tree.current_item()  # the list was read again, the step still current
    assert item is not None
    assert tab.tree.text(item, COL_STATUS) == "Blocked"


# -- forms -----------------------------------------------------------------------------------


def test_the_case_form_refused_offers_reload_and_keeps_what_was_typed(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    monkeypatch: pytest.MonkeyPatch,
    english: None,
) -> None:
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    seen: list[str] = []

    def officer_edits(dialog: EditCaseDialog) -> int:
        assert dialog.owner.currentText() == ME
        dialog.title.setText("甬达科技总部落地")
        dialog.amount.setText("80000000")
        # Meanwhile, on his laptop, 王成峰 takes the case over and renames it.
        cases.update(colleague, landing.id, title="甬达科技研发中心落地", owner=COLLEAGUE)
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert dialog.isVisible() or dialog.result() == 0  # still open: nothing saved
        assert not dialog.conflict.isHidden()
        seen.append(dialog.conflict.message.text())
        assert not dialog.conflict.reload_button.isHidden()
        assert not dialog.conflict.keep_button.isHidden()
        assert dialog.title.text() == "甬达科技总部落地"  # what was typed stays
        dialog.conflict.reload_button.click()
        # The form shows his values; what the officer typed is listed, to be put back.
        seen.append(dialog.title.text())
        seen.append(dialog.owner.currentText())
        seen.append(dialog.conflict.message.text())
        dialog.conflict.restore_button.click()
        assert dialog.title.text() == "甬达科技总部落地"
        assert dialog.amount.text() == "80000000"
        assert dialog.owner.currentText() == COLLEAGUE  # his change the officer did not touch
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(EditCaseDialog, "exec", officer_edits)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert seen[0].startswith(f"{COLLEAGUE} changed this case at 09:00 (")
    assert "甬达科技落地 → 甬达科技研发中心落地" in seen[0]
    assert f"Owner: {ME} → {COLLEAGUE}" in seen[0]
    assert seen[0].endswith(TAIL)
    assert seen[1:3] == ["甬达科技研发中心落地", COLLEAGUE]
    assert "甬达科技总部落地" in seen[3]
    assert "80000000" in seen[3]
    stored = case_queries.get(store, landing.id)
    assert (stored.title, stored.owner, stored.amount) == (
        "甬达科技总部落地",
        COLLEAGUE,
        Decimal("80000000"),
    )
    assert view.title.text().endswith("甬达科技总部落地")


def test_keep_editing_keeps_the_text_and_saving_again_is_still_refused(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    step = action_queries.for_case(store, landing.id)[1]

    def officer_edits(dialog: EditStepDialog) -> int:
        dialog.owner.setEditText("张敏")
        dialog.notes.setPlainText("约好周四上午")
        actions.update(colleague, step.id, notes="他的备注")
        save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
        save.click()
        assert not dialog.conflict.isHidden()
        dialog.conflict.keep_button.click()
        assert dialog.conflict.isHidden()
        assert dialog.notes.toPlainText() == "约好周四上午"
        save.click()  # not reloaded: refused again, never written over his notes
        assert not dialog.conflict.isHidden()
        return 0

    monkeypatch.setattr(EditStepDialog, "exec", officer_edits)
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    tab = view.actions_tab
    assert tab.select_step(step.id)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_Return)  # Enter edits the step
    stored = action_queries.get(store, step.id)
    assert (stored.notes, stored.owner) == ("他的备注", ME)


def test_the_step_form_saves_a_new_owner(
    qtbot: QtBot, store: Store, hub: Hub, landing: CaseRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = action_queries.for_case(store, landing.id)[2]

    def officer_edits(dialog: EditStepDialog) -> int:
        dialog.owner.setEditText(" 张敏 ")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(EditStepDialog, "exec", officer_edits)
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    assert view.actions_tab.select_step(step.id)
    view.actions_tab.edit_action.trigger()
    assert action_queries.get(store, step.id).owner == "张敏"
    item = view.actions_tab.tree.current_item()
    assert item is not None
    assert view.actions_tab.tree.text(item, COL_OWNER) == "张敏"


def test_notes_refused_reloaded_and_put_back(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    english: None,
) -> None:
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    view.tabs.setCurrentIndex(TAB_NOTES)
    view.notes.setPlainText("企业周四送材料")
    cases.update(colleague, landing.id, notes="银行要求法人到场")
    view.save_notes_button.click()
    assert case_queries.get(store, landing.id).notes == "银行要求法人到场"
    assert not view.notes_conflict.isHidden()
    assert view.notes_conflict.message.text().startswith(f"{COLLEAGUE} changed this case")
    assert view.notes.toPlainText() == "企业周四送材料"
    view.notes_conflict.reload_button.click()
    assert view.notes.toPlainText() == "银行要求法人到场"
    assert "企业周四送材料" in view.notes_conflict.message.text()
    view.notes_conflict.restore_button.click()
    assert view.notes.toPlainText() == "企业周四送材料"
    view.save_notes_button.click()
    assert case_queries.get(store, landing.id).notes == "企业周四送材料"
    assert view.notes_conflict.isHidden()


def test_the_officers_own_status_change_does_not_overtake_their_notes(
    qtbot: QtBot, store: Store, hub: Hub, landing: CaseRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.widgets import ask

    monkeypatch.setattr(ask, "text", lambda *a, **k: "等企业")
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    view.notes.setPlainText("先放一放")
    view.status_actions[cases.CaseStatus.ON_HOLD].trigger()
    assert case_queries.get(store, landing.id).status == cases.CaseStatus.ON_HOLD
    view.save_notes_button.click()
    assert case_queries.get(store, landing.id).notes == "先放一放"
    assert view.notes_conflict.isHidden()


def test_the_timeline_says_who_made_each_change(
    qtbot: QtBot, store: Store, colleague: Store, hub: Hub, landing: CaseRecord, english: None
) -> None:
    step = first_step(store, landing)
    actions.set_status(colleague, step.id, ActionStatus.IN_PROGRESS)
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    view.tabs.setCurrentIndex(TAB_TIMELINE)
    model = view.timeline_model
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Officer"
    rows = [tuple(str(model.index(r, c).data()) for c in range(4)) for r in range(model.rowCount())]
    assert rows[0][2:] == ("Status: To do → In progress", COLLEAGUE)  # newest first
    assert rows[-1][2:] == ("Opened", ME)


# -- my steps, my cases ------------------------------------------------------------------


def test_my_steps_shows_only_the_officers_steps_and_is_remembered(
    qtbot: QtBot, store: Store, colleague: Store, hub: Hub, landing: CaseRecord, english: None
) -> None:
    theirs = cases.open_case(colleague, "他的事项", template_key="talent_match").value
    mine = {s.id for s in action_queries.for_case(store, landing.id)}
    his = {s.id for s in action_queries.for_case(store, theirs.id)}
    view = ActionsView(store, hub, lambda: NOW)
    show(qtbot, view)

    def listed() -> set[int | None]:
        return {view.model.id_at(r) for r in range(view.model.rowCount())}

    assert listed() == mine | his
    assert not view.mine.on
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert view.mine.on
    assert listed() == mine
    assert {view.model.index(r, A_OWNER).data() for r in range(view.model.rowCount())} == {ME}
    counts = view.departments_model
    assert counts.index(0, 1).data() == str(len(mine))  # the departments count the same
    # A step handed to the officer joins the list; the next time the view opens, it is
    # still "my steps".
    handed = next(iter(his))
    hub.call(None, actions.update, handed, owner=ME)
    assert listed() == mine | {handed}
    again = ActionsView(store, hub, lambda: NOW)
    qtbot.addWidget(again)
    assert again.mine.on
    assert again.model.rowCount() == len(mine) + 1
    view.mine.action.trigger()
    assert listed() == mine | his


def test_my_cases_and_the_owner_column(
    qtbot: QtBot, store: Store, colleague: Store, hub: Hub, landing: CaseRecord, english: None
) -> None:
    theirs = cases.open_case(colleague, "他的事项").value
    view = CasesView(store, hub)
    show(qtbot, view)
    owners = {
        view.model.id_at(r): view.model.index(r, CASES_COL_OWNER).data()
        for r in range(view.model.rowCount())
    }
    assert owners == {landing.id: ME, theirs.id: COLLEAGUE}
    assert view.model.headerData(CASES_COL_OWNER, Qt.Orientation.Horizontal) == "Owner"
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert [view.model.id_at(r) for r in range(view.model.rowCount())] == [landing.id]
    assert "1 case" in view.count_label.text()


def test_without_a_name_the_filter_says_one_is_needed(
    qtbot: QtBot, store: Store, hub: Hub, landing: CaseRecord, english: None
) -> None:
    store.officer = ""
    view = ActionsView(store, hub, lambda: NOW)
    show(qtbot, view)
    rows = view.model.rowCount()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert not view.mine.on
    assert view.model.rowCount() == rows
    assert not view.mine.hint.isHidden()
    assert "Data ▸ Your name and office server…" in view.mine.hint.text()
    store.officer = ME  # named (Data ▸ Your name…): the filter works
    view.mine.box.click()
    assert view.mine.on
    assert view.mine.hint.isHidden()


def test_a_new_step_belongs_to_the_case_owner(
    qtbot: QtBot, store: Store, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs.case_edit import AddStepDialog

    case = cases.open_case(store, "代办事项", owner=COLLEAGUE).value

    def add(dialog: AddStepDialog) -> int:
        assert dialog.owner.currentText() == COLLEAGUE
        dialog.department.setEditText("区税务局")
        dialog.title.insert("税务登记")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        return 1

    monkeypatch.setattr(AddStepDialog, "exec", add)
    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(case.id)
    view.actions_tab.add_action.trigger()
    (step,) = action_queries.for_case(store, case.id)
    assert step.owner == COLLEAGUE
    group = next(view.actions_tab.tree.top_items())
    assert view.actions_tab.tree.text(next(children(group)), COL_OWNER) == COLLEAGUE


def test_a_document_key_on_one_a_colleague_moved_meanwhile_is_refused_and_shown(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    warnings: list[str],
    english: None,
) -> None:
    from coordinator.kinds import DocumentState
    from coordinator.queries import documents as document_queries
    from coordinator.services import documents
    from ui.views.department_sources import D_STATE
    from ui.views.documents import DocumentsView

    view = DocumentsView(store, hub, lambda: NOW)
    show(qtbot, view)
    doc = document_queries.for_case(store, landing.id)[0]
    row = view.model.row_of(doc.id)
    assert row is not None
    assert view.model.index(row, D_STATE).data() == "Requested"
    documents.update(colleague, doc.id, notes="企业说明天送来")  # his laptop

    assert view.select("document", doc.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_R)  # received, from the row as it showed
    assert len(warnings) == 1
    assert warnings[0] == (
        f"{COLLEAGUE} changed this document at 09:00 (Notes: — → 企业说明天送来). {TAIL}"
    )
    assert document_queries.get(store, doc.id).state == DocumentState.REQUESTED
    # The row was read again: pressed again, the key acts on what he left.
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    assert len(warnings) == 1
    assert view.model.index(row, D_STATE).data() == "Received"


def test_a_document_key_in_the_case_refused_the_same_way(
    qtbot: QtBot,
    store: Store,
    colleague: Store,
    hub: Hub,
    landing: CaseRecord,
    warnings: list[str],
    english: None,
) -> None:
    from coordinator.kinds import DocumentState
    from coordinator.queries import documents as document_queries
    from coordinator.services import documents

    view = CaseView(store, hub, lambda: NOW)
    show(qtbot, view)
    view.show_case(landing.id)
    doc = document_queries.for_case(store, landing.id)[0]
    view.tabs.setCurrentWidget(view.documents_tab)
    tab = view.documents_tab
    assert tab.select_document(doc.id)
    documents.transition(colleague, doc.id, DocumentState.RECEIVED)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_R)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{COLLEAGUE} changed this document at 09:00 (")
    assert next(d for d in tab.docs if d.id == doc.id).state == DocumentState.RECEIVED
