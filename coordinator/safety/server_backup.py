"""Backups of an office server's database, with the server's own tools.

What
    One backup is one folder under ``<data dir>/backups`` like a laptop's
    (:mod:`coordinator.safety.catalogue`), holding what ``pg_dump -Fc`` wrote of the whole
    database: the records, the search index and the attachments (on a server they live
    in the database, :mod:`coordinator.store.chunkstore`). It is built as
    ``.partial-<id>``, verified (the dump's SHA-256; ``pg_restore`` reading all of it, or
    only its table of contents for the quick check) and only then renamed to its id.
    The facts the manifest records (schema revision, change marker, attachments) are
    read in the very snapshot the dump is made of (``pg_export_snapshot``), while the
    other officers keep working.

When (automatic backups on a server)
    On a laptop the app backs up on quit and every few hours. On an office server it
    does not: every officer's laptop would dump the whole office's database several
    times a day, loading the server and the network for copies that are all alike, and
    leaving a full copy of everyone's data on every laptop unasked. The server's
    regular backups belong on the server, scheduled by whoever runs it (``pg_dump``, or
    ``liaison-hub backup`` from any computer with the server's address). From a laptop,
    a backup of the server is made when the officer asks (``manual``: Back up now,
    ``liaison-hub backup``) and always before that laptop does something that replaces
    or changes much of the shared data: a restore, an archive import, a repair, and the
    schema upgrade that the first laptop with a newer version runs on the server
    (``before-*``). ``quit`` and ``periodic`` requests are answered "skipped".

Restore (:func:`restore_server_backup`)
    The backup is verified, the server's current state backed up (``before-restore``),
    then ``pg_restore``'s script is run by ``psql`` in ONE transaction that first drops
    every table of the database's schema (a newer schema's tables too, which the dump
    does not hold) and commits only when the whole script ran: a failure, a cancel or a
    damaged dump leaves the server exactly as it was. Other officers' requests wait for
    that transaction; their screens read the restored data at their next refresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import Connection, Integer, func, select, text
from sqlalchemy.exc import DBAPIError

from coordinator.errors import StorageError
from coordinator.i18n import N_
from coordinator.safety import copying, pg_tools, unfinished
from coordinator.safety.catalogue import (
    AUTOMATIC_REASONS,
    FORMAT,
    MANIFEST,
    PARTIAL_PREFIX,
    POSTGRESQL,
    REASONS,
    VERSION,
    BackupInfo,
    BackupResult,
    data_folder_url,
)
from coordinator.safety.copying import LOCK, ProgressCallback, report
from coordinator.safety.retention import (
    RETENTION_SETTING,
    RetentionPolicy,
    finish_backup,
    policy_from_value,
    publish_backup,
)
from coordinator.store import migrate
from coordinator.store.local_settings import shown_url
from coordinator.store.models import Base, ChangeNote, DocumentFile, Setting
from coordinator.store.storage import Clock, Store, translate_db_error

__all__ = [
    "DUMP_NAME",
    "make_server_backup",
    "restore_server_backup",
    "server_marker",
    "verify_server_backup",
]

DUMP_NAME: Final = "liaison-hub.dump"

MSG_FAILED: Final = N_("No backup was made: {reason}. Your data is unchanged.")
MSG_UNREADABLE: Final = N_("The backup {id} cannot be read: {reason}")
MSG_NO_DUMP: Final = N_("The backup {id} is incomplete: its database file is missing.")
MSG_DUMP_CHANGED: Final = N_(
    "The backup {id} is damaged: its database file has changed since it was made."
)
MSG_DUMP_BAD: Final = N_("The backup {id} is damaged: PostgreSQL cannot read it ({detail}).")
MSG_RESTORE_FAILED: Final = N_("Nothing was restored: {reason}. Your data is as it was.")
MSG_NEWER: Final = N_(
    "The backup {id} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then restore it."
)
MSG_NOT_ON_SERVER: Final = N_(
    "The backup {id} is of the office server's database {server}, but this data folder "
    "keeps its own database. Set the office server's address here first to restore it "
    "there."
)


@dataclass(frozen=True)
class ServerFacts:
    """What a backup records about the database, read in the dump's own snapshot."""

    revision: str | None
    marker: str
    files: int
    retention: RetentionPolicy


def _facts(conn: Connection) -> ServerFacts:
    """Schema revision, change marker, attachments and keeping policy, as the dump sees
    them. The marker is the highest id of every table and the newest event in full
    (every change made through the services appends one), as on a laptop."""
    has_version = conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
    revision = conn.scalar(text("SELECT version_num FROM alembic_version")) if has_version else None
    digest = hashlib.sha256(f"revision={revision}".encode())
    files = 0
    retention = RetentionPolicy()
    if revision is not None:
        # The tables there are: an older schema (before its upgrade) lacks some.
        present = set(
            conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        )
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            keys = list(table.primary_key.columns)
            if table.name in present and len(keys) == 1 and isinstance(keys[0].type, Integer):
                highest = conn.scalar(select(func.max(keys[0])))
                digest.update(f"\n{table.name}={highest}".encode())
        last = conn.execute(text("SELECT * FROM events ORDER BY id DESC LIMIT 1")).first()
        digest.update(f"\nevent={tuple(last) if last else None!r}".encode())
        files = int(conn.scalar(select(func.count(DocumentFile.sha256.distinct()))) or 0)
        value = conn.scalar(select(Setting.value).where(Setting.key == RETENTION_SETTING))
        if value is not None:
            retention = policy_from_value(value)
    return ServerFacts(revision, digest.hexdigest()[:32], files, retention)


def server_marker(store: Store) -> str:
    """The server database's change marker now (as :func:`backup.change_marker`)."""
    try:
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return _facts(conn).marker
    except DBAPIError as exc:
        raise translate_db_error(exc) from exc


def _new_id(backups_dir: Path, stamp: str) -> str:
    candidate, n = stamp, 1
    while (backups_dir / candidate).exists() or (
        backups_dir / f"{PARTIAL_PREFIX}{candidate}"
    ).exists():
        n += 1
        candidate = f"{stamp}-{n}"
    return candidate


def _growing(path: Path, progress: ProgressCallback | None, stage: str) -> Callable[[], None]:
    """A tick reporting how much a tool has written so far (its end is not known)."""

    def tick() -> None:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        report(progress, stage, size, 0)

    return tick


def make_server_backup(
    store: Store,
    reason: str,
    *,
    progress: ProgressCallback | None = None,
    force: bool = False,
    prune: bool = True,
    check: str = "integrity_check",
) -> BackupResult:
    """Dump the server's database into the data folder's backups, verified.

    ``quit`` and ``periodic`` are skipped unless ``force`` (see the module notes).
    Raises :class:`StorageError` in plain words (the tools missing or too old, the server
    gone, the disk full); nothing of the backup is left behind then, nothing is pruned.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if check not in ("integrity_check", "quick_check"):
        raise ValueError(f"unknown check {check!r}")
    if reason in AUTOMATIC_REASONS and not force:
        return BackupResult(None, True)
    backups_dir = store.backups_dir
    conninfo, env = pg_tools.connection(store.url)
    with LOCK, contextlib.ExitStack() as stack:
        partial: Path | None = None
        try:
            copying.private_dir(backups_dir)
            copying.remove_leftovers(backups_dir, (PARTIAL_PREFIX, copying.TRASH_PREFIX))
            with store.engine.connect() as conn:
                conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    # The snapshot first: the facts below and pg_dump see the same data.
                    snapshot = str(conn.scalar(text("SELECT pg_export_snapshot()")))
                    tools = pg_tools.find_tools(pg_tools.server_major(conn))
                    facts = _facts(conn)
                    now = store.clock()
                    backup_id = _new_id(backups_dir, f"{now:%Y%m%d-%H%M%S}-{reason}")
                    stack.enter_context(unfinished.building(backups_dir, backup_id))
                    partial = backups_dir / f"{PARTIAL_PREFIX}{backup_id}"
                    copying.private_dir(partial)
                    dump = partial / DUMP_NAME
                    copying.new_private_file(dump)
                    command = ["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(dump)]
                    pg_tools.run(
                        tools,
                        [*command, "-d", conninfo],
                        env,
                        tick=_growing(dump, progress, "database"),
                    )
            os.chmod(dump, 0o600)
            copying.fsync_file(dump)
            sha = _check_dump(tools, dump, env, progress, check)
            copying.write_json(
                partial / MANIFEST,
                {
                    "format": FORMAT,
                    "version": VERSION,
                    "engine": POSTGRESQL,
                    "server": shown_url(store.url),
                    "created_at": now.isoformat(),
                    "reason": reason,
                    "schema_revision": facts.revision,
                    "marker": facts.marker,
                    "database": {"name": DUMP_NAME, "size": dump.stat().st_size, "sha256": sha},
                    # In the dump: on a server the attachments live in the database.
                    "files": {"count": facts.files, "size": 0},
                    "unavailable_files": [],
                    "verified": {"at": store.clock().isoformat(), "check": check},
                    "tools": tools.version,
                },
            )
            final = publish_backup(partial, backups_dir, backup_id)
            partial = None
        except pg_tools.ToolFailedError as exc:
            raise StorageError(MSG_FAILED, reason=pg_tools.failure_words(exc)) from exc
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc
        except OSError as exc:
            raise StorageError(MSG_FAILED, reason=copying.failure_reason(exc)) from exc
        finally:
            if partial is not None:
                shutil.rmtree(partial, ignore_errors=True)
            stack.close()
        return finish_backup(store.data_dir, final, facts.retention, now, prune)


def _check_dump(
    tools: pg_tools.PgTools,
    dump: Path,
    env: dict[str, str],
    progress: ProgressCallback | None,
    check: str,
) -> str:
    """The dump's SHA-256, once pg_restore has read it: all of it (every table's data
    decompressed) for ``integrity_check``, its table of contents for ``quick_check``."""
    sha = copying.hash_file(dump, progress)
    reading = (
        ["pg_restore", "--list"] if check == "quick_check" else ["pg_restore", "-f", os.devnull]
    )

    def tick() -> None:
        report(progress, "verify", 0, 0)

    pg_tools.run(tools, [*reading, str(dump)], env, tick=tick)
    return sha


def verify_server_backup(
    backup: BackupInfo, *, progress: ProgressCallback | None = None, check: str = "integrity_check"
) -> BackupInfo:
    """Check a server backup completely: its checksum, and pg_restore reading it whole.

    Needs pg_restore, of any version able to read the dump. Raises
    :class:`StorageError` naming the problem.
    """
    dump = backup.database_file
    try:
        if not dump.is_file():
            raise StorageError(MSG_NO_DUMP, id=backup.id)
        if copying.hash_file(dump, progress) != backup.database_sha256:
            raise StorageError(MSG_DUMP_CHANGED, id=backup.id)
        tools = pg_tools.find_tools(0)
        reading = ["pg_restore", "--list"] if check == "quick_check" else ["pg_restore"]
        if check != "quick_check":
            reading += ["-f", os.devnull]

        def tick() -> None:
            report(progress, "verify", 0, 0)

        pg_tools.run(tools, [*reading, str(dump)], dict(os.environ), tick=tick)
    except pg_tools.ToolFailedError as exc:
        raise StorageError(MSG_DUMP_BAD, id=backup.id, detail=exc.detail) from exc
    except OSError as exc:
        raise StorageError(
            MSG_UNREADABLE, id=backup.id, reason=copying.failure_reason(exc)
        ) from exc
    return backup


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Every table of the schema goes, inside the restore's transaction, before the dump's
# script recreates the ones it holds: so a table of a newer schema, which an older
# backup does not know, does not survive it (the upgrade at the next opening would
# stumble on it). CASCADE takes their foreign keys, sequences and triggers along.
_DROP_TABLES: Final = """
SET client_min_messages = warning;
SET lock_timeout = '120s';
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', current_schema(), t.tablename);
  END LOOP;
END $$;
"""


def _notes_go_on(schema: str, floor: int) -> str:
    """After the script: change notes numbered past every one the officers' screens have
    read, so that they hear of what is saved after the restore (they read upwards)."""
    table = f"{_quote(schema)}.change_notes"
    return f"""
DO $$ BEGIN
  IF to_regclass('{table.replace("'", "''")}') IS NOT NULL THEN
    PERFORM setval(pg_get_serial_sequence('{table.replace("'", "''")}', 'id'),
                   greatest({int(floor)}, (SELECT coalesce(max(id), 0) FROM {table}), 1));
  END IF;
END $$;
"""


def restore_server_backup(
    data_dir: Path,
    backup: BackupInfo,
    *,
    progress: ProgressCallback | None = None,
    clock: Clock | None = None,
    verify: bool = True,
) -> BackupInfo | None:
    """Put a server backup back in place of the database the data folder's settings
    name; returns the backup of the state before (see the module notes). Close every
    Store of this data folder first and open a new one after (it upgrades an older
    backup's schema)."""
    url = data_folder_url(data_dir)
    if url is None or url.startswith("sqlite"):
        raise StorageError(MSG_NOT_ON_SERVER, id=backup.id, server=backup.server)
    store = Store(data_dir, url=url) if clock is None else Store(data_dir, url=url, clock=clock)
    try:
        with LOCK:
            if verify:
                verify_server_backup(backup, progress=progress)
            revision = backup.schema_revision
            if revision and not migrate.is_known(revision):
                raise StorageError(MSG_NEWER, id=backup.id, revision=revision)
            safety = make_server_backup(
                store, "before-restore", progress=progress, force=True, prune=False
            ).backup
            conninfo, env = pg_tools.connection(store.url)
            try:
                with store.engine.connect() as conn:
                    tools = pg_tools.find_tools(pg_tools.server_major(conn))
                    schema = str(conn.scalar(text("SELECT current_schema()")))
                    floor = _notes_floor(conn)
                pg_tools.run_script(
                    tools,
                    ["pg_restore", "--clean", "--if-exists", "-f", "-", str(backup.database_file)],
                    conninfo,
                    env,
                    before=_DROP_TABLES,
                    after=_notes_go_on(schema, floor),
                    tick=lambda: report(progress, "restore", 0, 0),
                )
            except pg_tools.ToolFailedError as exc:
                raise StorageError(MSG_RESTORE_FAILED, reason=pg_tools.failure_words(exc)) from exc
            except DBAPIError as exc:
                raise translate_db_error(exc) from exc
            return safety
    finally:
        store.close()


def _notes_floor(conn: Connection) -> int:
    if not conn.scalar(text("SELECT to_regclass('change_notes') IS NOT NULL")):
        return 0
    return int(conn.scalar(select(func.max(ChangeNote.id))) or 0)
