"""The lists' filter boxes, driven by the index: a condition "this row's text holds the
query" that each database compiles its own way.

:func:`holds` gives a condition to put in a list's WHERE. On a database with an index it
is ``id IN (the index's matches)``; on one without it is the list's own scan
(``fallback``: the LIKE conditions the lists had before there was an index). The choice
is made when the statement is compiled for a database, so a list's query is written
once and the list code never asks which database it runs on.

A query holding nothing the index can search for (only punctuation, say "#" or "-")
falls back to the scan too, so it still finds the rows that hold it literally.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from coordinator.search.postgres_fts import PostgresFts
from coordinator.search.sqlite_fts import SqliteFts
from coordinator.search.text import query_terms
from coordinator.store.changes import ChangeKind


class _Holds(ColumnElement[bool]):
    """The index's condition on SQLite and on PostgreSQL, ``fallback`` elsewhere."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition already: no "= 1" on SQLite
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own declaration, not a ClassVar
        ("on_sqlite", InternalTraversal.dp_clauseelement),
        ("on_postgresql", InternalTraversal.dp_clauseelement),
        ("fallback", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self,
        on_sqlite: ColumnElement[bool],
        on_postgresql: ColumnElement[bool],
        fallback: ColumnElement[bool],
    ) -> None:
        self.on_sqlite = on_sqlite
        self.on_postgresql = on_postgresql
        self.fallback = fallback


@compiles(_Holds)
def _scan(element: _Holds, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.fallback, **kw)


@compiles(_Holds, "sqlite")
def _sqlite(element: _Holds, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.on_sqlite, **kw)


@compiles(_Holds, "postgresql")
def _postgresql(element: _Holds, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.on_postgresql, **kw)


def holds(
    kind: ChangeKind, id_column: Any, query: str, fallback: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The rows of ``kind`` (``id_column`` their id) whose indexed text holds ``query``."""
    terms = query_terms(query)
    if not terms:
        return fallback
    return _Holds(
        id_column.in_(SqliteFts().matching(terms, kind)),
        id_column.in_(PostgresFts().matching(terms, kind)),
        fallback,
    )
