"""The export file's format, and each table of the schema as import checks its rows.

A :class:`TableSpec` is made once per table from the metadata: the converter of every
column (exact integers, finite floats, booleans, naive datetimes, dates, enumerations,
text within its length, JSON of the shape the mapped class annotates), the rules the
services hold what a person types to (:mod:`coordinator.validation`: no control
characters, the notes' length, required text, the years accepted), the defaults of
missing columns, the foreign keys, the unique keys and the natural keys "merge" matches
stored rows by. A table added to the models is checked without any change here.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    String,
    Table,
    UniqueConstraint,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import ValidationError
from coordinator.i18n import N_, Msg
from coordinator.store.models import NOTE_MAX, Base, record_tables
from coordinator.store.storage import working_hours_from_setting
from coordinator.validation import check_date, check_datetime, check_hours, clean_text

# What the file's header says it is: an export of this kind and of this version.
FORMAT: Final = "liaison-hub-export"
VERSION: Final = 1

# Natural keys for "merge", beyond the primary and unique keys the schema declares
# (organisation name, case reference, template key, handle, communication source_key,
# the primary keys of calendar days, years, settings, tags and dependencies).
# A row matching a stored row on any of its keys (its uid among them) is present already.
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

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_JSON_DEPTH: Final = 64  # nesting allowed inside a JSON column

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
_MSG_RULE = N_("Table {table}, row {row}: {problem}")
_MSG_SETTING = N_("Table {table}, row {row}: the setting {key} is not valid: {reason}")


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
class ForeignKey:
    column: str
    target: str  # table name
    target_column: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    table: Table
    columns: tuple[_ColumnSpec, ...]
    names: frozenset[str]
    surrogate: str | None  # the integer id column numbered by the database, if any
    foreign_keys: tuple[ForeignKey, ...]
    unique: tuple[tuple[str, ...], ...]  # primary key first, then unique constraints
    natural: tuple[tuple[str, ...], ...]  # merge keys that are not unique in the schema
    parents: frozenset[str]
    # The columns as plain tuples, (name, convert, nullable, required, default): the row
    # loop below runs for every row of the file, twice.
    plan: tuple[tuple[str, Converter, bool, bool, Callable[[], Any] | None], ...]
    row_check: Callable[[TableSpec, int, dict[str, Any]], None] | None = None

    def convert(self, index: int, raw: object) -> dict[str, Any]:
        """Check one row of the file and turn it into column values (defaults filled in)."""
        if type(raw) is not dict:
            raise ValidationError(_MSG_ROW_NOT_OBJECT, table=self.name, row=index, value=show(raw))
        if not raw.keys() <= self.names:
            unknown = sorted(k for k in raw if k not in self.names)[0]
            raise ValidationError(
                _MSG_UNKNOWN_COLUMN, table=self.name, row=index, column=show_text(unknown)
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
                        value=show(value),
                        **bad.params,
                    ) from None
        if self.row_check is not None:
            self.row_check(self, index, out)
        return out


_ABSENT: Final = object()


def _int(value: Any) -> int:
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
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


def _check_setting(spec: TableSpec, index: int, row: dict[str, Any]) -> None:
    """The working hours setting drives every due date: refuse one the calendar cannot read."""
    if row["key"] != "working_hours":
        return
    try:
        working_hours_from_setting(row["value"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise ValidationError(
            _MSG_SETTING, table=spec.name, row=index, key=row["key"], reason=str(exc)
        ) from None


_ROW_CHECKS: Final[Mapping[str, Callable[[TableSpec, int, dict[str, Any]], None]]] = (
    MappingProxyType({"settings": _check_setting})
)

# Text the services refuse empty (coordinator.services: ``required=True``).
REQUIRED_TEXT: Final = frozenset(
    {
        ("organisations", "name"),
        ("contacts", "name"),
        ("cases", "title"),
        ("documents", "title"),
        ("actions", "title"),
        ("handles", "handle"),
        ("case_tags", "tag"),
        ("templates", "key"),
        ("templates", "name"),
    }
)
# Text the services write themselves, without a person's limit: an event's values.
_UNLIMITED_TEXT: Final = frozenset({("events", "before"), ("events", "after")})


class _ColumnName(Msg):
    """A column of the file, named as the file names it (in either language)."""

    __slots__ = ()

    def tr(self, lang: str | None = None) -> str:
        return str(self)


RowRule = Callable[[Any], object]


def _service_rule(table: Table, column: Column[Any]) -> RowRule | None:
    """The check a service makes of what a person types into ``column``, if any
    (:mod:`coordinator.validation`): text without control characters (line breaks and
    tabs only in the notes' kind of text) and, unless it has a length of its own, within
    the notes' limit, not empty where required; times and dates within the years the
    app accepts; hours within their range."""
    field = _ColumnName(column.name)
    kind = column.type
    if isinstance(kind, Enum):
        return None
    if isinstance(kind, String):
        limit = kind.length if kind.length is not None else NOTE_MAX
        multiline = kind.length is None
        if (table.name, column.name) in _UNLIMITED_TEXT:
            limit = 2**62
        required = (table.name, column.name) in REQUIRED_TEXT
        return lambda value: clean_text(
            value, field, max_length=limit, required=required, multiline=multiline
        )
    if isinstance(kind, DateTime):
        return lambda value: check_datetime(value, field)
    if isinstance(kind, Date):
        return lambda value: check_date(value, field)
    if isinstance(kind, Float) and column.name.endswith("_hours"):
        return lambda value: check_hours(value, field)
    return None


def _service_rules(table: Table) -> Callable[[TableSpec, int, dict[str, Any]], None] | None:
    """A row checked by the services' rules: what they refuse, an import refuses, naming
    the table and the row."""
    rules = tuple(
        (column.name, rule)
        for column in table.columns
        if (rule := _service_rule(table, column)) is not None
    )
    own = _ROW_CHECKS.get(table.name)
    if not rules and own is None:
        return None

    def check(spec: TableSpec, index: int, row: dict[str, Any]) -> None:
        for name, rule in rules:
            value = row[name]
            if value is None:
                continue
            try:
                rule(value)
            except ValidationError as refused:
                raise ValidationError(
                    _MSG_RULE, table=spec.name, row=index, problem=refused
                ) from None
        if own is not None:
            own(spec, index, row)

    return check


def _table_spec(table: Table) -> TableSpec:
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
        ForeignKey(fk.parent.name, fk.column.table.name, fk.column.name)
        for c in table.columns
        for fk in c.foreign_keys
    )
    unique: list[tuple[str, ...]] = [primary]
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, UniqueConstraint):
            key = tuple(c.name for c in constraint.columns)
            if key not in unique:
                unique.append(key)
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        # A record's uid is unique through its index: the same uid is the same record.
        if index.unique:
            key = tuple(c.name for c in index.columns)
            if key not in unique:
                unique.append(key)
    natural = tuple(k for k in NATURAL_KEYS.get(table.name, ()) if k not in unique)
    return TableSpec(
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
        row_check=_service_rules(table),
    )


@cache
def table_specs() -> Mapping[str, TableSpec]:
    """Every table of the metadata by name, in dependency order."""
    return MappingProxyType({t.name: _table_spec(t) for t in record_tables()})


def show_text(value: str, limit: int = 60) -> str:
    """Text from the file, shortened and printable, for messages."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    # Lone surrogates would break whoever prints the message.
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def show(value: object) -> str:
    """A short, printable rendering of a value from the file, for messages."""
    try:
        shown = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        shown = type(value).__name__
    return show_text(shown)


def select_expr(column: Column[Any]) -> ColumnElement[Any]:
    """``column`` to select, an enumeration as its stored text (even a value it no longer has)."""
    if isinstance(column.type, Enum):
        return type_coerce(column, String()).label(column.name)
    return column
