"""Every row of one database into another, whichever each is: a laptop's SQLite file into
an office server's PostgreSQL database and back, ids and all.

Both databases must have the same schema revision, and the target's tables must be
empty. Tables are copied parents first (the order of the foreign keys), in batches, and
a PostgreSQL target's id sequences are moved past the highest id copied, so the next
record saved there does not collide with a copied one. The search index is not copied:
it is built from the records where they arrive.

The copy runs on the connections it is given, inside their transactions: a failure
leaves the target as the caller's transaction leaves it (rolled back, normally).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import Connection, Integer, func, insert, select, text

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
    source: Connection, target: Connection, progress: CopyProgress | None = None
) -> dict[str, int]:
    """Copy every row of every table of the models; the rows copied, by table."""
    copied: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns)
        result = source.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
        done = 0
        for batch in result.mappings().partitions(BATCH):
            target.execute(insert(table), [dict(row) for row in batch])
            done += len(batch)
            if progress is not None:
                progress(table.name, done)
        copied[table.name] = done
    if target.dialect.name == "postgresql":
        reset_sequences(target)
    return copied


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
