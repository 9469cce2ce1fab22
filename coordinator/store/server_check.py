"""Trying an office server's address before working on it: can it be reached, which
PostgreSQL is it, and does its database hold Liaison Hub data already, or nothing yet
(the first officer to connect gives it its tables), or something else entirely.

Read-only: nothing is created or changed on the server here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from coordinator.errors import DomainError
from coordinator.i18n import N_
from coordinator.store import migrate
from coordinator.store.local_settings import check_database_url, normalised_url, shown_url
from coordinator.store.storage import (
    SERVER_CONNECT_TIMEOUT_S,
    ServerUnavailableError,
    translate_db_error,
)


class ServerState(enum.Enum):
    READY = "ready"  # our tables, at a revision this app opens
    EMPTY = "empty"  # no tables: they are made when the app first opens it
    NEWER = "newer"  # our tables, from a newer version of the app
    FOREIGN = "foreign"  # tables of something else: refused
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ServerFacts:
    url: str
    state: ServerState
    version: str = ""
    revision: str | None = None
    problem: str = ""


def try_connection(url: str) -> ServerFacts:
    """Connect once to ``url`` and look; never raises for a server that cannot be used."""
    try:
        chosen = normalised_url(check_database_url(url))
    except DomainError as exc:
        return ServerFacts(url, ServerState.UNREACHABLE, problem=exc.message())
    engine = create_engine(chosen, connect_args={"connect_timeout": SERVER_CONNECT_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            version = ""
            if conn.dialect.name == "postgresql":
                version = str(conn.scalar(text("SHOW server_version")) or "")
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError as exc:
        return ServerFacts(chosen, ServerState.UNREACHABLE, problem=_refusal(exc))
    finally:
        engine.dispose()
    if not tables - {"alembic_version"}:
        state = ServerState.EMPTY
    elif revision is None:
        state = ServerState.FOREIGN
    elif migrate.is_known(revision):
        state = ServerState.READY
    else:
        state = ServerState.NEWER
    return ServerFacts(chosen, state, version, revision)


def _refusal(exc: DBAPIError) -> str:
    """Why the server did not let us in, in words; the server's own words otherwise."""
    said = str(getattr(exc, "orig", exc)).strip()
    lower = said.lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        return N_("the user name or password is wrong.").tr()
    if "does not exist" in lower and "database" in lower:
        return N_("the server has no database of that name.").tr()
    if "no pg_hba.conf entry" in lower or "not allowed" in lower:
        return N_("the server does not let this laptop or this user in.").tr()
    if isinstance(translate_db_error(exc), ServerUnavailableError):
        return N_("the server cannot be reached (is the address right, and the network up?).").tr()
    return said.splitlines()[0] if said else type(exc).__name__


_SAYS = {
    ServerState.READY: N_("{where}: PostgreSQL {version}, holding Liaison Hub data."),
    ServerState.EMPTY: N_(
        "{where}: PostgreSQL {version}, an empty database: Liaison Hub makes its tables there "
        "when it first opens it."
    ),
    ServerState.NEWER: N_(
        "{where}: its data comes from a newer version of Liaison Hub. Update Liaison Hub "
        "on this laptop first."
    ),
    ServerState.FOREIGN: N_(
        "{where}: this database holds tables of another program. Ask for a database of "
        "Liaison Hub's own."
    ),
    ServerState.UNREACHABLE: N_("{where}: {problem}"),
}


def describe(facts: ServerFacts) -> str:
    """What the officer reads about the server tried."""
    return (
        _SAYS[facts.state]
        .tr()
        .format(where=shown_url(facts.url), version=facts.version, problem=facts.problem)
    )


def usable(facts: ServerFacts) -> bool:
    return facts.state in (ServerState.READY, ServerState.EMPTY)
