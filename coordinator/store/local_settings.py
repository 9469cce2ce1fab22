"""What belongs to this laptop, not to the shared data: who the officer is, and which
database the data folder works on.

They live in ``liaison-hub.json`` in the data folder, owner-only. On an office server the
database is shared by every officer, so neither can be a row of it: each laptop says
who is working on it, and where its database is.

The officer is ``--officer`` / ``LIAISON_HUB_OFFICER`` if given, else the file's. The
database is chosen, first to last: ``--database-url``, the environment variable
``LIAISON_HUB_DATABASE_URL``, this file's ``database_url``, else the SQLite file in the
data folder. A URL may carry a password, which is why the file is owner-only and why
a URL is only ever shown through :func:`shown_url`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from coordinator.errors import StorageError, ValidationError
from coordinator.i18n import N_

SETTINGS_NAME: Final = "liaison-hub.json"
DATABASE_URL_ENV: Final = "LIAISON_HUB_DATABASE_URL"
OFFICER_ENV: Final = "LIAISON_HUB_OFFICER"
OFFICER_MAX: Final = 200

SUPPORTED_DRIVERS: Final = ("sqlite", "postgresql")


@dataclass(frozen=True)
class LocalSettings:
    officer: str = ""
    """The officer working on this laptop: named on every change they make."""
    database_url: str = ""
    """An office server's database; empty: the SQLite file in the data folder."""
    office_server: str = ""
    """On a laptop's checkout: the office's database it last synced with, offered again."""


def settings_path(data_dir: Path) -> Path:
    return data_dir / SETTINGS_NAME


def read_local_settings(data_dir: Path) -> LocalSettings:
    """The laptop's settings; defaults when the file is missing or unreadable (it holds
    nothing that cannot be asked again)."""
    try:
        raw = json.loads(settings_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LocalSettings()
    if not isinstance(raw, dict):
        return LocalSettings()
    officer = raw.get("officer")
    url = raw.get("database_url")
    office = raw.get("office_server")
    return LocalSettings(
        officer=officer.strip() if isinstance(officer, str) else "",
        database_url=url.strip() if isinstance(url, str) else "",
        office_server=office.strip() if isinstance(office, str) else "",
    )


def write_local_settings(data_dir: Path, settings: LocalSettings) -> None:
    """Write the file whole or not at all, owner-only."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = settings_path(data_dir)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{SETTINGS_NAME}.", dir=data_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(asdict(settings), out, ensure_ascii=False, indent=2)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o600)
            os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(
            N_("The settings file {path} cannot be written: {reason}"),
            path=str(target),
            reason=exc.strerror or str(exc),
        ) from exc


def set_officer(data_dir: Path, name: str) -> LocalSettings:
    """Remember who works on this laptop; the name cleaned and checked."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(N_("Type your name: every change you make is signed with it."))
    if len(cleaned) > OFFICER_MAX:
        raise ValidationError(N_("A name is at most {max} characters."), max=OFFICER_MAX)
    settings = replace(read_local_settings(data_dir), officer=cleaned)
    write_local_settings(data_dir, settings)
    return settings


def set_database_url(data_dir: Path, url: str) -> LocalSettings:
    """Remember the office server's database (empty: back to the laptop's own file)."""
    cleaned = url.strip()
    if cleaned:
        check_database_url(cleaned)
    settings = replace(read_local_settings(data_dir), database_url=cleaned)
    write_local_settings(data_dir, settings)
    return settings


def set_office_server(data_dir: Path, url: str) -> LocalSettings:
    """Remember the office database a checkout syncs with (checked first)."""
    cleaned = check_database_url(url.strip())
    settings = replace(read_local_settings(data_dir), office_server=cleaned)
    write_local_settings(data_dir, settings)
    return settings


def check_database_url(url: str) -> str:
    """``url`` if it names a database this app can use, else a readable refusal."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError(
            N_(
                "“{url}” is not a database address. Write it as "
                "postgresql+psycopg://user:password@server:5432/database."
            ),
            url=url,
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_DRIVERS:
        raise ValidationError(
            N_("Liaison Hub works with SQLite and PostgreSQL databases, not {name}."),
            name=parsed.get_backend_name(),
        )
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ValidationError(
                N_("Use the psycopg driver: postgresql+psycopg://… (not {driver})."),
                driver=parsed.drivername,
            )
        if not parsed.database:
            raise ValidationError(N_("The address names no database: add /database at its end."))
    return url


def normalised_url(url: str) -> str:
    """``postgresql://`` means psycopg (version 3), the driver this app ships."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # SQLAlchemy 2.0 would take psycopg2 for it
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def configured_url(data_dir: Path, explicit: str | None = None) -> str | None:
    """The database the data folder works on, if not its own SQLite file."""
    chosen = (
        explicit or os.environ.get(DATABASE_URL_ENV) or read_local_settings(data_dir).database_url
    )
    return normalised_url(chosen) if chosen else None


def configured_officer(data_dir: Path) -> str:
    """Who signs the changes: ``--officer`` / ``LIAISON_HUB_OFFICER``, else the file's."""
    chosen = os.environ.get(OFFICER_ENV, "").strip()
    return " ".join(chosen.split()) if chosen else read_local_settings(data_dir).officer


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite address names (None for a server's address): an address to a
    file that is not there would make a new, empty database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def shown_url(url: str) -> str:
    """A database address as it may be shown or printed: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"
