"""Two officers edit the same case and the same step at the same moment, each from a
process of their own, on the office PostgreSQL server: exactly one save wins, the other
is refused saying who changed what, and the event log holds every change of the winner
and none of the loser, round after round.

Also the narrowest race, made to happen on purpose: a colleague's save committed after
an edit read the record and before it wrote it (SQLAlchemy's own version check, not the
service's, catches it) is refused in the same words.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coordinator.errors import EditConflictError
from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.safety.opening import open_store
from coordinator.services import _common, actions, cases, organisations
from coordinator.store.models import Event
from coordinator.store.storage import Store
from tests.coordinator.services import concurrent_officer
from tests.coordinator.services.concurrent_officer import SAVED
from tests.postgres_server import PostgresServer

ROUNDS = 6
OFFICERS = ("李晓雯", "王成峰")
TAIL = " Your change was not saved. Reload to see it."


@pytest.fixture
def team_url(postgres: PostgresServer) -> Iterator[str]:
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture
def office(team_url: str, tmp_path: Path) -> Iterator[Store]:
    """The office's database with one case and one step of it, opened by nobody in
    particular (the officers' processes open it themselves)."""
    store = open_store(tmp_path / "setup", url=team_url, officer="")
    yield store
    store.close()


def _events(store: Store, entity: str, entity_id: int) -> list[Event]:
    with store.read() as session:
        found = list(
            session.scalars(
                select(Event)
                .where(Event.entity == entity, Event.entity_id == entity_id)
                .order_by(Event.id)
            )
        )
        session.expunge_all()
        return found


def test_two_processes_edit_the_same_case_and_step_at_once(
    office: Store, team_url: str, tmp_path: Path
) -> None:
    case = cases.open_case(office, "甬达落地", owner="").value
    park = organisations.create(office, "高新园区", "park").value
    step = actions.add(office, case.id, park.id, "选址踏勘").value
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(OFFICERS))
    results = context.Queue()
    processes = [
        context.Process(
            target=concurrent_officer.officer,
            args=(
                team_url,
                str(tmp_path / f"laptop{turn}"),
                name,
                turn,
                case.id,
                step.id,
                ROUNDS,
                barrier,
                results,
            ),
        )
        for turn, name in enumerate(OFFICERS)
    ]
    for process in processes:
        process.start()
    saves: list[tuple[Any, ...]] = []
    try:
        while len(saves) < 2 * len(OFFICERS) * ROUNDS:
            saves.append(results.get(timeout=180))
    except queue.Empty:
        pytest.fail(f"the officers' processes stopped answering after {len(saves)} saves")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0, 0]

    winners: dict[tuple[str, int], tuple[str, str]] = {}
    for record in ("case", "action"):
        for round_no in range(ROUNDS):
            pair = [s for s in saves if s[1] == round_no and s[2] == record]
            assert len(pair) == 2
            # Both read the same version, so only one save can be the one made on it.
            assert pair[0][3] == pair[1][3]
            won = [s for s in pair if s[4] == SAVED]
            lost = [s for s in pair if s[4] != SAVED]
            assert len(won) == 1, pair
            assert len(lost) == 1, pair
            winner, loser = won[0], lost[0]
            what = "case" if record == "case" else "step"
            message = loser[4]
            assert message.startswith(f"{winner[0]} changed this {what} at "), message
            assert message.endswith(TAIL)
            if record == "case":
                assert "Title: " in message
                assert f"→ {winner[5]})" in message
            winners[(record, round_no)] = (winner[0], winner[5])

    # Every change of every winner is in the log, signed by them, at the version it
    # reached; not one of the losers'.
    case_events = [e for e in _events(office, "case", case.id) if e.field == "title"]
    assert [(e.officer, e.after, e.row_version) for e in case_events] == [
        (*winners[("case", r)], r + 2) for r in range(ROUNDS)
    ]
    step_events = _events(office, "action", step.id)
    statuses = [e for e in step_events if e.field == "status"]
    assert [(e.officer, e.after, e.row_version) for e in statuses] == [
        (*winners[("action", r)], r + 2) for r in range(ROUNDS)
    ]
    reasons = [e for e in step_events if e.field == "reason"]
    assert [(e.officer, e.row_version) for e in reasons] == [
        (winners[("action", r)][0], r + 2) for r in range(ROUNDS)
    ]
    assert {e.officer for e in step_events if e.field != "created"} <= set(OFFICERS)
    final_case = case_queries.get(office, case.id)
    final_step = action_queries.get(office, step.id)
    assert final_case.title == winners[("case", ROUNDS - 1)][1]
    assert final_case.row_version == ROUNDS + 1
    assert final_step.status.value == winners[("action", ROUNDS - 1)][1]
    assert final_step.row_version == ROUNDS + 1


def test_a_save_overtaken_between_its_read_and_its_write_is_refused_in_the_same_words(
    office: Store, team_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.officer = "李晓雯"
    case = cases.open_case(office, "甬达落地").value
    colleague = open_store(tmp_path / "colleague", url=team_url, officer="王成峰")
    plain_check = _common.check_version
    overtaken: list[int] = []

    def check_then_overtaken(work: Any, entity: str, obj: Any, expected: int | None) -> None:
        """The edit has read the case and found it current: the colleague saves now."""
        plain_check(work, entity, obj, expected)
        if not overtaken:
            overtaken.append(obj.row_version)
            cases.update(colleague, case.id, title="王成峰改的标题")

    monkeypatch.setattr(cases, "check_version", check_then_overtaken)
    monkeypatch.setattr(actions, "check_version", check_then_overtaken)
    try:
        with pytest.raises(EditConflictError) as info:
            cases.update(office, case.id, title="我的标题", expected_version=case.row_version)
    finally:
        colleague.close()
    assert overtaken == [1]
    message = info.value.message("en")
    assert message.startswith("王成峰 changed this case at ")
    assert message.endswith("(Title: 甬达落地 → 王成峰改的标题)." + TAIL)
    titles = [(e.officer, e.after) for e in _events(office, "case", case.id) if e.field == "title"]
    assert titles == [("王成峰", "王成峰改的标题")]
    assert case_queries.get(office, case.id).row_version == 2


def test_a_status_key_overtaken_the_same_way(
    office: Store, team_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.officer = "李晓雯"
    case = cases.open_case(office, "甬达落地").value
    park = organisations.create(office, "高新园区", "park").value
    step = actions.add(office, case.id, park.id, "选址踏勘").value
    colleague = open_store(tmp_path / "colleague", url=team_url, officer="王成峰")
    plain_check = _common.check_version
    done: list[bool] = []

    def check_then_overtaken(work: Any, entity: str, obj: Any, expected: int | None) -> None:
        plain_check(work, entity, obj, expected)
        if not done:
            done.append(True)
            actions.set_status(colleague, step.id, ActionStatus.DONE)

    monkeypatch.setattr(actions, "check_version", check_then_overtaken)
    try:
        with pytest.raises(EditConflictError) as info:
            actions.set_status(
                office, step.id, ActionStatus.IN_PROGRESS, expected_version=step.row_version
            )
    finally:
        colleague.close()
    message = info.value.message("en")
    assert message.startswith("王成峰 changed this step at ")
    assert "status: To do → Done" in message
    fresh = action_queries.get(office, step.id)
    assert (fresh.status, fresh.row_version) == (ActionStatus.DONE, 2)
    assert [e.officer for e in _events(office, "action", step.id)] == [
        "李晓雯",
        "王成峰",
        "王成峰",
    ]
