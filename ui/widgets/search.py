"""The search field every list has: it filters a pause after the last keystroke, so a
word typed at speed costs one query, not one per character.

From the field the keyboard reaches what it found (:func:`keys_to_list`): Enter filters at
once and, when one row is left, opens it; Down (or Page Down) goes into the list at its
first row, where Enter opens the row as it does anywhere in the list.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget

SEARCH_DELAY_MS = 250


def search_field(
    parent: QWidget, apply: Callable[[], None], delay_ms: int = SEARCH_DELAY_MS
) -> tuple[QLineEdit, QTimer]:
    """The field and its timer; ``apply`` runs ``delay_ms`` after the text last changed
    (stop the timer to apply at once, e.g. on Enter)."""
    field = QLineEdit(parent)
    field.setClearButtonEnabled(True)
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    field.textChanged.connect(timer.start)
    timer.timeout.connect(apply)
    return field, timer


_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_INTO_LIST = (Qt.Key.Key_Down, Qt.Key.Key_PageDown)


class _SearchKeys(QObject):
    def __init__(
        self,
        field: QLineEdit,
        timer: QTimer,
        apply: Callable[[], None],
        table: QAbstractItemView,
        open_row: Callable[[], None],
    ) -> None:
        super().__init__(field)
        self.field, self.timer, self.apply = field, timer, apply
        self.table, self.open_row = table, open_row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        if kind == QEvent.Type.ShortcutOverride:
            # Enter is the field's here, not a shortcut of the view around it (which
            # would open whatever row happened to be current).
            if key in _ENTER:
                event.accept()
                return True
            return False
        if key in _ENTER:
            return self._enter()
        if key in _INTO_LIST:
            return self._into_list()
        return False

    def _filter_now(self) -> None:
        if self.timer.isActive():  # the text typed last is not applied yet
            self.timer.stop()
            self.apply()

    def _make_first_current(self) -> None:
        model = self.table.model()
        self.table.selectionModel().setCurrentIndex(
            model.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(model.index(0, 0))

    def _enter(self) -> bool:
        self._filter_now()
        if self.table.model().rowCount() != 1:
            return False  # the field's own Enter: the filter, now
        self._make_first_current()
        self.open_row()
        return True

    def _into_list(self) -> bool:
        self._filter_now()
        if self.table.model().rowCount() == 0:
            return False
        if not self.table.currentIndex().isValid():
            self._make_first_current()
        self.table.setFocus(Qt.FocusReason.TabFocusReason)
        return True


def keys_to_list(
    field: QLineEdit,
    timer: QTimer,
    apply: Callable[[], None],
    table: QAbstractItemView,
    open_row: Callable[[], None],
) -> None:
    """Enter in ``field`` filters now and opens the one row left (``open_row``, with that
    row current); Down or Page Down goes into ``table`` (its first row current if none)."""
    field.installEventFilter(_SearchKeys(field, timer, apply, table, open_row))
