"""Nothing is ever lost, from the app: backups, restore, Check data, archives.

Long work never runs on the GUI thread: it goes through
:func:`ui.widgets.background.run_with_progress` (a worker thread, a progress dialog whose
Cancel stops the core, which removes what it had started). A backup of years of data
stalls the window for no more than a few milliseconds at a time: each step of SQLite's
copy runs without the GIL.

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
    At start, before the store is opened (:mod:`ui.dialogs.recovery`).

The database layer is imported inside the functions: the window's frame, which builds
the Data menu, is painted before it is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from coordinator.errors import DomainError
from coordinator.i18n import Msg, _
from ui.dialogs.recovery import check_before_open
from ui.dialogs.safety import (
    CHECK_STAGES,
    EXPORT_STAGES,
    IMPORT_STAGES,
    RESTORE_STAGES,
    STAGES,
    BackupsDialog,
    CheckDialog,
    PolicyDialog,
    imported_text,
    restored_text,
    size_text,
    when_text,
)
from ui.hub import confirm
from ui.widgets import status_words
from ui.widgets.background import Delivery, ProgressReport, run_with_progress

if TYPE_CHECKING:
    from coordinator.safety.archive import ArchiveImport, ArchiveSummary
    from coordinator.safety.archive_contents import ArchiveContents
    from coordinator.safety.backup import BackupResult
    from coordinator.safety.catalogue import BackupInfo
    from coordinator.safety.checks import CheckReport, RepairReport
    from coordinator.safety.restore import RestoreResult
    from coordinator.store.storage import Store

__all__ = ["AutoBackup", "SafetyActions", "backup_on_quit", "check_before_open"]

T = TypeVar("T")

QUIT_SHOW_AFTER_MS: Final = 400  # a skipped quit backup takes milliseconds: no flash
CHECK_EVERY_MS: Final = 10 * 60 * 1000  # AutoBackup asks whether a backup is due
BACKUP_EVERY: Final = timedelta(hours=3)
STATUS_MS: Final = 15_000


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
        self._delivery = Delivery(self)
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
            from coordinator.safety.backup import make_backup
            from coordinator.safety.catalogue import backup_due

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
            error = value

            def failed() -> str:
                return _("The automatic backup failed: {message}").format(message=error.message())

            status_words.say(bar, failed)  # stays until replaced: the officer should see it
            self.failed.emit(failed())
            return
        result: BackupResult | None = value
        if result is None or result.backup is None:
            return  # not due, or nothing changed since the newest backup
        size = result.backup.size
        status_words.say(
            bar,
            lambda: _("Backed up automatically ({size}).").format(size=size_text(size)),
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
        stages=STAGES,
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
            self.window,
            title,
            lambda progress: make_backup(store, "manual", progress=progress),
            stages=STAGES,
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
        """Open the list of backups (window-modal, not blocking) and return it: those of
        the database in use (on an office server, its dumps made from this laptop)."""
        store = self.store
        data_dir = store.data_dir
        server = store.where if store.on_server else None
        dialog = BackupsDialog(self.window, data_dir / "backups", server)
        dialog.set_backups(self._backups())
        dialog.restore_requested.connect(lambda info: self.restore(info, dialog))
        dialog.policy_requested.connect(lambda: self.edit_policy(dialog))
        dialog.open()
        return dialog

    def _backups(self) -> list[BackupInfo]:
        from coordinator.safety.catalogue import backups_for

        store = self.store
        return backups_for(store.data_dir, store.url if store.on_server else None)

    def restore(
        self,
        info: BackupInfo,
        dialog: BackupsDialog | None = None,
        *,
        title: str | None = None,
        question: str | None = None,
    ) -> RestoreResult | None:
        """Ask (``question``, or the usual words), then put ``info`` back in place of the
        current data (backed up first)."""
        from coordinator.safety.restore import restore_backup

        parent: QWidget = dialog if dialog is not None else self.window
        title = title or _("Restore a backup")
        if question is None and self.store.on_server:
            question = _(
                "Put back the office's data as it was on {date} ({reason})?\n\nThis "
                "replaces the data of every officer who works on the server {server}. The "
                "data as it is now is backed up first, so this can be undone by restoring "
                "that backup. Whatever anyone entered after {date} will then be only in that "
                "backup."
            ).format(date=when_text(info), reason=info.reason_label(), server=self.store.where)
        elif question is None:
            question = _(
                "Put back the data as it was on {date} ({reason})?\n\nThe data as it is now is "
                "backed up first, so this can be undone by restoring that backup. Whatever "
                "was entered after {date} will then be only in that backup."
            ).format(date=when_text(info), reason=info.reason_label())
        if not confirm(parent, title, question):
            return None
        data_dir = self.store.data_dir
        result = self._replacing(
            parent,
            title,
            lambda progress: restore_backup(data_dir, info, progress=progress),
            RESTORE_STAGES,
        )
        if dialog is not None:
            dialog.set_backups(self._backups())
            if result is not None and result.safety is not None:
                dialog.select_backup(result.safety.id)
        if result is None:
            return None
        QMessageBox.information(parent, title, restored_text(result))
        return result

    def edit_policy(self, parent: QWidget | None = None) -> PolicyDialog:
        """Open the keeping policy (window-modal, not blocking) and return it."""
        from coordinator.safety.retention import (
            RETENTION_MAX,
            retention_policy,
            set_retention_policy,
        )

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
        dialog = CheckDialog(self.window, on_server=self.store.on_server)
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
            stages=STAGES,
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
        from coordinator.safety.archive import import_archive
        from coordinator.safety.archive_contents import inspect_archive

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
            self.window, title, lambda _progress: inspect_archive(source), stages=STAGES
        )
        if contents is None:
            return None
        question = _describe_archive(contents)
        if self.store.on_server:
            question = (
                _(
                    "Your data is on the office server {server}: importing replaces it for "
                    "every officer who works there."
                ).format(server=self.store.where)
                + "\n\n"
                + question
            )
        if not confirm(self.window, title, question):
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
        QMessageBox.information(self.window, title, imported_text(result))
        return result

    # -- replacing the database ----------------------------------------------------------

    def _replacing(
        self,
        parent: QWidget,
        title: str,
        work: Callable[[Callable[[ProgressReport], None]], T],
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
