"""A laptop's checkout of the office server and a week of one officer's offline work synced
back, against the scale data on a PostgreSQL server, with the office's own time for the
same week as the baseline of the same run.

    python bench/bench_sync.py --data-dir /tmp/scale-data [--whole-office]
    python bench/bench_sync.py --small            # a small office generated for the run

A throwaway PostgreSQL cluster is started and the data folder's database copied into it as
:mod:`bench.bench_server` does (opening the data folder first upgrades its database to the
current schema, in place, if it is older). Then, timed:

1. The first checkout of one officer's cases (the owner with the most open cases; their
   open and on-hold cases, with every contact and organisation): seconds and the laptop
   file's size. With ``--whole-office``, last, the checkout of everything too.
2. A week of that officer's work on the laptop with the services (300 calls logged on
   their cases, 60 steps moved on (a third done), 40 documents received, a few of them with
   a small scan attached), then one sync without a backup: seconds sending and receiving
   (split at the progress callback's last "send" report), operations each way, ms per
   operation. A second sync with nothing new follows: the price of syncing for nothing.
3. The baseline: the same week's shapes of work saved straight on the server by a colleague
   at the office (the next busiest owner's cases, so no record is touched twice), and the
   ratio of the sync's time to it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_server import load_into_server  # noqa: E402
from bench.generate import AS_OF, generate  # noqa: E402
from coordinator.errors import DomainError  # noqa: E402
from coordinator.kinds import ActionStatus, CaseStatus, DocumentState  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.services import actions, communications, documents  # noqa: E402
from coordinator.store.models import Action, Case, Communication, Document, SyncOp  # noqa: E402
from coordinator.store.storage import Store  # noqa: E402
from coordinator.sync.checkout import checkout  # noqa: E402
from coordinator.sync.exchange import SyncReport, sync  # noqa: E402
from tests import postgres_server  # noqa: E402

CALLS = 300
STEPS = 60
DOCUMENTS = 40
SCANS = 5
WEEK_START = AS_OF.replace(hour=0, minute=0) + timedelta(days=3)  # the Monday after the copy
SMALL_SCALE = 0.02


class Clock:
    """The officer's week: each piece of work a few minutes after the last."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Week:
    """What one officer's week touches: their cases' records, chosen on one store."""

    cases: list[int]
    contacts: list[int | None]
    steps: list[int]
    documents: list[int]


@dataclass
class Done:
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())


def busiest_owners(store: Store) -> list[tuple[str, int]]:
    with store.read() as session:
        rows = session.execute(
            select(Case.owner, func.count())
            .where(Case.status == CaseStatus.OPEN, Case.owner != "")
            .group_by(Case.owner)
            .order_by(func.count().desc(), Case.owner)
            .limit(2)
        ).all()
    return [(str(owner), int(n)) for owner, n in rows]


def references_of(store: Store, owner: str) -> list[str]:
    with store.read() as session:
        return list(
            session.scalars(
                select(Case.reference)
                .where(Case.owner == owner, Case.status.in_([CaseStatus.OPEN, CaseStatus.ON_HOLD]))
                .order_by(Case.id)
            )
        )


def week_of(store: Store, references: Sequence[str], seed: int) -> Week:
    """The officer's open cases on ``store``, their callers, movable steps, awaited papers."""
    with store.read() as session:
        cases = list(
            session.scalars(
                select(Case.id)
                .where(Case.reference.in_(list(references)), Case.status == CaseStatus.OPEN)
                .order_by(Case.id)
            )
        )
        contacts = list(
            session.scalars(
                select(Communication.contact_id)
                .where(Communication.case_id.in_(cases), Communication.contact_id.is_not(None))
                .distinct()
                .order_by(Communication.contact_id)
                .limit(200)
            )
        )
        steps = list(
            session.scalars(
                select(Action.id)
                .where(
                    Action.case_id.in_(cases),
                    Action.status.in_([ActionStatus.TODO, ActionStatus.IN_PROGRESS]),
                )
                .order_by(Action.id)
            )
        )
        papers = list(
            session.scalars(
                select(Document.id)
                .where(Document.case_id.in_(cases), Document.state == DocumentState.REQUESTED)
                .order_by(Document.id)
            )
        )
    rng = random.Random(seed)
    rng.shuffle(steps)
    rng.shuffle(papers)
    return Week(cases, contacts or [None], steps, papers)


def work_a_week(store: Store, week: Week, clock: Clock, scan: Path, seed: int) -> Done:
    """300 calls, 60 steps moved on, 40 documents received (a few scanned): each piece
    timed, as saved one by one through the services."""
    rng = random.Random(seed)
    done = Done()
    if not week.cases:
        raise SystemExit("the officer has no open case to work on")

    def timed(what: str, work: Callable[[], object]) -> bool:
        clock.now += timedelta(minutes=rng.randint(1, 4))
        if clock.now.hour >= 18:  # the next working day
            clock.now = (clock.now + timedelta(days=1)).replace(hour=9, minute=0)
        started = time.perf_counter()
        try:
            work()
        except DomainError:
            return False
        done.seconds[what] = done.seconds.get(what, 0.0) + time.perf_counter() - started
        done.counts[what] = done.counts.get(what, 0) + 1
        return True

    clock.now = WEEK_START.replace(hour=9)
    for n in range(CALLS):
        case_id = week.cases[rng.randrange(len(week.cases))]
        contact_id = week.contacts[rng.randrange(len(week.contacts))]
        timed(
            "calls logged",
            lambda c=case_id, p=contact_id, n=n: communications.log(
                store,
                channel="phone",
                contact_id=p,
                case_id=c,
                duration_seconds=60 + n % 240,
                notes=f"询问审批进度，约定下周回复（第{n + 1}通）",
                follow_up_due=clock.now + timedelta(days=2) if n % 5 == 0 else None,
            ),
        )
    moved = 0
    for i, step in enumerate(week.steps):
        if moved == STEPS:
            break
        target = ActionStatus.DONE if i % 3 == 0 else ActionStatus.IN_PROGRESS
        if timed("steps moved on", lambda s=step, t=target: actions.set_status(store, s, t)) or (
            target is ActionStatus.DONE  # waits on an unfinished step: only started
            and timed(
                "steps moved on",
                lambda s=step: actions.set_status(store, s, ActionStatus.IN_PROGRESS),
            )
        ):
            moved += 1
    for i, paper in enumerate(week.documents[:DOCUMENTS]):
        timed(
            "documents received",
            lambda d=paper: documents.transition(store, d, DocumentState.RECEIVED),
        )
        if i < SCANS:
            timed("scans attached", lambda d=paper: documents.attach_file(store, d, scan))
    return done


def sync_timed(laptop: Store, server: Store) -> tuple[SyncReport, float, float]:
    """One sync without a backup; (report, seconds sending, seconds receiving)."""
    marks: dict[str, float] = {}

    def progress(stage: str, _done: int, _total: int) -> None:
        marks[stage] = time.perf_counter()

    started = time.perf_counter()
    report = sync(laptop, server, progress=progress, backup=False)
    ended = time.perf_counter()
    sent_at = marks.get("send", started)
    return report, sent_at - started, ended - sent_at


def ops_count(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(SyncOp)) or 0)


def megabytes(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def timed_checkout(
    server: Store, data_dir: Path, references: Sequence[str] | None
) -> tuple[Store, float, float, int]:
    """(laptop store, seconds, laptop database MB, rows)."""
    seen: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        if rows - seen.get(table, 0) >= 200_000:
            seen[table] = rows
            print(f"    {table}: {rows:,} rows", flush=True)

    started = time.perf_counter()
    laptop, report = checkout(server, data_dir, cases=references, progress=progress)
    seconds = time.perf_counter() - started
    database = laptop.database_path
    size = sum(
        p.stat().st_size
        for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
        if p.exists()
    )
    return laptop, seconds, size / 1e6, report.rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", type=Path, help="the scale data (bench/generate.py)")
    where.add_argument(
        "--small", action="store_true", help=f"generate an office at scale {SMALL_SCALE} first"
    )
    parser.add_argument("--whole-office", action="store_true", help="time a full checkout too")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    why = postgres_server.missing()
    if why is not None:
        print(f"cannot start a PostgreSQL server here: {why}", file=sys.stderr)
        return 2
    work_dir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        return _run(args, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _run(args: argparse.Namespace, work_dir: Path) -> int:
    data_dir: Path = args.data_dir
    if args.small:
        data_dir = work_dir / "small-office"
        started = time.perf_counter()
        generate(data_dir, SMALL_SCALE, args.seed)
        print(f"small office generated in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    source = open_store(data_dir, clock=lambda: AS_OF)
    print(f"data: {source.database_path} (opened in {time.perf_counter() - started:.0f} s)")
    clock = Clock(AS_OF)
    scan = work_dir / "营业执照扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned business licence\n" * 3000)  # about 100 KB
    rows: list[tuple[str, str]] = []

    def add(row: tuple[str, str]) -> None:
        """Shown at once (a slow step still leaves the ones before it), tabled at the end."""
        print(f"  {row[0]}: {row[1].strip()}", flush=True)
        rows.append(row)

    with postgres_server.running(durable=True) as pg:
        print(f"server: {pg.version}, commits synced to disk; loading the data")
        server, load_times = load_into_server(source, pg.url(pg.create_database()), work_dir)
        source.close()
        server.clock = clock
        owners = busiest_owners(server)
        if owners:  # the busiest owner's cases on the laptop; the next one's at the office
            officer, open_cases = owners[0]
            references = references_of(server, officer)
            laptop_cases = references
            office_cases = references_of(server, owners[-1][0]) if len(owners) > 1 else []
            print(f"officer: {officer} ({open_cases} open cases, {len(references)} checked out)")
        if not owners or not office_cases:
            # No owner named (the scale data names none): the office's open work is the
            # officer's; the laptop's week and the office's go to alternate cases of it.
            references = references_of(server, "") if not owners else references
            laptop_cases, office_cases = references[0::2], references[1::2]
            print(f"no second owner named: {len(references)} open or on-hold cases checked out")
        laptop, seconds, size, copied = timed_checkout(server, work_dir / "laptop", references)
        add(
            (
                f"checkout, one officer ({len(references)} cases)",
                f"{seconds:8.1f} s  {size:8.1f} MB  {copied:,} rows",
            )
        )
        laptop.clock = clock
        ops_before = ops_count(server)

        week = work_a_week(laptop, week_of(laptop, laptop_cases, args.seed), clock, scan, args.seed)
        counts = ", ".join(f"{n} {what}" for what, n in week.counts.items())
        add(
            (
                "the week saved on the laptop",
                f"{week.total_seconds:8.1f} s  {1000 * week.total_seconds / week.total_count:6.1f}"
                f" ms per piece of work ({counts})",
            )
        )
        report, sending, receiving = sync_timed(laptop, server)
        total = sending + receiving
        add(("sync: send", f"{sending:8.1f} s  {report.sent:,} operations"))
        add(
            (
                "sync: receive",
                f"{receiving:8.1f} s  {report.received:,} operations"
                f" ({report.conflicts} conflicts)",
            )
        )
        add(
            (
                "sync: the week, all told",
                f"{total:8.1f} s  {1000 * total / max(1, report.sent + report.received):6.1f} ms"
                f" per operation, {1000 * total / week.total_count:6.1f} ms per piece of work",
            )
        )
        again, sending_again, receiving_again = sync_timed(laptop, server)
        add(
            (
                "sync again, nothing new",
                f"{sending_again + receiving_again:8.2f} s  "
                f"{again.sent} sent, {again.received} received",
            )
        )
        print(f"  the server's operations: {ops_before:,} before the sync")
        laptop.close()

        # The baseline: the same shapes of work saved at the office, on other cases.
        at_office = work_a_week(
            server, week_of(server, office_cases, args.seed), clock, scan, args.seed
        )
        counts = ", ".join(f"{n} {what}" for what, n in at_office.counts.items())
        add(
            (
                "baseline: the week saved at the office",
                f"{at_office.total_seconds:8.1f} s  "
                f"{1000 * at_office.total_seconds / at_office.total_count:6.1f} ms per piece"
                f" of work ({counts})",
            )
        )
        add(("sync / baseline", f"{total / at_office.total_seconds:8.2f} x  (the week's sync)"))

        if args.whole_office:
            print("checking out the whole office…", flush=True)
            whole, seconds, size, copied = timed_checkout(server, work_dir / "whole", None)
            whole.close()
            add(
                ("checkout, the whole office", f"{seconds:8.1f} s  {size:8.1f} MB  {copied:,} rows")
            )
            shutil.rmtree(work_dir / "whole", ignore_errors=True)
        server.close()

    width = max(len(label) for label, _ in rows)
    print(f"\n{'measure':<{width}}  result")
    print("-" * (width + 60))
    for label, result in rows:
        print(f"{label:<{width}}  {result}")
    print("\nloading the server:")
    for label, seconds in load_times.items():
        print(f"  {label:<28} {seconds:>8.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
