"""The run sheet with the steps' forecasts handed in (``forecast_world``: the park's finished
steps took 1–6 working hours, the licence's three are too few)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from coordinator import reports
from coordinator.foresight.forecast import CaseForecast, forecast_cases
from coordinator.foresight.history import DurationHistory
from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus
from coordinator.reports.run_sheet import pending_cases
from coordinator.services import actions
from coordinator.store.storage import Store
from tests.coordinator.reports import forecast_world
from tests.coordinator.reports.forecast_world import NOW, Clock, World


@pytest.fixture
def world(store: Store, clock: Clock) -> World:
    set_language("en")
    return forecast_world.build(store, clock)


def forecasts(store: Store) -> dict[int, CaseForecast]:
    return forecast_cases(store, DurationHistory.build(store), pending_cases(store), NOW)


def page_of(html: str, department: str) -> str:
    """The visible text of one department's page."""
    body = html.split("<body>", 1)[-1]
    pages = re.split(r'<p class="kicker"', body)
    found = next(p for p in pages if f"<h1>{department}</h1>" in p)
    text = unescape(re.sub(r"<[^>]+>", " ", found))
    return re.sub(r"\s+", " ", text).replace("\xa0", " ")


def test_pending_cases_are_the_open_cases_with_a_pending_step(store: Store, world: World) -> None:
    found = pending_cases(store)
    assert world.on_time_case in found
    assert world.late_case in found
    assert len(found) == len(forecast_world.PARK_HOURS) + 2  # the history's later steps


def test_each_step_says_when_it_is_expected_to_finish(store: Store, world: World) -> None:
    known = forecasts(store)
    report = reports.run_sheet(store, NOW, known)
    park = page_of(report.html, world.park_department)
    assert "Forecast" in park
    on_time = park.split(world.on_time_reference, 1)[1]
    assert on_time.split("□", 1)[0].count("06-11 14:00 11:00 – 15:30") == 1
    late = park.split(world.late_reference, 1)[1]
    assert "△ 06-11 14:00 11:00 – 15:30" in late.split("□", 1)[0]  # due 10:00: likely late
    assert "△ 06-11 14:00" not in on_time.split("□", 1)[0]
    close = known[world.on_time_case].expected_close
    assert close is not None
    assert f"closes {close:%m-%d %H:%M}" in on_time
    assert "△ likely late: expected after its due time." in park
    # The licence's department: three finished steps are too few, the limit stands in.
    licence = page_of(report.html, "区市场监督管理局")
    open_licences = len(forecast_world.PARK_HOURS) - forecast_world.LICENCES_DONE + 2
    assert licence.count("too little history: limit") == open_licences
    assert "Forecast" in licence


def test_a_paused_step_assumes_the_company_answers_now(
    store: Store, clock: Clock, world: World
) -> None:
    actions.set_status(
        store, world.late_park, ActionStatus.WAITING_COMPANY, reason="租赁协议未盖章"
    )
    report = reports.run_sheet(store, NOW, forecasts(store))
    late = page_of(report.html, world.park_department).split(world.late_reference, 1)[1]
    row = late.split("□", 1)[0]
    assert "if the company answers now" in row
    assert "△" not in row  # its due time moves on by the pause: not judged late yet


def test_without_forecasts_the_sheet_is_as_before(store: Store, world: World) -> None:
    html = reports.run_sheet(store, NOW).html
    park = page_of(html, world.park_department)
    assert "Forecast" not in park
    assert "closes" not in park
    assert "△" not in park


def test_the_command_lines_run_sheet_carries_the_forecasts(store: Store, world: World) -> None:
    """``liaison-hub report run-sheet`` has no background to wait for: it reads the
    history itself and prints the same forecasts as the screen."""
    report = reports.build_report(store, "run-sheet", now=NOW)
    park = page_of(report.html, world.park_department)
    late = park.split(world.late_reference, 1)[1]
    assert "△ 06-11 14:00 11:00 – 15:30" in late.split("□", 1)[0]
