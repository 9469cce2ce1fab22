"""The dialogs of the Data menu: what they show, not what they do; and the words for what
the core reports (its progress stages, what a restore or an import did).

Each dialog shows what the core found (backups, findings) and says what the officer asked
for through a signal or an attribute; :mod:`ui.dialogs.safety_actions` does the work (off
the GUI thread, with progress) and hands the results back. So a dialog never holds a
store, and a restore that replaces the store leaves no dialog reading the old one. The
dialogs of start-up recovery are :mod:`ui.dialogs.recovery`.

Only type hints name the core here: the window's frame is built before the database layer
is imported, and this module is imported with the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import N_, Msg, _
from ui.widgets.rows_model import ItemsModel

if TYPE_CHECKING:
    from coordinator.safety.archive import ArchiveImport
    from coordinator.safety.catalogue import BackupInfo
    from coordinator.safety.checks import CheckReport, Finding, RepairReport
    from coordinator.safety.restore import RestoreResult

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
    "rebuild-search-index": N_("Build the search index again from the records"),
    "drop-unreferenced-content": N_("Remove it from the database (a backup is made first)"),
}

# What the core's progress stages mean to the officer (coordinator.safety.copying.Progress).
STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "database": N_("Copying the database…"),
        "files": N_("Copying the attached files…"),
        "verify": N_("Checking the copy…"),
        "restore": N_("Putting the data in place…"),
        "check": N_("Checking the data…"),
        "repair": N_("Repairing…"),
    }
)
CHECK_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        **STAGES,
        "verify": N_("Checking the database…"),
        "files": N_("Checking the attached files…"),
    }
)
RESTORE_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        **STAGES,
        "verify": N_("Checking the backups…"),
        "database": N_("Backing up the current data first…"),
        "files": N_("Backing up the current data first…"),
    }
)
OPEN_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "upgrade": N_("Backing up and upgrading the database…"),
        "index": N_("Building the search index…"),
    }
)
EXPORT_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {**STAGES, "files": N_("Writing the attached files into the archive…")}
)
IMPORT_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        **STAGES,
        "files": N_("Unpacking and checking the archive…"),
        "verify": N_("Checking the archive's database…"),
    }
)


def size_text(size: int) -> str:
    """A size the officer can read: kilobytes below one megabyte, else megabytes."""
    if size < 1024 * 1024:
        return _("{size} KB").format(size=max(1, round(size / 1024)) if size else 0)
    return _("{size} MB").format(size=f"{size / 2**20:.1f}")


def when_text(info: BackupInfo) -> str:
    return f"{info.created_at:%Y-%m-%d %H:%M}"


def _moved_aside(path: Path | None) -> str:
    if path is None:
        return ""
    return "\n\n" + _("The damaged database was moved, unchanged, to {path}.").format(path=path)


def restored_text(result: RestoreResult) -> str:
    """What a restore did, for the message that follows it."""
    text = _("The data as it was on {date} is back.").format(date=when_text(result.restored))
    if result.safety is not None:
        text += "\n\n" + _(
            "The data as it was just before is kept in the backup of {date} ({reason})."
        ).format(date=when_text(result.safety), reason=result.safety.reason_label())
    return text + _moved_aside(result.set_aside)


def imported_text(result: ArchiveImport) -> str:
    """What an archive import did, for the message that follows it."""
    text = _("The archive of {date} is imported (attached files: {files}).").format(
        date=f"{result.contents.created_at:%Y-%m-%d %H:%M}", files=result.contents.file_count
    )
    if result.safety is not None:
        text += "\n\n" + _("What Liaison Hub held before is kept in the backup of {date}.").format(
            date=when_text(result.safety)
        )
    return text + _moved_aside(result.set_aside)


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


def single_choice_table(
    parent: QWidget, model: QAbstractItemModel, stretch: int | None = None
) -> QTableView:
    """One row chosen at a time; without ``stretch``, columns fit the few rows there are."""
    # Imported here: the lists' module loads the database layer, which the frame must
    # not wait for.
    from ui.widgets.tables import Selection, set_up_table

    table = QTableView(parent)
    table.setModel(model)
    set_up_table(
        table, selection=Selection.SingleSelection, stretch=stretch, fit_to_contents=stretch is None
    )
    return table


# --- backups ---------------------------------------------------------------------------

B_MADE, B_REASON, B_SIZE, B_FILES, B_STATE = range(5)


class BackupsModel(ItemsModel["BackupInfo"]):
    """The backups of the data folder, newest first (a few dozen: held in full)."""

    right_aligned = frozenset({B_SIZE, B_FILES})

    def __init__(self, parent: QWidget | None = None) -> None:
        headers = (N_("Made"), N_("Why"), N_("Size"), N_("Attached files"), N_("Checked"))
        super().__init__(headers, parent)

    def text(self, item: BackupInfo, column: int) -> str:
        if column == B_MADE:
            return when_text(item)
        if column == B_REASON:
            return item.reason_label()
        if column == B_SIZE:
            return size_text(item.size)
        if column == B_FILES:
            return str(item.file_count)
        return backup_state_text(item)

    def tooltip(self, item: BackupInfo, column: int) -> str:
        return str(item.path)

    def colour(self, item: BackupInfo, column: int) -> QColor | None:
        if column != B_STATE or (item.verified and item.complete):
            return None
        return _ERROR_COLOUR if not item.verified else _WARNING_COLOUR


class BackupsDialog(QDialog):
    """The list of backups, with Restore selected… and Keeping policy…"""

    restore_requested = Signal(object)  # the BackupInfo chosen
    policy_requested = Signal()

    def __init__(self, parent: QWidget | None, folder: Path, server: str | None = None) -> None:
        """``server``: where the data lives when it is an office server's (as shown),
        whose backups follow other rules (coordinator.safety.server_backup)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.folder = folder
        self.server = server
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = BackupsModel(self)
        self.table = single_choice_table(self, self.model)
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
        self.model.set_items(backups)
        self.empty.setVisible(not backups)
        if backups:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item_at(rows[0].row()) if rows else None

    def select_backup(self, backup_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.item_at(row).id == backup_id:
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
        if self.server is None:
            self.intro.setText(
                _(
                    "Liaison Hub backs up your data when you quit, every few hours while it "
                    "is open, and before every restore, archive import or repair. Each "
                    "backup is checked when it is made. They are kept in {folder}."
                ).format(folder=self.folder)
            )
            self.empty.setText(
                _("There are no backups yet. Use Back up now to make the first one.")
            )
        else:
            self.intro.setText(
                _(
                    "Your data is on the office server {server}, shared with the other "
                    "officers. Its regular backups are made on the server itself, by whoever "
                    "looks after it: this laptop does not copy the whole office's data every "
                    "few hours. It makes a backup of the server when you choose Back up now, "
                    "and before a restore, an archive import, a repair or an upgrade made "
                    "from here. Each is checked when it is made; they are kept in {folder}."
                ).format(server=self.server, folder=self.folder)
            )
            self.empty.setText(
                _(
                    "There is no backup of the office server on this computer yet. Use "
                    "Back up now to make one."
                )
            )
        self.restore_button.setText(_("&Restore selected…"))
        self.policy_button.setText(_("&Keeping policy…"))
        self.model.retranslate()


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
        from coordinator.safety.retention import F_DAILY, F_MONTHLY, F_WEEKLY

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


class FindingsModel(ItemsModel["Finding"]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((N_("Kind"), N_("What was found"), N_("Safe repair")), parent)

    def text(self, item: Finding, column: int) -> str:
        if column == F_SEVERITY:
            return _("Problem") if item.severity == "error" else _("Warning")
        if column == F_TEXT:
            return item.text()
        repair = REPAIR_TEXTS.get(item.repair or "")
        return "" if repair is None else repair.tr()

    def tooltip(self, item: Finding, column: int) -> str:
        text = self.text(item, column)
        return _("Nothing to repair here") if column == F_REPAIR and not text else text

    def colour(self, item: Finding, column: int) -> QColor | None:
        if column != F_SEVERITY:
            return None
        return _ERROR_COLOUR if item.severity == "error" else _WARNING_COLOUR


class CheckDialog(QDialog):
    """What Check data found, the safe repairs, and what they did."""

    repair_requested = Signal()
    check_requested = Signal()

    def __init__(self, parent: QWidget | None, *, on_server: bool = False) -> None:
        """``on_server``: the data is an office server's (its repairs back it up first,
        and its attachments are in the database, not files to move aside)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.on_server = on_server
        self.report: CheckReport | None = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.model = FindingsModel(self)
        self.table = single_choice_table(self, self.model, stretch=F_TEXT)
        # Findings are sentences: wrapped, each row as tall as its text.
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(F_SEVERITY, QHeaderView.ResizeMode.ResizeToContents)
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
        self.model.set_items(report.findings)
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
        if repairable and self.on_server:
            text += " " + _(
                "Safe repairs offered: {count}. A backup of the office server is made "
                "before anything in its database changes."
            ).format(count=repairable)
        elif repairable:
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
        self.model.retranslate()
        if self.report is not None:
            self.show_report(self.report)
