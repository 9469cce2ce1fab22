"""What keeping every change as an operation (for a laptop's sync) costs each save.

Saves the same work twice on one store: with operations kept, as the app does, and with
the flush watcher silenced (the baseline) — a call logged, a case's notes edited, a
step's status moved — alternating rounds so the machine's noise falls on both alike.

    python bench/bench_oplog.py [--rounds 8] [--saves 50] [--data-dir DIR]

``--data-dir`` names a data folder to work on (the scale data, say): a copy is taken
first, so the folder itself is left as it was.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, organisations
from coordinator.store import oplog
from coordinator.store.storage import Store


def _work(store: Store, case_id: int, step_id: int, saves: int, n: int) -> None:
    for i in range(saves):
        communications.log(store, case_id=case_id, notes=f"电话 {n}-{i}")
        cases.update(store, case_id, notes=f"备注 {n}-{i}")
        status = ActionStatus.IN_PROGRESS if i % 2 else ActionStatus.WAITING
        actions.set_status(store, step_id, status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--saves", type=int, default=50, help="saves of each kind per round")
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-oplog-") as tmp:
        folder = Path(tmp) / "data"
        if args.data_dir is not None:
            shutil.copytree(args.data_dir, folder)
        store = open_store(folder)
        try:
            park = organisations.create(store, "基准园区", OrganisationKind.PARK).value
            case = cases.open_case(store, "基准案件").value
            step = actions.add(store, case.id, park.id, "基准步骤").value
            capture = oplog.OpLog.capture
            kept: list[float] = []
            silent: list[float] = []
            for n in range(args.rounds):
                for keeping in (True, False) if n % 2 == 0 else (False, True):
                    if not keeping:
                        oplog.OpLog.capture = lambda self, session: None  # type: ignore[method-assign]
                    start = time.perf_counter()
                    _work(store, case.id, step.id, args.saves, n * 2 + keeping)
                    took = (time.perf_counter() - start) / (3 * args.saves) * 1000
                    oplog.OpLog.capture = capture  # type: ignore[method-assign]
                    (kept if keeping else silent).append(took)
        finally:
            store.close()
    base = statistics.median(silent)
    with_ops = statistics.median(kept)
    print(f"one save, operations kept:     {with_ops:.2f} ms (median of {args.rounds} rounds)")
    print(f"one save, no operations (base): {base:.2f} ms")
    print(f"ratio: {with_ops / base:.2f}")


if __name__ == "__main__":
    main()
