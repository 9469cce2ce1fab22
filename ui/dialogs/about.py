"""Help → About: the version, where the data lives, who works here and where the app
runs from.

What the office's IT asks for when something is wrong, with buttons that open or copy
the data folder's path and one that copies it all.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coordinator import __version__
from coordinator.i18n import _
from coordinator.paths import DATABASE_NAME, RESOURCES_DIR, bundle_dir, is_frozen


def _size_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return _("not created yet")
    return _("{size:.1f} MB").format(size=size / 1_000_000)


def _database_text(data_dir: Path, server: str | None) -> str:
    if server is not None:
        return _("office server {where}").format(where=server)
    path = data_dir / DATABASE_NAME
    return _("{path} ({size})").format(path=path, size=_size_text(path))


def facts(
    data_dir: Path, *, officer: str | None = None, server: str | None = None
) -> list[tuple[str, str]]:
    """The label and value of each line the box shows (and copies); ``server`` is the
    office server's address when the database is one (None: the file in the folder)."""
    runs_from = (
        _("the app's folder {path}").format(path=Path(sys.executable).parent)
        if is_frozen()
        else _("Python {version} at {path}").format(
            version=platform.python_version(), path=bundle_dir()
        )
    )
    return [
        (_("Version"), __version__),
        (_("Data folder"), str(data_dir)),
        (_("Database"), _database_text(data_dir, server)),
        (_("Officer"), officer or _("not named yet")),
        (_("Runs from"), runs_from),
        (_("Qt"), f"{qVersion()} (PySide6 {pyside_version})"),
        (_("System"), f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]


class AboutDialog(QDialog):
    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        officer: str | None = None,
        server: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle(_("About Liaison Hub"))
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(QIcon(str(RESOURCES_DIR / "icons" / "app.svg")).pixmap(64, 64))
        header.addWidget(icon)
        title = QLabel(
            "<b style='font-size:16pt'>{name}</b><br>{tagline}".format(
                name=_("Liaison Hub"),
                tagline=_("Calls, documents and department actions of every case, offline."),
            ),
            self,
        )
        title.setWordWrap(True)
        header.addWidget(title, 1)
        layout.addLayout(header)
        form = QFormLayout()
        self.lines = facts(data_dir, officer=officer, server=server)
        self.value_labels: dict[str, QLabel] = {}
        for label, value in self.lines:
            shown = QLabel(value, self)
            shown.setTextFormat(Qt.TextFormat.PlainText)  # a path is never markup
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, shown)
            self.value_labels[label] = shown
        layout.addLayout(form)
        licence = QLabel(
            _(
                "Free software under the MIT licence. Its Chinese font is a subset of "
                "Noto Sans CJK SC, under the SIL Open Font License 1.1."
            ),
            self,
        )
        licence.setWordWrap(True)
        layout.addWidget(licence)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_folder_button = QPushButton(_("Open data folder"), self)
        self.copy_path_button = QPushButton(_("Copy its path"), self)
        self.copy_button = QPushButton(_("Copy details"), self)
        buttons.addButton(self.open_folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_path_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.copy_path_button.clicked.connect(self.copy_path)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def details_text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(
            f"{_('Liaison Hub')} {__version__}\n{self.details_text()}"
        )

    def copy_path(self) -> None:
        QGuiApplication.clipboard().setText(str(self.data_dir))

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_dir)))
