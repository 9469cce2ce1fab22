"""Printing and exporting from the app: the officer's clicks, read back from the files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from coordinator.demo.build import build_demo
from coordinator.i18n import set_language
from coordinator.kinds import Indicator
from coordinator.queries import cases as case_queries
from coordinator.queries import indicators as indicator_queries
from coordinator.queries import settings as setting_queries
from coordinator.safety.opening import open_store
from coordinator.services import templates
from ui.main_window import PAGE_REPORTS, MainWindow
from ui.printing.report_actions import SummaryOptionsDialog

NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    store = open_store(data_dir, clock=lambda: NOW)
    templates.install_builtin(store)
    build_demo(store, now=NOW)
    store.close()
    return data_dir


@pytest.fixture
def window(demo_dir: Path, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    store = open_store(demo_dir, clock=lambda: NOW)
    win = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    store.close()


def _select_case(window: MainWindow, reference: str) -> int:
    window.sidebar.setCurrentRow(1)
    model = window.cases.model
    for row in range(model.rowCount()):
        if model.data(model.index(row, 0)) == reference:
            window.cases.table.selectRow(row)
            return model.id_at(row)
    raise AssertionError(reference)


def test_save_a_case_summary_without_notes(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aoi = next(c for c in case_queries.list_cases(window.store) if "AOI" in c.title)
    _select_case(window, aoi.reference)
    target = tmp_path / "for-the-company"

    def choose(dialog: SummaryOptionsDialog) -> int:
        dialog.notes_box.setChecked(False)
        dialog.section_boxes["communications"].setChecked(False)
        return SummaryOptionsDialog.SAVE

    monkeypatch.setattr(SummaryOptionsDialog, "exec", choose)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.cases.print_action.trigger()

    pdf = target.with_suffix(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert aoi.reference in text
    assert "宁波澄明光电科技有限公司" in text
    assert aoi.notes.splitlines()[0][:12] not in text  # notes left out for the company


def test_export_cases_to_excel(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qtbot: QtBot
) -> None:
    target = tmp_path / "cases.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    messages: list[str] = []
    monkeypatch.setattr(
        "ui.widgets.list_export.QMessageBox.information", lambda _p, _t, text: messages.append(text)
    )
    window.cases.export_action.trigger()
    sheet = load_workbook(target).active
    assert sheet is not None
    references = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(references) == sorted(c.reference for c in case_queries.list_cases(window.store))
    assert messages == [f"{len(references)} rows written to {target}."]


def test_targets_and_office_name_from_the_reports_view(window: MainWindow, qtbot: QtBot) -> None:
    view = window.reports
    window.sidebar.setCurrentRow(PAGE_REPORTS)
    view.year.setValue(2026)
    edit = view.target_edits[Indicator.FOREIGN_USED]
    edit.clear()
    qtbot.keyClicks(edit, "2,500")  # in 万美元
    qtbot.mouseClick(view.save_targets_button, Qt.MouseButton.LeftButton)
    figure = {f.indicator: f for f in indicator_queries.yearly(window.store, 2026)}[
        Indicator.FOREIGN_USED
    ]
    assert figure.target == Decimal("25000000")
    assert "34.4" in view.browser.toPlainText()  # 8.6 m of 25 m
    view.office_edit.clear()
    view.office_edit.insert("骆驼街道投资服务办公室")  # QtTest types ASCII only
    qtbot.keyClick(view.office_edit, Qt.Key.Key_Return)
    assert setting_queries.office_name(window.store) == "骆驼街道投资服务办公室"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_reports_view_reads_whole_as_soon_as_it_is_built(
    demo_dir: Path, qtbot: QtBot, tmp_path: Path, language: str
) -> None:
    """No tick of the minute timer: every label and button has its words at once, and the
    office name on screen is the one the printouts carry."""
    from coordinator.reports import handover
    from ui.printing.pdf import write_pdf
    from ui.views.reports import ReportsView

    set_language(language)
    store = open_store(demo_dir, clock=lambda: NOW)
    try:
        view = ReportsView(store)
        qtbot.addWidget(view)
        labels = [view.office_label, view.year_label, *view.target_labels.values()]
        labels += [label for label, _preview, _save, _name in view._rows]
        buttons = [view.office_save, view.save_targets_button, view.preview_indicators]
        buttons += [view.save_indicators]
        buttons += [b for _label, preview, save, _name in view._rows for b in (preview, save)]
        assert all(label.text().strip() for label in labels)
        assert all(button.text().strip() for button in buttons)
        assert view.daily.title()
        assert view.yearly.title()
        shown = view.office_edit.text()
        assert shown
        pdf = tmp_path / "handover.pdf"
        write_pdf(handover(store), pdf)
        first_page = "".join(PdfReader(pdf).pages[0].extract_text().split())
        assert "".join(shown.split()) in first_page
    finally:
        set_language("en")
        store.close()
