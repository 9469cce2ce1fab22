"""Words and units on screen: money in 万元/亿元 as on paper, targets typed in 万元, one
duration format for screen and print, statuses capitalised, Chinese lists with 、, the
count's own form ("1 case"), and no message left in the other language after a switch."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.formatting import listing, money, working_duration
from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus, Indicator
from coordinator.queries import indicators as indicator_queries
from coordinator.reports import figures
from coordinator.services import cases
from coordinator.store.storage import Store
from ui.main_window import PAGE_ACTIONS, PAGE_CASES, PAGE_REPORTS, MainWindow
from ui.widgets import status_words


@pytest.fixture
def window(store: Store, qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    set_language("en")
    win = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    set_language("en")


def _switch(window: MainWindow, language: str) -> None:
    set_language(language)
    window.retranslate()


def test_one_duration_format_on_screen_and_on_paper() -> None:
    calendar = WorkingCalendar()
    day = calendar.seconds_per_day
    cases_ = [0, 20 * 60, 4 * 3600 + 20 * 60, day, 3 * day + 4 * 3600 + 20 * 60, 11 * day]
    for lang in ("en", "zh_CN"):
        set_language(lang)
        try:
            for seconds in cases_:
                assert figures.duration(seconds, calendar) == working_duration(seconds, day)
        finally:
            set_language("en")
    set_language("zh_CN")
    try:
        assert working_duration(3 * day + 4 * 3600 + 20 * 60, day) == "3个工作日4小时"
        assert working_duration(4 * 3600 + 20 * 60, day) == "4小时20分"
        assert working_duration(day, day) == "1个工作日"
    finally:
        set_language("en")
    assert working_duration(3 * day + 4 * 3600 + 20 * 60, day) == "3 working days 4 h"
    assert working_duration(day, day) == "1 working day"
    assert working_duration(20 * 60, day) == "20 min"


def test_money_reads_the_same_on_screen_as_on_paper(
    window: MainWindow, store: Store, qtbot: QtBot
) -> None:
    case = cases.open_case(store, "光电项目").value
    cases.update(store, case.id, amount="1.5亿")  # typed in the office's units
    page = window.page(PAGE_CASES)
    window.show_page(PAGE_CASES)
    page.open_case(case.id)
    assert "CNY 150.00 m" in page.case_view.facts.text()
    _switch(window, "zh_CN")
    page.open_case(case.id)
    assert "1.5亿元" in page.case_view.facts.text()
    assert money(Decimal(150_000_000), "CNY") == figures.money(Decimal(150_000_000), "CNY")
    cells = page.list.model.source.rows(store, [case.id])[case.id]
    assert cells[-1] == "1.5亿元"


def test_targets_are_typed_in_wan(window: MainWindow, store: Store, qtbot: QtBot) -> None:
    view = window.page(PAGE_REPORTS)
    window.show_page(PAGE_REPORTS)
    view.refresh()
    year = view.year.value()
    edit = view.target_edits[Indicator.OUTSIDE_PROVINCE]
    assert "10,000 CNY" in view.target_labels[Indicator.OUTSIDE_PROVINCE].text()
    edit.setText("25000")  # 万元, as the office counts targets
    view.target_edits[Indicator.FOREIGN_USED].setText("2,000万美元")
    view.save_targets()
    figures_ = {f.indicator: f for f in indicator_queries.yearly(store, year)}
    assert figures_[Indicator.OUTSIDE_PROVINCE].target == Decimal(250_000_000)
    assert figures_[Indicator.FOREIGN_USED].target == Decimal(20_000_000)
    assert view.target_edits[Indicator.OUTSIDE_PROVINCE].text() == "25000"
    _switch(window, "zh_CN")
    assert "（单位：万元）" in view.target_labels[Indicator.OUTSIDE_PROVINCE].text()
    assert "万美元" in view.target_labels[Indicator.FOREIGN_USED].text()
    edit.setText("1.5亿")  # a unit said outright wins
    view.save_targets()
    figures_ = {f.indicator: f for f in indicator_queries.yearly(store, year)}
    assert figures_[Indicator.OUTSIDE_PROVINCE].target == Decimal(150_000_000)


def test_statuses_are_capitalised_in_english(window: MainWindow, qtbot: QtBot) -> None:
    view = window.page(PAGE_ACTIONS)
    window.show_page(PAGE_ACTIONS)
    shown = [view.status.itemText(i) for i in range(view.status.count())]
    assert "To do" in shown
    assert "Waiting on the company" in shown
    assert not any(text[:1].islower() for text in shown if text)
    assert len(ActionStatus) <= len(shown)


def test_chinese_lists_use_the_enumeration_comma() -> None:
    set_language("zh_CN")
    try:
        assert listing(["原件", "已盖章"]) == "原件、已盖章"
    finally:
        set_language("en")
    assert listing(["original", "stamped"]) == "original, stamped"


def test_a_count_takes_the_form_of_its_number(
    window: MainWindow, store: Store, qtbot: QtBot
) -> None:
    cases.open_case(store, "甲")
    page = window.page(PAGE_CASES).list
    window.show_page(PAGE_CASES)
    page.refresh()
    qtbot.waitUntil(lambda: page.count_label.text() == "1 case")
    cases.open_case(store, "乙")
    page.refresh()
    qtbot.waitUntil(lambda: page.count_label.text() == "2 cases")


def test_a_message_is_said_again_in_the_new_language(
    window: MainWindow, store: Store, qtbot: QtBot
) -> None:
    bar = window.statusBar()
    status_words.say(bar, lambda: _working(store), 60_000)
    assert bar.currentMessage().startswith("Working as")
    _switch(window, "zh_CN")
    assert bar.currentMessage() == _working(store)
    assert not bar.currentMessage().startswith("Working as")
    # A message made beforehand, that cannot be said again, goes.
    _switch(window, "en")
    bar.showMessage("已保存", 60_000)
    _switch(window, "zh_CN")
    assert bar.currentMessage() == ""


def _working(store: Store) -> str:
    from coordinator.i18n import _

    return _("Working as {name} on {where}.").format(name=store.officer, where=store.where)
