"""Shared fixtures: a store on a fixed clock, the event log, refusals checked in two languages.

Nothing here imports PySide6: the coordinator tests run without Qt installed.

The database behind every store is SQLite by default; ``pytest --backend postgresql``
runs the same tests with each store on a database of its own on a throwaway PostgreSQL
server that the run starts and removes (:mod:`tests.postgres_server`). A test about
SQLite's own file (its copies, its health check) is marked ``sqlite_only`` and skipped
there; a test of the office server itself takes the ``postgres`` fixture and runs in
every run, skipped only on a machine without PostgreSQL (and failing instead when
``LIAISON_HUB_REQUIRE_POSTGRES`` is set, as CI sets it).

Refusals (:func:`refused`) are checked in English at once, and in Chinese when the test
has passed: a message whose Chinese translation is still missing turns the test into an
expected failure naming the message (so the suite stays green while the catalogue is
being filled), and a translation that is present but not Chinese fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Generator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pytest
from sqlalchemy import select

from coordinator.errors import DomainError
from coordinator.i18n import translate
from coordinator.safety.opening import open_store
from coordinator.services import templates
from coordinator.store import storage
from coordinator.store.models import Base, Event
from coordinator.store.storage import Store
from tests import postgres_server
from tests.postgres_server import PostgresServer

pytest_plugins = ["pytester"]  # the Chinese-message check is itself tested in a sub-session

E = TypeVar("E", bound=DomainError)

# Monday 9 June 2025, 09:00: an ordinary working day (the Dragon Boat holiday ended on 2 June).
START = datetime(2025, 6, 9, 9, 0)

_CJK = re.compile("[\u3400-\u9fff\U00020000-\U0003134f]")
_ZH_ERRORS = pytest.StashKey[list[DomainError]]()
_MISSING_ZH: dict[str, set[str]] = {}


class FixedClock:
    """A clock that says what it is told: tests set or advance it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, *args: int) -> datetime:
        self.now = datetime(*args)  # type: ignore[arg-type]
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


BACKEND_ENV = "LIAISON_HUB_TEST_BACKEND"
REQUIRE_POSTGRES_ENV = "LIAISON_HUB_REQUIRE_POSTGRES"
_RAN_ON: dict[str, str] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get(BACKEND_ENV) or "sqlite",
        help="the database behind the tests' stores: sqlite (a file per test, the "
        "default) or postgresql (a database per test on a throwaway local server)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite's own file; skipped with --backend postgresql"
    )


def on_postgresql(config: pytest.Config) -> bool:
    return bool(config.getoption("--backend") == "postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not on_postgresql(config):
        return
    skip = pytest.mark.skip(reason="about SQLite's own file")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {config.getoption('--backend')}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this run's own, on loopback (skipped where none can run)."""
    why = postgres_server.missing()
    if why is not None:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"PostgreSQL is required here: {why}", pytrace=False)
        pytest.skip(why)
    with postgres_server.running() as server:
        _RAN_ON["postgresql"] = f"{server.version} on {postgres_server.HOST}:{server.port}"
        yield server


@pytest.fixture(scope="session")
def _seed_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str | None:
    """With --backend postgresql: a database migrated once with the builtin templates,
    the template each test's database is copied from."""
    if not on_postgresql(request.config):
        return None
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create_database(name="seed")
    seed = open_store(tmp_path_factory.mktemp("pg-seed"), url=server.url(name), clock=FixedClock())
    templates.install_builtin(seed)
    seed.close()
    return name


class ServerDatabases:
    """With --backend postgresql, each data folder a test opens gets a database of its
    own on the server (the same one when the folder is opened again); dropped after."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.made: dict[Path, str] = {}

    def url_for(self, data_dir: Path, template: str | None = None) -> str:
        key = Path(data_dir).resolve()
        if key not in self.made:
            self.made[key] = self.server.create_database(template=template)
        return self.server.url(self.made[key])

    def drop_all(self) -> None:
        for name in self.made.values():
            self.server.drop_database(name)


@pytest.fixture(autouse=True)
def _server_databases(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServerDatabases | None]:
    if not on_postgresql(request.config) or request.node.get_closest_marker("sqlite_only"):
        yield None
        return
    databases = ServerDatabases(request.getfixturevalue("postgres"))
    plain = storage.configured_url

    def configured(data_dir: Path, explicit: str | None = None) -> str | None:
        return plain(data_dir, explicit) or databases.url_for(data_dir)

    monkeypatch.setattr(storage, "configured_url", configured)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session", autouse=True)
def _no_real_data() -> Iterator[None]:
    """Settings of the machine running the tests must never point a test at real data."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("LIAISON_HUB_DATABASE_URL", raising=False)
        mp.delenv("LIAISON_HUB_DATA_DIR", raising=False)
        yield


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def _seed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated data folder with the builtin templates, built once and copied per test."""
    folder = tmp_path_factory.mktemp("seed") / "data"
    seed = open_store(folder, clock=FixedClock())
    templates.install_builtin(seed)
    seed.close()  # the last connection checkpoints the WAL into the database file
    return folder


@pytest.fixture
def store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    _server_databases: ServerDatabases | None,
) -> Iterator[Store]:
    """``open_store(tmp_path / "data", clock=clock)`` with the builtin templates installed.

    The database is a copy of one migrated once per session (migrating per test would
    cost a tenth of a second each): a copied folder on SQLite, a database made from a
    template on PostgreSQL.
    """
    if _server_databases is None:
        shutil.copytree(request.getfixturevalue("_seed_data_dir"), tmp_path / "data")
    else:
        _server_databases.url_for(
            tmp_path / "data", template=request.getfixturevalue("_seed_database")
        )
    opened = open_store(tmp_path / "data", clock=clock)
    yield opened
    opened.close()


# -- the database as data ----------------------------------------------------------------


def dump_tables(store: Store) -> list[list[Any]]:
    with store.engine.connect() as conn:
        return [list(conn.execute(select(t))) for t in Base.metadata.sorted_tables]


class Ev(NamedTuple):
    """One event as a plain tuple, so tests compare it with tuples they write."""

    entity: str
    entity_id: int
    field: str
    before: str | None
    after: str | None
    case_id: int | None


class EventLog:
    """Reads the events table; :meth:`new` returns what was appended since the last call."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.mark = self._last_id()

    def _last_id(self) -> int:
        with self.store.read() as session:
            return max(session.scalars(select(Event.id)), default=0)

    def new(self) -> list[Ev]:
        with self.store.read() as session:
            rows = [
                (e.id, Ev(e.entity, e.entity_id, e.field, e.before, e.after, e.case_id))
                for e in session.scalars(
                    select(Event).where(Event.id > self.mark).order_by(Event.id)
                )
            ]
        if rows:
            self.mark = rows[-1][0]
        return [ev for _, ev in rows]

    def fields(self) -> list[tuple[str, int, str]]:
        """The new events as (entity, entity_id, field) only."""
        return [(e.entity, e.entity_id, e.field) for e in self.new()]


@pytest.fixture
def log(store: Store) -> EventLog:
    return EventLog(store)


# -- refusals ------------------------------------------------------------------------------

Refused = Callable[..., Any]


@pytest.fixture
def refused(request: pytest.FixtureRequest, store: Store) -> Refused:
    """``refused(ErrorType, english, fn, *args, **kwargs)``: fn must raise exactly ErrorType.

    Checks the English message, that the database did not change at all, and queues the
    error for the Chinese check. Returns the error.
    """

    def check(exc_type: type[E], english: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> E:
        before = dump_tables(store)
        with pytest.raises(DomainError) as info:
            fn(*args, **kw)
        err = info.value
        assert type(err) is exc_type, f"{type(err).__name__}: {err.message('en')}"
        assert err.message("en") == english
        assert dump_tables(store) == before, "a refused change left something in the database"
        request.node.stash.setdefault(_ZH_ERRORS, []).append(err)
        return err

    return check


def check_zh(err: DomainError) -> str | None:
    """None if the Chinese message is right; the msgid if its translation is missing.

    Raises AssertionError if a translation exists but does not read as Chinese.
    """
    if translate(err.msgid, "zh_CN") == err.msgid:
        return err.msgid
    english, chinese = err.message("en"), err.message("zh_CN")
    assert chinese != english, f"Chinese message equals the English one: {english!r}"
    assert _CJK.search(chinese), f"Chinese message has no Chinese characters: {chinese!r}"
    return None


@pytest.fixture
def in_chinese(request: pytest.FixtureRequest) -> Callable[[DomainError], DomainError]:
    """Queue an error caught by the test itself for the Chinese check after the test."""

    def queue(err: DomainError) -> DomainError:
        request.node.stash.setdefault(_ZH_ERRORS, []).append(err)
        return err

    return queue


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield
    missing: list[str] = []
    for err in item.stash.get(_ZH_ERRORS, []):
        msgid = check_zh(err)
        if msgid is not None and msgid not in missing:
            missing.append(msgid)
    if missing:
        for msgid in missing:
            _MISSING_ZH.setdefault(msgid, set()).add(item.nodeid)
        pytest.xfail("Chinese translation missing for: " + " | ".join(missing))
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    terminalreporter.section("database backends")
    terminalreporter.line(f"the stores of this run: {config.getoption('--backend')}")
    for name, where in _RAN_ON.items():
        terminalreporter.line(f"{name} server started by this run: {where}")
    if _MISSING_ZH:
        terminalreporter.section("messages still without a Chinese translation")
        for msgid in sorted(_MISSING_ZH):
            terminalreporter.line(f"{msgid!r} ({len(_MISSING_ZH[msgid])} tests)")
