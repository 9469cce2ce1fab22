"""Import contacts from a phone or another address book (vCard or CSV), after a preview.

The officer chooses a file; the dialog reads it off the GUI thread (a large export takes
a while) and shows, entry by entry, what importing would do: a new contact, a merge into
a stored one, already present, or refused and why. Import writes all of it or nothing
(:func:`coordinator.exchange.contact_import.apply`); a file that is not a contacts file shows
its message and writes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.exchange import contact_import
from coordinator.exchange.contact_import import ImportPreview, ImportResult, PreviewRow, RowAction
from coordinator.i18n import _, current_language
from coordinator.store.storage import Store
from ui.hub import Hub

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

COL_ENTRY, COL_NAME, COL_ORGANISATION, COL_NUMBERS, COL_ACTION, COL_DETAILS = range(6)
COLUMN_COUNT = 6

_REFUSED_COLOUR = QColor(176, 32, 32)
_UNCHANGED_COLOUR = QColor(110, 110, 110)


def _action_text(row: PreviewRow) -> str:
    if row.action is RowAction.NEW:
        return _("New contact")
    if row.action is RowAction.MERGE:
        if row.merged_into_entry is not None:
            return _("Merge into entry {n}").format(n=row.merged_into_entry)
        return _("Merge into {name}").format(name=row.name)
    if row.action is RowAction.UNCHANGED:
        return _("Already present ({name})").format(name=row.name)
    return _("Refused")


def _details(row: PreviewRow) -> str:
    parts: list[str] = []
    if row.action is RowAction.REFUSED and row.reason is not None:
        parts.append(row.reason.message())
    elif row.action is RowAction.MERGE and row.new_numbers:
        parts.append(
            _("adds {numbers}").format(numbers=", ".join(n.display for n in row.new_numbers))
        )
    parts += [problem.message() for problem in row.left_out]
    return " ".join(parts)


class PreviewModel(QAbstractTableModel):
    """The preview's rows, one per entry of the file (read-only)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[PreviewRow, ...] = ()

    def set_preview(self, plan: ImportPreview | None) -> None:
        self.beginResetModel()
        self._rows = plan.rows if plan is not None else ()
        self.endResetModel()

    def row(self, index: int) -> PreviewRow:
        return self._rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_ACTION:
            if row.action is RowAction.REFUSED:
                return QBrush(_REFUSED_COLOUR)
            if row.action is RowAction.UNCHANGED:
                return QBrush(_UNCHANGED_COLOUR)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_ENTRY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_DETAILS, COL_NUMBERS):
            text = self._text(row, column)
            return text or None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        return None

    def _text(self, row: PreviewRow, column: int) -> str:
        entry = row.entry
        if column == COL_ENTRY:
            return str(entry.entry)
        if column == COL_NAME:
            # An entry with only an organisation is stored under a name made from it.
            return entry.name or (row.name if row.action is RowAction.NEW else "")
        if column == COL_ORGANISATION:
            return entry.organisation
        if column == COL_NUMBERS:
            return ", ".join(number for number, _label in entry.phones)
        if column == COL_ACTION:
            return _action_text(row)
        return _details(row)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return (
                _("#"),
                _("Name"),
                _("Organisation"),
                _("Numbers in the file"),
                _("Import as"),
                _("Details"),
            )[section]
        return None


class _Delivery(QObject):
    """Carries a preview from the worker thread to the dialog (a queued signal)."""

    done = Signal(int, object)  # (request number, ImportPreview | str message)


class ImportContactsDialog(QDialog):
    """Choose a file, see what importing it would do, import all of it or nothing."""

    preview_ready = Signal(object)  # ImportPreview
    preview_failed = Signal(str)  # the message shown
    imported = Signal(object)  # ImportResult

    def __init__(
        self,
        store: Store,
        hub: Hub,
        parent: QWidget | None = None,
        *,
        path: Path | str | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.preview: ImportPreview | None = None
        self.import_result: ImportResult | None = None
        self.path: Path | None = None
        self._request = 0
        # The dialog's own pool: deleting the dialog waits for a preview still reading,
        # so no thread outlives the store it reads.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._delivered)

        self.file_label = QLabel(self)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton(self)
        self.choose_button.clicked.connect(self.choose_file)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # busy: no known end
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height())
        self.busy.hide()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b02020;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.model = PreviewModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed sizes: a 10,000-entry phone export shows at once (nothing is measured).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (COL_ENTRY, 44),
            (COL_NAME, 110),
            (COL_ORGANISATION, 190),
            (COL_NUMBERS, 200),
            (COL_ACTION, 150),
        ):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.clicked.connect(self.do_import)
        self.close_button.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(960, 560)
        self.retranslate()
        if path is not None:
            self.load(path)

    # -- the file and its preview ----------------------------------------------------------

    def choose_file(self) -> None:
        start = str(self.path.parent) if self.path is not None else ""
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a contacts file"),
            start,
            _("Contacts (*.vcf *.csv *.txt);;All files (*)"),
        )
        if chosen:
            self.load(chosen)

    def load(self, path: Path | str) -> None:
        """Read ``path`` in the background; the preview (or its problem) shows when ready."""
        self.path = Path(path)
        self.preview = None
        self.import_result = None
        self._request += 1
        request = self._request
        self.model.set_preview(None)
        self.error.hide()
        self.summary.setText(_("Reading {name}…").format(name=self.path.name))
        self.file_label.setText(str(self.path))
        self.busy.show()
        self._update_buttons()
        store, delivery, source = self.store, self._delivery, self.path

        def work() -> None:  # on the pool's thread: only the store and the signal
            outcome: ImportPreview | str
            try:
                outcome = contact_import.preview(store, source)
            except DomainError as exc:
                outcome = exc.message()
            except Exception as exc:  # a fault must not leave the dialog busy forever
                log.exception("previewing %s failed", source)
                outcome = _("The file {name} cannot be read: {reason}").format(
                    name=source.name, reason=str(exc) or type(exc).__name__
                )
            delivery.done.emit(request, outcome)

        self._pool.start(work)

    def _delivered(self, request: int, outcome: object) -> None:
        if request != self._request:  # another file was chosen meanwhile
            return
        self.busy.hide()
        if isinstance(outcome, ImportPreview):
            self.preview = outcome
            self.model.set_preview(outcome)
            # What was read, and how: a wrongly guessed encoding shows in the names.
            kind = "vCard" if outcome.kind == "vcard" else "CSV"
            self.file_label.setText(f"{outcome.path}  ({kind}, {outcome.encoding.upper()})")
            self.summary.setText(self._counts_text(outcome))
            self._update_buttons()
            self.preview_ready.emit(outcome)
        else:
            message = str(outcome)
            self.summary.setText(_("Nothing was imported."))
            self.error.setText(message)
            self.error.show()
            self._update_buttons()
            self.preview_failed.emit(message)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for a preview still reading (the delivery still needs the event loop)."""
        return self._pool.waitForDone(msecs)

    def _counts_text(self, plan: ImportPreview) -> str:
        text = _(
            "{total} entries: {new} new, {merged} to merge, {unchanged} already present, "
            "{refused} refused."
        ).format(
            total=len(plan.rows),
            new=plan.new,
            merged=plan.merged,
            unchanged=plan.unchanged,
            refused=plan.refused,
        )
        if plan.left_out:
            # Chinese sentences follow one another without a space.
            text += "" if current_language() == "zh_CN" else " "
            text += _("{n} numbers or handles are left out (see Details).").format(n=plan.left_out)
        return text

    # -- importing ------------------------------------------------------------------------

    def do_import(self) -> None:
        plan = self.preview
        if plan is None or self.import_result is not None:
            return
        outcome = self.hub.call(self, contact_import.apply, plan)
        if outcome is None:  # refused: nothing was written, the message was shown
            return
        self.import_result = outcome.value
        self.summary.setText(
            _(
                "Imported: {added} added, {merged} merged, {unchanged} already present, "
                "{refused} refused."
            ).format(
                added=outcome.value.added,
                merged=outcome.value.merged,
                unchanged=outcome.value.unchanged,
                refused=outcome.value.refused,
            )
        )
        self._update_buttons()
        self.imported.emit(outcome.value)

    def _update_buttons(self) -> None:
        plan = self.preview
        can_import = (
            plan is not None and self.import_result is None and (plan.new > 0 or plan.merged > 0)
        )
        self.import_button.setEnabled(can_import)
        self.choose_button.setEnabled(True)
        self.close_button.setText(_("Close") if self.import_result is not None else _("Cancel"))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Import contacts"))
        if self.path is None:
            self.file_label.setText(
                _("Choose a vCard (.vcf) or CSV file exported from a phone or an address book.")
            )
        self.choose_button.setText(_("Choose file…"))
        self.import_button.setText(_("Import"))
        self._update_buttons()
