"""The index on PostgreSQL: one ``tsvector`` per record under a GIN index. All the
search's PostgreSQL-only SQL is here.

The tokens are the same ones SQLite's FTS5 table holds (:mod:`coordinator.search.text`,
made in Python), written as a ``tsvector`` literal so that PostgreSQL's own parser,
whose idea of a letter depends on the server's locale, never cuts them again. The four
columns of the SQLite table become the four weights of one vector:

* ``A`` the single Han characters, ``B`` the pairs of neighbours (each at its place, so
  that a longer Han query is the phrase of its pairs, ``'税务':B <-> '务局':B``, and
  cannot match across two runs: a run's pairs start one place after the last one's);
* ``C`` the Latin and digit suffixes, searched by prefix (``'ab':*C``), and ``D`` the
  digits of phone numbers, searched only by a query of enough digits (``'4321':*CD``).

A term holds only Han characters, a-z and 0-9, so no text of a query becomes an
operator, whatever it says. A ``tsvector`` keeps places up to 16383 and 256 of them per
token: the pairs of a record longer than that are numbered round again, so a phrase in
the tail of a very long note is still found (and, rarely, a phrase made of two far-apart
pairs is found too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from coordinator.search.backend import rowid, rowid_range, split_rowid
from coordinator.search.text import RUN_GAP, Script, Term, Tokens
from coordinator.store.changes import ChangeKind

TABLE: Final = "search_index"
META: Final = "search_index_meta"
"""The version of the tokens the index was built with (as on SQLite)."""

_INDEX = table(TABLE, column("rowid", BigInteger), column("doc", TSVECTOR))
_DELETE_CHUNK = 500
_PLACES: Final = 16383  # a tsvector's highest place

UNI, BI, WORD, NUMBER = "A", "B", "C", "D"


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(tokens: Tokens) -> str:
    """The record's tokens as a ``tsvector`` literal, weighted by column."""
    places: dict[str, list[str]] = {}

    def put(token: str, place: int, weight: str) -> None:
        places.setdefault(token, []).append(f"{place}{weight}")

    for char in dict.fromkeys(tokens.uni):
        put(char, 1, UNI)
    place = 1
    for pair in tokens.bi:
        if pair != RUN_GAP:
            put(pair, (place - 1) % _PLACES + 1, BI)
        place += 1  # a gap takes a place: no phrase runs across two runs
    for word in dict.fromkeys(tokens.word):
        put(word, 1, WORD)
    for number in dict.fromkeys(tokens.number):
        put(number, 2, NUMBER)  # its own place: the same digits may be a word too
    return " ".join(f"{_lexeme(token)}:{','.join(at[:256])}" for token, at in places.items())


def query_literal(terms: Sequence[Term]) -> str:
    """The terms as a ``tsquery`` literal: every one of them must be held."""
    parts = []
    for term in terms:
        if term.script is Script.HAN:
            if len(term.text) == 1:
                parts.append(f"{_lexeme(term.text)}:{UNI}")
            else:
                phrase = " <-> ".join(f"{_lexeme(pair)}:{BI}" for pair in term.pairs)
                parts.append(f"({phrase})")
        elif term.searches_numbers:
            parts.append(f"{_lexeme(term.text)}:*{WORD}{NUMBER}")
        else:
            parts.append(f"{_lexeme(term.text)}:*{WORD}")
    return " & ".join(parts)


class PostgresFts:
    def create(self, session: Session) -> None:
        session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        session.execute(text(f"DROP TABLE IF EXISTS {META}"))
        session.execute(
            text(f"CREATE TABLE {TABLE} (rowid BIGINT PRIMARY KEY, doc TSVECTOR NOT NULL)")
        )
        session.execute(text(f"CREATE TABLE {META} (version INTEGER NOT NULL)"))

    def _make_gin(self, session: Session) -> None:
        # Made after the rows are in when the index is built whole: a GIN index built in
        # one pass is several times faster than one grown row by row.
        session.execute(
            text(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_doc ON {TABLE} USING gin (doc)")
        )

    def version(self, session: Session) -> int | None:
        present = session.execute(
            text("SELECT to_regclass(:index) IS NOT NULL, to_regclass(:meta) IS NOT NULL"),
            {"index": TABLE, "meta": META},
        ).one()
        if not (present[0] and present[1]):
            return None
        value = session.scalar(text(f"SELECT max(version) FROM {META}"))
        return None if value is None else int(value)

    def forget(self, conn: Connection) -> None:
        conn.execute(text(f"DELETE FROM {META}"))

    def set_version(self, session: Session, version: int) -> None:
        self._make_gin(session)
        session.execute(text(f"DELETE FROM {META}"))
        session.execute(text(f"INSERT INTO {META} (version) VALUES (:v)"), {"v": version})
        session.execute(text(f"ANALYZE {TABLE}"))

    def write(self, session: Session, kind: ChangeKind, rows: Mapping[int, Tokens | None]) -> None:
        conn = session.connection()
        gone = [rowid(kind, ident) for ident, tokens in rows.items() if tokens is None]
        for start in range(0, len(gone), _DELETE_CHUNK):
            conn.execute(
                text(f"DELETE FROM {TABLE} WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": gone[start : start + _DELETE_CHUNK]},
            )
        values = [
            {"rowid": rowid(kind, ident), "doc": vector_literal(tokens)}
            for ident, tokens in rows.items()
            if tokens is not None
        ]
        if values:
            conn.execute(
                text(
                    f"INSERT INTO {TABLE} (rowid, doc) VALUES (:rowid, CAST(:doc AS tsvector))"
                    " ON CONFLICT (rowid) DO UPDATE SET doc = excluded.doc"
                ),
                values,
            )

    def _where(self, terms: Sequence[Term], kind: ChangeKind) -> list[ColumnElement[bool]]:
        low, high = rowid_range(kind)
        return [
            _INDEX.c.doc.op("@@")(cast(literal(query_literal(terms)), TSQUERY)),
            _INDEX.c.rowid.between(low, high),
        ]

    def matching(self, terms: Sequence[Term], kind: ChangeKind) -> Select[Any]:
        low, _high = rowid_range(kind)
        return select(_INDEX.c.rowid - low).where(*self._where(terms, kind))

    def newest(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int
    ) -> list[int]:
        stmt = (
            select(_INDEX.c.rowid)
            .where(*self._where(terms, kind))
            .order_by(_INDEX.c.rowid.desc())
            .limit(limit)
        )
        return [split_rowid(int(value))[1] for value in session.scalars(stmt)]

    def count(self, session: Session, terms: Sequence[Term], kind: ChangeKind) -> int:
        stmt = select(func.count()).select_from(_INDEX).where(*self._where(terms, kind))
        return int(session.scalar(stmt) or 0)

    def ids(self, session: Session, kind: ChangeKind) -> set[int]:
        low, high = rowid_range(kind)
        return {
            int(value) - low
            for value in session.scalars(
                text(f"SELECT rowid FROM {TABLE} WHERE rowid BETWEEN :low AND :high"),
                {"low": low, "high": high},
            )
        }

    def stale(self, session: Session, kind: ChangeKind, fresh: Mapping[int, Tokens]) -> list[int]:
        """Which of these records the index holds otherwise than ``fresh`` (or not at all):
        compared as vectors by the server, which orders a vector's tokens its own way."""
        low, _high = rowid_range(kind)
        values = [{"rowid": rowid(kind, i), "doc": vector_literal(t)} for i, t in fresh.items()]
        if not values:
            return []
        same = {
            int(value) - low
            for value in session.scalars(
                text(
                    f"SELECT i.rowid FROM {TABLE} AS i JOIN"
                    " (SELECT unnest(CAST(:ids AS bigint[])) AS rowid,"
                    "  unnest(CAST(:docs AS text[])) AS doc) AS f ON f.rowid = i.rowid"
                    " WHERE i.doc = CAST(f.doc AS tsvector)"
                ),
                {"ids": [v["rowid"] for v in values], "docs": [v["doc"] for v in values]},
            )
        }
        return [ident for ident in fresh if ident not in same]

    def integrity_problem(self, session: Session) -> str | None:
        # PostgreSQL keeps its GIN index sound itself (WAL, checksummed pages); a table
        # that cannot be read at all fails the query and is reported as that.
        session.execute(text(f"SELECT count(*) FROM {TABLE}"))
        return None
