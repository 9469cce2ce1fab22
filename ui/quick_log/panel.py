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

The main window wires its shortcut and tray icon to :func:`open_quick_log`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
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
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, NotFoundError, ValidationError
from coordinator.formatting import short_datetime
from coordinator.i18n import N_, Msg, _
from coordinator.kinds import CaseStatus, Channel, Direction, OrganisationKind
from coordinator.labels import (
    ACTION_STATUS,
    CASE_STATUS,
    CHANNEL,
    DIRECTION,
    DOCUMENT_STATE,
    cap,
)
from coordinator.phones import looks_like_number
from coordinator.queries import cases as case_queries
from coordinator.queries import settings as setting_queries
from coordinator.queries.caller import (
    CallerCard,
    Candidate,
    CardCase,
    Recognition,
    caller_card,
    defaults,
    recognise,
)
from coordinator.queries.contacts import organisation_choices
from coordinator.queries.follow_up import follow_up_from_text
from coordinator.services import communications, contacts
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.dialogs.chat_paste import ChatPasteDialog
from ui.hub import Hub

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DRAFT_KEY: Final = "quick_log/draft"
CARD_DELAY_MS: Final = 120
"""The card follows the highlighted candidate once typing pauses: the candidates
themselves answer every keystroke (a few ms each), the card costs a few queries more."""
DRAFT_DELAY_MS: Final = 300
TICK_MS: Final = 1000
MAX_DURATION: Final = communications.MAX_DURATION
OTHER_CASES: Final = 300
"""Open cases offered besides the caller's own, the most recently opened first."""
CARD_ROWS: Final = 5
NEW_ORGANISATION_KIND: Final = OrganisationKind.COMPANY
"""An organisation typed in the new-contact form is a company: most new callers are."""
UNFILED: Final = 0
"""The case box's data for "Unfiled" (case ids start at 1)."""

_ERROR_STYLE = "color: #b3261e;"
_HINT_STYLE = "color: #5f6368;"
_OK_STYLE = "color: #1b6e20;"

WEEKDAYS: Final[tuple[Msg, ...]] = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)

_BAD_DURATION = N_(
    "“{text}” is not a duration: write minutes (5), minutes:seconds (3:20) or "
    "hours:minutes:seconds (1:05:00)."
)
_DURATION_FORM = re.compile(r"(?:(\d{1,2}):)?(\d{1,4}):(\d{1,2})")

Index = QModelIndex | QPersistentModelIndex


# -- small pieces that do not need the panel ---------------------------------------------


def parse_duration(text: str) -> int:
    """Seconds from what the officer typed in the duration box ("5" is five minutes)."""
    typed = text.strip()
    if not typed:
        return 0
    if typed.isdigit() and len(typed) <= 4:
        return int(typed) * 60
    match = _DURATION_FORM.fullmatch(typed)
    if match is None or int(match[3]) > 59 or (match[1] is not None and int(match[2]) > 59):
        raise ValidationError(_BAD_DURATION, text=typed[:20])
    hours = int(match[1] or 0)
    return hours * 3600 + int(match[2]) * 60 + int(match[3])


def format_duration(seconds: int) -> str:
    """“3:07”, or “1:02:07” past an hour: how the duration box shows the running call."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when_text(moment: datetime, now: datetime) -> str:
    """A time with its weekday (“Wed 11-25 09:00”), since a promise is made for a day."""
    if moment.date() == now.date():
        return short_datetime(moment, now)
    return f"{WEEKDAYS[moment.weekday()].tr()} {short_datetime(moment, now)}"


@dataclass(frozen=True)
class Draft:
    """What the panel holds between opening and saving, as kept across a restart."""

    who: str = ""
    contact_id: int | None = None
    case_id: int | None = None
    case_chosen: bool = False
    channel: str = Channel.PHONE.value
    channel_chosen: bool = False
    direction: str = Direction.INBOUND.value
    at: str = ""
    """When the call began (ISO), the time the communication is logged at."""
    elapsed: int = 0
    """Seconds the timer ran while the panel was shown."""
    duration: str | None = None
    """The duration as the officer typed it; None while the timer fills it."""
    notes: str = ""
    follow_up: str = ""

    @property
    def has_input(self) -> bool:
        return bool(self.who.strip() or self.notes.strip() or self.follow_up.strip())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: object) -> Draft | None:
        """The draft kept in QSettings; None for anything that is not one (an old or
        hand-edited file must not keep the panel from opening)."""
        if not isinstance(text, str) or not text:
            return None
        try:
            raw = json.loads(text)
        except ValueError:
            return None
        if not isinstance(raw, dict):
            return None
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in raw:
                continue
            value = raw[field.name]
            if field.name in ("contact_id", "case_id"):
                ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
            elif field.name == "duration":
                ok = value is None or isinstance(value, str)
            elif field.name == "elapsed":
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            elif field.name in ("case_chosen", "channel_chosen"):
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, str)
            if ok:
                values[field.name] = value
        return cls(**values)


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


# -- the caller card ------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _section(title: str, lines: Sequence[str], total: int) -> str:
    out = [f"<p style='margin-top:8px; margin-bottom:2px'><b>{_e(title)}</b></p>"]
    out += [f"<p style='margin:0 0 0 8px'>{line}</p>" for line in lines]
    if total > len(lines):
        more = _("… and {n} more").format(n=total - len(lines))
        out.append(f"<p style='margin:0 0 0 8px; {_HINT_STYLE}'>{_e(more)}</p>")
    return "".join(out)


def _case_link(case_id: int | None, reference: str | None) -> str:
    if case_id is None or not reference:
        return f"<span style='{_HINT_STYLE}'>{_e(_('Unfiled'))}</span>"
    return f"<a href='case:{case_id}'>{_e(reference)}</a>"


def card_html(card: CallerCard) -> str:
    """The card as rich text: every value escaped, case references as links."""
    now = card.now
    person = card.contact
    out = [f"<p style='margin:0'><span style='font-size:large'><b>{_e(person.name)}</b></span>"]
    if person.role:
        out.append(f"&nbsp;&nbsp;{_e(person.role)}")
    out.append("</p>")
    out.append(f"<p style='margin:0'>{_e(person.organisation_name or _('No organisation'))}</p>")
    numbers = "&nbsp;&nbsp; ".join(_e(p.raw) for p in person.phones)
    if numbers:
        out.append(f"<p style='margin:0; {_HINT_STYLE}'>{numbers}</p>")

    lines = []
    for case in card.open_cases[:CARD_ROWS]:
        line = f"{_case_link(case.case_id, case.reference)} {_e(case.title)}"
        if case.fast_track:
            line += f" <span style='{_ERROR_STYLE}'>{_e(_('fast-track'))}</span>"
        if case.status is not CaseStatus.OPEN:
            line += f" <span style='{_HINT_STYLE}'>({_e(CASE_STATUS[case.status].tr())})</span>"
        lines.append(line)
    if not lines:
        lines.append(f"<span style='{_HINT_STYLE}'>{_e(_('None'))}</span>")
    out.append(_section(_("Open cases"), lines, len(card.open_cases)))

    if card.actions:
        lines = []
        for action in card.actions[:CARD_ROWS]:
            text = _e(
                _("{department}: {step}").format(
                    department=action.department_name, step=action.title
                )
            )
            text += " — "
            text += _e(ACTION_STATUS[action.status].tr())
            if action.due_at is not None:
                due_text = _("due {time}").format(time=short_datetime(action.due_at, now))
                style = _ERROR_STYLE if action.overdue else _HINT_STYLE
                text += f", <span style='{style}'>{_e(due_text)}</span>"
            lines.append(f"{_e(action.case_reference)} · {text}")
        out.append(_section(_("Pending steps"), lines, len(card.actions)))

    if card.documents:
        lines = []
        for document in card.documents[:CARD_ROWS]:
            text = f"{_e(document.case_reference)} · {_e(document.title)} — "
            text += _e(DOCUMENT_STATE[document.state].tr())
            if document.holder_name:
                text += f" <span style='{_HINT_STYLE}'>"
                text += _e(_("with {holder}").format(holder=document.holder_name))
                text += "</span>"
            lines.append(text)
        out.append(_section(_("Documents pending"), lines, len(card.documents)))

    if card.open_follow_ups:
        lines = []
        for follow in card.open_follow_ups[:CARD_ROWS]:
            due = follow.follow_up_due
            style = _ERROR_STYLE if due is not None and due < now else ""
            when = _e(short_datetime(due, now))
            lines.append(
                f"<span style='{style}'>{when}</span> {_e(_first_line(follow.notes))} "
                f"({_case_link(follow.case_id, follow.case_reference)})"
            )
        out.append(_section(_("Promised follow-ups"), lines, len(card.open_follow_ups)))

    lines = []
    for talk in card.recent[:CARD_ROWS]:
        head = " ".join(
            (
                short_datetime(talk.at, now),
                CHANNEL[talk.channel].tr(),
                DIRECTION[talk.direction].tr(),
            )
        )
        if talk.duration_seconds:
            head += " " + format_duration(talk.duration_seconds)
        lines.append(
            f"<span style='{_HINT_STYLE}'>{_e(head)}</span> {_e(_first_line(talk.notes))} "
            f"({_case_link(talk.case_id, talk.case_reference)})"
        )
    if not lines:
        lines.append(f"<span style='{_HINT_STYLE}'>{_e(_('None yet'))}</span>")
    out.append(_section(_("Last communications"), lines, len(card.recent)))
    return "".join(out)


def _hint_html(title: str, text: str) -> str:
    return (
        f"<p style='margin:0'><span style='font-size:large'><b>{_e(title)}</b></span></p>"
        f"<p style='{_HINT_STYLE}'>{_e(text)}</p>"
    )


# -- the panel ------------------------------------------------------------------------------


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
        self.recognition: Recognition | None = None
        self.who_problem = ""
        self.accepted_id: int | None = None
        self.card: CallerCard | None = None
        self._card_id: int | None = None
        self._card_key: tuple[int | None, str] = (None, "")  # what the card was made for
        self._card_cases: tuple[CardCase, ...] = ()
        self._open_cases: list[tuple[int, str]] | None = None  # cached until cases change
        self._case_chosen = False
        self._channel_chosen = False
        self._duration_edited = False
        self._loading = False
        self._call_at = clock()
        self._elapsed = 0
        self._running_since: datetime | None = None
        self.org_ids: dict[str, int] = {}
        self.chat_dialog: ChatPasteDialog | None = None

        self._build()
        self._connect()
        self.retranslate()
        self._fill_cases()
        self._apply_defaults()
        draft = Draft.from_json(settings.value(DRAFT_KEY)) if settings is not None else None
        if draft is not None and draft.has_input:
            self._restore(draft)
        self.resize(940, 560)

    # -- building --------------------------------------------------------------------

    def _build(self) -> None:
        self.who_label = QLabel(self)
        self.who = QLineEdit(self)
        self.who.setClearButtonEnabled(True)
        font = self.who.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.who.setFont(font)
        self.who_label.setBuddy(self.who)
        self.new_contact_button = QPushButton(self)
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
        self.new_form = QFrame(self)
        self.new_form.setFrameShape(QFrame.Shape.StyledPanel)
        self.new_title = QLabel(self.new_form)
        bold = self.new_title.font()
        bold.setBold(True)
        self.new_title.setFont(bold)
        self.new_name_label = QLabel(self.new_form)
        self.new_name = QLineEdit(self.new_form)
        self.new_org_label = QLabel(self.new_form)
        self.new_org = QComboBox(self.new_form)
        self.new_org.setEditable(True)
        self.new_org.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        org_completer = QCompleter(self.new_org.model(), self.new_org)
        org_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        org_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        org_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.new_org.setCompleter(org_completer)
        self.new_role_label = QLabel(self.new_form)
        self.new_role = QLineEdit(self.new_form)
        self.new_number_label = QLabel(self.new_form)
        self.new_number = QLineEdit(self.new_form)
        self.new_message = QLabel(self.new_form)
        self.new_message.setWordWrap(True)
        self.new_message.setTextFormat(Qt.TextFormat.PlainText)
        self.create_button = QPushButton(self.new_form)
        self.cancel_new_button = QPushButton(self.new_form)
        new_layout = QFormLayout(self.new_form)
        new_layout.addRow(self.new_title)
        new_layout.addRow(self.new_name_label, self.new_name)
        new_layout.addRow(self.new_org_label, self.new_org)
        new_layout.addRow(self.new_role_label, self.new_role)
        new_layout.addRow(self.new_number_label, self.new_number)
        new_buttons = QHBoxLayout()
        new_buttons.addWidget(self.new_message, 1)
        new_buttons.addWidget(self.create_button)
        new_buttons.addWidget(self.cancel_new_button)
        new_layout.addRow(new_buttons)
        # Shown one at a time (not a stacked widget, which would keep the form's height
        # below the short list).
        self.new_form.hide()

        self.card_view = QTextBrowser(self)
        self.card_view.setOpenLinks(False)
        self.card_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.card_view.setMinimumWidth(340)
        self.card_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.case_label = QLabel(self)
        self.case = QComboBox(self)
        self.case.setEditable(True)
        self.case.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.case.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.case.setMinimumContentsLength(24)
        case_completer = QCompleter(self.case.model(), self.case)
        case_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        case_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        case_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.case.setCompleter(case_completer)
        # After the combo box took the completion (it is told first), back to the notes.
        case_completer.activated.connect(lambda _text: QTimer.singleShot(0, self._case_completed))
        self.case_label.setBuddy(self.case)
        self.channel_label = QLabel(self)
        self.channel = QComboBox(self)
        for value in Channel:
            self.channel.addItem("", value.value)
        self.channel_label.setBuddy(self.channel)
        self.direction_button = QPushButton(self)
        self.direction_button.setCheckable(True)  # checked: outgoing
        self.duration_label = QLabel(self)
        self.duration = QLineEdit(self)
        self.duration.setMaximumWidth(self.fontMetrics().horizontalAdvance("0:00:00") * 2)
        self.duration_label.setBuddy(self.duration)
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

        self.paste_button = QPushButton(self)
        self.discard_button = QPushButton(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.save_button = QPushButton(self)
        # Enter is the panel's own key (accept the caller, save): no button takes it.
        for button in (
            self.new_contact_button,
            self.create_button,
            self.cancel_new_button,
            self.direction_button,
            self.paste_button,
            self.discard_button,
            self.save_button,
        ):
            button.setAutoDefault(False)
            button.setDefault(False)

        who_row = QHBoxLayout()
        who_row.addWidget(self.who_label)
        who_row.addWidget(self.who, 1)
        who_row.addWidget(self.new_contact_button)
        form = QGridLayout()
        form.addWidget(self.case_label, 0, 0)
        form.addWidget(self.case, 0, 1, 1, 5)
        form.addWidget(self.channel_label, 1, 0)
        form.addWidget(self.channel, 1, 1)
        form.addWidget(self.direction_button, 1, 2)
        form.addWidget(self.duration_label, 1, 3, Qt.AlignmentFlag.AlignRight)
        form.addWidget(self.duration, 1, 4)
        form.setColumnStretch(5, 1)
        form.setRowStretch(2, 1)
        form.addWidget(self.notes_label, 2, 0, Qt.AlignmentFlag.AlignTop)
        form.addWidget(self.notes, 2, 1, 1, 5)
        form.addWidget(self.follow_up_label, 3, 0)
        form.addWidget(self.follow_up, 3, 1, 1, 2)
        form.addWidget(self.follow_up_result, 3, 3, 1, 3)
        left = QVBoxLayout()
        left.addLayout(who_row)
        left.addWidget(self.candidates)
        left.addWidget(self.new_form)
        left.addWidget(self.who_message)
        left.addLayout(form, 1)
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

        self.focus_case_action = self._action(("Ctrl+K", "F4"), self.focus_case)
        self.direction_action = self._action(("Ctrl+D",), self.direction_button.toggle)
        self.new_contact_action = self._action(("Ctrl+N",), self.open_new_contact)
        self.paste_action = self._action(("Ctrl+Shift+V",), self.paste_chat)
        self.focus_who_action = self._action(("Ctrl+L",), self.focus_who)
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
        for widget in (
            self.who,
            self.notes,
            self.follow_up,
            self.duration,
            self.new_name,
            self.new_role,
            self.new_number,
        ):
            widget.installEventFilter(self)
        # An editable combo box keeps the focus and hands keys to its line edit directly,
        # past any filter on the line edit: the combo boxes themselves are watched.
        for combo in (self.case, self.new_org):
            combo.installEventFilter(self)

        self.card_timer = QTimer(self)
        self.card_timer.setSingleShot(True)
        self.card_timer.setInterval(CARD_DELAY_MS)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.tick = QTimer(self)
        self.tick.setInterval(TICK_MS)

    def _action(self, keys: Sequence[str], slot: Callable[[], object]) -> QAction:
        action = QAction(self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _connect(self) -> None:
        self.who.textChanged.connect(self._who_edited)
        self.candidates.clicked.connect(lambda _index: self._highlight_changed())
        self.candidates.doubleClicked.connect(lambda _index: self.accept_caller())
        self.new_contact_button.clicked.connect(self.open_new_contact)
        self.create_button.clicked.connect(self.create_contact)
        self.cancel_new_button.clicked.connect(self.close_new_contact)
        self.new_name.returnPressed.connect(self.create_contact)
        self.new_role.returnPressed.connect(self.create_contact)
        self.new_number.returnPressed.connect(self.create_contact)
        self.case.activated.connect(self._case_activated)
        self.case.editTextChanged.connect(self._case_text_edited)
        self.channel.activated.connect(self._channel_activated)
        self.direction_button.toggled.connect(self._direction_toggled)
        self.duration.textEdited.connect(self._duration_typed)
        self.duration.returnPressed.connect(self.save)
        self.notes.textChanged.connect(self._edited)
        self.follow_up.textChanged.connect(self._follow_up_edited)
        self.follow_up.returnPressed.connect(self.save)
        self.paste_button.clicked.connect(self.paste_chat)
        self.discard_button.clicked.connect(self.discard)
        self.save_button.clicked.connect(self.save)
        self.card_view.anchorClicked.connect(self._link_clicked)
        self.card_timer.timeout.connect(self.update_card)
        self.draft_timer.timeout.connect(self.store_draft)
        self.tick.timeout.connect(self._show_duration)
        self.hub.changed.connect(self.on_changed)

    # -- text ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Quick log"))
        self.who_label.setText(_("Who:"))
        self.who.setPlaceholderText(_("any part of the number, a name, its pinyin or initials"))
        self.new_contact_button.setText(_("New contact… (Ctrl+N)"))
        self.new_title.setText(_("New contact"))
        self.new_name_label.setText(_("Full name:"))
        self.new_org_label.setText(_("Organisation:"))
        self.new_role_label.setText(_("Role:"))
        self.new_number_label.setText(_("Phone number:"))
        self.create_button.setText(_("Create"))
        self.cancel_new_button.setText(_("Cancel (Esc)"))
        self.case_label.setText(_("Case (Ctrl+K):"))
        self.channel_label.setText(_("Channel:"))
        for i, value in enumerate(Channel):
            self.channel.setItemText(i, cap(CHANNEL[value]))
        self.duration_label.setText(_("Duration:"))
        self.duration.setToolTip(_("Filled by the running timer; type minutes (5) or 3:20."))
        self.notes_label.setText(_("Notes:"))
        self.notes.setPlaceholderText(
            _("What was said. Enter saves; Shift+Enter starts a new line.")
        )
        self.follow_up_label.setText(_("Follow-up:"))
        self.follow_up.setPlaceholderText(_("e.g. in 2 working hours, 明天9点, 2026-12-01"))
        self.paste_button.setText(_("Paste chat… (Ctrl+Shift+V)"))
        self.discard_button.setText(_("Discard"))
        self.discard_button.setToolTip(_("Throw this log away and start a new one"))
        self.save_button.setText(_("Save (Enter)"))
        self._direction_toggled(self.direction_button.isChecked())
        self._open_cases = None
        self._fill_cases(keep=True)
        self._show_who_state()
        self._show_follow_up()
        self.update_card()

    # -- the caller ------------------------------------------------------------------

    def _who_edited(self, _text: str) -> None:
        if self._loading:
            return
        self.accepted_id = None
        self.recognise_now()
        self.card_timer.start()
        self._edited()

    def recognise_now(self) -> None:
        """The candidates for the text as it is now (run on every keystroke)."""
        text = self.who.text()
        try:
            self.recognition = recognise(self.store, text)
            self.who_problem = ""
        except DomainError as exc:
            self.recognition = None
            self.who_problem = exc.message()
        found = self.recognition.candidates if self.recognition is not None else ()
        self.candidates_model.set_candidates(found)
        # A whole number nobody owns: the fragment matches listed are other people's
        # numbers, so none is highlighted (Enter logs the number itself; Down picks one).
        unknown = self.recognition is not None and self.recognition.is_unknown_number
        if found and not unknown:
            self._set_row(0)
        self._show_who_state()

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
        self._show_who_state()
        self.update_card()

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
        self._flush_recognition()
        if self.who_problem:
            self.who.setFocus()
            return
        self.accepted_id = self.shown_contact_id()
        self.update_card()
        self._show_who_state()
        self._focus_notes()

    def _flush_recognition(self) -> None:
        if self.card_timer.isActive():
            self.update_card()

    def _show_who_state(self) -> None:
        recognition = self.recognition
        text = self.who.text().strip()
        found = self.candidates_model.candidate(self._current_row())
        unknown = recognition is not None and recognition.is_unknown_number
        self.new_contact_button.setVisible(bool(text) and (unknown or not found))
        if self.who_problem:
            self._say(self.who_message, self.who_problem, _ERROR_STYLE)
        elif unknown and recognition is not None and recognition.number is not None and not found:
            self._say(
                self.who_message,
                _(
                    "{number} is nobody's number yet. Ctrl+N saves it as a new contact; "
                    "Enter logs the call to the number alone."
                ).format(number=recognition.number.display),
                _HINT_STYLE,
            )
        elif text and not found and self.candidates_model.rowCount() == 0:
            self._say(
                self.who_message,
                _("Nobody matches “{text}”. Ctrl+N adds a new contact.").format(text=text),
                _HINT_STYLE,
            )
        elif found is not None and self.accepted_id == found.contact_id:
            self._say(self.who_message, _("Caller: {name}").format(name=found.name), _OK_STYLE)
        elif found is not None:
            self._say(
                self.who_message,
                _("↑↓ choose · Enter takes {name} ({why})").format(
                    name=found.name, why=found.why.tr()
                ),
                _HINT_STYLE,
            )
        else:
            self._say(self.who_message, "", "")

    @staticmethod
    def _say(label: QLabel, text: str, style: str) -> None:
        label.setStyleSheet(style)
        label.setText(text)

    def update_card(self) -> None:
        """The card for the caller shown, and the log's defaults from it."""
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
        key = (contact_id, "" if contact_id is not None else self.unknown_number())
        changed = key != self._card_key
        self._card_key = key
        self._card_id = contact_id
        if self.card is not None:
            self.card_view.setHtml(card_html(self.card))
            self._card_cases = self.card.open_cases
        else:
            self._card_cases = ()
            number = self.unknown_number()
            if number and self.recognition is not None and self.recognition.number is not None:
                self.card_view.setHtml(
                    _hint_html(
                        self.recognition.number.display,
                        _("Nobody has this number. Ctrl+N saves it as a new contact."),
                    )
                )
            else:
                self.card_view.setHtml(
                    _hint_html(
                        _("Who is calling?"),
                        _(
                            "Type any part of the number, a name, its pinyin or its initials "
                            "(“zwm” finds 张伟明); the caller's cases, pending steps and last "
                            "calls show here."
                        ),
                    )
                )
        if changed and not self._loading:
            self._fill_cases(keep=True)
            self._apply_defaults()

    # -- case, channel, direction ----------------------------------------------------

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

    def _fill_cases(self, *, keep: bool = False) -> None:
        """Unfiled, the caller's open cases (the most recently active first), the rest."""
        current = self.case_id() if keep else None
        items: list[tuple[int, str]] = [(UNFILED, _("Unfiled"))]
        items += [(c.case_id, f"{c.reference} · {c.title}") for c in self._card_cases]
        seen = {i for i, _text in items}
        items += [(i, t) for i, t in self._other_open_cases() if i not in seen]
        self.case.blockSignals(True)
        self.case.clear()
        for ident, text in items:
            self.case.addItem(text, ident)
        self.case.blockSignals(False)
        if keep and self._case_chosen:
            self.select_case(current)  # the officer's choice, listed or not
        elif keep and current is not None and self.case.findData(current) >= 0:
            self.select_case(current)  # a default still on offer (the defaults follow)

    def select_case(self, case_id: int | None) -> None:
        """Show a case in the case box, adding it if it is not listed (a closed case of a
        restored draft); an unknown id leaves the log unfiled."""
        index = self.case.findData(UNFILED if case_id is None else case_id)
        if index < 0 and case_id is not None:
            try:
                record = case_queries.get(self.store, case_id)
            except NotFoundError:
                index = 0
            else:
                self.case.addItem(f"{record.reference} · {record.title}", case_id)
                index = self.case.count() - 1
        self.case.blockSignals(True)
        self.case.setCurrentIndex(max(index, 0))
        self.case.blockSignals(False)
        self._show_case_problem()

    def case_id(self) -> int | None:
        value = self.case.currentData()
        return int(value) if value else None

    def case_text_matches(self) -> bool:
        """The case box shows one of its entries (not half-typed search text)."""
        index = self.case.currentIndex()
        return index >= 0 and self.case.currentText() == self.case.itemText(index)

    def _case_activated(self, _index: int) -> None:
        """Chosen from the list or with Up/Down: the officer's choice, kept."""
        self._case_chosen = True
        self._show_case_problem()
        self._edited()

    def _case_completed(self) -> None:
        if self.case_text_matches():
            self._case_activated(self.case.currentIndex())
            self._focus_notes()

    def _case_entered(self) -> None:
        """Enter in the case box: the case typed (the only one matching will do), then
        back to the notes."""
        if not self.case_text_matches():
            typed = self.case.currentText().strip().casefold()
            matching = [
                i
                for i in range(self.case.count())
                if typed and typed in self.case.itemText(i).casefold()
            ]
            if len(matching) != 1:
                self._show_case_problem()
                return
            self.case.setCurrentIndex(matching[0])
        self._case_activated(self.case.currentIndex())
        self._focus_notes()

    def _case_text_edited(self, _text: str) -> None:
        if not self._loading:
            self._show_case_problem()

    def _show_case_problem(self) -> None:
        if self.case_text_matches():
            if self.status.text() == self._case_problem_text():
                self._say(self.status, "", "")
        elif self.case.currentText().strip():
            self._say(self.status, self._case_problem_text(), _HINT_STYLE)

    @staticmethod
    def _case_problem_text() -> str:
        return _("Choose a case from the list (type part of its reference or title).")

    def _pinned_current(self) -> int | None:
        pinned = setting_queries.pinned_cases(self.store)
        if not pinned:
            return None
        return defaults(self.store, pinned_case_id=pinned[0]).case_id  # None once closed

    def _apply_defaults(self) -> None:
        """Case and channel for the caller shown, unless the officer chose them.

        The caller's most recently active open case; but when the officer's current case
        (the first pinned) is one of the caller's, that one — they are working on it right
        now. No open case with this caller: the current case, else unfiled.
        """
        if self._loading:
            return
        contact_id = self._card_id
        number = self.unknown_number()
        pinned = self._pinned_current()
        try:
            if contact_id is not None and self.card is not None:
                found = self.card.defaults
            elif number:
                found = defaults(self.store, raw_number=number)
            else:
                found = defaults(self.store)
        except DomainError:
            found = defaults(self.store)
        case_id = found.case_id
        if pinned is not None and (
            case_id is None or pinned in {c.case_id for c in self._card_cases}
        ):
            case_id = pinned
        if not self._case_chosen:
            self.select_case(case_id)
        if not self._channel_chosen:
            self.channel.setCurrentIndex(max(self.channel.findData(found.channel.value), 0))

    def focus_case(self) -> None:
        self.case.setFocus(Qt.FocusReason.ShortcutFocusReason)
        line = self.case.lineEdit()
        if line is not None:
            line.selectAll()

    def _channel_activated(self, _index: int) -> None:
        self._channel_chosen = True
        self._edited()

    def channel_value(self) -> Channel:
        value = self.channel.currentData()
        return Channel(value) if value else Channel.PHONE

    def direction(self) -> Direction:
        return Direction.OUTBOUND if self.direction_button.isChecked() else Direction.INBOUND

    def _direction_toggled(self, _checked: bool) -> None:
        self.direction_button.setText(
            _("{direction} (Ctrl+D)").format(direction=cap(DIRECTION[self.direction()]))
        )
        self._edited()

    # -- duration --------------------------------------------------------------------

    def running_seconds(self) -> int:
        seconds = self._elapsed
        if self._running_since is not None:
            seconds += int((self.clock() - self._running_since).total_seconds())
        return min(max(seconds, 0), MAX_DURATION)

    def _show_duration(self) -> None:
        if not self._duration_edited:
            self.duration.setText(format_duration(self.running_seconds()))

    def _duration_typed(self, text: str) -> None:
        # Cleared: the timer fills it again.
        self._duration_edited = bool(text.strip())
        self._edited()

    def duration_seconds(self) -> int:
        if self._duration_edited:
            return parse_duration(self.duration.text())
        return self.running_seconds()

    def _start_call(self) -> None:
        """A new log: the call began now."""
        now = self.clock()
        self._call_at = now
        self._elapsed = 0
        self._running_since = now
        self._duration_edited = False
        self._show_duration()

    def _pause(self) -> None:
        if self._running_since is not None:
            self._elapsed = self.running_seconds()
            self._running_since = None

    # -- follow-up -------------------------------------------------------------------

    def _follow_up_edited(self, _text: str) -> None:
        self._show_follow_up()
        self._edited()

    def follow_up_due(self) -> datetime | None:
        """The follow-up time typed, None when there is none; ValidationError when the
        text is no time."""
        text = self.follow_up.text().strip()
        if not text:
            return None
        return follow_up_from_text(self.store, text, self.clock())

    def _show_follow_up(self) -> None:
        try:
            due = self.follow_up_due()
        except DomainError as exc:
            self._say(self.follow_up_result, exc.message(), _ERROR_STYLE)
            return
        if due is None:
            self._say(self.follow_up_result, "", "")
        else:
            self._say(
                self.follow_up_result,
                _("→ {time}").format(time=when_text(due, self.clock())),
                _OK_STYLE,
            )

    # -- new contact -----------------------------------------------------------------

    def open_new_contact(self) -> None:
        """Ctrl+N: the typed number (or name) becomes a contact, here in the panel."""
        self._flush_recognition()
        text = self.who.text().strip()
        number = ""
        name = ""
        if self.recognition is not None and self.recognition.number is not None:
            number = self.recognition.number.raw
        elif text and looks_like_number(text):
            number = text  # the form says why it is no number when Create is pressed
        elif text and not text.isascii():
            name = text  # a Chinese name typed whole; pinyin or initials are not names
        choices = organisation_choices(self.store)
        self.org_ids = {name: ident for ident, name in choices}
        self.new_org.clear()
        self.new_org.addItem("")
        self.new_org.addItems([n for _ident, n in choices])
        self.new_org.setCurrentIndex(0)
        self.new_name.setText(name)
        self.new_role.clear()
        self.new_number.setText(number)
        self._say(self.new_message, "", "")
        self.candidates.hide()
        self.new_form.show()
        self.new_contact_button.setEnabled(False)
        self.new_name.setFocus()

    def new_contact_open(self) -> bool:
        return not self.new_form.isHidden()

    def close_new_contact(self) -> None:
        self.new_form.hide()
        self.candidates.show()
        self.new_contact_button.setEnabled(True)
        self.who.setFocus()

    def create_contact(self) -> None:
        if not self.new_name.text().strip():
            self._say(
                self.new_message,
                _("{field} is required.").format(field=_("Full name")),
                _ERROR_STYLE,
            )
            self.new_name.setFocus()
            return
        # A refusal here (a mistyped number, a name too long) is said in the form, beside
        # the field, instead of a message box over a running call.
        outcome = self.hub.attempt(
            contacts.create_at_organisation,
            self.new_name.text(),
            organisation=self.new_org.currentText(),
            organisation_kind=NEW_ORGANISATION_KIND,
            role=self.new_role.text(),
            number=self.new_number.text(),
        )
        if isinstance(outcome, DomainError):
            self._say(self.new_message, outcome.message(), _ERROR_STYLE)
            return
        record = outcome.value
        self.close_new_contact()
        # The list again, now with the new contact in it, and them taken as the caller.
        self.recognise_now()
        row = self.candidates_model.row_of(record.id)
        self._set_row(row)
        self.accepted_id = record.id
        self.update_card()
        self._show_who_state()
        self._edited()
        self.notes.setFocus()

    # -- chat ------------------------------------------------------------------------

    def case_choices(self) -> list[tuple[int | None, str]]:
        return [
            (int(self.case.itemData(i)) or None, self.case.itemText(i))
            for i in range(self.case.count())
        ]

    def paste_chat(self) -> None:
        """Ctrl+Shift+V: a copied conversation, for the caller shown and the case chosen."""
        self._flush_recognition()
        contact_id = self.shown_contact_id()
        if self.card is not None:
            person = self.card.contact
            who = " · ".join(p for p in (person.name, person.organisation_name) if p)
        else:
            who = _("No contact: the messages are logged without one.")
        dialog = ChatPasteDialog(
            self.store,
            self.hub,
            self.clock,
            contact_id=contact_id,
            contact_text=who,
            cases=self.case_choices(),
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
        self._flush_recognition()
        if self.new_contact_open():
            self.create_contact()
            return False
        problem, focus = self._problem()
        if problem:
            self._say(self.status, problem, _ERROR_STYLE)
            if focus is not None:
                focus.setFocus()
            return False
        contact_id = self.shown_contact_id()
        number = "" if contact_id is not None else self.unknown_number()
        due = self.follow_up_due()
        outcome = self.hub.call(
            self,
            communications.log,
            at=self._call_at,
            channel=self.channel_value(),
            direction=self.direction(),
            contact_id=contact_id,
            raw_number=number,
            case_id=self.case_id(),
            duration_seconds=self.duration_seconds(),
            notes=self.notes.toPlainText().strip(),
            follow_up_due=due,
        )
        if outcome is None:
            return False  # refused and said why; the draft stays
        who = self.card.contact.name if self.card is not None else number or _("no caller")
        case = self.case.currentText() if self.case_id() is not None else _("Unfiled")
        summary = _("Logged: {who} → {case}").format(who=who, case=case)
        self.reset()
        self.hide()
        self.logged.emit(outcome.value.id, summary)
        return True

    def _problem(self) -> tuple[str, QWidget | None]:
        """What keeps the log from being saved, in words, and the field to fix."""
        if self.who_problem:
            return self.who_problem, self.who
        typed = self.who.text().strip()
        if typed and self.shown_contact_id() is None and not self.unknown_number():
            return (
                _(
                    "Nobody is chosen for “{text}”: choose a caller, or clear the line to log "
                    "without one."
                ).format(text=typed),
                self.who,
            )
        if not typed and not self.notes.toPlainText().strip():
            return _("Nothing to log yet: type who called, or a note."), self.who
        if not self.case_text_matches():
            return self._case_problem_text(), self.case
        try:
            self.follow_up_due()
        except DomainError as exc:
            return exc.message(), self.follow_up
        try:
            self.duration_seconds()
        except DomainError as exc:
            return exc.message(), self.duration
        return "", None

    def discard(self) -> None:
        """Throw the log away, here and in QSettings, and start afresh."""
        self.reset()
        self.who.setFocus()

    def reset(self) -> None:
        self._loading = True
        try:
            self.draft_timer.stop()
            self.card_timer.stop()
            self.who.clear()
            self.notes.clear()
            self.follow_up.clear()
            self.accepted_id = None
            self.recognition = None
            self.who_problem = ""
            self.candidates_model.set_candidates(())
            self._case_chosen = False
            self._channel_chosen = False
            self.direction_button.setChecked(False)
            self.new_form.hide()
            self.candidates.show()
            self.new_contact_button.setEnabled(True)
        finally:
            self._loading = False
        self._direction_toggled(False)
        self._say(self.status, "", "")
        self.update_card()
        self._fill_cases()
        self._apply_defaults()
        self._show_who_state()
        self._show_follow_up()
        self._start_call()
        if self.isVisible():
            self.tick.start()
        else:
            self._pause()
        self.forget_draft()

    # -- the draft -------------------------------------------------------------------

    def draft(self) -> Draft:
        return Draft(
            who=self.who.text(),
            contact_id=self.accepted_id,
            case_id=self.case_id() if self.case_text_matches() else None,
            case_chosen=self._case_chosen,
            channel=self.channel_value().value,
            channel_chosen=self._channel_chosen,
            direction=self.direction().value,
            at=self._call_at.isoformat(timespec="seconds"),
            elapsed=self.running_seconds(),
            duration=self.duration.text() if self._duration_edited else None,
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
        if self.settings is None:
            return
        draft = self.draft()
        if draft.has_input:
            self.settings.setValue(DRAFT_KEY, draft.to_json())
        else:
            self.settings.remove(DRAFT_KEY)
        self.settings.sync()

    def forget_draft(self) -> None:
        self.draft_timer.stop()
        if self.settings is not None:
            self.settings.remove(DRAFT_KEY)
            self.settings.sync()

    def _restore(self, draft: Draft) -> None:
        """Put a kept draft back, as it was when the panel was hidden."""
        self._loading = True
        try:
            self.who.setText(draft.who)
            self.notes.setPlainText(draft.notes)
            self.follow_up.setText(draft.follow_up)
            self.direction_button.setChecked(draft.direction == Direction.OUTBOUND.value)
        finally:
            self._loading = False
        self.recognise_now()
        if draft.contact_id is not None:
            # The caller taken then, even if the list no longer shows them (update_card
            # lets go of one deleted since).
            self._set_row(self.candidates_model.row_of(draft.contact_id))
            self.accepted_id = draft.contact_id
        self._loading = True
        try:
            self.update_card()
            self._fill_cases()
        finally:
            self._loading = False
        self._apply_defaults()
        self._case_chosen = draft.case_chosen
        self._channel_chosen = draft.channel_chosen
        self.select_case(draft.case_id)
        self.channel.setCurrentIndex(max(self.channel.findData(draft.channel), 0))
        try:
            self._call_at = datetime.fromisoformat(draft.at) if draft.at else self.clock()
        except ValueError:
            self._call_at = self.clock()
        self._elapsed = min(draft.elapsed, MAX_DURATION)
        self._running_since = None
        self._duration_edited = draft.duration is not None
        if draft.duration is not None:
            self.duration.setText(draft.duration)
        else:
            self._show_duration()
        self._show_who_state()
        self._show_follow_up()
        self._direction_toggled(self.direction_button.isChecked())
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
            self.focus_who()

    def _focus_notes(self) -> None:
        """The notes, the cursor at their end: a restored draft goes on where it stopped."""
        self.notes.setFocus()
        self.notes.moveCursor(QTextCursor.MoveOperation.End)

    def focus_who(self) -> None:
        self.who.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.who.selectAll()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if event.spontaneous():
            return
        if self.has_input():
            if self._running_since is None:
                self._running_since = self.clock()  # the timer goes on from where it was
        else:
            self._start_call()
        self._open_cases = None
        self._fill_cases(keep=True)
        self.update_card()
        if not self.has_input():
            self._apply_defaults()  # the current case may have changed while hidden
        self._show_duration()
        self.tick.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        if event.spontaneous():
            return
        self.tick.stop()
        self._pause()
        self.store_draft()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.store_draft()
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Escape and self.new_contact_open():
            self.close_new_contact()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # never a default button: the fields say what Enter means
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed in self._panel_keys:
                event.ignore()
                return True  # not the field's: the panel's action gets the key
            return False
        if kind != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if watched is self.who:
            if key == Qt.Key.Key_Down:
                self._move(1)
                return True
            if key == Qt.Key.Key_Up:
                self._move(-1)
                return True
            if enter and plain:
                self.accept_caller()
                return True
        elif watched is self.case and enter:
            self._case_entered()
            return True
        elif watched is self.notes and enter:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.notes.insertPlainText("\n")
            else:
                self.save()
            return True
        return False

    # -- changes elsewhere -----------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.CASE, ChangeKind.SETTING):
            self._open_cases = None
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
            self.card_timer.start()

    def _link_clicked(self, url: QUrl) -> None:
        kind, _sep, ident = url.toString().partition(":")
        if kind == "case" and ident.isdigit():
            self.hub.request_open(ChangeKind.CASE, int(ident))


def open_quick_log(window: MainWindow) -> QuickLogPanel:
    """Show the window's quick-log panel (made the first time), ready to type.

    The same panel every time: a half-typed log is still in it. A saved log says so in
    the window's status bar.
    """
    panel = window.findChild(QuickLogPanel, "quickLogPanel")
    if panel is None:
        panel = QuickLogPanel(
            window.store, window.hub, window.clock, window, settings=window.settings
        )
        status = window.statusBar()
        panel.logged.connect(lambda _ident, text: status.showMessage(text, 8000))
    panel.open_panel()
    return panel


__all__ = [
    "DRAFT_KEY",
    "CandidatesModel",
    "Draft",
    "QuickLogPanel",
    "card_html",
    "format_duration",
    "open_quick_log",
    "parse_duration",
    "when_text",
]
