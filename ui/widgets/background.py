"""Slow work off the GUI thread, with progress and Cancel: :func:`run_with_progress`.

The work runs on a worker thread and is handed a progress callable; a dialog shows the
stage and how far it is, and its Cancel makes that callable raise, so the core stops and
removes what it had started. The GUI thread sits in a nested event loop meanwhile, so the
window keeps painting. The outcome comes back to the GUI thread through a queued signal
(:class:`Delivery`), which is also how other workers hand their results back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import Msg, _

__all__ = ["Delivery", "ProgressDialog", "ProgressReport", "run_with_progress"]

T = TypeVar("T")

POLL_MS: Final = 50  # how often the dialog reads the worker's progress (20 times a second)


class ProgressReport(Protocol):
    """What the core reports as it goes (``coordinator.safety.copying.Progress``)."""

    @property
    def stage(self) -> str: ...

    @property
    def fraction(self) -> float | None: ...


class _Cancelled(BaseException):
    """Raised by the progress callable once Cancel was pressed.

    A BaseException, like KeyboardInterrupt: the core's ``except Exception`` handlers
    (which turn a malformed zip into a refusal, for one) must not swallow it.
    """


class ProgressDialog(QDialog):
    """The stage, a bar (busy while the end is not known), and Cancel.

    ``stages`` maps the core's stage names to what the officer reads.
    """

    cancel_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        stages: Mapping[str, Msg] | None = None,
        *,
        cancellable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        # Application-modal: while the store may be closed (a restore), nothing else may
        # be clicked; the nested event loop still paints and runs timers.
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.stages = dict(stages or {})
        self.cancelling = False
        self.stage = ""
        self.label = QLabel(_("Starting…"), self)
        self.label.setMinimumWidth(self.fontMetrics().averageCharWidth() * 48)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.clicked.connect(self.request_cancel)
        self.buttons.setVisible(cancellable)
        self.cancellable = cancellable
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)

    def show_progress(self, progress: ProgressReport | None) -> None:
        if progress is None or self.cancelling:
            return
        if progress.stage != self.stage:
            self.stage = progress.stage
            label = self.stages.get(progress.stage)
            self.label.setText(label.tr() if label is not None else _("Working…"))
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)
        else:
            # Per mille: totals are bytes and may not fit the bar's int.
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(fraction * 1000))

    def request_cancel(self) -> None:
        if self.cancelling or not self.cancellable:
            return
        self.cancelling = True
        self.cancel_button.setEnabled(False)
        self.label.setText(_("Stopping… what was started is being removed."))
        self.bar.setRange(0, 0)
        self.cancel_requested.emit()

    def reject(self) -> None:
        # Esc: cancel the work; the dialog closes when the work has really stopped.
        self.request_cancel()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        event.ignore()
        self.request_cancel()

    def finish(self) -> None:
        self.done(QDialog.DialogCode.Accepted)


class Delivery(QObject):
    """Carries an outcome from a worker thread to the GUI thread (a queued signal)."""

    finished = Signal(object)  # (True, value) or (False, exception)


class _Job:
    """What the worker and the GUI thread share: the latest progress, the cancel flag."""

    def __init__(self) -> None:
        self.latest: ProgressReport | None = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self, progress: ProgressReport) -> None:
        """Called by the core on the worker thread; raising is how it is told to stop."""
        if self._cancel.is_set():
            raise _Cancelled
        # One attribute store: the GUI reads it on its own timer, so a core that reports
        # thousands of times a second floods no event queue.
        self.latest = progress


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[Callable[[ProgressReport], None]], T],
    *,
    stages: Mapping[str, Msg] | None = None,
    show_after_ms: int = 0,
    cancellable: bool = True,
) -> T | None:
    """``work(progress)`` on a worker thread, with a progress dialog; its result.

    Returns None when the officer cancelled (the core has stopped and cleaned up by
    then) or when the work raised a :class:`DomainError`, which is shown in a message
    box. Any other exception is a bug: it is raised again here, on the GUI thread.
    ``show_after_ms`` delays the dialog, for work that is usually over at once.
    """
    job = _Job()
    dialog = ProgressDialog(parent, title, stages, cancellable=cancellable)
    delivery = Delivery()
    loop = QEventLoop()
    outcome: list[tuple[bool, Any]] = []

    def delivered(result: tuple[bool, Any]) -> None:
        outcome.append(result)
        loop.quit()

    def body() -> None:
        try:
            result: tuple[bool, Any] = (True, work(job.progress))
        except BaseException as exc:  # delivered to the GUI thread, which decides
            result = (False, exc)
        delivery.finished.emit(result)

    delivery.finished.connect(delivered)
    dialog.cancel_requested.connect(job.cancel)
    poll = QTimer(dialog)
    poll.setInterval(POLL_MS)
    poll.timeout.connect(lambda: dialog.show_progress(job.latest))
    poll.start()
    if show_after_ms <= 0:
        dialog.show()
    else:
        QTimer.singleShot(show_after_ms, dialog, lambda: None if outcome else dialog.show())
    # Its own pool: waiting for it below waits for this work only, and the worker has let
    # go of `delivery` before the GUI thread drops it.
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.start(body)
    if not outcome:
        loop.exec()
    pool.waitForDone()
    poll.stop()
    dialog.finish()
    dialog.deleteLater()
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    if isinstance(value, _Cancelled):
        return None
    if isinstance(value, DomainError):
        QMessageBox.warning(parent, title, value.message())
        return None
    raise value
