"""The second pass of an import: rows mapped, matched against the store and inserted.

References are rewritten to the ids the rows were given, a row already stored (by a
unique or natural key, or "refuse"'s very same record) is skipped and its references
point at the stored row, and the rest are inserted in batches. A table whose parents
are not written yet waits until they are. The change set names what was added.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from types import MappingProxyType
from typing import Any, Final, Literal

from sqlalchemy import Connection, Table, func, literal, select, text
from sqlalchemy.sql.elements import ColumnElement

from coordinator.errors import ValidationError
from coordinator.exchange.transfer_check import Checker
from coordinator.exchange.transfer_specs import INT64_MAX, TableSpec, select_expr, table_specs
from coordinator.i18n import N_
from coordinator.queries.sql import chunks
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Work

# "refuse": restore into an empty store, ids kept; "merge": add what the store lacks.
ImportMode = Literal["refuse", "merge"]

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

_BATCH: Final = 1000  # rows per INSERT batch

MSG_CHANGED = N_("The file {name} changed while it was being imported: nothing was imported.")
_MSG_NO_IDS = N_("Table {table} has no free record numbers left: nothing was imported.")


_KeyGetter = Callable[[dict[str, Any]], tuple[Any, ...]]


def _key_getter(columns: tuple[str, ...]) -> _KeyGetter:
    """A row's values of ``columns``, always as a tuple."""
    if len(columns) == 1:
        (name,) = columns
        return lambda row: (row[name],)
    getter: _KeyGetter = itemgetter(*columns)
    return getter


@dataclass(frozen=True)
class _InsertPlan:
    """The INSERT of one table as driver SQL, and each column's conversion for the driver."""

    sql: str | None  # None: the driver takes named parameters; let SQLAlchemy do it
    fetch: _KeyGetter  # a row's values in the SQL's order
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
        return cls(str(compiled), _key_getter(tuple(order)), tuple(processed))


@dataclass
class _TableWrite:
    spec: TableSpec
    had_rows: bool
    next_id: int
    added: int = 0
    skipped: int = 0
    inserted: set[int] = field(default_factory=set)  # kept only when natural keys need it
    pending: list[dict[str, Any]] | None = None  # rows waiting for their parent tables
    complete: bool = False


class Writer:
    """Second pass: maps references, skips rows present already, inserts in batches."""

    def __init__(self, work: Work, mode: ImportMode, checker: Checker) -> None:
        self.work = work
        self.conn = work.session.connection()
        self.mode = mode
        self.checker = checker
        self.mapping: dict[str, dict[int, int]] = {}
        self.state: dict[str, _TableWrite] = {}
        self.done: set[str] = set()
        for name, spec in table_specs().items():
            self.state[name] = self._initial_state(spec)
            if name not in checker.tables:
                self.done.add(name)
        self._batch: list[dict[str, Any]] = []
        self._plans: dict[str, _InsertPlan] = {}

    def _initial_state(self, spec: TableSpec) -> _TableWrite:
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

    def begin_table(self, name: str) -> TableSpec | None:
        if name not in self.checker.tables:  # the first pass saw no such table
            raise ValidationError(MSG_CHANGED, name=self.checker.name)
        spec = table_specs()[name]
        state = self.state[name]
        if not spec.parents <= self.done:
            state.pending = []
        self._batch = []
        return spec

    def row(self, spec: TableSpec, index: int, raw: object) -> None:
        row = spec.convert(index, raw)
        state = self.state[spec.name]
        if state.pending is not None:
            state.pending.append(row)
            return
        self._batch.append(row)
        if len(self._batch) >= _BATCH:
            self._flush(state, self._batch)
            self._batch = []

    def end_table(self, spec: TableSpec, count: int) -> None:
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
            for name in table_specs():
                state = self.state[name]
                if state.pending is None or not state.complete or name in self.done:
                    continue
                if force or state.spec.parents <= self.done:
                    rows, state.pending = state.pending, None
                    for start in range(0, len(rows), _BATCH):
                        self._flush(state, rows[start : start + _BATCH])
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

    def _remap(self, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
        specs = table_specs()
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
        selected = [ident, *(select_expr(table.c[c]) for c in columns)]
        found: dict[Any, int] = {}
        conditions: list[ColumnElement[bool]] = [first.in_(chunk) for chunk in chunks(firsts)]
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
        if new > INT64_MAX:
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
        selected = [select_expr(c) for c in spec.table.columns]
        ids = [row[spec.surrogate] for row in rows]
        position = [c.name for c in spec.columns].index(spec.surrogate)
        stored: dict[int, tuple[Any, ...]] = {}
        for chunk in chunks(ids):
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

    def _insert(self, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
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

    def _note_changes(self, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
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
        added = {name: self.state[name].added for name in table_specs()}
        skipped = {name: self.state[name].skipped for name in table_specs()}
        return added, skipped
