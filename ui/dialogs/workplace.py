"""Who works on this laptop, and on which database: the first start asks the name; Data ▸
Name and office server… changes either later.

The name signs every change the officer makes (and shows in the title bar). The
database is this laptop's own file, or the office's PostgreSQL server shared with the
other officers: an address is tried before it is kept, and the app moves to it at once
(an empty database is given its tables; nothing of the laptop's file is copied there —
an archive does that, Data ▸ Archive).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.i18n import _
from coordinator.store import local_settings
from coordinator.store.local_settings import LocalSettings, configured_officer


def login_full_name() -> str:
    """The name the operating system knows for this user: a sensible first guess."""
    if os.name == "posix":
        import pwd

        try:
            full = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
        except (KeyError, OSError):
            full = ""
        if full:
            return full
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@dataclass(frozen=True)
class Chosen:
    officer: str
    database_url: str  # "" for this laptop's own file


class WorkplaceDialog(QDialog):
    """The officer's name and, unless ``name_only``, the database."""

    def __init__(
        self, data_dir: Path, parent: QWidget | None = None, *, name_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.name_only = name_only
        current = local_settings.read_local_settings(data_dir)
        self.chosen: Chosen | None = None
        self.setWindowTitle(_("Your name and your database"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setText(
            _(
                "Every change you make is signed with your name, so that colleagues on the "
                "office server see who did what."
            )
        )
        layout.addWidget(intro)
        form = QFormLayout()
        self.officer = QLineEdit(configured_officer(data_dir) or login_full_name(), self)
        self.officer.setObjectName("officer")
        self.officer.setMaxLength(local_settings.OFFICER_MAX)
        form.addRow(_("Your &name:"), self.officer)
        layout.addLayout(form)
        self.own_file = QRadioButton(_("This laptop's own file (works offline)"), self)
        self.server = QRadioButton(_("The office server, shared with colleagues:"), self)
        group = QButtonGroup(self)
        group.addButton(self.own_file)
        group.addButton(self.server)
        self.url = QLineEdit(current.database_url, self)
        self.url.setObjectName("database_url")
        self.url.setPlaceholderText("postgresql://user:password@server:5432/liaison")
        self.try_button = QPushButton(_("&Try the connection"), self)
        self.try_button.clicked.connect(self.try_connection)
        self.said = QLabel(self)
        self.said.setObjectName("result")
        self.said.setWordWrap(True)
        self.database_box = QWidget(self)
        box = QVBoxLayout(self.database_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel(_("Database:"), self.database_box))
        box.addWidget(self.own_file)
        box.addWidget(self.server)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(self.try_button)
        box.addLayout(row)
        box.addWidget(self.said)
        layout.addWidget(self.database_box)
        (self.server if current.database_url else self.own_file).setChecked(True)
        self.server.toggled.connect(self._enable)
        self.url.textEdited.connect(lambda _text: self.said.clear())
        self._enable()
        self.database_box.setVisible(not name_only)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.officer.setFocus()
        self.officer.selectAll()

    def _enable(self) -> None:
        on = self.server.isChecked()
        self.url.setEnabled(on)
        self.try_button.setEnabled(on)

    def try_connection(self) -> bool:
        """Try the address typed; say what was found. True when it can be worked on."""
        from coordinator.store.server_check import describe, try_connection, usable

        self.said.setText(_("Trying…"))
        self.said.repaint()
        facts = try_connection(self.url.text().strip())
        good = usable(facts)
        self.said.setStyleSheet("" if good else "color: #b00020;")
        self.said.setText(describe(facts))
        return good

    def accept(self) -> None:
        name = " ".join(self.officer.text().split())
        if not name:
            self.said.setStyleSheet("color: #b00020;")
            self.said.setText(_("Type your name: every change you make is signed with it."))
            self.officer.setFocus()
            return
        url = ""
        if self.name_only:
            url = local_settings.read_local_settings(self.data_dir).database_url
        elif self.server.isChecked():
            url = self.url.text().strip()
            if not self.try_connection():
                self.url.setFocus()
                return
            url = local_settings.normalised_url(url)
        try:
            local_settings.write_local_settings(self.data_dir, LocalSettings(name, url))
        except DomainError as exc:
            self.said.setStyleSheet("color: #b00020;")
            self.said.setText(exc.message())
            return
        self.chosen = Chosen(name, url)
        super().accept()


def ask_name_at_first_start(data_dir: Path, parent: QWidget | None = None) -> None:
    """Before the data opens for the first time on this laptop: who is working here.

    Cancel keeps the guessed name for this session only (asked again next time).
    """
    if configured_officer(data_dir):
        return
    dialog = WorkplaceDialog(data_dir, parent, name_only=True)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        guess = " ".join(dialog.officer.text().split()) or login_full_name()
        os.environ[local_settings.OFFICER_ENV] = guess
