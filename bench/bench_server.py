"""The scale data on an office PostgreSQL server, beside the same data in SQLite, timed in
one run: the Today screen's queries, caller recognition with its card, the search, and
saving a call.

    python bench/generate.py --data-dir /tmp/scale-data
    python bench/bench_server.py --data-dir /tmp/scale-data [--runs 30]

A throwaway PostgreSQL cluster (Debian's binaries, a temporary folder, loopback, commits
synced to disk as a real server would) is started; the data folder's database is copied
into it row for row (:func:`coordinator.store.table_copy.copy_tables`, by COPY) and the
server's search index is built by opening it, both timed. Then every operation runs the
same inputs on both stores, warmed up, ``--runs`` times: the table gives each one's
median and 95th percentile in milliseconds and the ratio of the server's median to the
laptop file's. The server is on the same machine: a real office adds its network's round
trips (about 0.2–1 ms each on a LAN) to every statement.

The SQLite store is opened as is (its index built first if it has none); nothing is
written to it but the saved calls of the last measure, which go to a copy.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import select, text  # noqa: E402

from bench.bench_search import ONE_HAN, PINYIN, TWO_HAN, fragments  # noqa: E402
from coordinator.queries import caller, dashboard  # noqa: E402
from coordinator.queries import caller_card as card_queries  # noqa: E402
from coordinator.queries.search import SearchFilter, search  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.services import communications  # noqa: E402
from coordinator.store import migrate  # noqa: E402
from coordinator.store.changes import ChangeKind  # noqa: E402
from coordinator.store.models import Communication, Contact, PhoneNumber  # noqa: E402
from coordinator.store.storage import Store  # noqa: E402
from coordinator.store.table_copy import copy_tables  # noqa: E402
from tests import postgres_server  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0)
CALLS = SearchFilter(kinds=frozenset({ChangeKind.COMMUNICATION}))


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(inputs: Sequence[Any], runs: int, work: Callable[[Any], object]) -> list[float]:
    """Each input warmed once, then ``runs`` times in all, spread over the inputs."""
    for value in inputs:
        work(value)
    spent: list[float] = []
    for i in range(runs):
        value = inputs[i % len(inputs)]
        started = time.perf_counter()
        work(value)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def caller_queries(store: Store, count: int, seed: int) -> list[str]:
    """Typed as the officer would: last 4 digits, initials, a name, mixed pinyin."""
    with store.read() as session:
        rows = session.execute(
            select(Contact.name, Contact.pinyin, Contact.initials, PhoneNumber.digits)
            .join(PhoneNumber, PhoneNumber.contact_id == Contact.id)
            .where(PhoneNumber.position == 0)
            .order_by(Contact.id)
            .limit(20_000)
        ).all()
    rng = random.Random(seed)
    typed = []
    for i, (name, pinyin, initials, digits) in enumerate(rng.sample(rows, count)):
        syllables = pinyin.split()
        typed.append(
            [
                digits[-4:],
                initials.split()[0] if initials else name,
                name,
                syllables[0] + "".join(s[0] for s in syllables[1:]) if syllables else name,
            ][i % 4]
        )
    return typed


def recognise_with_card(store: Store, typed: str) -> object:
    result = caller.recognise(store, typed)
    if result.best is not None:
        card_queries.caller_card(store, result.best.contact_id, NOW)
    return result


def load_into_server(source: Store, url: str, work_dir: Path) -> tuple[Store, dict[str, float]]:
    """The scale data copied to the server and its index built; the times taken."""
    times: dict[str, float] = {}
    target = Store(work_dir / "server", url=url, clock=lambda: NOW)
    migrate.upgrade(target)
    started = time.perf_counter()
    seen: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        if rows - seen.get(table, 0) >= 200_000:
            seen[table] = rows
            print(f"    {table}: {rows:,} rows", flush=True)

    with source.engine.connect() as src, target.engine.begin() as dst:
        copied = copy_tables(src, dst, progress)
    times["copy every row (COPY)"] = time.perf_counter() - started
    print(f"  copied {sum(copied.values()):,} rows in {times['copy every row (COPY)']:.0f} s")
    with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        times["VACUUM ANALYZE"] = time.perf_counter() - started
    target.close()
    started = time.perf_counter()
    opened = open_store(work_dir / "server", url=url, clock=lambda: NOW)
    times["search index built"] = time.perf_counter() - started
    print(f"  search index built in {times['search index built']:.0f} s")
    return opened, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    why = postgres_server.missing()
    if why is not None:
        print(f"cannot start a PostgreSQL server here: {why}", file=sys.stderr)
        return 2
    laptop = open_store(args.data_dir, clock=lambda: NOW)
    with laptop.read() as session:
        calls = session.scalar(select(Communication.id).order_by(Communication.id.desc()))
    print(f"data: {laptop.database_path} ({calls:,} communications)  runs: {args.runs}")
    work_dir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    with postgres_server.running(durable=True) as server:
        print(f"server: {server.version}, commits synced to disk")
        name = server.create_database()
        office, load_times = load_into_server(laptop, server.url(name), work_dir)
        stores = {"SQLite": laptop, "PostgreSQL": office}
        typed = caller_queries(laptop, 40, args.seed)
        digits = fragments(laptop, 8, args.seed)
        measures: dict[str, tuple[Sequence[Any], Callable[[Store, Any], object]]] = {
            f"today: {label}": ([NOW], lambda s, now, f=fn: f(s, now))
            for label, fn in {
                "overdue steps": dashboard.overdue_actions,
                "steps due today": dashboard.actions_due_today,
                "open follow-ups": dashboard.open_follow_ups,
                "unfiled": dashboard.unfiled_communications,
                "documents waiting": dashboard.documents_waiting,
                "counts": dashboard.counts,
            }.items()
        }
        measures["caller: recognise + card"] = (typed, recognise_with_card)
        for label, queries in {
            "1 Han character": ONE_HAN,
            "2 Han characters": TWO_HAN,
            "4 digits of a number": digits,
            "pinyin / initials": PINYIN,
        }.items():
            measures[f"search calls, {label}"] = (
                list(queries),
                lambda s, q: search(s, q, CALLS, limit=50),
            )
        measures["search panel (every kind)"] = (
            [*ONE_HAN[:3], *TWO_HAN[:3], *digits[:3], *PINYIN[:3]],
            lambda s, q: search(s, q, limit=8),
        )
        header = (
            f"{'measure':<36} {'SQLite ms (median/p95)':>23}  {'server ms (median/p95)':>23}  ratio"
        )
        print("\n" + header)
        print("-" * len(header))
        for label, (inputs, work) in measures.items():
            results = {
                kind: timed(inputs, args.runs, lambda value, s=store, w=work: w(s, value))
                for kind, store in stores.items()
            }
            lite, served = results["SQLite"], results["PostgreSQL"]
            print(
                f"{label:<36} {statistics.median(lite):>10.2f} / {p95(lite):>10.2f}  "
                f"{statistics.median(served):>10.2f} / {p95(served):>10.2f}  "
                f"{statistics.median(served) / statistics.median(lite):>5.2f}"
            )
        # Saving: on a copy of the laptop's file (nothing written to the data folder).
        copy_dir = work_dir / "laptop-copy"
        copy_dir.mkdir()
        laptop.close()
        shutil.copy2(args.data_dir / "liaison-hub.sqlite3", copy_dir / "liaison-hub.sqlite3")
        writable = open_store(copy_dir, clock=lambda: NOW)
        with writable.read() as session:
            pairs = session.execute(
                select(Communication.contact_id, Communication.case_id)
                .where(Communication.contact_id.is_not(None), Communication.case_id.is_not(None))
                .order_by(Communication.id.desc())
                .limit(200)
            ).all()

        def save(store: Store, pair: tuple[int, int]) -> object:
            return communications.log(
                store,
                at=NOW,
                channel="phone",
                contact_id=pair[0],
                case_id=pair[1],
                duration_seconds=95,
                notes="询问营业执照进度",
                follow_up_due=NOW + timedelta(hours=2),
            )

        saved = {
            kind: timed(pairs[:10], args.runs, lambda p, s=store: save(s, p))
            for kind, store in {"SQLite": writable, "PostgreSQL": office}.items()
        }
        lite, served = saved["SQLite"], saved["PostgreSQL"]
        print(
            f"{'save a call (synced commit)':<36} {statistics.median(lite):>10.2f} / "
            f"{p95(lite):>10.2f}  {statistics.median(served):>10.2f} / {p95(served):>10.2f}  "
            f"{statistics.median(served) / statistics.median(lite):>5.2f}"
        )
        print("\nloading the server:")
        for label, seconds in load_times.items():
            print(f"  {label:<28} {seconds:>8.1f} s")
        writable.close()
        office.close()
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
