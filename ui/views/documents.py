"""Documents across all cases: which paper is where, with whom, and for how long.

The list starts on every document not yet accepted, the longest waiting first. Keys on
the list are those of a case's Documents tab: R received, F forwarded (asks the
department when none is set), A accepted, M accepted with items missing (asks what and
by when), X returned (asks what must be corrected), S resubmitted; Enter or a
double-click opens the document in its case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, EditConflictError
from coordinator.i18n import _, counted
from coordinator.kinds import DocumentState
from coordinator.labels import DOCUMENT_STATE, cap
from coordinator.queries import documents as dq
from coordinator.queries.documents import DocumentFilter, Holder
from coordinator.services import documents
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.records import DocumentRecord
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.across_cases import AcrossCasesList
from ui.views.department_sources import (
    DOCUMENT_KINDS,
    DOCUMENT_SORT_KEYS,
    DocumentsModel,
)
from ui.widgets import ask
from ui.widgets.conflict import attempt_edit
from ui.widgets.keys import name_state_actions, state_actions
from ui.widgets.tables import reload_keeping_selection, select_ids
from ui.widgets.undo import documents_moved

# What the state filter offers before the single states: (key, states).
STATE_GROUPS: tuple[tuple[str, tuple[DocumentState, ...] | None], ...] = (
    ("unfinished", dq.UNFINISHED_STATES),
    ("others", dq.WAITING_ON_OTHERS),
    ("mine", dq.IN_MY_HANDS),
    ("all", None),
)
HOLDER_CHOICES: tuple[Holder, ...] = (Holder.ANYONE, Holder.ME, Holder.COMPANY, Holder.DEPARTMENT)


class DocumentsView(AcrossCasesList):
    opens = ChangeKind.DOCUMENT
    model: DocumentsModel

    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        model = DocumentsModel(store, clock)
        super().__init__(store, hub, clock, model, DOCUMENT_SORT_KEYS, DOCUMENT_KINDS, parent)
        model.setParent(self)

        self.state_label = QLabel(self)
        self.state = QComboBox(self)
        for key, _states in STATE_GROUPS:
            self.state.addItem("", key)
        for state in dq.STATE_ORDER:
            self.state.addItem("", state.value)
        self.holder_label = QLabel(self)
        self.holder = QComboBox(self)
        self.holder.setMinimumContentsLength(14)
        self.holder.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        bar = self.filter_bar(self.state_label, self.state, self.holder_label, self.holder)

        # Only while the list has the focus: letters in the search box are text.
        self.state_actions = state_actions(
            self.table, self.toolbar, self.move_to, Qt.ShortcutContext.WidgetShortcut
        )
        self.add_open_action()

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.pages, 1)

        self.state.currentIndexChanged.connect(lambda _index: self._apply_filter())
        self.holder.currentIndexChanged.connect(lambda _index: self._apply_filter())
        self._fill_holders()
        self.retranslate()

    # -- filter and sort -----------------------------------------------------------------

    def _fill_holders(self) -> None:
        """Anyone, me, a company, any department, then each department by name."""
        chosen = self.holder.currentData()
        departments = dq.holders(self.store)
        self.holder.blockSignals(True)
        self.holder.clear()
        for choice in HOLDER_CHOICES:
            self.holder.addItem("", choice.value)
        self.holder.insertSeparator(len(HOLDER_CHOICES))
        for ident, name in departments:
            self.holder.addItem(name, ident)
        self._name_holder_choices()
        found = self.holder.findData(chosen) if chosen is not None else -1
        self.holder.setCurrentIndex(max(found, 0))
        self.holder.blockSignals(False)

    def _name_holder_choices(self) -> None:
        names = {
            Holder.ANYONE: _("Anyone"),
            Holder.ME: _("me"),
            Holder.COMPANY: _("The company"),
            Holder.DEPARTMENT: _("Any department"),
        }
        for i, choice in enumerate(HOLDER_CHOICES):
            self.holder.setItemText(i, names[choice])

    def current_filter(self) -> DocumentFilter:
        value = self.state.currentData()
        groups = dict(STATE_GROUPS)
        states = groups[value] if value in groups else (DocumentState(value),)
        holder_value = self.holder.currentData()
        holder = Holder.ANYONE
        holder_id = None
        if isinstance(holder_value, int):
            holder_id = holder_value
        elif holder_value is not None:
            holder = Holder(holder_value)
        return DocumentFilter(
            states=states, holder=holder, holder_id=holder_id, text=self.search.text().strip()
        )

    def _apply_filter(self) -> None:
        self.search_timer.stop()
        self.model.set_filter(self.current_filter())

    def clear_filters(self) -> None:
        """Every document not yet accepted, whoever holds it."""
        for widget in (self.state, self.holder, self.search):
            widget.blockSignals(True)
        self.state.setCurrentIndex(0)
        self.holder.setCurrentIndex(0)
        self.search.clear()
        for widget in (self.state, self.holder, self.search):
            widget.blockSignals(False)
        self._apply_filter()

    # -- showing one ---------------------------------------------------------------------

    def select(self, what: str, ident: int) -> bool:
        """Show a document (``"document"``), clearing the filters when they hide it."""
        if what != ChangeKind.DOCUMENT:
            return False
        if self.model.row_of(ident) is None:
            found = dq.rows(self.store, [ident]).get(ident)
            if found is None:
                return False
            self.clear_filters()
            if found.state not in dq.UNFINISHED_STATES:
                self.state.setCurrentIndex(self.state.findData("all"))
        return self.show_selected(ident)

    # -- changing ------------------------------------------------------------------------

    def move_to(self, state: DocumentState) -> None:
        """Move the selected documents to ``state``, asking first what the step needs.

        Documents already in that state are skipped; a document forwarded without a
        destination asks for one (each such document on its own); the first refusal is
        shown and stops the rest.
        """
        chosen = self.selected_ids()
        shown = {i: self._version_shown(i) for i in chosen}
        found = dq.rows(self.store, chosen)
        docs = [found[i] for i in chosen if i in found and found[i].state != state]
        if not docs:
            return
        label = cap(DOCUMENT_STATE[state])
        step = ask.document_step(self, self.store, state, label, self.clock())
        if step is None:
            return
        self._own_change = True
        moved: list[tuple[DocumentRecord, DocumentRecord]] = []
        try:
            for doc in docs:
                destination = None
                if state == DocumentState.FORWARDED and doc.destination_id is None:
                    destination = ask.department(self, self.store, label)
                    if destination is None:
                        return
                try:
                    before = dq.get(self.store, doc.id)
                except DomainError:  # deleted a moment ago: the service says so below
                    before = None
                done = attempt_edit(
                    self.hub,
                    self,
                    documents.transition,
                    doc.id,
                    state,
                    reason=step.reason,
                    missing_items=step.missing_items,
                    promised_completion_at=step.promised_completion_at,
                    destination_id=destination,
                    expected_version=shown.get(doc.id),
                )
                if isinstance(done, EditConflictError):
                    self.model.refresh_ids([doc.id])  # show what the colleague did
                    self.hub.show_error(self, done.message())
                    return
                if done is None:
                    return
                if before is not None:
                    moved.append((before, done.value))
        finally:
            self._own_change = False
            documents_moved(self.hub, moved)

    def _version_shown(self, document_id: int) -> int | None:
        row = self.model.row_of(document_id)
        return None if row is None else self.model.version_at(row)

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.ORGANISATION):
            # A department renamed or added: the holder list and names change everywhere.
            self._fill_holders()
            reload_keeping_selection(self.table, self.model)
            return
        if not changes.touches(ChangeKind.DOCUMENT, ChangeKind.CASE):
            return
        flt = self.model.filter
        self.follow(changes, dq.of_cases, lambda store, ids: dq.matching(store, flt, ids))

    # -- refresh and language ------------------------------------------------------------

    def refresh(self) -> None:
        """Everything again; the selected documents stay selected if still listed."""
        self._fill_holders()
        chosen = self.selected_ids()
        if not self.model.set_filter(self.current_filter()):
            self.model.reload()
        select_ids(self.table, self.model, chosen)

    def tick(self) -> None:
        """The clocks moved: working times read again, without resetting the list."""
        self.model.retranslate()

    def _list_changed(self) -> None:
        filtered = self.current_filter() != DocumentFilter()
        empty = (
            _(
                "No document matches these filters. Choose another state or holder, "
                "or clear the search."
            )
            if filtered
            else _(
                "Every document is accepted: nothing waits on anyone. A case opened "
                "from a template brings its checklist of documents here."
            )
        )
        self.show_count(counted("{n} document", "{n} documents"), empty, filtered)

    def retranslate(self) -> None:
        self.state_label.setText(_("State:"))
        group_names = {
            "unfinished": _("Not yet accepted"),
            "others": _("Waiting on others"),
            "mine": _("In my hands"),
            "all": _("All states"),
        }
        for i, (key, _states) in enumerate(STATE_GROUPS):
            self.state.setItemText(i, group_names[key])
        for i, state in enumerate(dq.STATE_ORDER, start=len(STATE_GROUPS)):
            self.state.setItemText(i, cap(DOCUMENT_STATE[state]))
        self.holder_label.setText(_("Held by:"))
        self._name_holder_choices()
        self.search.setPlaceholderText(_("Search case, company or document"))
        name_state_actions(self.state_actions)
        self.name_open_action()
        self.clear_button.setText(_("Show every document not yet accepted"))
        self.model.retranslate()
        self._list_changed()
