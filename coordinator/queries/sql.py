"""SQL pieces every list query shares: IN lists in chunks, LIKE patterns, sort keys, id lists.

The one SQLite-only statement of the lists lives here, marked: :func:`id_list`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from sqlalchemy import Boolean, ColumnElement, Select, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from coordinator.search.index import reading

if TYPE_CHECKING:
    from coordinator.store.storage import Store

H = TypeVar("H", bound=Hashable)
F = TypeVar("F")

IN_CHUNK: Final = 500
"""Values per ``IN (...)`` list: well under every driver's parameter limit."""


def chunks(values: Iterable[H], size: int = IN_CHUNK) -> Iterator[list[H]]:
    """The distinct values, in their first order, ``size`` at a time."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def escape_like(value: str) -> str:
    """``value`` as literal text inside a LIKE pattern whose escape character is ``\\``."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` holds ``text`` anywhere (``%`` and ``_`` in it are literal characters)."""
    return column.like(f"%{escape_like(text)}%", escape="\\")  # type: ignore[no-any-return]


class _AnyCase(ColumnElement[bool]):
    """A LIKE that ignores the case of ASCII letters, as SQLite's own LIKE does: the same
    LIKE there, ILIKE on PostgreSQL (whose LIKE minds case)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own declaration, not a ClassVar
        ("on_sqlite", InternalTraversal.dp_clauseelement),
        ("elsewhere", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, on_sqlite: ColumnElement[bool], elsewhere: ColumnElement[bool]) -> None:
        self.on_sqlite = on_sqlite
        self.elsewhere = elsewhere


@compiles(_AnyCase)
def _any_case(element: _AnyCase, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.elsewhere, **kw)


@compiles(_AnyCase, "sqlite")
def _any_case_sqlite(element: _AnyCase, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.on_sqlite, **kw)


def contains_any_case(column: Any, text: Any) -> ColumnElement[bool]:
    """``column`` holds ``text`` anywhere, Latin letters in either case, on every
    database (a name typed "john" finds John Smith on the office server as on SQLite).

    ``text`` is a string (``%`` and ``_`` in it are literal characters) or a bound
    parameter already escaped with ``\\``."""
    if isinstance(text, str):
        pattern = f"%{escape_like(text)}%"
        return _AnyCase(column.like(pattern, escape="\\"), column.ilike(pattern, escape="\\"))
    return _AnyCase(column.contains(text, escape="\\"), column.icontains(text, escape="\\"))


def order_key(expr: Any, ascending: bool, nulls_low: bool | None = None) -> Any:
    """``expr`` in one direction. For a nullable ``expr``, ``nulls_low`` puts NULL below
    (True) or above (False) every value in both directions; None: ``expr`` is never NULL.
    """
    key = expr.asc() if ascending else expr.desc()
    if nulls_low is None:
        return key
    return key.nulls_first() if nulls_low == ascending else key.nulls_last()


def rank(column: Any, order: Sequence[object]) -> Any:
    """The place of ``column``'s value in ``order`` (unknown values last), to sort by."""
    return case({s: i for i, s in enumerate(order)}, value=column, else_=len(order))


def id_list(session: Session, stmt: Select[Any], limit: int | None = None) -> list[int]:
    """The ids ``stmt`` selects (its first column), in its order; ``limit`` keeps the first."""
    with reading(session):  # a filter box's text reads the search index
        if limit is not None:
            return list(session.scalars(stmt.limit(limit)))
        if session.get_bind().dialect.name == "sqlite":
            return _id_list_sqlite(session, stmt)
        return list(session.scalars(stmt))


def count_where(session: Session, entity: Any, conditions: Sequence[ColumnElement[bool]]) -> int:
    """How many rows of ``entity`` meet every condition."""
    stmt = select(func.count()).select_from(entity).where(*conditions)
    with reading(session):
        return int(session.scalar(stmt) or 0)


def ids_where_in(
    session: Session,
    id_column: Any,
    key: Any,
    values: Iterable[int],
    *conditions: ColumnElement[bool],
) -> set[int]:
    """``id_column`` of the rows whose ``key`` is one of ``values`` and that meet every
    condition (one statement per :data:`IN_CHUNK` values)."""
    found: set[int] = set()
    with reading(session):
        for chunk in chunks(values):
            found.update(session.scalars(select(id_column).where(key.in_(chunk), *conditions)))
    return found


@dataclass(frozen=True)
class FilteredList(Generic[F]):
    """One table's rows as a list across cases: its ids under a filter ``F``, in a sort
    order, how many, and which of some ids it holds (for a list following changes).

    ``conditions`` turns a filter into WHERE terms; ``statement`` makes the ordered id
    statement of a filter and a sort key (``statement(flt, sort, descending)``).
    """

    entity: Any
    conditions: Callable[[F], Sequence[ColumnElement[bool]]]
    statement: Callable[[F, str, bool], Select[Any]]
    default: F
    default_sort: str

    def ids(
        self,
        store: Store,
        flt: F | None = None,
        sort: str | None = None,
        descending: bool = True,
        limit: int | None = None,
    ) -> list[int]:
        """The ids of the matching rows, in list order; ``limit`` keeps the first ones."""
        wanted = self.default if flt is None else flt
        stmt = self.statement(wanted, sort or self.default_sort, descending)
        with store.read() as session:
            return id_list(session, stmt, limit)

    def count(self, store: Store, flt: F | None = None) -> int:
        with store.read() as session:
            return count_where(
                session, self.entity, self.conditions(self.default if flt is None else flt)
            )

    def matching(self, store: Store, flt: F, candidates: Iterable[int]) -> set[int]:
        """Which of ``candidates`` the filter lets through now (after a change)."""
        with store.read() as session:
            return ids_where_in(
                session, self.entity.id, self.entity.id, candidates, *self.conditions(flt)
            )

    def of_cases(self, store: Store, case_ids: Iterable[int]) -> set[int]:
        """The ids of the rows of these cases (a case's reference or company shows on them)."""
        with store.read() as session:
            return ids_where_in(session, self.entity.id, self.entity.case_id, case_ids)


# -- SQLite only -------------------------------------------------------------------------
# Turning a million one-column rows into Python tuples costs about 0.5 s in the sqlite3
# module; one JSON array built by SQLite and parsed by the json module costs about 0.2 s.
# SQLite (before 3.44) has no ORDER BY inside an aggregate, but it feeds an aggregate the
# rows of an ordered subquery in that order; tests compare the result with the plain query.


def _id_list_sqlite(session: Session, stmt: Select[Any]) -> list[int]:
    ordered = stmt.subquery("ordered")
    packed = session.scalar(select(func.json_group_array(ordered.c[0])))
    result: list[int] = json.loads(packed) if packed else []
    return result
