"""The communications list: SQL order and filters, lazy windows, refresh without reset."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select, text

from coordinator.kinds import Channel
from coordinator.labels import CHANNEL
from coordinator.queries import communications as cq
from coordinator.services import communications
from coordinator.store.models import Communication
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.communications import CommunicationsView
from ui.widgets.lazy_table import (
    COL_CASE,
    COL_DURATION,
    COL_NOTES,
    COL_WHO,
    LazyCommunicationsModel,
)

NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture
def store(demo_store: Store) -> Store:
    return demo_store  # the demo built at NOW, copied for this test (tests/ui/conftest.py)


def _sql_ids(store: Store, sql: str) -> list[int]:
    with store.read() as session:
        return [int(r[0]) for r in session.execute(text(sql))]


def _model_ids(model: LazyCommunicationsModel) -> list[int | None]:
    return [model.id_at(r) for r in range(model.rowCount())]


def test_row_count_equals_database(qtbot, store: Store) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    with store.read() as session:
        total = session.scalar(select(func.count()).select_from(Communication))
    assert total
    assert view.model.rowCount() == total
    assert _model_ids(view.model) == _sql_ids(
        store, "SELECT id FROM communications ORDER BY at DESC, id DESC"
    )


@pytest.mark.parametrize(
    ("column", "order_by"),
    [
        (COL_DURATION, "c.duration_seconds ASC, c.at ASC, c.id ASC"),
        (COL_WHO, "COALESCE(k.name, c.raw_number) ASC, c.at ASC, c.id ASC"),
        (COL_CASE, "COALESCE(s.reference, '') ASC, c.at ASC, c.id ASC"),
    ],
)
def test_sorting_orders_like_sql(qtbot, store: Store, column: int, order_by: str) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    view.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    expected = _sql_ids(
        store,
        "SELECT c.id FROM communications c LEFT JOIN contacts k ON k.id = c.contact_id "
        f"LEFT JOIN cases s ON s.id = c.case_id ORDER BY {order_by}",
    )
    assert _model_ids(view.model) == expected


def test_sqlite_id_list_matches_plain_query(store: Store) -> None:
    for sort in cq.SORT_COLUMNS:
        for descending in (True, False):
            stmt = cq.ids_stmt(cq.CommunicationFilter(), sort, descending)
            with store.read() as session:
                plain = list(session.scalars(stmt))
                assert cq.ids(store, sort=sort, descending=descending) == plain


def test_filter_by_channel_and_unfiled(qtbot, store: Store) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    view.channel.setCurrentIndex(view.channel.findData(Channel.PHONE.value))
    phone = _sql_ids(
        store, "SELECT id FROM communications WHERE channel = 'phone' ORDER BY at DESC, id DESC"
    )
    assert phone
    assert _model_ids(view.model) == phone
    assert view.channel.currentText() == CHANNEL[Channel.PHONE].tr()

    view.channel.setCurrentIndex(0)
    view.unfiled.setChecked(True)
    unfiled = _sql_ids(
        store, "SELECT id FROM communications WHERE case_id IS NULL ORDER BY at DESC, id DESC"
    )
    assert unfiled
    assert view.model.rowCount() == len(unfiled)
    assert _model_ids(view.model) == unfiled


def test_text_search_finds_a_note(qtbot, store: Store) -> None:
    with store.read() as session:
        ident, notes = session.execute(
            text("SELECT id, notes FROM communications WHERE length(notes) > 6 LIMIT 1")
        ).one()
    word = notes.strip().splitlines()[0][:6]
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.model.modelReset, timeout=2000):
        view.search.setText(word)  # applied after the debounce
    assert ident in _model_ids(view.model)
    assert view.model.rowCount() < _count(store)
    for row in range(view.model.rowCount()):
        shown = view.model.index(row, COL_NOTES).data()
        assert isinstance(shown, str)


def _count(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Communication)) or 0)


def test_model_passes_qtmodeltester(qtmodeltester, store: Store) -> None:
    model = LazyCommunicationsModel(store)
    qtmodeltester.check(model)
    model.sort(COL_WHO, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)


def test_refresh_ids_updates_a_row_without_reset(qtbot, store: Store) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    model = view.model
    row = 1
    ident = model.id_at(row)
    assert ident is not None
    assert model.index(row, COL_NOTES).data() != "新备注"
    communications.update(store, ident, notes="新备注")
    assert model.index(row, COL_NOTES).data() != "新备注"  # cached until told
    with (
        qtbot.assertNotEmitted(model.modelReset),
        qtbot.waitSignal(model.dataChanged) as changed,
    ):
        model.refresh_ids({ident})
    assert changed.args[0].row() == row
    assert model.index(row, COL_NOTES).data() == "新备注"


def test_windows_are_fetched_lazily_and_bounded(qtbot, store: Store) -> None:
    model = LazyCommunicationsModel(store)
    assert model.window_fetches == 0
    model.index(0, 0).data()
    model.index(1, 0).data()
    assert model.window_fetches == 1


def _pick(qtbot, picker, typed: str, qtlog) -> None:
    """Type into a contact or case box and take the first match from its popup."""
    picker.setFocus()
    # The offscreen platform cannot raise the popup nor let it grab the keyboard, and
    # says so; nothing else is silenced.
    with qtlog.disabled():
        qtbot.keyClicks(picker, typed)
        popup = picker.completer_.popup()
        qtbot.waitUntil(popup.isVisible, timeout=2000)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert not popup.isVisible()


def _one_id(store: Store, sql: str) -> int:
    (ident,) = _sql_ids(store, sql)
    return ident


def test_filter_by_contact_and_case(qtbot, store: Store, qtlog) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    everything = _model_ids(view.model)

    _pick(qtbot, view.contact, "lxw", qtlog)  # pinyin initials of 林晓雯
    lin = _one_id(store, "SELECT id FROM contacts WHERE name = '林晓雯'")
    assert view.contact.chosen_id == lin
    assert view.contact.text().startswith("林晓雯")
    with_lin = _sql_ids(
        store,
        f"SELECT id FROM communications WHERE contact_id = {lin} ORDER BY at DESC, id DESC",
    )
    assert with_lin
    assert _model_ids(view.model) == with_lin

    _pick(qtbot, view.case, "AOI", qtlog)
    aoi = _one_id(store, "SELECT id FROM cases WHERE title LIKE '%AOI%'")
    assert view.case.chosen_id == aoi
    both = _sql_ids(
        store,
        f"SELECT id FROM communications WHERE contact_id = {lin} AND case_id = {aoi} "
        "ORDER BY at DESC, id DESC",
    )
    assert _model_ids(view.model) == both
    assert len(both) < len(with_lin)

    # Clearing the contact box shows the case's communications with anyone.
    view.contact.setFocus()
    qtbot.keyClick(view.contact, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.contact, Qt.Key.Key_Backspace)
    assert view.contact.chosen_id is None
    assert _model_ids(view.model) == _sql_ids(
        store, f"SELECT id FROM communications WHERE case_id = {aoi} ORDER BY at DESC, id DESC"
    )
    # Typing over the chosen case drops it at once: the box never shows one case while
    # the list shows another's.
    view.case.setFocus()
    qtbot.keyClick(view.case, Qt.Key.Key_Backspace)
    assert view.case.chosen_id is None
    assert _model_ids(view.model) == everything


def test_filter_by_contact_from_elsewhere_and_select_clears_it(qtbot, store: Store) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    zhao = _one_id(store, "SELECT id FROM contacts WHERE name = '赵启航'")
    view.filter_by_contact(zhao)
    assert view.contact.text().startswith("赵启航")
    shown = _model_ids(view.model)
    assert shown == _sql_ids(
        store,
        f"SELECT id FROM communications WHERE contact_id = {zhao} ORDER BY at DESC, id DESC",
    )
    other = _one_id(
        store,
        f"SELECT id FROM communications WHERE contact_id IS NOT NULL AND contact_id != {zhao} "
        "ORDER BY id LIMIT 1",
    )
    assert view.select(other)  # opening another record clears the filter that hides it
    assert view.contact.chosen_id is None
    assert view.contact.text() == ""
    assert view.model.filter == cq.CommunicationFilter()


def test_filter_pickers_match_models_pass_qtmodeltester(
    qtbot, qtmodeltester, qtlog, store: Store
) -> None:
    view = CommunicationsView(store, Hub(store))
    qtbot.addWidget(view)
    for picker, typed in ((view.contact, "l"), (view.case, "2026")):
        picker.setText(typed)
        # The offscreen platform cannot raise the matches popup or grab the keyboard
        # for it, and says so; those two lines are the platform's, not ours.
        with qtlog.disabled():
            picker.search_now()
            picker.completer_.popup().hide()
        assert picker.matches.rowCount() > 0
        qtmodeltester.check(picker.matches)
