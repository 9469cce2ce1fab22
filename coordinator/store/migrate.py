"""Bring a database to the current schema, keeping a copy of it first."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from coordinator.errors import StorageError
from coordinator.i18n import N_

if TYPE_CHECKING:
    from alembic.config import Config

    from coordinator.store.storage import Store

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The newest revision, written down so that opening an up-to-date database (every start of
# the app) needs one SQL query instead of importing Alembic and reading every revision
# file. tests/coordinator/test_migrations.py fails when a new revision forgets to move it.
SCHEMA_HEAD = "0002"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision(url: str = "sqlite://") -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_copy(source: Path, target: Path) -> Path:
    """A consistent copy through SQLite's online backup API (safe while in WAL mode)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    target.chmod(0o600)
    return target


def _stamped_revision(store: Store) -> str | None:
    """The revision the database says it has, by plain SQL; None if it says nothing."""
    try:
        with store.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # the full path below reports what is wrong, in the user's words
        return None


def upgrade_to_head(store: Store) -> str | None:
    """Upgrade the store's database; returns the path of the pre-upgrade copy, if one was made."""
    if _stamped_revision(store) == SCHEMA_HEAD:
        return None
    from alembic import command

    head = head_revision(store.url)
    try:
        current = current_revision(store)
        with store.engine.connect() as conn:
            has_tables = bool(inspect(conn).get_table_names())
    except Exception as exc:
        from coordinator.store.storage import translate_db_error

        raise translate_db_error(exc) from exc
    if current == head:
        return None
    if has_tables and current is None:
        raise StorageError(
            N_("The file {path} is not a Liaison Hub database."), path=str(store.database_path)
        )
    copy: Path | None = None
    if store.uses_data_dir_database and has_tables and store.database_path.exists():
        # A full, verified backup (attachments included) that the Backups list shows and
        # a restore can bring back, whatever the revision of the database.
        from coordinator.safety.backup import backup_data_dir

        made = backup_data_dir(
            store.data_dir, store.clock, "before-migration", prune=False, check="quick_check"
        ).backup
        copy = None if made is None else made.path
    config = alembic_config(store.url)
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return str(copy) if copy else None
