"""Importing contacts from the dialog: choose a file, read the preview, import or not."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from coordinator.exchange.contact_import import RowAction
from coordinator.i18n import set_language
from coordinator.queries import contacts as contact_queries
from coordinator.safety.opening import open_store
from coordinator.services import contacts
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.dialogs.import_contacts import (
    COL_ACTION,
    COL_DETAILS,
    COL_NAME,
    ImportContactsDialog,
    PreviewModel,
)
from ui.hub import Hub

DATA = Path(__file__).parents[1] / "coordinator" / "exchange" / "data" / "contacts"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    set_language("en")
    opened = open_store(tmp_path / "data")
    yield opened
    opened.close()


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


@pytest.fixture
def dialog(store: Store, hub: Hub, qtbot: QtBot) -> Iterator[ImportContactsDialog]:
    widget = ImportContactsDialog(store, hub)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.wait()


def _choose(
    dialog: ImportContactsDialog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    """Click "Choose file…" and pick ``path`` in the file dialog."""
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(path), ""))
    )
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)


def _contact_names(store: Store) -> list[str]:
    with store.read() as session:
        return [r[0] for r in session.execute(text("SELECT name FROM contacts ORDER BY name"))]


def _database_digest(store: Store) -> str:
    """Every row of the tables an import writes to, as one fingerprint."""
    digest = hashlib.sha256()
    with store.read() as session:
        for table in ("contacts", "phone_numbers", "handles", "organisations", "events"):
            for row in session.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _column(model: PreviewModel, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_preview_then_import_writes_the_contacts(
    dialog: ImportContactsDialog,
    store: Store,
    hub: Hub,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.preview_ready, timeout=5000):
        _choose(dialog, qtbot, monkeypatch, DATA / "iphone_3.0.vcf")
        assert dialog.busy.isVisible()  # read off the GUI thread: busy until it arrives
    assert not dialog.busy.isVisible()
    assert _column(dialog.model, COL_NAME) == ["张伟明", "欧阳晓雯", "Grace Chen"]
    assert _column(dialog.model, COL_ACTION) == ["New contact"] * 3
    assert dialog.summary.text() == ("3 entries: 3 new, 0 to merge, 0 already present, 0 refused.")
    assert _contact_names(store) == []  # a preview writes nothing

    with qtbot.waitSignal(dialog.imported) as imported, qtbot.waitSignal(hub.changed) as changed:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert imported.args[0].added == 3
    assert changed.args[0].touches(ChangeKind.CONTACT)
    assert _contact_names(store) == sorted(["张伟明", "欧阳晓雯", "Grace Chen"])
    assert [p.e164 for p in contact_queries.search(store, "张伟明")[0].phones][:2] == [
        "+8613800138000",
        "+8618800188000",
    ]
    assert dialog.summary.text().startswith("Imported: 3 added")
    assert not dialog.import_button.isEnabled()  # once is enough
    assert dialog.close_button.text() == "Close"

    # The same file again: everything is there already; nothing to import.
    with qtbot.waitSignal(dialog.preview_ready, timeout=5000):
        _choose(dialog, qtbot, monkeypatch, DATA / "iphone_3.0.vcf")
    assert _column(dialog.model, COL_ACTION) == [
        "Already present (张伟明)",
        "Already present (欧阳晓雯)",
        "Already present (Grace Chen)",
    ]
    assert not dialog.import_button.isEnabled()


def test_a_broken_file_shows_its_message_and_writes_nothing(
    dialog: ImportContactsDialog, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts.create(store, "李娜", phones=["15000150000"])
    before = _database_digest(store)
    with qtbot.waitSignal(dialog.preview_failed, timeout=5000) as failed:
        _choose(dialog, qtbot, monkeypatch, DATA / "broken_quotes.csv")
    message = failed.args[0]
    assert "broken_quotes.csv is not a valid CSV file" in message
    assert "line 3" in message
    assert dialog.error.isVisible()
    assert dialog.error.text() == message
    assert dialog.model.rowCount() == 0
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)  # disabled: no effect
    assert _database_digest(store) == before


def test_merge_and_refused_rows_say_why(
    dialog: ImportContactsDialog, store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts.create(store, "张伟明", phones=["13800138000"])
    with qtbot.waitSignal(dialog.preview_ready, timeout=5000) as ready:
        _choose(dialog, qtbot, monkeypatch, DATA / "android_2.1_qp_utf8.vcf")
    plan = ready.args[0]
    actions = [row.action for row in plan.rows]
    assert actions == [RowAction.MERGE, RowAction.NEW, RowAction.REFUSED, RowAction.NEW]
    shown = _column(dialog.model, COL_ACTION)
    assert shown[0] == "Merge into 张伟明"
    assert shown[2] == "Refused"
    details = _column(dialog.model, COL_DETAILS)
    assert details[0].startswith("adds ")
    assert details[2] == "This entry has neither a name nor an organisation."
    assert "1 to merge" in dialog.summary.text()
    assert "1 refused" in dialog.summary.text()

    with qtbot.waitSignal(dialog.imported):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert _contact_names(store) == sorted(["张伟明", "李娜", "John Smith"])


def test_a_newer_choice_wins_over_a_slower_preview(
    dialog: ImportContactsDialog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog.load(DATA / "broken_quotes.csv")
    with qtbot.waitSignal(dialog.preview_ready, timeout=5000):
        _choose(dialog, qtbot, monkeypatch, DATA / "contacts_4.0.vcf")
    assert not dialog.error.isVisible()
    assert _column(dialog.model, COL_NAME) == ["刘洋", "周敏"]


def test_model_passes_qtmodeltester(qtmodeltester, store: Store) -> None:
    from coordinator.exchange import contact_import

    model = PreviewModel()
    model.set_preview(contact_import.preview(store, DATA / "phone_gbk.csv"))
    assert model.rowCount() == 5
    qtmodeltester.check(model)
