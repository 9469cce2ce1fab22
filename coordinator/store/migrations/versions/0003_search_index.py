"""the search index

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 12:00:00

The index's table is made empty here; the app fills it when it next opens the data
folder (coordinator.search.index.build, with progress), since filling it reads every
record. Only SQLite has an index yet: on other databases the lists search by scanning.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_index")
    # No search_index_meta yet: an index without its version is built at the next open.
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "uni, bi, word, number, tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_index_meta")
    op.execute("DROP TABLE IF EXISTS search_index")
