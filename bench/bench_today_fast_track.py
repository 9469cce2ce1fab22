"""Time Today's fast-track section against its raw queries, on a generated data folder.

    python bench/generate.py --data-dir /tmp/scale-data
    QT_QPA_PLATFORM=offscreen python bench/bench_today_fast_track.py \\
        --data-dir /tmp/scale-data [--runs 30]

Four ways to the same clocks of the newest ``--shown`` open fast-track cases, each
warmed up and then timed ``--runs`` times in turn, in this one run:

* raw: the section's two queries (the cases with their companies; their live steps'
  promised limits and dependencies) written by hand for the stdlib sqlite3 module,
  rows left as tuples: the floor;
* ours: :func:`coordinator.queries.dashboard.fast_track_clocks`, the same queries
  through the Store with the working time counted for each case;
* section: ``TodayView.show_fast_track``, the clocks made into the rows on screen;
* per case (before): a case and its full clock read one case at a time, as the section
  did before, to show what batching saved.

The table gives the median and 95th percentile and each median's ratio to raw's. The
target is the section at no more than 3x the raw queries.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from coordinator.queries import cases as case_queries  # noqa: E402
from coordinator.queries import dashboard  # noqa: E402
from coordinator.queries.timing import case_clock  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.store.storage import Store  # noqa: E402
from ui.hub import Hub  # noqa: E402
from ui.views.today import FAST_TRACK_SHOWN, TodayView  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0)
TARGET_RATIO = 3.0

RAW_CASES = """
SELECT c.id, c.reference, c.title, o.name, c.opened_at, c.normal_duration_hours
FROM cases AS c LEFT JOIN organisations AS o ON o.id = c.company_id
WHERE c.status = 'open' AND c.fast_track = 1
ORDER BY c.opened_at DESC, c.id DESC LIMIT ?
"""
RAW_STEPS = """
SELECT a.id, a.case_id, a.promised_limit_hours, d.depends_on_id
FROM actions AS a LEFT JOIN action_dependencies AS d ON d.action_id = a.id
WHERE a.case_id IN ({ids}) AND a.status != 'cancelled'
ORDER BY a.case_id, a.id, d.depends_on_id
"""


def raw_queries(connection: sqlite3.Connection, shown: int) -> int:
    cases = connection.execute(RAW_CASES, (shown,)).fetchall()
    ids = [row[0] for row in cases]
    if ids:
        marks = ", ".join("?" * len(ids))
        connection.execute(RAW_STEPS.format(ids=marks), ids).fetchall()
    return len(cases)


def per_case(store: Store, shown: int) -> int:
    """The section as it was: for each case, the case, then its whole clock."""
    with store.read() as session:
        cases = session.execute(dashboard.fast_track_cases_stmt(), {"limit": shown})
        ids = [row[0] for row in cases]
    for ident in ids:
        case_queries.get(store, ident)
        case_clock(store, ident, NOW)
    return len(ids)


def interleaved(
    measures: dict[str, Callable[[], int]], runs: int, warmup: int
) -> dict[str, tuple[int, list[float]]]:
    """Each measure timed ``runs`` times, taking turns run by run: on a busy machine a
    burst of load then falls on all of them alike, and the ratios stay fair."""
    rows = {name: 0 for name in measures}
    for _ in range(warmup):
        for name, run in measures.items():
            rows[name] = run()
    spent: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, run in measures.items():
            started = time.perf_counter()
            rows[name] = run()
            spent[name].append((time.perf_counter() - started) * 1000)
    return {name: (rows[name], spent[name]) for name in measures}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--shown", type=int, default=FAST_TRACK_SHOWN)
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = open_store(args.data_dir, clock=lambda: NOW)
    raw = sqlite3.connect(f"file:{store.database_path}?mode=ro", uri=True)
    view = TodayView(store, Hub(store), lambda: NOW)

    def section() -> int:
        view.show_fast_track()
        return view.fast_track.model.rowCount()

    measured = interleaved(
        {
            "raw sqlite3 (2 queries)": lambda: raw_queries(raw, args.shown),
            "ours: fast_track_clocks": lambda: len(
                dashboard.fast_track_clocks(store, NOW, args.shown)
            ),
            "section: show_fast_track": section,
            "per case (before)": lambda: per_case(store, args.shown),
        },
        args.runs,
        args.warmup,
    )
    raw_median = statistics.median(measured["raw sqlite3 (2 queries)"][1])
    print(f"data: {store.database_path}  now: {NOW:%Y-%m-%d %H:%M}  runs: {args.runs}")
    header = f"{'measure':<26} {'cases':>5}  {'median ms':>9}  {'p95 ms':>8}  {'x raw':>6}"
    print(header)
    print("-" * len(header))
    for name, (rows, spent) in measured.items():
        median = statistics.median(spent)
        print(
            f"{name:<26} {rows:>5}  {median:>9.2f}  {p95(spent):>8.2f}  {median / raw_median:>6.1f}"
        )
    ratio = statistics.median(measured["section: show_fast_track"][1]) / raw_median
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"\nsection / raw = {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x): {verdict}")
    view.deleteLater()
    app.processEvents()
    raw.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
