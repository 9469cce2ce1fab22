"""Every status change, filing and step deletion says what it did in the status bar, and
Ctrl+Z takes it back through the services (versioned, and recorded as an Event)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from coordinator.i18n import set_language
from coordinator.kinds import CaseStatus, Channel
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, documents, organisations
from coordinator.store.storage import Store
from ui.dialogs.case_edit import EditStepDialog
from ui.dialogs.case_form import EditCaseDialog
from ui.main_window import PAGE_ACTIONS, PAGE_CONTACTS, PAGE_DOCUMENTS, PAGE_INBOX, MainWindow
from ui.widgets import ask


@pytest.fixture
def window(demo_store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    win = MainWindow(demo_store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    set_language("en")


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def capture(_parent: QWidget | None, _title: str, message: str, *_a: Any) -> None:
        shown.append(message)

    monkeypatch.setattr(QMessageBox, "warning", capture)
    return shown


def sql(store: Store, query: str) -> list[Any]:
    with store.read() as session:
        return list(session.execute(text(query)))


def step_state(store: Store, action_id: int) -> tuple[Any, ...]:
    (row,) = sql(
        store,
        "SELECT status, requested_at, due_at, done_at, blocked_reason FROM actions "
        f"WHERE id = {action_id}",
    )
    return tuple(row)


def events(store: Store, entity: str, ident: int, field: str) -> list[Any]:
    return sql(
        store,
        f"SELECT officer FROM events WHERE entity = '{entity}' AND entity_id = {ident} "
        f"AND field = '{field}'",
    )


def a_step_that_can_be_done(store: Store, status: str, nth: int = 0) -> tuple[int, str, int]:
    """A step in ``status`` of an open case whose steps waited on are all finished."""
    rows = sql(
        store,
        "SELECT a.id, a.title, a.case_id FROM actions a JOIN cases c ON c.id = a.case_id "
        f"WHERE a.status = '{status}' AND c.status = 'open' AND NOT EXISTS ("
        " SELECT 1 FROM action_dependencies d JOIN actions b ON b.id = d.depends_on_id"
        " WHERE d.action_id = a.id AND b.status NOT IN ('done', 'cancelled'))"
        " ORDER BY a.id",
    )
    assert len(rows) > nth
    return int(rows[nth][0]), str(rows[nth][1]), int(rows[nth][2])


def ctrl_z(qtbot: QtBot, window: MainWindow) -> None:
    focused = window.focusWidget() or window
    qtbot.keyClick(focused, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_done_in_the_actions_view_is_said_and_ctrl_z_puts_the_step_back(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    step, title, _case = a_step_that_can_be_done(store, "in_progress")
    before = step_state(store, step)
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    assert view.select("action", step)
    view.table.setFocus()
    assert not window.undo_action.isEnabled()

    qtbot.keyClick(view.table, Qt.Key.Key_6)
    assert step_state(store, step)[0] == "done"
    said = window.statusBar().currentMessage()
    assert said == f"Step “{title}”: In progress → Done. Ctrl+Z to undo."
    assert window.undo_action.isEnabled()

    ctrl_z(qtbot, window)
    assert warnings == []
    assert step_state(store, step) == before  # its done time cleared again
    assert window.statusBar().currentMessage() == f"Undone: step “{title}” is In progress again."
    assert events(store, "action", step, "undone") == [("测试员",)]
    assert not window.undo_action.isEnabled()  # Edit ▸ Undo greyed: nothing left
    window.undo()
    assert window.statusBar().currentMessage() == "Nothing to undo."


def test_a_status_key_in_the_case_view_is_undone_and_a_colleagues_change_wins(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    step, title, case_id = a_step_that_can_be_done(store, "in_progress", nth=1)
    before = step_state(store, step)
    window.open_record("case", case_id)
    tab = window.case_view.actions_tab
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_6)
    assert step_state(store, step)[0] == "done"
    assert window.statusBar().currentMessage() == (
        f"Step “{title}”: In progress → Done. Ctrl+Z to undo."
    )
    ctrl_z(qtbot, window)
    assert step_state(store, step) == before
    assert len(events(store, "action", step, "undone")) == 1

    # Done again; then a colleague edits the step: the undo is refused, saying who.
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_6)
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        actions.update(colleague, step, notes="已电话确认")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert len(warnings) == 1
    assert "王同事" in warnings[0]
    assert step_state(store, step)[0] == "done"  # nothing written over the colleague
    assert len(events(store, "action", step, "undone")) == 1


def test_a_filing_is_undone_with_ctrl_z_from_anywhere(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    window.show_page(PAGE_INBOX)
    inbox = window.inbox
    inbox.table.setFocus()
    (chosen,) = inbox.selected_ids()
    target = inbox.suggestions()[0]
    qtbot.keyClick(inbox.table, "1")
    assert sql(store, f"SELECT case_id FROM communications WHERE id = {chosen}") == [
        (target.case_id,)
    ]
    said = f"Filed 1 to {target.reference}. U or Ctrl+Z to undo."
    assert window.statusBar().currentMessage() == said
    assert inbox.status.text() == said

    window.show_page(PAGE_ACTIONS)  # elsewhere: Ctrl+Z still takes back the filing
    window.actions_view.table.setFocus()
    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, f"SELECT case_id FROM communications WHERE id = {chosen}") == [(None,)]
    assert window.statusBar().currentMessage() == f"1 back in the inbox from {target.reference}."
    assert events(store, "communication", chosen, "undone") == [("测试员",)]


def test_a_deleted_step_comes_back_with_its_links(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    rows = sql(
        store,
        "SELECT a.id, a.title, a.case_id FROM actions a JOIN cases c ON c.id = a.case_id "
        "WHERE c.status = 'open' AND EXISTS (SELECT 1 FROM action_dependencies d "
        " WHERE d.depends_on_id = a.id) AND EXISTS (SELECT 1 FROM action_dependencies d "
        " WHERE d.action_id = a.id) ORDER BY a.id",
    )
    step, title, case_id = int(rows[0][0]), str(rows[0][1]), int(rows[0][2])
    links = "SELECT action_id, depends_on_id FROM action_dependencies "
    links += f"WHERE action_id = {step} OR depends_on_id = {step} ORDER BY 1, 2"
    linked = sql(store, links)
    kept = step_state(store, step)
    window.open_record("case", case_id)
    tab = window.case_view.actions_tab
    assert tab.select_step(step)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)  # no question: it can be undone
    assert sql(store, f"SELECT id FROM actions WHERE id = {step}") == []
    assert sql(store, links) == []
    assert window.statusBar().currentMessage() == (
        f"Deleted step “{title}”. Ctrl+Z to bring it back."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert step_state(store, step) == kept
    assert sql(store, links) == linked
    assert window.statusBar().currentMessage() == f"Undone: step “{title}” is back."
    assert events(store, "action", step, "restored") == [("测试员",)]
    assert tab.select_step(step)  # on screen again


def test_the_undo_says_the_language_of_the_screen(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    set_language("zh_CN")
    window.retranslate()
    step, title, _case = a_step_that_can_be_done(demo_store, "in_progress", nth=2)
    window.show_page(PAGE_ACTIONS)
    view = window.actions_view
    assert view.select("action", step)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_6)
    assert warnings == []
    said = window.statusBar().currentMessage()
    assert title in said
    assert "Ctrl+Z" in said
    assert "Step" not in said
    assert window.edit_menu.title() != "&Edit"


def doc_state(store: Store, document_id: int) -> tuple[Any, ...]:
    (row,) = sql(
        store,
        "SELECT state, holder_id, destination_id, received_at, forwarded_at, accepted_at, "
        f"version, missing_items FROM documents WHERE id = {document_id}",
    )
    return tuple(row)


def a_document(store: Store, state: str, nth: int = 0) -> tuple[int, str, int]:
    """A document in ``state``, with a department to go to, of an open case."""
    rows = sql(
        store,
        "SELECT d.id, d.title, d.case_id FROM documents d JOIN cases c ON c.id = d.case_id "
        f"WHERE d.state = '{state}' AND c.status = 'open' AND d.destination_id IS NOT NULL "
        "ORDER BY d.id",
    )
    assert len(rows) > nth
    return int(rows[nth][0]), str(rows[nth][1]), int(rows[nth][2])


def test_a_document_key_in_the_documents_view_is_said_and_undone(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    doc, title, _case = a_document(store, "requested")
    before = doc_state(store, doc)
    window.show_page(PAGE_DOCUMENTS)
    view = window.documents_view
    assert view.select("document", doc)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    after = doc_state(store, doc)
    assert after[0] == "received"
    assert after[1] is None  # the officer holds it now
    assert after[3] is not None
    assert window.statusBar().currentMessage() == (
        f"Document “{title}”: Requested → Received. Ctrl+Z to undo."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert doc_state(store, doc) == before  # the company holds it again, none received
    assert window.statusBar().currentMessage() == (
        f"Undone: document “{title}” is Requested again."
    )
    assert events(store, "document", doc, "undone") == [("测试员",)]


def test_a_document_key_in_the_case_is_undone_unless_a_colleague_changed_it(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    doc, title, case_id = a_document(store, "forwarded")
    before = doc_state(store, doc)
    window.open_record("case", case_id)
    tab = window.case_view.documents_tab
    window.case_view.select("document", doc)  # its tab shown, the document chosen
    qtbot.keyClick(tab.tree, Qt.Key.Key_A)
    assert doc_state(store, doc)[0] == "accepted"
    assert window.statusBar().currentMessage() == (
        f"Document “{title}”: Forwarded → Accepted. Ctrl+Z to undo."
    )
    ctrl_z(qtbot, window)
    assert doc_state(store, doc) == before

    assert tab.select_document(doc)
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_A)
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        documents.update(colleague, doc, notes="原件已盖章")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert len(warnings) == 1
    assert "王同事" in warnings[0]
    assert doc_state(store, doc)[0] == "accepted"  # nothing written over the colleague
    assert len(events(store, "document", doc, "undone")) == 1


def test_closing_a_case_is_said_and_undone_with_the_steps_it_cancelled(
    window: MainWindow,
    demo_store: Store,
    qtbot: QtBot,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = demo_store
    (row,) = sql(
        store,
        "SELECT c.id, c.reference FROM cases c WHERE c.status = 'open' AND EXISTS (SELECT 1 "
        "FROM actions a WHERE a.case_id = c.id AND a.status NOT IN ('done', 'cancelled')) "
        "ORDER BY c.id LIMIT 1",
    )
    case_id, reference = int(row[0]), str(row[1])
    steps = f"SELECT id, status, blocked_reason FROM actions WHERE case_id = {case_id} ORDER BY id"
    steps_before = sql(store, steps)
    case_row = f"SELECT status, closed_at, close_reason FROM cases WHERE id = {case_id}"
    case_before = sql(store, case_row)
    monkeypatch.setattr(ask, "text", lambda *_a, **_k: "企业暂缓投资")
    window.open_record("case", case_id)
    view = window.case_view
    view.status_actions[CaseStatus.CLOSED].trigger()
    assert sql(store, case_row)[0][0] == "closed"
    assert {r[1] for r in sql(store, steps)} <= {"done", "cancelled"}
    cancelled = sum(1 for r in steps_before if r[1] not in ("done", "cancelled"))
    assert window.statusBar().currentMessage() == (
        f"Case {reference}: Open → Closed; open steps cancelled: {cancelled}. Ctrl+Z to undo."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, case_row) == case_before
    assert sql(store, steps) == steps_before
    assert window.statusBar().currentMessage() == f"Undone: case {reference} is Open again."
    assert events(store, "case", case_id, "undone") == [("测试员",)]
    assert view.case is not None
    assert view.case.status == CaseStatus.OPEN  # on screen too


def test_a_case_status_undo_is_refused_after_a_colleagues_change(
    window: MainWindow,
    demo_store: Store,
    qtbot: QtBot,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = demo_store
    (row,) = sql(store, "SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT 1")
    case_id = int(row[0])
    monkeypatch.setattr(ask, "text", lambda *_a, **_k: "等待企业决策")
    window.open_record("case", case_id)
    window.case_view.status_actions[CaseStatus.ON_HOLD].trigger()
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        cases.update(colleague, case_id, notes="企业来电：下月再议")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert len(warnings) == 1
    assert "王同事" in warnings[0]
    assert sql(store, f"SELECT status FROM cases WHERE id = {case_id}") == [("on_hold",)]
    assert events(store, "case", case_id, "undone") == []


# -- edits made in forms -------------------------------------------------------------------


def test_the_case_form_says_what_changed_and_ctrl_z_puts_it_back(
    window: MainWindow,
    demo_store: Store,
    qtbot: QtBot,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = demo_store
    (row,) = sql(store, "SELECT id, reference FROM cases WHERE status = 'open' ORDER BY id LIMIT 1")
    case_id, reference = int(row[0]), str(row[1])
    facts = f"SELECT title, owner, amount_minor FROM cases WHERE id = {case_id}"
    kept = sql(store, facts)
    tags = f"SELECT tag FROM case_tags WHERE case_id = {case_id} ORDER BY tag"
    kept_tags = sql(store, tags)

    def officer_edits(dialog: EditCaseDialog) -> int:
        dialog.title.setText("总部落地（改名）")
        dialog.owner.setEditText("张敏")
        dialog.tags.setText("重点项目")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(EditCaseDialog, "exec", officer_edits)
    window.open_record("case", case_id)
    view = window.case_view
    view.edit_action.trigger()  # F2
    assert sql(store, facts)[0][:2] == ("总部落地（改名）", "张敏")
    assert window.statusBar().currentMessage() == (
        f"Case {reference}: Title, Owner, Tags changed. Ctrl+Z to undo."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, facts) == kept
    assert sql(store, tags) == kept_tags
    assert window.statusBar().currentMessage() == f"Undone: Case {reference} is back as it was."
    assert events(store, "case", case_id, "undone") == [("测试员",)]
    assert view.title.text().endswith(kept[0][0])  # the case view shows it too


def test_a_step_edit_undo_is_refused_after_a_colleagues_change(
    window: MainWindow,
    demo_store: Store,
    qtbot: QtBot,
    warnings: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = demo_store
    step, title, case_id = a_step_that_can_be_done(store, "in_progress")
    notes = f"SELECT notes, owner FROM actions WHERE id = {step}"

    def officer_edits(dialog: EditStepDialog) -> int:
        dialog.notes.setPlainText("约好周四上午去窗口")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(EditStepDialog, "exec", officer_edits)
    window.open_record("case", case_id)
    tab = window.case_view.actions_tab
    assert tab.select_step(step)
    tab.edit_action.trigger()
    assert sql(store, notes)[0][0] == "约好周四上午去窗口"
    assert window.statusBar().currentMessage() == (
        f"Step “{title}”: Notes changed. Ctrl+Z to undo."
    )
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        actions.update(colleague, step, owner="王同事")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert len(warnings) == 1
    assert "王同事" in warnings[0]
    assert sql(store, notes) == [("约好周四上午去窗口", "王同事")]  # both edits stand
    assert events(store, "action", step, "undone") == []


def test_a_contact_edit_is_said_and_undone_with_its_handles(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    (row,) = sql(store, "SELECT id, name FROM contacts ORDER BY id LIMIT 1")
    contact_id, name = int(row[0]), str(row[1])
    facts = f"SELECT role, notes FROM contacts WHERE id = {contact_id}"
    handles = f"SELECT channel, handle FROM handles WHERE contact_id = {contact_id}"
    kept, kept_handles = sql(store, facts), sql(store, handles)
    window.show_page(PAGE_CONTACTS)
    window.contacts.select("contact", contact_id)
    page = window.contacts.contacts
    page.role.setText("副总经理")
    page.handles[Channel.QQ].setText("77771234")
    page.save_button.click()
    assert sql(store, facts)[0][0] == "副总经理"
    assert window.statusBar().currentMessage() == (
        f"{name}: Role, Messaging handles changed. Ctrl+Z to undo."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, facts) == kept
    assert sorted(sql(store, handles)) == sorted(kept_handles)
    assert events(store, "contact", contact_id, "undone") == [("测试员",)]
    assert page.role.text() == kept[0][0]  # the form shows it back


def test_an_organisation_renamed_is_named_back_with_ctrl_z(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    (row,) = sql(store, "SELECT id, name FROM organisations ORDER BY id LIMIT 1")
    org_id, name = int(row[0]), str(row[1])
    window.show_page(PAGE_CONTACTS)
    window.contacts.select("organisation", org_id)
    page = window.contacts.organisations
    page.name.setText(name + "（新）")
    page.save_button.click()
    assert sql(store, f"SELECT name FROM organisations WHERE id = {org_id}") == [(name + "（新）",)]
    assert window.statusBar().currentMessage() == f"{name}（新）: Name changed. Ctrl+Z to undo."
    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, f"SELECT name FROM organisations WHERE id = {org_id}") == [(name,)]
    assert events(store, "organisation", org_id, "undone") == [("测试员",)]


# -- deletions -----------------------------------------------------------------------------


def test_a_deleted_document_comes_back_with_its_files(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str], tmp_path: Path
) -> None:
    store = demo_store
    doc, title, case_id = a_document(store, "forwarded", nth=1)
    scan = tmp_path / "营业执照 扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 licence scan\n" * 50)
    documents.attach_file(store, doc, scan)
    row = f"SELECT * FROM documents WHERE id = {doc}"
    files = f"SELECT id, sha256, original_name FROM document_files WHERE document_id = {doc}"
    kept, kept_files = sql(store, row), sql(store, files)
    asked: list[str] = []
    window.open_record("case", case_id)
    tab = window.case_view.documents_tab
    window.case_view.select("document", doc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QMessageBox, "question", lambda *a: asked.append(str(a[2])))
        qtbot.keyClick(tab.tree, Qt.Key.Key_Delete)
    assert asked == []  # no question: it can be undone
    assert sql(store, row) == []
    assert sql(store, files) == []
    assert window.statusBar().currentMessage() == (
        f"Deleted document “{title}”. Ctrl+Z to bring it back."
    )

    ctrl_z(qtbot, window)
    assert warnings == []
    back = sql(store, row)
    assert [r[:-2] for r in back] == [r[:-2] for r in kept]  # all but its last change
    assert sql(store, files) == kept_files
    assert window.statusBar().currentMessage() == f"Undone: document “{title}” is back."
    assert events(store, "document", doc, "restored") == [("测试员",)]
    assert tab.select_document(doc)  # on screen again
    (file_id,) = [f[0] for f in kept_files if f[2] == scan.name]
    copied = documents.copy_for_viewing(store, file_id, tmp_path / "view")
    assert copied.read_bytes() == scan.read_bytes()  # its content is there too


def test_a_deleted_communication_comes_back_with_ctrl_z_from_anywhere(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    window.show_page(PAGE_INBOX)
    inbox = window.inbox
    inbox.table.setFocus()
    (chosen,) = inbox.selected_ids()
    row = f"SELECT * FROM communications WHERE id = {chosen}"
    kept = sql(store, row)
    qtbot.keyClick(inbox.table, Qt.Key.Key_Delete)
    assert sql(store, row) == []
    assert window.statusBar().currentMessage() == (
        "Deleted a communication. Ctrl+Z to bring it back."
    )
    window.show_page(PAGE_ACTIONS)  # Ctrl+Z from anywhere
    window.actions_view.table.setFocus()
    ctrl_z(qtbot, window)
    assert warnings == []
    assert [r[:-1] for r in sql(store, row)] == [r[:-1] for r in kept]  # all but its version
    assert window.statusBar().currentMessage() == "Undone: the communication is back."
    assert events(store, "communication", chosen, "restored") == [("测试员",)]
    assert chosen in inbox.model.ids


def test_a_deleted_organisation_comes_back_with_its_people_unless_its_name_is_taken(
    window: MainWindow, demo_store: Store, qtbot: QtBot, warnings: list[str]
) -> None:
    store = demo_store
    (row,) = sql(
        store,
        "SELECT o.id, o.name FROM organisations o WHERE EXISTS (SELECT 1 FROM contacts c "
        " WHERE c.organisation_id = o.id) AND NOT EXISTS (SELECT 1 FROM cases WHERE "
        " company_id = o.id) AND NOT EXISTS (SELECT 1 FROM actions WHERE department_id = o.id)"
        " AND NOT EXISTS (SELECT 1 FROM documents WHERE o.id IN (source_id, destination_id, "
        " holder_id)) ORDER BY o.id LIMIT 1",
    )
    org_id, name = int(row[0]), str(row[1])
    people = f"SELECT id FROM contacts WHERE organisation_id = {org_id} ORDER BY id"
    kept = sql(store, people)
    window.show_page(PAGE_CONTACTS)
    window.contacts.select("organisation", org_id)
    page = window.contacts.organisations
    page.delete_button.click()
    assert warnings == []
    assert sql(store, f"SELECT id FROM organisations WHERE id = {org_id}") == []
    assert sql(store, people) == []
    assert window.statusBar().currentMessage() == f"Deleted {name}. Ctrl+Z to bring it back."
    ctrl_z(qtbot, window)
    assert warnings == []
    assert sql(store, f"SELECT name FROM organisations WHERE id = {org_id}") == [(name,)]
    assert sql(store, people) == kept
    assert window.statusBar().currentMessage() == f"Undone: {name} is back."
    assert events(store, "organisation", org_id, "restored") == [("测试员",)]

    # Deleted again; meanwhile a colleague adds another organisation of that name.
    window.contacts.select("organisation", org_id)
    page.delete_button.click()
    colleague = open_store(store.data_dir, clock=store.clock, officer="王同事")
    try:
        organisations.create(colleague, name, "company")
    finally:
        colleague.close()
    ctrl_z(qtbot, window)
    assert warnings == [f"An organisation named “{name}” already exists."]
    assert sql(store, people) == []  # nothing put back over the colleague's
