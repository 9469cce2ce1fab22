"""Reading the store on a worker thread without freeing Qt objects there.

Python's cycle collector runs on whichever thread allocates. On a worker it would free
the screens' Qt objects left in cycles (a closed window, a test's views) on the wrong
thread, which Qt does not survive. So while any worker reads, the collector is held off;
it runs again on the GUI thread once the last worker's result is handed back. Plain
reference counting goes on meanwhile, so little piles up.

Call :func:`worker_started` on the GUI thread before starting the work and
:func:`worker_ended` on the GUI thread when its result arrives (through a queued signal).
"""

from __future__ import annotations

import gc


class _Collection:
    def __init__(self) -> None:
        self.running = 0

    def started(self) -> None:
        if self.running == 0:
            gc.disable()
        self.running += 1

    def ended(self) -> None:
        self.running = max(0, self.running - 1)
        if self.running == 0:
            gc.enable()


_collection = _Collection()


def worker_started() -> None:
    _collection.started()


def worker_ended() -> None:
    _collection.ended()


def workers_running() -> int:
    return _collection.running
