"""The Contacts view: the Contacts and Organisations tabs, each a list beside a form.

The lists hold ids only, so twenty thousand people open and scroll like twenty; the forms
keep unsaved edits as drafts per record (:mod:`ui.views.contacts.record_page`).

Every change goes through :meth:`ui.hub.Hub.call`; the view hears every change set on
``hub.changed`` (its own included) and re-reads only the rows it names, reloading a list
only when its length changed (a record added or deleted, or moved in or out of the filter).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from coordinator.i18n import _
from coordinator.store import changes as ch
from coordinator.store.changes import ChangeKind
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.contacts.contacts_page import ContactsPage
from ui.views.contacts.organisations_page import OrganisationsPage


class ContactsView(QWidget):
    """The Contacts and Organisations tabs; listens to ``hub.changed`` itself."""

    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.tabs = QTabWidget(self)
        self.contacts = ContactsPage(store, hub, self.tabs)
        self.organisations = OrganisationsPage(store, hub, self.tabs)
        self.tabs.addTab(self.contacts, "")
        self.tabs.addTab(self.organisations, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self.organisations.contact_chosen.connect(lambda i: self.select("contact", i))
        hub.changed.connect(self._changed)
        self.retranslate()

    # -- Ctrl+N and Ctrl+S -------------------------------------------------------------
    # While the focus is in here they mean "new contact/organisation" and "save it", even
    # though the main window gives Ctrl+N to its own action: the same key bound twice as a
    # shortcut is ambiguous and does nothing. Claiming the keys at ShortcutOverride turns
    # them into ordinary key presses, which come up from the focused field to keyPressEvent.

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._command(event) is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        command = self._command(event)
        if command is None:
            super().keyPressEvent(event)
            return
        event.accept()
        command()

    def _command(self, event: QKeyEvent) -> Callable[[], None] | None:
        page = self.current_page()
        if event.matches(QKeySequence.StandardKey.New):
            return page.new_record
        if event.matches(QKeySequence.StandardKey.Save):
            return page.save
        return None

    def current_page(self) -> ContactsPage | OrganisationsPage:
        page = self.tabs.currentWidget()
        assert isinstance(page, ContactsPage | OrganisationsPage)
        return page

    def select(self, what: str, ident: int) -> None:
        """Show the contact or organisation ``ident`` in its tab, selected in the list."""
        if what == "contact":
            page: ContactsPage | OrganisationsPage = self.contacts
        elif what == "organisation":
            page = self.organisations
        else:
            raise ValueError(f"a contacts view shows contacts and organisations, not {what!r}")
        self.tabs.setCurrentWidget(page)
        page.open_record(ident)

    def _changed(self, changes: ch.ChangeSet) -> None:
        if changes.touches(
            ChangeKind.CONTACT,
            ChangeKind.ORGANISATION,
            ChangeKind.COMMUNICATION,
            ChangeKind.CASE,
            ChangeKind.ACTION,
        ):
            self.contacts.apply_changes(changes)
            self.organisations.apply_changes(changes)

    def refresh(self) -> None:
        """Read everything again (drafts and the records shown are kept)."""
        self.contacts.refresh()
        self.organisations.refresh()

    def retranslate(self) -> None:
        self.tabs.setTabText(0, _("Contacts"))
        self.tabs.setTabText(1, _("Organisations"))
        self.contacts.retranslate()
        self.organisations.retranslate()
