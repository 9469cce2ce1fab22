"""several officers on one database: row versions, officers on events and steps,
change notes for the other screens, attachments in the database

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 18:30:00

Every new column has a server default, so adding it to a table of a million rows is one
statement on SQLite and PostgreSQL alike (no table is copied).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = (
    "organisations",
    "contacts",
    "cases",
    "communications",
    "documents",
    "actions",
    "templates",
)


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("row_version", sa.Integer(), server_default="1", nullable=False)
            )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_actions_owner"), ["owner"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_owner"), ["owner"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "officer", sa.String(length=200), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("row_version", sa.Integer(), nullable=True))
    op.create_table(
        "change_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("officer", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_notes")),
    )
    with op.batch_alter_table("change_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_notes_at"), ["at"], unique=False)
    _protect_events_on_postgresql()
    op.create_table(
        "file_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_file_chunks")),
    )


def _protect_events_on_postgresql() -> None:
    """The event log is append-only in the database itself, as SQLite's triggers make it
    since the first revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    op.drop_table("file_chunks")
    with op.batch_alter_table("change_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_notes_at"))
    op.drop_table("change_notes")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("row_version")
        batch_op.drop_column("officer")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_owner"))
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_owner"))
        batch_op.drop_column("owner")
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("row_version")
