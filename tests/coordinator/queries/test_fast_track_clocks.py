"""Today's fast-track clocks: the promise and the normal duration of each open fast-track
case, read in the same two queries however many cases there are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.queries import cases as case_queries
from coordinator.queries import dashboard
from coordinator.queries.timing import case_clock
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, organisations
from coordinator.store.storage import Store

NOW = datetime(2026, 11, 25, 10, 30)  # a Wednesday
HOURS_PER_DAY = 7.5  # the default working day: 8:30-12:00 and 13:30-17:30


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "data", clock=lambda: NOW)
    yield store
    store.close()


def _department(store: Store, name: str) -> int:
    return organisations.create(store, name, OrganisationKind.DEPARTMENT).value.id


def _fast_case(store: Store, title: str, opened: datetime, normal_hours: float | None) -> int:
    return cases.open_case(
        store,
        title,
        company_name="宁波澄明光电科技有限公司",
        fast_track=True,
        opened_at=opened,
        normal_duration_hours=normal_hours,
    ).value.id


def test_the_promise_is_the_longest_chain_of_promised_limits(store: Store) -> None:
    market = _department(store, "区市场监督管理局")
    tax = _department(store, "区税务局")
    case_id = _fast_case(store, "AOI 项目落地", datetime(2026, 11, 23, 8, 30), 30.0)
    licence = actions.add(store, case_id, market, "营业执照", promised_limit_hours=4.0).value
    # Two branches after the licence: 4 + 7.5 h is the longer chain, not 4 + 2 h.
    actions.add(store, case_id, tax, "税务登记", promised_limit_hours=7.5, depends_on=[licence.id])
    actions.add(store, case_id, tax, "发票申领", promised_limit_hours=2.0, depends_on=[licence.id])
    # A cancelled step promises nothing, and needs no promised limit.
    dropped = actions.add(store, case_id, tax, "撤回的步骤").value
    actions.set_status(store, dropped.id, ActionStatus.CANCELLED)
    plain = cases.open_case(store, "普通项目", opened_at=datetime(2026, 11, 24, 9, 0)).value.id

    [clock] = dashboard.fast_track_clocks(store, NOW)

    assert clock.case_id == case_id != plain  # only the fast-track case
    assert (clock.reference, clock.title) == (
        case_queries.get(store, case_id).reference,
        "AOI 项目落地",
    )
    assert clock.company_name == "宁波澄明光电科技有限公司"
    # Monday 8:30 to Wednesday 10:30: two working days and two hours.
    assert clock.elapsed_seconds == round((2 * HOURS_PER_DAY + 2) * 3600)
    assert clock.promised_seconds == round(11.5 * 3600)
    assert clock.promised_left_seconds == round((11.5 - 17) * 3600)  # broken: negative
    assert clock.normal_seconds == 30 * 3600
    assert clock.normal_left_seconds == (30 - 17) * 3600
    # The same elapsed time as the case's own clock on its screen.
    assert clock.elapsed_seconds == case_clock(store, case_id, NOW).elapsed_seconds


def test_no_promise_without_a_promised_limit_on_every_live_step(store: Store) -> None:
    market = _department(store, "区市场监督管理局")
    bare = _fast_case(store, "没有步骤", datetime(2026, 11, 24, 9, 0), None)
    partly = _fast_case(store, "部分承诺", datetime(2026, 11, 24, 10, 0), 15.0)
    actions.add(store, partly, market, "营业执照", promised_limit_hours=4.0)
    actions.add(store, partly, market, "刻章备案")  # no promised limit

    clocks = {c.case_id: c for c in dashboard.fast_track_clocks(store, NOW)}

    assert list(clocks) == [partly, bare]  # the most recently opened first
    assert clocks[bare].promised_seconds is None
    assert clocks[bare].normal_seconds is None
    assert clocks[bare].promised_left_seconds is None
    assert clocks[partly].promised_seconds is None
    assert clocks[partly].normal_seconds == 15 * 3600


def test_two_queries_however_many_cases(store: Store) -> None:
    market = _department(store, "区市场监督管理局")
    for n in range(6):
        case_id = _fast_case(store, f"项目{n}", datetime(2026, 11, 2 + n, 9, 0), 30.0)
        first = actions.add(store, case_id, market, "营业执照", promised_limit_hours=4.0).value
        actions.add(store, case_id, market, "刻章", promised_limit_hours=2.0, depends_on=[first.id])
    store.calendar()  # read once and kept: not the section's cost
    executed: list[str] = []

    def grab(*args: Any) -> None:
        executed.append(args[2])

    event.listen(store.engine, "before_cursor_execute", grab)
    try:
        clocks = dashboard.fast_track_clocks(store, NOW, limit=4)
    finally:
        event.remove(store.engine, "before_cursor_execute", grab)
    assert len(clocks) == 4
    assert all(c.promised_seconds == 6 * 3600 for c in clocks)
    assert len([sql for sql in executed if sql.lstrip().upper().startswith("SELECT")]) == 2
