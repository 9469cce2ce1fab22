"""What the index asks of a database, whichever it is; one implementation per dialect.

A record is one row of the index, named by its kind and id (:func:`rowid`). Its text is
given as the four token columns of :class:`~coordinator.search.text.Tokens`; a query
as :class:`~coordinator.search.text.Term` s, every one of which a row must hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

from coordinator.search.text import Term, Tokens
from coordinator.store.changes import ChangeKind

SEARCHED: Final[tuple[ChangeKind, ...]] = (
    ChangeKind.CASE,
    ChangeKind.CONTACT,
    ChangeKind.ORGANISATION,
    ChangeKind.COMMUNICATION,
    ChangeKind.DOCUMENT,
    ChangeKind.ACTION,
)
"""The kinds of record the index holds, in the order results are grouped."""

_CODE: Final[Mapping[ChangeKind, int]] = {kind: i + 1 for i, kind in enumerate(SEARCHED)}
_KIND_BITS: Final = 40  # a record id below 2**40: a trillion rows of one kind


def rowid(kind: ChangeKind, ident: int) -> int:
    return (_CODE[kind] << _KIND_BITS) | ident


def rowid_range(kind: ChangeKind) -> tuple[int, int]:
    """The first and last row id a record of ``kind`` can have."""
    base = _CODE[kind] << _KIND_BITS
    return base, base + (1 << _KIND_BITS) - 1


def split_rowid(value: int) -> tuple[ChangeKind, int]:
    return SEARCHED[(value >> _KIND_BITS) - 1], value & ((1 << _KIND_BITS) - 1)


class SearchBackend(Protocol):
    """The index on one database dialect."""

    def create(self, session: Session) -> None:
        """Make the index's tables, empty (dropping any left over)."""
        ...

    def version(self, session: Session) -> int | None:
        """The version of the tokens the index was built with; None: no index whole."""
        ...

    def set_version(self, session: Session, version: int) -> None: ...

    def forget(self, conn: Connection) -> None:
        """No longer hold the index whole (it is built again at the next opening)."""
        ...

    def write(self, session: Session, kind: ChangeKind, rows: Mapping[int, Tokens | None]) -> None:
        """Replace the rows of these records; None: the record is gone."""
        ...

    def matching(self, terms: Sequence[Term], kind: ChangeKind) -> Select[Any]:
        """The ids of ``kind``'s records holding every term (a subquery for ``IN``)."""
        ...

    def newest(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int
    ) -> list[int]:
        """The ids of ``kind``'s records holding every term, highest id first."""
        ...

    def newest_counted(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int, cap: int
    ) -> tuple[list[int], int]:
        """:meth:`newest`, and how many match in all (past ``cap``: ``cap + 1``), the
        way this database does both cheapest."""
        ...

    def count(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, cap: int | None = None
    ) -> int:
        """How many of ``kind``'s records hold every term; past ``cap``, ``cap + 1``."""
        ...

    def ids(self, session: Session, kind: ChangeKind) -> set[int]:
        """Every record id of ``kind`` the index holds."""
        ...

    def stale(self, session: Session, kind: ChangeKind, fresh: Mapping[int, Tokens]) -> list[int]:
        """Which of these records the index holds otherwise than ``fresh`` (or not at all)."""
        ...

    def integrity_problem(self, session: Session) -> str | None:
        """The database's own check of the index's structure: None when sound."""
        ...
