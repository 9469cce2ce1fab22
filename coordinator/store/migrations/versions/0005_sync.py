"""a laptop works offline on a checkout of the office's data and syncs back: every record
gets a uid that means the same on every copy, and every change is kept as an operation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 01:30:00

The uids of the records already there are drawn by the database itself (random 128-bit
hex), so a million rows are one UPDATE per table. The event log is append-only through
triggers; they step aside for that one UPDATE and are put back. The column stays
nullable in the schema (every insert fills it): making it NOT NULL would copy each table on
SQLite, which its foreign keys forbid inside the upgrade's one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDENTIFIED = (
    "organisations",
    "contacts",
    "phone_numbers",
    "handles",
    "cases",
    "case_amounts",
    "communications",
    "documents",
    "document_files",
    "actions",
    "action_pauses",
    "templates",
    "template_actions",
    "template_documents",
    "events",
)


def _random_hex() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "md5(random()::text || clock_timestamp()::text || id::text)"
    return "lower(hex(randomblob(16)))"


def _events_guard(on: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        op.execute(f"ALTER TABLE events {verb} TRIGGER events_append_only")
        return
    for name in ("update", "delete"):
        if on:
            op.execute(
                f"CREATE TRIGGER events_no_{name} BEFORE {name.upper()} ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS events_no_{name}")


def upgrade() -> None:
    _events_guard(on=False)
    for table in IDENTIFIED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("uid", sa.String(length=32), nullable=True))
        op.execute(f"UPDATE {table} SET uid = {_random_hex()}")  # noqa: S608 - fixed names
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_uid"), ["uid"], unique=True)
    _events_guard(on=True)
    op.create_table(
        "sync_ops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("op_uid", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("officer", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_uid", sa.String(length=200), nullable=False),
        sa.Column("case_uid", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_ops")),
        sa.UniqueConstraint("op_uid", name=op.f("uq_sync_ops_op_uid")),
    )
    with op.batch_alter_table("sync_ops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_ops_origin"), ["origin"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_ops_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_ops_row_uid"), ["row_uid"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_ops_case_uid"), ["case_uid"], unique=False)
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_uid", sa.String(length=200), nullable=False),
        sa.Column("case_uid", sa.String(length=32), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("ours", sa.JSON(), nullable=True),
        sa.Column("theirs", sa.JSON(), nullable=True),
        sa.Column("kept", sa.String(length=8), nullable=False),
        sa.Column("ours_op", sa.String(length=32), nullable=False),
        sa.Column("theirs_op", sa.String(length=32), nullable=False),
        sa.Column("ours_by", sa.String(length=200), nullable=False),
        sa.Column("ours_at", sa.DateTime(), nullable=True),
        sa.Column("theirs_by", sa.String(length=200), nullable=False),
        sa.Column("theirs_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
        sa.UniqueConstraint(
            "ours_op", "theirs_op", "field", name="uq_sync_conflicts_ops_field"
        ),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflicts_row_uid"), ["row_uid"], unique=False)
    op.create_table(
        "sync_aliases",
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("survivor", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_sync_aliases")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("sync_aliases")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_row_uid"))
    op.drop_table("sync_conflicts")
    with op.batch_alter_table("sync_ops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_ops_case_uid"))
        batch_op.drop_index(batch_op.f("ix_sync_ops_row_uid"))
        batch_op.drop_index(batch_op.f("ix_sync_ops_at"))
        batch_op.drop_index(batch_op.f("ix_sync_ops_origin"))
    op.drop_table("sync_ops")
    _events_guard(on=False)
    for table in reversed(IDENTIFIED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_uid"))
            batch_op.drop_column("uid")
    _events_guard(on=True)
