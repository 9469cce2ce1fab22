"""Back up the scale dataset, and measure what the officer would feel meanwhile.

    python bench/bench_backup.py [--data-dir DIR] [--source DIR]

DIR (default /tmp/scale-backup-copy) is a working copy of the scale dataset SOURCE
(default /tmp/scale-data2), made on the first run; SOURCE itself is only ever read
(and generated with ``bench/generate.py`` if it does not exist). The backups this
benchmark makes are removed at the end.

A backup runs in a worker thread while the main thread plays the GUI thread: it asks to
wake every 10 ms and records the gaps between wake-ups. The longest gap is the longest
the GUI would have stalled (target: < 100 ms). The table compares each step with a
baseline measured in the same run: ``shutil.copyfile`` of the same database file.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from coordinator.paths import DATABASE_NAME  # noqa: E402
from coordinator.safety import backup, catalogue, copying  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402

TICK = 0.010
TARGET_STALL = 0.100


@dataclass
class Run:
    seconds: float = 0.0
    gaps: list[float] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def max_gap(self) -> float:
        return max(self.gaps, default=0.0)

    @property
    def p99_gap(self) -> float:
        if len(self.gaps) < 2:
            return self.max_gap
        return statistics.quantiles(self.gaps, n=100)[98]


def ensure_copy(source: Path, target: Path) -> None:
    if (target / DATABASE_NAME).exists():
        return
    if not (source / DATABASE_NAME).exists():
        print(f"generating the scale dataset in {source} ...", flush=True)
        subprocess.run(
            [sys.executable, str(PROJECT_DIR / "bench" / "generate.py"), "--data-dir", str(source)],
            check=True,
        )
    print(f"copying {source} to {target} (read-only on the source) ...", flush=True)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    src = sqlite3.connect(f"file:{source / DATABASE_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(target / DATABASE_NAME)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    (target / DATABASE_NAME).chmod(0o600)
    if (source / "files").is_dir():
        shutil.copytree(source / "files", target / "files", dirs_exist_ok=True)


def measure(work: threading.Thread) -> list[float]:
    """Tick every 10 ms on this thread while ``work`` runs; the gaps between ticks."""
    gaps: list[float] = []
    last = time.perf_counter()
    work.start()
    while work.is_alive():
        time.sleep(TICK)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    work.join()
    return gaps


def timed(job: object) -> Run:
    run = Run()
    failure: list[BaseException] = []
    marks: list[tuple[str, float]] = []

    def progress(p: copying.Progress) -> None:
        if not marks or marks[-1][0] != p.stage:
            marks.append((p.stage, time.perf_counter()))

    def body() -> None:
        try:
            job(progress)  # type: ignore[operator]
        except BaseException as exc:  # reported after the measurement
            failure.append(exc)

    started = time.perf_counter()
    run.gaps = measure(threading.Thread(target=body))
    ended = time.perf_counter()
    run.seconds = ended - started
    if failure:
        raise failure[0]
    ends = [at for _stage, at in marks[1:]] + [ended]
    for (stage, at), until in zip(marks, ends[: len(marks)], strict=True):
        run.stages[stage] = run.stages.get(stage, 0.0) + (until - at)
    return run


def idle_gaps(seconds: float = 1.0) -> list[float]:
    """The same ticking with nothing running: the timer's own jitter, for comparison."""
    return measure(threading.Thread(target=time.sleep, args=(seconds,)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/scale-backup-copy"))
    parser.add_argument("--source", type=Path, default=Path("/tmp/scale-data2"))
    args = parser.parse_args()
    ensure_copy(args.source, args.data_dir)
    database = args.data_dir / DATABASE_NAME
    size = database.stat().st_size
    store = open_store(args.data_dir)
    before = {b.id for b in catalogue.list_backups(args.data_dir)}

    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        baseline = timed(lambda _p: shutil.copyfile(database, Path(tmp) / "plain-copy"))
    idle = idle_gaps()
    runs: dict[str, Run] = {}
    try:
        for check in ("integrity_check", "quick_check"):
            runs[check] = timed(
                lambda p, check=check: backup.make_backup(
                    store, "manual", progress=p, check=check, prune=False
                )
            )
    finally:
        store.close()
        for info in catalogue.list_backups(args.data_dir):
            if info.id not in before:
                shutil.rmtree(info.path)

    base = baseline.seconds
    print()
    print(f"database: {database} ({size / 2**20:.0f} MiB, no attachments in this dataset)")
    print(f"GUI timer: wakes every {TICK * 1000:.0f} ms; idle max gap {max(idle) * 1000:.1f} ms")
    print()
    header = f"{'what':<44}{'time':>9}{'x baseline':>12}{'max stall':>11}{'p99 stall':>11}"
    print(header)
    print("-" * len(header))

    def row(name: str, seconds: float, run: Run | None) -> None:
        stall = f"{run.max_gap * 1000:>8.1f} ms" if run else f"{'':>11}"
        p99 = f"{run.p99_gap * 1000:>8.1f} ms" if run else f"{'':>11}"
        print(f"{name:<44}{seconds:>8.2f}s{seconds / base:>11.1f}x{stall}{p99}")

    row("shutil.copyfile of the database (baseline)", base, baseline)
    for check, run in runs.items():
        row(f"backup, verified by {check}: total", run.seconds, run)
        for stage, seconds in run.stages.items():
            row(f"  of which {stage}", seconds, None)
    worst = max(run.max_gap for run in runs.values())
    print()
    verdict = "OK" if worst < TARGET_STALL else "TOO LONG"
    print(
        f"longest GUI stall during a backup: {worst * 1000:.1f} ms "
        f"(target < {TARGET_STALL * 1000:.0f} ms): {verdict}"
    )
    return 0 if worst < TARGET_STALL else 1


if __name__ == "__main__":
    raise SystemExit(main())
