"""Ctrl+E in the main window: which list on the page shown is exported, then the export."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMainWindow,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from coordinator.i18n import _


def export_target(page: QWidget | None, title: str) -> tuple[QAbstractItemView, str] | None:
    """The list Ctrl+E exports from ``page``, and its title: the one with the keyboard
    focus, else the page's largest list; None on a page without one."""
    if page is None:
        return None
    lists = [
        v
        for v in page.findChildren(QAbstractItemView)
        if isinstance(v, QTableView | QTreeView) and v.isVisible() and v.model() is not None
    ]
    if not lists:
        return None
    focus = QApplication.focusWidget()
    chosen = next(
        (v for v in lists if focus is not None and (v is focus or v.isAncestorOf(focus))),
        None,
    ) or max(lists, key=lambda v: v.width() * v.height())
    for tabs in page.findChildren(QTabWidget):
        shown = tabs.currentWidget()
        if shown is not None and (shown is chosen or shown.isAncestorOf(chosen)):
            title = tabs.tabText(tabs.currentIndex()).replace("&", "")
    return chosen, title


def export_list(window: QMainWindow, page: QWidget | None, title: str) -> None:
    """The list on screen, as it is filtered and sorted, to Excel or CSV; the status bar
    says where it went (or that this screen has no list)."""
    target = export_target(page, title)
    if target is None:
        window.statusBar().showMessage(_("There is no list on this screen to export."), 5000)
        return
    from ui.widgets.list_export import export_view

    exported = export_view(*target, window)
    if exported is not None:
        window.statusBar().showMessage(
            _("{rows} rows written to {path}.").format(rows=exported.rows, path=exported.path),
            8000,
        )
