"""QApplication bootstrap: fonts, language (ours and Qt's own dialogs), the store, the window."""

from __future__ import annotations

import argparse
import os
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from coordinator.errors import DomainError
from coordinator.i18n import _, normalise_language, set_language
from coordinator.paths import RESOURCES_DIR, resolve_data_dir
from coordinator.services import templates
from coordinator.storage import Store
from ui.fonts import apply_app_font
from ui.main_window import MainWindow
from ui.single_instance import SingleInstance

LANGUAGE_KEY = "ui/language"


class Application:
    """Owns the QApplication-wide pieces whose lifetime is the app's: translators, window."""

    def __init__(
        self,
        app: QApplication,
        store: Store,
        settings: QSettings,
        instance: SingleInstance,
        language: str,
    ) -> None:
        self.app = app
        self.store = store
        self.settings = settings
        self.instance = instance
        self.qt_translator = QTranslator()
        self.apply_language(language)  # before the window: its texts are made once
        self.window = MainWindow(store, settings)
        self.window.language_requested.connect(self.switch_language)

    def apply_language(self, language: str) -> str:
        chosen = set_language(language)
        self.app.removeTranslator(self.qt_translator)
        if chosen == "zh_CN":
            path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if self.qt_translator.load("qtbase_zh_CN", path):
                self.app.installTranslator(self.qt_translator)
        return chosen

    def shut_down(self) -> None:
        """After the window closed: let go of the database and of the data folder."""
        self.window.close()
        self.store.close()
        self.instance.release()

    def bring_to_front(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def switch_language(self, language: str) -> None:
        chosen = self.apply_language(language)
        self.settings.setValue(LANGUAGE_KEY, chosen)
        self.window.retranslate()


def initial_language(args: argparse.Namespace, settings: QSettings) -> str:
    if getattr(args, "lang", None):
        return str(args.lang)
    saved = settings.value(LANGUAGE_KEY)
    if isinstance(saved, str) and saved:
        return saved
    env = os.environ.get("LIAISON_HUB_LANG")
    return normalise_language(env or QLocale.system().name())


def start_app(args: argparse.Namespace) -> Application | int:
    """Everything up to a shown window; an exit status instead when there is nothing to show
    (another instance has the folder, or the data cannot be opened — the user was told)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Liaison Hub")
    app.setWindowIcon(QIcon(str(RESOURCES_DIR / "icons" / "app.svg")))
    apply_app_font(app)
    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        QMessageBox.critical(None, _("Liaison Hub"), exc.strerror or str(exc))
        return 1
    instance = SingleInstance(data_dir)
    if not instance.acquire():
        if instance.notify_running():
            return 0  # the running app came to the front; this launch has nothing to do
        QMessageBox.critical(
            None,
            _("Liaison Hub"),
            _(
                "Liaison Hub is already open on this data folder ({path}), in a window that "
                "does not answer. Close it, then start again."
            ).format(path=data_dir),
        )
        return 1
    try:
        store = Store(data_dir)
        templates.install_builtin(store)
    except DomainError as exc:
        instance.release()
        QMessageBox.critical(None, _("Liaison Hub"), exc.message())
        return 1
    settings = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)
    application = Application(app, store, settings, instance, initial_language(args, settings))
    instance.activated.connect(application.bring_to_front)
    application.window.show()
    return application


def run_app(args: argparse.Namespace) -> int:
    started = start_app(args)
    if isinstance(started, int):
        return started
    try:
        return started.app.exec()
    finally:
        started.shut_down()
