"""The office server going away mid-work: nothing acknowledged is lost, nothing is half
saved, the officer is told in words, and the same Store works again once the server is
back, without restarting anything.

These run on a server of their own that syncs every commit to disk (the shared test
server trades that for speed), since what is tested is precisely what survives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.errors import DomainError
from coordinator.safety.opening import open_store
from coordinator.services import communications, organisations
from coordinator.store.models import Communication, Event, Organisation
from coordinator.store.storage import ServerUnavailableError, Store, Work
from tests import postgres_server
from tests.postgres_server import PostgresServer


@pytest.fixture(scope="module")
def durable() -> Iterator[PostgresServer]:
    postgres_server.skip_unless_available()
    with postgres_server.running(durable=True) as server:
        yield server


@pytest.fixture
def team_store(durable: PostgresServer, tmp_path: Path) -> Iterator[Store]:
    name = durable.create_database()
    store = open_store(tmp_path / "data", url=durable.url(name), officer="李晓雯")
    yield store
    store.close()
    durable.drop_database(name)


def count(store: Store, model: type[object]) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_save_cut_by_the_server_stopping_is_refused_whole_and_the_store_recovers(
    durable: PostgresServer, team_store: Store
) -> None:
    saved = communications.log(team_store, channel="phone", notes="确认营业执照已领取").value
    events_before = count(team_store, Event)

    def server_stops_now(_work: Work) -> None:
        durable.stop("immediate")  # as if the server's machine lost power

    team_store.before_commit.insert(0, server_stops_now)
    try:
        with pytest.raises(ServerUnavailableError) as info:
            communications.log(team_store, channel="wechat", notes="这条在保存时服务器停了")
    finally:
        team_store.before_commit.remove(server_stops_now)
    english = info.value.message("en")
    assert english.startswith("The office server cannot be reached: nothing was saved.")
    assert "服务器" in info.value.message("zh_CN")

    # While it is down every read and save says the same, in words.
    with pytest.raises(ServerUnavailableError):
        organisations.create(team_store, "区税务局", "department")

    durable.start()
    # The same Store, not reopened: the dead connections are noticed and replaced.
    again = communications.log(team_store, channel="wechat", notes="重新保存成功").value
    with team_store.read() as session:
        notes = list(session.scalars(select(Communication.notes).order_by(Communication.id)))
    assert notes == [saved.notes, again.notes]  # the acknowledged one kept; no half of the cut one
    assert count(team_store, Organisation) == 0
    # Every event of the acknowledged saves, none of the cut one.
    assert count(team_store, Event) == events_before + 1


def test_a_server_that_cannot_be_reached_at_all_is_said_so(tmp_path: Path) -> None:
    port = postgres_server.free_port()  # nobody listens there
    with pytest.raises(DomainError) as info:
        open_store(tmp_path / "data", url=f"postgresql+psycopg://liaison@127.0.0.1:{port}/x")
    assert isinstance(info.value, ServerUnavailableError)
    assert "cannot be reached" in info.value.message("en")
