"""The store: one database, its data folder, sessions and the unit of work.

The database is a setting (:mod:`coordinator.store.local_settings`): SQLite in the data
folder by default, PostgreSQL for an office where several officers share one server.
Everything SQLite-only about the connection lives in :func:`_configure_sqlite`, and
everything about reaching a server in :func:`_server_options`.

Every unit of work signs its Events with the officer's name and leaves a
:class:`~coordinator.store.models.ChangeNote` of its change set, so that the screens of
the other officers (or of another program on this laptop) refresh what it touched.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import ConnectionPoolEntry

from coordinator.calendar.working_time import WorkingCalendar, WorkingHours
from coordinator.errors import ConflictError, DomainError, StorageError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.store.changes import ChangeKind, ChangeSet, ChangeTracker
from coordinator.store.local_settings import (
    DATABASE_URL_ENV,
    configured_officer,
    configured_url,
    shown_url,
)
from coordinator.store.models import (
    Action,
    CalendarDay,
    CalendarYear,
    Case,
    ChangeNote,
    Communication,
    Contact,
    Document,
    Event,
    Organisation,
    Setting,
    Template,
    Versioned,
)
from coordinator.store.oplog import OpLog, watch

__all__ = ["DATABASE_URL_ENV", "Store", "Work", "configured_url"]

BUSY_TIMEOUT_MS = 5000

SERVER_CONNECT_TIMEOUT_S: Final = 5
"""How long to wait for an office server to answer a new connection."""

SERVER_SILENCE_MS: Final = 15_000
"""A server that acknowledges nothing sent to it for this long is taken as gone (a pulled
cable, a sleeping Wi-Fi), instead of the operating system's default of many minutes."""

CHANGE_NOTES_KEPT: Final = timedelta(days=1)

VERSIONED_ENTITIES: Final[dict[str, type[Versioned]]] = {
    "organisation": Organisation,
    "contact": Contact,
    "case": Case,
    "communication": Communication,
    "document": Document,
    "action": Action,
    "template": Template,
}
"""The Event entity names of the records that carry a row version."""

Clock = Callable[[], datetime]


def local_now() -> datetime:
    # Minute-level figures are all the officer reads; microseconds only make exports noisy.
    return datetime.now().replace(microsecond=0)


def _configure_sqlite(engine: Engine) -> None:
    """SQLite-only settings: WAL, full sync, enforced foreign keys, a busy timeout.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN
    is the one that counts (savepoints then behave).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def _server_options() -> dict[str, Any]:
    """Connecting to an office server: fail fast when it cannot be reached, notice a
    connection that died (a restarted server, a pulled cable) before using it, and
    name the app in the server's list of sessions."""
    return {
        "pool_pre_ping": True,
        "connect_args": {
            "connect_timeout": SERVER_CONNECT_TIMEOUT_S,
            "application_name": "Liaison Hub",
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": SERVER_SILENCE_MS,
        },
    }


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data folder and its sub-folders, owner-only."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)
        (data_dir / "files").mkdir(exist_ok=True, mode=0o700)
        (data_dir / "backups").mkdir(exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(
            N_("The data folder {path} cannot be used: {reason}"),
            path=str(data_dir),
            reason=exc.strerror or str(exc),
        ) from exc


def _create_private_file(path: Path) -> None:
    """Create the database file owner-only before SQLite opens it with the umask's mode."""
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        os.chmod(path, 0o600)


class ServerUnavailableError(StorageError):
    """The office server cannot be reached now; nothing was saved, nothing is lost."""


MSG_SERVER_GONE = N_(
    "The office server cannot be reached: nothing was saved. What you typed is kept; "
    "try again when the connection is back."
)

# What psycopg and the server say when the connection is the problem, not the request.
_CONNECTION_WORDS = (
    "connection refused",
    "could not connect",
    "server closed the connection",
    "connection is closed",
    "connection has been closed",
    "terminating connection",
    "connection timed out",
    "timeout expired",
    "no route to host",
    "network is unreachable",
    "connection reset",
    "consuming input failed",
    "sending query failed",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "ssl syscall error",
    "broken pipe",
    "failed to resolve host",
    "name or service not known",
)


def translate_db_error(exc: Exception) -> DomainError:
    """Turn a driver error into words the officer understands."""
    text = str(getattr(exc, "orig", exc)).lower()
    if getattr(exc, "connection_invalidated", False) or any(w in text for w in _CONNECTION_WORDS):
        return ServerUnavailableError(MSG_SERVER_GONE)
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError(N_("The disk is full: nothing was saved. Free some space and retry."))
    if "readonly" in text or "read-only" in text:
        return StorageError(N_("The data folder is read-only: nothing was saved."))
    if "disk i/o error" in text:
        return StorageError(
            N_("The disk reported an error while saving: nothing was saved. Check the disk.")
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError(N_("The database file is damaged: nothing was saved."))
    if "locked" in text or "busy" in text:
        return StorageError(N_("The database is busy in another program: nothing was saved."))
    if isinstance(exc, IntegrityError):
        return ConflictError(N_("This change clashes with data already saved: nothing was saved."))
    return StorageError(N_("The database could not save the change: {reason}"), reason=text)


MSG_CHANGED_MEANWHILE = N_(
    "Someone else saved a change to this record a moment ago: yours was not saved. "
    "Reload it to see their change, then make yours again."
)


class Work:
    """One unit of work: a session inside a transaction, its clock and change tracker."""

    def __init__(self, store: Store, session: Session) -> None:
        self.store = store
        self.session = session
        self.now = store.clock()
        self.tracker = ChangeTracker()
        self.events: list[Event] = []
        self.oplog = OpLog(store.officer, self.now, store.replica)
        """Keeps each change as an operation for the other copies of the data."""
        session.info["oplog"] = self.oplog

    def changed(self, kind: ChangeKind, *ids: int) -> None:
        self.tracker.add(kind, *ids)

    def record(
        self,
        entity: str,
        entity_id: int,
        field: str,
        before: object = None,
        after: object = None,
        case_id: int | None = None,
    ) -> None:
        """Append one Event; every service change passes through here."""
        row = Event(
            at=self.now,
            entity=entity,
            entity_id=entity_id,
            case_id=case_id,
            field=field,
            before=_event_value(before),
            after=_event_value(after),
            officer=self.store.officer,
        )
        # Added to the session at the end (finish), once the versions its record reached
        # are known: the event log is append-only, even for this unit of work itself.
        self.events.append(row)
        # Screens showing a timeline refresh on this kind; the event ids themselves are not
        # needed (they are only appended), so the changed record's id is what is kept.
        self.tracker.add(ChangeKind.EVENT, entity_id)

    @property
    def changes(self) -> ChangeSet:
        return self.tracker.freeze()

    def finish(self) -> None:
        """Last, inside the transaction: stamp the Events with the row versions their
        records reached, and leave a note of the change set for the other screens."""
        if self.events:
            self._stamp_versions()
            self.session.add_all(self.events)
        changes = self.changes
        if not changes:
            return
        self.session.add(
            ChangeNote(
                at=self.now,
                officer=self.store.officer,
                origin=self.store.origin,
                changes={kind.value: sorted(ids) for kind, ids in changes.ids.items()},
            )
        )
        self.store.notes_written += 1
        if self.store.notes_written % 200 == 1:  # now and then: a day of notes is plenty
            self.session.execute(
                delete(ChangeNote).where(ChangeNote.at < self.now - CHANGE_NOTES_KEPT)
            )

    def _stamp_versions(self) -> None:
        self.session.flush()  # versions move on at the UPDATE
        wanted: dict[str, set[int]] = {}
        for row in self.events:
            if row.entity in VERSIONED_ENTITIES:
                wanted.setdefault(row.entity, set()).add(row.entity_id)
        versions: dict[tuple[str, int], int] = {}
        for entity, ids in wanted.items():
            model = VERSIONED_ENTITIES[entity]
            missing = []
            for ident in ids:
                loaded = self.session.identity_map.get(self.session.identity_key(model, ident))
                if isinstance(loaded, model):
                    versions[(entity, ident)] = loaded.row_version
                else:
                    missing.append(ident)
            if missing:
                found = self.session.execute(
                    select(model.id, model.row_version).where(model.id.in_(missing))  # type: ignore[attr-defined]
                )
                versions.update({(entity, ident): version for ident, version in found})
        for row in self.events:
            row.row_version = versions.get((row.entity, row.entity_id))


def _event_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


class Store:
    """The officer's data: a database plus the attachment files beside it.

    Constructing one only opens the database (lazily: the first session connects). A data
    folder is opened, checked and upgraded by :func:`coordinator.safety.opening.open_store`.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        url: str | None = None,
        clock: Clock = local_now,
        officer: str | None = None,
    ) -> None:
        """``url`` and ``officer`` None: as the data folder's settings say
        (:mod:`coordinator.store.local_settings`)."""
        self.data_dir = data_dir
        self.clock = clock
        prepare_data_dir(data_dir)
        self.database_path = data_dir / DATABASE_NAME
        chosen = configured_url(data_dir, url)
        if chosen == f"sqlite:///{self.database_path}":
            chosen = None  # named outright, but it is the folder's own file all the same
        self.url = chosen or f"sqlite:///{self.database_path}"
        self.is_sqlite = self.url.startswith("sqlite")
        self.officer = configured_officer(data_dir) if officer is None else officer
        """Signs every Event this store writes."""
        self.origin = uuid.uuid4().hex
        """Names this store's change notes, so it does not hear its own changes again."""
        self.notes_written = 0
        # Copies, checks of attachments and file modes apply to the data folder's own file;
        # a database named by URL is looked after by whoever runs it.
        self.uses_data_dir_database = chosen is None
        if self.uses_data_dir_database:
            try:
                _create_private_file(self.database_path)
            except OSError as exc:
                raise StorageError(
                    N_("The database file {path} cannot be created: {reason}"),
                    path=str(self.database_path),
                    reason=exc.strerror or str(exc),
                ) from exc
        if self.is_sqlite:
            self.engine = create_engine(self.url)
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(self.url, **_server_options())
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        watch(self._sessions)
        # A read sees one state of the data from its first query to its end, as a read
        # transaction does on SQLite. On a server that is REPEATABLE READ: its default,
        # READ COMMITTED, shows each statement what was committed meanwhile (a list's
        # count and its ids would disagree).
        self._read_sessions = (
            self._sessions
            if self.is_sqlite
            else sessionmaker(
                self.engine.execution_options(isolation_level="REPEATABLE READ"),
                expire_on_commit=False,
            )
        )
        self._reading = threading.local()  # the read session open on each thread, if any
        self.before_commit: list[Callable[[Work], None]] = []
        """Run at the end of every unit of work, inside its transaction (the search index
        follows the changes this way: see coordinator.search.index)."""
        self.closed = False
        """Set by :meth:`close`: nothing new should start reading it."""
        self.before_close: list[Callable[[], None]] = []
        """Run by :meth:`close` first: whoever reads the store on a thread of its own
        waits for that thread here, so nothing reads a closed store."""
        self._calendar: WorkingCalendar | None = None
        self.replica: str | None = None
        """This database's replica id among the copies of the data, once read."""

    @property
    def on_server(self) -> bool:
        """The database is an office server's, shared with other officers."""
        return not self.is_sqlite

    @property
    def where(self) -> str:
        """Where the data lives, as it may be shown: the file, or the server's address
        without its password."""
        return str(self.database_path) if self.uses_data_dir_database else shown_url(self.url)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    def close(self) -> None:
        for hook in list(self.before_close):
            hook()
        self.closed = True
        self.engine.dispose()

    @contextmanager
    def work(self) -> Iterator[Work]:
        """A transaction that commits all or nothing; driver errors become domain errors."""
        session = self._sessions()
        unit = Work(self, session)
        try:
            with session.begin():
                yield unit
                for hook in self.before_commit:
                    hook(unit)
                unit.finish()
            self.replica = unit.oplog.replica
        except DomainError:
            raise
        except StaleDataError as exc:
            raise ConflictError(MSG_CHANGED_MEANWHILE) from exc
        except (DBAPIError, sqlite3.DatabaseError) as exc:
            raise translate_db_error(exc) from exc
        finally:
            session.close()
        if unit.tracker.freeze().touches(ChangeKind.CALENDAR):
            self._calendar = None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only; anything it changes is rolled back.

        Re-entrant per thread: a read opened inside another one shares its session, so
        query functions that call each other see one snapshot of the data.
        """
        outer: Session | None = getattr(self._reading, "session", None)
        if outer is not None:
            yield outer
            return
        session = self._read_sessions()
        self._reading.session = session
        try:
            with session.begin():
                yield session
                session.rollback()
        except (DBAPIError, sqlite3.DatabaseError) as exc:
            raise translate_db_error(exc) from exc
        finally:
            self._reading.session = None
            session.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that must agree with each other (a count and the ids it counted) see one
        state of the data: every query run inside shares one read transaction."""
        with self.read():
            yield

    def calendar(self) -> WorkingCalendar:
        """The working calendar as the officer configured it (cached until it changes)."""
        if self._calendar is None:
            with self.read() as session:
                overrides = {d.day: d.is_workday for d in session.scalars(select(CalendarDay))}
                years = list(session.scalars(select(CalendarYear.year)))
                setting = session.get(Setting, "working_hours")
                hours_value = None if setting is None else dict(setting.value)
            hours = WorkingHours()
            if hours_value is not None:
                hours = working_hours_from_setting(hours_value)
            self._calendar = WorkingCalendar(hours, overrides, years)
        return self._calendar


def working_hours_from_setting(value: dict[str, Any]) -> WorkingHours:
    spans = tuple(
        (datetime.strptime(a, "%H:%M").time(), datetime.strptime(b, "%H:%M").time())
        for a, b in value["spans"]
    )
    return WorkingHours(spans)
