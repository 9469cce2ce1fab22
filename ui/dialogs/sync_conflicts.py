"""Data ▸ Sync conflicts…: what a sync with the office could not merge by itself, side by
side, for the officer to settle.

Each open conflict shows this laptop's value beside the office's, who set each and when,
and which one is in use now (a sync never waits for the officer: it keeps one and lists
the other here). The officer keeps either, or combines two texts; a record deleted on one
side and changed on the other is put back or left deleted. Settling is an ordinary change
of the record, sent to the office with the next sync. What the sync settled by meaning (a
step done on one side stays done) is only told, not asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coordinator.event_words import field_name
from coordinator.i18n import _
from ui.hub import Hub
from ui.widgets.sync_status import when_text

if TYPE_CHECKING:
    from coordinator.sync.conflicts import ConflictRecord

USER_ROLE = Qt.ItemDataRole.UserRole
IN_USE_STYLE = "color: #1b6e20; font-weight: bold;"
NOTE_STYLE = "color: #555;"
SETTLED_SHOWN = 5  # the latest conflicts settled by meaning told in the note
HIDDEN_FIELDS = frozenset({"id", "uid", "row_version"})
WHOLE = 1_000_000  # a side shows its text whole, never cut short


def value_text(value: object, table: str = "", field: str = "") -> str:
    """A value as the officer reads it (a status as its label, not its code); a whole
    record as its fields, one a line."""
    from coordinator.event_words import value_text as words
    from coordinator.sync.apply import KINDS

    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        lines = []
        for key, one in value.items():
            hidden = key in HIDDEN_FIELDS or key.endswith(("_id", "_uid"))
            if hidden or one is None or one == "":
                continue
            lines.append(
                _("{field}: {value}").format(
                    field=field_name(key), value=value_text(one, table, key)
                )
            )
        return "\n".join(lines)
    entity = KINDS.get(table)
    if entity is None or not field:
        return str(value)
    return words(str(entity), field, str(value), longest=WHOLE)


def combinable(conflict: ConflictRecord) -> bool:
    """Two texts can be combined; a date, an amount or a status (a code shown as its
    label) cannot."""
    from coordinator.store.sync_tables import SYNC_TABLES

    spec = SYNC_TABLES.get(conflict.table)
    if conflict.kind != "field" or spec is None or conflict.field not in spec.table.c:
        return False
    try:
        if spec.table.c[conflict.field].type.python_type is not str:
            return False
    except NotImplementedError:  # a type that names no Python type is no text
        return False
    return all(
        value is None or value_text(value, conflict.table, conflict.field) == value
        for value in (conflict.ours, conflict.theirs)
    )


def _record(conflict: ConflictRecord) -> str:
    return conflict.record or _("a record deleted since")


def _item_text(conflict: ConflictRecord) -> str:
    what = {
        "deleted_there": _("deleted at the office"),
        "deleted_here": _("deleted on this laptop"),
        "duplicate": _("already on this laptop"),
        "in_use": _("still in use here"),
    }.get(conflict.kind, conflict.field_label)
    # TRANSLATORS: a conflict in the list: the record, then what is in conflict
    return _("{record} — {what}").format(record=_record(conflict), what=what)


def _question(conflict: ConflictRecord) -> str:
    record = _record(conflict)
    if conflict.kind == "deleted_there":
        return _(
            "The office deleted {record} while it was changed on this laptop. "
            "Put it back, or leave it deleted?"
        ).format(record=record)
    if conflict.kind == "deleted_here":
        return _(
            "This laptop deleted {record} while the office changed it. "
            "Put it back, or leave it deleted?"
        ).format(record=record)
    if conflict.kind == "duplicate":
        return _(
            "The office's record could not be added: this laptop already has one the same. "
            "This laptop's is kept."
        )
    if conflict.kind == "in_use":
        return _(
            "The office deleted {record}, but other records here still refer to it: it is kept."
        ).format(record=record)
    return _("{field} of {record} was changed on both sides. Which one should stay?").format(
        field=conflict.field_label, record=record
    )


class Side(QGroupBox):
    """One side of a conflict: its value, who set it and when, and whether it is in use."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.who = QLabel(self)
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.who.setWordWrap(True)
        self.value = QPlainTextEdit(self)
        self.value.setReadOnly(True)
        self.value.setTabChangesFocus(True)
        self.value.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.value.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.in_use = QLabel(self)
        self.in_use.setTextFormat(Qt.TextFormat.PlainText)
        self.in_use.setStyleSheet(IN_USE_STYLE)
        rows = QVBoxLayout(self)
        rows.addWidget(self.who)
        rows.addWidget(self.value, 1)
        rows.addWidget(self.in_use)

    def show_side(
        self,
        conflict: ConflictRecord,
        value: object,
        by: str,
        at: datetime | None,
        now: datetime,
        *,
        gone: bool,
        used: bool,
    ) -> None:
        if gone:
            self.value.setPlainText(_("Deleted"))
        else:
            self.value.setPlainText(value_text(value, conflict.table, conflict.field))
        if by or at is not None:
            self.who.setText(
                _("By {who}, {when}").format(
                    who=by or _("someone"), when=when_text(at, now) if at else "—"
                )
            )
        else:
            self.who.setText(_("Who and when not known"))
        self.in_use.setText(_("✓ In use now") if used else "")

    def clear_side(self) -> None:
        self.value.setPlainText("")
        self.who.setText("")
        self.in_use.setText("")


class CombineDialog(QDialog):
    """Both texts in one editor, for the officer to make the one that stays."""

    def __init__(self, conflict: ConflictRecord, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Combine {field}").format(field=conflict.field_label))
        hint = QLabel(_("Edit the text to keep: this laptop's first, then the office's."), self)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        both = [str(v) for v in (conflict.ours, conflict.theirs) if v not in (None, "")]
        self.editor = QPlainTextEdit("\n".join(both), self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # Enter makes a new line in the text: Ctrl+Enter saves.
        QShortcut(QKeySequence("Ctrl+Return"), self, self.accept)
        rows = QVBoxLayout(self)
        rows.addWidget(hint)
        rows.addWidget(self.editor, 1)
        rows.addWidget(buttons)
        self.resize(560, 360)

    def text(self) -> str:
        return self.editor.toPlainText()


class SyncConflictsDialog(QDialog):
    settled = Signal()  # one conflict settled (the status line counts again)

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.conflicts: list[ConflictRecord] = []
        self.intro = QLabel(self)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("conflicts_list")
        self.list.currentRowChanged.connect(self._show_current)
        self.question = QLabel(self)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        self.here = Side(self)
        self.there = Side(self)
        sides = QHBoxLayout()
        sides.addWidget(self.here, 1)
        sides.addWidget(self.there, 1)
        self.keep_ours = QPushButton(self)
        self.keep_ours.clicked.connect(lambda: self.settle("ours"))
        self.keep_theirs = QPushButton(self)
        self.keep_theirs.clicked.connect(lambda: self.settle("theirs"))
        self.combine = QPushButton(self)
        self.combine.clicked.connect(self.combine_texts)
        self.restore = QPushButton(self)
        self.restore.clicked.connect(lambda: self.settle("restore"))
        self.leave = QPushButton(self)
        self.leave.clicked.connect(lambda: self.settle("leave"))
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        choices = QHBoxLayout()
        for button in (self.keep_ours, self.keep_theirs, self.combine, self.restore, self.leave):
            button.setAutoDefault(False)  # Enter closes; a choice is made by its own key
            choices.addWidget(button)
        choices.addStretch(1)
        choices.addWidget(self.close_button)
        self.close_button.setDefault(True)
        self.settled_note = QLabel(self)
        self.settled_note.setTextFormat(Qt.TextFormat.PlainText)
        self.settled_note.setWordWrap(True)
        self.settled_note.setStyleSheet(NOTE_STYLE)
        rows = QVBoxLayout(self)
        rows.addWidget(self.intro)
        rows.addWidget(self.list, 1)  # the sides below take twice its room
        rows.addWidget(self.question)
        rows.addLayout(sides, 2)
        rows.addLayout(choices)
        rows.addWidget(self.settled_note)
        self.resize(900, 620)
        self.retranslate()
        self.reload()
        self.list.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Sync conflicts"))
        self.here.setTitle(_("On this laptop"))
        self.there.setTitle(_("At the office"))
        self.keep_ours.setText(_("Keep &this laptop's"))
        self.keep_theirs.setText(_("Keep the &office's"))
        self.combine.setText(_("&Combine…"))
        self.restore.setText(_("&Put it back"))
        self.leave.setText(_("Leave it &deleted"))
        self.close_button.setText(_("Close"))

    def reload(self, row: int = 0) -> None:
        from coordinator.sync.conflicts import list_conflicts

        store = self.hub.store
        self.conflicts = list_conflicts(store)
        self.list.blockSignals(True)
        self.list.clear()
        for conflict in self.conflicts:
            item = QListWidgetItem(_item_text(conflict))
            item.setData(USER_ROLE, conflict.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.conflicts:
            self.intro.setText(
                _(
                    "These changes were made on this laptop and at the office alike. The sync "
                    "kept one of each; choose the one that should stay."
                )
            )
        else:
            self.intro.setText(_("No conflicts: everything merged."))
        self.list.setVisible(bool(self.conflicts))
        self.list.setCurrentRow(min(row, len(self.conflicts) - 1))
        self._show_current(self.list.currentRow())
        self._show_settled(list_conflicts(store, open_only=False))

    def current(self) -> ConflictRecord | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_current(self, _row: int = -1) -> None:
        conflict = self.current()
        deleted = conflict is not None and conflict.kind in ("deleted_there", "deleted_here")
        field = conflict is not None and conflict.kind == "field"
        self.keep_ours.setVisible(conflict is not None and not deleted)
        self.keep_theirs.setVisible(field)
        self.combine.setVisible(conflict is not None and combinable(conflict))
        self.restore.setVisible(deleted)
        self.leave.setVisible(deleted)
        for side in (self.here, self.there):
            side.setVisible(conflict is not None)
        if conflict is None:
            self.question.setText("")
            self.question.hide()
            self.here.clear_side()
            self.there.clear_side()
            return
        self.question.setText(_question(conflict))
        self.question.show()
        now = self.hub.store.clock()
        self.here.show_side(
            conflict,
            conflict.ours,
            conflict.ours_by,
            conflict.ours_at,
            now,
            gone=conflict.kind == "deleted_here",
            used=conflict.kept == "ours",
        )
        self.there.show_side(
            conflict,
            conflict.theirs,
            conflict.theirs_by,
            conflict.theirs_at,
            now,
            gone=conflict.kind == "deleted_there",
            used=conflict.kept == "theirs",
        )

    def _show_settled(self, every: list[ConflictRecord]) -> None:
        done = [c for c in every if c.kind == "done_kept"][-SETTLED_SHOWN:]
        if not done:
            self.settled_note.hide()
            return
        lines = [_("Settled by meaning, nothing to choose:")]
        for conflict in done:
            other = conflict.theirs if conflict.kept == "ours" else conflict.ours
            lines.append(
                _("{record}: done on one side, “{other}” on the other — kept done.").format(
                    record=_record(conflict),
                    other=value_text(other, conflict.table, conflict.field),
                )
            )
        self.settled_note.setText("\n".join(lines))
        self.settled_note.show()

    def settle(self, choice: str, combined: object = None) -> bool:
        """Settle the selected conflict with ``choice``; False when refused or none."""
        from coordinator.sync import conflicts

        conflict = self.current()
        if conflict is None:
            return False
        row = self.list.currentRow()
        outcome: Any = self.hub.call(self, conflicts.resolve, conflict.id, choice, combined)
        self.reload(row)  # refused too: it may have been settled meanwhile
        if outcome is None:
            return False
        self.settled.emit()
        return True

    def combine_texts(self) -> bool:
        conflict = self.current()
        if conflict is None or not combinable(conflict):
            return False
        editor = CombineDialog(conflict, self)
        try:
            if editor.exec() != QDialog.DialogCode.Accepted:
                return False
            return self.settle("combined", editor.text())
        finally:
            editor.deleteLater()
