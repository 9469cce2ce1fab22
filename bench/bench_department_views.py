"""Time the department views' first rows on a generated data folder, beside raw sqlite3.

    QT_QPA_PLATFORM=offscreen python bench/bench_department_views.py \\
        [--data-dir /tmp/scale-data2] [--repeat 3]

Each measure runs ``--repeat`` times in one process and reports the first run (cold
statement caches) and the median. The app figures go from constructing the view (or
choosing the department) to its first rows painted: id counts and heads in SQL, one
window of display rows, working time for those rows, the department summary, Qt's
paint. The raw figures run the same SQL, written by hand, through the sqlite3 module on
a read-only connection, and fetch the same rows without formatting them: the floor the
app's layers stand on.

The data folder is opened read-only: nothing is migrated or written. If it holds no
database it is generated first (``bench/generate.py``, scale 1.0).
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

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bench.generate import AS_OF  # noqa: E402
from coordinator.queries import actions as aq  # noqa: E402
from coordinator.store.storage import DATABASE_NAME, Store  # noqa: E402
from ui.hub import Hub  # noqa: E402
from ui.views.actions import ActionsView  # noqa: E402
from ui.views.department_sources import FULL_READ_MAX  # noqa: E402
from ui.views.documents import DocumentsView  # noqa: E402
from ui.widgets.lazy_table import EDGE, WINDOW  # noqa: E402

OPEN = "('todo', 'in_progress', 'waiting', 'waiting_company', 'blocked')"
UNFINISHED = "('requested', 'received', 'forwarded', 'returned', 'resubmitted', 'accepted_missing')"
SINCE = (
    "MAX(COALESCE(requested_at, received_at, forwarded_at, accepted_at, returned_at, "
    "resubmitted_at), COALESCE(received_at, requested_at, forwarded_at, accepted_at, "
    "returned_at, resubmitted_at), COALESCE(forwarded_at, requested_at, received_at, "
    "accepted_at, returned_at, resubmitted_at), COALESCE(accepted_at, requested_at, "
    "received_at, forwarded_at, returned_at, resubmitted_at), COALESCE(returned_at, "
    "requested_at, received_at, forwarded_at, accepted_at, resubmitted_at), "
    "COALESCE(resubmitted_at, requested_at, received_at, forwarded_at, accepted_at, "
    "returned_at))"
)


def paint(app: QApplication, widget: QWidget) -> None:
    """Show ``widget`` and paint it now (what the officer sees first)."""
    if not widget.isVisible():
        widget.resize(1200, 800)
        widget.show()
        while widget.windowHandle() is None or not widget.windowHandle().isExposed():
            app.processEvents()
    widget.repaint()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


# -- raw sqlite3 equivalents -------------------------------------------------------------


def raw_list(
    db: sqlite3.Connection, where: str, order: str, reverse: str, table: str, rows_sql: str
) -> None:
    """count, the ids (head and tail of a long list), one window of display rows."""
    total = db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    if total <= max(2 * EDGE, FULL_READ_MAX):  # as the app does: one sorted read
        ids = [r[0] for r in db.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY {order}")]
    else:
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT id FROM {table} WHERE {where} ORDER BY {order} LIMIT {EDGE}"
            )
        ]
        tail = total - ((total - EDGE) // WINDOW) * WINDOW
        db.execute(
            f"SELECT id FROM {table} WHERE {where} ORDER BY {reverse} LIMIT {tail}"
        ).fetchall()
    window = ids[:WINDOW]
    marks = ",".join("?" * len(window))
    for statement in rows_sql.split(";"):
        db.execute(statement.replace("{ids}", marks), window).fetchall()


ACTION_ROWS = (
    "SELECT action_id, started_at, ended_at FROM action_pauses WHERE action_id IN ({ids}) "
    "ORDER BY action_id, started_at, id;"
    "SELECT a.id, a.case_id, c.reference, c.fast_track, co.name, a.department_id, d.name, "
    "a.title, a.status, a.requested_at, a.due_at, a.done_at, a.blocked_reason "
    "FROM actions a JOIN cases c ON c.id = a.case_id "
    "LEFT JOIN organisations co ON co.id = c.company_id "
    "JOIN organisations d ON d.id = a.department_id WHERE a.id IN ({ids})"
)

DOCUMENT_ROWS = (
    "SELECT document_id, count(*) FROM document_files WHERE document_id IN ({ids}) "
    "GROUP BY document_id;"
    f"SELECT d.id, d.case_id, c.reference, co.name, d.title, d.state, d.holder_id, h.name, "
    f"d.destination_id, {SINCE}, d.is_original, d.stamped, d.missing_items, "
    "d.promised_completion_at, d.return_reason "
    "FROM documents d JOIN cases c ON c.id = d.case_id "
    "LEFT JOIN organisations co ON co.id = c.company_id "
    "LEFT JOIN organisations h ON h.id = d.holder_id WHERE d.id IN ({ids})"
)  # the stamp columns exist in documents only: SINCE needs no table prefix


def raw_departments(db: sqlite3.Connection, now: str) -> None:
    db.execute(
        "SELECT department_id, id, requested_at, "
        f"CASE WHEN status IN ('todo', 'in_progress', 'waiting', 'blocked') AND due_at < '{now}' "
        f"THEN 1 ELSE 0 END FROM actions WHERE status IN {OPEN}"
    ).fetchall()
    db.execute("SELECT id, name FROM organisations WHERE kind != 'company'").fetchall()
    db.execute(
        "SELECT action_id, started_at, ended_at FROM action_pauses WHERE action_id IN "
        f"(SELECT id FROM actions WHERE status IN {OPEN} AND requested_at IS NOT NULL) "
        "ORDER BY action_id, started_at"
    ).fetchall()


def raw_actions(db: sqlite3.Connection, now: str, where: str) -> None:
    raw_departments(db, now)
    raw_list(
        db,
        where,
        "requested_at ASC NULLS LAST, id ASC",
        "requested_at DESC NULLS FIRST, id DESC",
        "actions",
        ACTION_ROWS,
    )


def raw_documents(db: sqlite3.Connection) -> None:
    db.execute(
        "SELECT id, name FROM organisations WHERE kind != 'company' ORDER BY name"
    ).fetchall()
    raw_list(
        db,
        f"state IN {UNFINISHED}",
        f"{SINCE} ASC NULLS LAST, id ASC",
        f"{SINCE} DESC NULLS FIRST, id DESC",
        "documents",
        DOCUMENT_ROWS,
    )


# -- the run -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/scale-data2"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    database = args.data_dir / DATABASE_NAME
    if not database.exists():
        from bench.generate import generate

        print(f"generating {args.data_dir} ...", flush=True)
        generate(args.data_dir, 1.0, 1)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    store = Store(args.data_dir)
    now = AS_OF

    def clock() -> datetime:
        return now

    hub = Hub(store)
    raw = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    now_text = now.isoformat(sep=" ")

    with store.snapshot():
        loads = aq.department_loads(store, store.calendar(), now)
        open_steps = aq.count(store)
    busiest = max(loads, key=lambda d: d.open_steps)

    results: dict[str, list[float]] = {}

    def measure(name: str, fn: Callable[[], object]) -> None:
        results.setdefault(name, []).append(timed(fn))

    bare_widgets: list[QWidget] = []
    views: list[QWidget] = []
    for _ in range(args.repeat):
        bare = QWidget()
        bare_widgets.append(bare)
        measure("bare QWidget shown + painted", lambda w=bare: paint(app, w))

        def actions_first() -> ActionsView:
            view = ActionsView(store, hub, clock)
            paint(app, view)
            views.append(view)
            return view

        measure(f"actions: construct -> first rows painted ({open_steps:,} open)", actions_first)
        view = views[-1]
        assert isinstance(view, ActionsView)
        assert view.model.window_fetches >= 1, "no row was painted"
        measure(
            "  raw sqlite3: summary + count + head/tail ids + 200 rows",
            lambda: raw_actions(raw, now_text, f"status IN {OPEN}"),
        )

        def one_department(v: ActionsView = view) -> None:
            v.select("organisation", busiest.department_id)
            v.table.viewport().repaint()

        measure(
            f"actions: choose {busiest.name} -> its rows painted ({busiest.open_steps} open)",
            one_department,
        )
        assert view.model.rowCount() == busiest.open_steps
        measure(
            "  raw sqlite3: count + ids + 200 rows of one department",
            lambda: raw_list(
                raw,
                f"department_id = {busiest.department_id} AND status IN {OPEN}",
                "requested_at ASC NULLS LAST, id ASC",
                "requested_at DESC NULLS FIRST, id DESC",
                "actions",
                ACTION_ROWS,
            ),
        )

        def all_statuses(v: ActionsView = view) -> None:
            v.clear_filters()
            v.status.setCurrentIndex(v.status.findData("all"))
            v.table.viewport().repaint()

        measure("actions: all statuses (every step) -> first rows painted", all_statuses)
        measure(
            "  raw sqlite3: count + head/tail ids + 200 rows of every step",
            lambda: raw_list(
                raw,
                "1=1",
                "requested_at ASC NULLS LAST, id ASC",
                "requested_at DESC NULLS FIRST, id DESC",
                "actions",
                ACTION_ROWS,
            ),
        )

        def documents_first() -> None:
            docs = DocumentsView(store, hub, clock)
            paint(app, docs)
            views.append(docs)
            assert docs.model.window_fetches >= 1

        measure("documents: construct -> first rows painted (not yet accepted)", documents_first)
        measure(
            "  raw sqlite3: holders + count + head/tail ids + 200 rows",
            lambda: raw_documents(raw),
        )
        for widget in (*bare_widgets, *views):
            widget.close()
        app.processEvents()

    width = max(len(name) for name in results)
    print(f"{'measure':<{width}}  {'first':>8}  {'median':>8}  all runs (ms)")
    for name, values in results.items():
        runs = " ".join(f"{v:.1f}" for v in values)
        print(f"{name:<{width}}  {values[0]:>8.1f}  {statistics.median(values):>8.1f}  {runs}")
    raw.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
