"""The first pass of an import: every header entry and every row checked, nothing written.

The pass keeps what the second pass and the reference check need: the unique keys seen
(numeric ids as 8-byte arrays), the highest id of each table and, per foreign key, the
distinct values referred to with the first row referring to each.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from coordinator.errors import ValidationError
from coordinator.exchange.transfer_specs import (
    FORMAT,
    VERSION,
    TableSpec,
    show,
    show_text,
    table_specs,
)
from coordinator.exchange.transfer_stream import MSG_NOT_EXPORT
from coordinator.i18n import N_
from coordinator.store.migrate import known_revisions

_MSG_VERSION = N_(
    "The file {name} is a version {version} export, which this version of Liaison Hub cannot read."
)
_MSG_NEWER_SCHEMA = N_(
    "The file {name} comes from a newer version of Liaison Hub (schema {revision}). "
    "Update Liaison Hub, then import it again."
)
_MSG_BAD_ENTRY = N_("In the file {name}, the entry {key} is not valid: {value}.")
_MSG_UNEXPECTED_ENTRY = N_("The file {name} has an unexpected entry {key}.")
_MSG_NO_TABLES = N_("The file {name} has no tables.")
_MSG_UNKNOWN_TABLE = N_("The file {name} has an unknown table {table}.")
_MSG_TABLE_TWICE = N_("The file {name} lists the table {table} twice.")
_FILES_TABLE = "document_files"
_MSG_DUPLICATE = N_(
    "Table {table}, row {row}: the value {value} of {columns} appears more than once."
)


@dataclass
class _TableCheck:
    spec: TableSpec
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


class Checker:
    """First pass: every header entry and every row checked; keys and references noted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.header_values: dict[str, Any] = {}
        self.tables: dict[str, _TableCheck] = {}
        # (table, column) -> {referenced value: first row referring to it}
        self.references: dict[tuple[str, str], dict[Any, int]] = {}
        # The attachments' content the file's document_files rows need (the file does
        # not carry it): SHA-256 -> (the first row naming it, its file name).
        self.contents: dict[str, tuple[int, str]] = {}
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
            raise ValidationError(MSG_NOT_EXPORT, name=self.name)
        if "format" in values and "version" in values and not _version_ok(values["version"]):
            raise ValidationError(_MSG_VERSION, name=self.name, version=show(values["version"]))

    def header(self, key: str, value: Any) -> None:
        if key not in ("format", "version", "schema_revision", "exported_at"):
            self._fail(ValidationError(_MSG_UNEXPECTED_ENTRY, name=self.name, key=show_text(key)))
            return
        self.header_values[key] = value
        self._check_header()

    def begin_table(self, name: str) -> TableSpec | None:
        if self._deferred is not None:
            return None
        spec = table_specs().get(name)
        if spec is None:
            self._fail(ValidationError(_MSG_UNKNOWN_TABLE, name=self.name, table=show_text(name)))
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

    def row(self, spec: TableSpec, index: int, raw: object) -> None:
        if self._deferred is not None:
            return
        try:
            self._row(spec, index, raw)
        except ValidationError as error:
            self._fail(error)

    def _row(self, spec: TableSpec, index: int, raw: object) -> None:
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
                    value=show(_plain(key)),
                )
            seen.add(key)
        for fk in spec.foreign_keys:
            value = row[fk.column]
            if value is not None:
                self.references[(spec.name, fk.column)].setdefault(value, index)
        if spec.name == _FILES_TABLE:
            self.contents.setdefault(row["sha256"], (index, row["original_name"]))
        if spec.surrogate is not None:
            ident = row[spec.surrogate]
            if state.max_id is None or ident > state.max_id:
                state.max_id = ident
            elif state.ascending:
                state.ascending = False
            state.ids.append(ident)
        state.count = index

    def end_table(self, spec: TableSpec, count: int) -> None:
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
                    value=show(repeated),
                )
            )
        state.ids = ordered
        state.ascending = True

    def finish(self, keys: set[str]) -> None:
        values = self.header_values
        if values.get("format") != FORMAT or "version" not in values:
            raise ValidationError(MSG_NOT_EXPORT, name=self.name)
        self._check_header()
        if self._deferred is not None:
            raise self._deferred
        revision = values.get("schema_revision")
        if revision is not None and type(revision) is not str:
            raise ValidationError(
                _MSG_BAD_ENTRY, name=self.name, key="schema_revision", value=show(revision)
            )
        if revision is not None and revision not in known_revisions():
            raise ValidationError(_MSG_NEWER_SCHEMA, name=self.name, revision=show(revision))
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
                _MSG_BAD_ENTRY, name=self.name, key="exported_at", value=show(value)
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
