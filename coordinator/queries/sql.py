"""SQL pieces every list query shares: IN lists in chunks, LIKE patterns, sort keys, id lists.

The one SQLite-only statement of the lists lives here, marked: :func:`id_list`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

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
