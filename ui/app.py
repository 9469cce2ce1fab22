"""QApplication bootstrap: fonts, language (ours and Qt's own dialogs), the store, the window.

The window's frame is shown and painted first; only then is the database layer imported
and the store opened (about half a second on a laptop), so the officer sees the app at
once and the lists fill a moment later.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from coordinator import __version__
from coordinator.errors import DomainError
from coordinator.i18n import _, normalise_language, set_language
from coordinator.paths import RESOURCES_DIR, resolve_data_dir
from ui.main_window import MainWindow
from ui.platform_check import missing_platform_library
from ui.printing.fonts import apply_app_font
from ui.single_instance import SingleInstance

if TYPE_CHECKING:
    from coordinator.store.storage import Store

LANGUAGE_KEY = "ui/language"
DESKTOP_FILE_NAME = "liaison-hub"


class Application:
    """Owns the QApplication-wide pieces whose lifetime is the app's: translators, window."""

    def __init__(
        self,
        app: QApplication,
        store: Store | None,
        settings: QSettings,
        instance: SingleInstance,
        language: str,
    ) -> None:
        """``store`` None: the window's frame only, until :meth:`open_store`."""
        self.app = app
        self.settings = settings
        self.instance = instance
        self.qt_translator = QTranslator()
        self.apply_language(language)  # before the window: its texts are made once
        self.window = MainWindow(store, settings)
        if store is not None:
            self.store = store
        self.window.language_requested.connect(self.switch_language)

    def open_store(self, data_dir: Path) -> bool:
        """Open the data and fill the window; False (the user was told) if it cannot be."""
        from coordinator.safety.opening import open_store
        from coordinator.services import templates
        from ui.dialogs.recovery import prepare_with_progress
        from ui.dialogs.safety_actions import check_before_open
        from ui.dialogs.workplace import ask_name_at_first_start

        ask_name_at_first_start(data_dir, self.window)
        # A damaged database is said so, kept aside untouched, and a backup offered.
        if not check_before_open(data_dir, self.window):
            return False
        if not prepare_with_progress(data_dir, self.window):
            return False
        try:
            store = open_store(data_dir)
            templates.install_builtin(store)
        except DomainError as exc:
            QMessageBox.critical(self.window, _("Liaison Hub"), exc.message())
            return False
        self.store = store
        self.window.attach(store)
        self.window.store_replaced.connect(self._store_replaced)
        return True

    def _store_replaced(self, store: Store) -> None:
        self.store = store

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
        store = getattr(self, "store", None)
        if store is not None:
            from ui.dialogs.safety_actions import backup_on_quit

            self.window.safety.shut_down()  # waits for a periodic backup still running
            self.window.hub.drop_foresight()  # waits for a build still reading
            backup_on_quit(None, store)  # skipped when nothing changed
            store.close()
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


def start_app(
    args: argparse.Namespace, first_paint: Callable[[QWidget], None] | None = None
) -> Application | int:
    """Everything up to a shown window; an exit status instead when there is nothing to show
    (another instance has the folder, or the data cannot be opened — the user was told)."""
    # Everything the app writes is the officer's alone: companies' papers, phone numbers.
    # (The store sets 0700/0600 on its own files; this covers ui.ini, backups, exports.)
    os.umask(0o077)
    if QApplication.instance() is None:
        missing = missing_platform_library()
        if missing is not None:  # Qt would abort with a message naming no package
            print(missing, file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Liaison Hub")
    app.setApplicationVersion(__version__)
    # Wayland's app id and the name desktops match to liaison-hub.desktop (its icon, its name).
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    if sys.platform == "win32":
        # The taskbar groups the window under the app's own icon and name, not Python's.
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("LiaisonHub.LiaisonHub")
    app.setWindowIcon(QIcon(str(RESOURCES_DIR / "icons" / "app.svg")))
    apply_app_font(app)
    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        QMessageBox.critical(None, _("Liaison Hub"), exc.strerror or str(exc))
        return 1
    instance = SingleInstance(data_dir)
    if not instance.acquire(listen=False):
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
    settings = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)
    application = Application(app, None, settings, instance, initial_language(args, settings))
    instance.activated.connect(application.bring_to_front)
    application.window.show()
    wait_painted(application.window)
    if first_paint is not None:
        first_paint(application.window)
    instance.listen()  # from now on a second launch brings this window to the front
    if not application.open_store(data_dir):
        application.window.close()
        instance.release()
        return 1
    return application


def wait_painted(window: QWidget) -> None:
    """Until the window is on screen with its first frame drawn."""
    app = QApplication.instance()
    handle = window.windowHandle()
    while app is not None and (handle is None or not handle.isExposed()):
        app.processEvents()
        handle = window.windowHandle()
    window.repaint()


def catch_lost_server(window: MainWindow) -> None:
    """A screen reading the database while the server is gone (a list refreshing, a
    caller being recognised) does not crash or pop up a trace: the status bar says the
    connection is lost, and everything is read again once it is back."""
    from coordinator.store.storage import ServerUnavailableError

    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, trace: Any) -> None:
        if isinstance(value, ServerUnavailableError) and window.attached:
            window.connection.watch.noticed_down()
            return
        previous(kind, value, trace)

    sys.excepthook = hook


def run_app(args: argparse.Namespace) -> int:
    started = start_app(args)
    if isinstance(started, int):
        return started
    catch_lost_server(started.window)
    quit_after = getattr(args, "quit_after", None)
    if quit_after is not None:
        # Trying an install: the real event loop runs, then the app quits the usual way.
        QTimer.singleShot(max(0, round(quit_after * 1000)), started.app.quit)
    try:
        return started.app.exec()
    finally:
        started.shut_down()
