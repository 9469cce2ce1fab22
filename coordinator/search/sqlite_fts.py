"""The index on SQLite: one FTS5 table. All the search's SQLite-only SQL is here.

``search_index(uni, bi, word, number)`` with the ``unicode61`` tokenizer: the tokens are made in
Python (:mod:`coordinator.search.text`) and written space-separated, so the tokenizer
only splits on the spaces. A term becomes a column filter in FTS5's query language:
``uni : "税"``, the phrase of pairs ``bi : "税务 务局"``, or the prefix ``word : "ab" *``
(``{word number} : "4321" *`` for digits enough to search phone numbers by).
Terms hold only Han characters, a-z and 0-9, so quoting them needs no escaping and no
text of a query can become an operator.

Prefix indexes of 3 and 4 characters (which only the Latin and digit tokens are long
enough for) make a 3- or 4-digit query one lookup instead of a merge of every number
starting with it ("0574" starts some 150,000 numbers on the scale data).

The table keeps its content (not ``content=''``): rows are replaced by row id, which a
contentless table cannot do before SQLite 3.43.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from coordinator.search.backend import rowid, rowid_range, split_rowid
from coordinator.search.text import Script, Term, Tokens
from coordinator.store.changes import ChangeKind

TABLE: Final = "search_index"
"""The FTS5 table; SQLite names its shadow tables ``search_index_*``."""

META: Final = "search_index_meta"
"""The version of the tokens the index was built with: beside it, not in the settings,
so that it travels (or is lost) with the index itself, never with an export."""

_INDEX = table(TABLE, column("rowid", Integer))
_DELETE_CHUNK = 500


def _quoted(term_text: str) -> str:
    return f'"{term_text}"'


def match_expression(terms: Sequence[Term]) -> str:
    parts = []
    for term in terms:
        if term.script is Script.HAN:
            if len(term.text) == 1:
                parts.append(f"uni : {_quoted(term.text)}")
            else:
                parts.append(f"bi : {_quoted(' '.join(term.pairs))}")
        elif term.searches_numbers:
            parts.append(f"{{word number}} : {_quoted(term.text)} *")
        else:
            parts.append(f"word : {_quoted(term.text)} *")
    return " AND ".join(parts)


class SqliteFts:
    def create(self, session: Session) -> None:
        session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        session.execute(text(f"DROP TABLE IF EXISTS {META}"))
        session.execute(
            text(
                f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
                "uni, bi, word, number, tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4')"
            )
        )
        session.execute(text(f"CREATE TABLE {META} (version INTEGER NOT NULL)"))

    def version(self, session: Session) -> int | None:
        present = {
            name
            for (name,) in session.execute(
                text("SELECT name FROM sqlite_master WHERE name IN (:index, :meta)"),
                {"index": TABLE, "meta": META},
            )
        }
        if present != {TABLE, META}:
            return None
        value = session.scalar(text(f"SELECT max(version) FROM {META}"))
        return None if value is None else int(value)

    def forget(self, conn: Connection) -> None:
        conn.execute(text(f"DELETE FROM {META}"))

    def set_version(self, session: Session, version: int) -> None:
        session.execute(text(f"DELETE FROM {META}"))
        session.execute(text(f"INSERT INTO {META} (version) VALUES (:v)"), {"v": version})

    def write(self, session: Session, kind: ChangeKind, rows: Mapping[int, Tokens | None]) -> None:
        conn = session.connection()  # plain statements: no ORM work on every save
        gone = [rowid(kind, ident) for ident, tokens in rows.items() if tokens is None]
        for start in range(0, len(gone), _DELETE_CHUNK):
            conn.execute(
                text(f"DELETE FROM {TABLE} WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": gone[start : start + _DELETE_CHUNK]},
            )
        values = []
        for ident, tokens in rows.items():
            if tokens is not None:
                uni, bi, word, number = tokens.columns()
                values.append(
                    {
                        "rowid": rowid(kind, ident),
                        "uni": uni,
                        "bi": bi,
                        "word": word,
                        "number": number,
                    }
                )
        if values:
            # OR REPLACE: FTS5 removes a row's old tokens first when its id is taken.
            conn.execute(
                text(
                    f"INSERT OR REPLACE INTO {TABLE} (rowid, uni, bi, word, number)"
                    " VALUES (:rowid, :uni, :bi, :word, :number)"
                ),
                values,
            )

    def _where(self, terms: Sequence[Term], kind: ChangeKind) -> list[ColumnElement[bool]]:
        low, high = rowid_range(kind)
        return [
            literal_column(TABLE).op("MATCH")(match_expression(terms)),
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
        return [split_rowid(value)[1] for value in session.scalars(stmt)]

    def newest_counted(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, limit: int, cap: int
    ) -> tuple[list[int], int]:
        ids = self.newest(session, terms, kind, limit)
        return ids, len(ids) if len(ids) < limit else self.count(session, terms, kind, cap)

    def count(
        self, session: Session, terms: Sequence[Term], kind: ChangeKind, cap: int | None = None
    ) -> int:
        matches = select(_INDEX.c.rowid).where(*self._where(terms, kind))
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
        """Which of these records the index holds otherwise than ``fresh`` (or not at all)."""
        low, _high = rowid_range(kind)
        rows = session.execute(
            text(
                f"SELECT rowid, uni, bi, word, number FROM {TABLE} WHERE rowid IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": [rowid(kind, i) for i in fresh]},
        )
        stored = {int(r[0]) - low: (r[1], r[2], r[3], r[4]) for r in rows}
        return [ident for ident, tokens in fresh.items() if stored.get(ident) != tokens.columns()]

    def integrity_problem(self, session: Session) -> str | None:
        try:
            session.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('integrity-check')"))
        except DatabaseError as exc:
            return str(getattr(exc, "orig", exc))
        return None
