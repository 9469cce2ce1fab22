"""A case's document checklist: states, who holds each, and the files.

Keys on the list: R received, F forwarded (asks the department if none is set),
A accepted, M accepted with items missing (asks what and by when), X returned (asks
what must be corrected), S resubmitted. Files are added by dropping them on a document
or with Ctrl+O, opened with Enter or a double-click (the system's viewer), and removed
with Delete after a question.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Final

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, EditConflictError
from coordinator.formatting import listing, short_datetime
from coordinator.i18n import N_, Msg, _
from coordinator.kinds import DocumentState
from coordinator.labels import DOCUMENT_STATE, cap
from coordinator.services import documents
from coordinator.store.records import DocumentRecord, FileRecord
from coordinator.store.storage import Store
from ui.hub import Hub, confirm
from ui.widgets import ask
from ui.widgets.background import ProgressReport, run_with_progress
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import attempt_edit
from ui.widgets.keys import name_state_actions, state_actions
from ui.widgets.tables import fit_columns
from ui.widgets.tree_items import ItemTree, children
from ui.widgets.undo import document_deleted, documents_moved

DOC_ROLE = Qt.ItemDataRole.UserRole
FILE_ROLE = Qt.ItemDataRole.UserRole + 1
COL_TITLE, COL_STATE, COL_HOLDER, COL_DESTINATION, COL_SINCE, COL_MARKS = range(6)
COLUMN_KINDS = (Kind.TEXT, Kind.STATUS, Kind.NAME, Kind.NAME, Kind.TIME, Kind.NOTES)


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size} {unit}" if unit == "B" else f"{size:.0f} {unit}"
        size //= 1024
    return f"{size} GB"


def _since(doc: DocumentRecord) -> datetime | None:
    stamps = [
        doc.requested_at,
        doc.received_at,
        doc.forwarded_at,
        doc.accepted_at,
        doc.returned_at,
        doc.resubmitted_at,
    ]
    present = [s for s in stamps if s is not None]
    return max(present) if present else None


_VIEWING_DIR: Path | None = None
OPEN_SHOW_AFTER_MS = 400  # a scan opens at once; a film of the site takes a moment
OPEN_STAGES: Final[Mapping[str, Msg]] = MappingProxyType(
    {"open": N_("Copying the file for the viewer, checking it…")}
)


def viewing_dir() -> Path:
    """One private temporary folder per run, for the copies handed to the viewer."""
    global _VIEWING_DIR
    if _VIEWING_DIR is None or not _VIEWING_DIR.exists():
        _VIEWING_DIR = Path(tempfile.mkdtemp(prefix="liaison-hub-view-"))
    return _VIEWING_DIR


@dataclass(frozen=True)
class _Copying:
    """How far the copy for the viewer is (a ProgressReport)."""

    done: int
    total: int
    stage: str = "open"

    @property
    def fraction(self) -> float | None:
        return None if self.total <= 0 else min(1.0, self.done / self.total)


class DocumentTree(ItemTree):
    """The checklist; files dropped on a document are attached to it."""

    def __init__(self, on_drop: Callable[[int, list[Path]], None], parent: QWidget) -> None:
        super().__init__(6, parent)
        self.on_drop = on_drop
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        item = self.item_at(event.position().toPoint())
        if event.mimeData().hasUrls() and item is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        item = self.item_at(event.position().toPoint())
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if item is None or not paths:
            event.ignore()
            return
        document_id = item.data(DOC_ROLE)
        event.acceptProposedAction()
        if document_id is not None:
            self.on_drop(int(document_id), paths)


class CaseDocumentsTab(QWidget):
    refresh_requested = Signal()  # the checklist must be read again (a colleague's change)

    def __init__(
        self, store: Store, hub: Hub, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self.docs: list[DocumentRecord] = []
        self.names: dict[int, str] = {}
        self.toolbar = QToolBar(self)
        self.state_actions = state_actions(
            self, self.toolbar, self.move_to, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.toolbar.addSeparator()
        self.add_file_action = QAction(self)
        self.add_file_action.setShortcut(QKeySequence.StandardKey.Open)
        self.add_file_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_file_action.triggered.connect(self.add_files_dialog)
        self.open_file_action = QAction(self)
        self.open_file_action.setShortcut(QKeySequence(Qt.Key.Key_Return))
        self.open_file_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.open_file_action.triggered.connect(self.open_current_file)
        self.remove_file_action = QAction(self)
        self.remove_file_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_file_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.remove_file_action.triggered.connect(self.remove_current_file)
        self.case_id: int | None = None
        self.add_document_action = QAction(self)
        self.add_document_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.add_document_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_document_action.triggered.connect(self.add_document)
        for action in (
            self.add_document_action,
            self.add_file_action,
            self.open_file_action,
            self.remove_file_action,
        ):
            self.toolbar.addAction(action)
            self.addAction(action)
        self.tree = DocumentTree(self.attach, self)
        fit_columns(self.tree, COLUMN_KINDS)
        self.tree.doubleClicked.connect(lambda _index: self.open_current_file())
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.hint)
        self.retranslate()

    def retranslate(self) -> None:
        name_state_actions(self.state_actions)
        self.add_document_action.setText(_("Add a document…"))
        self.add_document_action.setToolTip(_("Add a document to the checklist (Insert)"))
        self.add_file_action.setText(_("Add file…"))
        self.open_file_action.setText(_("Open file"))
        self.remove_file_action.setText(_("Remove file"))
        self.tree.set_headers(
            [_("Document"), _("State"), _("Held by"), _("Goes to"), _("Since"), _("Notes")]
        )
        self.hint.setText(
            _(
                "Drop files on a document to attach them (Ctrl+O to choose). "
                "Enter opens the selected file."
            )
            if self.docs
            else _("No documents yet: cases opened from a template get their checklist.")
        )

    # -- showing ---------------------------------------------------------------------

    def show_documents(self, docs: Sequence[DocumentRecord], names: dict[int, str]) -> None:
        """``names``: organisation id -> name, for holders and destinations."""
        current = self.current_ids()
        self.docs = list(docs)
        self.names = names
        now = self.clock()
        self.tree.clear()
        for doc in docs:
            holder = self.names.get(doc.holder_id, "") if doc.holder_id else _("me")
            marks = []
            if doc.required:
                marks.append(_("required"))
            if doc.is_original:
                marks.append(_("original"))
            if doc.stamped:
                marks.append(_("stamped"))
            if doc.missing_items:
                marks.append(_("missing: {items}").format(items=doc.missing_items))
            if doc.return_reason and doc.state == DocumentState.RETURNED:
                marks.append(_("returned: {why}").format(why=doc.return_reason))
            item = self.tree.add(
                [
                    doc.title,
                    cap(DOCUMENT_STATE[doc.state]),
                    holder,
                    self.names.get(doc.destination_id, "") if doc.destination_id else "",
                    short_datetime(_since(doc), now),
                    listing(marks),
                ]
            )
            item.setData(doc.id, DOC_ROLE)
            for f in doc.files:
                child = self.tree.add(
                    [
                        f"📎 {f.original_name}",
                        _("version {n}").format(n=f.version),
                        _size(f.size),
                        "",
                        short_datetime(f.added_at, now),
                        "",
                    ],
                    item,
                )
                child.setData(doc.id, DOC_ROLE)
                child.setData(f.id, FILE_ROLE)
            self.tree.setExpanded(item.index(), True)
        self.retranslate()
        if current is not None:
            self._restore_current(*current)
        else:
            first = next(self.tree.top_items(), None)
            if first is not None:
                self.tree.set_current(first)

    def _restore_current(self, doc_id: int, file_id: int | None) -> None:
        for item in self.tree.top_items():
            if item.data(DOC_ROLE) != doc_id:
                continue
            target = item
            for child in children(item):
                if file_id is not None and child.data(FILE_ROLE) == file_id:
                    target = child
            self.tree.set_current(target)
            return

    def current_ids(self) -> tuple[int, int | None] | None:
        item = self.tree.current_item()
        if item is None:
            return None
        doc = item.data(DOC_ROLE)
        file_id = item.data(FILE_ROLE)
        if doc is None:
            return None
        return int(doc), None if file_id is None else int(file_id)

    def select_document(self, document_id: int) -> bool:
        for item in self.tree.top_items():
            if item.data(DOC_ROLE) == document_id:
                self.tree.set_current(item)
                return True
        return False

    def _doc(self, document_id: int) -> DocumentRecord | None:
        return next((d for d in self.docs if d.id == document_id), None)

    def _current_file(self) -> tuple[DocumentRecord, FileRecord] | None:
        ids = self.current_ids()
        if ids is None:
            return None
        doc = self._doc(ids[0])
        if doc is None or not doc.files:
            return None
        if ids[1] is None:  # a document line: its newest file
            return doc, doc.files[-1]
        found = next((f for f in doc.files if f.id == ids[1]), None)
        return None if found is None else (doc, found)

    # -- changing --------------------------------------------------------------------

    def move_to(self, state: DocumentState) -> None:
        ids = self.current_ids()
        if ids is None:
            return
        doc = self._doc(ids[0])
        if doc is None or doc.state == state:
            return
        label = cap(DOCUMENT_STATE[state])
        destination = None
        if state == DocumentState.FORWARDED and doc.destination_id is None:
            destination = ask.department(self, self.store, label)
            if destination is None:
                return
        step = ask.document_step(self, self.store, state, label, self.clock())
        if step is None:
            return
        outcome = attempt_edit(
            self.hub,
            self,
            documents.transition,
            doc.id,
            state,
            reason=step.reason,
            missing_items=step.missing_items,
            promised_completion_at=step.promised_completion_at,
            destination_id=destination,
            expected_version=doc.row_version,
        )
        if isinstance(outcome, EditConflictError):
            self.refresh_requested.emit()  # the checklist shows what the colleague did
            self.hub.show_error(self, outcome.message())
        elif outcome is not None:
            documents_moved(self.hub, [(doc, outcome.value)])

    def attach(self, document_id: int, paths: list[Path]) -> None:
        for path in paths:
            if self.hub.call(self, documents.attach_file, document_id, path) is None:
                break

    def add_files_dialog(self) -> None:
        ids = self.current_ids()
        if ids is None:
            return
        names, _filter = QFileDialog.getOpenFileNames(self, _("Attach files to the document"))
        if names:
            self.attach(ids[0], [Path(n) for n in names])

    def open_current_file(self) -> None:
        """The file in the system's viewer: a read-only copy under its own name, checked
        against its checksum as it is made (wherever the store keeps the content: the
        data folder, or the office server), so a damaged file is said so, never shown."""
        found = self._current_file()
        if found is None:
            return
        file_id = found[1].id
        store = self.store
        folder = viewing_dir()

        def work(progress: Callable[[ProgressReport], None]) -> Path | DomainError:
            try:
                return documents.copy_for_viewing(
                    store, file_id, folder, done=lambda n, total: progress(_Copying(n, total))
                )
            except DomainError as exc:  # said through the hub, like every refusal here
                return exc

        copied = run_with_progress(
            self, _("Open the file"), work, stages=OPEN_STAGES, show_after_ms=OPEN_SHOW_AFTER_MS
        )
        if isinstance(copied, DomainError):
            self.hub.show_error(self, copied.message())
        elif copied is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(copied)))

    def add_document(self) -> None:
        if self.case_id is None:
            return
        from ui.dialogs.case_edit import AddDocumentDialog

        AddDocumentDialog(self.store, self.hub, self.case_id, self).exec()

    def remove_current_file(self) -> None:
        """Delete on a file removes the file (asking); on a document, the document, with
        no question: Ctrl+Z puts it back with its files."""
        ids = self.current_ids()
        if ids is None:
            return
        if ids[1] is None:
            doc = self._doc(ids[0])
            if doc is not None:
                outcome = self.hub.call(self, documents.delete, doc.id)
                if outcome is not None:
                    document_deleted(self.hub, outcome.value)
            return
        found = self._current_file()
        if found is None:
            return
        doc, f = found
        if confirm(
            self,
            _("Remove file"),
            _("Remove “{name}” from “{doc}”?").format(name=f.original_name, doc=doc.title),
        ):
            self.hub.call(self, documents.remove_file, doc.id, f.id)
