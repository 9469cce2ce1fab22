"""What the quick-log panel's log says besides who called.

:class:`LogDetails` lays out the case, the channel and direction, the duration, the
notes and the follow-up, in the order the officer's eyes go down them. The case box
(:class:`CaseBox`) lists "Unfiled", then the caller's open cases, then every other open
case; typing part of a reference or title finds one. The duration box
(:class:`DurationBox`) shows the call's running time until the officer types their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from coordinator.errors import DomainError, NotFoundError
from coordinator.i18n import _
from coordinator.kinds import CaseStatus, Channel, Direction
from coordinator.labels import CHANNEL, DIRECTION, cap
from coordinator.queries import cases as case_queries
from coordinator.queries import settings as setting_queries
from coordinator.queries.caller_card import CardCase, defaults
from coordinator.queries.follow_up import follow_up_from_text
from coordinator.store.storage import Store
from ui.quick_log.draft import CallTime, format_duration, parse_duration, when_text
from ui.quick_log.style import ERROR_STYLE, HINT_STYLE, OK_STYLE, say

OTHER_CASES: Final = 300
"""Open cases offered besides the caller's own, the most recently opened first."""
UNFILED: Final = 0
"""The case box's data for "Unfiled" (case ids start at 1)."""
TICK_MS: Final = 1000


def case_problem_text() -> str:
    return _("Choose a case from the list (type part of its reference or title).")


class CaseBox(QComboBox):
    """The case the log is filed under: chosen from the list, or typed and completed."""

    chosen = Signal()  # the officer chose a case (kept over the caller's defaults)
    taken = Signal()  # Enter or a completion: the case is set, back to the notes
    problem = Signal(str)  # what is wrong with the text shown; "" once it is an entry

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.chosen_by_hand = False
        """The officer chose the case: the caller's defaults no longer replace it."""
        self._open_cases: list[tuple[int, str]] | None = None  # cached until cases change
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        # After the combo box took the completion (it is told first), back to the notes.
        completer.activated.connect(lambda _text: QTimer.singleShot(0, self._completed))
        self.activated.connect(self._activated)
        # An editable combo box keeps the focus and hands keys to its line edit directly,
        # past any filter on the line edit: the box itself is watched.
        self.installEventFilter(self)

    def current_case(self) -> int | None:
        """The officer's current case: the first pinned, while it is open."""
        pinned = setting_queries.pinned_cases(self.store)
        if not pinned:
            return None
        return defaults(self.store, pinned_case_id=pinned[0]).case_id  # None once closed

    def forget_open_cases(self) -> None:
        """The other open cases are listed afresh next time (cases or pins changed)."""
        self._open_cases = None

    def _other_open_cases(self) -> list[tuple[int, str]]:
        if self._open_cases is None:
            pinned = setting_queries.pinned_cases(self.store)
            with self.store.snapshot():
                ids = case_queries.ids(
                    self.store, case_queries.CaseFilter(open_only=True), limit=OTHER_CASES
                )
                wanted = [*pinned, *ids]
                found = case_queries.rows(self.store, wanted)
            self._open_cases = [
                (i, f"{found[i].reference} · {found[i].title}")
                for i in dict.fromkeys(wanted)
                if i in found and found[i].status in (CaseStatus.OPEN, CaseStatus.ON_HOLD)
            ]
        return self._open_cases

    def fill(self, caller_cases: Sequence[CardCase], *, keep: bool = False) -> None:
        """Unfiled, the caller's open cases (the most recently active first), the rest."""
        current = self.case_id() if keep else None
        items: list[tuple[int, str]] = [(UNFILED, _("Unfiled"))]
        items += [(c.case_id, f"{c.reference} · {c.title}") for c in caller_cases]
        seen = {i for i, _text in items}
        items += [(i, t) for i, t in self._other_open_cases() if i not in seen]
        self.blockSignals(True)
        self.clear()
        for ident, text in items:
            self.addItem(text, ident)
        self.blockSignals(False)
        if keep and self.chosen_by_hand:
            self.select_case(current)  # the officer's choice, listed or not
        elif keep and current is not None and self.findData(current) >= 0:
            self.select_case(current)  # a default still on offer (the defaults follow)

    def select_case(self, case_id: int | None) -> None:
        """Show a case, adding it if it is not listed (a closed case of a restored
        draft); an unknown id leaves the log unfiled."""
        index = self.findData(UNFILED if case_id is None else case_id)
        if index < 0 and case_id is not None:
            try:
                record = case_queries.get(self.store, case_id)
            except NotFoundError:
                index = 0
            else:
                self.addItem(f"{record.reference} · {record.title}", case_id)
                index = self.count() - 1
        self.blockSignals(True)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        self.show_problem()

    def case_id(self) -> int | None:
        value = self.currentData()
        return int(value) if value else None

    def choices(self) -> list[tuple[int | None, str]]:
        return [(int(self.itemData(i)) or None, self.itemText(i)) for i in range(self.count())]

    def text_matches(self) -> bool:
        """The box shows one of its entries (not half-typed search text)."""
        index = self.currentIndex()
        return index >= 0 and self.currentText() == self.itemText(index)

    def show_problem(self) -> None:
        if self.text_matches():
            self.problem.emit("")
        elif self.currentText().strip():
            self.problem.emit(case_problem_text())

    def focus(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        line = self.lineEdit()
        if line is not None:
            line.selectAll()

    def _activated(self, _index: int) -> None:
        """Chosen from the list or with Up/Down: the officer's choice, kept."""
        self.chosen_by_hand = True
        self.show_problem()
        self.chosen.emit()

    def _completed(self) -> None:
        if self.text_matches():
            self._activated(self.currentIndex())
            self.taken.emit()

    def _entered(self) -> None:
        """Enter: the case typed (the only one matching will do), then back to the notes."""
        if not self.text_matches():
            typed = self.currentText().strip().casefold()
            matching = [
                i for i in range(self.count()) if typed and typed in self.itemText(i).casefold()
            ]
            if len(matching) != 1:
                self.show_problem()
                return
            self.setCurrentIndex(matching[0])
        self._activated(self.currentIndex())
        self.taken.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._entered()
            return True
        return False


class DurationBox(QLineEdit):
    """How long the call took, as saved: the call's clock, ticking in the box while the
    panel is shown, until the officer types their own figure ("5" is five minutes;
    cleared, the clock fills it again). What is saved is what the box says."""

    typed = Signal()  # the officer typed a duration (or cleared theirs)
    clock_moved = Signal()  # the call's clock reads another second

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.call = CallTime(clock)
        self.by_hand = False
        """The officer typed the duration: the timer no longer writes over it."""
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("0:00:00") + 24)
        self.tick = QTimer(self)
        self.tick.setInterval(TICK_MS)
        self.tick.timeout.connect(self.show_running)
        self.textEdited.connect(self._typed)

    def _typed(self, text: str) -> None:
        self.by_hand = bool(text.strip())
        self.typed.emit()

    def show_running(self) -> None:
        if not self.by_hand:
            self.setText(format_duration(self.call.seconds()))
        self.clock_moved.emit()

    def seconds(self) -> int:
        """The duration to log, read from the box (brought up to the clock's second first
        while it follows the clock); ValidationError when the typed text is none."""
        if not self.by_hand:
            self.show_running()
        return parse_duration(self.text())

    def as_typed(self) -> str | None:
        """What a draft keeps: the officer's text, or None while the timer fills it."""
        return self.text() if self.by_hand else None

    def start_call(self) -> None:
        """A new log: the call began now."""
        self.call.start()
        self.by_hand = False
        self.show_running()

    def restore(self, at: str, elapsed: int, typed: str | None) -> None:
        """A kept draft's call (paused until the panel is shown) and duration."""
        self.call.restore(at, elapsed)
        self.by_hand = typed is not None
        if typed is not None:
            self.setText(typed)
        else:
            self.show_running()


class LogDetails(QWidget):
    """Case, channel, direction, duration, notes and follow-up: the log but its caller."""

    edited = Signal()  # something a draft keeps has changed
    save_requested = Signal()  # Enter in the duration or the follow-up

    def __init__(
        self, store: Store, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.channel_chosen = False
        """The officer chose the channel: the caller's usual one no longer replaces it."""
        self.case_label = QLabel(self)
        self.case = CaseBox(store, self)
        self.case_label.setBuddy(self.case)
        self.channel_label = QLabel(self)
        self.channel = QComboBox(self)
        for value in Channel:
            self.channel.addItem("", value.value)
        self.channel_label.setBuddy(self.channel)
        self.direction_button = QPushButton(self)
        self.direction_button.setCheckable(True)  # checked: outgoing
        self.direction_button.setAutoDefault(False)  # Enter is the panel's own key
        self.direction_button.setDefault(False)
        self.duration_label = QLabel(self)
        self.duration = DurationBox(clock, self)
        self.duration_label.setBuddy(self.duration)
        # The call's clock beside the box, always: the officer sees that the duration
        # follows it (or that their own figure is kept), and why a figure is refused.
        self.clock_label = QLabel(self)
        self.clock_label.setTextFormat(Qt.TextFormat.PlainText)
        # It never widens the panel: the box's own width comes first.
        self.clock_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.duration.setMinimumWidth(self.fontMetrics().horizontalAdvance("0:00:00") + 16)
        self.case_message = QLabel(self)
        self.case_message.setTextFormat(Qt.TextFormat.PlainText)
        self.case_message.setWordWrap(True)
        self.case_message.hide()
        self.duration_message = QLabel(self)
        self.duration_message.setTextFormat(Qt.TextFormat.PlainText)
        self.duration_message.setWordWrap(True)
        self.duration_message.hide()
        self.notes_label = QLabel(self)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.notes_label.setBuddy(self.notes)
        self.follow_up_label = QLabel(self)
        self.follow_up = QLineEdit(self)
        self.follow_up_label.setBuddy(self.follow_up)
        self.follow_up_result = QLabel(self)
        self.follow_up_result.setTextFormat(Qt.TextFormat.PlainText)
        self.follow_up_result.setWordWrap(True)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.case_label, 0, 0)
        grid.addWidget(self.case, 0, 1, 1, 5)
        grid.addWidget(self.case_message, 1, 1, 1, 5)
        grid.addWidget(self.channel_label, 2, 0)
        grid.addWidget(self.channel, 2, 1)
        grid.addWidget(self.direction_button, 2, 2)
        grid.addWidget(self.duration_label, 2, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.duration, 2, 4)
        grid.addWidget(self.clock_label, 2, 5)
        grid.addWidget(self.duration_message, 3, 1, 1, 5)
        grid.setColumnStretch(5, 1)
        grid.setRowStretch(4, 1)
        grid.addWidget(self.notes_label, 4, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.notes, 4, 1, 1, 5)
        grid.addWidget(self.follow_up_label, 5, 0)
        grid.addWidget(self.follow_up, 5, 1, 1, 2)
        # Below the field, the form's whole width: a refusal lists examples.
        grid.addWidget(self.follow_up_result, 6, 1, 1, 5)

        self.case.chosen.connect(self.edited)
        self.channel.activated.connect(self._channel_activated)
        self.direction_button.toggled.connect(self._direction_toggled)
        self.duration.typed.connect(self.edited)
        self.duration.typed.connect(self._duration_typed)
        self.duration.clock_moved.connect(self.show_clock)
        self.duration.returnPressed.connect(self.save_requested)
        self.notes.textChanged.connect(self.edited)
        self.follow_up.textChanged.connect(self._follow_up_edited)
        self.follow_up.returnPressed.connect(self.save_requested)

    def retranslate(self) -> None:
        self.case_label.setText(_("Case (Ctrl+K):"))
        self.channel_label.setText(_("Channel:"))
        for i, value in enumerate(Channel):
            self.channel.setItemText(i, cap(CHANNEL[value]))
        self.duration_label.setText(_("Duration:"))
        self.duration.setToolTip(
            _(
                "What is saved. It follows the call's clock until you type your own figure: "
                "minutes (5) or 3:20. Clear it to follow the clock again."
            )
        )
        self.show_clock()
        self.notes_label.setText(_("Notes:"))
        self.notes.setPlaceholderText(
            _("What was said. Enter saves; Shift+Enter starts a new line.")
        )
        self.follow_up_label.setText(_("Follow-up:"))
        self.follow_up.setPlaceholderText(_("e.g. in 2 working hours, 明天9点, 2026-12-01"))
        self._direction_toggled(self.direction_button.isChecked())

    def clear(self) -> None:
        """A new log: nothing said, nothing chosen, an incoming call."""
        self.notes.clear()
        self.follow_up.clear()
        self.case.chosen_by_hand = False
        self.channel_chosen = False
        self.direction_button.setChecked(False)
        self.show_case_message("", "")
        self.show_duration_problem("")

    # -- case and duration messages --------------------------------------------------

    def show_case_message(self, text: str, style: str) -> None:
        say(self.case_message, text, style)
        self.case_message.setVisible(bool(text))

    def _duration_typed(self) -> None:
        self.show_duration_problem("")
        self.show_clock()

    def show_duration_problem(self, text: str) -> None:
        """A duration that is none, said below the box until it is typed again."""
        say(self.duration_message, text, ERROR_STYLE)
        self.duration_message.setVisible(bool(text))

    def show_clock(self) -> None:
        """Beside the box: the call's clock, and whether the box follows it."""
        running = format_duration(self.duration.call.seconds())
        if self.duration.by_hand:
            say(self.clock_label, _("⏱ {time}, not used").format(time=running), HINT_STYLE)
            self.clock_label.setToolTip(
                _(
                    "The call's clock. The duration you typed is saved; "
                    "clear it to follow the clock."
                )
            )
        else:
            say(self.clock_label, _("⏱ {time}, running").format(time=running), OK_STYLE)
            self.clock_label.setToolTip(
                _("The call's clock, since the panel opened: the duration follows it.")
            )

    # -- channel and direction -------------------------------------------------------

    def _channel_activated(self, _index: int) -> None:
        self.channel_chosen = True
        self.edited.emit()

    def channel_value(self) -> Channel:
        value = self.channel.currentData()
        return Channel(value) if value else Channel.PHONE

    def select_channel(self, value: str) -> None:
        self.channel.setCurrentIndex(max(self.channel.findData(value), 0))

    def direction(self) -> Direction:
        return Direction.OUTBOUND if self.direction_button.isChecked() else Direction.INBOUND

    def show_direction(self) -> None:
        self.direction_button.setText(
            _("{direction} (Ctrl+D)").format(direction=cap(DIRECTION[self.direction()]))
        )

    def _direction_toggled(self, _checked: bool) -> None:
        self.show_direction()
        self.edited.emit()

    # -- follow-up -------------------------------------------------------------------

    def _follow_up_edited(self, _text: str) -> None:
        self.show_follow_up()
        self.edited.emit()

    def follow_up_due(self) -> datetime | None:
        """The follow-up time typed, None when there is none; ValidationError when the
        text is no time."""
        text = self.follow_up.text().strip()
        if not text:
            return None
        return follow_up_from_text(self.store, text, self.clock())

    def show_follow_up(self) -> None:
        try:
            due = self.follow_up_due()
        except DomainError as exc:
            say(self.follow_up_result, exc.message(), ERROR_STYLE)
            return
        if due is None:
            say(self.follow_up_result, "", "")
        else:
            say(
                self.follow_up_result,
                _("→ {time}").format(time=when_text(due, self.clock())),
                OK_STYLE,
            )
