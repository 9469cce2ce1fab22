"""The schema's revisions: which one a database has, which ones this app knows, the upgrade.

Only Alembic's side of it. Opening a data folder, with a verified backup before an
upgrade, is :mod:`coordinator.safety.opening`.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from coordinator.errors import StorageError
from coordinator.i18n import N_
from coordinator.store.storage import Store, translate_db_error

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The newest revision, written down so that opening an up-to-date database (every start of
# the app) needs one SQL query instead of importing Alembic and reading every revision
# file. tests/coordinator/store/test_migrations.py fails when a new revision forgets to move it.
SCHEMA_HEAD = "0005"


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """What the models describe: not the search index's virtual table and its shadow
    tables, which :mod:`coordinator.search` owns (an Alembic ``include_name`` hook)."""
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    # stdout as it is now: Alembic's default is the one of the moment it was first imported.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision(url: str = "sqlite://") -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


@cache
def known_revisions() -> frozenset[str]:
    """Every schema revision this version of the app can open (and upgrade)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(rev.revision for rev in script.walk_revisions())


def is_known(revision: str | None) -> bool:
    """A revision this app can open: the head, an older one, or none yet (a new file)."""
    return revision is None or revision == SCHEMA_HEAD or revision in known_revisions()


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _stamped_revision(store: Store) -> str | None:
    """The revision the database says it has, by plain SQL; None if it says nothing."""
    try:
        with store.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # pending_upgrade's full path reports what is wrong, in the user's words
        return None


def pending_upgrade(store: Store) -> bool | None:
    """None when the database is at the head; otherwise whether it holds data already
    (False: an empty file about to get its schema). Refuses a file that is not ours."""
    if _stamped_revision(store) == SCHEMA_HEAD:
        return None
    try:
        current = current_revision(store)
        with store.engine.connect() as conn:
            has_tables = bool(inspect(conn).get_table_names())
    except Exception as exc:
        raise translate_db_error(exc) from exc
    if current == head_revision(store.url):
        return None
    if has_tables and current is None:
        if not store.uses_data_dir_database:
            raise StorageError(
                N_("The database {where} is not a Liaison Hub database."), where=store.where
            )
        raise StorageError(
            N_("The file {path} is not a Liaison Hub database."), path=str(store.database_path)
        )
    return has_tables


def upgrade(store: Store) -> None:
    """Run every migration the database lacks, in one transaction."""
    from alembic import command

    config = alembic_config(store.url)
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
