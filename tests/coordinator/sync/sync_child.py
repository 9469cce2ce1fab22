"""The sync process the fault test kills: one ``exchange.sync`` of a laptop's folder with
the office's, as ``liaison-hub sync run`` does it, noting each stage as it starts.

Loaded once into a fork server (its imports take most of a second), so that each of the
fifty processes starts in milliseconds and the kills land in the sync, not in Python's
start. The stage notes (``open``, ``backup``, ``send``, ``receive``, ``done``, each with
the time) go to a file flushed line by line: the test reads the last one to know where a
kill landed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from coordinator.paths import DATABASE_NAME
from coordinator.safety.opening import open_store
from coordinator.sync import exchange


def run(laptop_dir: str, office_dir: str, office_url: str, notes: str) -> None:
    with open(notes, "a", encoding="utf-8") as out:

        def note(stage: str) -> None:
            out.write(f"{stage} {time.monotonic():.6f}\n")
            out.flush()

        def noted(stage: str, fn: Any) -> Any:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                note(stage)
                return fn(*args, **kwargs)

            return wrapped

        # Only this process's view of the module: the stages are told as they start.
        exchange.make_backup = noted("backup", exchange.make_backup)  # type: ignore[attr-defined]
        exchange.send = noted("send", exchange.send)  # type: ignore[method-assign]
        exchange.receive = noted("receive", exchange.receive)  # type: ignore[method-assign]
        note("open")
        folder = Path(laptop_dir)
        laptop = open_store(folder, url=f"sqlite:///{folder / DATABASE_NAME}")
        office = open_store(Path(office_dir), url=office_url)
        try:
            exchange.sync(laptop, office)
        finally:
            office.close()
            laptop.close()
        note("done")
