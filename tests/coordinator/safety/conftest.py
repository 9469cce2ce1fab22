"""What the safety tests read back, the same way on either backend: a data folder's
database is its own SQLite file, or (``--backend postgresql``) a database of its own on
the run's PostgreSQL server, which the data folder's settings name."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from coordinator.paths import DATABASE_NAME
from coordinator.safety import pg_tools
from coordinator.safety.catalogue import BackupInfo
from coordinator.safety.opening import open_store
from coordinator.services import templates
from coordinator.store import storage
from coordinator.store.content import content_for
from coordinator.store.local_settings import set_database_url
from coordinator.store.models import Base
from coordinator.store.storage import Store
from tests.conftest import FixedClock, on_postgresql
from tests.postgres_server import PostgresServer


@pytest.fixture
def on_server(request: pytest.FixtureRequest) -> bool:
    """This run's stores are on the PostgreSQL server."""
    return on_postgresql(request.config)


def server_url(data_dir: Path) -> str | None:
    """The server database of the data folder (made on first asking), None on SQLite."""
    url: str | None = storage.configured_url(data_dir, None)
    return url


def _url(data_dir: Path) -> str:
    return server_url(data_dir) or f"sqlite:///file:{data_dir / DATABASE_NAME}?mode=ro&uri=true"


def records(data_dir: Path) -> list[list[tuple[Any, ...]]]:
    """Every row of every table of the models, in the order of their keys."""
    engine = create_engine(_url(data_dir))
    try:
        with engine.connect() as conn:
            return [
                [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables
            ]
    finally:
        engine.dispose()


def server_state(data_dir: Path) -> str:
    """All a server database holds (every table, the search index's too) as one digest;
    "" on SQLite, whose file the tests compare byte for byte instead."""
    url = server_url(data_dir)
    if url is None:
        return ""
    engine = create_engine(url)
    digest = hashlib.sha256()
    try:
        with engine.connect() as conn:
            for name in sorted(inspect(conn).get_table_names()):
                rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
                digest.update(f"{name}:{rows!r}\n".encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def content_intact(data_dir: Path, sha: str) -> bool:
    """The attachment is where the data folder's store keeps it, and whole."""
    store = Store(data_dir)
    try:
        return content_for(store).state(sha) == "intact"
    finally:
        store.close()


def backup_text(info: BackupInfo) -> str:
    """Everything a backup holds, as text (to look for a record in it)."""
    if info.on_server:
        tools = pg_tools.find_tools(0)
        done = subprocess.run(
            [tools.path("pg_restore"), "-f", "-", str(info.database_file)],
            capture_output=True,
            check=True,
        )
        return done.stdout.decode()
    import sqlite3

    conn = sqlite3.connect(f"file:{info.database_file}?mode=ro", uri=True)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return repr([conn.execute(f'SELECT * FROM "{n}"').fetchall() for n in names])
    finally:
        conn.close()


@pytest.fixture
def office(postgres: PostgresServer, tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``office("a")``: a data folder whose settings name a new database of its own on
    the test server, as an officer's laptop joined to an office server has (in every run,
    whatever the backend of the other stores)."""
    made: list[str] = []

    def folder(name: str) -> Path:
        database = postgres.create_database()
        made.append(database)
        data_dir = tmp_path / name
        set_database_url(data_dir, postgres.url(database))
        return data_dir

    yield folder
    for database in made:
        postgres.drop_database(database)


@pytest.fixture
def team(office: Callable[[str], Path], clock: FixedClock) -> Iterator[Store]:
    """An office server's store with the builtin templates, on a fixed clock."""
    opened = open_store(office("team"), clock=clock)
    templates.install_builtin(opened)
    yield opened
    opened.close()


def ordered_rows(store: Store) -> list[list[tuple[Any, ...]]]:
    """Every row of every table of the models, in the order of their keys."""
    with store.engine.connect() as conn:
        return [
            [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
        ]


def attach(store: Store, tmp_path: Path, content: bytes, name: str, case_title: str = "") -> str:
    """Attach ``content`` as ``name`` to the first document of a new case; its SHA-256."""
    from coordinator.queries import documents as document_queries
    from coordinator.services import cases, documents

    case = cases.open_case(store, case_title or f"附件 {name}", template_key="company_landing")
    document = document_queries.for_case(store, case.value.id)[0]
    source = tmp_path / "sources" / name
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(content)
    return documents.attach_file(store, document.id, source).value.files[-1].sha256
