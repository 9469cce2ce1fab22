"""When a colleague saved the record the officer is editing: say so in the form, and
let the officer choose.

A service refuses an edit made on a version of a record that has changed since
(:class:`~coordinator.errors.EditConflictError`: who changed what, and when). The form
stays open with everything the officer typed, and :class:`ConflictBar` shows the
refusal with two ways on:

* **Reload**: the form shows the record as saved now (the colleague's values); what the
  officer had typed is listed in the bar and one click puts it back (on top of the
  record as it is now, so that saving then is a deliberate choice, made knowing);
* **Keep editing**: the bar goes, the form keeps the officer's text (to copy what they
  need before reloading); saving again is refused again until they reload.

:func:`attempt_edit` calls a service through the hub and hands such a refusal back to
the form; any other refusal is shown as the hub shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coordinator.errors import EditConflictError
from coordinator.i18n import _
from coordinator.store.changes import Outcome
from ui.hub import Hub

if TYPE_CHECKING:
    from coordinator.store.storage import Store

T = TypeVar("T")
P = ParamSpec("P")

BAR_STYLE = (
    "QFrame#conflict { background: #fff4ce; border: 1px solid #e0c36a; border-radius: 4px; }"
    " QLabel { color: #5c4300; }"
)
EDIT_SHOWN_MAX = 60  # characters of one field the bar lists, then "…"


def attempt_edit(
    hub: Hub,
    widget: QWidget | None,
    fn: Callable[Concatenate[Store, P], Outcome[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Outcome[T] | EditConflictError | None:
    """``fn`` through the hub: its outcome; a colleague's change handed back (for the
    form to show in its :class:`ConflictBar`); None after any other refusal, which the
    hub has shown."""
    outcome = hub.attempt(fn, *args, **kwargs)
    if isinstance(outcome, EditConflictError):
        hub.last_error = outcome.message()
        return outcome
    if not isinstance(outcome, Outcome):
        hub.show_error(widget, outcome.message())
        return None
    return outcome


def edits_text(edits: list[tuple[str, str]]) -> str:
    """“Notes: call back tomorrow; Owner: 李晓雯”: the officer's unsaved values."""
    parts = []
    for label, value in edits:
        one_line = " ".join(value.split()) or "—"
        if len(one_line) > EDIT_SHOWN_MAX:
            one_line = one_line[: EDIT_SHOWN_MAX - 1] + "…"
        parts.append(_("{field}: {after}").format(field=label, after=one_line))
    # TRANSLATORS: between the changes listed in one sentence
    return _("; ").join(parts)


class ConflictBar(QFrame):
    """The refusal of an edit overtaken by a colleague's, and the officer's choices."""

    reload_requested = Signal()
    restore_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflict")
        self.setStyleSheet(BAR_STYLE)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload_button = QPushButton(self)
        self.keep_button = QPushButton(self)
        self.restore_button = QPushButton(self)
        self.close_button = QPushButton(self)
        self.reload_button.clicked.connect(self.reload_requested)
        self.keep_button.clicked.connect(self.hide)
        self.restore_button.clicked.connect(self._restore)
        self.close_button.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.reload_button,
            self.keep_button,
            self.restore_button,
            self.close_button,
        ):
            button.setAutoDefault(False)  # Enter in the form saves; it never reloads
            buttons.addWidget(button)
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(8, 6, 8, 6)
        self.rows.addWidget(self.message)
        self.rows.addLayout(buttons)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.reload_button.setText(_("Reload"))
        self.reload_button.setToolTip(_("Show the record as it is saved now"))
        self.keep_button.setText(_("Keep editing"))
        self.keep_button.setToolTip(_("Keep what you typed; reload when you are ready"))
        self.restore_button.setText(_("Put my edits back"))
        self.close_button.setText(_("Close"))

    def show_conflict(self, error: EditConflictError) -> None:
        """The refusal, with Reload and Keep editing."""
        self.message.setText(error.message())
        self._buttons(conflict=True)
        self.show()
        self._fit_text()

    def show_reloaded(self, edits: list[tuple[str, str]]) -> None:
        """After Reload: the officer's unsaved values, and a way to put them back."""
        if edits:
            self.message.setText(
                _(
                    "Now showing what is saved. What you had typed: {edits}. "
                    "Put your edits back to save them over it."
                ).format(edits=edits_text(edits))
            )
            self._buttons(conflict=False)
            self.show()
            self._fit_text()
        else:
            self.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_text()

    def _fit_text(self) -> None:
        """Room for every line of the message: a wrapped label asks its layout for one
        line only, and a form would cut the refusal short."""
        margins = self.rows.contentsMargins()
        width = max(self.width() - margins.left() - margins.right(), 200)
        height = self.message.heightForWidth(width)
        if height > 0:  # -1: no text yet
            self.message.setMinimumHeight(height)

    def _buttons(self, *, conflict: bool) -> None:
        self.reload_button.setVisible(conflict)
        self.keep_button.setVisible(conflict)
        self.restore_button.setVisible(not conflict)
        self.close_button.setVisible(not conflict)

    def _restore(self) -> None:
        self.hide()
        self.restore_requested.emit()
