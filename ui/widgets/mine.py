"""The "only mine" filter of a list: the cases, or the steps, the officer owns.

A check box among the list's filters, with a key (Ctrl+M, while the list's view has the
focus), remembered per list in the data folder's ``ui.ini`` (the window's own settings
file), so a list opens as it was left. The filter itself is SQL (the query's ``owner``).
The officer is known by the name set at the first start: with none set, the box does not
stay ticked and a line beside it says where to set one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from coordinator.i18n import _
from coordinator.store.storage import Store

SETTINGS_FILE = "ui.ini"
MINE_KEY = QKeySequence("Ctrl+M")
HINT_STYLE = "color: #5c4300;"


def view_settings(store: Store) -> QSettings:
    """The settings the window keeps in the data folder (geometry, drafts, filters)."""
    return QSettings(str(store.data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


class MineFilter(QObject):
    """``owner()`` is the officer's name while "only mine" is on, else None."""

    changed = Signal()

    def __init__(self, view: QWidget, store: Store, list_name: str, *, steps: bool) -> None:
        super().__init__(view)
        self.store = store
        self.steps = steps
        self.key = f"filters/{list_name}/only_mine"
        self.box = QCheckBox(view)
        # The key toggles the box: a box's own shortcut would need Alt and a mnemonic.
        self.action = QAction(view)
        self.action.setShortcut(MINE_KEY)
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.triggered.connect(self.box.toggle)
        view.addAction(self.action)
        self.hint = QLabel(view)
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.hide()
        remembered = view_settings(store).value(self.key, False)
        self.box.setChecked(bool(store.officer) and str(remembered).lower() in ("true", "1"))
        self.box.toggled.connect(self._toggled)
        self.retranslate()

    @property
    def on(self) -> bool:
        return self.box.isChecked()

    def owner(self) -> str | None:
        """Whose records the list keeps (None: everybody's)."""
        return self.store.officer if self.on and self.store.officer else None

    def set_on(self, on: bool) -> None:
        self.box.setChecked(on)

    def _toggled(self, checked: bool) -> None:
        if checked and not self.store.officer:
            self.box.blockSignals(True)
            self.box.setChecked(False)
            self.box.blockSignals(False)
            self.hint.setText(self.no_name_text())
            self.hint.show()
            return
        self.hint.hide()
        settings = view_settings(self.store)
        settings.setValue(self.key, checked)
        settings.sync()
        self.changed.emit()

    def no_name_text(self) -> str:
        return _(
            "The app does not know your name yet, so it cannot tell which are yours: "
            "set it in Data ▸ Your name and office server…"
        )

    def retranslate(self) -> None:
        key = self.action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if self.steps:
            self.box.setText(_("My steps"))
            tip = _("Only the steps you chase ({key})")
        else:
            self.box.setText(_("My cases"))
            tip = _("Only the cases you own ({key})")
        self.box.setToolTip(tip.format(key=key))
        self.action.setText(self.box.text())  # its name in the shortcut list (F1)
        if self.hint.isVisible():
            self.hint.setText(self.no_name_text())
