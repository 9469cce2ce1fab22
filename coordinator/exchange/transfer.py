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
transaction. The file is read twice as a stream (a first pass that validates and a
second that inserts), so memory stays proportional to the keys, not to the rows: an
export of a million communications imports on an ordinary laptop. A hash of the bytes
read in both passes must agree, so a file that changes in between imports nothing.

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
"""

from __future__ import annotations

import codecs
import hashlib
import inspect
import json
import math
import os
import re
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Container, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, Final, Literal, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import ConflictError, StorageError, ValidationError
from coordinator.i18n import N_, Msg
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.migrate import head_revision, known_revisions
from coordinator.store.models import Base
from coordinator.store.storage import Store, Work, working_hours_from_setting

__all__ = [
    "FORMAT",
    "VERSION",
    "ExportSummary",
    "ImportMode",
    "ImportSummary",
    "export_json",
    "import_json",
]

FORMAT: Final = "liaison-hub-export"
VERSION: Final = 1

ImportMode = Literal["refuse", "merge"]

# A store holding any of these is not empty: "refuse" will not import into it.
CORE_TABLES: Final = (
    "organisations",
    "contacts",
    "cases",
    "communications",
    "documents",
    "actions",
)

# Natural keys for "merge", beyond the primary and unique keys the schema declares
# (organisation name, case reference, template key, handle, communication source_key,
# the primary keys of calendar days, years, settings, tags and dependencies).
# A row matching a stored row on any of its keys is present already. A table with a
# numeric id and no key here (events) is always appended.
NATURAL_KEYS: Final[Mapping[str, tuple[tuple[str, ...], ...]]] = MappingProxyType(
    {
        "contacts": (("name", "organisation_id"),),
        "phone_numbers": (("contact_id", "e164", "extension", "raw"),),
        "communications": (("at", "channel", "contact_id", "raw_number", "notes"),),
        "documents": (("case_id", "title"),),
        "document_files": (("document_id", "sha256", "version"),),
        "actions": (("case_id", "department_id", "title"),),
        "action_pauses": (("action_id", "started_at"),),
        "case_amounts": (("case_id", "indicator", "counted_on", "amount_minor", "currency"),),
        "template_actions": (("template_id", "key"),),
        "template_documents": (("template_id", "title"),),
    }
)

# The change kind each table's rows belong to (child tables report their parent).
TABLE_KINDS: Final[Mapping[str, ChangeKind]] = MappingProxyType(
    {
        "organisations": ChangeKind.ORGANISATION,
        "contacts": ChangeKind.CONTACT,
        "cases": ChangeKind.CASE,
        "communications": ChangeKind.COMMUNICATION,
        "documents": ChangeKind.DOCUMENT,
        "actions": ChangeKind.ACTION,
        "templates": ChangeKind.TEMPLATE,
        "calendar_days": ChangeKind.CALENDAR,
        "calendar_years": ChangeKind.CALENDAR,
        "settings": ChangeKind.SETTING,
        "indicator_targets": ChangeKind.SETTING,
        "events": ChangeKind.EVENT,
    }
)

# Which table an event's ``entity_id`` numbers, by its ``entity`` (the services' names).
# Ids of records that "merge" renumbers are renumbered in their events too; calendar
# events number days and years, which never change.
EVENT_ENTITIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "organisation": "organisations",
        "contact": "contacts",
        "case": "cases",
        "communication": "communications",
        "document": "documents",
        "action": "actions",
        "template": "templates",
        "indicator": "case_amounts",  # except the "target:..." fields, which hold a year
    }
)

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_CHUNK: Final = 1 << 20  # characters read at a time
_BATCH: Final = 1000  # rows per INSERT batch
_IN_CHUNK: Final = 500  # values per IN (...) list
_JSON_DEPTH: Final = 64  # nesting allowed inside a JSON column

# --- messages -------------------------------------------------------------------------

_MSG_UNREADABLE = N_("The file {name} cannot be read: {reason}")
_MSG_EMPTY = N_("The file {name} is empty.")
_MSG_NOT_UTF8 = N_("The file {name} is not UTF-8 text, so it is not a Liaison Hub export.")
_MSG_NOT_JSON = N_("The file {name} is not valid JSON: {reason} (line {line}, column {column}).")
_MSG_TRUNCATED = N_("The file {name} is incomplete: it ends in the middle of the data.")
_MSG_NON_FINITE = N_("The file {name} contains {constant}, which is not a valid JSON number.")
_MSG_TOO_DEEP = N_("The file {name} nests values too deeply.")
_MSG_NOT_EXPORT = N_("The file {name} is not a Liaison Hub export.")
_MSG_VERSION = N_(
    "The file {name} is a version {version} export, which this version of Liaison Hub cannot read."
)
_MSG_NEWER_SCHEMA = N_(
    "The file {name} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then import it again."
)
_MSG_BAD_ENTRY = N_("In the file {name}, the entry {key} is not valid: {value}.")
_MSG_UNEXPECTED_ENTRY = N_("The file {name} has an unexpected entry {key}.")
_MSG_ENTRY_TWICE = N_("The file {name} has the entry {key} twice.")
_MSG_NO_TABLES = N_("The file {name} has no tables.")
_MSG_TABLES_NOT_OBJECT = N_("In the file {name}, the tables must be a JSON object.")
_MSG_UNKNOWN_TABLE = N_("The file {name} has an unknown table {table}.")
_MSG_TABLE_TWICE = N_("The file {name} lists the table {table} twice.")
_MSG_ROWS_NOT_LIST = N_("Table {table}: the rows must be a JSON list.")
_MSG_ROW_NOT_OBJECT = N_("Table {table}, row {row}: a row must be a JSON object, not {value}.")
_MSG_UNKNOWN_COLUMN = N_("Table {table}, row {row}: there is no column {column} in this table.")
_MSG_MISSING = N_("Table {table}, row {row}: the required column {column} is missing.")
_MSG_NULL = N_("Table {table}, row {row}: column {column} cannot be empty (null).")
_MSG_INT = N_("Table {table}, row {row}: column {column} must be a whole number, not {value}.")
_MSG_INT_RANGE = N_("Table {table}, row {row}: column {column} is too large a number: {value}.")
_MSG_FLOAT = N_("Table {table}, row {row}: column {column} must be a number, not {value}.")
_MSG_BOOL = N_("Table {table}, row {row}: column {column} must be true or false, not {value}.")
_MSG_TEXT = N_("Table {table}, row {row}: column {column} must be text, not {value}.")
_MSG_TEXT_LONG = N_("Table {table}, row {row}: column {column} is longer than {limit} characters.")
_MSG_TEXT_CHARS = N_(
    "Table {table}, row {row}: column {column} contains characters that cannot be stored."
)
_MSG_DATETIME = N_(
    "Table {table}, row {row}: column {column} must be a local date and time such as "
    "2024-05-01T09:30:00, not {value}."
)
_MSG_DATE = N_(
    "Table {table}, row {row}: column {column} must be a date such as 2024-05-01, not {value}."
)
_MSG_ENUM = N_("Table {table}, row {row}: column {column} must be one of {allowed}, not {value}.")
_MSG_JSON_OBJECT = N_(
    "Table {table}, row {row}: column {column} must be a JSON object, not {value}."
)
_MSG_JSON_LIST = N_("Table {table}, row {row}: column {column} must be a JSON list, not {value}.")
_MSG_JSON_DEEP = N_("Table {table}, row {row}: column {column} nests values too deeply.")
_MSG_DUPLICATE = N_(
    "Table {table}, row {row}: the value {value} of {columns} appears more than once."
)
_MSG_DANGLING = N_(
    "Table {table}, row {row}: column {column} refers to {target} {value}, which is neither "
    "in the file nor in the database."
)
_MSG_SETTING = N_("Table {table}, row {row}: the setting {key} is not valid: {reason}")
_MSG_CHANGED = N_("The file {name} changed while it was being imported: nothing was imported.")
_MSG_NO_IDS = N_("Table {table} has no free record numbers left: nothing was imported.")
_MSG_NOT_EMPTY = N_(
    "The store is not empty: it already holds {tables}. Import into an empty data folder, "
    "or merge the file instead."
)
_MSG_NO_FOREIGN_KEYS = N_(
    "The database does not check the links between records, so nothing was imported."
)
_MSG_EXPORT_WRITE = N_("The export file {path} cannot be written: {reason}")
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


# --- the schema, as import sees it ----------------------------------------------------


class _BadValueError(Exception):
    """A value a converter refuses; the row converter adds where it was."""

    def __init__(self, msgid: Msg, **params: Any) -> None:
        super().__init__(str(msgid))
        self.msgid = msgid
        self.params = params


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class _ColumnSpec:
    name: str
    convert: Converter
    nullable: bool
    required: bool
    default: Callable[[], Any] | None


@dataclass(frozen=True)
class _ForeignKey:
    column: str
    target: str  # table name
    target_column: str


@dataclass(frozen=True)
class _TableSpec:
    name: str
    table: Table
    columns: tuple[_ColumnSpec, ...]
    names: frozenset[str]
    surrogate: str | None  # the integer id column numbered by the database, if any
    foreign_keys: tuple[_ForeignKey, ...]
    unique: tuple[tuple[str, ...], ...]  # primary key first, then unique constraints
    natural: tuple[tuple[str, ...], ...]  # merge keys that are not unique in the schema
    parents: frozenset[str]
    # The columns as plain tuples, (name, convert, nullable, required, default): the row
    # loop below runs for every row of the file, twice.
    plan: tuple[tuple[str, Converter, bool, bool, Callable[[], Any] | None], ...]
    row_check: Callable[[_TableSpec, int, dict[str, Any]], None] | None = None

    def convert(self, index: int, raw: object) -> dict[str, Any]:
        """Check one row of the file and turn it into column values (defaults filled in)."""
        if type(raw) is not dict:
            raise ValidationError(_MSG_ROW_NOT_OBJECT, table=self.name, row=index, value=_show(raw))
        if not raw.keys() <= self.names:
            unknown = sorted(k for k in raw if k not in self.names)[0]
            raise ValidationError(
                _MSG_UNKNOWN_COLUMN, table=self.name, row=index, column=_show_text(unknown)
            )
        out: dict[str, Any] = {}
        for name, convert, nullable, required, default in self.plan:
            value = raw.get(name, _ABSENT)
            if value is None:
                if not nullable:
                    raise ValidationError(_MSG_NULL, table=self.name, row=index, column=name)
                out[name] = None
            elif value is _ABSENT:
                if required:
                    raise ValidationError(_MSG_MISSING, table=self.name, row=index, column=name)
                out[name] = default() if default is not None else None
            else:
                try:
                    out[name] = convert(value)
                except _BadValueError as bad:
                    raise ValidationError(
                        bad.msgid,
                        table=self.name,
                        row=index,
                        column=name,
                        value=_show(value),
                        **bad.params,
                    ) from None
        if self.row_check is not None:
            self.row_check(self, index, out)
        return out


_ABSENT: Final = object()


def _int(value: Any) -> int:
    if type(value) is int and _INT64_MIN <= value <= _INT64_MAX:
        return value
    if type(value) is int:
        raise _BadValueError(_MSG_INT_RANGE)
    raise _BadValueError(_MSG_INT)  # bool is an int to Python, not to us


def _float(value: Any) -> float:
    if type(value) is float:
        result = value
    elif type(value) is int:
        try:
            result = float(value)
        except OverflowError:
            raise _BadValueError(_MSG_FLOAT) from None
    else:
        raise _BadValueError(_MSG_FLOAT)
    if not math.isfinite(result):
        raise _BadValueError(_MSG_FLOAT)
    return result


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _BadValueError(_MSG_BOOL)
    return value


def _storable(value: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
            raise _BadValueError(_MSG_TEXT_CHARS) from None


def _text(limit: int | None) -> Converter:
    longest = limit if limit is not None else math.inf

    def convert(value: Any) -> str:
        if type(value) is str and len(value) <= longest and value.isascii():
            return value  # the common case, at once
        if type(value) is not str:
            raise _BadValueError(_MSG_TEXT)
        if len(value) > longest:
            raise _BadValueError(_MSG_TEXT_LONG, limit=limit)
        _storable(value)
        return value

    return convert


def _enum(values: Sequence[str]) -> Converter:
    allowed = frozenset(values)
    listed = ", ".join(values)

    def convert(value: Any) -> str:
        if type(value) is not str or value not in allowed:
            raise _BadValueError(_MSG_ENUM, allowed=listed)
        return value

    return convert


def _datetime(value: Any) -> datetime:
    if type(value) is not str:
        raise _BadValueError(_MSG_DATETIME)
    try:
        result = datetime.fromisoformat(value)
    except ValueError:
        raise _BadValueError(_MSG_DATETIME) from None
    if result.tzinfo is not None:  # the store keeps naive local time
        raise _BadValueError(_MSG_DATETIME)
    return result


def _date(value: Any) -> date:
    if type(value) is not str:
        raise _BadValueError(_MSG_DATE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadValueError(_MSG_DATE) from None


def _json_depth_ok(value: Any, depth: int) -> bool:
    if isinstance(value, dict):
        return depth > 0 and all(_json_depth_ok(v, depth - 1) for v in value.values())
    if isinstance(value, list):
        return depth > 0 and all(_json_depth_ok(v, depth - 1) for v in value)
    return True


def _json(shape: type | None) -> Converter:
    def convert(value: Any) -> Any:
        if shape is dict and not isinstance(value, dict):
            raise _BadValueError(_MSG_JSON_OBJECT)
        if shape is list and not isinstance(value, list):
            raise _BadValueError(_MSG_JSON_LIST)
        if not _json_depth_ok(value, _JSON_DEPTH):
            raise _BadValueError(_MSG_JSON_DEEP)
        return value

    return convert


def _any_scalar(value: Any) -> Any:
    if isinstance(value, dict | list):
        raise _BadValueError(_MSG_TEXT)
    if isinstance(value, str):
        _storable(value)
    return value


_ANNOTATION = re.compile(r"Mapped\[\s*(dict|list)\b")


def _json_shape(table: Table, column: Column[Any]) -> type | None:
    """dict or list, as the mapped class annotates the column (None: any JSON value)."""
    for mapper in Base.registry.mappers:
        if mapper.local_table is not table:
            continue
        prop = mapper.get_property_by_column(column)
        for klass in mapper.class_.__mro__:
            annotation = inspect.get_annotations(klass).get(prop.key)
            if annotation is not None:
                match = _ANNOTATION.search(str(annotation))
                if match:
                    return dict if match.group(1) == "dict" else list
                return None
    return None


def _converter(table: Table, column: Column[Any]) -> Converter:
    kind = column.type
    if isinstance(kind, Enum):
        return _enum(list(kind.enums))
    if isinstance(kind, Boolean):
        return _bool
    if isinstance(kind, Integer):
        return _int
    if isinstance(kind, Float):
        return _float
    if isinstance(kind, DateTime):
        return _datetime
    if isinstance(kind, Date):
        return _date
    if isinstance(kind, JSON):
        return _json(_json_shape(table, column))
    if isinstance(kind, String):
        return _text(kind.length)
    return _any_scalar


def _default(column: Column[Any]) -> Callable[[], Any] | None:
    default = column.default
    if default is None:
        return None
    arg: Any = getattr(default, "arg", None)
    if getattr(default, "is_scalar", False):
        return lambda: arg
    if getattr(default, "is_callable", False):
        return lambda: arg(None)
    return None


def _check_setting(spec: _TableSpec, index: int, row: dict[str, Any]) -> None:
    """The working hours setting drives every due date: refuse one the calendar cannot read."""
    if row["key"] != "working_hours":
        return
    try:
        working_hours_from_setting(row["value"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise ValidationError(
            _MSG_SETTING, table=spec.name, row=index, key=row["key"], reason=str(exc)
        ) from None


_ROW_CHECKS: Final[Mapping[str, Callable[[_TableSpec, int, dict[str, Any]], None]]] = (
    MappingProxyType({"settings": _check_setting})
)


def _table_spec(table: Table) -> _TableSpec:
    primary = tuple(c.name for c in table.primary_key.columns)
    columns = tuple(
        _ColumnSpec(
            name=c.name,
            convert=_converter(table, c),
            nullable=bool(c.nullable) and c.name not in primary,
            required=c.name in primary or (not c.nullable and _default(c) is None),
            default=_default(c),
        )
        for c in table.columns
    )
    auto = table.autoincrement_column
    surrogate = auto.name if auto is not None and isinstance(auto.type, Integer) else None
    foreign_keys = tuple(
        _ForeignKey(fk.parent.name, fk.column.table.name, fk.column.name)
        for c in table.columns
        for fk in c.foreign_keys
    )
    unique: list[tuple[str, ...]] = [primary]
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, UniqueConstraint):
            key = tuple(c.name for c in constraint.columns)
            if key not in unique:
                unique.append(key)
    natural = tuple(k for k in NATURAL_KEYS.get(table.name, ()) if k not in unique)
    return _TableSpec(
        name=table.name,
        table=table,
        columns=columns,
        names=frozenset(c.name for c in columns),
        surrogate=surrogate,
        foreign_keys=foreign_keys,
        unique=tuple(unique),
        natural=natural,
        parents=frozenset(fk.target for fk in foreign_keys if fk.target != table.name),
        plan=tuple((c.name, c.convert, c.nullable, c.required, c.default) for c in columns),
        row_check=_ROW_CHECKS.get(table.name),
    )


@cache
def _specs() -> Mapping[str, _TableSpec]:
    return MappingProxyType({t.name: _table_spec(t) for t in Base.metadata.sorted_tables})


def _show_text(value: str, limit: int = 60) -> str:
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    # Lone surrogates would break whoever prints the message.
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _show(value: object) -> str:
    """A short, printable rendering of a value from the file, for messages."""
    try:
        shown = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        shown = type(value).__name__
    return _show_text(shown)


# --- export ---------------------------------------------------------------------------


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _iso(value: date) -> str:
    return value.isoformat()


def _export_columns(table: Table) -> tuple[list[ColumnElement[Any]], list[Converter | None]]:
    exprs: list[ColumnElement[Any]] = []
    encoders: list[Converter | None] = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, Enum):
            # Read the stored text as is: a value no longer in the enumeration still exports.
            exprs.append(type_coerce(column, String()).label(column.name))
            encoders.append(None)
            continue
        exprs.append(column)
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
        result = conn.execution_options(yield_per=2000).execute(statement)
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


def _fsync_directory(folder: Path) -> None:
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            os.chmod(temporary, 0o600)
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
                for number, table in enumerate(Base.metadata.sorted_tables):
                    out.write(",\n  " if number else "\n  ")
                    out.write(f"{json.dumps(table.name)}: [")
                    rows[table.name] = _export_table(conn, table, out)
                    out.write("\n  ]" if rows[table.name] else "]")
            out.write("\n }\n}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        temporary = None
        _fsync_directory(path.parent)
        size = path.stat().st_size
    except OSError as exc:
        raise StorageError(
            _MSG_EXPORT_WRITE, path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    finally:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
    return ExportSummary(
        path=path,
        exported_at=exported_at,
        schema_revision=revision,
        rows=MappingProxyType(rows),
        size_bytes=size,
    )


# --- reading the file as a stream -----------------------------------------------------


class _NonFiniteError(Exception):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _reject_constant(constant: str) -> Any:
    raise _NonFiniteError(constant)


_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """Reads one JSON document piece by piece: the structure by hand, each row whole.

    Only the rows being decoded sit in memory. The bytes are hashed as they are read so
    that two passes can prove they saw the same file.
    """

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._raw = raw
        self._name = name
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._decoder = json.JSONDecoder(parse_constant=_reject_constant)
        self._hash = hashlib.sha256()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._started = False
        self._lines_before = 0  # newlines in the text already dropped from the buffer
        self.saw_text = False

    @property
    def digest(self) -> bytes:
        return self._hash.digest()

    def _more(self) -> bool:
        """Append the next piece of the file to the buffer; False at the end of the file."""
        if self._eof:
            return False
        try:
            data = self._raw.read(max(_CHUNK, len(self._buf) - self._pos))
        except OSError as exc:
            raise ValidationError(
                _MSG_UNREADABLE, name=self._name, reason=exc.strerror or str(exc)
            ) from exc
        self._hash.update(data)
        try:
            chunk = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError:
            raise ValidationError(_MSG_NOT_UTF8, name=self._name) from None
        if not data:
            self._eof = True
        if not self._started and chunk:
            self._started = True
            if chunk.startswith("\ufeff"):
                chunk = chunk[1:]
        self._lines_before += self._buf.count("\n", 0, self._pos)
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        if chunk.strip():
            self.saw_text = True
        return True

    def _skip_whitespace(self) -> None:
        if self._pos < len(self._buf) and self._buf[self._pos] not in " \t\n\r":
            return
        while True:
            match = _WHITESPACE.match(self._buf, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._buf) or not self._more():
                return

    def peek(self) -> str:
        """The next significant character, or "" at the end of the file."""
        self._skip_whitespace()
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def advance(self) -> None:
        self._pos += 1

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise self.syntax_error(f"Expecting '{char}'")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next whole JSON value."""
        self._skip_whitespace()
        while True:
            try:
                result, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise self._decode_error(exc) from None
            except _NonFiniteError as exc:
                raise ValidationError(
                    _MSG_NON_FINITE, name=self._name, constant=exc.constant
                ) from None
            except RecursionError:
                raise ValidationError(_MSG_TOO_DEEP, name=self._name) from None
            if end >= len(self._buf) and self._more():
                continue  # a number may go on in the next piece
            self._pos = end
            return result

    def string(self) -> str:
        if self.peek() != '"':
            raise self.syntax_error("Expecting property name enclosed in double quotes")
        result = self.value()
        assert isinstance(result, str)
        return result

    def finish(self) -> None:
        if self.peek() != "":
            raise self.syntax_error("Extra data")

    def _location(self, pos: int) -> tuple[int, int]:
        line = self._lines_before + self._buf.count("\n", 0, pos) + 1
        column = pos - self._buf.rfind("\n", 0, pos)
        return line, column

    def syntax_error(self, reason: str) -> ValidationError:
        if self._pos >= len(self._buf) and self._eof:
            return self._truncated()
        line, column = self._location(self._pos)
        return ValidationError(
            _MSG_NOT_JSON, name=self._name, reason=reason, line=line, column=column
        )

    def _truncated(self) -> ValidationError:
        if not self.saw_text:
            return ValidationError(_MSG_EMPTY, name=self._name)
        return ValidationError(_MSG_TRUNCATED, name=self._name)

    def _decode_error(self, exc: json.JSONDecodeError) -> ValidationError:
        if exc.pos >= len(self._buf.rstrip()) or exc.msg.startswith("Unterminated"):
            return self._truncated()
        line, column = self._location(exc.pos)
        return ValidationError(
            _MSG_NOT_JSON, name=self._name, reason=exc.msg, line=line, column=column
        )


class _Visitor(Protocol):
    def header(self, key: str, value: Any) -> None: ...

    def begin_table(self, name: str) -> _TableSpec | None: ...

    def row(self, spec: _TableSpec, index: int, raw: object) -> None: ...

    def end_table(self, spec: _TableSpec, count: int) -> None: ...


def _walk(stream: _JsonStream, visitor: _Visitor, name: str) -> set[str]:
    """Walk the export's structure, handing the header entries and each row to ``visitor``.

    Returns the top-level keys seen.
    """
    first = stream.peek()
    if first == "":
        raise stream.syntax_error("Expecting value")  # empty, or only whitespace
    if first != "{":
        stream.value()  # not JSON at all raises here
        stream.finish()
        raise ValidationError(_MSG_NOT_EXPORT, name=name)
    stream.advance()
    seen: set[str] = set()
    if stream.peek() == "}":
        stream.advance()
    else:
        while True:
            key = stream.string()
            if key in seen:
                raise ValidationError(_MSG_ENTRY_TWICE, name=name, key=_show_text(key))
            seen.add(key)
            stream.expect(":")
            if key == "tables":
                _walk_tables(stream, visitor, name)
            else:
                visitor.header(key, stream.value())
            separator = stream.peek()
            if separator not in (",", "}"):
                raise stream.syntax_error("Expecting ',' delimiter")
            stream.advance()
            if separator == "}":
                break
    stream.finish()
    return seen


def _walk_tables(stream: _JsonStream, visitor: _Visitor, name: str) -> None:
    if stream.peek() != "{":
        stream.value()
        raise ValidationError(_MSG_TABLES_NOT_OBJECT, name=name)
    stream.advance()
    if stream.peek() == "}":
        stream.advance()
        return
    while True:
        table = stream.string()
        stream.expect(":")
        spec = visitor.begin_table(table)
        if stream.peek() != "[":
            stream.value()
            raise ValidationError(_MSG_ROWS_NOT_LIST, table=_show_text(table))
        stream.advance()
        count = 0
        if stream.peek() == "]":
            stream.advance()
        else:
            while True:
                count += 1
                raw = stream.value()
                if spec is not None:
                    visitor.row(spec, count, raw)
                separator = stream.peek()
                if separator not in (",", "]"):
                    raise stream.syntax_error("Expecting ',' delimiter")
                stream.advance()
                if separator == "]":
                    break
        if spec is not None:
            visitor.end_table(spec, count)
        separator = stream.peek()
        if separator not in (",", "}"):
            raise stream.syntax_error("Expecting ',' delimiter")
        stream.advance()
        if separator == "}":
            return


def _read(path: Path, visitor: _Visitor) -> tuple[set[str], bytes]:
    """One pass over the file; returns its top-level keys and the hash of its bytes."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ValidationError(
            _MSG_UNREADABLE, name=path.name, reason=exc.strerror or str(exc)
        ) from exc
    with raw:
        stream = _JsonStream(raw, path.name)
        keys = _walk(stream, visitor, path.name)
        return keys, stream.digest


# --- pass one: validate ---------------------------------------------------------------


@dataclass
class _TableCheck:
    spec: _TableSpec
    count: int = 0
    max_id: int | None = None
    # One set per unique key of the table, except the numeric id: that goes to ``ids``,
    # eight bytes each (a million communications), checked for repeats at the table's end.
    keys: list[set[Any] | None] = field(default_factory=list)
    ids: array[int] = field(default_factory=lambda: array("q"))
    ascending: bool = True


class _SortedIds:
    """Membership in a sorted array of ids, by bisection."""

    def __init__(self, ids: array[int]) -> None:
        self._ids = ids

    def __contains__(self, value: object) -> bool:
        if type(value) is not int:
            return False
        position = bisect_left(self._ids, value)
        return position < len(self._ids) and self._ids[position] == value


class _Checker:
    """First pass: every header entry and every row checked; keys and references noted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.header_values: dict[str, Any] = {}
        self.tables: dict[str, _TableCheck] = {}
        # (table, column) -> {referenced value: first row referring to it}
        self.references: dict[tuple[str, str], dict[Any, int]] = {}
        self._deferred: ValidationError | None = None

    # The header normally comes first. When it does not, a problem found before it waits
    # until the header is known, so that a file of another kind is called just that.
    def _header_known(self) -> bool:
        values = self.header_values
        return values.get("format") == FORMAT and _version_ok(values.get("version", None))

    def _fail(self, error: ValidationError) -> None:
        if self._header_known():
            raise error
        if self._deferred is None:
            self._deferred = error

    def _check_header(self) -> None:
        values = self.header_values
        if "format" in values and values["format"] != FORMAT:
            raise ValidationError(_MSG_NOT_EXPORT, name=self.name)
        if "format" in values and "version" in values and not _version_ok(values["version"]):
            raise ValidationError(_MSG_VERSION, name=self.name, version=_show(values["version"]))

    def header(self, key: str, value: Any) -> None:
        if key not in ("format", "version", "schema_revision", "exported_at"):
            self._fail(ValidationError(_MSG_UNEXPECTED_ENTRY, name=self.name, key=_show_text(key)))
            return
        self.header_values[key] = value
        self._check_header()

    def begin_table(self, name: str) -> _TableSpec | None:
        if self._deferred is not None:
            return None
        spec = _specs().get(name)
        if spec is None:
            self._fail(ValidationError(_MSG_UNKNOWN_TABLE, name=self.name, table=_show_text(name)))
            return None
        if name in self.tables:
            self._fail(ValidationError(_MSG_TABLE_TWICE, name=self.name, table=name))
            return None
        self.tables[name] = _TableCheck(
            spec,
            keys=[None if key == (spec.surrogate,) else set() for key in spec.unique],
        )
        for fk in spec.foreign_keys:
            self.references.setdefault((name, fk.column), {})
        return spec

    def row(self, spec: _TableSpec, index: int, raw: object) -> None:
        if self._deferred is not None:
            return
        try:
            self._row(spec, index, raw)
        except ValidationError as error:
            self._fail(error)

    def _row(self, spec: _TableSpec, index: int, raw: object) -> None:
        state = self.tables[spec.name]
        row = spec.convert(index, raw)
        for columns, seen in zip(spec.unique, state.keys, strict=True):
            if seen is None:
                continue  # the numeric id, below
            key = row[columns[0]] if len(columns) == 1 else tuple(row[c] for c in columns)
            if key is None or (isinstance(key, tuple) and None in key):
                continue  # NULLs never clash
            if key in seen:
                raise ValidationError(
                    _MSG_DUPLICATE,
                    table=spec.name,
                    row=index,
                    columns=", ".join(columns),
                    value=_show(_plain(key)),
                )
            seen.add(key)
        for fk in spec.foreign_keys:
            value = row[fk.column]
            if value is not None:
                self.references[(spec.name, fk.column)].setdefault(value, index)
        if spec.surrogate is not None:
            ident = row[spec.surrogate]
            if state.max_id is None or ident > state.max_id:
                state.max_id = ident
            elif state.ascending:
                state.ascending = False
            state.ids.append(ident)
        state.count = index

    def end_table(self, spec: _TableSpec, count: int) -> None:
        state = self.tables.get(spec.name)
        if state is None or self._deferred is not None or state.ascending:
            return  # ascending ids (as exports write them) cannot repeat
        ordered = array("q", sorted(state.ids))
        repeated = next((a for a, b in pairwise(ordered) if a == b), None)
        if repeated is not None:
            first = state.ids.index(repeated)
            second = state.ids.index(repeated, first + 1)
            self._fail(
                ValidationError(
                    _MSG_DUPLICATE,
                    table=spec.name,
                    row=second + 1,
                    columns=spec.surrogate,
                    value=_show(repeated),
                )
            )
        state.ids = ordered
        state.ascending = True

    def finish(self, keys: set[str]) -> None:
        values = self.header_values
        if values.get("format") != FORMAT or "version" not in values:
            raise ValidationError(_MSG_NOT_EXPORT, name=self.name)
        self._check_header()
        if self._deferred is not None:
            raise self._deferred
        revision = values.get("schema_revision")
        if revision is not None and type(revision) is not str:
            raise ValidationError(
                _MSG_BAD_ENTRY, name=self.name, key="schema_revision", value=_show(revision)
            )
        if revision is not None and revision not in known_revisions():
            raise ValidationError(_MSG_NEWER_SCHEMA, name=self.name, revision=_show(revision))
        self.exported_at()
        if "tables" not in keys:
            raise ValidationError(_MSG_NO_TABLES, name=self.name)

    def exported_at(self) -> datetime | None:
        value = self.header_values.get("exported_at")
        if value is None:
            return None
        try:
            if type(value) is not str:
                raise ValueError(value)
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _MSG_BAD_ENTRY, name=self.name, key="exported_at", value=_show(value)
            ) from None

    def present(self, table: str, column: str) -> Container[Any]:
        """The values of a (unique) column that the file holds."""
        state = self.tables.get(table)
        if state is None:
            return set()
        if column == state.spec.surrogate:
            return _SortedIds(state.ids)  # sorted by end_table
        for columns, seen in zip(state.spec.unique, state.keys, strict=True):
            if columns == (column,) and seen is not None:
                return seen
        return set()


def _version_ok(value: object) -> bool:
    return type(value) is int and value == VERSION


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _validate_file(path: Path) -> tuple[_Checker, bytes]:
    checker = _Checker(path.name)
    keys, digest = _read(path, checker)
    checker.finish(keys)
    return checker, digest


# --- pass two: write ------------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_KeyGetter = Callable[[dict[str, Any]], tuple[Any, ...]]


def _key_getter(columns: tuple[str, ...]) -> _KeyGetter:
    """A row's values of ``columns``, always as a tuple."""
    if len(columns) == 1:
        (name,) = columns
        return lambda row: (row[name],)
    getter: _KeyGetter = itemgetter(*columns)
    return getter


def _select_expr(column: Column[Any]) -> ColumnElement[Any]:
    if isinstance(column.type, Enum):
        return type_coerce(column, String()).label(column.name)
    return column


@dataclass(frozen=True)
class _InsertPlan:
    """The INSERT of one table as driver SQL, and each column's conversion for the driver."""

    sql: str | None  # None: the driver takes named parameters; let SQLAlchemy do it
    fetch: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's values in the SQL's order
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)

    @classmethod
    def of(cls, table: Table, conn: Connection) -> _InsertPlan:
        dialect = conn.dialect
        compiled = table.insert().compile(dialect=dialect)
        order: list[str] | None = getattr(compiled, "positiontup", None)
        if not compiled.positional or not order:
            return cls(None, lambda row: (), ())
        processed = []
        for position, name in enumerate(order):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processed.append((position, process))
        names = tuple(order)
        fetch: Callable[[dict[str, Any]], tuple[Any, ...]] = (
            itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        )
        return cls(str(compiled), fetch, tuple(processed))


@dataclass
class _TableWrite:
    spec: _TableSpec
    had_rows: bool
    next_id: int
    added: int = 0
    skipped: int = 0
    inserted: set[int] = field(default_factory=set)  # kept only when natural keys need it
    pending: list[dict[str, Any]] | None = None  # rows waiting for their parent tables
    complete: bool = False


class _Writer:
    """Second pass: maps references, skips rows present already, inserts in batches."""

    def __init__(self, work: Work, mode: ImportMode, checker: _Checker) -> None:
        self.work = work
        self.conn = work.session.connection()
        self.mode = mode
        self.checker = checker
        self.mapping: dict[str, dict[int, int]] = {}
        self.state: dict[str, _TableWrite] = {}
        self.done: set[str] = set()
        for name, spec in _specs().items():
            self.state[name] = self._initial_state(spec)
            if name not in checker.tables:
                self.done.add(name)
        self._batch: list[dict[str, Any]] = []
        self._plans: dict[str, _InsertPlan] = {}

    def _initial_state(self, spec: _TableSpec) -> _TableWrite:
        table = spec.table
        if spec.surrogate is not None:
            column = table.c[spec.surrogate]
            stored_max = self.conn.execute(select(func.max(column))).scalar()
            had_rows = stored_max is not None
            highest = stored_max if stored_max is not None else 0
            file_state = self.checker.tables.get(spec.name)
            if self.mode == "refuse" and file_state is not None and file_state.max_id is not None:
                highest = max(highest, file_state.max_id)
            return _TableWrite(spec, had_rows=had_rows, next_id=highest + 1)
        exists = self.conn.execute(select(literal(1)).select_from(table).limit(1)).first()
        return _TableWrite(spec, had_rows=exists is not None, next_id=0)

    # --- the visitor ---

    def header(self, key: str, value: Any) -> None:
        pass

    def begin_table(self, name: str) -> _TableSpec | None:
        if name not in self.checker.tables:  # the first pass saw no such table
            raise ValidationError(_MSG_CHANGED, name=self.checker.name)
        spec = _specs()[name]
        state = self.state[name]
        if not spec.parents <= self.done:
            state.pending = []
        self._batch = []
        return spec

    def row(self, spec: _TableSpec, index: int, raw: object) -> None:
        row = spec.convert(index, raw)
        state = self.state[spec.name]
        if state.pending is not None:
            state.pending.append(row)
            return
        self._batch.append(row)
        if len(self._batch) >= _BATCH:
            self._flush(state, self._batch)
            self._batch = []

    def end_table(self, spec: _TableSpec, count: int) -> None:
        state = self.state[spec.name]
        state.complete = True
        if state.pending is None:
            if self._batch:
                self._flush(state, self._batch)
            self._batch = []
            self.done.add(spec.name)
        self._release_pending()

    def _release_pending(self, force: bool = False) -> None:
        progress = True
        while progress:
            progress = False
            for name in _specs():
                state = self.state[name]
                if state.pending is None or not state.complete or name in self.done:
                    continue
                if force or state.spec.parents <= self.done:
                    rows, state.pending = state.pending, None
                    for batch in _chunks(rows, _BATCH):
                        self._flush(state, list(batch))
                    self.done.add(name)
                    progress = True
                    force = False

    def finish(self) -> None:
        self._release_pending()
        while any(s.pending is not None for s in self.state.values()):
            self._release_pending(force=True)  # a cycle of references (none today)
        if self.conn.dialect.name == "postgresql":
            self._reset_sequences()

    # --- the work ---

    def _map(self, table: str, value: int) -> int:
        mapping = self.mapping.get(table)
        return mapping.get(value, value) if mapping else value

    def _remap(self, spec: _TableSpec, rows: list[dict[str, Any]]) -> None:
        specs = _specs()
        for fk in spec.foreign_keys:
            if specs[fk.target].surrogate != fk.target_column or not self.mapping.get(fk.target):
                continue
            for row in rows:
                value = row[fk.column]
                if value is not None:
                    row[fk.column] = self._map(fk.target, value)
        if spec.name == "events":
            for row in rows:
                target = EVENT_ENTITIES.get(row["entity"])
                if target is not None and not row["field"].startswith("target:"):
                    row["entity_id"] = self._map(target, row["entity_id"])
                if row["case_id"] is not None:
                    row["case_id"] = self._map("cases", row["case_id"])

    def _find(
        self, state: _TableWrite, rows: list[dict[str, Any]], columns: tuple[str, ...], unique: bool
    ) -> dict[Any, int]:
        """Stored rows matching ``rows`` on ``columns``: key -> id (0 without an id column)."""
        table = state.spec.table
        get = _key_getter(columns)
        wanted = {get(row) for row in rows}
        if unique:
            wanted = {key for key in wanted if None not in key}
        if not wanted:
            return {}
        first = table.c[columns[0]]
        firsts = list({key[0] for key in wanted if key[0] is not None})
        ident: ColumnElement[Any] = (
            table.c[state.spec.surrogate] if state.spec.surrogate else literal(0)
        )
        selected = [ident, *(_select_expr(table.c[c]) for c in columns)]
        found: dict[Any, int] = {}
        conditions: list[ColumnElement[bool]] = [first.in_(chunk) for chunk in _chunks(firsts)]
        if any(key[0] is None for key in wanted):
            conditions.append(first.is_(None))
        skip_new = not unique and state.spec.surrogate is not None
        for condition in conditions:
            for stored in self.conn.execute(select(*selected).where(condition)):
                ident_value = stored[0]
                if skip_new and ident_value in state.inserted:
                    continue  # natural keys match only rows that were there before
                key = tuple(stored[1:])
                if key in wanted and (key not in found or ident_value < found[key]):
                    found[key] = ident_value
        return found

    def _allocate(self, state: _TableWrite, old: int, taken: Collection[int]) -> int:
        if self.mode == "refuse" and old not in taken:
            return old
        new = state.next_id
        if new > _INT64_MAX:
            raise ValidationError(_MSG_NO_IDS, table=state.spec.name)
        state.next_id += 1
        return new

    def _stored_rows(
        self, state: _TableWrite, rows: list[dict[str, Any]]
    ) -> dict[int, tuple[Any, ...]]:
        """ "refuse" keeps ids: the stored rows already holding this batch's ids, by id."""
        spec = state.spec
        if self.mode != "refuse" or not state.had_rows or spec.surrogate is None:
            return {}
        column = spec.table.c[spec.surrogate]
        selected = [_select_expr(c) for c in spec.table.columns]
        ids = [row[spec.surrogate] for row in rows]
        position = [c.name for c in spec.columns].index(spec.surrogate)
        stored: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids):
            for found in self.conn.execute(select(*selected).where(column.in_(chunk))):
                values = tuple(found)
                stored[values[position]] = values
        return stored

    def _flush(self, state: _TableWrite, rows: list[dict[str, Any]]) -> None:
        spec = state.spec
        self._remap(spec, rows)
        has_rows = state.had_rows or state.added > 0
        lookups: list[tuple[tuple[str, ...], bool, dict[Any, int]]] = []
        for columns in spec.unique:
            if spec.surrogate is not None and columns == (spec.surrogate,):
                continue  # ids are remapped, never matched
            found = self._find(state, rows, columns, unique=True) if has_rows else {}
            lookups.append((columns, True, found))
        for columns in spec.natural:
            found = self._find(state, rows, columns, unique=False) if state.had_rows else {}
            lookups.append((columns, False, found))
        stored = self._stored_rows(state, rows)
        names = [c.name for c in spec.columns]
        keep_inserted = state.had_rows and bool(spec.natural) and spec.surrogate is not None
        # Only keys that can match anything are tried row by row; keys of rows inserted by
        # this very batch are kept too, for two rows that the renumbering made equal.
        active: list[tuple[_KeyGetter, bool, dict[Any, int], dict[Any, int]]] = [
            (_key_getter(columns), unique, found, {})
            for columns, unique, found in lookups
            if unique or found
        ]
        to_insert: list[dict[str, Any]] = []
        for row in rows:
            match: int | None = None
            if stored and spec.surrogate is not None:
                # The very same record (an event of the builtin templates, say): present.
                same = stored.get(row[spec.surrogate])
                if same is not None and same == tuple(row[n] for n in names):
                    match = row[spec.surrogate]
            for get, unique, found, batch in active:
                if match is not None:
                    break
                key = get(row)
                if unique and None in key:
                    continue
                match = found.get(key, batch.get(key) if unique else None)
            if match is not None:
                state.skipped += 1
                if spec.surrogate is not None:
                    old = row[spec.surrogate]
                    if match != old:
                        self.mapping.setdefault(spec.name, {})[old] = match
                continue
            ident = 0
            if spec.surrogate is not None:
                old = row[spec.surrogate]
                ident = self._allocate(state, old, stored.keys())
                if ident != old:
                    self.mapping.setdefault(spec.name, {})[old] = ident
                    row[spec.surrogate] = ident
                if keep_inserted:
                    state.inserted.add(ident)
            for get, unique, _found, batch in active:
                if unique:
                    batch[get(row)] = ident
            to_insert.append(row)
        if to_insert:
            self._insert(spec, to_insert)
            state.added += len(to_insert)
            self._note_changes(spec, to_insert)

    def _insert(self, spec: _TableSpec, rows: list[dict[str, Any]]) -> None:
        """One executemany; on a positional driver (SQLite) without SQLAlchemy's per-row work."""
        plan = self._plans.get(spec.name)
        if plan is None:
            plan = self._plans[spec.name] = _InsertPlan.of(spec.table, self.conn)
        if plan.sql is None:
            self.conn.execute(spec.table.insert(), rows)
            return
        fetch = plan.fetch
        processed = plan.processed
        parameters: list[tuple[Any, ...]] = []
        for row in rows:
            values = fetch(row)
            if processed:
                changed = list(values)
                for position, process in processed:
                    value = changed[position]
                    if value is not None:
                        changed[position] = process(value)
                values = tuple(changed)
            parameters.append(tuple(values))
        self.conn.exec_driver_sql(plan.sql, parameters)

    # --- what changed ---

    def _note_changes(self, spec: _TableSpec, rows: list[dict[str, Any]]) -> None:
        kind = TABLE_KINDS.get(spec.name)
        if spec.name == "events":  # as Work.record does: the ids of the records described
            self.work.changed(ChangeKind.EVENT, *{row["entity_id"] for row in rows})
            return
        if kind is not None:
            if spec.surrogate is not None:
                self.work.changed(kind, *(row[spec.surrogate] for row in rows))
            else:
                self.work.changed(kind)
            if spec.name == "settings":
                self.work.changed(ChangeKind.CALENDAR)  # working hours live in a setting
            return
        for fk in spec.foreign_keys:
            parent_kind = TABLE_KINDS.get(fk.target)
            if parent_kind is not None:
                ids = {row[fk.column] for row in rows if row[fk.column] is not None}
                self.work.changed(parent_kind, *ids)
                return

    def _reset_sequences(self) -> None:
        for state in self.state.values():
            spec = state.spec
            if spec.surrogate is None or not state.added:
                continue
            sequence = self.conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": spec.name, "column": spec.surrogate},
            ).scalar()
            if sequence:
                highest = self.conn.execute(select(func.max(spec.table.c[spec.surrogate]))).scalar()
                self.conn.execute(
                    text("SELECT setval(:sequence, :value)"),
                    {"sequence": sequence, "value": highest},
                )

    def summary_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        added = {name: self.state[name].added for name in _specs()}
        skipped = {name: self.state[name].skipped for name in _specs()}
        return added, skipped


# --- import ---------------------------------------------------------------------------


def _refuse_if_not_empty(conn: Connection) -> None:
    specs = _specs()
    filled = [
        name
        for name in CORE_TABLES
        if name in specs
        and conn.execute(select(literal(1)).select_from(specs[name].table).limit(1)).first()
    ]
    if filled:
        raise ConflictError(_MSG_NOT_EMPTY, tables=", ".join(filled))


def _check_foreign_keys_enforced(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
        raise StorageError(_MSG_NO_FOREIGN_KEYS)


def _check_references(conn: Connection, checker: _Checker) -> None:
    """Every reference points at a row of the file or a row already stored."""
    specs = _specs()
    for (table, column), references in checker.references.items():
        fk = next(f for f in specs[table].foreign_keys if f.column == column)
        present = checker.present(fk.target, fk.target_column)
        missing = [value for value in references if value not in present]
        if not missing:
            continue
        target_column = specs[fk.target].table.c[fk.target_column]
        stored: set[Any] = set()
        for chunk in _chunks(missing):
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
                value=_show(value),
            )


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
        writer = _Writer(work, mode, checker)
        if _read(path, writer)[1] != digest:
            raise ValidationError(_MSG_CHANGED, name=path.name)
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
