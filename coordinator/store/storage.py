"""The store: one database, its data folder, sessions and the unit of work.

The database URL is a setting (``LIAISON_HUB_DATABASE_URL``): SQLite in the data folder
by default, PostgreSQL for an office that outgrows one laptop. Everything SQLite-only
about the connection lives in :func:`_configure_sqlite`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from coordinator.calendar.working_time import WorkingCalendar, WorkingHours
from coordinator.errors import ConflictError, DomainError, StorageError
from coordinator.i18n import N_
from coordinator.paths import DATABASE_NAME
from coordinator.store.changes import ChangeKind, ChangeSet, ChangeTracker
from coordinator.store.models import CalendarDay, CalendarYear, Event, Setting

DATABASE_URL_ENV = "LIAISON_HUB_DATABASE_URL"
BUSY_TIMEOUT_MS = 5000

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


def translate_db_error(exc: Exception) -> DomainError:
    """Turn a driver error into words the officer understands."""
    text = str(getattr(exc, "orig", exc)).lower()
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


class Work:
    """One unit of work: a session inside a transaction, its clock and change tracker."""

    def __init__(self, store: Store, session: Session) -> None:
        self.store = store
        self.session = session
        self.now = store.clock()
        self.tracker = ChangeTracker()

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
        self.session.add(
            Event(
                at=self.now,
                entity=entity,
                entity_id=entity_id,
                case_id=case_id,
                field=field,
                before=_event_value(before),
                after=_event_value(after),
            )
        )
        # Screens showing a timeline refresh on this kind; the event ids themselves are not
        # needed (they are only appended), so the changed record's id is what is kept.
        self.tracker.add(ChangeKind.EVENT, entity_id)

    @property
    def changes(self) -> ChangeSet:
        return self.tracker.freeze()


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
    ) -> None:
        self.data_dir = data_dir
        self.clock = clock
        prepare_data_dir(data_dir)
        self.database_path = data_dir / DATABASE_NAME
        self.url = url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{self.database_path}"
        self.is_sqlite = self.url.startswith("sqlite")
        # Copies, checks of attachments and file modes apply to the data folder's own file;
        # a database named by URL is looked after by whoever runs it.
        self.uses_data_dir_database = not url and not os.environ.get(DATABASE_URL_ENV)
        if self.uses_data_dir_database:
            try:
                _create_private_file(self.database_path)
            except OSError as exc:
                raise StorageError(
                    N_("The database file {path} cannot be created: {reason}"),
                    path=str(self.database_path),
                    reason=exc.strerror or str(exc),
                ) from exc
        self.engine = create_engine(self.url)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
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
        except DomainError:
            raise
        except (OperationalError, IntegrityError, SADatabaseError, sqlite3.DatabaseError) as exc:
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
        session = self._sessions()
        self._reading.session = session
        try:
            with session.begin():
                yield session
                session.rollback()
        except (OperationalError, SADatabaseError, sqlite3.DatabaseError) as exc:
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
