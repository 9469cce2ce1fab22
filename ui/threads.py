"""Reading the store on a worker thread without freeing Qt objects there.

Python's cycle collector runs on whichever thread allocates. On a worker it would free
the screens' Qt objects left in cycles (a closed window, a test's views) on the wrong
thread, which Qt does not survive. So while any worker reads, the collector is held off;
it runs again on the GUI thread once the last worker's result is handed back. Plain
reference counting goes on meanwhile, so little piles up.

Call :func:`worker_started` on the GUI thread before starting the work, and hand its
result back with :func:`deliver` from the worker: the courier ends the hold on the GUI
thread and passes the result on to its receiver, if the receiver is still alive.
"""

from __future__ import annotations

import functools
import gc
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal


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


class _Courier(QObject):
    """Carries a worker's result to the GUI thread (a queued signal).

    One for the whole process, never deleted: a result posted while its receiver is being
    destroyed (a window closing mid-work) would otherwise be delivered to a deleted
    object. The courier hands it on only to a receiver still alive.
    """

    delivered = Signal(object, object)  # (weak reference to the receiving method, result)

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._hand_on)

    def _hand_on(self, target: weakref.WeakMethod[Callable[[Any], None]], result: Any) -> None:
        worker_ended()
        method = target()
        if method is not None and shiboken6.isValid(getattr(method, "__self__", None)):
            method(result)


@functools.cache
def _courier() -> _Courier:
    return _Courier()  # made on the GUI thread, by the first worker's owner


def courier() -> _Courier:
    """The courier (call it on the GUI thread first, before a worker uses it)."""
    return _courier()


def deliver(receiver: Callable[[Any], None], result: Any, via: _Courier) -> None:
    """From a worker: hand ``result`` to ``receiver`` (a bound method of a QObject) on the
    GUI thread, unless its object is gone by then."""
    via.delivered.emit(weakref.WeakMethod(receiver), result)
