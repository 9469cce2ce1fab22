"""Who is calling: the quick-log panel's caller, recognised as the officer types.

:class:`CallerPicker` is the "who" line and the candidates under it (Up and Down move
the highlight from the line, Enter takes the caller), the new-contact form that takes
the list's place for an unknown caller (:class:`NewContactForm`), and the caller card
(:class:`ui.quick_log.card.CardView`, laid out by the panel beside them). The panel
hears from it through signals: a caller taken, a contact created, the card now about
someone else, an edit worth keeping in the draft.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, NotFoundError
from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.kinds import OrganisationKind
from coordinator.phones import looks_like_number
from coordinator.queries.caller import Candidate, Recognition, recognise
from coordinator.queries.caller_card import (
    CallerCard,
    CardCase,
    LogDefaults,
    caller_card,
    defaults,
)
from coordinator.queries.contacts import organisation_choices
from coordinator.services import contacts
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.quick_log.card import CardView
from ui.quick_log.style import ERROR_STYLE, HINT_STYLE, OK_STYLE, say

CARD_DELAY_MS: Final = 120
"""The card follows the highlighted candidate once typing pauses: the candidates
themselves answer every keystroke (a few ms each), the card costs a few queries more."""
NEW_ORGANISATION_KIND: Final = OrganisationKind.COMPANY
"""An organisation typed in the new-contact form is a company: most new callers are."""

Index = QModelIndex | QPersistentModelIndex


class CandidatesModel(QAbstractListModel):
    """The contacts the typed text may mean, the likeliest first."""

    ContactIdRole: Final = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._candidates: tuple[Candidate, ...] = ()

    def set_candidates(self, candidates: Sequence[Candidate]) -> None:
        self.beginResetModel()
        self._candidates = tuple(candidates)
        self.endResetModel()

    def candidate(self, row: int) -> Candidate | None:
        return self._candidates[row] if 0 <= row < len(self._candidates) else None

    def row_of(self, contact_id: int) -> int:
        return next((i for i, c in enumerate(self._candidates) if c.contact_id == contact_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._candidates)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        found = self.candidate(index.row())
        if found is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            parts = [found.name, found.role, found.organisation_name, found.matched_number]
            return " · ".join(p for p in parts if p)
        if role == Qt.ItemDataRole.ToolTipRole:
            last = short_datetime(found.last_contact_at) or _("never")
            return _("Found by {why}. Last contact: {last}").format(why=found.why.tr(), last=last)
        if role == self.ContactIdRole:
            return found.contact_id
        return None


class NewContactForm(QFrame):
    """Name, organisation, role and number: an unknown caller becomes a contact, with a
    new organisation when one is typed, in one unit of work."""

    created = Signal(int)  # the new contact's id

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.name_label = QLabel(self)
        self.name = QLineEdit(self)
        self.org_label = QLabel(self)
        self.org = QComboBox(self)
        self.org.setEditable(True)
        self.org.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        org_completer = QCompleter(self.org.model(), self.org)
        org_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        org_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        org_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.org.setCompleter(org_completer)
        self.role_label = QLabel(self)
        self.role = QLineEdit(self)
        self.number_label = QLabel(self)
        self.number = QLineEdit(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.create_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        for button in (self.create_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter is the panel's own key: no button takes it
            button.setDefault(False)
        layout = QFormLayout(self)
        layout.addRow(self.title)
        layout.addRow(self.name_label, self.name)
        layout.addRow(self.org_label, self.org)
        layout.addRow(self.role_label, self.role)
        layout.addRow(self.number_label, self.number)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.cancel_button)
        layout.addRow(buttons)
        self.create_button.clicked.connect(self.create_contact)
        self.name.returnPressed.connect(self.create_contact)
        self.role.returnPressed.connect(self.create_contact)
        self.number.returnPressed.connect(self.create_contact)

    def retranslate(self) -> None:
        self.title.setText(_("New contact"))
        self.name_label.setText(_("Full name:"))
        self.org_label.setText(_("Organisation:"))
        self.role_label.setText(_("Role:"))
        self.number_label.setText(_("Phone number:"))
        self.create_button.setText(_("Create"))
        self.cancel_button.setText(_("Cancel (Esc)"))

    def fill(self, store: Store, *, name: str, number: str) -> None:
        """A fresh form, with what the officer already typed in the "who" line."""
        self.org.clear()
        self.org.addItem("")
        self.org.addItems([n for _ident, n in organisation_choices(store)])
        self.org.setCurrentIndex(0)
        self.name.setText(name)
        self.role.clear()
        self.number.setText(number)
        say(self.message, "", "")

    def create_contact(self) -> None:
        if not self.name.text().strip():
            say(self.message, _("{field} is required.").format(field=_("Full name")), ERROR_STYLE)
            self.name.setFocus()
            return
        # A refusal here (a mistyped number, a name too long) is said in the form, beside
        # the field, instead of a message box over a running call.
        outcome = self.hub.attempt(
            contacts.create_at_organisation,
            self.name.text(),
            organisation=self.org.currentText(),
            organisation_kind=NEW_ORGANISATION_KIND,
            role=self.role.text(),
            number=self.number.text(),
        )
        if isinstance(outcome, DomainError):
            say(self.message, outcome.message(), ERROR_STYLE)
            return
        self.created.emit(outcome.value.id)


class CallerPicker(QWidget):
    """The "who" line, its candidates (or the new-contact form) and the caller card.

    The caller is the contact on the card: the one accepted with Enter, else the
    highlighted candidate; or, for a whole number nobody owns, no one (the number alone).
    """

    caller_taken = Signal()  # Enter in the "who" line: on to the notes
    contact_created = Signal()  # a new contact made in the form is now the caller
    caller_changed = Signal()  # the card is about someone else (or no one) now
    edited = Signal()  # something a draft keeps has changed

    def __init__(
        self, store: Store, hub: Hub, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.recognition: Recognition | None = None
        self.problem = ""
        """Why the typed text cannot be a caller (a wrong number), in words."""
        self.accepted_id: int | None = None
        self.card: CallerCard | None = None
        self._card_key: tuple[int | None, str] = (None, "")  # what the card was made for
        self._quiet = False

        self.who_label = QLabel(self)
        self.who = QLineEdit(self)
        self.who.setClearButtonEnabled(True)
        font = self.who.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.who.setFont(font)
        self.who_label.setBuddy(self.who)
        self.new_contact_button = QPushButton(self)
        self.new_contact_button.setAutoDefault(False)  # Enter is the panel's own key
        self.new_contact_button.setDefault(False)
        self.candidates_model = CandidatesModel(self)
        self.candidates = QListView(self)
        self.candidates.setModel(self.candidates_model)
        # The keyboard stays in the "who" line: Up and Down move here from there.
        self.candidates.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.candidates.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.candidates.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.candidates.setUniformItemSizes(True)
        # Five candidates in view: the answer is nearly always among the first three.
        self.candidates.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 16)
        self.who_message = QLabel(self)
        self.who_message.setWordWrap(True)
        self.who_message.setTextFormat(Qt.TextFormat.PlainText)
        # The new-contact form takes the candidates' place: the officer never leaves.
        self.new_form = NewContactForm(hub, self)
        # Shown one at a time (not a stacked widget, which would keep the form's height
        # below the short list).
        self.new_form.hide()
        self.card_view = CardView(self)

        who_row = QHBoxLayout()
        who_row.addWidget(self.who_label)
        who_row.addWidget(self.who, 1)
        who_row.addWidget(self.new_contact_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(who_row)
        column.addWidget(self.candidates)
        column.addWidget(self.new_form)
        column.addWidget(self.who_message)

        self.card_timer = QTimer(self)
        self.card_timer.setSingleShot(True)
        self.card_timer.setInterval(CARD_DELAY_MS)
        self.who.installEventFilter(self)
        self.who.textChanged.connect(self._who_edited)
        self.candidates.clicked.connect(lambda _index: self._highlight_changed())
        self.candidates.doubleClicked.connect(lambda _index: self.accept_caller())
        self.new_contact_button.clicked.connect(self.open_new_contact)
        self.new_form.cancel_button.clicked.connect(self.close_new_contact)
        self.new_form.created.connect(self._contact_created)
        self.card_view.case_requested.connect(
            lambda ident: hub.request_open(ChangeKind.CASE, ident)
        )
        self.card_timer.timeout.connect(self.update_card)

    def text_fields(self) -> tuple[QWidget, ...]:
        """The fields that take keys (the panel's shortcuts must win over theirs)."""
        form = self.new_form
        return (self.who, form.name, form.role, form.number, form.org)

    def retranslate(self) -> None:
        self.who_label.setText(_("Who:"))
        self.who.setPlaceholderText(_("any part of the number, a name, its pinyin or initials"))
        self.new_contact_button.setText(_("New contact… (Ctrl+N)"))
        self.new_form.retranslate()
        self.show_state()
        self.update_card()

    # -- the candidates --------------------------------------------------------------

    def _who_edited(self, _text: str) -> None:
        if self._quiet:
            return
        self.accepted_id = None
        self.recognise_now()
        self.card_timer.start()
        self.edited.emit()

    def recognise_now(self) -> None:
        """The candidates for the text as it is now (run on every keystroke)."""
        text = self.who.text()
        try:
            self.recognition = recognise(self.store, text)
            self.problem = ""
        except DomainError as exc:
            self.recognition = None
            self.problem = exc.message()
        found = self.recognition.candidates if self.recognition is not None else ()
        self.candidates_model.set_candidates(found)
        # A whole number nobody owns: the fragment matches listed are other people's
        # numbers, so none is highlighted (Enter logs the number itself; Down picks one).
        unknown = self.recognition is not None and self.recognition.is_unknown_number
        if found and not unknown:
            self._set_row(0)
        self.show_state()

    def _set_row(self, row: int) -> None:
        if row < 0:
            self.candidates.setCurrentIndex(QModelIndex())
            self.candidates.clearSelection()
            return
        index = self.candidates_model.index(row, 0)
        self.candidates.setCurrentIndex(index)
        self.candidates.scrollTo(index)

    def _current_row(self) -> int:
        index = self.candidates.currentIndex()
        return index.row() if index.isValid() else -1

    def _move(self, step: int) -> None:
        count = self.candidates_model.rowCount()
        if not count:
            return
        row = self._current_row()
        row = 0 if row < 0 else min(max(row + step, 0), count - 1)
        self._set_row(row)
        self._highlight_changed()

    def _highlight_changed(self) -> None:
        self.accepted_id = None
        self.show_state()
        self.update_card()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is not self.who or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if key == Qt.Key.Key_Down:
            self._move(1)
            return True
        if key == Qt.Key.Key_Up:
            self._move(-1)
            return True
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            self.accept_caller()
            return True
        return False

    # -- the caller ------------------------------------------------------------------

    def shown_contact_id(self) -> int | None:
        """The contact on the card: the accepted one, else the highlighted candidate."""
        if self.accepted_id is not None:
            return self.accepted_id
        found = self.candidates_model.candidate(self._current_row())
        return None if found is None else found.contact_id

    def unknown_number(self) -> str:
        """The typed whole number when it is the caller (nobody owns it, none picked)."""
        recognition = self.recognition
        if recognition is None or recognition.number is None or self.shown_contact_id():
            return ""
        return recognition.number.raw if recognition.is_unknown_number else ""

    def accept_caller(self) -> None:
        """Enter in the "who" line: take the highlighted caller, go on to the notes."""
        self.flush()
        if self.problem:
            self.who.setFocus()
            return
        self.accepted_id = self.shown_contact_id()
        self.update_card()
        self.show_state()
        self.caller_taken.emit()

    def take(self, text: str, contact_id: int | None) -> None:
        """A kept draft's "who": the text, and the caller taken then, even if the list no
        longer shows them (:meth:`update_card` lets go of one deleted since)."""
        self._quiet = True
        try:
            self.who.setText(text)
        finally:
            self._quiet = False
        self.recognise_now()
        if contact_id is not None:
            self._set_row(self.candidates_model.row_of(contact_id))
            self.accepted_id = contact_id

    def clear(self) -> None:
        """Nobody: an empty line, no candidates, the form put away."""
        self.card_timer.stop()
        self._quiet = True
        try:
            self.who.clear()
        finally:
            self._quiet = False
        self.accepted_id = None
        self.recognition = None
        self.problem = ""
        self.candidates_model.set_candidates(())
        self.new_form.hide()
        self.candidates.show()
        self.new_contact_button.setEnabled(True)

    def focus_who(self) -> None:
        self.who.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.who.selectAll()

    def flush(self) -> None:
        """The card for the text as typed now, if it was still waiting for a pause."""
        if self.card_timer.isActive():
            self.update_card()

    def show_state(self) -> None:
        recognition = self.recognition
        text = self.who.text().strip()
        found = self.candidates_model.candidate(self._current_row())
        unknown = recognition is not None and recognition.is_unknown_number
        self.new_contact_button.setVisible(bool(text) and (unknown or not found))
        if self.problem:
            say(self.who_message, self.problem, ERROR_STYLE)
        elif unknown and recognition is not None and recognition.number is not None and not found:
            say(
                self.who_message,
                _(
                    "{number} is nobody's number yet. Ctrl+N saves it as a new contact; "
                    "Enter logs the call to the number alone."
                ).format(number=recognition.number.display),
                HINT_STYLE,
            )
        elif text and not found and self.candidates_model.rowCount() == 0:
            say(
                self.who_message,
                _("Nobody matches “{text}”. Ctrl+N adds a new contact.").format(text=text),
                HINT_STYLE,
            )
        elif found is not None and self.accepted_id == found.contact_id:
            say(self.who_message, _("Caller: {name}").format(name=found.name), OK_STYLE)
        elif found is not None:
            say(
                self.who_message,
                _("↑↓ choose · Enter takes {name} ({why})").format(
                    name=found.name, why=found.why.tr()
                ),
                HINT_STYLE,
            )
        else:
            say(self.who_message, "", "")

    # -- the card --------------------------------------------------------------------

    def update_card(self) -> None:
        """The card for the caller shown; :attr:`caller_changed` when that is someone else."""
        self.card_timer.stop()
        contact_id = self.shown_contact_id()
        self.card = None
        if contact_id is not None:
            try:
                self.card = caller_card(self.store, contact_id, self.clock())
            except NotFoundError:  # deleted meanwhile (or since the draft was kept)
                if self.accepted_id == contact_id:
                    self.accepted_id = None
                contact_id = None
        number = "" if contact_id is not None else self.unknown_number()
        changed = (contact_id, number) != self._card_key
        self._card_key = (contact_id, number)
        recognised = self.recognition.number if self.recognition is not None else None
        if self.card is not None:
            self.card_view.show_card(self.card)
        elif number and recognised is not None:
            self.card_view.show_unknown_number(recognised.display)
        else:
            self.card_view.show_prompt()
        if changed:
            self.caller_changed.emit()

    def defaults(self) -> LogDefaults:
        """Case and channel for a log with this caller, from what they usually talk about."""
        number = self.unknown_number()
        try:
            if self.card is not None:
                return self.card.defaults
            if number:
                return defaults(self.store, raw_number=number)
            return defaults(self.store)
        except DomainError:
            return defaults(self.store)

    def card_cases(self) -> tuple[CardCase, ...]:
        """The caller's open cases, as the card lists them (the most recently active first)."""
        return self.card.open_cases if self.card is not None else ()

    # -- new contact -----------------------------------------------------------------

    def open_new_contact(self) -> None:
        """Ctrl+N: the typed number (or name) becomes a contact, here in the panel."""
        self.flush()
        text = self.who.text().strip()
        number = ""
        name = ""
        if self.recognition is not None and self.recognition.number is not None:
            number = self.recognition.number.raw
        elif text and looks_like_number(text):
            number = text  # the form says why it is no number when Create is pressed
        elif text and not text.isascii():
            name = text  # a Chinese name typed whole; pinyin or initials are not names
        self.new_form.fill(self.store, name=name, number=number)
        self.candidates.hide()
        self.new_form.show()
        self.new_contact_button.setEnabled(False)
        self.new_form.name.setFocus()

    def new_contact_open(self) -> bool:
        return not self.new_form.isHidden()

    def close_new_contact(self) -> None:
        self.new_form.hide()
        self.candidates.show()
        self.new_contact_button.setEnabled(True)
        self.who.setFocus()

    def create_contact(self) -> None:
        self.new_form.create_contact()

    def _contact_created(self, contact_id: int) -> None:
        self.close_new_contact()
        # The list again, now with the new contact in it, and them taken as the caller.
        self.recognise_now()
        self._set_row(self.candidates_model.row_of(contact_id))
        self.accepted_id = contact_id
        self.update_card()
        self.show_state()
        self.edited.emit()
        self.contact_created.emit()
