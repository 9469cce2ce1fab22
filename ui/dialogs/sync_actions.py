"""Data ▸ the office sync, from the app: Sync with the office now, Undo the last sync…,
and Sync by file ▸ Write a sync file… / Apply a sync file… where no network reaches the
office.

The sync and the sealed files run on a worker through
:func:`ui.widgets.background.run_with_progress` (the cycle collector held off meanwhile,
see :mod:`ui.threads`); their refusals (an office out of reach, a wrong passphrase, a
damaged file) are said in the engine's own words, and nothing is lost by them. What was
done is said in a message box that stays open without blocking, with a way to the
conflicts when a sync kept some.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import N_, Msg, _, ngettext
from ui import threads
from ui.widgets.background import ProgressReport, run_with_progress

if TYPE_CHECKING:
    from coordinator.safety.catalogue import BackupInfo
    from coordinator.store.storage import Store
    from coordinator.sync.exchange import SyncReport
    from coordinator.sync.parcel import ParcelReport
    from ui.dialogs.safety_actions import SafetyActions
    from ui.hub import Hub

T = TypeVar("T")

SYNC_FILTER: Final = N_("Liaison Hub sync file (*.lhsync)")
SUFFIX: Final = ".lhsync"

SYNC_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "connect": N_("Reaching the office server…"),
        "backup": N_("Backing up this laptop first…"),
        "send": N_("Sending this laptop's changes…"),
        "receive": N_("Bringing the office's changes…"),
    }
)
FILE_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "seal": N_("Sealing the sync file…"),
        "apply": N_("Opening the sync file and applying it…"),
    }
)


@dataclass(frozen=True)
class _Step:
    stage: str
    fraction: float | None = None


def _step(report: Callable[[ProgressReport], None]) -> Callable[[str, int, int], None]:
    """The engine's (stage, done, total) as the progress dialog reads it."""
    return lambda stage, done, total: report(_Step(stage, done / total if total else None))


def _held(
    parent: QWidget,
    title: str,
    work: Callable[[Callable[[ProgressReport], None]], T],
    stages: Mapping[str, Msg],
) -> T | None:
    threads.worker_started()  # no cycle collection on the worker: it frees no Qt object
    try:
        return run_with_progress(parent, title, work, stages=stages, cancellable=False)
    finally:
        threads.worker_ended()


# --- the dialogs ------------------------------------------------------------------------------


class _Asking(QDialog):
    """A few fields, a line for what is wrong with them, OK and Cancel; OK checks first."""

    def __init__(self, parent: QWidget, title: str, intro: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)

    def problem_with(self) -> str | None:
        raise NotImplementedError

    def accept(self) -> None:
        problem = self.problem_with()
        if problem is None:
            super().accept()
            return
        self.problem.setText(problem)
        self.problem.show()


class AddressDialog(_Asking):
    """The office server's database address, the last one used already typed."""

    def __init__(self, parent: QWidget, title: str, last: str) -> None:
        super().__init__(
            parent,
            title,
            _(
                "The address of the office's database, as the office's administrator gave "
                "it: postgresql+psycopg://user:password@server:5432/database."
            ),
        )
        self.address = QLineEdit(last, self)
        self.address.setObjectName("office_address")
        self.form.addRow(_("Office server:"), self.address)

    def problem_with(self) -> str | None:
        from coordinator.store.local_settings import check_database_url

        text = self.address.text().strip()
        if not text:
            return _("Type the office server's address.")
        try:
            check_database_url(text)
        except DomainError as exc:
            return exc.message()
        return None


class PassphraseDialog(_Asking):
    """A sync file's passphrase; typed twice when the file is being sealed."""

    def __init__(self, parent: QWidget, title: str, *, twice: bool) -> None:
        from coordinator.sync.sealed import MIN_PASSPHRASE

        self.minimum = MIN_PASSPHRASE
        intro = (
            _(
                "The file is sealed with a passphrase of at least {n} characters. Tell it "
                "to whoever applies the file another way than the file itself (by phone)."
            )
            if twice
            else _("The passphrase the sync file was sealed with.")
        ).format(n=MIN_PASSPHRASE)
        super().__init__(parent, title, intro)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(_("Passphrase:"), self.passphrase)
        self.again: QLineEdit | None = None
        if twice:
            self.again = QLineEdit(self)
            self.again.setObjectName("passphrase_again")
            self.again.setEchoMode(QLineEdit.EchoMode.Password)
            self.form.addRow(_("Once more:"), self.again)

    def text(self) -> str:
        return self.passphrase.text()

    def problem_with(self) -> str | None:
        if len(self.text().strip()) < self.minimum:
            return _("The passphrase must be at least {n} characters long.").format(n=self.minimum)
        if self.again is not None and self.again.text() != self.text():
            return _("The two passphrases differ: type the same one twice.")
        return None


# --- the Data menu's entries ----------------------------------------------------------------


class SyncActions(QObject):
    """The sync's entries of the Data menu, and what they do.

    ``store_getter()`` is the window's store of the moment (a new one after an undo);
    ``safety`` restores the backup a sync made first; ``show_conflicts()`` opens the
    conflicts dialog.
    """

    def __init__(
        self,
        window: QMainWindow,
        hub: Hub,
        store_getter: Callable[[], Store],
        safety: SafetyActions,
        show_conflicts: Callable[[], object],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.hub = hub
        self.store_getter = store_getter
        self.safety = safety
        self.show_conflicts = show_conflicts
        self.result_box: QMessageBox | None = None
        self.sync_action = QAction(self)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.sync_action.triggered.connect(lambda: self.sync_now())
        self.undo_action = QAction(self)
        self.undo_action.triggered.connect(lambda: self.undo_last_sync())
        self.file_menu = QMenu(window)
        self.write_action = QAction(self)
        self.write_action.triggered.connect(lambda: self.write_file())
        self.apply_action = QAction(self)
        self.apply_action.triggered.connect(lambda: self.apply_file())
        self.file_menu.addAction(self.write_action)
        self.file_menu.addAction(self.apply_action)
        self.retranslate()

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.sync_action)
        menu.addAction(self.undo_action)
        menu.addMenu(self.file_menu)
        menu.aboutToShow.connect(self.update_enabled)
        self.update_enabled()

    def retranslate(self) -> None:
        self.sync_action.setText(_("Sync with the &office now"))
        self.undo_action.setText(_("&Undo the last sync…"))
        self.file_menu.setTitle(_("Sync by &file"))
        self.write_action.setText(_("&Write a sync file…"))
        self.apply_action.setText(_("&Apply a sync file…"))

    @property
    def store(self) -> Store:
        return self.store_getter()

    def checked_out(self) -> bool:
        from coordinator.sync import state

        return state.status(self.store).checked_out

    def update_enabled(self) -> None:
        """A sync, its undo and a laptop's file only on a checkout; a file from a laptop is
        applied at the office, the office's reply on the laptop."""
        checkout = self.checked_out()
        self.sync_action.setEnabled(checkout)
        self.write_action.setEnabled(checkout)
        self.undo_action.setEnabled(checkout and self.last_sync_backup() is not None)

    # -- Sync with the office now ---------------------------------------------------------

    def sync_now(self) -> SyncReport | None:
        from coordinator.store.local_settings import read_local_settings, set_office_server

        if not self.checked_out():
            return None
        store = self.store
        title = _("Sync with the office")
        dialog = AddressDialog(
            self.window, title, read_local_settings(store.data_dir).office_server
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            address = dialog.address.text().strip()
        finally:
            dialog.deleteLater()
        try:
            set_office_server(store.data_dir, address)
        except DomainError as exc:  # the settings file: the sync can go on without it
            self.hub.show_error(self.window, exc.message())

        def work(progress: Callable[[ProgressReport], None]) -> SyncReport:
            from coordinator.sync.exchange import sync
            from coordinator.sync.office import open_office

            progress(_Step("connect"))
            _refuse_missing_file(address)
            server = open_office(address, store.data_dir)
            try:
                progress(_Step("backup"))
                return sync(store, server, progress=_step(progress))
            finally:
                server.close()

        report = _held(self.window, title, work, SYNC_STAGES)
        if report is None:
            return None
        self._everything_changed()
        text = _("Sent {sent} changes, received {received}.").format(
            sent=report.sent, received=report.received
        )
        if report.conflicts:
            text += " " + ngettext(
                "{n} conflict to settle: the same thing was changed here and at the office.",
                "{n} conflicts to settle: the same things were changed here and at the office.",
                report.conflicts,
            ).format(n=report.conflicts)
        self._tell(title, text, conflicts=report.conflicts > 0)
        return report

    def _everything_changed(self) -> None:
        from coordinator.sync.conflicts import changes_of_sync

        self.hub.broadcast(changes_of_sync())
        self.update_enabled()

    # -- Undo the last sync ---------------------------------------------------------------

    def last_sync(self) -> dict[str, object]:
        from coordinator.sync import state

        return state.last_sync(self.store)

    def last_sync_backup(self) -> BackupInfo | None:
        """The backup the last sync made first, if it is still kept."""
        from coordinator.safety.catalogue import backups_for

        wanted = self.last_sync().get("backup")
        if not isinstance(wanted, str):
            return None
        return next((b for b in backups_for(self.store.data_dir, None) if b.id == wanted), None)

    def undo_last_sync(self) -> bool:
        info = self.last_sync_backup()
        if info is None:
            return False
        at = self.last_sync().get("at")
        when = (
            f"{datetime.fromisoformat(at):%Y-%m-%d %H:%M}"
            if isinstance(at, str)
            else f"{info.created_at:%Y-%m-%d %H:%M}"
        )
        question = _(
            "Put this laptop back as it was before the sync of {when}?\n\nWhat that sync "
            "brought from the office goes, and so do the changes made on this laptop since "
            "then: they are lost here (the data as it is now is backed up first). What this "
            "laptop had sent stays at the office; the next sync brings it back."
        ).format(when=when)
        done = self.safety.restore(info, title=_("Undo the last sync"), question=question)
        self.update_enabled()
        return done is not None

    # -- Sync by file ---------------------------------------------------------------------

    def write_file(self) -> ParcelReport | None:
        if not self.checked_out():
            return None
        store = self.store
        title = _("Write a sync file")
        suggested = Path.home() / f"liaison-hub-{store.clock():%Y%m%d-%H%M}{SUFFIX}"
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window, title, str(suggested), SYNC_FILTER.tr()
        )
        if not chosen:
            return None
        target = _with_suffix(Path(chosen))
        passphrase = self._passphrase(title, twice=True)
        if passphrase is None:
            return None

        def work(progress: Callable[[ProgressReport], None]) -> ParcelReport:
            from coordinator.sync.parcel import write_laptop_parcel

            progress(_Step("seal"))
            return write_laptop_parcel(store, target, passphrase)

        made = _held(self.window, title, work, FILE_STAGES)
        if made is None:
            return None
        self._tell(
            title,
            _(
                "Sealed {ops} changes and {files} attachments into {path}.\n\nTake the file to "
                "the office; there, Data ▸ Sync by file ▸ Apply a sync file… applies it and "
                "writes the reply to bring back."
            ).format(ops=made.ops, files=made.files, path=target),
        )
        return made

    def apply_file(self) -> ParcelReport | None:
        """A laptop's file at the office (writing the reply for it), or the reply on the
        laptop."""
        store = self.store
        title = _("Apply a sync file")
        chosen, _filter = QFileDialog.getOpenFileName(
            self.window, title, str(Path.home()), SYNC_FILTER.tr() + ";;" + _("All files (*)")
        )
        if not chosen:
            return None
        source = Path(chosen)
        reply: Path | None = None
        if not self.checked_out():
            suggested = source.with_name(f"{source.stem}-reply{SUFFIX}")
            answer, _filter = QFileDialog.getSaveFileName(
                self.window,
                _("Where to write the reply for the laptop"),
                str(suggested),
                SYNC_FILTER.tr(),
            )
            if not answer:
                return None
            reply = _with_suffix(Path(answer))
        passphrase = self._passphrase(title, twice=False)
        if passphrase is None:
            return None

        def work(progress: Callable[[ProgressReport], None]) -> ParcelReport:
            from coordinator.sync.parcel import apply_parcel

            progress(_Step("apply"))
            return apply_parcel(store, source, passphrase, reply=reply)

        done = _held(self.window, title, work, FILE_STAGES)
        if done is None:
            return None
        self._everything_changed()
        text = _("Applied {ops} changes.").format(ops=done.ops)
        if done.conflicts:
            text += " " + ngettext(
                "{n} conflict to settle: the same thing was changed here and at the office.",
                "{n} conflicts to settle: the same things were changed here and at the office.",
                done.conflicts,
            ).format(n=done.conflicts)
        if done.reply is not None:
            text += "\n\n" + _(
                "The reply for the laptop is in {path}: apply it there with the same passphrase."
            ).format(path=done.reply)
        self._tell(title, text, conflicts=done.conflicts > 0 and self.checked_out())
        return done

    def _passphrase(self, title: str, *, twice: bool) -> str | None:
        dialog = PassphraseDialog(self.window, title, twice=twice)
        try:
            return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    # -- saying what was done -------------------------------------------------------------

    def _tell(self, title: str, text: str, *, conflicts: bool = False) -> QMessageBox:
        """Open (not blocking) a box saying ``text``; with ``conflicts``, a button to them."""
        if self.result_box is not None:
            self.result_box.deleteLater()
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self.window)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        if conflicts:
            settle = box.addButton(_("Settle the conflicts…"), QMessageBox.ButtonRole.ActionRole)
            settle.clicked.connect(lambda: self.show_conflicts())
            box.setIcon(QMessageBox.Icon.Warning)
        box.addButton(_("Close"), QMessageBox.ButtonRole.AcceptRole)
        self.result_box = box
        box.open()
        return box


def _with_suffix(path: Path) -> Path:
    return path if path.suffix else path.with_name(path.name + SUFFIX)


def _refuse_missing_file(address: str) -> None:
    """An SQLite address to a file that is not there would make a new empty database."""
    from coordinator.errors import StorageError
    from coordinator.store.local_settings import shown_url, sqlite_file

    database = sqlite_file(address)
    if database is not None and not database.is_file():
        raise StorageError(
            N_("There is no Liaison Hub database at {where}: nothing was sent or received."),
            where=shown_url(address),
        )
