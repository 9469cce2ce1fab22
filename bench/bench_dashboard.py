"""Time the "Today" screen's queries on a generated data folder.

    python bench/generate.py --data-dir /tmp/scale-data
    python bench/bench_dashboard.py --data-dir /tmp/scale-data [--runs 30]

Each dashboard function of :mod:`coordinator.queries.dashboard` runs through the Store (a
read-only session per run, as the screen does it, rows turned into dataclasses) beside
the same query written by hand as raw SQL in the stdlib sqlite3 module on the same file
(rows left as tuples of text). Both are warmed up, then timed ``--runs`` times; the
table gives the median and 95th percentile, and the ratio of the medians. The target is
under 50 ms for each of ours. The query plans of our statements follow the table.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import text  # noqa: E402

from coordinator.queries import dashboard  # noqa: E402
from coordinator.queries.due import end_of_day  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.store.storage import Store  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0)
TARGET_MS = 50.0
LIMIT = dashboard.DEFAULT_LIMIT


def _sql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME text


_OVERDUE = "'todo', 'in_progress', 'waiting', 'blocked'"
_NOT_DONE = "'todo', 'in_progress', 'waiting', 'blocked', 'waiting_company'"
_WAITING_DOCS = "'requested', 'forwarded', 'returned', 'accepted_missing'"

_ACTIONS_SQL = """
SELECT p.id, p.case_id, c.reference, p.department_id, o.name, p.title, p.status, p.due_at
FROM (SELECT id, case_id, department_id, title, status, due_at FROM actions
      WHERE {where} ORDER BY due_at, id LIMIT :limit) AS p
JOIN cases AS c ON c.id = p.case_id
JOIN organisations AS o ON o.id = p.department_id
ORDER BY p.due_at, p.id
"""

_UNFILED_SQL = """
SELECT p.id, p.at, p.channel, p.direction, p.duration_seconds, p.contact_id, k.name,
       p.raw_number, p.notes
FROM (SELECT id, at, channel, direction, duration_seconds, contact_id, raw_number, notes
      FROM communications {hint} WHERE case_id IS NULL ORDER BY at DESC, id DESC
      LIMIT :limit) AS p
LEFT JOIN contacts AS k ON k.id = p.contact_id
ORDER BY p.at DESC, p.id DESC
"""

RAW_SQL: dict[str, str] = {
    "overdue_actions": _ACTIONS_SQL.format(where=f"status IN ({_OVERDUE}) AND due_at < :now"),
    "actions_due_today": _ACTIONS_SQL.format(
        where=f"status IN ({_NOT_DONE}) AND due_at >= :now AND due_at < :day_end"
    ),
    "open_follow_ups": """
SELECT p.id, p.at, p.channel, p.direction, p.contact_id, k.name, p.raw_number, p.case_id,
       c.reference, p.follow_up_due, p.notes
FROM (SELECT id, at, channel, direction, contact_id, raw_number, case_id, follow_up_due, notes
      FROM communications
      WHERE follow_up_done_at IS NULL AND follow_up_due IS NOT NULL AND follow_up_due < :day_end
      ORDER BY follow_up_due, id LIMIT :limit) AS p
LEFT JOIN contacts AS k ON k.id = p.contact_id
LEFT JOIN cases AS c ON c.id = p.case_id
ORDER BY p.follow_up_due, p.id
""",
    "unfiled_communications": _UNFILED_SQL.format(hint=""),
    "documents_waiting": f"""
SELECT p.id, p.case_id, c.reference, p.title, p.state, p.holder_id, h.name, p.since,
       p.promised_completion_at
FROM (SELECT id, case_id, title, state, holder_id, promised_completion_at,
             nullif(max(coalesce(requested_at, ''), coalesce(received_at, ''),
                        coalesce(forwarded_at, ''), coalesce(accepted_at, ''),
                        coalesce(returned_at, ''), coalesce(resubmitted_at, '')), '') AS since
      FROM documents WHERE state IN ({_WAITING_DOCS})
      ORDER BY since NULLS LAST, id LIMIT :limit) AS p
JOIN cases AS c ON c.id = p.case_id
LEFT JOIN organisations AS h ON h.id = p.holder_id
ORDER BY p.since NULLS LAST, p.id
""",
    "counts": f"""
SELECT (SELECT count(*) FROM actions WHERE status IN ({_OVERDUE}) AND due_at < :now),
       (SELECT count(*) FROM actions
         WHERE status IN ({_NOT_DONE}) AND due_at >= :now AND due_at < :day_end),
       (SELECT count(*) FROM communications
         WHERE follow_up_done_at IS NULL AND follow_up_due IS NOT NULL
           AND follow_up_due < :day_end),
       (SELECT count(*) FROM communications WHERE case_id IS NULL),
       (SELECT count(*) FROM documents WHERE state IN ({_WAITING_DOCS}))
""",
}

# Not a dashboard query: the unfiled list forced onto the partial index, to compare.
EXTRA_RAW_SQL = {
    "unfiled (INDEXED BY partial)": _UNFILED_SQL.format(
        hint="INDEXED BY ix_communications_unfiled"
    ),
}

OURS: dict[str, Callable[[Store, datetime], Sequence[Any]]] = {
    "overdue_actions": dashboard.overdue_actions,
    "actions_due_today": dashboard.actions_due_today,
    "open_follow_ups": dashboard.open_follow_ups,
    "unfiled_communications": dashboard.unfiled_communications,
    "documents_waiting": dashboard.documents_waiting,
    "counts": lambda store, now: [dashboard.counts(store, now)],
}


def _timings(run: Callable[[], int], runs: int, warmup: int) -> tuple[int, list[float]]:
    rows = 0
    for _ in range(warmup):
        rows = run()
    spent: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = run()
        spent.append((time.perf_counter() - started) * 1000)
    return rows, spent


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def query_plans(store: Store, now: datetime) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of each dashboard statement, as compiled for this store."""
    plans: dict[str, list[str]] = {}
    with store.read() as session:
        for name, build in dashboard.STATEMENTS.items():
            compiled = build(now, LIMIT).compile(
                store.engine, compile_kwargs={"literal_binds": True}
            )
            rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            plans[name] = [str(row[3]) for row in rows]
    return plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)

    store = open_store(args.data_dir)
    raw = sqlite3.connect(f"file:{store.database_path}?mode=ro", uri=True)
    params = {
        "now": _sql_time(NOW),
        "day_end": _sql_time(end_of_day(NOW)),
        "limit": LIMIT,
    }

    def ours(fn: Callable[[Store, datetime], Sequence[Any]]) -> Callable[[], int]:
        def run() -> int:
            return len(fn(store, NOW))

        return run

    def plain(sql: str) -> Callable[[], int]:
        def run() -> int:
            return len(raw.execute(sql, params).fetchall())

        return run

    print(f"data: {store.database_path}  now: {NOW:%Y-%m-%d %H:%M}  runs: {args.runs}")
    header = (
        f"{'query':<30} {'rows':>5}  {'ours ms (median/p95)':>21}  "
        f"{'raw sqlite3 ms (median/p95)':>28}  {'ratio':>5}  target"
    )
    print(header)
    print("-" * len(header))
    slow: list[str] = []
    counts = dashboard.counts(store, NOW)
    for name, fn in OURS.items():
        rows, ours_ms = _timings(ours(fn), args.runs, args.warmup)
        raw_rows, raw_ms = _timings(plain(RAW_SQL[name]), args.runs, args.warmup)
        if raw_rows != rows:
            print(f"!! {name}: ours returned {rows} rows, raw SQL {raw_rows}")
        median, raw_median = statistics.median(ours_ms), statistics.median(raw_ms)
        ok = _p95(ours_ms) < TARGET_MS
        if not ok:
            slow.append(name)
        print(
            f"{name:<30} {rows:>5}  {median:>9.2f} / {_p95(ours_ms):>9.2f}  "
            f"{raw_median:>13.2f} / {_p95(raw_ms):>12.2f}  "
            f"{median / raw_median:>5.1f}  {'ok' if ok else 'SLOW'}"
        )
    for name, sql in EXTRA_RAW_SQL.items():
        rows, raw_ms = _timings(plain(sql), args.runs, args.warmup)
        print(
            f"{name:<30} {rows:>5}  {'':>21}  "
            f"{statistics.median(raw_ms):>13.2f} / {_p95(raw_ms):>12.2f}"
        )
    print(f"\ncounts at {NOW:%Y-%m-%d %H:%M}: {counts}")
    print("\nEXPLAIN QUERY PLAN (ours, SQLite):")
    for name, lines in query_plans(store, NOW).items():
        print(f"  {name}")
        for line in lines:
            print(f"    {line}")
    raw.close()
    store.close()
    if slow:
        print(f"\nover {TARGET_MS:.0f} ms at p95: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
