"""`liaison-hub settings`, `--database-url` and `--officer`: a laptop set up for the office
server from the command line, the address tried before it is kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.cli import commands as cli
from coordinator.safety.opening import open_store
from coordinator.store.local_settings import DATABASE_URL_ENV, OFFICER_ENV, read_local_settings
from coordinator.store.models import Event
from tests.conftest import keep_sqlite_file
from tests.postgres_server import PostgresServer, free_port


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The options set environment variables for the process: put them back after."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(OFFICER_ENV, raising=False)
    yield
    os.environ.pop(DATABASE_URL_ENV, None)
    os.environ.pop(OFFICER_ENV, None)


@pytest.fixture
def empty_database(postgres: PostgresServer) -> Iterator[str]:
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.mark.usefixtures("clean_environment")
def test_a_laptop_is_pointed_at_the_office_server_and_back(
    tmp_path: Path, empty_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    keep_sqlite_file(data_dir)  # the laptop's own file, in every run: it is switched from
    base = ["--lang", "en", "--data-dir", str(data_dir), "settings"]
    assert cli.main([*base, "--set-officer", "李晓雯"]) == 0
    # Nobody listens there: said, and the setting is left as it was.
    nowhere = f"postgresql://liaison@127.0.0.1:{free_port()}/liaison"
    assert cli.main([*base, "--set-database-url", nowhere]) == 1
    out, err = capsys.readouterr()
    assert "the server cannot be reached" in out
    assert "The setting was not changed." in err
    assert read_local_settings(data_dir).database_url == ""

    assert cli.main([*base, "--set-database-url", empty_database]) == 0
    out, _err = capsys.readouterr()
    assert "an empty database: Liaison Hub makes its tables there" in out
    assert "Officer: 李晓雯" in out
    assert read_local_settings(data_dir).database_url == empty_database

    # Every command now works on the server, signed by the officer.
    assert cli.main(["--lang", "en", "--data-dir", str(data_dir), "demo"]) == 0
    assert cli.main(["--lang", "en", "--data-dir", str(data_dir), "info"]) == 0
    out, _err = capsys.readouterr()
    assert f"Database: {empty_database}" in out
    assert "cases: 10" in out
    store = open_store(data_dir)
    try:
        assert store.on_server
        with store.read() as session:
            officers = set(session.scalars(select(Event.officer)))
        assert officers == {"李晓雯"}
    finally:
        store.close()

    assert cli.main([*base, "--local"]) == 0
    assert cli.main(["--lang", "en", "--data-dir", str(data_dir), "info"]) == 0
    out, _err = capsys.readouterr()
    assert f"Database: {data_dir / 'liaison-hub.sqlite3'}" in out
    assert "cases: 0" in out  # the laptop's own file: nothing of the server's was copied


@pytest.mark.usefixtures("clean_environment")
def test_database_url_and_officer_options_hold_for_one_command(
    tmp_path: Path, empty_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    options = ["--database-url", empty_database, "--officer", "王成峰", "--data-dir", str(data_dir)]
    assert cli.main(["--lang", "en", *options, "info"]) == 0
    out, _err = capsys.readouterr()
    assert f"Database: {empty_database}" in out
    assert "Officer: 王成峰" in out
    assert read_local_settings(data_dir).database_url == ""  # nothing kept


@pytest.mark.usefixtures("clean_environment")
def test_an_address_of_another_kind_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert (
        cli.main(
            [
                "--lang",
                "en",
                "--data-dir",
                str(data_dir),
                "settings",
                "--set-database-url",
                "mysql://a@b/c",
            ]
        )
        == 2
    )
    assert "works with SQLite and PostgreSQL databases, not mysql" in capsys.readouterr().err
