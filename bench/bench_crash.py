"""Kill a writing Liaison Hub hundreds of times; count what it had confirmed and lost.

    python bench/bench_crash.py [--kills 500] [--seed 1] [--attach-every 7] [--data-dir DIR]

The writer (``tests/coordinator/safety/crash_writer.py``) logs communications through the real
services, now and then attaches a file, and reports every committed write; it is killed
with SIGKILL after a random 0-150 ms of writing. After every kill: every write and file
it ever reported must be there, ``PRAGMA integrity_check`` must say ok, no content file
may be half written, and the store must open. ``tests/coordinator/safety/test_crash.py`` runs
the same series with ten kills.

A SIGKILL tests SQLite's and the attachment store's atomicity against a process dying
at any instruction; the operating system still writes out what the process had handed
it, so this is not a power cut (that is what ``synchronous=FULL`` and the fsyncs are for).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WRITER = PROJECT_DIR / "tests" / "coordinator" / "safety" / "crash_writer.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--attach-every", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="an empty folder (default: a temporary one)")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
    assert spec is not None
    assert spec.loader is not None
    writer = importlib.util.module_from_spec(spec)
    sys.modules["crash_writer"] = writer
    spec.loader.exec_module(writer)

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        figures = writer.run_series(
            data_dir, args.kills, seed=args.seed, attach_every=args.attach_every
        )
    rows = [
        ("kills", figures.kills),
        ("writes confirmed", figures.writes_confirmed),
        ("files confirmed", figures.files_confirmed),
        ("lost confirmed writes (must be 0)", figures.lost_writes),
        ("lost confirmed files (must be 0)", figures.lost_files),
        ("integrity failures (must be 0)", figures.integrity_failures),
        ("half-written files (must be 0)", figures.damaged_files),
        ("store failed to open (must be 0)", figures.open_failures),
        ("wall time", f"{figures.seconds:.1f} s"),
        ("per kill", f"{figures.seconds / max(figures.kills, 1) * 1000:.0f} ms"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for problem in figures.problems[:20]:
        print("problem:", problem)
    print("OK" if figures.ok else "FAILED")
    return 0 if figures.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
