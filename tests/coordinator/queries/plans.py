"""What a statement reads, as the database itself plans it, on SQLite or on PostgreSQL:
the indexes it searches and what it reads from end to end.

SQLite says it in ``EXPLAIN QUERY PLAN``: ``SEARCH t USING INDEX i (...)`` finds rows
through an index, ``SCAN t`` reads a table (or, ``USING COVERING INDEX i``, a whole
index) from end to end.

PostgreSQL's planner reads a table of a few rows whole, whatever indexes it has, since
that is cheaper there; so the plan is asked for with sequential scans made all but
forbidden (``SET LOCAL enable_seqscan = off``, for this transaction only): what is still
read whole then has no index that could serve it. Index, index-only and bitmap index
scans are searches; a ``Seq Scan`` is a table read whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from coordinator.store.storage import Store

_SEARCH = re.compile(r"^SEARCH .* USING (?:COVERING )?INDEX (\w+)")
_INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


@dataclass
class Plan:
    searched: list[str] = field(default_factory=list)
    """The indexes rows are found through."""
    scanned: list[str] = field(default_factory=list)
    """What is read from end to end: SQLite's ``SCAN`` lines as it writes them; on
    PostgreSQL ``Seq Scan on <table>`` and the condition it checks on every row."""
    lines: list[str] = field(default_factory=list)
    """The whole plan, for a failing assertion to show."""


def plan(store: Store, sql: str, parameters: Any = None) -> Plan:
    """The plan of ``sql`` (as the driver runs it, with its ``parameters``)."""
    found = Plan()
    with store.read() as session:
        connection = session.connection()
        if store.is_sqlite:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters or ())
            for row in rows:
                line = str(row[3])
                found.lines.append(line)
                if match := _SEARCH.match(line):
                    found.searched.append(match.group(1))
                elif line.startswith("SEARCH") and "PRIMARY KEY" in line:
                    found.searched.append("PRIMARY KEY")
                elif line.startswith("SCAN"):
                    found.scanned.append(line)
            return found
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        explained = connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {sql}", parameters or {}
        ).scalar()
    document = explained if isinstance(explained, list) else json.loads(str(explained))
    for node in _nodes(document[0]["Plan"]):
        kind = node["Node Type"]
        found.lines.append(f"{kind} {node.get('Relation Name', '')} {node.get('Index Name', '')}")
        if kind in _INDEX_NODES:
            found.searched.append(node["Index Name"])
        elif kind == "Seq Scan":
            found.scanned.append(f"Seq Scan on {node['Relation Name']} {node.get('Filter', '')}")
    return found


def _nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def substring_scan(line: str) -> bool:
    """A PostgreSQL table read whole to find text anywhere in a column (``LIKE '%x%'``):
    no ordinary index serves that on either database; SQLite reads a covering index
    whole for it, PostgreSQL the table."""
    return line.startswith("Seq Scan") and bool(re.search(r"~~\*? '%", line))
