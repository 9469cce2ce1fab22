"""The one place the screens call services through, and hear about each other's changes.

Every mutating service returns an :class:`~coordinator.store.changes.Outcome` whose change set
names the kinds of record and the ids it touched. :meth:`Hub.call` runs a service,
shows its refusal in words the officer understands, and broadcasts the change set on
:attr:`Hub.changed`; each view listens and refreshes only when it shows one of those
records, and then only those rows. :attr:`Hub.open_requested` asks the main window to
show a record (a row of Today opening its case, a contact's case opening, ...).
"""

from __future__ import annotations

from collections.abc import Callable
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


class Hub(QObject):
    changed = Signal(object)  # a ChangeSet
    open_requested = Signal(str, int)  # (a ChangeKind, id)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.last_error: str | None = None  # the last refusal shown (read by tests)
        self._foresight: Foresight | None = None

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
