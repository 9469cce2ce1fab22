"""The one place the screens call services through, and hear about each other's changes.

Every mutating service returns an :class:`~coordinator.store.changes.Outcome` whose change set
names the kinds of record and the ids it touched. :meth:`Hub.call` runs a service,
shows its refusal in words the officer understands, and broadcasts the change set on
:attr:`Hub.changed`; each view listens and refreshes only when it shows one of those
records, and then only those rows. :attr:`Hub.open_requested` asks the main window to
show a record (a row of Today opening its case, a contact's case opening, ...).

What a screen did is said through :meth:`Hub.did` (the status bar shows it), with the way
to undo it: one stack for the whole window, so Ctrl+Z anywhere undoes the last status
change, filing or deletion, whichever screen made it. An undo calls the services like any
edit (refused when a colleague changed the record since) and is recorded as an Event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.store.changes import ChangeKind, ChangeSet, Outcome

if TYPE_CHECKING:  # the window's frame is built before the database layer is imported
    from coordinator.store.storage import Store
    from ui.foresight import Foresight

T = TypeVar("T")
P = ParamSpec("P")

UNDO_DEPTH = 20


@dataclass(frozen=True)
class Undoable:
    """One thing done that Ctrl+Z can take back."""

    said: str
    """What was done, as the status bar said it."""
    undo: Callable[[QWidget | None], str | None]
    """Takes it back through the services: the sentence saying so, or None when it was
    refused (the hub has shown why)."""


class Hub(QObject):
    changed = Signal(object)  # a ChangeSet
    open_requested = Signal(str, int)  # (a ChangeKind, id)
    said = Signal(str)  # what was just done or undone, for the status bar
    undo_changed = Signal()  # something to undo now, or nothing any more

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.last_error: str | None = None  # the last refusal shown (read by tests)
        self._foresight: Foresight | None = None
        self.undo_stack: list[Undoable] = []

    @property
    def foresight(self) -> Foresight:
        """Filing suggestions and forecasts of this hub's store (built when first asked)."""
        if self._foresight is None or self._foresight.store is not self.store:
            from ui.foresight import Foresight

            self.drop_foresight()
            self._foresight = Foresight(self.store, self)
        return self._foresight

    def drop_foresight(self) -> None:
        """Before the store closes: wait for a build still reading it, and forget it."""
        if self._foresight is not None:
            self._foresight.drop()
            self._foresight.deleteLater()
            self._foresight = None

    def broadcast(self, changes: ChangeSet) -> None:
        if changes:
            if self._foresight is not None and self._foresight.store is self.store:
                self._foresight.take(changes)  # before the screens ask it again
            self.changed.emit(changes)

    def request_open(self, what: ChangeKind, ident: int) -> None:
        self.open_requested.emit(what, ident)

    def call(
        self,
        widget: QWidget | None,
        fn: Callable[Concatenate[Store, P], Outcome[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Outcome[T] | None:
        """``fn(store, *args, **kwargs)``; its refusal shown beside ``widget``, its
        changes broadcast. None when it was refused (nothing changed)."""
        outcome = self.attempt(fn, *args, **kwargs)
        if isinstance(outcome, DomainError):
            self.show_error(widget, outcome.message())
            return None
        return outcome

    def attempt(
        self,
        fn: Callable[Concatenate[Store, P], Outcome[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Outcome[T] | DomainError:
        """As :meth:`call`, but a refusal is handed back for the caller to say in place
        (beside the field of a form) instead of in a message box."""
        try:
            outcome = fn(self.store, *args, **kwargs)
        except DomainError as exc:
            return exc
        self.broadcast(outcome.changes)
        return outcome

    def did(self, text: str, undo: Callable[[QWidget | None], str | None] | None = None) -> None:
        """Say what was done; with ``undo``, Ctrl+Z can take it back."""
        if undo is not None:
            self.undo_stack.append(Undoable(text, undo))
            del self.undo_stack[:-UNDO_DEPTH]
            self.undo_changed.emit()
        self.said.emit(text)

    def undo(self, widget: QWidget | None = None) -> str | None:
        """Take back the last thing done: the sentence said, None when it was refused.
        A refused undo is dropped: what it would undo has changed since."""
        if not self.undo_stack:
            nothing = _("Nothing to undo.")
            self.said.emit(nothing)
            return nothing
        done = self.undo_stack.pop()
        self.undo_changed.emit()
        text = done.undo(widget)
        if text is not None:
            self.said.emit(text)
        return text

    def forget_undo(self) -> None:
        """Another database: what was done in the last one cannot be undone here."""
        self.undo_stack.clear()
        self.undo_changed.emit()

    def show_error(self, widget: QWidget | None, message: str) -> None:
        self.last_error = message
        QMessageBox.warning(widget, _("Liaison Hub"), message)


def confirm(widget: QWidget | None, title: str, text: str) -> bool:
    """Ask before a step that cannot be undone; No is the default answer."""
    answer = QMessageBox.question(
        widget,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
