"""The main window's menus and their keys, built with the frame and named again in the
language of the moment. :class:`ui.main_window.MainWindow` is one of these: it does what
the entries ask (the methods below stand in for its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow

from coordinator.i18n import _, current_language

if TYPE_CHECKING:
    from ui.dialogs.shortcuts import Shortcut


class WindowMenus(QMainWindow):
    language_requested = Signal(str)

    def _build_menus(self, page_count: int, pinned_max: int) -> None:
        """File, Edit, Data, View and Help, and the keys that have no menu entry."""
        self.file_menu = self.menuBar().addMenu("")
        self.new_case_action = QAction(self)
        self.new_case_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_case_action.triggered.connect(self.new_case)
        self.file_menu.addAction(self.new_case_action)
        self.quick_log_action = QAction(self)
        self.quick_log_action.setShortcut(QKeySequence("Ctrl+L"))
        self.quick_log_action.triggered.connect(self.quick_log)
        self.file_menu.addAction(self.quick_log_action)
        self.search_action = QAction(self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.search_action.triggered.connect(lambda: self.search())
        self.file_menu.addAction(self.search_action)
        # The field at the top right: typing in it opens the panel with what was typed.
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("search_box")
        self.search_box.setMinimumWidth(260)
        self.search_box.textEdited.connect(self._search_box_typed)
        self.search_box.returnPressed.connect(lambda: self._search_box_typed(""))
        self.menuBar().setCornerWidget(self.search_box)
        self.export_list_action = QAction(self)
        self.export_list_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_list_action.triggered.connect(self.export_list)
        self.file_menu.addAction(self.export_list_action)
        self.import_contacts_action = QAction(self)
        self.import_contacts_action.triggered.connect(self.import_contacts)
        self.file_menu.addAction(self.import_contacts_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = self.menuBar().addMenu("")
        self.undo_action = QAction(self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.undo_action.triggered.connect(self.undo)
        self.edit_menu.addAction(self.undo_action)
        # Filled in attach(): its dialogs' module is not needed for the first frame.
        self.data_menu = self.menuBar().addMenu("")
        self.workplace_action = QAction(self)
        self.workplace_action.triggered.connect(self.change_workplace)
        self.calendar_action = QAction(self)
        self.calendar_action.triggered.connect(lambda: self.edit_calendar())
        self.sync_conflicts_action = QAction(self)
        self.sync_conflicts_action.setEnabled(False)  # a checkout of the office's data only
        self.sync_conflicts_action.triggered.connect(lambda: self.show_sync_conflicts())
        self.view_menu = self.menuBar().addMenu("")
        self.page_actions: list[QAction] = []
        for index in range(page_count):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Alt+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: self.show_page(i))
            self.view_menu.addAction(action)
            self.page_actions.append(action)
        self.view_menu.addSeparator()
        self.pinned_actions: list[QAction] = []
        for n in range(pinned_max):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{n + 1}"))
            action.triggered.connect(lambda _checked=False, i=n: self.open_pinned(i))
            self.addAction(action)
            self.pinned_actions.append(action)
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh_all)
        self.view_menu.addAction(self.refresh_action)
        self.language_menu = self.view_menu.addMenu("")
        self.chinese_action = QAction("中文", self, checkable=True)
        self.english_action = QAction("English", self, checkable=True)
        self.chinese_action.triggered.connect(lambda: self.language_requested.emit("zh_CN"))
        self.english_action.triggered.connect(lambda: self.language_requested.emit("en"))
        self.language_menu.addAction(self.chinese_action)
        self.language_menu.addAction(self.english_action)
        self.help_menu = self.menuBar().addMenu("")
        self.shortcuts_action = QAction(self)
        self.shortcuts_action.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction(self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)  # macOS: the app's menu
        self.about_action.triggered.connect(self.about)
        self.help_menu.addAction(self.about_action)

    def _retranslate_menus(self, page_titles: list[str]) -> None:
        """The menus' and their entries' names, again in the current language."""
        self.edit_menu.setTitle(_("&Edit"))
        self.show_undo()
        self.file_menu.setTitle(_("&File"))
        self.new_case_action.setText(_("&New case…"))
        self.quick_log_action.setText(_("&Log a call or message…"))
        self.search_action.setText(_("&Search everything…"))
        self.search_box.setPlaceholderText(_("Search (Ctrl+K)"))
        self.search_box.setAccessibleName(_("Search"))
        self.export_list_action.setText(_("&Export this list (Excel, CSV)…"))
        self.import_contacts_action.setText(_("&Import contacts (vCard, CSV)…"))
        self.quit_action.setText(_("&Quit"))
        self.view_menu.setTitle(_("&View"))
        for action, title in zip(self.page_actions, page_titles, strict=True):
            action.setText(title)
        self.refresh_action.setText(_("&Refresh"))
        self.language_menu.setTitle(_("&Language"))
        self.chinese_action.setChecked(current_language() == "zh_CN")
        self.english_action.setChecked(current_language() == "en")
        self.help_menu.setTitle(_("&Help"))
        self.shortcuts_action.setText(_("&Keyboard shortcuts"))
        self.about_action.setText(_("&About Liaison Hub"))

    # -- what the entries do: the main window's own ---------------------------------

    def new_case(self) -> None:
        raise NotImplementedError

    def quick_log(self) -> object:
        raise NotImplementedError

    def search(self, text: str | None = None) -> object:
        raise NotImplementedError

    def _search_box_typed(self, text: str) -> None:
        raise NotImplementedError

    def export_list(self) -> None:
        raise NotImplementedError

    def import_contacts(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def show_undo(self) -> None:
        raise NotImplementedError

    def change_workplace(self) -> None:
        raise NotImplementedError

    def edit_calendar(self, year: int | None = None) -> None:
        raise NotImplementedError

    def show_sync_conflicts(self) -> object:
        raise NotImplementedError

    def show_page(self, index: int) -> None:
        raise NotImplementedError

    def open_pinned(self, n: int) -> None:
        raise NotImplementedError

    def refresh_all(self) -> None:
        raise NotImplementedError

    def show_shortcuts(self) -> None:
        """F1: every key of the app, in a list to read or search."""
        from ui.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_list(), self)
        dialog.exec()
        dialog.deleteLater()

    def shortcut_list(self) -> list[Shortcut]:
        raise NotImplementedError

    def about(self) -> None:
        raise NotImplementedError
