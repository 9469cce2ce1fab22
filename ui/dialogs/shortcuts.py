"""Help → Keyboard shortcuts (F1, Ctrl+/): every key the app answers to, grouped.

The list is read from the window's own actions when it opens, never written by hand: an
action given a key anywhere shows up here with the name its menu or toolbar gives it, in
the language of the moment, under the screen it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coordinator.i18n import _

__all__ = ["Shortcut", "ShortcutsDialog", "action_name", "shortcuts_of"]


@dataclass(frozen=True)
class Shortcut:
    group: str
    what: str
    keys: str


def action_name(action: QAction) -> str:
    """What an action does, as its menu says it (without the mnemonic's "&")."""
    text = action.text() or action.toolTip() or action.iconText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def keys_text(keys: Sequence[QKeySequence]) -> str:
    return " / ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


def _group_of(action: QAction, groups: Sequence[tuple[str, QObject]], default: str) -> str:
    holder: QObject | None = action.parent()
    while holder is not None:
        for title, owner in groups:
            if holder is owner:
                return title
        holder = holder.parent()
    return default


def shortcuts_of(
    root: QObject, groups: Sequence[tuple[str, QObject]], default: str
) -> list[Shortcut]:
    """Every action under ``root`` that has a key: in the group of the first of
    ``groups`` that holds it (else ``default``), the groups in their order, each action
    once however many widgets it was added to."""
    order = {title: n for n, (title, _owner) in enumerate(groups)}
    found: dict[tuple[str, str, str], Shortcut] = {}
    for action in root.findChildren(QAction):
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        group = _group_of(action, groups, default)
        entry = Shortcut(group, action_name(action), keys_text(keys))
        found.setdefault((entry.group, entry.what, entry.keys), entry)
    return sorted(found.values(), key=lambda s: (order.get(s.group, -1), s.keys, s.what))


class ShortcutsDialog(QDialog):
    def __init__(self, shortcuts: Sequence[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        self.resize(560, 620)
        self.shortcuts = list(shortcuts)
        layout = QVBoxLayout(self)
        hint = QLabel(
            _("Keys of a screen work while it is shown; the others work everywhere."), self
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([_("Keys"), _("What they do")])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        heading: QTreeWidgetItem | None = None
        for shortcut in self.shortcuts:
            if heading is None or heading.text(0) != shortcut.group:
                heading = QTreeWidgetItem(self.tree, [shortcut.group])
                heading.setFirstColumnSpanned(True)
                font = heading.font(0)
                font.setBold(True)
                heading.setFont(0, font)
                heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            QTreeWidgetItem(heading, [shortcut.keys, shortcut.what])
        self.tree.expandAll()
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, keys, what) of every line shown, top to bottom."""
        found = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            assert group is not None
            for n in range(group.childCount()):
                item = group.child(n)
                assert item is not None
                found.append((group.text(0), item.text(0), item.text(1)))
        return found
