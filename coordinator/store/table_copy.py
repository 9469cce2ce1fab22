"""Every row of one database into another, whichever each is: a laptop's SQLite file into
an office server's PostgreSQL database and back, ids and all.

Both databases must have the same schema revision, and the target's tables must be
empty. Tables are copied parents first (the order of the foreign keys), in batches (by
COPY into PostgreSQL), and
a PostgreSQL target's id sequences are moved past the highest id copied, so the next
record saved there does not collide with a copied one. The search index is not copied:
it is built from the records where they arrive.

The copy runs on the connections it is given, inside their transactions: a failure
leaves the target as the caller's transaction leaves it (rolled back, normally).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Sequence
from typing import Any, Final

from sqlalchemy import JSON, Connection, Integer, Table, func, insert, select, text

from coordinator.store.models import Base

BATCH: Final = 5000

CopyProgress = Callable[[str, int], None]
"""Told (table name, rows copied so far of that table) after every batch."""


def row_counts(conn: Connection) -> dict[str, int]:
    """How many rows every table of the models holds."""
    return {
        table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def copy_tables(
    source: Connection,
    target: Connection,
    progress: CopyProgress | None = None,
    skip: Collection[str] = (),
) -> dict[str, int]:
    """Copy every row of every table of the models (but the tables named in ``skip``);
    the rows copied, by table."""
    copied: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        order = list(table.primary_key.columns)
        result = source.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
        done = 0
        for batch in result.partitions(BATCH):
            if target.dialect.name == "postgresql":
                _copy_into_postgresql(target, table, batch)
            else:
                names = [c.name for c in table.columns]
                target.execute(insert(table), [dict(zip(names, row, strict=True)) for row in batch])
            done += len(batch)
            if progress is not None:
                progress(table.name, done)
        copied[table.name] = done
    if target.dialect.name == "postgresql":
        reset_sequences(target)
    return copied


def _copy_into_postgresql(target: Connection, table: Table, rows: Sequence[Any]) -> None:
    """PostgreSQL's COPY on the target's own connection (inside its transaction): several
    times faster than INSERTs for the million rows of a busy office."""
    from psycopg.types.json import Jsonb

    json_columns = [isinstance(c.type, JSON) for c in table.columns]
    columns = ", ".join(c.name for c in table.columns)
    raw = target.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    Jsonb(value) if is_json and value is not None else _plain(value)
                    for value, is_json in zip(row, json_columns, strict=True)
                ]
            )


def _plain(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


def reset_sequences(conn: Connection) -> None:
    """Move every serial id's sequence past the highest id its table holds (PostgreSQL)."""
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        if keys[0].autoincrement is False:
            continue
        sequence = conn.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": keys[0].name},
        )
        if sequence is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(:sequence, coalesce((SELECT max({keys[0].name}) FROM"
                f" {table.name}), 1), (SELECT max({keys[0].name}) FROM {table.name}) IS NOT NULL)"
            ),
            {"sequence": sequence},
        )
