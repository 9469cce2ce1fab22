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


MEMORY_FOLDER: Final = Path("/dev/shm")
MEMORY_NEEDED: Final = 2**30
"""Free room wanted in memory for a throwaway cluster: a test run keeps a few dozen
databases of 8 MB at once (under 200 MB all told), and the log of changes."""


def _place(durable: bool) -> str | None:
    """Where the cluster's files go: in memory when there is room and nothing is to
    survive a pulled plug, else the temporary folder. A test run makes and drops a
    database for nearly every test, and each drop forces a checkpoint: on a disk whose
    writes are slow or shared, those writes were half of the server's work."""
    if durable:
        return None
    try:
        roomy = shutil.disk_usage(MEMORY_FOLDER).free >= MEMORY_NEEDED
    except OSError:
        return None
    return str(MEMORY_FOLDER) if roomy and os.access(MEMORY_FOLDER, os.W_OK) else None


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
        self.root = Path(tempfile.mkdtemp(prefix="liaison-hub-pg-", dir=_place(durable)))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self.databases_made = 0
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

    def cpu_seconds(self) -> float | None:
        """The processor time the server has used so far, its finished sessions' included
        (Linux; None elsewhere): what a run spends in the server, whatever else the
        machine is busy with."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = [
                Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            ]
        except (OSError, ValueError, IndexError):
            return None
        ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        ticks += sum(int(f) for c in children for f in c[11:13])
        return ticks / os.sysconf("SC_CLK_TCK")

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

    def create_database(
        self, template: str | None = None, name: str | None = None, patience: float = 5.0
    ) -> str:
        """A new empty database (or a copy of ``template``); its name.

        A template must have no one connected: one closed a moment ago may still be for
        a few milliseconds, so it is tried again for ``patience`` seconds."""
        chosen = name or f"t{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        deadline = time.monotonic() + patience
        while True:
            try:
                self._admin(f"CREATE DATABASE {chosen}{clause}")
                self.databases_made += 1
                return chosen
            except Exception as exc:
                if "being accessed by other users" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

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
