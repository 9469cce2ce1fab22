"""The dialogs of the Data menu and of start-up recovery: what they show, not what they do.

Each dialog shows what the core found (backups, findings, a damaged database) and says
what the officer asked for through a signal or an attribute;
:mod:`ui.dialogs.safety_actions` does the
work (off the GUI thread, with progress) and hands the results back. So a dialog never
holds a store, and a restore that replaces the store leaves no dialog reading the old one.

Only type hints name the core here: the window's frame is built before the database layer
is imported, and this module is imported with the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import N_, Msg, _

if TYPE_CHECKING:
    from coordinator.safety.backup import BackupInfo
    from coordinator.safety.checks import CheckReport, Finding, RepairReport
    from coordinator.safety.health import Health

Index = QModelIndex | QPersistentModelIndex

_ERROR_COLOUR: Final = QColor("#b02020")
_WARNING_COLOUR: Final = QColor("#8a5a00")
_GOOD_COLOUR: Final = QColor("#1d6b2a")

# What each safe repair does, in the officer's words (the keys are
# coordinator.safety.checks.REPAIRS).
REPAIR_TEXTS: Final[dict[str, Msg]] = {
    "quarantine-files": N_("Move them into the quarantine folder (nothing is deleted)"),
    "restore-file": N_("Copy the file back from that backup"),
    "delete-orphan-rows": N_("Delete those rows, as the database should have done"),
    "clear-broken-links": N_("Empty the links that point nowhere"),
    "fix-permissions": N_("Make them readable by you only"),
}


def size_text(size: int) -> str:
    """A size the officer can read: kilobytes below one megabyte, else megabytes."""
    if size < 1024 * 1024:
        return _("{size} KB").format(size=max(1, round(size / 1024)) if size else 0)
    return _("{size} MB").format(size=f"{size / 2**20:.1f}")


def when_text(info: BackupInfo) -> str:
    return f"{info.created_at:%Y-%m-%d %H:%M}"


def backup_state_text(info: BackupInfo) -> str:
    if not info.verified:
        return _("Not verified")
    if not info.complete:
        return _("Verified; attached files that were missing: {count}").format(
            count=len(info.unavailable_files)
        )
    if info.check == "quick_check":
        return _("Verified (quick check)")
    return _("Verified")


def _table(parent: QWidget, model: QAbstractTableModel) -> QTableView:
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    return table


# --- backups ---------------------------------------------------------------------------

B_MADE, B_REASON, B_SIZE, B_FILES, B_STATE = range(5)
BACKUP_COLUMNS: Final = 5


class BackupsModel(QAbstractTableModel):
    """The backups of the data folder, newest first (a few dozen: held in full)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backups: list[BackupInfo] = []

    def set_backups(self, backups: Sequence[BackupInfo]) -> None:
        self.beginResetModel()
        self._backups = list(backups)
        self.endResetModel()

    def backup_at(self, row: int) -> BackupInfo:
        return self._backups[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._backups)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else BACKUP_COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._backups[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == B_MADE:
                return when_text(info)
            if column == B_REASON:
                return info.reason_label()
            if column == B_SIZE:
                return size_text(info.size)
            if column == B_FILES:
                return str(info.file_count)
            return backup_state_text(info)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(info.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (B_SIZE, B_FILES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == B_STATE:
            if not info.verified:
                return QBrush(_ERROR_COLOUR)
            if not info.complete:
                return QBrush(_WARNING_COLOUR)
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < BACKUP_COLUMNS
        ):
            return (_("Made"), _("Why"), _("Size"), _("Attached files"), _("Checked"))[section]
        return None


class BackupsDialog(QDialog):
    """The list of backups, with Restore selected… and Keeping policy…"""

    restore_requested = Signal(object)  # the BackupInfo chosen
    policy_requested = Signal()

    def __init__(self, parent: QWidget | None, folder: Path) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.folder = folder
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = BackupsModel(self)
        self.table = _table(self, self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel(self)
        self.empty.hide()
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.policy_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.restore_button.clicked.connect(self._restore_clicked)
        self.policy_button.clicked.connect(self.policy_requested)
        self.close_button.clicked.connect(self.reject)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._restore_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.buttons)
        self.resize(760, 420)
        self.retranslate()

    def set_backups(self, backups: Sequence[BackupInfo]) -> None:
        self.model.set_backups(backups)
        self.empty.setVisible(not backups)
        if backups:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.backup_at(rows[0].row()) if rows else None

    def select_backup(self, backup_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.backup_at(row).id == backup_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self, *_args: object) -> None:
        chosen = self.selected()
        # A backup that was not verified, or whose database file changed size, is never
        # offered: restoring it could replace good data with bad.
        self.restore_button.setEnabled(chosen is not None and chosen.verified)

    def _restore_clicked(self, *_args: object) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.verified:
            self.restore_requested.emit(chosen)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Backups"))
        self.intro.setText(
            _(
                "Liaison Hub backs up your data when you quit, every few hours while it is "
                "open, and before every restore, archive import or repair. Each backup is "
                "checked when it is made. They are kept in {folder}."
            ).format(folder=self.folder)
        )
        self.empty.setText(_("There are no backups yet. Use Back up now to make the first one."))
        self.restore_button.setText(_("&Restore selected…"))
        self.policy_button.setText(_("&Keeping policy…"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, BACKUP_COLUMNS - 1)


class PolicyDialog(QDialog):
    """How many daily, weekly and monthly backups are kept."""

    def __init__(
        self,
        parent: QWidget | None,
        daily: int,
        weekly: int,
        monthly: int,
        save: Callable[[int, int, int], bool],
        limit: int = 999,
    ) -> None:
        super().__init__(parent)
        # The core's own labels (its validation messages name the same fields).
        from coordinator.safety.backup import F_DAILY, F_MONTHLY, F_WEEKLY

        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._save = save
        self.daily = self._spin(daily, limit)
        self.weekly = self._spin(weekly, limit)
        self.monthly = self._spin(monthly, limit)
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        self._labels = (F_DAILY, F_WEEKLY, F_MONTHLY)
        self.daily_label = QLabel(self)
        self.weekly_label = QLabel(self)
        self.monthly_label = QLabel(self)
        form.addRow(self.daily_label, self.daily)
        form.addRow(self.weekly_label, self.weekly)
        form.addRow(self.monthly_label, self.monthly)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.retranslate()

    def _spin(self, value: int, limit: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(0, limit)
        spin.setValue(value)
        return spin

    def accept(self) -> None:
        if self._save(self.daily.value(), self.weekly.value(), self.monthly.value()):
            super().accept()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Keeping policy"))
        self.explain.setText(
            _(
                "For each of the last days, weeks and months that have a backup, the newest "
                "backup of that period is kept; older ones are removed once a new backup has "
                "been checked. The newest backup is always kept, and backups made by hand or "
                "before a restore, import or repair are kept for 30 days whatever this says."
            )
        )
        for label, text in zip(
            (self.daily_label, self.weekly_label, self.monthly_label), self._labels, strict=True
        ):
            label.setText(text.tr())


# --- check data ------------------------------------------------------------------------

F_SEVERITY, F_TEXT, F_REPAIR = range(3)
FINDING_COLUMNS: Final = 3


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self.endResetModel()

    def finding_at(self, row: int) -> Finding:
        return self._findings[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else FINDING_COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        finding = self._findings[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == F_SEVERITY:
                return _("Problem") if finding.severity == "error" else _("Warning")
            if column == F_TEXT:
                return finding.text()
            text = REPAIR_TEXTS.get(finding.repair or "")
            if text is not None:
                return text.tr()
            return _("Nothing to repair here") if role == Qt.ItemDataRole.ToolTipRole else ""
        if role == Qt.ItemDataRole.ForegroundRole and column == F_SEVERITY:
            return QBrush(_ERROR_COLOUR if finding.severity == "error" else _WARNING_COLOUR)
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < FINDING_COLUMNS
        ):
            return (_("Kind"), _("What was found"), _("Safe repair"))[section]
        return None


class CheckDialog(QDialog):
    """What Check data found, the safe repairs, and what they did."""

    repair_requested = Signal()
    check_requested = Signal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report: CheckReport | None = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.model = FindingsModel(self)
        self.table = _table(self, self.model)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(F_SEVERITY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(F_TEXT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(F_REPAIR, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(F_REPAIR, 260)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.repairs_label = QLabel(self)
        self.repairs = QPlainTextEdit(self)
        self.repairs.setReadOnly(True)
        self.repairs.setMaximumHeight(self.fontMetrics().height() * 7)
        self.repairs_label.hide()
        self.repairs.hide()
        self.buttons = QDialogButtonBox(self)
        self.repair_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.repair_button.clicked.connect(self.repair_requested)
        self.check_button.clicked.connect(self.check_requested)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.repairs_label)
        layout.addWidget(self.repairs)
        layout.addWidget(self.buttons)
        self.resize(860, 460)
        self.retranslate()

    def show_report(self, report: CheckReport) -> None:
        self.report = report
        self.model.set_findings(report.findings)
        self.table.setVisible(bool(report.findings))
        errors = sum(1 for f in report.findings if f.severity == "error")
        warnings = len(report.findings) - errors
        repairable = len(report.repairable)
        if not report.findings:
            text = _("No problems found: the data is sound.")
        elif errors:
            text = _("Problems found: {errors}. Warnings: {warnings}.").format(
                errors=errors, warnings=warnings
            )
        else:
            text = _("No problems found. Warnings: {warnings}.").format(warnings=warnings)
        if repairable:
            text += " " + _(
                "Safe repairs offered: {count}. A backup is made before anything in the "
                "database changes, and files are moved aside, never deleted."
            ).format(count=repairable)
        self.summary.setText(text)
        self.summary.setStyleSheet(
            f"color: {(_ERROR_COLOUR if errors else _GOOD_COLOUR).name()};"
            if errors or not report.findings
            else ""
        )
        self.repair_button.setEnabled(repairable > 0)

    def show_repairs(self, outcome: RepairReport) -> None:
        lines: list[str] = []
        if outcome.backup is not None:
            lines.append(_("Backed up first as {id}.").format(id=outcome.backup.id))
        for finding in outcome.repaired:
            lines.append(_("Repaired: {finding}").format(finding=finding.text()))
        for finding, error in outcome.failed:
            lines.append(
                _("Not repaired: {finding} ({reason})").format(
                    finding=finding.text(), reason=error.message()
                )
            )
        if outcome.quarantine is not None:
            lines.append(_("Files set aside in {path}.").format(path=outcome.quarantine))
        self.repairs.setPlainText("\n".join(lines))
        self.repairs_label.show()
        self.repairs.show()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Check data"))
        self.repair_button.setText(_("&Repair the safe ones"))
        self.check_button.setText(_("Check &again"))
        self.repairs_label.setText(_("What the repair did:"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, FINDING_COLUMNS - 1)
        if self.report is not None:
            self.show_report(self.report)


# --- start-up recovery -----------------------------------------------------------------

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
        self.model.set_backups(backups)
        self.table = _table(self, self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
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
            self.chosen = self.model.backup_at(rows[0].row())
            self.accept()

    def take_folder(self, folder: Path) -> None:
        self.folder = folder
        self.accept()
