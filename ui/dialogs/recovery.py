"""At start, before the store is opened: a database that cannot be used, and the ways out.

:func:`check_before_open` asks the core how the data folder's database is
(:func:`coordinator.safety.health.diagnose`, read-only). A damaged, unreadable or foreign
database is said so in plain words (:class:`RecoveryDialog`) and kept aside untouched by
the core; the officer restores the newest good backup, another backup
(:class:`BackupPickerDialog`, also one kept in a folder elsewhere) or an archive, or
quits, which leaves everything as it was.

The database layer is imported inside the functions: this runs before the window's
first frame, which must not wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import _
from ui.dialogs.safety import (
    IMPORT_STAGES,
    OPEN_STAGES,
    RESTORE_STAGES,
    BackupsModel,
    imported_text,
    restored_text,
    single_choice_table,
    when_text,
)
from ui.widgets.background import run_with_progress

if TYPE_CHECKING:
    from coordinator.safety.archive import ArchiveImport
    from coordinator.safety.catalogue import BackupInfo
    from coordinator.safety.health import Health
    from coordinator.safety.restore import RestoreResult

__all__ = ["BackupPickerDialog", "RecoveryDialog", "check_before_open", "choose_backup"]

CHOICE_NEWEST = "newest"
CHOICE_OTHER = "other"
CHOICE_ARCHIVE = "archive"
CHOICE_QUIT = "quit"


class RecoveryDialog(QDialog):
    """The database cannot be used: say so, say the file is kept, offer the ways out.

    :attr:`choice` is one of the CHOICE_ values once :meth:`exec` returns (Quit when the
    dialog was closed any other way).
    """

    def __init__(
        self,
        parent: QWidget | None,
        health: Health,
        damaged_folder: Path,
        newest: BackupInfo | None,
    ) -> None:
        super().__init__(parent)
        self.choice = CHOICE_QUIT
        self.setWindowTitle(_("Your data cannot be opened"))
        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.problem = QLabel(health.message(), self)
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.problem.font()
        font.setBold(True)
        self.problem.setFont(font)
        self.kept = QLabel(
            _(
                "Nothing has been changed. Whatever you choose, this file is kept exactly as it "
                "is: before anything is put in its place, it is moved unchanged into the folder "
                "{folder}, where someone who repairs databases can still look at it."
            ).format(folder=damaged_folder),
            self,
        )
        self.kept.setWordWrap(True)
        self.kept.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if newest is not None:
            offer = _(
                "The newest good backup was made on {date} ({reason}). Restoring it brings "
                "back your data as it was then; what was entered after that is not in it."
            ).format(date=when_text(newest), reason=newest.reason_label())
        else:
            offer = _(
                "There is no backup in the data folder. Choose a backup folder or an archive "
                "you keep elsewhere (a USB stick, another laptop), or quit and ask for help."
            )
        self.offer = QLabel(offer, self)
        self.offer.setWordWrap(True)
        self.newest_button = QPushButton(_("Restore the &newest backup"), self)
        self.newest_button.setEnabled(newest is not None)
        self.other_button = QPushButton(_("Choose another &backup…"), self)
        self.archive_button = QPushButton(_("Import an &archive…"), self)
        self.quit_button = QPushButton(_("&Quit"), self)
        buttons = QDialogButtonBox(self)
        for button, choice in (
            (self.newest_button, CHOICE_NEWEST),
            (self.other_button, CHOICE_OTHER),
            (self.archive_button, CHOICE_ARCHIVE),
            (self.quit_button, CHOICE_QUIT),
        ):
            role = (
                QDialogButtonBox.ButtonRole.RejectRole
                if choice == CHOICE_QUIT
                else QDialogButtonBox.ButtonRole.AcceptRole
            )
            buttons.addButton(button, role)
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
        if newest is not None:
            self.newest_button.setDefault(True)
        body = QVBoxLayout()
        body.addWidget(self.problem)
        body.addWidget(self.kept)
        body.addWidget(self.offer)
        top = QFormLayout()
        top.addRow(icon, body)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        if choice == CHOICE_QUIT:
            self.reject()
        else:
            self.accept()

    def reject(self) -> None:
        # Esc or the window's close button: the safe answer, which changes nothing.
        self.choice = CHOICE_QUIT
        super().reject()


class BackupPickerDialog(QDialog):
    """Pick one backup to restore: from the list, or a backup folder kept elsewhere.

    :attr:`chosen` is the BackupInfo from the list, or :attr:`folder` a folder the
    officer pointed at (checked by the caller), once :meth:`exec` returns Accepted.
    """

    folder_requested = Signal()

    def __init__(self, parent: QWidget | None, backups: Sequence[BackupInfo]) -> None:
        super().__init__(parent)
        self.chosen: BackupInfo | None = None
        self.folder: Path | None = None
        self.setWindowTitle(_("Choose a backup"))
        self.intro = QLabel(
            _("Choose the backup to restore. Only backups that passed their check are listed."),
            self,
        )
        self.intro.setWordWrap(True)
        self.model = BackupsModel(self)
        self.model.set_items(backups)
        self.table = single_choice_table(self, self.model)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton(
            _("&Restore this backup"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.folder_button = self.buttons.addButton(
            _("Another backup &folder…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button.clicked.connect(self._take_selected)
        self.folder_button.clicked.connect(self.folder_requested)
        self.buttons.rejected.connect(self.reject)
        self.table.doubleClicked.connect(self._take_selected)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        if backups:
            self.table.selectRow(0)
        self._selection_changed()
        self.resize(720, 360)

    def _selection_changed(self, *_args: object) -> None:
        self.restore_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _take_selected(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.chosen = self.model.item_at(rows[0].row())
            self.accept()

    def take_folder(self, folder: Path) -> None:
        self.folder = folder
        self.accept()


PREPARE_SHOW_AFTER_MS = 400
"""A new, empty folder is prepared at once: no dialog flashes by."""


def prepare_with_progress(data_dir: Path, parent: QWidget | None) -> bool:
    """Before the store is opened: a schema upgrade or a search index to build (which
    read every record) happen off the GUI thread, with progress. False when it failed
    (the officer was told); nothing is then changed."""
    from coordinator.safety.opening import needs_preparing, prepare

    if not needs_preparing(data_dir):
        return True

    def work(progress: Callable[[Any], None]) -> bool:
        prepare(data_dir, progress)
        return True

    done = run_with_progress(
        parent,
        _("Preparing your data"),
        work,
        stages=OPEN_STAGES,
        cancellable=False,
        show_after_ms=PREPARE_SHOW_AFTER_MS,
    )
    return done is not None


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
    from coordinator.safety.catalogue import data_folder_url

    title = _("Liaison Hub")
    if data_folder_url(data_dir) is not None:
        # The data is not the folder's own file (an office server's, most often): there is
        # no file here to be damaged, and a server out of reach is said when it is opened.
        return True
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
    from coordinator.safety.restore import RestoreResult

    return restored_text(done) if isinstance(done, RestoreResult) else imported_text(done)


def choose_backup(
    parent: QWidget | None, data_dir: Path, candidates: Sequence[BackupInfo]
) -> BackupInfo | None:
    """The officer picks a backup from the list, or a backup folder kept elsewhere."""
    from coordinator.safety.catalogue import find_backup

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
