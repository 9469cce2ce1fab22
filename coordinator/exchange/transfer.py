"""Export and import of everything in the store as one JSON file.

The file is a single UTF-8 JSON object::

    {"format": "liaison-hub-export", "version": 1, "schema_revision": "0001",
     "exported_at": "2026-05-01T09:30:00",
     "tables": {"calendar_days": [{...}, ...], "organisations": [...], ...}}

Every table of the metadata is written (a table added later is exported without any
change here), in dependency order, rows ordered by primary key, one row per line.
Datetimes and dates are ISO 8601, JSON columns are plain JSON, booleans are booleans
and integers are exact.

Import checks the whole file before it writes anything, then writes everything in one
transaction. Each row is held to the rules the services hold what a person types to
(control characters, lengths, kinds), and an attached file's row is refused unless its
content is in the data folder already (the file does not carry attachments). The file
is read twice as a stream (a first pass that validates and a second that inserts), so
memory stays proportional to the keys, not to the rows: an export of a million
communications imports on an ordinary laptop. A hash of the bytes read in both passes
must agree, so a file that changes in between imports nothing.

Two modes:

* ``"refuse"`` restores into a store that holds no organisation, contact, case,
  communication, document or action. Record ids are kept, so export, import and
  export again give the same tables.
* ``"merge"`` adds the rows whose natural key the store lacks (organisations by name,
  contacts by name and organisation, cases by reference, ...), giving them fresh ids
  and rewriting the references to them; rows already present are left untouched.
  Events are always appended.

In both modes a row that matches a row already in the store (its natural key, or any
unique key) is skipped, and references to it point at the stored row. "refuse" also
skips a row identical, id included, to a stored one (a new data folder's builtin
templates and their events), and renumbers a row whose id the store already uses for
something else; only into a store with no rows at all are the ids certain to be kept.

Memory stays small: the first pass keeps the unique keys (numeric ids as 8-byte arrays)
and the distinct referenced values; the second pass holds one batch of rows, plus the
renumbering maps of "merge" and the ids of the change set.

The tables as import sees them are in :mod:`coordinator.exchange.transfer_specs`, the
streaming reader in :mod:`~coordinator.exchange.transfer_stream`, the two passes in
:mod:`~coordinator.exchange.transfer_check` and :mod:`~coordinator.exchange.transfer_write`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, Final

from sqlalchemy import Boolean, Connection, Date, DateTime, Float, Table, literal, select
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import ConflictError, StorageError, ValidationError
from coordinator.exchange.atomic_file import atomic_target
from coordinator.exchange.transfer_check import Checker
from coordinator.exchange.transfer_specs import (
    FORMAT,
    VERSION,
    Converter,
    select_expr,
    show,
    show_text,
    table_specs,
)
from coordinator.exchange.transfer_stream import read_export
from coordinator.exchange.transfer_write import MSG_CHANGED, ImportMode, Writer
from coordinator.i18n import N_
from coordinator.queries.sql import chunks
from coordinator.store.changes import Outcome
from coordinator.store.filestore import SHA256_HEX, path_for
from coordinator.store.migrate import head_revision
from coordinator.store.models import FileChunk, record_tables
from coordinator.store.storage import Store

__all__ = [
    "FORMAT",
    "VERSION",
    "ExportSummary",
    "ImportMode",
    "ImportSummary",
    "export_json",
    "import_json",
]

# A store holding any of these is not empty: "refuse" will not import into it.
CORE_TABLES: Final = (
    "organisations",
    "contacts",
    "cases",
    "communications",
    "documents",
    "actions",
)
# Each named in the reader's language when a refusal lists them.
RECORD_KINDS: Final = {
    "organisations": N_("Organisations"),
    "contacts": N_("Contacts"),
    "cases": N_("Cases"),
    "communications": N_("Communications"),
    "documents": N_("Documents"),
    "actions": N_("Steps"),
}

_MSG_DANGLING = N_(
    "Table {table}, row {row}: column {column} refers to {target} {value}, which is neither "
    "in the file nor in the database."
)
_MSG_NO_CONTENT = N_(
    "Table document_files, row {row}: the content of the attached file “{name}” is neither "
    "in the file nor in this data folder (an export does not carry attachments; an archive "
    "does), so nothing was imported."
)
_MSG_NOT_EMPTY = N_(
    "The store is not empty: it already holds {tables}. Import into an empty data folder, "
    "or merge the file instead."
)
_MSG_NO_FOREIGN_KEYS = N_(
    "The database does not check the links between records, so nothing was imported."
)
_MSG_EXPORT_VALUE = N_(
    "Table {table}, record {key}: column {column} holds a value that cannot be exported."
)
_MSG_DAMAGED = N_("The database holds a damaged value in the table {table}: {reason}")


# --- summaries ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_json` wrote: rows per table, in the file's order."""

    path: Path
    exported_at: datetime
    schema_revision: str | None
    rows: Mapping[str, int]
    size_bytes: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_json` did: rows added and rows skipped (present already) per table."""

    path: Path
    mode: ImportMode
    schema_revision: str | None
    exported_at: datetime | None
    added: Mapping[str, int]
    skipped: Mapping[str, int]

    @property
    def total_added(self) -> int:
        return sum(self.added.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())


# --- export ---------------------------------------------------------------------------


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _iso(value: date) -> str:
    return value.isoformat()


def _export_columns(table: Table) -> tuple[list[ColumnElement[Any]], list[Converter | None]]:
    exprs: list[ColumnElement[Any]] = []
    encoders: list[Converter | None] = []
    for column in table.columns:
        kind = column.type
        # An enumeration is read as the stored text: a value no longer in it still exports.
        exprs.append(select_expr(column))
        if isinstance(kind, DateTime | Date):
            encoders.append(_iso)
        elif isinstance(kind, Float):
            encoders.append(float)
        elif isinstance(kind, Boolean):
            encoders.append(bool)
        else:
            encoders.append(None)
    return exprs, encoders


def _export_table(conn: Connection, table: Table, out: IO[str]) -> int:
    exprs, encoders = _export_columns(table)
    names = [c.name for c in table.columns]
    statement = select(*exprs).select_from(table).order_by(*table.primary_key.columns)
    count = 0
    try:
        # Closed even when a row fails: on PostgreSQL the rows come through a cursor the
        # server keeps open until then.
        with conn.execution_options(yield_per=2000).execute(statement) as result:
            for row in result:
                record = {
                    name: (encode(value) if encode is not None and value is not None else value)
                    for name, encode, value in zip(names, encoders, row, strict=True)
                }
                try:
                    line = _ENCODER.encode(record)
                except ValueError:
                    raise _export_value_error(table, record) from None
                out.write(",\n    " if count else "\n    ")
                out.write(line)
                count += 1
    except (ValueError, LookupError) as exc:  # a stored value the column type cannot read
        raise StorageError(_MSG_DAMAGED, table=table.name, reason=str(exc)) from exc
    return count


def _export_value_error(table: Table, record: dict[str, Any]) -> StorageError:
    key = ", ".join(str(record[c.name]) for c in table.primary_key.columns)
    column = "?"
    for name, value in record.items():
        try:
            _ENCODER.encode(value)
        except ValueError:
            column = name
            break
    return StorageError(_MSG_EXPORT_VALUE, table=table.name, key=key, column=column)


def export_json(store: Store, path: Path) -> ExportSummary:
    """Write every table of the store to ``path`` as one JSON file, atomically.

    The rows come from one read transaction, so the file is a consistent snapshot. The
    file is written beside its final name, flushed to disk and then renamed over it,
    owner-only: a crash leaves either the old file or the complete new one.
    """
    path = Path(path)
    exported_at = store.clock()
    revision = head_revision()
    rows: dict[str, int] = {}
    with atomic_target(path) as temporary:
        with temporary.open("w", encoding="utf-8", newline="\n") as out:
            header = {
                "format": FORMAT,
                "version": VERSION,
                "schema_revision": revision,
                "exported_at": exported_at.isoformat(),
            }
            out.write("{\n")
            for key, value in header.items():
                out.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
            out.write(' "tables": {')
            with store.read() as session:
                conn = session.connection()
                for number, table in enumerate(record_tables()):
                    out.write(",\n  " if number else "\n  ")
                    out.write(f"{json.dumps(table.name)}: [")
                    rows[table.name] = _export_table(conn, table, out)
                    out.write("\n  ]" if rows[table.name] else "]")
            out.write("\n }\n}\n")
        size = temporary.stat().st_size
    return ExportSummary(
        path=path,
        exported_at=exported_at,
        schema_revision=revision,
        rows=MappingProxyType(rows),
        size_bytes=size,
    )


# --- import ---------------------------------------------------------------------------


def _validate_file(path: Path) -> tuple[Checker, bytes]:
    """The first pass over the file: the checker that passed it, and the hash of its bytes."""
    checker = Checker(path.name)
    keys, digest = read_export(path, checker)
    checker.finish(keys)
    return checker, digest


def _refuse_if_not_empty(conn: Connection) -> None:
    specs = table_specs()
    filled = [
        name
        for name in CORE_TABLES
        if name in specs
        and conn.execute(select(literal(1)).select_from(specs[name].table).limit(1)).first()
    ]
    if filled:
        raise ConflictError(_MSG_NOT_EMPTY, tables=tuple(RECORD_KINDS[name] for name in filled))


def _check_foreign_keys_enforced(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        enforced = conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    elif conn.dialect.name == "postgresql":
        # A session in the "replica" role (as a replication tool sets it, or a server
        # configured so for this user) fires no triggers, the foreign keys' among them.
        enforced = conn.exec_driver_sql("SHOW session_replication_role").scalar() != "replica"
    else:
        return
    if not enforced:
        raise StorageError(_MSG_NO_FOREIGN_KEYS)


def _check_references(conn: Connection, checker: Checker) -> None:
    """Every reference points at a row of the file or a row already stored."""
    specs = table_specs()
    for (table, column), references in checker.references.items():
        fk = next(f for f in specs[table].foreign_keys if f.column == column)
        present = checker.present(fk.target, fk.target_column)
        missing = [value for value in references if value not in present]
        if not missing:
            continue
        target_column = specs[fk.target].table.c[fk.target_column]
        stored: set[Any] = set()
        for chunk in chunks(missing):
            stored.update(
                conn.execute(select(target_column).where(target_column.in_(chunk))).scalars()
            )
        dangling = [value for value in missing if value not in stored]
        if dangling:
            value = min(dangling, key=lambda v: references[v])
            raise ValidationError(
                _MSG_DANGLING,
                table=table,
                row=references[value],
                column=column,
                target=fk.target,
                value=show(value),
            )


def _check_contents(store: Store, conn: Connection, checker: Checker) -> None:
    """Every attached file the file's rows name has its content in the store already: a
    row without it would be a document whose file can never be opened."""
    wanted = checker.contents
    if not wanted:
        return
    if store.on_server:
        present: set[str] = set()
        for chunk in chunks(sorted(wanted)):
            present.update(
                conn.execute(
                    select(FileChunk.sha256).where(FileChunk.sha256.in_(chunk)).distinct()
                ).scalars()
            )
    else:
        present = {
            sha
            for sha in wanted
            if SHA256_HEX.fullmatch(sha) and path_for(store.files_dir, sha).is_file()
        }
    missing = [wanted[sha] for sha in wanted if sha not in present]
    if missing:
        row, name = min(missing)
        raise ValidationError(_MSG_NO_CONTENT, row=row, name=show_text(name))


def import_json(store: Store, path: Path, mode: ImportMode = "refuse") -> Outcome[ImportSummary]:
    """Import an export file: check all of it, then write it in one transaction.

    ``mode="refuse"`` restores into an empty store, keeping record ids; ``"merge"`` adds
    what the store lacks. Raises :class:`ValidationError` for a file that is not a valid
    export (naming the table, row and column), :class:`ConflictError` when ``"refuse"``
    finds data in the store. On any error the database is left as it was.
    """
    if mode not in ("refuse", "merge"):
        raise ValueError(f"unknown import mode {mode!r}")
    path = Path(path)
    if mode == "refuse":
        # A cheap early answer before reading a large file; checked again below.
        with store.read() as session:
            _refuse_if_not_empty(session.connection())
    checker, digest = _validate_file(path)
    with store.work() as work:
        conn = work.session.connection()
        _check_foreign_keys_enforced(conn)
        if mode == "refuse":
            _refuse_if_not_empty(conn)
        _check_references(conn, checker)
        _check_contents(store, conn, checker)
        writer = Writer(work, mode, checker)
        if read_export(path, writer)[1] != digest:
            raise ValidationError(MSG_CHANGED, name=path.name)
        writer.finish()
        added, skipped = writer.summary_counts()
    revision = checker.header_values.get("schema_revision")
    summary = ImportSummary(
        path=path,
        mode=mode,
        schema_revision=revision if isinstance(revision, str) else None,
        exported_at=checker.exported_at(),
        added=MappingProxyType(added),
        skipped=MappingProxyType(skipped),
    )
    return Outcome(summary, work.changes)
