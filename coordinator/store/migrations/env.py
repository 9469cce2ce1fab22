"""Alembic environment: runs on the store's own connection (see coordinator.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from coordinator.store.migrate import include_name
from coordinator.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()  # a server's connection is closed now, not whenever it is collected
