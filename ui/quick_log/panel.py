"""The quick-log panel: a call logged before the phone rings again.

One shortcut opens it over whatever the officer is doing. They type whatever is at hand
— four digits off the phone's display, a name, its pinyin or initials — and the
candidates follow each keystroke; Enter takes the highlighted one and moves to the notes,
with the case, channel and direction already filled in from what the caller usually talks
about; Enter in the notes saves. The caller card beside the list tells the officer, before
they say hello, which matters this person has open, what is pending on them, and what
was said last time.

What the panel saves is what it shows: the contact on the card (accepted with Enter, or
merely highlighted), the case in the case box, the duration in the duration box.

The phone rings again mid-sentence: Esc (or closing the window) hides the panel and keeps
the half-typed log, in memory and in QSettings (``quick_log/draft``, written a moment
after each edit, so a crash loses at most that moment); the panel comes back with it.
Only Save and Discard end a draft.

An unknown number becomes a contact without leaving the panel (Ctrl+N: name,
organisation, role, created in one unit of work together with a new organisation when
one is typed). A conversation copied from a chat app is pasted with Ctrl+Shift+V
(:mod:`ui.dialogs.chat_paste`).

The caller — the "who" line, its candidates, the new-contact form and the card — is
:class:`ui.quick_log.who.CallerPicker`; the rest of the log (case, channel, direction,
duration, notes, follow-up) is :class:`ui.quick_log.fields.LogDetails`; what is kept
across a restart is :mod:`ui.quick_log.draft`. The panel lays them out, owns the keyboard
flow between them, and saves. The main window makes it the first time its shortcut or
tray icon asks for it, and opens the same one every time after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.kinds import Channel, Direction
from coordinator.queries.caller import Recognition
from coordinator.services import communications
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.dialogs.chat_paste import ChatPasteDialog
from ui.hub import Hub, confirm
from ui.quick_log.draft import DRAFT_DELAY_MS, Draft, forget_draft, keep_draft, load_draft
from ui.quick_log.fields import LogDetails, case_problem_text
from ui.quick_log.style import ERROR_STYLE, HINT_STYLE, say
from ui.quick_log.who import CallerPicker


class QuickLogPanel(QDialog):
    """Who, case, channel, direction, duration, notes, follow-up — then Enter."""

    logged = Signal(int, str)  # the communication saved, and a line saying what it was

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setObjectName("quickLogPanel")
        self.store = store
        self.hub = hub
        self.clock = clock
        self.settings = settings
        self._loading = False
        self.chat_dialog: ChatPasteDialog | None = None

        self._build()
        self._connect()
        self.retranslate()
        self._fill_cases()
        self._apply_defaults()
        draft = load_draft(settings)
        if draft is not None:
            self._restore(draft)
        self.resize(940, 560)

    # -- building --------------------------------------------------------------------

    def _build(self) -> None:
        self.caller = CallerPicker(self.store, self.hub, self.clock, self)
        # The caller's fields by the names the keyboard flow (and its tests) know them by.
        self.who = self.caller.who
        self.candidates_model = self.caller.candidates_model
        self.card_view = self.caller.card_view
        self.who_message = self.caller.who_message
        self.new_contact_button = self.caller.new_contact_button
        form = self.caller.new_form
        self.new_name = form.name
        self.new_org = form.org
        self.new_role = form.role
        self.new_number = form.number
        self.new_message = form.message

        self.details = LogDetails(self.store, self.clock, self)
        details = self.details
        self.case = details.case
        self.channel = details.channel
        self.direction_button = details.direction_button
        self.duration = details.duration
        self.notes_label = details.notes_label
        self.notes = details.notes
        self.follow_up = details.follow_up
        self.follow_up_result = details.follow_up_result

        self.paste_button = QPushButton(self)
        self.discard_button = QPushButton(self)
        # One short line: what is wrong is said beside each field, not here again.
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QPushButton(self)
        # Enter is the panel's own key (accept the caller, save): no button takes it.
        for button in (self.paste_button, self.discard_button, self.save_button):
            button.setAutoDefault(False)
            button.setDefault(False)

        left = QVBoxLayout()
        left.addWidget(self.caller)
        left.addWidget(self.details, 1)
        top = QHBoxLayout()
        top.addLayout(left, 3)
        top.addWidget(self.card_view, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.paste_button)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addLayout(bottom)

        # Tab from the notes goes on to what is most often changed after them.
        for first, second in (
            (self.who, self.notes),
            (self.notes, self.follow_up),
            (self.follow_up, self.case),
            (self.case, self.channel),
            (self.channel, self.direction_button),
            (self.direction_button, self.duration),
            (self.duration, self.save_button),
            (self.save_button, self.paste_button),
            (self.paste_button, self.discard_button),
        ):
            QWidget.setTabOrder(first, second)

        self.focus_case_action = self._action(("Ctrl+K", "F4"), self.case.focus)
        self.direction_action = self._action(("Ctrl+D",), self.direction_button.toggle)
        self.new_contact_action = self._action(("Ctrl+N",), self.caller.open_new_contact)
        self.paste_action = self._action(("Ctrl+Shift+V",), self.paste_chat)
        self.focus_who_action = self._action(("Ctrl+L",), self.caller.focus_who)
        self.save_action = self._action(("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"), self.save)
        # Text fields bind some of these keys themselves (Ctrl+K deletes to the end of the
        # line, Ctrl+D deletes a character on Linux): the panel's meaning wins.
        self._panel_keys = {
            key.toString()
            for action in (
                self.focus_case_action,
                self.direction_action,
                self.new_contact_action,
                self.paste_action,
                self.focus_who_action,
                self.save_action,
            )
            for key in action.shortcuts()
        }
        # The editable combo boxes (the case, the organisation) are watched themselves:
        # they keep the focus and hand keys to their line edits directly, past any filter.
        for widget in (
            *self.caller.text_fields(),
            self.notes,
            self.follow_up,
            self.duration,
            self.case,
        ):
            widget.installEventFilter(self)

        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)

    def _action(self, keys: Sequence[str], slot: Callable[[], object]) -> QAction:
        action = QAction(self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _connect(self) -> None:
        self.caller.caller_taken.connect(self._focus_notes)
        self.caller.contact_created.connect(lambda: self.notes.setFocus())
        self.caller.caller_changed.connect(self._caller_changed)
        self.caller.edited.connect(self._edited)
        self.details.edited.connect(self._edited)
        self.details.save_requested.connect(self.save)
        self.case.taken.connect(self._focus_notes)
        self.case.problem.connect(self._show_case_problem)
        self.case.editTextChanged.connect(self._case_text_edited)
        self.paste_button.clicked.connect(self.paste_chat)
        self.discard_button.clicked.connect(self.discard)
        self.save_button.clicked.connect(self.save)
        self.draft_timer.timeout.connect(self.store_draft)
        self.hub.changed.connect(self.on_changed)

    # -- text ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Quick log"))
        self.paste_button.setText(_("Paste chat… (Ctrl+Shift+V)"))
        self.discard_button.setText(_("Discard"))
        self.discard_button.setToolTip(_("Throw this log away and start a new one"))
        self.save_button.setText(_("Save (Enter)"))
        self.details.retranslate()
        self.case.forget_open_cases()
        self._fill_cases(keep=True)
        self.details.show_follow_up()
        self.caller.retranslate()

    # -- the caller ------------------------------------------------------------------

    @property
    def recognition(self) -> Recognition | None:
        return self.caller.recognition

    @property
    def who_problem(self) -> str:
        return self.caller.problem

    @property
    def accepted_id(self) -> int | None:
        return self.caller.accepted_id

    def shown_contact_id(self) -> int | None:
        return self.caller.shown_contact_id()

    def update_card(self) -> None:
        self.caller.update_card()

    def new_contact_open(self) -> bool:
        return self.caller.new_contact_open()

    def _caller_changed(self) -> None:
        """Another caller on the card: their cases listed first, their defaults taken."""
        if not self._loading:
            self._fill_cases(keep=True)
            self._apply_defaults()

    # -- case, channel, direction ----------------------------------------------------

    def _fill_cases(self, *, keep: bool = False) -> None:
        self.case.fill(self.caller.card_cases(), keep=keep)

    def case_id(self) -> int | None:
        return self.case.case_id()

    def case_text_matches(self) -> bool:
        return self.case.text_matches()

    def _case_text_edited(self, _text: str) -> None:
        if not self._loading:
            self.case.show_problem()

    def _show_case_problem(self, problem: str) -> None:
        self.details.show_case_message(problem, HINT_STYLE)

    def _apply_defaults(self) -> None:
        """Case and channel for the caller shown, unless the officer chose them.

        The caller's most recently active open case; but when the officer's current case
        (the first pinned) is one of the caller's, that one — they are working on it right
        now. No open case with this caller: the current case, else unfiled.
        """
        if self._loading:
            return
        pinned = self.case.current_case()
        found = self.caller.defaults()
        case_id = found.case_id
        if pinned is not None and (
            case_id is None or pinned in {c.case_id for c in self.caller.card_cases()}
        ):
            case_id = pinned
        if not self.case.chosen_by_hand:
            self.case.select_case(case_id)
        if not self.details.channel_chosen:
            self.details.select_channel(found.channel.value)

    def channel_value(self) -> Channel:
        return self.details.channel_value()

    def direction(self) -> Direction:
        return self.details.direction()

    # -- chat ------------------------------------------------------------------------

    def paste_chat(self) -> None:
        """Ctrl+Shift+V: a copied conversation, for the caller shown and the case chosen."""
        self.caller.flush()
        contact_id = self.shown_contact_id()
        card = self.caller.card
        if card is not None:
            person = card.contact
            who = " · ".join(p for p in (person.name, person.organisation_name) if p)
        else:
            who = _("No contact: the messages are logged without one.")
        dialog = ChatPasteDialog(
            self.store,
            self.hub,
            self.clock,
            contact_id=contact_id,
            contact_text=who,
            cases=self.case.choices(),
            case_id=self.case_id() if self.case_text_matches() else None,
            channel=self.channel_value(),
            settings=self.settings,
            parent=self,
        )
        dialog.finished.connect(self._chat_closed)
        self.chat_dialog = dialog
        dialog.open()

    def _chat_closed(self, _result: int) -> None:
        dialog = self.chat_dialog
        self.chat_dialog = None
        if dialog is not None:
            dialog.deleteLater()

    # -- saving ----------------------------------------------------------------------

    def save(self) -> bool:
        """Enter in the notes: log it, forget the draft, get out of the way."""
        self.caller.flush()
        if self.new_contact_open():
            self.caller.create_contact()
            return False
        problems = self._problems()
        if problems:
            self._show_problems(problems)
            return False
        say(self.status, "", "")
        contact_id = self.shown_contact_id()
        number = "" if contact_id is not None else self.caller.unknown_number()
        due = self.details.follow_up_due()
        outcome = self.hub.call(
            self,
            communications.log,
            at=self.duration.call.at,
            channel=self.channel_value(),
            direction=self.direction(),
            contact_id=contact_id,
            raw_number=number,
            case_id=self.case_id(),
            duration_seconds=self.duration.seconds(),
            notes=self.notes.toPlainText().strip(),
            follow_up_due=due,
        )
        if outcome is None:
            return False  # refused and said why; the draft stays
        card = self.caller.card
        who = card.contact.name if card is not None else number or _("no caller")
        case = self.case.currentText() if self.case_id() is not None else _("Unfiled")
        summary = _("Logged: {who} → {case}").format(who=who, case=case)
        self.reset()
        self.hide()
        self.logged.emit(outcome.value.id, summary)
        return True

    def _problems(self) -> list[tuple[str, QWidget]]:
        """Everything that keeps the log from being saved, in words, each with the field
        to fix (in the order of the form)."""
        problems: list[tuple[str, QWidget]] = []
        typed = self.who.text().strip()
        if self.who_problem:
            problems.append((self.who_problem, self.who))
        elif typed and self.shown_contact_id() is None and not self.caller.unknown_number():
            problems.append(
                (
                    _(
                        "Nobody is chosen for “{text}”: choose a caller, or clear the line to "
                        "log without one."
                    ).format(text=typed),
                    self.who,
                )
            )
        elif not typed and not self.notes.toPlainText().strip():
            problems.append((_("Nothing to log yet: type who called, or a note."), self.who))
        if not self.case_text_matches():
            problems.append((case_problem_text(), self.case))
        try:
            self.duration.seconds()
        except DomainError as exc:
            problems.append((exc.message(), self.duration))
        try:
            self.details.follow_up_due()
        except DomainError as exc:
            problems.append((exc.message(), self.follow_up))
        return problems

    def _show_problems(self, problems: list[tuple[str, QWidget]]) -> None:
        """Each problem in red beside its field; a short line at the bottom; the
        keyboard on the first field to fix."""
        for message, field in problems:
            if field is self.who:
                say(self.who_message, message, ERROR_STYLE)
            elif field is self.case:
                self.details.show_case_message(message, ERROR_STYLE)
            elif field is self.duration:
                self.details.show_duration_problem(message)
            else:  # the follow-up says its own refusal beside it as it is typed
                self.details.show_follow_up()
        say(
            self.status,
            _("Not saved: fix the field marked in red.")
            if len(problems) == 1
            else _("Not saved: fix the {n} fields marked in red.").format(n=len(problems)),
            ERROR_STYLE,
        )
        problems[0][1].setFocus()

    def discard(self) -> bool:
        """Throw the log away, here and in QSettings, and start afresh; asked first when
        something typed would be lost (No, the default, keeps it)."""
        if self.has_input() and not confirm(
            self,
            _("Discard this log"),
            _("Throw away what you typed in this log? It cannot be brought back."),
        ):
            return False
        self.reset()
        self.who.setFocus()
        return True

    def reset(self) -> None:
        self._loading = True
        try:
            self.draft_timer.stop()
            self.caller.clear()
            self.details.clear()
        finally:
            self._loading = False
        self.details.show_direction()
        say(self.status, "", "")
        self.update_card()
        self._fill_cases()
        self._apply_defaults()
        self.caller.show_state()
        self.details.show_follow_up()
        self.duration.start_call()
        if self.isVisible():
            self.duration.tick.start()
        else:
            self.duration.call.pause()
        self.draft_timer.stop()
        forget_draft(self.settings)

    # -- the draft -------------------------------------------------------------------

    def draft(self) -> Draft:
        return Draft(
            who=self.who.text(),
            contact_id=self.accepted_id,
            case_id=self.case_id() if self.case_text_matches() else None,
            case_chosen=self.case.chosen_by_hand,
            channel=self.channel_value().value,
            channel_chosen=self.details.channel_chosen,
            direction=self.direction().value,
            at=self.duration.call.at.isoformat(timespec="seconds"),
            elapsed=self.duration.call.seconds(),
            duration=self.duration.as_typed(),
            notes=self.notes.toPlainText(),
            follow_up=self.follow_up.text(),
        )

    def has_input(self) -> bool:
        return self.draft().has_input

    def _edited(self) -> None:
        if not self._loading:
            self.draft_timer.start()

    def store_draft(self) -> None:
        """Keep the unsaved log in QSettings (or forget it when there is nothing)."""
        self.draft_timer.stop()
        if self.settings is not None:
            keep_draft(self.settings, self.draft())

    def _restore(self, draft: Draft) -> None:
        """Put a kept draft back, as it was when the panel was hidden."""
        self._loading = True
        try:
            self.notes.setPlainText(draft.notes)
            self.follow_up.setText(draft.follow_up)
            self.direction_button.setChecked(draft.direction == Direction.OUTBOUND.value)
        finally:
            self._loading = False
        self.caller.take(draft.who, draft.contact_id)
        self._loading = True
        try:
            self.update_card()
            self._fill_cases()
        finally:
            self._loading = False
        self._apply_defaults()
        self.case.chosen_by_hand = draft.case_chosen
        self.details.channel_chosen = draft.channel_chosen
        self.case.select_case(draft.case_id)
        self.details.select_channel(draft.channel)
        self.duration.restore(draft.at, draft.elapsed, draft.duration)
        self.caller.show_state()
        self.details.show_follow_up()
        self.details.show_direction()
        self.draft_timer.stop()

    # -- showing and hiding ----------------------------------------------------------

    def open_panel(self) -> None:
        """Show the panel in front, the keyboard where the officer goes on typing."""
        # No raise_(): the panel is the main window's own dialog, so it is always above
        # it, and activating it brings it to the front.
        self.show()
        self.activateWindow()
        if self.shown_contact_id() is not None and self.accepted_id is not None:
            self._focus_notes()
        else:
            self.caller.focus_who()

    def _focus_notes(self) -> None:
        """The notes, the cursor at their end: a restored draft goes on where it stopped."""
        self.notes.setFocus()
        self.notes.moveCursor(QTextCursor.MoveOperation.End)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if event.spontaneous():
            return
        if self.has_input():
            self.duration.call.resume()  # the timer goes on from where it was
        else:
            self.duration.start_call()
        self.case.forget_open_cases()
        self._fill_cases(keep=True)
        self.update_card()
        if not self.has_input():
            self._apply_defaults()  # the current case may have changed while hidden
        self.duration.show_running()
        self.duration.tick.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        if event.spontaneous():
            return
        self.duration.tick.stop()
        self.duration.call.pause()
        self.store_draft()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.store_draft()
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Escape and self.new_contact_open():
            self.caller.close_new_contact()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # never a default button: the fields say what Enter means
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if not isinstance(event, QKeyEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed in self._panel_keys:
                event.ignore()
                return True  # not the field's: the panel's action gets the key
            return False
        if (
            kind == QEvent.Type.KeyPress
            and watched is self.notes
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.notes.insertPlainText("\n")
            else:
                self.save()
            return True
        return False

    # -- changes elsewhere -----------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.CASE, ChangeKind.SETTING):
            self.case.forget_open_cases()
            if self.isVisible():
                self._fill_cases(keep=True)
        if self.isVisible() and changes.touches(
            ChangeKind.CONTACT,
            ChangeKind.ORGANISATION,
            ChangeKind.CASE,
            ChangeKind.COMMUNICATION,
            ChangeKind.ACTION,
            ChangeKind.DOCUMENT,
        ):
            self.caller.card_timer.start()
