"""The unfiled inbox driven from the keyboard over the demo data: select, file, undo, delete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from coordinator.foresight.terms import company_core
from coordinator.i18n import set_language
from coordinator.kinds import Channel
from coordinator.queries import caller_card
from coordinator.services import communications
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.inbox import InboxView
from ui.views.inbox_model import InboxModel

NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture
def store(demo_store: Store) -> Store:
    return demo_store  # the demo built at NOW, copied for this test (tests/ui/conftest.py)


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


@pytest.fixture
def view(store: Store, hub: Hub, qtbot: QtBot) -> Iterator[InboxView]:
    set_language("en")
    widget = InboxView(store, hub, lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    # The filing model is built in the background; the suggestions the tests read are
    # the ones made with it.
    qtbot.waitUntil(lambda: widget.foresight.is_ready, timeout=20_000)
    widget.table.setFocus()
    yield widget
    set_language("en")


def _sql(store: Store, sql: str, **params: object) -> list[tuple[Any, ...]]:
    with store.read() as session:
        return [tuple(r) for r in session.execute(text(sql), params)]


def _unfiled_ids(store: Store) -> list[int]:
    rows = _sql(
        store, "SELECT id FROM communications WHERE case_id IS NULL ORDER BY at DESC, id DESC"
    )
    return [int(r[0]) for r in rows]


def _case_of(store: Store, ids: list[int]) -> set[object]:
    marks = ",".join(str(int(i)) for i in ids)
    return {r[0] for r in _sql(store, f"SELECT case_id FROM communications WHERE id IN ({marks})")}


def _click_row(qtbot: QtBot, view: InboxView, row: int) -> None:
    index = view.model.index(row, 0)
    view.table.scrollTo(index)
    rect = view.table.visualRect(index)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_list_is_the_unfiled_communications_newest_first(view: InboxView, store: Store) -> None:
    expected = _unfiled_ids(store)
    assert len(expected) > 10
    assert view.model.ids == expected
    assert view.title.text() == f"Unfiled: {len(expected)}"
    assert view.selected_rows() == [0]  # ready for the keyboard at once


def test_three_rows_filed_with_the_keyboard_then_undone(
    view: InboxView, store: Store, hub: Hub, qtbot: QtBot
) -> None:
    before = view.model.ids
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    chosen = view.selected_ids()
    assert chosen == before[1:4]
    target = view.suggestions()[0]
    open_refs = {
        r[0] for r in _sql(store, "SELECT reference FROM cases WHERE status IN ('open', 'on_hold')")
    }
    assert target.reference in open_refs

    with (
        qtbot.waitSignal(hub.changed) as changed,
        qtbot.assertNotEmitted(view.model.modelReset),
        qtbot.waitSignal(view.model.rowsRemoved),
    ):
        qtbot.keyClick(view.table, "1")

    assert _case_of(store, chosen) == {target.case_id}
    assert set(chosen) <= changed.args[0].ids_of(ChangeKind.COMMUNICATION)
    assert view.model.ids == [before[0], *before[4:]]
    assert view.title.text() == f"Unfiled: {len(before) - 3}"
    # The row after the filed ones is selected: the officer keeps going.
    assert view.selected_ids() == [before[4]]
    assert target.reference in view.status.text()

    with qtbot.waitSignal(hub.changed), qtbot.assertNotEmitted(view.model.modelReset):
        qtbot.keyClick(view.table, "u")
    assert _case_of(store, chosen) == {None}
    assert view.model.ids == before
    assert view.selected_ids() == chosen  # back and selected, to be filed elsewhere

    qtbot.keyClick(view.table, "u")
    assert view.status.text() == "Nothing to undo."
    assert view.model.ids == before


def test_the_ranked_cases_then_the_callers_and_search_picks_another(
    view: InboxView, store: Store, qtbot: QtBot
) -> None:
    row = next(
        r
        for r in range(view.model.rowCount())
        if (rec := view.model.record(r)) is not None and rec.who == "林晓雯"
    )
    _click_row(qtbot, view, row)
    record = view.model.record(row)
    assert record is not None
    assert record.contact_id is not None
    card = caller_card.caller_card(store, record.contact_id, NOW)
    assert card.open_cases
    shown = view.suggestions()
    # The filing model's best (each with its reasons), then the caller's open cases.
    ranked = [c for c in shown if c.reasons]
    assert 1 <= len(ranked) <= 3
    assert shown[: len(ranked)] == ranked
    assert view.reasons.text() == f"Why: {ranked[0].reasons}"
    assert "this caller" in ranked[0].reasons or "林晓雯" in ranked[0].reasons
    callers = [c for c in shown if c.caller_name]
    assert {c.case_id for c in ranked} | {c.case_id for c in callers} >= {
        c.case_id for c in card.open_cases
    }
    assert all(c.caller_name == "林晓雯" for c in callers)
    assert "best matches" in view.suggest_caption.text()

    # "/" goes to the case search box; a reference narrows the list; Enter files.
    ident = view.model.id_at(row)
    assert ident is not None
    qtbot.keyClick(view.table, "/")
    assert view.case_search.hasFocus()
    qtbot.keyClicks(view.case_search, "0006")
    qtbot.keyClick(view.case_search, Qt.Key.Key_Return)
    assert [c.reference for c in view.suggestions()] == ["2026-0006"]
    (case_id,) = _case_of(store, [ident])
    assert _sql(store, "SELECT reference FROM cases WHERE id = :i", i=case_id) == [("2026-0006",)]
    assert view.model.row_of(ident) is None
    assert view.table.hasFocus()


def test_search_by_chinese_title_and_arrow_keys_choose_the_case(
    view: InboxView, store: Store, qtbot: QtBot
) -> None:
    ident = view.model.id_at(0)
    assert ident is not None
    before = view.chosen_case()
    assert before is not None
    view.case_search.setFocus()
    view.case_search.insert("有限公司")  # every company: several matches
    qtbot.keyClick(view.case_search, Qt.Key.Key_Down)  # runs the search, then moves down
    choices = view.suggestions()
    assert len(choices) > 1
    assert all("有限公司" in c.company for c in choices)
    assert not any(c.reasons for c in choices)  # a search shows what it found, unranked
    # The case chosen before the search stays chosen when it matches; Down moves on.
    ids = [c.case_id for c in choices]
    kept = ids.index(before.case_id) if before.case_id in ids else 0
    chosen = view.chosen_case()
    assert chosen == choices[min(kept + 1, len(choices) - 1)]
    qtbot.keyClick(view.case_search, Qt.Key.Key_Return)
    assert _case_of(store, [ident]) == {chosen.case_id}

    view.case_search.setFocus()
    view.case_search.selectAll()
    view.case_search.insert("没有这个事项")
    qtbot.keyClick(view.case_search, Qt.Key.Key_Return)
    assert view.suggestions() == []
    assert view.suggest_caption.text() == "No open case matches."
    assert not view.file_button.isEnabled()


def test_delete_asks_nothing_and_u_brings_them_back(
    view: InboxView, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(str(a[2])))
    before = view.model.ids
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    chosen = view.selected_ids()
    assert chosen == before[:2]
    rows = f"SELECT id, notes, at FROM communications WHERE id IN {tuple(chosen)} ORDER BY id"
    kept = _sql(store, rows)

    with qtbot.assertNotEmitted(view.model.modelReset):
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert asked == []  # no question: U (or Ctrl+Z) puts them back
    assert _sql(store, rows) == []
    assert view.model.ids == before[2:]
    assert view.selected_ids() == [before[2]]
    assert view.status.text() == "Deleted 2 communications. Ctrl+Z to bring them back."

    qtbot.keyClick(view.table, Qt.Key.Key_U)
    assert _sql(store, rows) == kept
    assert view.status.text() == "Undone: 2 communications are back."
    assert sorted(view.model.ids) == sorted(before)


def test_filing_everything_shows_the_empty_state(view: InboxView, qtbot: QtBot) -> None:
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(view.selected_ids()) == view.model.rowCount()
    qtbot.keyClick(view.table, Qt.Key.Key_F)
    assert view.model.rowCount() == 0
    assert view.list_stack.currentWidget() is view.empty
    assert view.empty.text() == "Nothing to file. Calls logged without a case land here."
    assert not view.delete_button.isEnabled()
    assert view.undo_button.isEnabled()
    focused = QApplication.focusWidget()
    assert focused is view.undo_button  # the list is hidden: U still works from here
    qtbot.keyClick(focused, Qt.Key.Key_U)
    assert view.model.rowCount() > 0
    assert view.list_stack.currentWidget() is view.table


def test_a_call_logged_elsewhere_comes_in_at_the_top_without_reset(
    view: InboxView, store: Store, hub: Hub, qtbot: QtBot
) -> None:
    before = view.model.ids
    with (
        qtbot.assertNotEmitted(view.model.modelReset),
        qtbot.waitSignal(view.model.rowsInserted) as inserted,
    ):
        outcome = hub.call(
            None,
            communications.log,
            at=NOW,
            channel=Channel.WECHAT,
            raw_number="13800138000",
            notes="新来电：咨询厂房",
        )
    assert outcome is not None
    assert inserted.args[1:] == [0, 0]
    assert view.model.ids == [outcome.value.id, *before]
    assert view.model.index(0, 3).data() == "新来电：咨询厂房"


def test_double_click_opens_the_communication(view: InboxView, hub: Hub, qtbot: QtBot) -> None:
    ident = view.model.id_at(0)
    index = view.table.visualRect(view.model.index(0, 0)).center()
    # The view only takes a double click on the row it saw pressed: press first.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=index)
    with qtbot.waitSignal(hub.open_requested) as opened:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=index)
    assert opened.args == ["communication", ident]


def test_screens_speak_chinese(view: InboxView) -> None:
    set_language("zh_CN")
    view.retranslate()
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "时间"
    set_language("en")
    view.retranslate()
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "When"


def test_model_passes_qtmodeltester(qtmodeltester, store: Store) -> None:
    model = InboxModel(store, lambda: NOW)
    qtmodeltester.check(model)
    # The tester stays attached: rows leaving and coming back are checked as they happen.
    ids = model.ids
    moved = [ids[1], ids[2], ids[5]]
    case_id = _sql(store, "SELECT id FROM cases WHERE status = 'open' LIMIT 1")[0][0]
    communications.file_to_case(store, moved, case_id)
    model.sync(moved)
    assert model.ids == [i for i in ids if i not in moved]
    communications.file_to_case(store, moved, None)
    model.sync(moved)
    assert model.ids == ids
    qtmodeltester.check(model)


def test_the_message_itself_ranks_the_cases_and_1_files_to_the_best(
    view: InboxView, store: Store, hub: Hub, qtbot: QtBot
) -> None:
    """A call from a number nobody knows, naming a company: the model puts that company's
    open case first with its reasons, and 1 files the call there."""
    open_cases = _sql(
        store,
        "SELECT c.id, c.reference, o.name FROM cases c JOIN organisations o "
        "ON o.id = c.company_id WHERE c.status = 'open' ORDER BY c.id",
    )
    case_id, reference, company = open_cases[-1]
    core = company_core(str(company))
    outcome = hub.call(
        None,
        communications.log,
        at=NOW,
        raw_number="0574 8800 1234",
        notes=f"{core}那边问材料什么时候能交",
    )
    assert outcome is not None
    view.select_ids([outcome.value.id])
    shown = view.suggestions()
    assert shown[0].case_id == case_id
    assert shown[0].reasons.startswith(f"mentions the company “{core}”")
    assert view.reasons.isVisible()
    assert view.reasons.text() == f"Why: {shown[0].reasons}"
    assert "best matches" in view.suggest_caption.text()
    item = view.cases.topLevelItem(0)
    assert item is not None
    assert item.font(1).bold()  # a ranked case stands out from the plain list
    assert core in item.toolTip(1)

    view.table.setFocus()
    qtbot.keyClick(view.table, "1")
    assert _case_of(store, [outcome.value.id]) == {case_id}
    assert view.status.text() == f"Filed 1 to {reference}. U or Ctrl+Z to undo."
