"""PostgreSQL's own tools for the office server's backups: found, checked, run.

``pg_dump``, ``pg_restore`` and ``psql`` come together in PostgreSQL's client package.
They are looked for on PATH, then where Debian installs each version
(``/usr/lib/postgresql/<version>/bin``) and where the Windows installer does, newest
first. A ``pg_dump`` older than the server refuses to dump it, so the tools chosen are
the first whose major version is at least the server's; when none is, the officer is
told what to install.

The tools reach the server as the app does: the address of its database URL, the
password through the environment (never on a command line, which other users of the
computer can read). A tool that runs long is polled, so that the caller's progress can
stop it: it is killed, and whatever it had begun is the caller's to remove (a restore's
transaction dies with it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from coordinator.errors import StorageError
from coordinator.i18n import N_, Msg
from coordinator.store.storage import SERVER_CONNECT_TIMEOUT_S

__all__ = ["PgTools", "ToolFailedError", "find_tools", "run", "server_major"]

PROGRAMS: Final = ("pg_dump", "pg_restore", "psql")
POLL_S: Final = 0.1
_DEBIAN: Final = Path("/usr/lib/postgresql")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")

MSG_NO_TOOLS: Final = N_(
    "Backups of the office server need PostgreSQL's tools pg_dump, pg_restore and psql, "
    "which are not installed on this computer. Install PostgreSQL's client tools, "
    "version {version} or newer (on Debian or Ubuntu: sudo apt install postgresql-client)."
)
MSG_NO_TOOLS_TO_READ: Final = N_(
    "Reading a backup of the office server needs PostgreSQL's tool pg_restore, which is not "
    "installed on this computer. Install PostgreSQL's client tools (on Debian or Ubuntu: "
    "sudo apt install postgresql-client)."
)
MSG_OLD_TOOLS: Final = N_(
    "The office server runs PostgreSQL {server}, but this computer's pg_dump is version "
    "{client}, which cannot back it up. Install PostgreSQL's client tools, version {server} "
    "or newer (on Debian or Ubuntu: sudo apt install postgresql-client-{server})."
)


@dataclass(frozen=True)
class PgTools:
    """One folder holding the three tools, and their version."""

    folder: Path
    major: int
    version: str  # as the tool says it, e.g. "pg_dump (PostgreSQL) 15.18"

    def path(self, program: str) -> str:
        return str(self.folder / _executable(program))


class ToolFailedError(Exception):
    """A tool ended with an error; ``detail`` is what it said (its last lines)."""

    def __init__(self, program: str, detail: str) -> None:
        super().__init__(f"{program}: {detail}")
        self.program = program
        self.detail = detail


def _executable(program: str) -> str:
    return f"{program}.exe" if sys.platform == "win32" else program


def _numbered(folders: Sequence[Path]) -> list[Path]:
    """Folders named by a version (``15``, ``16.2``) newest first."""

    def key(folder: Path) -> tuple[int, ...]:
        numbers = re.findall(r"\d+", folder.name)
        return tuple(int(n) for n in numbers) or (0,)

    return sorted(folders, key=key, reverse=True)


def candidate_folders() -> list[Path]:
    """Where the tools may be, in the order they are preferred."""
    found: list[Path] = []
    on_path = shutil.which("pg_dump")
    if on_path:
        # The folder of what PATH finds, not of where a link points: Debian's
        # /usr/bin/pg_dump is a wrapper that runs the newest installed version.
        found.append(Path(on_path).parent)
    found += [v / "bin" for v in _numbered([b.parent for b in _DEBIAN.glob("*/bin")])]
    if sys.platform == "win32":
        for root in {os.environ.get("PROGRAMFILES", ""), os.environ.get("PROGRAMW6432", "")}:
            if root:
                versions = _numbered(list((Path(root) / "PostgreSQL").glob("*")))
                found += [v / "bin" for v in versions]
    unique: list[Path] = []
    for folder in found:
        if folder not in unique and all((folder / _executable(p)).is_file() for p in PROGRAMS):
            unique.append(folder)
    return unique


def tool_version(folder: Path) -> tuple[int, str] | None:
    """The major version of the folder's pg_dump and its own words, None if it will not say."""
    try:
        done = subprocess.run(
            [str(folder / _executable("pg_dump")), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    said = done.stdout.strip()
    match = _VERSION.search(said)
    if done.returncode != 0 or match is None:
        return None
    return int(match.group(1)), said


def server_major(conn: Connection) -> int:
    """The server's major version (15 for 15.4)."""
    number = int(conn.scalar(text("SHOW server_version_num")) or 0)
    return number // 10000


def find_tools(server: int) -> PgTools:
    """Tools that can back up a server of major version ``server`` (0: any, to read a
    backup); a clear refusal naming what to install when there are none."""
    newest: tuple[int, str] | None = None
    for folder in candidate_folders():
        version = tool_version(folder)
        if version is None:
            continue
        if version[0] >= server:
            return PgTools(folder, version[0], version[1])
        if newest is None or version[0] > newest[0]:
            newest = version
    if newest is None:
        if server <= 0:  # any version reads a dump made by an older or equal one
            raise StorageError(MSG_NO_TOOLS_TO_READ)
        raise StorageError(MSG_NO_TOOLS, version=server)
    raise StorageError(MSG_OLD_TOOLS, server=server, client=newest[0])


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def connection(url: str) -> tuple[str, dict[str, str]]:
    """(libpq connection string without the password, environment with it) for ``url``."""
    parsed = make_url(url)
    parts: dict[str, str] = {}
    if parsed.host:
        parts["host"] = parsed.host
    if parsed.port:
        parts["port"] = str(parsed.port)
    if parsed.username:
        parts["user"] = parsed.username
    if parsed.database:
        parts["dbname"] = parsed.database
    for key, value in parsed.query.items():
        if key != "password":
            parts[key] = value if isinstance(value, str) else value[-1]
    parts.setdefault("connect_timeout", str(SERVER_CONNECT_TIMEOUT_S))
    parts.setdefault("application_name", "Liaison Hub backup")
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return " ".join(f"{k}={_quoted(v)}" for k, v in parts.items()), env


def _said(handle: IO[bytes]) -> str:
    handle.seek(0)
    lines = handle.read().decode("utf-8", errors="replace").strip().splitlines()
    # What matters is at the end: the tools print context first, the error last.
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return " ".join((errors or lines)[-3:]).strip()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(OSError):
            process.kill()
    process.wait()


def _wait(process: subprocess.Popen[bytes], tick: Callable[[], None] | None) -> int:
    if tick is not None:
        tick()  # at once: the stage is said (and a cancel heard) however quick the tool
    while True:
        try:
            return process.wait(timeout=POLL_S)
        except subprocess.TimeoutExpired:
            if tick is not None:
                tick()


def run(
    tools: PgTools,
    command: Sequence[str],
    env: dict[str, str],
    *,
    tick: Callable[[], None] | None = None,
) -> None:
    """Run one tool; raise :class:`ToolFailedError` when it fails. ``tick`` is called
    while it runs: whatever it raises kills the tool and propagates."""
    with tempfile.TemporaryFile() as error:
        try:
            process = subprocess.Popen(
                [tools.path(command[0]), *command[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=error,
                env=env,
            )
        except OSError as exc:
            raise ToolFailedError(command[0], exc.strerror or str(exc)) from exc
        try:
            status = _wait(process, tick)
        finally:
            _stop(process)
        if status != 0:
            raise ToolFailedError(command[0], _said(error) or f"exit status {status}")


def run_script(
    tools: PgTools,
    source: Sequence[str],
    conninfo: str,
    env: dict[str, str],
    *,
    before: str,
    after: str,
    tick: Callable[[], None] | None = None,
) -> None:
    """``source``'s output (SQL, e.g. ``pg_restore -f -``) run by psql in ONE
    transaction, between ``before`` and ``after``, committed only when ``source`` ended
    well and psql ran every statement: anything short of that (a failure, a damaged
    archive cut short, ``tick`` raising) ends psql before its COMMIT, and the server
    rolls the whole transaction back."""
    with tempfile.TemporaryFile() as source_error, tempfile.TemporaryFile() as psql_error:
        started: list[subprocess.Popen[bytes]] = []
        try:
            producer = subprocess.Popen(
                [tools.path(source[0]), *source[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=source_error,
                env=env,
            )
            started.append(producer)
            psql = subprocess.Popen(
                [tools.path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_error,
                env=env,
            )
            started.append(psql)
        except OSError as exc:
            for process in started:
                _stop(process)
            raise ToolFailedError(source[0], exc.strerror or str(exc)) from exc
        assert producer.stdout is not None
        assert psql.stdin is not None
        committed = False
        try:
            try:
                psql.stdin.write(f"BEGIN;\n{before}\n".encode())
                while data := producer.stdout.read(1024 * 1024):
                    psql.stdin.write(data)
                    if tick is not None:
                        tick()
                status = _wait(producer, tick)
                if status != 0:
                    raise ToolFailedError(source[0], _said(source_error) or f"exit {status}")
                psql.stdin.write(f"\n{after}\nCOMMIT;\n".encode())
                psql.stdin.close()
                committed = True
            except BrokenPipeError:
                pass  # psql stopped at an error: it says which below
            status = _wait(psql, tick if not committed else None)
            if status != 0 or not committed:
                raise ToolFailedError("psql", _said(psql_error) or f"exit status {status}")
        finally:
            if not committed:
                _stop(psql)  # before its COMMIT: the server rolls everything back
            _stop(producer)
            with contextlib.suppress(OSError):
                psql.stdin.close()
            producer.stdout.close()


_UNREACHABLE: Final = (
    "could not connect",
    "connection refused",
    "timeout expired",
    "server closed the connection",
    "no route to host",
    "could not translate host name",
)


def failure_words(exc: ToolFailedError) -> Msg | str:
    """What a tool's failure means, in the officer's words where they are known (else
    the tool's own words)."""
    detail = exc.detail.lower()
    if any(word in detail for word in _UNREACHABLE):
        return N_("the office server cannot be reached")
    if "password authentication failed" in detail or "no password supplied" in detail:
        return N_("the office server refused the user name or password")
    if "no space left on device" in detail or "disk full" in detail:
        return N_("the disk is full")
    if "permission denied" in detail or "must be owner" in detail:
        return N_("the office server does not allow this user to do it")
    return exc.detail
