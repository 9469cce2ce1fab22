"""A throwaway PostgreSQL server for the tests and benchmarks: Debian's own binaries, a
cluster made with initdb in a temporary folder, listening on loopback at a free port,
trusting its one test user only; stopped and removed at the end.

Nothing is mocked: the tests of the office server talk to this real server. A machine
without PostgreSQL's server binaries gets :func:`missing` saying what to install.

Run as root (as CI does), the server runs as the ``postgres`` account that Debian's
package creates, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

USER: Final = "liaison"
HOST: Final = "127.0.0.1"
INSTALL_HINT: Final = "install Debian's postgresql package (apt-get install postgresql)"


def bin_dir() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: on PATH, else Debian's newest version."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def missing() -> str | None:
    """Why no server can be started here; None when one can."""
    found = bin_dir()
    if found is None:
        return f"PostgreSQL's server binaries are not installed: {INSTALL_HINT}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs the postgres account, which Debian's package creates"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e .)"
    return None


REQUIRE_ENV: Final = "LIAISON_HUB_REQUIRE_POSTGRES"


def skip_unless_available() -> None:
    """Skip the calling test or fixture where no server can run here; fail instead where
    one is required (CI sets LIAISON_HUB_REQUIRE_POSTGRES)."""
    import pytest

    why = missing()
    if why is None:
        return
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"PostgreSQL is required here: {why}", pytrace=False)
    pytest.skip(why)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One cluster: :meth:`start`, databases made and dropped, :meth:`stop`, :meth:`remove`."""

    def __init__(self, *, durable: bool = False) -> None:
        """``durable`` False: no fsync (tests that do not pull the plug are faster)."""
        found = bin_dir()
        if found is None:
            raise RuntimeError(missing())
        self.bin = found
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="liaison-hub-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=reject",
            "-E",
            "UTF8",
            "--locale=C",
        )
        # Trust for the test user only, on the socket folder and on loopback; nobody else.
        (self.data / "pg_hba.conf").write_text(
            f"local all {USER} trust\nhost all {USER} {HOST}/32 trust\n"
        )
        self.version = self._run("postgres", "--version").strip()

    def _run(self, program: str, *args: str) -> str:
        done = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            cwd=self.root,
            user="postgres" if self._as_postgres else None,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        options = [
            f"-p {self.port}",
            f"-k {self.root}",
            f"-c listen_addresses={HOST}",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``mode`` "immediate": as if the machine lost power (crash recovery at start)."""
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@{HOST}:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            host=HOST, port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  # names made here, not typed

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its name."""
        chosen = name or f"t{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        for attempt in range(50):
            try:
                self._admin(f"CREATE DATABASE {chosen}{clause}")
                return chosen
            except Exception as exc:  # a template still in use for a moment after close
                if "being accessed by other users" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)
        return chosen

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[PostgresServer]:
    server = PostgresServer(durable=durable)
    try:
        server.start()
        yield server
    finally:
        server.remove()
