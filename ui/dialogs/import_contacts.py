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

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
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
from coordinator.formatting import listing
from coordinator.i18n import N_, _, current_language
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.widgets.background import Delivery
from ui.widgets.rows_model import ItemsModel
from ui.widgets.tables import set_up_table

log = logging.getLogger(__name__)

COL_ENTRY, COL_NAME, COL_ORGANISATION, COL_NUMBERS, COL_ACTION, COL_DETAILS = range(6)

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
            _("adds {numbers}").format(numbers=listing(n.display for n in row.new_numbers))
        )
    parts += [problem.message() for problem in row.left_out]
    return " ".join(parts)


class PreviewModel(ItemsModel[PreviewRow]):
    """The preview's rows, one per entry of the file (read-only)."""

    right_aligned = frozenset({COL_ENTRY})

    def __init__(self, parent: QObject | None = None) -> None:
        headers = (
            N_("#"),
            N_("Name"),
            N_("Organisation"),
            N_("Numbers in the file"),
            N_("Import as"),
            N_("Details"),
        )
        super().__init__(headers, parent)

    def set_preview(self, plan: ImportPreview | None) -> None:
        self.set_items(plan.rows if plan is not None else ())

    def text(self, item: PreviewRow, column: int) -> str:
        entry = item.entry
        if column == COL_ENTRY:
            return str(entry.entry)
        if column == COL_NAME:
            # An entry with only an organisation is stored under a name made from it.
            return entry.name or (item.name if item.action is RowAction.NEW else "")
        if column == COL_ORGANISATION:
            return entry.organisation
        if column == COL_NUMBERS:
            return listing(number for number, _label in entry.phones)
        if column == COL_ACTION:
            return _action_text(item)
        return _details(item)

    def tooltip(self, item: PreviewRow, column: int) -> str | None:
        if column not in (COL_DETAILS, COL_NUMBERS):
            return None
        return self.text(item, column) or None

    def colour(self, item: PreviewRow, column: int) -> QColor | None:
        if column != COL_ACTION:
            return None
        if item.action is RowAction.REFUSED:
            return _REFUSED_COLOUR
        if item.action is RowAction.UNCHANGED:
            return _UNCHANGED_COLOUR
        return None


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
        # Delivers (request number, ImportPreview | the message shown) to the dialog.
        self._delivery = Delivery(self)
        self._delivery.finished.connect(self._delivered)

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
        # Fixed sizes: a 10,000-entry phone export shows at once (nothing is measured).
        set_up_table(self.table, (44, 110, 190, 200, 150))
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
            delivery.finished.emit((request, outcome))

        self._pool.start(work)

    def _delivered(self, delivered: tuple[int, object]) -> None:
        request, outcome = delivered
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
