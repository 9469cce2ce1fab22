"""The filing model and the step history, built off the GUI thread and kept current.

One per hub (:attr:`ui.hub.Hub.foresight`). Nothing is read until a screen first asks:
then the whole office is read on a worker thread (seconds on years of data), and until
it is back the screens show what they showed before (the inbox its plain list, the steps
their due times) and refresh on :attr:`Foresight.ready`. Afterwards every change set
goes through :meth:`Foresight.take` before the screens hear of it, so a filing moves the
next suggestion at once. A changed calendar changes every working duration: the history
is built again in the background, the old one serving meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from coordinator.foresight.filing import FilingModel, Suggestion, messages_of
from coordinator.foresight.forecast import CaseForecast, forecast_cases
from coordinator.foresight.history import DurationHistory
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui import threads

log = logging.getLogger(__name__)

KEPT_FOR = timedelta(minutes=2)
BIG_CHANGE = 300
"""Records in one change set beyond which the models are built again in the background
rather than brought up to date on the GUI thread."""


def _size(changes: ChangeSet) -> int:
    kinds = (ChangeKind.COMMUNICATION, ChangeKind.CASE, ChangeKind.ACTION, ChangeKind.DOCUMENT)
    return sum(len(changes.ids_of(kind)) for kind in kinds)


class Foresight(QObject):
    ready = Signal()
    """The models were built (or built again), or could not be: screens refresh."""

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filing: FilingModel | None = None
        self.history: DurationHistory | None = None
        self.failed = False
        """The last build raised: the screens go on without foresight (it is logged)."""
        self.dropped = False
        self._building = False
        self._pending: list[ChangeSet] = []
        self._rebuild_history = False
        self._rebuild_all = False
        self._history_only = False
        self._kept: dict[int, tuple[datetime, CaseForecast]] = {}
        # Its own pool, parented: the hub's end waits for a build still reading the store.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._courier = threads.courier()
        # However the store is closed (a restore, the end, a test's teardown), a build
        # still reading it is waited for first.
        waiter = weakref.WeakMethod(self.wait)

        def wait_for_build() -> None:
            method = waiter()
            if method is not None:
                # The Qt side may be gone already: then so is its thread.
                with contextlib.suppress(RuntimeError):
                    method()

        store.before_close.append(wait_for_build)

    @property
    def is_ready(self) -> bool:
        return self.filing is not None and self.history is not None

    def start(self) -> None:
        """Build the models in the background unless they are built or being built, the
        last build failed (it is tried again after the next change), the store is closed
        or this foresight was dropped."""
        if self.is_ready or self._building or self.failed or self.dropped or self.store.closed:
            return
        self._launch(history_only=False)

    def drop(self) -> None:
        """Wait for a build under way and go quiet: its result is not taken, and nothing
        starts again (the hub's store is closing)."""
        self.dropped = True
        self.wait()

    def wait(self) -> None:
        """Block until a build under way is back (for the end of the window, and tests)."""
        self._pool.waitForDone()

    def _launch(self, *, history_only: bool) -> None:
        self._building = True
        self._history_only = history_only
        store = self.store
        courier = self._courier
        receive = self._built
        threads.worker_started()  # on the GUI thread; ended when the courier hands on

        def body() -> None:
            try:
                filing = None if history_only else FilingModel.build(store)
                result: tuple[bool, Any] = (True, (filing, DurationHistory.build(store)))
            except Exception as exc:  # handed to the GUI thread, which logs it: the
                result = (False, exc)  # screens go on without foresight
            threads.deliver(receive, result, courier)

        self._pool.start(body)

    def _built(self, result: tuple[bool, Any]) -> None:
        self._building = False
        if self.dropped:  # delivered after the hub let go of it
            return
        ok, value = result
        self.failed = not ok
        if not ok:
            log.warning("foresight could not be built: %r", value)
        else:
            filing, history = value
            if filing is not None:
                self.filing = filing
            self.history = history
            self._kept.clear()
            pending, self._pending = self._pending, []
            for changes in pending:
                self._apply(changes)
        if self._rebuild_all or self._rebuild_history:
            everything = self._rebuild_all or self.filing is None
            self._rebuild_all = self._rebuild_history = False
            self._launch(history_only=not everything)
            return
        self.ready.emit()

    # -- keeping current ----------------------------------------------------------------

    def take(self, changes: ChangeSet) -> None:
        """A change set, before the screens hear of it."""
        self.failed = False  # something changed: a build that failed may be tried again
        if self.history is None and not self._building:
            return  # nothing built, nothing to keep current
        if _size(changes) > BIG_CHANGE:
            # An import, a paste of a whole chat: relearning its cases here would hold
            # the window; the models are built again in the background instead, the old
            # ones serving meanwhile.
            self._kept.clear()
            if self._building:
                self._rebuild_all = True
            else:
                self._launch(history_only=False)
            return
        if changes.touches(ChangeKind.CALENDAR):
            if self._building:
                self._rebuild_history = True
            else:
                self._launch(history_only=True)
        if self._building:
            if self._history_only and self.filing is not None:
                self.filing.apply(self.store, changes)  # the filing model is not rebuilt
            self._pending.append(changes)
            return
        self._apply(changes)

    def _apply(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.ACTION, ChangeKind.CASE, ChangeKind.CALENDAR):
            self._kept.clear()
        if self.filing is not None:
            self.filing.apply(self.store, changes)
        if self.history is not None:
            self.history.apply(self.store, changes)

    # -- asking -------------------------------------------------------------------------

    def suggest(self, communication_ids: Sequence[int]) -> list[Suggestion]:
        """The top cases for these communications ([] until the model is built)."""
        self.start()
        if self.filing is None:
            return []
        return self.filing.suggest(messages_of(self.store, communication_ids))

    def forecasts(self, case_ids: Iterable[int], now: datetime) -> dict[int, CaseForecast]:
        """The forecasts of these cases' steps as of ``now`` ({} until the history is
        built). A case's forecast is kept for :data:`KEPT_FOR` (or until a change set
        touches steps, cases or the calendar): Today, the lists and the case ask for the
        same cases every minute."""
        self.start()
        if self.history is None:
            return {}
        found: dict[int, CaseForecast] = {}
        missing: list[int] = []
        for case_id in case_ids:
            kept = self._kept.get(case_id)
            if kept is not None and timedelta(0) <= now - kept[0] < KEPT_FOR:
                found[case_id] = kept[1]
            else:
                missing.append(case_id)
        if missing:
            for case_id, forecast in forecast_cases(self.store, self.history, missing, now).items():
                self._kept[case_id] = (now, forecast)
                found[case_id] = forecast
        return found
