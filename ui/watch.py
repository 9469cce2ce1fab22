"""Hearing what the other officers save, and whether the office server is there.

Every few seconds a worker thread reads the notes of saved changes
(:class:`coordinator.queries.changes.NoteReader`): what others saved comes back through
:attr:`ChangeWatch.heard`, and the hub broadcasts it like any change made here, so every
view refreshes only what it shows. The same read tells whether the database answers: a
server that stops answering (stopped, cable out) is said at once through
:attr:`ChangeWatch.reachable`, and so is its return, when the screens read everything
again. The read never runs on the GUI thread, so a server that hangs never freezes the
window; one read at a time, the next one a moment after the last came back.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from coordinator.errors import StorageError
from ui import threads

if TYPE_CHECKING:
    from coordinator.queries.changes import Heard, NoteReader
    from coordinator.store.storage import Store

INTERVAL_MS: Final = 2000
"""How long after one read the next one starts: a colleague's change shows within
about this long (plus the read itself)."""


class ChangeWatch(QObject):
    heard = Signal(object, object)  # a ChangeSet, and who made it (a tuple of names)
    reachable = Signal(bool)  # the database answers again (True) or stopped (False)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.up = True
        self.stopped = False
        self._reading = False
        self._reader: NoteReader | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._courier = threads.courier()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.poll)
        waiter = weakref.WeakMethod(self.stop)

        def stop_before_close() -> None:
            method = waiter()
            if method is not None:
                with contextlib.suppress(RuntimeError):  # its Qt side may be gone already
                    method()

        store.before_close.append(stop_before_close)

    def start(self) -> None:
        if not self.stopped:
            self.timer.start(0)

    def stop(self) -> None:
        """Before the store closes: no new read starts, and a read under way is waited for."""
        self.stopped = True
        self.timer.stop()
        self._pool.waitForDone()

    def poll(self) -> None:
        """Start one read now, unless one is under way (the timer calls this)."""
        if self._reading or self.stopped or self.store.closed:
            return
        self._reading = True
        store, reader, courier, receive = self.store, self._reader, self._courier, self._took
        threads.worker_started()

        def body() -> None:
            from coordinator.queries.changes import NoteReader

            result: Any
            try:
                result = NoteReader.from_now(store) if reader is None else reader.read()
            except Exception as exc:  # handed to the GUI thread, which says what it means
                result = exc
            threads.deliver(receive, result, courier)

        self._pool.start(body)

    def noticed_down(self) -> None:
        """A screen's own read found the database gone: say so now (the next read that
        works says it is back)."""
        if self.up:
            self.up = False
            self.reachable.emit(False)

    def wait(self) -> None:
        """Block until a read under way is back (tests)."""
        self._pool.waitForDone()

    def _took(self, result: NoteReader | Heard | Exception) -> None:
        from coordinator.queries.changes import NoteReader

        self._reading = False
        if self.stopped:
            return
        try:
            if isinstance(result, StorageError):
                if self.up:
                    self.up = False
                    self.reachable.emit(False)
                return
            if isinstance(result, Exception):
                raise result  # not the connection: a fault to see, not to hide
            if not self.up:
                self.up = True
                self.reachable.emit(True)
            if isinstance(result, NoteReader):
                self._reader = result
            elif result.changes:
                self.heard.emit(result.changes, result.officers)
        finally:
            self.timer.start(INTERVAL_MS)
