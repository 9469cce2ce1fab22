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

import functools
import hashlib
import os
import re
import shutil
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.pool import Pool

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
_WAITED = [0.0]  # seconds the tests waited for a database of their own


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
    config.pluginmanager.register(_FixtureOwners(), "liaison-hub-test-databases")


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
        where = f"{server.version} on {postgres_server.HOST}:{server.port}"
        _RAN_ON["postgresql"] = where
        yield server
        # What the server cost the run, for CI's log: its processor time (whatever else
        # the machine was busy with), the databases made, the tests' wait for them.
        spent = server.cpu_seconds()
        made = f"{server.databases_made} databases made"
        waited = f"{_WAITED[0]:.0f} s waited for them"
        used = "" if spent is None else f", {spent:.0f} s of processor time"
        _RAN_ON["postgresql"] = f"{where}: {made}, {waited}{used}"


class ServerDatabases:
    """With --backend postgresql, the database of every data folder the run opens: one
    of its own on the server for each folder (the same one when the folder is opened
    again), made empty, or as a copy of another folder's by :func:`copy_data_folder`.

    Each database lives as long as what made it: a test's are dropped after the test, a
    module- or session-scoped fixture's when that fixture is torn down (the
    ``pytest_fixture_setup`` hook below says whose it is).

    Making a database takes some hundredths of a second and dropping one (which forces a
    checkpoint) about as long: more than many a test itself. So one thread does both out
    of the tests' way: it keeps spares ready of what was asked last (an empty database,
    another copy of the same folder's), and drops what the tests are done with. The
    spare copies of a folder are thrown away as soon as that folder is opened itself:
    it might have changed. (The cluster's files are in memory where there is room:
    :func:`tests.postgres_server._place`.)
    """

    SPARES: Final = 2

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.made: dict[Path, str] = {}
        self.sqlite_folders: set[Path] = set()
        self.owners: list[list[Path]] = []  # the databases of the fixtures being set up
        self.of_test: list[Path] = []  # the databases of the test running now
        self._on_disk: set[Path] = set()  # folders seen on disk, whose databases they are
        self._spares: dict[str | None, deque[Future[str | None]]] = {}
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="test-databases")
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._closed = False
        event.listen(Pool, "connect", self._connected)

    def _connected(self, dbapi_connection: Any, _record: Any) -> None:
        if hasattr(dbapi_connection, "info"):  # psycopg's, not sqlite3's
            self._connections.add(dbapi_connection)

    def _let_go(self, names: set[str]) -> None:
        """Close the connections a test left open to these databases (a store it did not
        close): dropped under them, they would complain when collected, in a later test."""
        for connection in list(self._connections):
            if not connection.closed and connection.info.dbname in names:
                connection.close()

    @staticmethod
    def key(data_dir: str | os.PathLike[str]) -> Path:
        return Path(data_dir).resolve()

    def url_for(self, data_dir: str | os.PathLike[str]) -> str | None:
        """The folder's database (None: it keeps its SQLite file); made empty if new."""
        key = self.key(data_dir)
        if key in self.sqlite_folders:
            return None
        name = self.made.get(key)
        if name is None:
            name = self._register(key, self._take(None))
        else:
            self._forget_spares(name)  # opened: the copies made so far may be stale
        return self.server.url(name)

    def copy(self, source: Path, target: Path) -> None:
        name = self.made.get(self.key(source))
        if name is not None:
            self._register(self.key(target), self._take(name))

    def drop(self, keys: list[Path]) -> None:
        if self._closed:  # the end of the run: the server goes, and all it holds
            return
        names = {self.made[key] for key in keys if key in self.made}
        self._let_go(names)
        for key in keys:
            self.sqlite_folders.discard(key)
            self._on_disk.discard(key)
            name = self.made.pop(key, None)
            if name is not None:
                self._forget_spares(name)
                self._worker.submit(self.server.drop_database, name)
        keys.clear()

    def close(self) -> None:
        self._closed = True
        event.remove(Pool, "connect", self._connected)
        self._worker.shutdown(wait=True, cancel_futures=True)

    def _register(self, key: Path, name: str) -> str:
        self.made[key] = name
        (self.owners[-1] if self.owners else self.of_test).append(key)
        if key.is_dir():
            self._on_disk.add(key)
        return name

    def _drop_vanished(self) -> None:
        """A data folder deleted takes its database with it, as a SQLite file goes with
        its folder (a property test's examples each copy a folder into a temporary one:
        their databases go as the examples end, not a hundred at once after the test)."""
        gone = [key for key in self.of_test if key in self._on_disk and not key.exists()]
        for key in gone:
            self.of_test.remove(key)
            self._on_disk.discard(key)
        self.drop(gone)

    def _take(self, template: str | None) -> str:
        self._drop_vanished()
        spares = self._spares.setdefault(template, deque())
        name = None
        started = time.monotonic()
        while spares and name is None:
            name = spares.popleft().result()  # None: the template was busy then
        if name is None:
            name = self.server.create_database(template=template)
        _WAITED[0] += time.monotonic() - started
        while len(spares) < self.SPARES:
            spares.append(self._worker.submit(self._spare, template))
        return name

    def _spare(self, template: str | None) -> str | None:
        try:
            return self.server.create_database(template=template, patience=0)
        except Exception:  # the template is open: made when asked for, then
            return None

    def _forget_spares(self, template: str) -> None:
        for spare in self._spares.pop(template, ()):
            self._worker.submit(self._drop_spare, spare)

    def _drop_spare(self, spare: Future[str | None]) -> None:
        name = spare.result()  # done already: the worker takes its jobs in order
        if name is not None:
            self.server.drop_database(name)


_DATABASES: ServerDatabases | None = None


class _FixtureOwners:
    """A database made while a module- or session-scoped fixture is set up is that
    fixture's: dropped when it is torn down, not after the test that first needed it.

    A plugin of its own, not a hook of this conftest: pytest asks only the plugins of
    the whole run about a session-scoped fixture, whose node is the root folder's."""

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, Any, Any]:
        databases = _DATABASES
        if databases is None or fixturedef.scope == "function":
            return (yield)
        made: list[Path] = []
        # Added before the fixture's own teardown, so run after it (the last added first).
        fixturedef.addfinalizer(functools.partial(databases.drop, made))
        databases.owners.append(made)
        try:
            return (yield)
        finally:
            databases.owners.pop()


@pytest.fixture(scope="session", autouse=True)
def _server_databases_of_run(request: pytest.FixtureRequest) -> Iterator[ServerDatabases | None]:
    """With --backend postgresql: every data folder opened gets its database on the server."""
    global _DATABASES
    if not on_postgresql(request.config):
        yield None
        return
    databases = ServerDatabases(request.getfixturevalue("postgres"))
    plain = storage.configured_url

    def configured(data_dir: Path, explicit: str | None = None) -> str | None:
        return plain(data_dir, explicit) or databases.url_for(data_dir)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(storage, "configured_url", configured)
        _DATABASES = databases
        try:
            yield databases
        finally:
            _DATABASES = None
            databases.close()


@pytest.fixture(autouse=True)
def _server_databases(
    _server_databases_of_run: ServerDatabases | None,
) -> Iterator[ServerDatabases | None]:
    """The databases this test made are dropped after it."""
    yield _server_databases_of_run
    if _server_databases_of_run is not None:
        _server_databases_of_run.drop(_server_databases_of_run.of_test)


def copy_data_folder(source: Path, target: Path) -> Path:
    """``target``, made a copy of the data folder ``source`` with its data, whichever the
    backend: on SQLite the folder holds its database; on PostgreSQL the copy gets a
    database made from the source's. The source's store must be closed."""
    shutil.copytree(source, target)
    if _DATABASES is not None:
        _DATABASES.copy(source, target)
    return target


def database_url(data_dir: Path) -> str | None:
    """What a process of the app must be given (``--database-url``) to open ``data_dir``
    as this run's stores do: its server database; None on SQLite."""
    return None if _DATABASES is None else _DATABASES.url_for(data_dir)


def keep_sqlite_file(data_dir: Path) -> None:
    """This data folder keeps its SQLite file even with --backend postgresql (a test of
    both databases side by side, or of an old SQLite file)."""
    if _DATABASES is not None:
        _DATABASES.sqlite_folders.add(ServerDatabases.key(data_dir))


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
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    """``open_store(tmp_path / "data", clock=clock)`` with the builtin templates installed.

    The data folder is a copy of one migrated once per session (migrating per test would
    cost a tenth of a second each, several on PostgreSQL).
    """
    copy_data_folder(request.getfixturevalue("_seed_data_dir"), tmp_path / "data")
    opened = open_store(tmp_path / "data", clock=clock)
    yield opened
    opened.close()


# -- the database as data ----------------------------------------------------------------


def dump_tables(store: Store) -> list[list[Any]]:
    with store.engine.connect() as conn:
        return [list(conn.execute(select(t))) for t in Base.metadata.sorted_tables]


def database_fingerprint(store: Store) -> str:
    """A hash of everything the database holds, to show that nothing at all changed: the
    file's bytes on SQLite (its write-ahead log folded in first), every row of every
    table on PostgreSQL (the search index's too; not the id sequences, which a
    rolled-back insert moves on by design)."""
    digest = hashlib.sha256()
    if store.is_sqlite:
        path = Path(str(store.engine.url.database))
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        digest.update(path.read_bytes())
        return digest.hexdigest()
    with store.engine.connect() as conn:
        names = conn.scalars(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " ORDER BY tablename"
            )
        ).all()
        for name in names:
            digest.update(f"\0{name}\0".encode())
            for (row,) in conn.execute(text(f'SELECT t::text FROM "{name}" AS t ORDER BY 1')):
                digest.update(row.encode() + b"\n")
    return digest.hexdigest()


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
