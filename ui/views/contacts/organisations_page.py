"""The Organisations tab: the organisations list, and the form of the one chosen in it.

Below the form: the organisation's people (a double-click opens one in the Contacts tab)
and its cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from coordinator.errors import EditConflictError
from coordinator.i18n import _, counted
from coordinator.kinds import OrganisationKind
from coordinator.labels import F_NAME, ORGANISATION_KIND
from coordinator.queries import contacts as q
from coordinator.queries.contacts import ContactFilter, OrganisationFilter
from coordinator.services import organisations
from coordinator.store import changes as ch
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.records import OrganisationRecord
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.contacts.lists import RecordList
from ui.views.contacts.parts import (
    form_layout,
    notes_field,
    reload_if_count_changed,
    small_table,
)
from ui.views.contacts.record_page import NEW, RecordPage
from ui.views.contacts.related import case_headers, case_rows, cases_table
from ui.views.contacts.sources import (
    ORGANISATION_KINDS,
    ContactSource,
    OrganisationSource,
)
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import attempt_edit
from ui.widgets.lazy_table import LazyIdModel
from ui.widgets.undo import edited, record_deleted

NEW_ORGANISATION_KIND: Final = OrganisationKind.COMPANY
"""The kind of a new organisation until the officer chooses another, and of one typed into a
contact's form (most new ones are companies; this tab changes it)."""


@dataclass(frozen=True)
class OrganisationDraft:
    name: str
    kind: OrganisationKind
    notes: str


def _organisation_draft(record: OrganisationRecord | None) -> OrganisationDraft:
    if record is None:
        return OrganisationDraft("", NEW_ORGANISATION_KIND, "")
    return OrganisationDraft(record.name, record.kind, record.notes)


class OrganisationsPage(RecordPage[OrganisationDraft, OrganisationRecord]):
    contact_chosen = Signal(int)  # a double-click on one of its people

    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        records = RecordList(
            store,
            lambda text, kind, drafts: OrganisationSource(
                OrganisationFilter(text=text, kind=kind), drafts
            ),
            ORGANISATION_KINDS,
        )
        super().__init__(store, hub, records, parent)
        self.kind_label = QLabel(self.detail)
        self.kind = QComboBox(self.detail)
        for kind in OrganisationKind:
            self.kind.addItem("", kind.value)
        self.notes_label = QLabel(self.detail)
        self.notes = notes_field(self.detail, 4)
        form = form_layout()
        form.addRow(self.name_label, self.name)
        form.addRow(self.kind_label, self.kind)
        form.addRow(self.notes_label, self.notes)
        self.form_area.addLayout(form)

        self.contacts_model = LazyIdModel(
            store, ContactSource(ContactFilter(organisation_id=NEW), clock=store.clock), self
        )
        self.contacts_model.set_sort(q.SORT_NAME, False)
        self.contacts_table = small_table(
            self, self.contacts_model, (Kind.NAME, Kind.NAME, Kind.PHONE, Kind.TIME)
        )
        self.cases_model, self.cases_table = cases_table(self, hub)
        self.related.addTab(self.contacts_table, "")
        self.related.addTab(self.cases_table, "")

        self.kind.currentIndexChanged.connect(self.form_edited)
        self.notes.textChanged.connect(self.form_edited)
        self.contacts_table.activated.connect(self._choose_contact)

    def fetch(self, ident: int) -> OrganisationRecord | None:
        return q.organisation_record(self.store, ident)

    def baseline(self, record: OrganisationRecord | None) -> OrganisationDraft:
        return _organisation_draft(record)

    def capture(self) -> OrganisationDraft:
        return OrganisationDraft(
            self.name.text(), OrganisationKind(self.kind.currentData()), self.notes.toPlainText()
        )

    def fill(self, draft: OrganisationDraft) -> None:
        self.name.setText(draft.name)
        self.kind.setCurrentIndex(self.kind.findData(draft.kind.value))
        self.notes.setPlainText(draft.notes)

    def heading(self, record: OrganisationRecord | None) -> str:
        return record.name if record is not None else _("New organisation")

    def problem(self, draft: OrganisationDraft) -> str:
        if not draft.name.strip():
            return _("{field} is required.").format(field=F_NAME.tr())
        return ""

    def create_record(self, draft: OrganisationDraft) -> int | None:
        outcome = self.hub.call(self, organisations.create, draft.name, draft.kind, draft.notes)
        return None if outcome is None else outcome.value.id

    def store_changes(self, record: OrganisationRecord, draft: OrganisationDraft) -> bool:
        before = _organisation_draft(record)
        if draft == before:
            return True
        outcome = attempt_edit(
            self.hub,
            self,
            organisations.update,
            record.id,
            name=None if draft.name == before.name else draft.name,
            kind=None if draft.kind == before.kind else draft.kind,
            notes=None if draft.notes == before.notes else draft.notes,
            expected_version=record.row_version,
        )
        if isinstance(outcome, EditConflictError):
            self.show_conflict(outcome)
            return False
        if outcome is None:
            return False
        self._say_saved(record, outcome.value)
        return True

    def _say_saved(self, before: OrganisationRecord, after: OrganisationRecord) -> None:
        """The status bar says what changed; Ctrl+Z renames it back (say) from the version
        this edit left, through the same service."""
        labels = self.field_labels()
        fields = {
            key: getattr(before, key)
            for key in ("name", "kind", "notes")
            if getattr(before, key) != getattr(after, key)
        }
        if not fields:
            return
        hub, ident, version = self.hub, after.id, after.row_version

        def put_back(widget: QWidget | None) -> Outcome[OrganisationRecord] | None:
            return hub.call(
                widget,
                organisations.update,
                ident,
                expected_version=version,
                undoing=True,
                **fields,
            )

        edited(hub, after.name, [labels[k] for k in fields], put_back)

    def field_labels(self) -> dict[str, str]:
        return {"name": _("Name"), "kind": _("Kind"), "notes": _("Notes")}

    def value_text(self, name: str, value: object) -> str:
        if isinstance(value, OrganisationKind):
            return ORGANISATION_KIND[value].tr()
        return str(value)

    def delete_call(self, ident: int) -> bool:
        outcome = self.hub.call(self, organisations.delete, ident)
        if outcome is None:
            return False
        record_deleted(self.hub, outcome.value.record.name, organisations.restore, outcome.value)
        return True

    def load_related(self) -> None:
        assert self.current_id is not None
        self.contacts_model.set_source(
            ContactSource(ContactFilter(organisation_id=self.current_id), clock=self.store.clock)
        )
        self.load_cases()
        self.related.setEnabled(True)

    def load_cases(self) -> None:
        if (ident := self.saved_id()) is not None:
            self.cases_model.set_rows(case_rows(q.cases_of_organisation(self.store, ident)))
            self._related_titles()

    def reload_related(self) -> None:
        self.contacts_model.reload()
        self.load_cases()

    def empty_related(self) -> None:
        self.contacts_model.set_source(
            ContactSource(ContactFilter(organisation_id=NEW), clock=self.store.clock)
        )
        self.cases_model.set_rows([])
        self.related.setEnabled(False)
        self._related_titles()

    def _related_titles(self) -> None:
        self.related.setTabText(0, _("Contacts ({n})").format(n=self.contacts_model.rowCount()))
        self.related.setTabText(1, _("Cases ({n})").format(n=self.cases_model.rowCount()))

    def _choose_contact(self, index: QModelIndex) -> None:
        ident = self.contacts_model.id_at(index.row())
        if ident is not None:
            self.contact_chosen.emit(ident)

    def apply_changes(self, changes: ch.ChangeSet) -> None:
        org_ids = changes.ids_of(ChangeKind.ORGANISATION)
        contact_ids = changes.ids_of(ChangeKind.CONTACT)
        touched = set(org_ids)
        lost_people = False
        with self.store.snapshot():
            if contact_ids:
                owners = q.organisations_of_contacts(self.store, contact_ids)
                touched |= owners
                # A deleted person's organisation cannot be asked for any more: its count
                # of people is somewhere among the rows on screen.
                lost_people = len(q.existing_contacts(self.store, contact_ids)) < len(contact_ids)
            case_ids = changes.ids_of(ChangeKind.CASE)
            if case_ids:
                touched |= q.organisations_of_cases(self.store, case_ids)
            action_ids = changes.ids_of(ChangeKind.ACTION)
            if action_ids:
                touched |= q.organisations_of_actions(self.store, action_ids)
        self.list.apply(touched, check_count=changes.touches(ChangeKind.ORGANISATION))
        if lost_people:
            self.list.model.refresh_cached()
        if self.saved_id() is None:
            return
        if self.current_id in org_ids:
            self.record_changed()
        if self.saved_id() is None:
            return
        people_changed = changes.touches(ChangeKind.CONTACT, ChangeKind.COMMUNICATION)
        if people_changed and not reload_if_count_changed(self.contacts_model):
            people = set(contact_ids) | q.contacts_of_communications(
                self.store, changes.ids_of(ChangeKind.COMMUNICATION)
            )
            self.contacts_model.refresh_ids(people)
        if changes.touches(ChangeKind.CASE, ChangeKind.ACTION):
            self.load_cases()
        self._related_titles()

    def retranslate(self) -> None:
        self.list.retranslate(
            _("Search name or pinyin"),
            _("All kinds"),
            counted("{n} organisation", "{n} organisations"),
            _("No organisations yet. Press Ctrl+N to add one."),
            _("No organisation matches the search. Clear the search box or choose all kinds."),
        )
        self.retranslate_frame(
            _("Choose an organisation on the left, or press Ctrl+N to add one."),
            _("New organisation (Ctrl+N)"),
        )
        self.name_label.setText(_("Name"))
        self.kind_label.setText(_("Kind"))
        for i, kind in enumerate(OrganisationKind):
            self.kind.setItemText(i, ORGANISATION_KIND[kind].tr())
        self.notes_label.setText(_("Notes"))
        self.contacts_model.retranslate()
        self.cases_model.set_headers(case_headers())
        self.load_cases()
        self._related_titles()
        if self.current_id is not None:
            self.form_edited()
