"""The index on PostgreSQL: one ``tsvector`` per record under a GIN index. All the
search's PostgreSQL-only SQL is here.

The tokens are the same ones SQLite's FTS5 table holds (:mod:`coordinator.search.text`,
made in Python), written as a ``tsvector`` literal so that PostgreSQL's own parser,
whose idea of a letter depends on the server's locale, never cuts them again. Each token
carries its record's kind and its column in its first letters, so that the GIN index
alone answers "which records of this kind hold these tokens", exactly: no row of
another kind is read, and nothing is checked again in the table (weights would make
PostgreSQL read and re-check every candidate row):

* the kind: ``a`` cases, ``b`` contacts, ``c`` organisations, ``d`` communications,
  ``e`` documents, ``f`` steps;
* a Han character or pair as itself after the kind (``d税``, ``d税务``); the pairs keep
  their places, so a longer Han query is the phrase of its pairs
  (``'d税务' <-> 'd务局'``) and cannot match across two runs (a run's pairs start one
  place after the last one's);
* ``w`` a Latin or digit suffix, searched by prefix (``'dwab':*``), ``n`` the digits of
  a phone number, searched only by a query of enough digits
  (``'dw4321':* | 'dn4321':*``).

A term holds only Han characters, a-z and 0-9, so no text of a query becomes an
operator, whatever it says. A ``tsvector`` keeps places up to 16383 and 256 of them per
token: the pairs of a record longer than that are numbered round again, so a phrase in
the tail of a very long note is still found (and, rarely, a phrase made of two far-apart
pairs is found too). A token longer than :data:`LONGEST` characters (a pasted hash) is
kept to its start, which a query is cut to as well.

Which plan reads the newest matches is chosen here rather than left to the planner,
whose estimates for tokens are rough (see :meth:`PostgresFts.newest`), and a count of
very many matches can stop at a cap: PostgreSQL checks every match in the table itself,
a few microseconds each.
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
RARE: Final = 2000
"""Matches few enough to be read all through the GIN index (a few milliseconds)."""
WINDOW: Final = 50_000
"""Rows of a kind read newest first at most when the matches are many."""

LONGEST: Final = 200
"""Characters of a token kept (PostgreSQL refuses tokens of 2 KB and more)."""

_KIND_LETTER: Final = {
    ChangeKind.CASE: "a",
    ChangeKind.CONTACT: "b",
    ChangeKind.ORGANISATION: "c",
    ChangeKind.COMMUNICATION: "d",
    ChangeKind.DOCUMENT: "e",
    ChangeKind.ACTION: "f",
}
WORD, NUMBER = "w", "n"


def _lexeme(token: str) -> str:
    return "'" + token[:LONGEST].replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(tokens: Tokens, kind: ChangeKind) -> str:
    """A record's tokens as a ``tsvector`` literal, each marked with the kind and column."""
    k = _KIND_LETTER[kind]
    places: dict[str, list[str]] = {}
    for char in dict.fromkeys(tokens.uni):
        places.setdefault(k + char, [])
    place = 1
    for pair in tokens.bi:
        if pair != RUN_GAP:
            places.setdefault(k + pair, []).append(str((place - 1) % _PLACES + 1))
        place += 1  # a gap takes a place: no phrase runs across two runs
    for word in dict.fromkeys(tokens.word):
        places.setdefault(k + WORD + word, [])
    for number in dict.fromkeys(tokens.number):
        places.setdefault(k + NUMBER + number, [])
    return " ".join(
        f"{_lexeme(token)}:{','.join(at[:256])}" if at else _lexeme(token)
        for token, at in places.items()
    )


def query_literal(terms: Sequence[Term], kind: ChangeKind) -> str:
    """The terms as a ``tsquery`` literal over ``kind``'s records: every one must be held."""
    k = _KIND_LETTER[kind]
    parts = []
    for term in terms:
        if term.script is Script.HAN:
            if len(term.text) <= 2:
                parts.append(_lexeme(k + term.text))
            else:
                parts.append("(" + " <-> ".join(_lexeme(k + pair) for pair in term.pairs) + ")")
        elif term.searches_numbers:
            parts.append(
                f"({_lexeme(k + WORD + term.text)}:* | {_lexeme(k + NUMBER + term.text)}:*)"
            )
        else:
            parts.append(f"{_lexeme(k + WORD + term.text)}:*")
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
            {"rowid": rowid(kind, ident), "doc": vector_literal(tokens, kind)}
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

    @staticmethod
    def _holds(terms: Sequence[Term], kind: ChangeKind) -> ColumnElement[bool]:
        return _INDEX.c.doc.op("@@")(cast(literal(query_literal(terms, kind)), TSQUERY))

    def matching(self, terms: Sequence[Term], kind: ChangeKind) -> Select[Any]:
        low, _high = rowid_range(kind)
        return select(_INDEX.c.rowid - low).where(self._holds(terms, kind))

    def newest(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int
    ) -> list[int]:
        return self.newest_counted(session, terms, kind, limit, cap=limit)[0]

    def newest_counted(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int, cap: int
    ) -> tuple[list[int], int]:
        """The newest matches and their count (past ``cap``: ``cap + 1``), in the cheaper
        of two ways. Up to :data:`RARE` matches are read through the GIN index, in no
        order: if that was all of them, they are counted and the newest kept. Otherwise
        the matches are many, and the kind's rows are read newest first down the primary
        key, each vector checked as it comes, until ``limit`` hold the terms — a few
        hundred rows at most for a term held by one row in a hundred."""
        low, high = rowid_range(kind)
        some = list(
            session.scalars(select(_INDEX.c.rowid).where(self._holds(terms, kind)).limit(RARE + 1))
        )
        if len(some) <= RARE:
            newest = sorted(some, reverse=True)[:limit]
            return [split_rowid(int(v))[1] for v in newest], min(len(some), cap + 1)
        # The subquery's LIMIT keeps the condition out of it: the rows come down the
        # primary key, newest first, and the outer LIMIT stops once enough held the terms.
        window = (
            select(_INDEX.c.rowid, _INDEX.c.doc)
            .where(_INDEX.c.rowid.between(low, high))
            .order_by(_INDEX.c.rowid.desc())
            .limit(WINDOW)
            .subquery()
        )
        query = cast(literal(query_literal(terms, kind)), TSQUERY)
        found = list(
            session.scalars(
                select(window.c.rowid)
                .where(window.c.doc.op("@@")(query))
                .order_by(window.c.rowid.desc())
                .limit(limit)
            )
        )
        if len(found) < limit:  # many matches, but old ones: all read and sorted after all
            found = list(
                session.scalars(
                    select(_INDEX.c.rowid)
                    .where(self._holds(terms, kind))
                    .order_by((_INDEX.c.rowid + 0).desc())  # "+ 0": not the primary key's order
                    .limit(limit)
                )
            )
        total = cap + 1 if cap < RARE else self.count(session, terms, kind, cap)
        return [split_rowid(int(v))[1] for v in found], total

    def count(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, cap: int | None = None
    ) -> int:
        matches = select(_INDEX.c.rowid).where(self._holds(terms, kind))
        if cap is not None:
            matches = matches.limit(cap + 1)
        stmt = select(func.count()).select_from(matches.subquery())
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
        values = [
            {"rowid": rowid(kind, i), "doc": vector_literal(t, kind)} for i, t in fresh.items()
        ]
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
