"""The Contacts tab: the contacts list, and the form of the contact chosen in it.

Phone numbers are saved the moment they are added or removed (each is checked as it is
typed, with the same rules the service applies); name, organisation, role, notes and
messaging handles are saved together with Save (Ctrl+S). A contact not saved yet keeps its
numbers in the draft and is created with them. An organisation typed that does not exist
yet is created with the contact. Below the form: the contact's cases and communications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, EditConflictError, NotFoundError
from coordinator.formatting import listing
from coordinator.i18n import _, counted
from coordinator.kinds import Channel
from coordinator.labels import CHANNEL, F_HANDLE, F_NUMBER, ORGANISATION_KIND
from coordinator.phones import normalise, shown
from coordinator.queries import contacts as q
from coordinator.queries.communications import CommunicationFilter
from coordinator.queries.contacts import ContactFilter
from coordinator.services import contacts, organisations
from coordinator.services._common import KEEP, Unchanged
from coordinator.services.contacts import MAX_PHONES
from coordinator.store import changes as ch
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.records import ContactRecord
from coordinator.store.storage import Store
from ui.hub import Hub, confirm
from ui.views.contacts.lists import RecordList
from ui.views.contacts.organisations_page import NEW_ORGANISATION_KIND
from ui.views.contacts.parts import (
    HINT_STYLE,
    form_layout,
    message_label,
    notes_field,
    reload_if_count_changed,
    show_message,
    small_table,
)
from ui.views.contacts.record_page import NEW, RecordPage
from ui.views.contacts.related import case_headers, case_rows, cases_table
from ui.views.contacts.sources import CONTACT_KINDS, ContactSource
from ui.widgets.conflict import attempt_edit
from ui.widgets.lazy_table import (
    COL_DIRECTION,
    COL_DURATION,
    COL_WHO,
    COMMUNICATION_KINDS,
    LazyCommunicationsModel,
)
from ui.widgets.undo import edited, record_deleted

HANDLE_CHANNELS: Final = (Channel.WECHAT, Channel.DINGTALK, Channel.QQ, Channel.EMAIL)


@dataclass(frozen=True)
class ContactDraft:
    name: str
    organisation: str
    role: str
    notes: str
    handles: tuple[str, ...]  # one per HANDLE_CHANNELS
    phones: tuple[tuple[str, str], ...] = ()  # (number, label) of a contact not saved yet


def _contact_draft(record: ContactRecord | None) -> ContactDraft:
    if record is None:
        return ContactDraft("", "", "", "", ("",) * len(HANDLE_CHANNELS))
    stored = dict(record.handles)
    return ContactDraft(
        record.name,
        record.organisation_name,
        record.role,
        record.notes,
        tuple(stored.get(c, "") for c in HANDLE_CHANNELS),
    )


class ContactsPage(RecordPage[ContactDraft, ContactRecord]):
    def __init__(self, store: Store, hub: Hub, parent: QWidget | None = None) -> None:
        records = RecordList(
            store,
            lambda text, kind, drafts: ContactSource(
                ContactFilter(text=text, kind=kind), drafts, store.clock
            ),
            CONTACT_KINDS,
        )
        super().__init__(store, hub, records, parent)
        self.org_ids: dict[str, int] = {}
        self._pending: tuple[tuple[str, str], ...] = ()  # the numbers of a new contact

        self.organisation_label = QLabel(self.detail)
        self.organisation = QComboBox(self.detail)
        self.organisation.setEditable(True)
        self.organisation.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(self.organisation.model(), self.organisation)
        self.organisation.setCompleter(completer)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.organisation_hint = QLabel(self.detail)
        self.organisation_hint.setWordWrap(True)
        self.organisation_hint.setStyleSheet(HINT_STYLE)
        self.organisation_hint.hide()
        self.role_label = QLabel(self.detail)
        self.role = QLineEdit(self.detail)
        self.handle_labels: dict[Channel, QLabel] = {}
        self.handles: dict[Channel, QLineEdit] = {}
        for channel in HANDLE_CHANNELS:
            self.handle_labels[channel] = QLabel(self.detail)
            self.handles[channel] = QLineEdit(self.detail)
        self.notes_label = QLabel(self.detail)
        self.notes = notes_field(self.detail, 3)

        form = form_layout()
        form.addRow(self.name_label, self.name)
        organisation_box = QVBoxLayout()
        organisation_box.setSpacing(2)
        organisation_box.addWidget(self.organisation)
        organisation_box.addWidget(self.organisation_hint)
        form.addRow(self.organisation_label, organisation_box)
        form.addRow(self.role_label, self.role)
        # Two handles a row, the first label in the form's label column, keep the form short.
        for first, second in (HANDLE_CHANNELS[:2], HANDLE_CHANNELS[2:]):
            pair = QHBoxLayout()
            pair.addWidget(self.handles[first], 1)
            pair.addWidget(self.handle_labels[second])
            pair.addWidget(self.handles[second], 1)
            form.addRow(self.handle_labels[first], pair)
        form.addRow(self.notes_label, self.notes)
        form_column = QVBoxLayout()
        form_column.addLayout(form)
        form_column.addStretch(1)

        self.phones_box = QGroupBox(self.detail)
        self.phone_list = QListWidget(self.phones_box)
        self.phone_input = QLineEdit(self.phones_box)
        self.phone_input.setClearButtonEnabled(True)
        self.phone_label_input = QLineEdit(self.phones_box)
        self.phone_label_input.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 6)
        self.add_phone_button = QPushButton(self.phones_box)
        self.add_phone_button.setEnabled(False)
        self.remove_phone_button = QPushButton(self.phones_box)
        self.remove_phone_button.setEnabled(False)
        self.phone_message = message_label(self.phones_box)
        self.phone_preview = QLabel(self.phones_box)
        self.phone_preview.setStyleSheet(HINT_STYLE)
        self.phone_preview.hide()
        add_row = QHBoxLayout()
        add_row.addWidget(self.phone_input, 1)
        add_row.addWidget(self.phone_label_input)
        add_row.addWidget(self.add_phone_button)
        adding = QVBoxLayout()
        adding.addLayout(add_row)
        adding.addWidget(self.phone_message)
        adding.addWidget(self.phone_preview)
        adding.addStretch(1)
        adding.addWidget(self.remove_phone_button, 0, Qt.AlignmentFlag.AlignRight)
        phones = QHBoxLayout(self.phones_box)
        phones.addWidget(self.phone_list, 1)
        phones.addLayout(adding, 1)
        self.phone_list.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 10)

        self.form_area.addLayout(form_column)
        self.form_area.addWidget(self.phones_box)

        self.cases_model, self.cases_table = cases_table(self, hub)
        self.communications_model = LazyCommunicationsModel(
            store, CommunicationFilter(contact_id=NEW), self
        )
        self.communications_table = small_table(
            self,
            self.communications_model,
            COMMUNICATION_KINDS,
        )
        # The pane is narrow and the notes are what the officer reads here; who it was is
        # this person, and the full list (Communications view) keeps the other columns.
        for column in (COL_WHO, COL_DIRECTION, COL_DURATION):
            self.communications_table.setColumnHidden(column, True)
        self.related.addTab(self.cases_table, "")
        self.related.addTab(self.communications_table, "")

        for line in (self.role, *self.handles.values()):
            line.textChanged.connect(self.form_edited)
        self.organisation.editTextChanged.connect(self.form_edited)
        self.notes.textChanged.connect(self.form_edited)
        self.phone_input.textChanged.connect(self.check_phone)
        self.phone_input.returnPressed.connect(self.add_phone)
        self.add_phone_button.clicked.connect(self.add_phone)
        self.remove_phone_button.clicked.connect(self.remove_phone)
        self.phone_list.currentRowChanged.connect(
            lambda row: self.remove_phone_button.setEnabled(row >= 0)
        )
        self.communications_table.activated.connect(self._open_communication)
        self.load_organisations()

    # -- organisations to choose from --------------------------------------------------

    def load_organisations(self) -> None:
        choices = q.organisation_choices(self.store)
        self.org_ids = {name: ident for ident, name in choices}
        self._loading = True
        text = self.organisation.currentText()
        self.organisation.blockSignals(True)
        self.organisation.clear()
        self.organisation.addItem("")
        self.organisation.addItems([name for _ident, name in choices])
        self.organisation.setCurrentText(text)
        self.organisation.blockSignals(False)
        self._loading = False

    # -- the record and its form -------------------------------------------------------

    def fetch(self, ident: int) -> ContactRecord | None:
        try:
            return q.get(self.store, ident)
        except NotFoundError:
            return None

    def baseline(self, record: ContactRecord | None) -> ContactDraft:
        return _contact_draft(record)

    def capture(self) -> ContactDraft:
        return ContactDraft(
            self.name.text(),
            self.organisation.currentText(),
            self.role.text(),
            self.notes.toPlainText(),
            tuple(self.handles[c].text() for c in HANDLE_CHANNELS),
            self._pending if self.current_id == NEW else (),
        )

    def fill(self, draft: ContactDraft) -> None:
        self.name.setText(draft.name)
        self.organisation.setCurrentText(draft.organisation)
        self.role.setText(draft.role)
        self.notes.setPlainText(draft.notes)
        for channel, text in zip(HANDLE_CHANNELS, draft.handles, strict=True):
            self.handles[channel].setText(text)
        self._pending = draft.phones
        self.phone_input.clear()
        self.phone_label_input.clear()
        self.show_phones()

    def heading(self, record: ContactRecord | None) -> str:
        return record.name if record is not None else _("New contact")

    def problem(self, draft: ContactDraft) -> str:
        if not draft.name.strip():
            return _("{field} is required.").format(field=_("Full name"))
        stored = _contact_draft(self.record).handles
        for before, after in zip(stored, draft.handles, strict=True):
            if before and not after.strip():
                # The service can replace a handle but not take it away.
                return _("{field} is required.").format(field=F_HANDLE.tr())
        return ""

    def form_edited(self) -> None:
        super().form_edited()
        if self._loading or self.current_id is None:
            return
        text = self.organisation.currentText().strip()
        new_org = bool(text) and text not in self.org_ids
        self.organisation_hint.setText(
            _("“{name}” is new: saving adds it as a {kind}.").format(
                name=text, kind=ORGANISATION_KIND[NEW_ORGANISATION_KIND].tr()
            )
            if new_org
            else ""
        )
        self.organisation_hint.setVisible(new_org)

    def _organisation_id(self, text: str) -> tuple[bool, int | None]:
        """(False, None) when creating a typed organisation was refused."""
        name = text.strip()
        if not name:
            return True, None
        if name in self.org_ids:
            return True, self.org_ids[name]
        outcome = self.hub.call(self, organisations.create, name, NEW_ORGANISATION_KIND)
        if outcome is None:
            return False, None
        return True, outcome.value.id

    def create_record(self, draft: ContactDraft) -> int | None:
        ok, org_id = self._organisation_id(draft.organisation)
        if not ok:
            return None
        outcome = self.hub.call(
            self,
            contacts.create,
            draft.name,
            organisation_id=org_id,
            role=draft.role,
            phones=list(draft.phones),
            handles=[
                (c, h.strip()) for c, h in zip(HANDLE_CHANNELS, draft.handles, strict=True) if h
            ],
            notes=draft.notes,
        )
        return None if outcome is None else outcome.value.id

    def store_changes(self, record: ContactRecord, draft: ContactDraft) -> bool:
        before = _contact_draft(record)
        organisation: int | Unchanged | None = KEEP
        if draft.organisation.strip() != before.organisation:
            ok, organisation = self._organisation_id(draft.organisation)
            if not ok:
                return False
        fields = (
            None if draft.name == before.name else draft.name,
            None if draft.role == before.role else draft.role,
            None if draft.notes == before.notes else draft.notes,
        )
        # Sent even with only handles changed: the version check refuses a draft a
        # colleague's change overtook, before any of it is saved.
        name, role, notes = fields
        outcome = attempt_edit(
            self.hub,
            self,
            contacts.update,
            record.id,
            name=name,
            organisation_id=organisation,
            role=role,
            notes=notes,
            expected_version=record.row_version,
        )
        if isinstance(outcome, EditConflictError):
            self.show_conflict(outcome)
            return False
        if outcome is None:
            return False
        self.follow_own_change(record.row_version, outcome.value)
        for channel, old, new in zip(HANDLE_CHANNELS, before.handles, draft.handles, strict=True):
            changed = new.strip() != old and (new.strip() or old)
            if changed and self._put_handle(self, record.id, channel, new) is None:
                return False
        after = self.fetch(record.id)
        if after is not None:
            self._say_saved(record, after)
        return True

    def _put_handle(
        self, widget: QWidget | None, ident: int, channel: Channel, handle: str
    ) -> Outcome[ContactRecord] | None:
        """A handle set, or removed when its box was emptied."""
        if handle.strip():
            return self.hub.call(widget, contacts.set_handle, ident, channel, handle)
        return self.hub.call(widget, contacts.remove_handle, ident, channel)

    def _say_saved(self, before: ContactRecord, after: ContactRecord) -> None:
        """The status bar says what changed; Ctrl+Z puts the name, organisation, role,
        notes and messaging handles back from the version this edit left."""
        labels = self.field_labels()
        old, new = _contact_draft(before), _contact_draft(after)
        changed = [k for k in labels if getattr(old, k) != getattr(new, k)]
        if not changed:
            return
        fields: dict[str, Any] = {
            key: getattr(before, key) for key in ("name", "role", "notes") if key in changed
        }
        if "organisation" in changed:
            fields["organisation_id"] = before.organisation_id
        handles = [
            (channel, was)
            for channel, was, now in zip(HANDLE_CHANNELS, old.handles, new.handles, strict=True)
            if was != now
        ]
        hub, ident, version = self.hub, after.id, after.row_version

        def put_back(widget: QWidget | None) -> Outcome[ContactRecord] | None:
            outcome = hub.call(
                widget, contacts.update, ident, expected_version=version, undoing=True, **fields
            )
            for channel, handle in handles:
                if outcome is None:
                    break
                outcome = self._put_handle(widget, ident, channel, handle)
            return outcome

        edited(hub, after.name, [labels[k] for k in changed], put_back)

    def field_labels(self) -> dict[str, str]:
        return {
            "name": _("Full name"),
            "organisation": _("Organisation"),
            "role": _("Role"),
            "notes": _("Notes"),
            "handles": _("Messaging handles"),
        }

    def value_text(self, name: str, value: object) -> str:
        if name == "handles" and isinstance(value, tuple | list):
            return listing(
                f"{CHANNEL[c].tr()} {h}" for c, h in zip(HANDLE_CHANNELS, value, strict=True) if h
            )
        return str(value)

    def delete_call(self, ident: int) -> bool:
        outcome = self.hub.call(self, contacts.delete, ident)
        if outcome is None:
            return False
        record_deleted(self.hub, outcome.value.record.name, contacts.restore, outcome.value)
        return True

    # -- phone numbers -----------------------------------------------------------------

    def _numbers(self) -> list[tuple[int, str, str, str]]:
        """(phone id, or -1 - position for a number not saved yet; number; label; key)

        The key is what makes two typings the same number: E.164 and extension.
        """
        if self.current_id == NEW:
            numbers = []
            for i, (raw, label) in enumerate(self._pending):
                parsed = normalise(raw)
                numbers.append((-1 - i, raw, label, f"{parsed.e164}/{parsed.extension}"))
            return numbers
        if self.record is None:
            return []
        return [
            (p.id, shown(p.raw, p.e164, p.extension), p.label, f"{p.e164}/{p.extension}")
            for p in self.record.phones
        ]

    def show_phones(self) -> None:
        self.phone_list.clear()
        for ident, raw, label, _key in self._numbers():
            item = QListWidgetItem(f"{raw}    {label}" if label else raw)
            item.setData(Qt.ItemDataRole.UserRole, ident)
            self.phone_list.addItem(item)
        self.remove_phone_button.setEnabled(False)
        self.check_phone()

    def check_phone(self) -> None:
        """Say at once what is wrong with the number being typed; Add only when it is right."""
        text = self.phone_input.text()
        message = preview = ""
        if text.strip():
            try:
                number = normalise(text)
            except DomainError as exc:
                message = exc.message()
            else:
                owner = self.name.text().strip() or _("New contact")
                known = {key for _i, _raw, _label, key in self._numbers()}
                if f"{number.e164}/{number.extension}" in known:
                    message = _("{name} already has the number {number}.").format(
                        name=owner, number=number.raw
                    )
                elif len(known) >= MAX_PHONES:
                    message = _("A contact can have at most {limit} phone numbers.").format(
                        limit=MAX_PHONES
                    )
                else:
                    preview = number.display
        show_message(self.phone_message, message)
        self.phone_preview.setText(preview)
        self.phone_preview.setVisible(bool(preview))
        self.add_phone_button.setEnabled(bool(preview))

    def add_phone(self) -> None:
        if not self.add_phone_button.isEnabled() or self.current_id is None:
            return
        raw, label = self.phone_input.text().strip(), self.phone_label_input.text().strip()
        if self.current_id == NEW:
            self._pending = (*self._pending, (raw, label))
        else:
            before = self.record.row_version if self.record is not None else 0
            added = self.hub.call(self, contacts.add_phone, self.current_id, raw, label)
            if added is None:
                return
            self.follow_own_change(before, added.value)
        self.phone_input.clear()
        self.phone_label_input.clear()
        self.show_phones()
        self.form_edited()

    def remove_phone(self) -> None:
        item = self.phone_list.currentItem()
        if item is None or self.current_id is None:
            return
        ident = int(item.data(Qt.ItemDataRole.UserRole))
        if ident < 0:  # not saved yet: nothing to lose
            pending = list(self._pending)
            del pending[-1 - ident]
            self._pending = tuple(pending)
        else:
            assert self.record is not None
            raw = next(p.raw for p in self.record.phones if p.id == ident)
            question = _("Remove the number {number} from {name}?").format(
                number=raw, name=self.record.name
            )
            if not confirm(self, _("Remove number"), question):
                return
            before = self.record.row_version
            removed = self.hub.call(self, contacts.remove_phone, self.current_id, ident)
            if removed is None:
                return
            self.follow_own_change(before, removed.value)
        self.show_phones()
        self.form_edited()

    def record_changed(self) -> None:
        super().record_changed()
        if self.saved_id() is not None:
            self.show_phones()

    # -- cases and communications ------------------------------------------------------

    def load_related(self) -> None:
        assert self.current_id is not None
        self.load_cases()
        self.communications_model.set_filter(CommunicationFilter(contact_id=self.current_id))
        self.related.setEnabled(True)
        self._related_titles()

    def load_cases(self) -> None:
        if (ident := self.saved_id()) is not None:
            self.cases_model.set_rows(case_rows(q.cases_of_contact(self.store, ident)))
            self._related_titles()

    def reload_related(self) -> None:
        self.load_cases()
        self.communications_model.reload()
        self._related_titles()

    def empty_related(self) -> None:
        self.cases_model.set_rows([])
        self.communications_model.set_filter(CommunicationFilter(contact_id=NEW))
        self.related.setEnabled(False)
        self._related_titles()

    def _related_titles(self) -> None:
        self.related.setTabText(0, _("Cases ({n})").format(n=self.cases_model.rowCount()))
        self.related.setTabText(
            1, _("Communications ({n})").format(n=self.communications_model.rowCount())
        )

    def _open_communication(self, index: QModelIndex) -> None:
        ident = self.communications_model.id_at(index.row())
        if ident is not None:
            self.hub.request_open(ChangeKind.COMMUNICATION, ident)

    # -- changes and language ----------------------------------------------------------

    def apply_changes(self, changes: ch.ChangeSet) -> None:
        contact_ids = changes.ids_of(ChangeKind.CONTACT)
        org_ids = changes.ids_of(ChangeKind.ORGANISATION)
        comm_ids = changes.ids_of(ChangeKind.COMMUNICATION)
        touched = set(contact_ids)
        structure = changes.touches(ChangeKind.CONTACT)
        with self.store.snapshot():
            if org_ids:
                touched |= q.contacts_of_organisations(self.store, org_ids)
                # A deleted organisation leaves its people without one: which people is
                # no longer known, and a kind filter may now leave them out.
                structure |= q.existing_organisations(self.store, org_ids) != set(org_ids)
            if comm_ids:
                touched |= q.contacts_of_communications(self.store, comm_ids)
        if changes.touches(ChangeKind.ORGANISATION):
            self.load_organisations()
        self.list.apply(touched, check_count=structure or bool(org_ids))
        if self.saved_id() is None:
            if self.current_id == NEW and changes.touches(ChangeKind.ORGANISATION):
                self.form_edited()
            return
        current_org = self.record.organisation_id if self.record is not None else None
        if self.current_id in contact_ids or (current_org is not None and current_org in org_ids):
            self.record_changed()
        elif changes.touches(ChangeKind.ORGANISATION):
            self.form_edited()  # the typed organisation may exist now
        if self.saved_id() is None:
            return
        if changes.touches(ChangeKind.COMMUNICATION):
            if not reload_if_count_changed(self.communications_model):
                self.communications_model.refresh_ids(comm_ids)
            self._related_titles()
        if (
            changes.touches(ChangeKind.CASE, ChangeKind.ACTION, ChangeKind.ORGANISATION)
            or self.current_id in contact_ids
        ):
            self.load_cases()

    def refresh(self) -> None:
        self.load_organisations()
        super().refresh()

    def retranslate(self) -> None:
        self.list.retranslate(
            _("Search name, pinyin, initials, organisation or number"),
            _("All kinds"),
            counted("{n} contact", "{n} contacts"),
            _("No contacts yet. Press Ctrl+N to add one, or import a vCard/CSV file."),
            _("No contact matches the search. Clear the search box or choose all kinds."),
        )
        self.retranslate_frame(
            _("Choose a contact on the left, or press Ctrl+N to add one."),
            _("New contact (Ctrl+N)"),
        )
        self.name_label.setText(_("Full name"))
        self.organisation_label.setText(_("Organisation"))
        self.role_label.setText(_("Role"))
        for channel in HANDLE_CHANNELS:
            self.handle_labels[channel].setText(CHANNEL[channel].tr())
        self.notes_label.setText(_("Notes"))
        self.phones_box.setTitle(_("Phone numbers"))
        self.phone_input.setPlaceholderText(F_NUMBER.tr())
        self.phone_label_input.setPlaceholderText(_("Label"))
        self.add_phone_button.setText(_("Add"))
        self.remove_phone_button.setText(_("Remove"))
        self.cases_model.set_headers(case_headers())
        self.load_cases()
        self.communications_model.retranslate()
        self._related_titles()
        if self.current_id is not None:
            self.form_edited()
            self.check_phone()
