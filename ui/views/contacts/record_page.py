"""A record's page: its list on the left, its form and related lists on the right.

The form keeps unsaved edits as drafts, in memory, per record: the officer is interrupted
by a call every ten minutes, and whatever they were typing must still be there when they
come back to the record, from another record or from another view. A record with a draft
shows a marker in the form and beside its name in the list.

A draft is saved from the version of the record it was begun on (its *base*): when a
colleague saved the record meanwhile, the save is refused with who changed what, and the
form offers Reload (the record as saved now; what the officer had changed is listed and
can be put back over it) or Keep editing. Only the fields the officer changed are sent.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import EditConflictError
from coordinator.i18n import _
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.contacts.lists import RecordList
from ui.views.contacts.parts import DRAFT_STYLE, empty_label, message_label, show_message
from ui.widgets.conflict import ConflictBar

NEW: Final = 0
"""The draft key of a record not saved yet (database ids start at 1)."""

D = TypeVar("D")
R = TypeVar("R")


class RecordPage(QWidget, Generic[D, R]):
    """A list on the left; on the right the current record's form, with its related lists
    in tabs below it; drafts kept per record.

    An abstract base: subclasses implement the methods under "what a subclass says" (how
    to read a record, turn it into a draft of the form's values, fill the form, check it,
    save it and delete it); Qt's metaclass rules out ``abc.ABC`` here.
    """

    def __init__(self, store: Store, hub: Hub, records: RecordList, parent: QWidget | None):
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.list = records
        self.current_id: int | None = None
        self.record: R | None = None
        self.drafts: dict[int, D] = {}
        self.bases: dict[int, R] = {}  # the record each draft was begun on
        self.overtaken: dict[int, dict[str, Any]] = {}  # the edits a Reload set aside
        self._loading = False

        self.detail = QWidget(self)
        self.title = QLabel(self.detail)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.draft_marker = QLabel(self.detail)
        self.draft_marker.setStyleSheet(DRAFT_STYLE)
        self.draft_marker.hide()
        self.new_button = QPushButton(self.detail)
        self.save_button = QPushButton(self.detail)
        self.revert_button = QPushButton(self.detail)
        self.delete_button = QPushButton(self.detail)
        self.save_button.setDefault(True)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.draft_marker)
        for button in (self.new_button, self.save_button, self.revert_button, self.delete_button):
            header.addWidget(button)
        self.form_message = message_label(self.detail)
        self.conflict = ConflictBar(self.detail)
        self.conflict.reload_requested.connect(self.reload_record)
        self.conflict.restore_requested.connect(self.restore_record)
        self.related = QTabWidget(self.detail)
        self.form_area = QVBoxLayout()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addLayout(header)
        detail_layout.addLayout(self.form_area)
        detail_layout.addWidget(self.form_message)
        detail_layout.addWidget(self.conflict)
        detail_layout.addWidget(self.related, 1)

        self.placeholder = empty_label(self)
        self.detail_stack = QStackedWidget(self)
        self.detail_stack.addWidget(self.placeholder)
        self.detail_stack.addWidget(self.detail)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(records)
        self.splitter.addWidget(self.detail_stack)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([500, 600])  # weights: the list gets the room its columns need
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        records.current_changed.connect(self.show_record)
        self.new_button.clicked.connect(self.new_record)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.delete_button.clicked.connect(self.delete)

        # Every record here has a name, the first field of its form; the subclass lays
        # the form out and adds the other fields after it.
        self.name_label = QLabel(self.detail)
        self.name = QLineEdit(self.detail)
        self.name.textChanged.connect(self.form_edited)

    # -- what a subclass says ----------------------------------------------------------

    def fetch(self, ident: int) -> R | None:
        """The stored record, or None when it does not exist (any more)."""
        raise NotImplementedError

    def baseline(self, record: R | None) -> D:
        raise NotImplementedError

    def capture(self) -> D:
        raise NotImplementedError

    def fill(self, draft: D) -> None:
        raise NotImplementedError

    def problem(self, draft: D) -> str:
        """Why the form cannot be saved as it stands ("" if it can)."""
        raise NotImplementedError

    def heading(self, record: R | None) -> str:
        raise NotImplementedError

    def create_record(self, draft: D) -> int | None:
        """Save a new record; its id, or None when refused."""
        raise NotImplementedError

    def store_changes(self, record: R, draft: D) -> bool:
        """Save the fields of ``draft`` that differ from ``record`` (the draft's base),
        from ``record``'s version; False at a refusal (a colleague's change since is
        handed to :meth:`show_conflict`)."""
        raise NotImplementedError

    def field_labels(self) -> dict[str, str]:
        """The form's fields by the draft's attribute names, as the form says them."""
        return {}

    def delete_call(self, ident: int) -> bool:
        """Delete the record, saying so with the way to undo it; False: refused (and said)."""
        raise NotImplementedError

    def load_related(self) -> None:
        raise NotImplementedError

    def empty_related(self) -> None:
        raise NotImplementedError

    def reload_related(self) -> None:
        """Read the related lists of the saved record shown again."""
        raise NotImplementedError

    # -- showing a record --------------------------------------------------------------

    def saved_id(self) -> int | None:
        """The id of the record shown when it is a saved one (not a new one, not none)."""
        return None if self.current_id in (None, NEW) else self.current_id

    def is_dirty(self) -> bool:
        return self.current_id is not None and self.capture() != self.baseline(self.record)

    def show_record(self, ident: int) -> None:
        """Show ``ident`` (NEW: the form of a record not saved yet), with its draft if any."""
        if ident == self.current_id:
            return
        record: R | None = None
        if ident != NEW:
            record = self.fetch(ident)
            if record is None:
                self.drafts.pop(ident, None)
                self.clear()
                return
        self.current_id = ident
        self.record = record
        self.conflict.hide()
        self._fill_from(self.drafts.get(ident, self.baseline(record)))
        self.detail_stack.setCurrentWidget(self.detail)
        if ident == NEW:
            self.list.forget_selection()
            self.empty_related()
        else:
            self.load_related()
        self.form_edited()

    def _fill_from(self, draft: D) -> None:
        self._loading = True
        try:
            self.fill(draft)
        finally:
            self._loading = False

    def clear(self) -> None:
        self.current_id = None
        self.record = None
        self.list.forget_selection()
        self.detail_stack.setCurrentWidget(self.placeholder)

    def open_record(self, ident: int) -> None:
        """Show ``ident`` and make it current in the list, clearing a filter that hides it."""
        self.show_record(ident)
        if self.current_id == ident:
            self.list.select_id(ident, reveal=True)

    def new_record(self) -> None:
        self.show_record(NEW)
        self.focus_first_field()

    def focus_first_field(self) -> None:
        self.name.setFocus()

    def form_edited(self) -> None:
        """After every keystroke: keep or drop the draft, check the form, update the marks."""
        if self._loading or self.current_id is None:
            return
        draft = self.capture()
        dirty = draft != self.baseline(self.record)
        if dirty:
            self.drafts[self.current_id] = draft
            if self.record is not None:
                self.bases.setdefault(self.current_id, self.record)
        else:
            self.drafts.pop(self.current_id, None)
            self.bases.pop(self.current_id, None)
        problem = self.problem(draft)
        show_message(self.form_message, problem if dirty else "")
        self.title.setText(self.heading(self.record))
        self.draft_marker.setVisible(dirty)
        self.save_button.setEnabled(dirty and not problem)
        self.revert_button.setEnabled(dirty)
        self.delete_button.setEnabled(self.current_id != NEW)
        self.mark_drafts()

    def mark_drafts(self) -> None:
        self.list.set_drafts(frozenset(k for k in self.drafts if k != NEW))

    # -- saving, reverting, deleting ---------------------------------------------------

    def save(self) -> None:
        if self.current_id is None or not self.is_dirty():
            return
        draft = self.capture()
        if self.problem(draft):
            return
        if self.current_id == NEW:
            created = self.create_record(draft)
            if created is None:
                return  # refused: the message was shown, the draft stays
            self.drafts.pop(NEW, None)
            self.current_id = None
            self.open_record(created)
            return
        record = self.record
        assert record is not None
        ident = self.current_id
        if self.store_changes(self.bases.get(ident, record), draft) and self.current_id == ident:
            # Show what was stored (the service trims spaces): nothing is left to save.
            self.drafts.pop(ident, None)
            self.record = self.fetch(ident)
            if self.record is None:
                self.clear()
                return
            self._fill_from(self.baseline(self.record))
            self.conflict.hide()
        # After a refusal, whatever was saved is the baseline (the change set refreshed
        # self.record) and whatever was refused stays a draft.
        self.form_edited()

    # -- a colleague's change --------------------------------------------------------

    def show_conflict(self, error: EditConflictError) -> None:
        """The save was refused: a colleague changed the record since the draft began."""
        self.conflict.show_conflict(error)

    def reload_record(self) -> None:
        """The record as saved now in the form; the officer's draft set aside and listed,
        to be put back with one click."""
        ident = self.saved_id()
        if ident is None:
            return
        mine = self.drafts.pop(ident, None)
        base = self.bases.pop(ident, self.record)
        fresh = self.fetch(ident)
        if fresh is None:
            self.clear()
            return
        self.record = fresh
        self._fill_from(self.baseline(fresh))
        self.form_edited()
        edits = self._edits(mine, self.baseline(base)) if mine is not None else {}
        saved = _fields(self.baseline(fresh))
        labels = self.field_labels()
        listed = [
            (labels[name], self.value_text(name, value))
            for name, value in edits.items()
            if name in labels and value != saved.get(name)
        ]
        if not listed:
            self.conflict.hide()
            return
        self.overtaken[ident] = edits
        self.conflict.show_reloaded(listed)

    def restore_record(self) -> None:
        """The officer's edits back over the record as saved: a draft again, on it."""
        ident = self.saved_id()
        if ident is None or ident not in self.overtaken:
            return
        edits = self.overtaken.pop(ident)
        self._fill_from(dataclasses.replace(self.baseline(self.record), **edits))  # type: ignore[type-var]
        self.form_edited()

    @staticmethod
    def _edits(draft: D, base: D) -> dict[str, Any]:
        """The fields of ``draft`` the officer changed from ``base``."""
        before = _fields(base)
        return {k: v for k, v in _fields(draft).items() if v != before.get(k)}

    def value_text(self, name: str, value: Any) -> str:
        return str(value)

    def follow_own_change(self, before: int, record: R) -> None:
        """The officer changed the record here at once (a phone number): a draft begun
        on the version just changed moves on with it, since nobody else came between."""
        ident = self.saved_id()
        base = self.bases.get(ident) if ident is not None else None
        if (
            ident is not None
            and base is not None
            and getattr(base, "row_version", None) == before
            and getattr(record, "row_version", None) == before + 1
        ):
            self.bases[ident] = record

    def revert(self) -> None:
        if self.current_id is None:
            return
        self.drafts.pop(self.current_id, None)
        self._fill_from(self.baseline(self.record))
        self.form_edited()

    def delete(self) -> None:
        if self.current_id is None:
            return
        if self.current_id == NEW:
            self.revert()
            return
        # No question first: Ctrl+Z puts the record back, with its links.
        ident = self.current_id
        if self.delete_call(ident):
            self.drafts.pop(ident, None)
            if self.current_id == ident:
                self.clear()
            self.mark_drafts()

    # -- changes made anywhere ---------------------------------------------------------

    def record_changed(self) -> None:
        """The current record changed in the database: keep the officer's edits, if any."""
        ident = self.saved_id()
        if ident is None:
            return
        fresh = self.fetch(ident)
        if fresh is None:
            self.drafts.pop(ident, None)
            self.clear()
            return
        untouched = self.capture() == self.baseline(self.record)
        self.record = fresh
        if untouched:
            self._fill_from(self.baseline(fresh))
        self.form_edited()

    def refresh(self) -> None:
        """Read everything again (drafts and the record shown are kept)."""
        self.list.reload()
        self.record_changed()
        if self.saved_id() is not None:
            self.reload_related()

    # -- language ----------------------------------------------------------------------

    def retranslate_frame(self, placeholder: str, new_tooltip: str) -> None:
        """The texts every page shares: the placeholder, the buttons, the draft marker."""
        self.placeholder.setText(placeholder)
        self.new_button.setText(_("New"))
        self.new_button.setToolTip(new_tooltip)
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.revert_button.setText(_("Revert"))
        self.revert_button.setToolTip(_("Throw away the unsaved edits"))
        self.delete_button.setText(_("Delete"))
        self.draft_marker.setText(_("Draft, not saved"))


def _fields(draft: object) -> dict[str, Any]:
    """A draft's fields by name (drafts are flat dataclasses)."""
    return {f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)}  # type: ignore[arg-type]
