"""Nothing is ever lost, from the app: backups, restore, Check data, archives, recovery.

Long work never runs on the GUI thread. :func:`run_with_progress` is the one way it is
done: the work runs on a worker thread with a progress callable; a dialog shows the
stage and how far it is, and its Cancel makes that callable raise, so the core stops and
removes what it had started. The GUI thread sits in a nested event loop meanwhile, so
the window keeps painting (a backup of years of data stalls it for no more than a few
milliseconds at a time: each step of SQLite's copy runs without the GIL).

Pieces, all on the GUI thread:

:class:`SafetyActions`
    The Data menu: Back up now, Backups… (restore, keeping policy), Check data…,
    Export archive…, Import archive…. A restore or an import replaces the database under
    the open store, so it is handed three callables by the window (see its docstring).
:class:`AutoBackup`
    A backup every few hours of use, silently, off the GUI thread.
:func:`backup_on_quit`
    The quit backup (skipped when nothing changed), with a small progress dialog.
:func:`check_before_open`
    At start, before the store is opened: a damaged or unreadable database is said so in
    plain words, kept aside untouched, and a backup or an archive is offered instead.

The database layer is imported inside the functions: the window's frame, which builds
the Data menu, is painted before it is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import N_, Msg, _
from ui.dialogs.safety import (
    CHOICE_ARCHIVE,
    CHOICE_NEWEST,
    CHOICE_OTHER,
    BackupPickerDialog,
    BackupsDialog,
    CheckDialog,
    PolicyDialog,
    RecoveryDialog,
    size_text,
    when_text,
)
from ui.hub import confirm

if TYPE_CHECKING:
    from coordinator.safety.archive import ArchiveContents, ArchiveImport, ArchiveSummary
    from coordinator.safety.backup import BackupInfo, BackupResult, Progress, RestoreResult
    from coordinator.safety.checks import CheckReport, RepairReport
    from coordinator.store.storage import Store

T = TypeVar("T")
Work = Callable[[Callable[["Progress"], None]], T]

POLL_MS: Final = 50  # how often the dialog reads the worker's progress (20 times a second)
QUIT_SHOW_AFTER_MS: Final = 400  # a skipped quit backup takes milliseconds: no flash
CHECK_EVERY_MS: Final = 10 * 60 * 1000  # AutoBackup asks whether a backup is due
BACKUP_EVERY: Final = timedelta(hours=3)
STATUS_MS: Final = 15_000

# What the core's progress stages mean to the officer (coordinator.safety.backup.Progress.stage).
STAGES: Final[Mapping[str, Msg]] = {
    "database": N_("Copying the database…"),
    "files": N_("Copying the attached files…"),
    "verify": N_("Checking the copy…"),
    "restore": N_("Putting the data in place…"),
    "check": N_("Checking the data…"),
    "repair": N_("Repairing…"),
}
CHECK_STAGES: Final[Mapping[str, Msg]] = {
    "verify": N_("Checking the database…"),
    "files": N_("Checking the attached files…"),
}
RESTORE_STAGES: Final[Mapping[str, Msg]] = {
    "verify": N_("Checking the backups…"),
    "database": N_("Backing up the current data first…"),
    "files": N_("Backing up the current data first…"),
}
EXPORT_STAGES: Final[Mapping[str, Msg]] = {
    "files": N_("Writing the attached files into the archive…"),
}
IMPORT_STAGES: Final[Mapping[str, Msg]] = {
    "files": N_("Unpacking and checking the archive…"),
    "verify": N_("Checking the archive's database…"),
}


class _Cancelled(BaseException):
    """Raised by the progress callable once Cancel was pressed.

    A BaseException, like KeyboardInterrupt: the core's ``except Exception`` handlers
    (which turn a malformed zip into a refusal, for one) must not swallow it.
    """


# --- running long work --------------------------------------------------------------------


class ProgressDialog(QDialog):
    """The stage, a bar (busy while the end is not known), and Cancel."""

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
        self.stages = {**STAGES, **(stages or {})}
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

    def show_progress(self, progress: Progress | None) -> None:
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


class _Delivery(QObject):
    """Carries the outcome from the worker thread to the GUI thread (a queued signal)."""

    finished = Signal(object)  # (True, value) or (False, exception)


class _Job:
    """What the worker and the GUI thread share: the latest progress, the cancel flag."""

    def __init__(self) -> None:
        self.latest: Progress | None = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self, progress: Progress) -> None:
        """Called by the core on the worker thread; raising is how it is told to stop."""
        if self._cancel.is_set():
            raise _Cancelled
        # One attribute store: the GUI reads it on its own timer, so a core that reports
        # thousands of times a second floods no event queue.
        self.latest = progress


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[Callable[[Progress], None]], T],
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
    delivery = _Delivery()
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


# --- automatic backups ----------------------------------------------------------------------


class AutoBackup(QObject):
    """Every ten minutes of use: if the newest backup is over three hours old, a periodic
    backup on a worker thread (skipped by the core when nothing changed), said on the
    status bar. Never a dialog: the officer is in the middle of something."""

    backed_up = Signal(object)  # BackupResult of a backup made
    failed = Signal(str)  # the message shown on the status bar

    def __init__(
        self,
        window: QMainWindow,
        store_getter: Callable[[], Store],
        *,
        interval_ms: int = CHECK_EVERY_MS,
        every: timedelta = BACKUP_EVERY,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store_getter = store_getter
        self.every = every
        self.running = False
        # Created before the delivery object: children go in order, so deleting this
        # object waits for a running backup before the object it reports to is gone.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._delivery = _Delivery(self)
        self._delivery.finished.connect(self._finished)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)

    def start(self) -> None:
        self.timer.start()

    def pause(self) -> None:
        """While the store is being replaced. A backup already running goes on: the
        core lets one backup or restore at a time through, so a restore waits for it."""
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        """At quit: no new backup, and wait for one still running (the quit backup would
        wait for it anyway)."""
        self.timer.stop()
        self._pool.waitForDone()

    def check_now(self) -> bool:
        """Start a periodic backup if one is due; False if one is still running."""
        if self.running:
            return False
        store = self.store_getter()
        every = self.every
        delivery = self._delivery

        def body() -> None:
            from coordinator.safety.backup import backup_due, make_backup

            try:
                result = make_backup(store, "periodic") if backup_due(store, every) else None
                delivery.finished.emit((True, result))
            except BaseException as exc:  # shown on the GUI thread
                delivery.finished.emit((False, exc))

        self.running = True
        self._pool.start(body)
        return True

    def _finished(self, outcome: tuple[bool, Any]) -> None:
        self.running = False
        ok, value = outcome
        bar = self.window.statusBar()
        if not ok:
            if not isinstance(value, DomainError):
                raise value
            message = _("The automatic backup failed: {message}").format(message=value.message())
            bar.showMessage(message)  # stays until replaced: the officer should see it
            self.failed.emit(message)
            return
        result: BackupResult | None = value
        if result is None or result.backup is None:
            return  # not due, or nothing changed since the newest backup
        bar.showMessage(
            _("Backed up automatically ({size}).").format(size=size_text(result.backup.size)),
            STATUS_MS,
        )
        self.backed_up.emit(result)


def backup_on_quit(parent: QWidget | None, store: Store) -> BackupResult | None:
    """The quit backup: ``quick_check`` (the officer is waiting to leave), skipped by the
    core when nothing changed since the newest backup; the dialog shows only when it
    takes a moment. None when it failed (the officer was told) or was cancelled."""
    from coordinator.safety.backup import make_backup

    return run_with_progress(
        parent,
        _("Backing up before quitting"),
        lambda progress: make_backup(store, "quit", progress=progress, check="quick_check"),
        show_after_ms=QUIT_SHOW_AFTER_MS,
    )


# --- the Data menu --------------------------------------------------------------------------


class SafetyActions(QObject):
    """The Data menu's actions, and the dialogs they open.

    ``SafetyActions(window, store_getter, close_store, reopen_store)``:

    ``store_getter() -> Store``
        The store the window uses now (a new one after a restore or an import).
    ``close_store() -> None``
        Called right before a restore or an archive import replaces the database: stop
        whatever reads the store on its own (the minute refresh, reminders) and close it
        (``store.close()``). Nothing may use it until ``reopen_store`` is called.
    ``reopen_store() -> None``
        Called once after each ``close_store``, whether the restore or import worked,
        failed or was cancelled: open a new ``Store`` on the same data folder (it brings an
        older backup up to the current schema), make the window and every view use it and
        read everything again, and start what ``close_store`` stopped. May raise
        :class:`DomainError` (shown to the officer).

    After a repair that changed the database, the window's ``refresh_all()`` is called if
    it has one. The periodic backup (:attr:`auto_backup`) starts with this object; call
    :meth:`shut_down` before the quit backup.
    """

    def __init__(
        self,
        window: QMainWindow,
        store_getter: Callable[[], Store],
        close_store: Callable[[], None],
        reopen_store: Callable[[], None],
        *,
        auto_backup: bool = True,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store_getter = store_getter
        self.close_store = close_store
        self.reopen_store = reopen_store
        self.auto_backup = AutoBackup(window, store_getter)
        if auto_backup:
            self.auto_backup.start()
        self.back_up_action = QAction(self)
        self.backups_action = QAction(self)
        self.check_action = QAction(self)
        self.separator = QAction(self)
        self.separator.setSeparator(True)
        self.export_action = QAction(self)
        self.import_action = QAction(self)
        # Lambdas: triggered(bool) would otherwise land in an optional parameter.
        self.back_up_action.triggered.connect(lambda: self.back_up_now())
        self.backups_action.triggered.connect(lambda: self.show_backups())
        self.check_action.triggered.connect(lambda: self.check_data())
        self.export_action.triggered.connect(lambda: self.export_archive())
        self.import_action.triggered.connect(lambda: self.import_archive())
        self.retranslate()

    def menu_actions(self) -> list[QAction]:
        return [
            self.back_up_action,
            self.backups_action,
            self.check_action,
            self.separator,
            self.export_action,
            self.import_action,
        ]

    @staticmethod
    def menu_title() -> str:
        return _("&Data")

    def retranslate(self) -> None:
        self.back_up_action.setText(_("&Back up now"))
        self.backups_action.setText(_("B&ackups…"))
        self.check_action.setText(_("&Check data…"))
        self.export_action.setText(_("&Export archive…"))
        self.import_action.setText(_("&Import archive…"))

    def shut_down(self) -> None:
        self.auto_backup.stop()

    @property
    def store(self) -> Store:
        return self.store_getter()

    # -- Back up now ---------------------------------------------------------------------

    def back_up_now(self) -> BackupResult | None:
        from coordinator.safety.backup import make_backup

        store = self.store
        title = _("Back up now")
        result = run_with_progress(
            self.window, title, lambda progress: make_backup(store, "manual", progress=progress)
        )
        if result is None or result.backup is None:
            return None
        info = result.backup
        text = _("Backup made and checked: {size}.\n\nIt is in the folder {path}").format(
            size=size_text(info.size), path=info.path
        )
        if info.unavailable_files:
            text += "\n\n" + _(
                "Attached files that were missing or damaged and are not in it: {count}. "
                "Run Check data."
            ).format(count=len(info.unavailable_files))
        if result.pruned:
            text += "\n\n" + _("Older backups removed by the keeping policy: {count}.").format(
                count=len(result.pruned)
            )
        QMessageBox.information(self.window, title, text)
        return result

    # -- Backups… ------------------------------------------------------------------------

    def show_backups(self) -> BackupsDialog:
        """Open the list of backups (window-modal, not blocking) and return it."""
        from coordinator.safety.backup import list_backups

        data_dir = self.store.data_dir
        dialog = BackupsDialog(self.window, data_dir / "backups")
        dialog.set_backups(list_backups(data_dir))
        dialog.restore_requested.connect(lambda info: self.restore(info, dialog))
        dialog.policy_requested.connect(lambda: self.edit_policy(dialog))
        dialog.open()
        return dialog

    def restore(
        self, info: BackupInfo, dialog: BackupsDialog | None = None
    ) -> RestoreResult | None:
        """Ask, then put ``info`` back in place of the current data (backed up first)."""
        from coordinator.safety.backup import list_backups, restore_backup

        parent: QWidget = dialog if dialog is not None else self.window
        title = _("Restore a backup")
        if not confirm(
            parent,
            title,
            _(
                "Put back the data as it was on {date} ({reason})?\n\nThe data as it is now is "
                "backed up first, so this can be undone by restoring that backup. Whatever "
                "was entered after {date} will then be only in that backup."
            ).format(date=when_text(info), reason=info.reason_label()),
        ):
            return None
        data_dir = self.store.data_dir
        result = self._replacing(
            parent,
            title,
            lambda progress: restore_backup(data_dir, info, progress=progress),
            RESTORE_STAGES,
        )
        if dialog is not None:
            dialog.set_backups(list_backups(data_dir))
            if result is not None and result.safety is not None:
                dialog.select_backup(result.safety.id)
        if result is None:
            return None
        text = _("The data as it was on {date} is back.").format(date=when_text(result.restored))
        if result.safety is not None:
            text += "\n\n" + _(
                "The data as it was just before is kept in the backup of {date} ({reason})."
            ).format(date=when_text(result.safety), reason=result.safety.reason_label())
        if result.set_aside is not None:
            text += "\n\n" + _("The damaged database was moved, unchanged, to {path}.").format(
                path=result.set_aside
            )
        QMessageBox.information(parent, title, text)
        return result

    def edit_policy(self, parent: QWidget | None = None) -> PolicyDialog:
        """Open the keeping policy (window-modal, not blocking) and return it."""
        from coordinator.safety.backup import RETENTION_MAX, retention_policy, set_retention_policy

        policy = retention_policy(self.store)
        owner = parent or self.window

        def save(daily: int, weekly: int, monthly: int) -> bool:
            try:
                set_retention_policy(self.store, daily=daily, weekly=weekly, monthly=monthly)
            except DomainError as exc:
                QMessageBox.warning(owner, _("Keeping policy"), exc.message())
                return False
            return True

        dialog = PolicyDialog(
            owner, policy.daily, policy.weekly, policy.monthly, save, limit=RETENTION_MAX
        )
        dialog.open()
        return dialog

    # -- Check data ----------------------------------------------------------------------

    def check_data(self) -> CheckDialog | None:
        """Check with progress, then open what was found (not blocking) and return it."""
        report = self._check(self.window)
        if report is None:
            return None
        dialog = CheckDialog(self.window)
        dialog.show_report(report)
        dialog.repair_requested.connect(lambda: self.repair(dialog))
        dialog.check_requested.connect(lambda: self._check_again(dialog))
        dialog.open()
        return dialog

    def _check(self, parent: QWidget) -> CheckReport | None:
        from coordinator.safety.checks import check_store

        store = self.store
        return run_with_progress(
            parent,
            _("Check data"),
            lambda progress: check_store(store, progress=progress),
            stages=CHECK_STAGES,
        )

    def _check_again(self, dialog: CheckDialog) -> None:
        report = self._check(dialog)
        if report is not None:
            dialog.show_report(report)

    def repair(self, dialog: CheckDialog) -> RepairReport | None:
        """Apply the safe repairs the dialog's findings offer, then check again."""
        from coordinator.safety.checks import repair

        if dialog.report is None or not dialog.report.repairable:
            return None
        findings = dialog.report.repairable
        store = self.store
        outcome = run_with_progress(
            dialog,
            _("Repair"),
            lambda progress: repair(store, findings, progress=progress),
        )
        if outcome is None:
            return None
        dialog.show_repairs(outcome)
        if outcome.backup is not None:  # rows were deleted or links emptied
            refresh = getattr(self.window, "refresh_all", None)
            if callable(refresh):
                refresh()
        self._check_again(dialog)
        return outcome

    # -- archives ------------------------------------------------------------------------

    def export_archive(self) -> ArchiveSummary | None:
        from coordinator.safety.archive import export_archive

        store = self.store
        title = _("Export archive")
        suggested = Path.home() / f"liaison-hub-{store.clock():%Y%m%d}.zip"
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window, title, str(suggested), _("Liaison Hub archive (*.zip)")
        )
        if not chosen:
            return None
        target = Path(chosen)
        if target.suffix.lower() != ".zip":
            target = target.with_name(target.name + ".zip")
        summary = run_with_progress(
            self.window,
            title,
            lambda progress: export_archive(store, target, progress=progress),
            stages=EXPORT_STAGES,
        )
        if summary is None:
            return None
        QMessageBox.information(
            self.window,
            title,
            _(
                "Archive written to {path} ({size}; attached files: {files}).\n\nCopy this "
                "one file to the other laptop and choose Data ▸ Import archive… there."
            ).format(
                path=summary.path, size=size_text(summary.size_bytes), files=summary.file_count
            ),
        )
        return summary

    def import_archive(self, path: Path | None = None) -> ArchiveImport | None:
        from coordinator.safety.archive import import_archive, inspect_archive

        title = _("Import archive")
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self.window, title, str(Path.home()), _("Liaison Hub archive (*.zip)")
            )
            if not chosen:
                return None
            path = Path(chosen)
        source = path
        contents: ArchiveContents | None = run_with_progress(
            self.window, title, lambda _progress: inspect_archive(source)
        )
        if contents is None:
            return None
        if not confirm(self.window, title, _describe_archive(contents)):
            return None
        data_dir = self.store.data_dir
        result = self._replacing(
            self.window,
            title,
            lambda progress: import_archive(data_dir, source, replace=True, progress=progress),
            IMPORT_STAGES,
        )
        if result is None:
            return None
        text = _("The archive of {date} is imported (attached files: {files}).").format(
            date=f"{result.contents.created_at:%Y-%m-%d %H:%M}", files=result.contents.file_count
        )
        if result.safety is not None:
            text += "\n\n" + _(
                "What Liaison Hub held before is kept in the backup of {date}."
            ).format(date=when_text(result.safety))
        if result.set_aside is not None:
            text += "\n\n" + _("The damaged database was moved, unchanged, to {path}.").format(
                path=result.set_aside
            )
        QMessageBox.information(self.window, title, text)
        return result

    # -- replacing the database ----------------------------------------------------------

    def _replacing(
        self,
        parent: QWidget,
        title: str,
        work: Callable[[Callable[[Progress], None]], T],
        stages: Mapping[str, Msg],
    ) -> T | None:
        """Run ``work`` with the store closed, and open it again whatever happens."""
        self.auto_backup.pause()
        self.close_store()
        try:
            return run_with_progress(parent, title, work, stages=stages)
        finally:
            try:
                self.reopen_store()
            except DomainError as exc:
                QMessageBox.critical(parent, _("Liaison Hub"), exc.message())
            self.auto_backup.resume()


def _describe_archive(contents: ArchiveContents) -> str:
    return _(
        "The archive {name} was made on {date}. It holds the database ({database}) and "
        "attached files: {files}, {files_size} in all. Every checksum is checked as it is "
        "unpacked."
        "\n\nImporting it replaces all the data Liaison Hub holds now. That data is backed "
        "up first, so it can be restored from Data ▸ Backups… later.\n\nImport it now?"
    ).format(
        name=contents.path.name,
        date=f"{contents.created_at:%Y-%m-%d %H:%M}",
        database=size_text(contents.database_size),
        files=contents.file_count,
        files_size=size_text(contents.files_size),
    )


# --- at start -------------------------------------------------------------------------------


def check_before_open(data_dir: Path, parent: QWidget | None) -> bool:
    """Before the store is opened: True when a usable database is in place (or a new one
    will be created), False when the app should quit.

    A damaged, unreadable or foreign database is said so; the officer restores the newest
    good backup, another backup, or an archive (the file is moved unchanged into
    ``damaged/`` first, by the core), or quits, which leaves everything as it was. A
    database from a newer version of the app is left alone: update the app.
    """
    while True:
        answer = _recover_once(data_dir, parent)
        if answer is not None:
            return answer


def _recover_once(data_dir: Path, parent: QWidget | None) -> bool | None:
    """One round of :func:`check_before_open`: None to ask again (a restore was refused or
    cancelled, and the officer was told)."""
    from coordinator.safety import health as data_health
    from coordinator.safety import recovery
    from coordinator.safety.archive import import_archive

    title = _("Liaison Hub")
    health = data_health.diagnose(data_dir)
    if health.ok:
        return True
    if health.state == "newer":
        QMessageBox.critical(
            parent,
            title,
            health.message()
            + "\n\n"
            + _("Your data has not been changed. Install the newer version, then start again."),
        )
        return False
    candidates = recovery.restore_candidates(data_dir)
    dialog = RecoveryDialog(
        parent, health, data_dir / data_health.DAMAGED_DIR, candidates[0] if candidates else None
    )
    dialog.exec()
    choice = dialog.choice
    dialog.deleteLater()
    done: RestoreResult | ArchiveImport | None
    if choice == CHOICE_NEWEST:
        done = run_with_progress(
            parent,
            _("Restore a backup"),
            lambda progress: recovery.restore_newest(data_dir, progress=progress),
            stages=RESTORE_STAGES,
        )
    elif choice == CHOICE_OTHER:
        chosen = choose_backup(parent, data_dir, candidates)
        if chosen is None:
            return None
        done = run_with_progress(
            parent,
            _("Restore a backup"),
            lambda progress: recovery.restore(data_dir, chosen, progress=progress),
            stages=RESTORE_STAGES,
        )
    elif choice == CHOICE_ARCHIVE:
        picked, _filter = QFileDialog.getOpenFileName(
            parent, _("Import archive"), str(Path.home()), _("Liaison Hub archive (*.zip)")
        )
        if not picked:
            return None
        archive = Path(picked)
        done = run_with_progress(
            parent,
            _("Import archive"),
            lambda progress: import_archive(data_dir, archive, replace=True, progress=progress),
            stages=IMPORT_STAGES,
        )
    else:
        return False
    if done is None:
        return None
    QMessageBox.information(parent, title, _recovered_text(done))
    return True


def _recovered_text(done: RestoreResult | ArchiveImport) -> str:
    from coordinator.safety.backup import RestoreResult

    if isinstance(done, RestoreResult):
        text = _("The data as it was on {date} is back.").format(date=when_text(done.restored))
    else:
        text = _("The archive of {date} is imported (attached files: {files}).").format(
            date=f"{done.contents.created_at:%Y-%m-%d %H:%M}", files=done.contents.file_count
        )
    if done.set_aside is not None:
        text += "\n\n" + _("The damaged database was moved, unchanged, to {path}.").format(
            path=done.set_aside
        )
    return text


def choose_backup(
    parent: QWidget | None, data_dir: Path, candidates: list[BackupInfo]
) -> BackupInfo | None:
    """The officer picks a backup from the list, or a backup folder kept elsewhere."""
    from coordinator.safety.backup import find_backup

    picker = BackupPickerDialog(parent, candidates)

    def pick_folder() -> None:
        folder = QFileDialog.getExistingDirectory(picker, _("Choose a backup folder"))
        if not folder:
            return
        try:
            picker.chosen = find_backup(data_dir, folder)
        except DomainError as exc:
            QMessageBox.warning(picker, _("Choose a backup"), exc.message())
            return
        picker.take_folder(Path(folder))

    picker.folder_requested.connect(pick_folder)
    accepted = picker.exec() == QDialog.DialogCode.Accepted
    chosen = picker.chosen if accepted else None
    picker.deleteLater()
    return chosen


__all__ = [
    "AutoBackup",
    "ProgressDialog",
    "SafetyActions",
    "backup_on_quit",
    "check_before_open",
    "choose_backup",
    "run_with_progress",
]
