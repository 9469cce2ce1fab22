"""Nothing needs the network, ever: every path the officer uses runs with sockets barred.

The guard replaces ``socket.socket.connect``/``connect_ex``/``sendto``,
``socket.create_connection`` and ``socket.getaddrinfo`` with functions that record the
attempt and fail the test (``pytest.fail`` raises a BaseException, which no
``except Exception`` in the code under test can swallow; the record catches the rest).

With ``--backend postgresql`` the data is on an office server, so exactly one kind of
connection is allowed: to that server, the one the data folder is set to, here on
loopback. The database driver connects from C, past Python's sockets, so the guard also
stands at the driver's door (``psycopg.Connection.connect``): every connection it opens
is recorded and must go to that server, and at least one must have been seen (else the
guard would not be looking where the connections go).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from coordinator.demo.build import build_demo
from coordinator.exchange.transfer import export_json, import_json
from coordinator.queries import cases as case_queries
from coordinator.queries import documents as document_queries
from coordinator.reports import REPORT_NAMES, build_report, case_summary
from coordinator.safety import archive, backup, checks, restore
from coordinator.safety import health as data_health
from coordinator.safety.opening import open_store
from coordinator.services import documents, templates
from tests import postgres_server
from tests.conftest import on_postgresql
from tests.postgres_server import PostgresServer

NOW = datetime(2026, 11, 25, 10, 30)


@pytest.fixture
def office_server(request: pytest.FixtureRequest) -> tuple[str, int] | None:
    """Where the stores' server is (host, port) with --backend postgresql; else None."""
    if not on_postgresql(request.config):
        return None
    server: PostgresServer = request.getfixturevalue("postgres")
    return (postgres_server.HOST, server.port)


@pytest.fixture
def server_connections() -> list[tuple[str, int]]:
    """The database connections the guard let through (to the office server)."""
    return []


@pytest.fixture
def no_network(
    monkeypatch: pytest.MonkeyPatch,
    office_server: tuple[str, int] | None,
    server_connections: list[tuple[str, int]],
) -> Iterator[list[str]]:
    attempts: list[str] = []

    def to_the_server(address: Any) -> bool:
        return office_server is not None and tuple(address[:2]) == office_server

    def refuse(what: str, real: Any = None) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            if real is not None and to_the_server(args[1]):
                return real(*args, **kwargs)  # the office server's socket, if Python's own
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            pytest.fail(f"network access attempted: {attempts[-1]}")

        return blocked

    for name in ("connect", "connect_ex", "sendto"):
        real = getattr(socket.socket, name) if name != "sendto" else None
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}", real))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    if office_server is not None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        real_connect = psycopg.Connection.connect

        def connect(conninfo: str = "", **kwargs: Any) -> Any:
            params = conninfo_to_dict(conninfo, **kwargs)
            where = (str(params.get("hostaddr") or params.get("host")), int(str(params["port"])))
            server_connections.append(where)
            if where != office_server or not ipaddress.ip_address(where[0]).is_loopback:
                attempts.append(f"database connection to {where}")
                pytest.fail(f"network access attempted: {attempts[-1]}")
            return real_connect(conninfo, **kwargs)

        # psycopg.connect is the class's method, taken when psycopg was imported.
        monkeypatch.setattr(psycopg.Connection, "connect", connect)
        monkeypatch.setattr(psycopg, "connect", connect)
    yield attempts
    assert attempts == [], attempts


def test_the_guard_catches_an_attempt(no_network: list[str]) -> None:
    with pytest.raises(pytest.fail.Exception, match="network access attempted"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)
    with pytest.raises(pytest.fail.Exception):
        socket.getaddrinfo("example.org", 443)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(pytest.fail.Exception):
            sock.connect(("192.0.2.1", 80))
    finally:
        sock.close()
    assert len(no_network) == 3
    no_network.clear()  # the attempts were this test's own


@pytest.mark.slow
def test_everything_the_officer_does_runs_offline(
    no_network: list[str],
    tmp_path: Path,
    office_server: tuple[str, int] | None,
    server_connections: list[tuple[str, int]],
) -> None:
    store = open_store(tmp_path / "data", clock=lambda: NOW)
    try:
        templates.install_builtin(store)
        build_demo(store, NOW)
        case = case_queries.list_cases(store)[0]
        document = document_queries.for_case(store, case.id)[0]
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4 offline\n" * 100)

        for name in REPORT_NAMES:
            assert build_report(store, name, now=NOW).html
        assert case_summary(store, case.id, now=NOW).html

        exported = export_json(store, tmp_path / "all.json")
        assert exported.total_rows > 0
        other = open_store(tmp_path / "other", clock=lambda: NOW)
        try:
            assert import_json(other, tmp_path / "all.json").value.total_added > 0
        finally:
            other.close()
        # After the JSON round: an export carries no attachments (an archive does).
        documents.attach_file(store, document.id, scan)

        made = backup.make_backup(store, "manual").backup
        assert made is not None
        backup.verify_backup(made)
        archive.export_archive(store, tmp_path / "all.zip")
        report = checks.check_store(store)
        checks.repair(store, report.repairable)
        assert checks.check_store(store).ok
    finally:
        store.close()
    archive.import_archive(tmp_path / "laptop", tmp_path / "all.zip", clock=lambda: NOW)
    assert data_health.diagnose(tmp_path / "laptop", thorough=True).ok
    restore.restore_backup(tmp_path / "data", made.id, clock=lambda: NOW)
    assert no_network == []
    if office_server is not None:  # the guard saw the database's connections, all of them
        assert server_connections  # to the office server
        assert set(server_connections) == {office_server}
