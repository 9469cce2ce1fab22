"""A conversation copied from WeChat / DingTalk / QQ, pasted, previewed, then logged.

The dialog opens with the clipboard already in its text box (the officer has just
copied the chat) and the caller and case of the quick-log panel. The preview is
:func:`coordinator.exchange.chat_paste.parse_chat` run on what is there, so the officer sees each
message as it will be stored — sender, time, direction — or the parser's reason before
anything is written. Import is :func:`coordinator.exchange.chat_paste.import_chat` through the hub:
one unit of work, and messages already stored are counted, not added again, so pasting
an overlapping piece of the same chat is harmless.

The officer's own names (their WeChat nickname, their DingTalk name) make messages
outgoing; they are remembered in QSettings, since they never change from one paste to
the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import ValidationError
from coordinator.exchange.chat_paste import ChatImportSummary, ChatMessage, import_chat, parse_chat
from coordinator.i18n import N_, _
from coordinator.kinds import Channel, Direction
from coordinator.labels import CHANNEL, DIRECTION, cap
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.widgets.rows_model import ItemsModel
from ui.widgets.tables import set_up_table

MY_NAMES_KEY = "quick_log/my_names"
CHAT_CHANNELS = (Channel.WECHAT, Channel.DINGTALK, Channel.QQ, Channel.SMS)
PREVIEW_DELAY_MS = 150
"""A 2 MB paste takes a moment to parse: wait until the typing (or pasting) stops."""
PREVIEW_TEXT = 120

_ERROR_STYLE = "color: #b3261e;"
_DONE_STYLE = "color: #1b6e20;"
_NAME_SEPARATORS = re.compile(r"[,，、;；\n]+")


def split_names(text: str) -> list[str]:
    """The officer's names as typed in one line: separated by commas (either width),
    顿号 or semicolons, since a Latin nickname may itself hold spaces."""
    return [name.strip() for name in _NAME_SEPARATORS.split(text) if name.strip()]


class ChatPreviewModel(ItemsModel[ChatMessage]):
    """The messages as they will be stored: when, who, which way, what (shortened)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__((N_("When"), N_("Sender"), N_("Direction"), N_("Message")), parent)

    def text(self, item: ChatMessage, column: int) -> str:
        if column == 0:
            return item.at.strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return item.sender
        if column == 2:
            return cap(DIRECTION[Direction.OUTBOUND if item.outbound else Direction.INBOUND])
        text = " ".join(item.text.split())
        return text if len(text) <= PREVIEW_TEXT else text[: PREVIEW_TEXT - 1] + "…"


class ChatPasteDialog(QDialog):
    """Paste a chat, see its messages, import them to one contact and case."""

    imported = Signal(object)  # the ChatImportSummary of a successful import

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        *,
        contact_id: int | None,
        contact_text: str,
        cases: Sequence[tuple[int | None, str]],
        case_id: int | None,
        channel: Channel = Channel.WECHAT,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self.settings = settings
        self.contact_id = contact_id
        self.messages: list[ChatMessage] = []
        self.problem = ""
        self.summary: ChatImportSummary | None = None
        self.empty = True

        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.contact_label = QLabel(self)
        self.contact = QLabel(contact_text, self)
        self.contact.setTextFormat(Qt.TextFormat.PlainText)
        self.contact.setWordWrap(True)
        self.case_label = QLabel(self)
        self.case = QComboBox(self)
        for ident, text in cases:
            self.case.addItem(text, 0 if ident is None else ident)
        index = self.case.findData(0 if case_id is None else case_id)
        self.case.setCurrentIndex(max(index, 0))
        self.channel_label = QLabel(self)
        self.channel = QComboBox(self)
        for value in CHAT_CHANNELS:
            self.channel.addItem("", value.value)
        self.channel.setCurrentIndex(
            max(self.channel.findData(channel.value if channel in CHAT_CHANNELS else "wechat"), 0)
        )
        self.my_names_label = QLabel(self)
        self.my_names = QLineEdit(self)
        stored = settings.value(MY_NAMES_KEY, "") if settings is not None else ""
        self.my_names.setText(stored if isinstance(stored, str) else "")
        self.preview_model = ChatPreviewModel(self)
        self.preview = QTableView(self)
        self.preview.setModel(self.preview_model)
        set_up_table(self.preview)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.import_button = QPushButton(self)
        self.close_button = QPushButton(self)
        # Enter belongs to the text box (a new line), never to a default button.
        for button in (self.import_button, self.close_button):
            button.setAutoDefault(False)
        self.import_action = QAction(self)
        self.import_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.import_action.triggered.connect(self.do_import)
        self.addAction(self.import_action)

        form = QFormLayout()
        form.addRow(self.contact_label, self.contact)
        form.addRow(self.case_label, self.case)
        row = QHBoxLayout()
        row.addWidget(self.channel, 0)
        row.addWidget(self.my_names_label)
        row.addWidget(self.my_names, 1)
        form.addRow(self.channel_label, row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 2)
        layout.addLayout(form)
        layout.addWidget(self.preview, 3)
        layout.addLayout(buttons)

        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self.update_preview)
        self.text.textChanged.connect(self._edited)
        self.my_names.textChanged.connect(self._edited)
        self.import_button.clicked.connect(self.do_import)
        self.close_button.clicked.connect(self.reject)
        self.retranslate()
        self.text.setPlainText(QGuiApplication.clipboard().text())
        self.update_preview()
        self.resize(760, 560)

    # -- text ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Paste a chat"))
        self.text.setPlaceholderText(
            _(
                "Paste the messages copied from WeChat, DingTalk or QQ here: a line with "
                "the sender and the time, then the message."
            )
        )
        self.contact_label.setText(_("Contact:"))
        self.case_label.setText(_("Case:"))
        self.channel_label.setText(_("Channel:"))
        for i, value in enumerate(CHAT_CHANNELS):
            self.channel.setItemText(i, cap(CHANNEL[value]))
        self.my_names_label.setText(_("My names in the chat:"))
        self.my_names.setPlaceholderText(_("comma-separated; “我” and “Me” always count"))
        self.import_button.setText(_("Import (Ctrl+Enter)"))
        self.close_button.setText(_("Close"))
        self.update_preview()

    # -- preview and import ----------------------------------------------------------

    def _edited(self) -> None:
        self.summary = None
        self.preview_timer.start()

    def update_preview(self) -> None:
        """Parse what is in the box now; the rows to be stored, or why there are none."""
        self.preview_timer.stop()
        self.empty = not self.text.toPlainText().strip()
        try:
            self.messages = parse_chat(
                self.text.toPlainText(),
                my_names=split_names(self.my_names.text()),
                now=self.clock(),
            )
            self.problem = ""
        except ValidationError as exc:
            self.messages = []
            # An empty box is no mistake: the hint says what to do instead.
            self.problem = "" if self.empty else exc.message()
        self.preview_model.set_items(self.messages)
        self.preview.setColumnWidth(
            0, self.fontMetrics().horizontalAdvance("2026-12-31 23:59 ") + 8
        )
        self.preview.setColumnWidth(1, self.fontMetrics().horizontalAdvance("M") * 9)
        self.preview.setColumnWidth(2, self.fontMetrics().horizontalAdvance("M") * 6)
        self._show_state()

    def _show_state(self) -> None:
        if self.summary is not None:
            self._say(
                _("{added} added, {duplicates} already there.").format(
                    added=self.summary.added, duplicates=self.summary.duplicates
                ),
                _DONE_STYLE,
            )
        elif self.problem:
            self._say(self.problem, _ERROR_STYLE)
        elif self.empty:
            self._say(_("Copy the messages in the chat app, then paste them above."), "")
        else:
            self._say(_("{n} messages to import.").format(n=len(self.messages)), "")
        self.import_button.setEnabled(bool(self.messages) and self.summary is None)

    def _say(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def case_id(self) -> int | None:
        value = self.case.currentData()
        return int(value) if value else None

    def do_import(self) -> None:
        if self.preview_timer.isActive():
            self.update_preview()
        if not self.messages or self.summary is not None:
            return
        names = split_names(self.my_names.text())
        if self.settings is not None:
            self.settings.setValue(MY_NAMES_KEY, "，".join(names))
            self.settings.sync()
        value = self.channel.currentData()
        outcome = self.hub.call(
            self,
            import_chat,
            self.text.toPlainText(),
            contact_id=self.contact_id,
            case_id=self.case_id(),
            channel=Channel(value) if value else Channel.WECHAT,
            my_names=names,
            now=self.clock(),
        )
        if outcome is None:
            return  # refused: the hub said why; the paste stays for another try
        self.summary = outcome.value
        self._show_state()
        self.close_button.setFocus()
        self.imported.emit(outcome.value)
