"""The contacts view over the demo data: finding, editing, drafts, numbers, deleting, opening."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from coordinator.i18n import set_language
from coordinator.kinds import Channel, OrganisationKind
from coordinator.phones import normalise
from coordinator.queries import contacts as contact_queries
from coordinator.safety.opening import open_store
from coordinator.services import communications, contacts, organisations
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.models import Communication, Contact, Organisation, PhoneNumber
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.contacts.record_page import NEW
from ui.views.contacts.sources import C_LAST, C_NAME, C_ORGANISATION
from ui.views.contacts.view import ContactsView
from ui.widgets.lazy_table import LazyIdModel

NOW = datetime(2026, 11, 25, 10, 30)
COMPANY = "宁波澄明光电科技有限公司"  # a demo company with cases and three people


@pytest.fixture
def store(demo_store: Store) -> Store:
    return demo_store  # the demo built at NOW, copied for this test (tests/ui/conftest.py)


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


@pytest.fixture
def view(store: Store, hub: Hub, qtbot: QtBot) -> Iterator[ContactsView]:
    set_language("en")
    widget = ContactsView(store, hub)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    set_language("en")


@pytest.fixture
def no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer Yes to every question; collect every warning's text instead of showing it."""
    warnings: list[str] = []

    def warn(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        warnings.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warn))
    answer_yes(monkeypatch)
    return warnings


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_a: object) -> Any:
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def answer_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return answer(monkeypatch, QMessageBox.StandardButton.Yes)


def contact_id(store: Store, name: str) -> int:
    with store.read() as session:
        ident = session.scalar(select(Contact.id).where(Contact.name == name))
    assert ident is not None
    return ident


def organisation_id(store: Store, name: str) -> int:
    with store.read() as session:
        ident = session.scalar(select(Organisation.id).where(Organisation.name == name))
    assert ident is not None
    return ident


def shown_ids(model: LazyIdModel) -> list[int | None]:
    return [model.id_at(r) for r in range(model.rowCount())]


def cell(model: LazyIdModel, ident: int, column: int) -> str:
    row = model.row_of(ident)
    assert row is not None
    return str(model.data(model.index(row, column)))


def click_row(qtbot: QtBot, table: QAbstractItemView, row: int, *, double: bool = False) -> None:
    index = table.model().index(row, 0)
    table.scrollTo(index)
    centre = table.visualRect(index).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    if double:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def type_into_search(qtbot: QtBot, view: ContactsView, text: str) -> None:
    records = view.contacts.list
    with qtbot.waitSignal(records.model.modelReset, timeout=2000):
        qtbot.keyClicks(records.search, text)
        # debounced: nothing is read while the officer is still typing
        assert records.search_timer.isActive()


# -- finding people ------------------------------------------------------------------------


def test_search_by_pinyin_initials(qtbot: QtBot, view: ContactsView, store: Store) -> None:
    records = view.contacts.list
    with store.read() as session:
        everyone = session.scalar(select(func.count()).select_from(Contact))
    assert records.model.rowCount() == everyone
    type_into_search(qtbot, view, "hzy")
    assert shown_ids(records.model) == [contact_id(store, "黄振宇")]
    assert records.count_label.text() == "1 contact"


def test_search_by_four_digits(qtbot: QtBot, view: ContactsView, store: Store) -> None:
    huang = contact_id(store, "黄振宇")
    with store.read() as session:
        digits = session.scalars(
            select(PhoneNumber.digits).where(PhoneNumber.contact_id == huang)
        ).first()
    assert digits is not None
    four = digits[3:7]
    type_into_search(qtbot, view, four)
    shown = shown_ids(view.contacts.list.model)
    assert huang in shown
    with store.read() as session:
        owners = set(
            session.scalars(select(PhoneNumber.contact_id).where(PhoneNumber.digits.contains(four)))
        )
    assert set(shown) == owners


def test_no_match_and_empty_store_say_what_to_do(
    qtbot: QtBot, view: ContactsView, hub: Hub, tmp_path: Path
) -> None:
    type_into_search(qtbot, view, "zzzzqqq")
    records = view.contacts.list
    assert records.stack.currentWidget() is records.empty
    assert "No contact matches" in records.empty.text()

    empty_store = open_store(tmp_path / "empty", clock=lambda: NOW)
    try:
        empty = ContactsView(empty_store, Hub(empty_store))
        qtbot.addWidget(empty)
        assert empty.contacts.list.stack.currentWidget() is empty.contacts.list.empty
        assert empty.contacts.list.empty.text() == (
            "No contacts yet. Press Ctrl+N to add one, or import a vCard/CSV file."
        )
        assert "Ctrl+N" in empty.organisations.list.empty.text()
    finally:
        empty_store.close()


def test_columns_sort_in_sql(qtbot: QtBot, view: ContactsView, store: Store) -> None:
    model = view.contacts.list.model
    header = view.contacts.list.table.horizontalHeader()
    header.setSortIndicator(C_LAST, Qt.SortOrder.DescendingOrder)
    with store.read() as session:
        latest = session.execute(
            select(Communication.contact_id)
            .where(Communication.contact_id.is_not(None))
            .order_by(Communication.at.desc())
            .limit(1)
        ).scalar_one()
    assert model.id_at(0) == latest
    header.setSortIndicator(C_ORGANISATION, Qt.SortOrder.AscendingOrder)
    organisations = [
        str(model.data(model.index(r, C_ORGANISATION))) for r in range(model.rowCount())
    ]
    assert organisations[0] == ""  # 周博文 has no organisation: first, A to Z
    assert organisations.index("骆驼街道经济发展服务办公室") < organisations.index(
        "甬江产业投资基金"
    )


# -- editing -------------------------------------------------------------------------------


def test_edit_role_and_save(qtbot: QtBot, view: ContactsView, store: Store, hub: Hub) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    assert page.name.text() == "黄振宇"
    assert not page.save_button.isEnabled()
    page.role.selectAll()
    page.role.insert("董事总经理 ")
    assert page.draft_marker.isVisible()
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(hub.changed) as changed:
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    change_set = changed.args[0]
    assert isinstance(change_set, ChangeSet)
    assert huang in change_set.ids_of(ChangeKind.CONTACT)
    with store.read() as session:
        assert session.get(Contact, huang).role == "董事总经理"  # type: ignore[union-attr]
    assert page.role.text() == "董事总经理"  # as stored: the service trims the space
    assert not page.draft_marker.isVisible()
    assert not page.save_button.isEnabled()
    assert huang not in page.drafts


def test_a_refused_save_shows_why_and_keeps_the_draft(
    view: ContactsView, store: Store, no_dialogs: list[str]
) -> None:
    huang, luo = contact_id(store, "黄振宇"), contact_id(store, "罗欣然")
    taken = dict(contact_queries.get(store, luo).handles)[Channel.WECHAT]
    view.select("contact", huang)
    page = view.contacts
    page.role.setText("董事长")
    page.handles[Channel.WECHAT].setText(taken)
    page.save_button.click()
    assert no_dialogs == [f"The handle “{taken}” already belongs to another contact."]
    stored = contact_queries.get(store, huang)
    assert stored.role == "董事长"  # saved before the refusal
    assert dict(stored.handles)[Channel.WECHAT] != taken
    assert page.handles[Channel.WECHAT].text() == taken  # the refused part stays a draft
    assert page.draft_marker.isVisible()
    assert huang in page.drafts


def test_ctrl_s_saves_and_a_handle_is_set(qtbot: QtBot, view: ContactsView, store: Store) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    qq = page.handles[Channel.QQ]
    qq.setFocus()
    qtbot.keyClicks(qq, "88886666")
    qtbot.keyClick(qq, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert (Channel.QQ, "88886666") in contact_queries.get(store, huang).handles
    assert not page.draft_marker.isVisible()


def test_ctrl_n_and_ctrl_s_win_over_the_windows_own_shortcuts(
    qtbot: QtBot, store: Store, hub: Hub
) -> None:
    # The main window gives Ctrl+N to "new case"; inside this view it means a new contact.
    window = QMainWindow()
    qtbot.addWidget(window)
    window_keys: list[str] = []
    for key, name in (
        (QKeySequence.StandardKey.New, "new"),
        (QKeySequence.StandardKey.Save, "save"),
    ):
        action = QAction(name, window)
        action.setShortcut(key)
        action.triggered.connect(lambda _checked=False, n=name: window_keys.append(n))
        window.addAction(action)
    inner = ContactsView(store, hub)
    window.setCentralWidget(inner)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts work in the active window
    huang = contact_id(store, "黄振宇")
    inner.select("contact", huang)
    notes = inner.contacts.notes
    notes.setFocus()
    qtbot.keyClicks(notes, "call back at 3")
    qtbot.keyClick(notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert contact_queries.get(store, huang).notes == "call back at 3"
    qtbot.keyClick(inner.contacts.list.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert inner.contacts.current_id == NEW
    assert window_keys == []


def test_name_is_required(view: ContactsView, store: Store) -> None:
    view.select("contact", contact_id(store, "黄振宇"))
    page = view.contacts
    page.name.clear()
    assert page.form_message.isVisible()
    assert page.form_message.text() == "Full name is required."
    assert not page.save_button.isEnabled()
    page.save()  # Ctrl+S on an invalid form does nothing
    assert contact_queries.get(store, contact_id(store, "黄振宇")).name == "黄振宇"


def test_revert_throws_the_draft_away(view: ContactsView, store: Store) -> None:
    view.select("contact", contact_id(store, "黄振宇"))
    page = view.contacts
    page.notes.setPlainText("下周二上午到园区")
    assert page.revert_button.isEnabled()
    page.revert_button.click()
    assert page.notes.toPlainText() == ""
    assert not page.draft_marker.isVisible()
    assert page.drafts == {}


# -- phone numbers -------------------------------------------------------------------------


def test_invalid_phone_shows_why_and_add_stays_disabled(
    qtbot: QtBot, view: ContactsView, store: Store
) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    before = len(contact_queries.get(store, huang).phones)
    qtbot.keyClicks(page.phone_input, "1234")  # (12345 is a hotline: a number)
    assert page.phone_message.isVisible()
    assert page.phone_message.text() == (
        "“1234” is not a valid phone number (check the number of digits)."
    )
    assert not page.add_phone_button.isEnabled()
    qtbot.keyClick(page.phone_input, Qt.Key.Key_Return)
    qtbot.mouseClick(page.add_phone_button, Qt.MouseButton.LeftButton)
    assert len(contact_queries.get(store, huang).phones) == before
    page.phone_input.clear()
    qtbot.keyClicks(page.phone_input, "0574-abc")
    assert "only digits" in page.phone_message.text()
    page.phone_input.clear()
    assert not page.phone_message.isVisible()
    assert not page.add_phone_button.isEnabled()


def test_add_a_valid_phone(qtbot: QtBot, view: ContactsView, store: Store, hub: Hub) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    qtbot.keyClicks(page.phone_input, "0574 8765 4321 ext 808")
    assert not page.phone_message.isVisible()
    assert page.add_phone_button.isEnabled()
    assert page.phone_preview.text() == normalise("0574 8765 4321 ext 808").display
    page.phone_label_input.insert("办公室")
    with qtbot.waitSignal(hub.changed):
        qtbot.mouseClick(page.add_phone_button, Qt.MouseButton.LeftButton)
    shown = [page.phone_list.item(i).text() for i in range(page.phone_list.count())]
    assert "0574 8765 4321 ext 808    办公室" in shown
    stored = contact_queries.get(store, huang).phones
    assert stored[-1].raw == "0574 8765 4321 ext 808"
    assert stored[-1].label == "办公室"
    assert page.phone_input.text() == ""
    # the same number typed another way is recognised as already there
    qtbot.keyClicks(page.phone_input, "+86 574 87654321 x808")
    assert page.phone_message.text() == ("黄振宇 already has the number +86 574 87654321 x808.")
    assert not page.add_phone_button.isEnabled()


def test_remove_a_phone_asks_first(
    qtbot: QtBot, view: ContactsView, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    first = contact_queries.get(store, huang).phones[0]
    page.phone_list.setCurrentRow(0)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    page.remove_phone_button.click()
    assert asked == [f"Remove the number {first.raw} from 黄振宇?"]
    assert first in contact_queries.get(store, huang).phones
    answer_yes(monkeypatch)
    page.phone_list.setCurrentRow(0)
    page.remove_phone_button.click()
    assert first not in contact_queries.get(store, huang).phones
    assert page.phone_list.count() == len(contact_queries.get(store, huang).phones)


# -- drafts --------------------------------------------------------------------------------


def test_a_draft_survives_switching_contacts_and_views(
    qtbot: QtBot, view: ContactsView, store: Store
) -> None:
    huang, luo = contact_id(store, "黄振宇"), contact_id(store, "罗欣然")
    records = view.contacts.list
    page = view.contacts
    view.select("contact", huang)
    page.role.selectAll()
    page.role.insert("董事长")
    assert cell(records.model, huang, C_NAME) == "黄振宇 (draft)"

    click_row(qtbot, records.table, records.model.row_of(luo) or 0)
    assert page.current_id == luo
    assert page.name.text() == "罗欣然"
    assert not page.draft_marker.isVisible()

    # another view in front, then back: the main window's stack hides and shows it
    view.hide()
    view.show()
    qtbot.waitExposed(view)

    click_row(qtbot, records.table, records.model.row_of(huang) or 0)
    assert page.current_id == huang
    assert page.role.text() == "董事长"
    assert page.draft_marker.isVisible()
    assert page.save_button.isEnabled()
    assert contact_queries.get(store, huang).role == "总经理"  # nothing was saved


def test_a_new_contact_with_a_new_organisation(
    qtbot: QtBot, view: ContactsView, store: Store, no_dialogs: list[str]
) -> None:
    page = view.contacts
    page.name.setFocus()
    qtbot.keyClick(page.name, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.current_id == NEW
    assert page.title.text() == "New contact"
    page.name.insert("陈立明")
    page.organisation.setEditText("宁波新材料研究院")
    assert page.organisation_hint.isVisible()
    assert page.organisation_hint.text() == (
        "“宁波新材料研究院” is new: saving adds it as a company."
    )
    qtbot.keyClicks(page.phone_input, "13957401234")
    qtbot.keyClick(page.phone_input, Qt.Key.Key_Return)
    assert page.phone_list.count() == 1

    # a detour to someone else and back: the new contact's draft is still there
    view.select("contact", contact_id(store, "黄振宇"))
    assert page.name.text() == "黄振宇"
    page.new_button.click()
    assert page.name.text() == "陈立明"
    assert page.phone_list.count() == 1

    before = view.contacts.list.model.rowCount()
    page.save_button.click()
    assert no_dialogs == []
    created = contact_id(store, "陈立明")
    record = contact_queries.get(store, created)
    assert record.organisation_name == "宁波新材料研究院"
    assert [p.raw for p in record.phones] == ["13957401234"]
    with store.read() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == "宁波新材料研究院"))
        assert org is not None
        assert org.kind == OrganisationKind.COMPANY
    assert page.current_id == created
    assert view.contacts.list.model.rowCount() == before + 1
    assert view.contacts.list.current_id() == created
    assert NEW not in page.drafts


# -- deleting ------------------------------------------------------------------------------


def test_delete_a_contact_asks_nothing_keeps_their_history_and_is_undone(
    view: ContactsView, store: Store, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    huang = contact_id(store, "黄振宇")
    named = select(func.count()).select_from(Communication)
    named = named.where(Communication.contact_id == huang)
    with store.read() as session:
        logged = session.scalar(named)
    assert logged
    kept = contact_queries.get(store, huang)
    view.select("contact", huang)
    records = view.contacts.list
    rows = records.model.rowCount()
    said: list[str] = []
    hub.said.connect(said.append)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    view.contacts.delete_button.click()
    assert asked == []  # no question: it can be undone
    with store.read() as session:
        assert session.get(Contact, huang) is None
        assert session.scalar(named) == 0
        unnamed = session.scalar(
            select(func.count())
            .select_from(Communication)
            .where(Communication.raw_number != "", Communication.contact_id.is_(None))
        )
    assert unnamed  # their communications stay, with the number
    assert records.model.rowCount() == rows - 1
    assert records.model.row_of(huang) is None
    assert view.contacts.current_id is None
    assert view.contacts.detail_stack.currentWidget() is view.contacts.placeholder
    assert said == ["Deleted 黄振宇. Ctrl+Z to bring it back."]

    assert hub.undo(view) == "Undone: 黄振宇 is back."
    back = contact_queries.get(store, huang)
    assert back == kept  # the same id, organisation, numbers and handles
    with store.read() as session:
        assert session.scalar(named) == logged  # named again by their communications
    assert records.model.row_of(huang) is not None


def test_deleting_a_contact_gone_elsewhere_shows_the_service_message(
    view: ContactsView, store: Store, no_dialogs: list[str]
) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    contacts.delete(store, huang)  # another window, not broadcast here
    view.contacts.delete_button.click()
    assert no_dialogs == [f"The contact #{huang} does not exist (any more)."]


def test_deleting_a_referenced_organisation_is_refused_with_the_service_message(
    view: ContactsView, store: Store, no_dialogs: list[str]
) -> None:
    company = organisation_id(store, COMPANY)
    view.select("organisation", company)
    assert view.tabs.currentWidget() is view.organisations
    view.organisations.delete_button.click()
    assert no_dialogs == [
        f"“{COMPANY}” is still used by cases, steps or documents and cannot be deleted."
    ]
    with store.read() as session:
        assert session.get(Organisation, company) is not None
    assert view.organisations.current_id == company


# -- related records -----------------------------------------------------------------------


def test_open_a_case_and_a_communication_from_a_contact(
    qtbot: QtBot, view: ContactsView, store: Store, hub: Hub
) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    assert page.cases_model.rowCount() >= 1
    expected_case = page.cases_model.id_at(0)
    with qtbot.waitSignal(hub.open_requested) as opened:
        click_row(qtbot, page.cases_table, 0, double=True)
    assert opened.args == ["case", expected_case]

    page.related.setCurrentWidget(page.communications_table)
    comms = page.communications_model
    with store.read() as session:
        mine = session.scalar(
            select(func.count()).select_from(Communication).where(Communication.contact_id == huang)
        )
    assert comms.rowCount() == mine
    with qtbot.waitSignal(hub.open_requested) as opened:
        click_row(qtbot, page.communications_table, 0, double=True)
    assert opened.args == ["communication", comms.id_at(0)]


def test_an_organisations_people_open_in_the_contacts_tab(
    qtbot: QtBot, view: ContactsView, store: Store
) -> None:
    view.select("organisation", organisation_id(store, COMPANY))
    page = view.organisations
    names = {cell(page.contacts_model, i, C_NAME) for i in shown_ids(page.contacts_model) if i}
    assert names == {"黄振宇", "罗欣然", "梁志远"}
    page.related.setCurrentWidget(page.contacts_table)
    click_row(qtbot, page.contacts_table, 0, double=True)
    assert view.tabs.currentWidget() is view.contacts
    assert view.contacts.current_id == page.contacts_model.id_at(0)


# -- changes made elsewhere ----------------------------------------------------------------


def test_changes_elsewhere_refresh_rows_without_reloading(
    qtbot: QtBot, view: ContactsView, store: Store, hub: Hub
) -> None:
    huang = contact_id(store, "黄振宇")
    model = view.contacts.list.model
    with qtbot.assertNotEmitted(model.modelReset):
        hub.call(None, communications.log, at=NOW, contact_id=huang, notes="来电确认开户")
    assert cell(model, huang, C_LAST) == "today 10:30"

    company = organisation_id(store, COMPANY)
    with qtbot.assertNotEmitted(model.modelReset):
        hub.call(None, organisations.update, company, name="宁波澄明光电股份有限公司")
    assert cell(model, huang, C_ORGANISATION) == "宁波澄明光电股份有限公司"

    rows = model.rowCount()
    with qtbot.waitSignal(model.modelReset):
        hub.call(None, contacts.create, "邵一凡", organisation_id=company)
    assert model.rowCount() == rows + 1


def test_a_change_elsewhere_keeps_the_officers_draft(
    view: ContactsView, store: Store, hub: Hub
) -> None:
    huang = contact_id(store, "黄振宇")
    view.select("contact", huang)
    page = view.contacts
    page.notes.setPlainText("下午三点回电")
    hub.call(None, contacts.update, huang, role="董事长")
    assert page.notes.toPlainText() == "下午三点回电"  # the draft is kept ...
    assert page.role.text() == "总经理"  # ... the field as the officer left it
    assert page.record is not None
    assert page.record.role == "董事长"  # ... against the new stored record
    # The draft was begun before that change: saving it is refused, not written over it.
    page.save_button.click()
    stored = contact_queries.get(store, huang)
    assert (stored.notes, stored.role) == ("", "董事长")
    assert not page.conflict.isHidden()
    assert "changed this contact at" in page.conflict.message.text()
    assert page.notes.toPlainText() == "下午三点回电"  # nothing typed is lost
    page.conflict.reload_button.click()
    assert (page.notes.toPlainText(), page.role.text()) == ("", "董事长")
    assert "下午三点回电" in page.conflict.message.text()  # what was typed, set aside
    assert "总经理" not in page.conflict.message.text()  # a field the officer never touched
    page.conflict.restore_button.click()
    assert (page.notes.toPlainText(), page.role.text()) == ("下午三点回电", "董事长")
    page.save_button.click()
    stored = contact_queries.get(store, huang)
    assert (stored.notes, stored.role) == ("下午三点回电", "董事长")
    assert page.conflict.isHidden()


def test_organisation_form_saves_and_keeps_drafts(
    view: ContactsView, store: Store, hub: Hub
) -> None:
    company = organisation_id(store, COMPANY)
    bank = organisation_id(store, "甬江银行骆驼支行")
    page = view.organisations
    view.select("organisation", company)
    page.notes.setPlainText("已迁入新厂房")
    view.select("organisation", bank)
    assert not page.draft_marker.isVisible()
    view.select("organisation", company)
    assert page.notes.toPlainText() == "已迁入新厂房"
    page.kind.setCurrentIndex(page.kind.findData(OrganisationKind.OTHER.value))
    page.save()
    with store.read() as session:
        org = session.get(Organisation, company)
        assert org is not None
        assert (org.notes, org.kind) == ("已迁入新厂房", OrganisationKind.OTHER)
    assert page.drafts == {}


# -- models and language -------------------------------------------------------------------


def test_every_model_passes_the_model_tester(
    view: ContactsView, store: Store, qtmodeltester: Any
) -> None:
    view.select("contact", contact_id(store, "黄振宇"))
    view.select("organisation", organisation_id(store, COMPANY))
    for model in (
        view.contacts.list.model,
        view.contacts.cases_model,
        view.contacts.communications_model,
        view.organisations.list.model,
        view.organisations.contacts_model,
        view.organisations.cases_model,
    ):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_chinese_headers(view: ContactsView) -> None:
    set_language("zh_CN")
    view.retranslate()
    model = view.contacts.list.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:2] == ["姓名", "单位"]
    assert view.tabs.tabText(0) == "联系人"
    orgs = view.organisations.list.model
    assert orgs.headerData(0, Qt.Orientation.Horizontal) == "名称"
    assert orgs.headerData(1, Qt.Orientation.Horizontal) == "类型"
    assert view.contacts.name_label.text() == "姓名"
    assert view.contacts.save_button.text() == "保存"
    assert view.contacts.list.kind.itemText(1) == "企业"
    set_language("en")
    view.retranslate()
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Full name"


def test_select_refuses_other_records(view: ContactsView) -> None:
    with pytest.raises(ValueError, match="not 'case'"):
        view.select("case", 1)
