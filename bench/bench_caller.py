"""Time caller recognition with its caller card, and saving a communication.

    python bench/generate.py --data-dir /tmp/scale-data
    python bench/bench_caller.py --data-dir /tmp/scale-data [--copy-dir DIR] [--runs 60]

Everything runs on a copy of the data folder's database (``--copy-dir``, made with
SQLite's backup API from a read-only connection, so the source is never written):
saving communications adds rows.

1. **Recognise + card**: what the quick-log panel does when the officer types and the
   phone rings: :func:`coordinator.queries.caller.recognise` on a query, then
   :func:`coordinator.queries.caller_card.caller_card` of the best candidate. Queries are
   drawn from the data (seeded): the last four digits of a number, a whole number typed in
   another format, initials, a name, mixed pinyin ("jiangy"). The raw-sqlite3
   equivalent replays, through the stdlib ``sqlite3`` module on its own connection,
   exactly the SQL statements ours sent for that query and card (captured with their
   parameters), rows left as tuples: the ratio is what the ORM, the plain dataclasses
   and the ranking in Python cost on top of the database.
2. **Save**: :func:`coordinator.services.communications.log` of one call (contact,
   case, notes, follow-up) through the Store (WAL, ``synchronous=FULL``), beside the
   same transaction by hand in sqlite3 with the same settings: check the contact and
   the case, insert the communication and its event, commit.

Targets (p95): recognise + card under 30 ms; save under 20 ms.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import event  # noqa: E402

from coordinator.paths import DATABASE_NAME  # noqa: E402
from coordinator.phones import normalise  # noqa: E402
from coordinator.queries import caller  # noqa: E402
from coordinator.queries import caller_card as card_queries  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402
from coordinator.services import communications  # noqa: E402
from coordinator.store.storage import Store  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0)
CARD_TARGET_MS = 30.0
SAVE_TARGET_MS = 20.0
KINDS = ("last 4 digits", "whole number", "initials", "name", "mixed pinyin")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _sql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME text


def _other_format(raw: str) -> str:
    """The same number as the officer might type it from a business card."""
    number = normalise(raw)
    national = number.digits
    if national.startswith("1") and len(national) == 11:
        return f"+86 {national[:3]}-{national[3:7]}-{national[7:]}"
    if national.startswith("574"):
        return f"(0574) {national[3:7]} {national[7:]}"
    return f"0086 {national}"


def _queries(raw: sqlite3.Connection, count: int, seed: int) -> list[tuple[str, str, int]]:
    """(kind, text, the contact meant) drawn from the data, the same for every run."""
    rng = random.Random(seed)
    rows = raw.execute(
        "SELECT c.id, c.name, c.pinyin, c.initials, p.raw, p.digits FROM contacts c "
        "JOIN phone_numbers p ON p.contact_id = c.id AND p.position = 0 ORDER BY c.id"
    ).fetchall()
    picked = rng.sample(rows, count)
    out: list[tuple[str, str, int]] = []
    for i, (ident, name, pinyin, initials, number, digits) in enumerate(picked):
        kind = KINDS[i % len(KINDS)]
        syllables = pinyin.split()
        text = {
            "last 4 digits": digits[-4:],
            "whole number": _other_format(number),
            "initials": initials.split()[0] if initials else name,
            "name": name,
            "mixed pinyin": syllables[0] + "".join(s[0] for s in syllables[1:]),
        }[kind]
        out.append((kind, text, ident))
    return out


class Recorder:
    """The statements a piece of work sent to the database, with their parameters."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.statements: list[tuple[str, Any]] = []

    def __enter__(self) -> Recorder:
        event.listen(self.store.engine, "before_cursor_execute", self._grab)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.store.engine, "before_cursor_execute", self._grab)

    def _grab(self, *args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def bench_card(store: Store, raw: sqlite3.Connection, runs: int, seed: int) -> int:
    queries = _queries(raw, runs, seed)
    found_first = found_among = 0
    ours: dict[str, list[float]] = {k: [] for k in KINDS}
    replayed: dict[str, list[float]] = {k: [] for k in KINDS}

    def ours_once(text: str) -> list[int]:
        result = caller.recognise(store, text)
        if result.best is not None:
            card_queries.caller_card(store, result.best.contact_id, NOW)
        return [c.contact_id for c in result.candidates]

    for _kind, text, _ident in queries[:5]:  # warm-up: caches, prepared statements
        ours_once(text)
    for kind, text, ident in queries:
        started = time.perf_counter()
        found = ours_once(text)
        ours[kind].append((time.perf_counter() - started) * 1000)
        found_first += found[:1] == [ident]
        found_among += ident in found
        with Recorder(store) as recorder:
            ours_once(text)
        started = time.perf_counter()
        for statement, parameters in recorder.statements:
            raw.execute(statement, parameters).fetchall()
        replayed[kind].append((time.perf_counter() - started) * 1000)

    everything = [v for values in ours.values() for v in values]
    everything_raw = [v for values in replayed.values() for v in values]
    slow = _p95(everything) >= CARD_TARGET_MS
    print(
        f"recognise + caller card: {len(queries)} queries; the contact meant comes first "
        f"for {found_first}, among the {caller.DEFAULT_LIMIT} candidates for {found_among} "
        "(four digits, initials and names are often shared)"
    )
    _header()
    for kind in KINDS:
        _line(f"  {kind}", ours[kind], replayed[kind], CARD_TARGET_MS)
    _line("recognise + card (all)", everything, everything_raw, CARD_TARGET_MS)
    return int(slow)


def bench_save(store: Store, raw: sqlite3.Connection, runs: int, seed: int) -> int:
    rng = random.Random(seed)
    pairs = raw.execute(
        "SELECT contact_id, case_id FROM communications WHERE contact_id IS NOT NULL "
        "AND case_id IS NOT NULL ORDER BY id DESC LIMIT 2000"
    ).fetchall()
    ours: list[float] = []
    by_hand: list[float] = []

    def ours_once(contact_id: int, case_id: int, i: int) -> None:
        communications.log(
            store,
            at=NOW,
            channel="phone",
            direction="in",
            contact_id=contact_id,
            case_id=case_id,
            duration_seconds=95,
            notes=f"询问营业执照进度 #{i}",
            follow_up_due=NOW + timedelta(hours=2),
        )

    def raw_once(contact_id: int, case_id: int, i: int) -> None:
        now = _sql_time(NOW)
        raw.execute("BEGIN")
        try:
            if (
                raw.execute("SELECT id FROM contacts WHERE id = ?", (contact_id,)).fetchone()
                is None
            ):
                raise LookupError(contact_id)
            reference = raw.execute(
                "SELECT reference FROM cases WHERE id = ?", (case_id,)
            ).fetchone()[0]
            cursor = raw.execute(
                "INSERT INTO communications (at, duration_seconds, direction, channel, "
                "contact_id, raw_number, number_e164, case_id, notes, follow_up_due, "
                "follow_up_done_at, source_key, created_at) "
                "VALUES (?, 95, 'in', 'phone', ?, '', '', ?, ?, ?, NULL, NULL, ?)",
                (
                    now,
                    contact_id,
                    case_id,
                    f"询问营业执照进度 #{i}",
                    _sql_time(NOW + timedelta(hours=2)),
                    now,
                ),
            )
            raw.execute(
                "INSERT INTO events (at, entity, entity_id, case_id, field, before, after) "
                "VALUES (?, 'communication', ?, ?, 'logged', NULL, ?)",
                (now, cursor.lastrowid, case_id, f"phone {reference}"),
            )
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    for i in range(3):
        contact_id, case_id = rng.choice(pairs)
        ours_once(contact_id, case_id, i)
        raw_once(contact_id, case_id, i)
    for i in range(runs):
        contact_id, case_id = rng.choice(pairs)
        started = time.perf_counter()
        ours_once(contact_id, case_id, i)
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        raw_once(contact_id, case_id, i)
        by_hand.append((time.perf_counter() - started) * 1000)
    print(f"\nsaving a communication (synchronous=FULL, WAL): {runs} saves each")
    _header()
    _line("save a call", ours, by_hand, SAVE_TARGET_MS)
    return int(_p95(ours) >= SAVE_TARGET_MS)


def _header() -> None:
    header = (
        f"{'':<28} {'ours ms (median/p95)':>21}  {'raw sqlite3 ms (median/p95)':>28}  "
        f"{'ratio':>5}  target"
    )
    print(header)
    print("-" * len(header))


def _line(name: str, ours: list[float], raw: list[float], target: float) -> None:
    median, raw_median = statistics.median(ours), statistics.median(raw)
    ok = _p95(ours) < target
    print(
        f"{name:<28} {median:>9.2f} / {_p95(ours):>9.2f}  "
        f"{raw_median:>13.2f} / {_p95(raw):>12.2f}  "
        f"{median / raw_median:>5.1f}  {'ok' if ok else 'SLOW'} (<{target:.0f})"
    )


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API (safe while in WAL mode)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _copy(source_dir: Path, copy_dir: Path, fresh: bool) -> Path:
    source = source_dir / DATABASE_NAME
    target = copy_dir / DATABASE_NAME
    if not source.exists():
        raise SystemExit(f"no database at {source}: run bench/generate.py first")
    if fresh or not target.exists():
        for stale in (target, target.with_name(target.name + "-wal")):
            stale.unlink(missing_ok=True)
        print(f"copying {source} to {target} ...", flush=True)
        _sqlite_copy(source, target)
    return copy_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path, help="the scale data (read only)")
    parser.add_argument(
        "--copy-dir",
        type=Path,
        default=Path("/tmp/scale-caller-copy"),
        help="where the copy that is read and written lives",
    )
    parser.add_argument("--fresh-copy", action="store_true", help="copy again even if present")
    parser.add_argument("--runs", type=int, default=60, help="queries, and saves")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    folder = _copy(args.data_dir, args.copy_dir, args.fresh_copy)
    store = open_store(folder, clock=lambda: NOW)
    raw = sqlite3.connect(store.database_path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        raw.execute(f"PRAGMA {pragma}")
    counts = {
        table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("contacts", "phone_numbers", "communications", "cases")
    }
    print(f"data: {store.database_path}  now: {NOW:%Y-%m-%d %H:%M}  {counts}\n")
    slow = bench_card(store, raw, args.runs, args.seed)
    slow += bench_save(store, raw, args.runs, args.seed)
    raw.close()
    store.close()
    if slow:
        print("\nover target at p95")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
