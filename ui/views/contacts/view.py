"""Contacts and organisations: two lazy lists over SQL, and a form beside each.

The lists hold ids only (:class:`~ui.widgets.lazy_table.LazyIdModel` over the sources of
:mod:`ui.views.contacts.sources`), so twenty thousand people open and scroll like twenty. The
forms keep unsaved edits as drafts, in memory, per record: the officer is interrupted by a
call every ten minutes, and whatever they were typing must still be there when they come
back to the record, from another record or from another view. A record with a draft shows
a marker in the form and beside its name in the list.

Phone numbers are saved the moment they are added or removed (each is checked as it is
typed, with the same rules the service applies); name, organisation, role, notes and
messaging handles are saved together with Save (Ctrl+S). A contact not saved yet keeps its
numbers in the draft and is created with them.

Every change goes through :meth:`ui.hub.Hub.call`; the view hears every change set on
``hub.changed`` (its own included) and re-reads only the rows it names, reloading a list
only when its length changed (a record added or deleted, or moved in or out of the filter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, Protocol, TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, NotFoundError
from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.kinds import Channel, OrganisationKind
from coordinator.labels import (
    CASE_STATUS,
    CHANNEL,
    F_HANDLE,
    F_NAME,
    F_NUMBER,
    ORGANISATION_KIND,
)
from coordinator.phones import normalise
from coordinator.queries import contacts as q
from coordinator.queries.communications import CommunicationFilter
from coordinator.queries.contacts import CaseLine, ContactFilter, OrganisationFilter
from coordinator.services import contacts, organisations
from coordinator.services._common import KEEP, Unchanged
from coordinator.services.contacts import MAX_PHONES
from coordinator.store import changes as ch
from coordinator.store.changes import ChangeKind
from coordinator.store.records import ContactRecord, OrganisationRecord
from coordinator.store.storage import Store
from ui.hub import Hub, confirm
from ui.views.contacts.sources import (
    C_LAST,
    C_NAME,
    C_ORGANISATION,
    C_PHONE,
    C_ROLE,
    O_CONTACTS,
    O_KIND,
    O_NAME,
    O_OPEN_CASES,
    ContactSource,
    OrganisationSource,
)
from ui.widgets.lazy_table import (
    COL_AT,
    COL_CASE,
    COL_CHANNEL,
    COL_DIRECTION,
    COL_DURATION,
    COL_FOLLOW_UP,
    COL_NOTES,
    COL_WHO,
    WINDOW,
    LazyCommunicationsModel,
    LazyIdModel,
    ListSource,
)
from ui.widgets.rows_model import RowsModel

NEW: Final = 0
"""The draft key of a record not saved yet (database ids start at 1)."""

SEARCH_DELAY_MS = 250
HANDLE_CHANNELS: Final = (Channel.WECHAT, Channel.DINGTALK, Channel.QQ, Channel.EMAIL)
NEW_ORGANISATION_KIND: Final = OrganisationKind.COMPANY
"""What an organisation typed into a contact's form becomes (most new ones are companies;
the Organisations tab changes it)."""

_ERROR_STYLE = "color: #b3261e;"
_HINT_STYLE = "color: palette(mid);"
_DRAFT_STYLE = "background: #fff4ce; color: #5c4300; border-radius: 3px; padding: 1px 6px;"

Index = QModelIndex | QPersistentModelIndex


def _fixed_rows(table: QTableView) -> None:
    """One row height and no measuring of contents: showing a list touches only its screen."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
    horizontal = table.horizontalHeader()
    horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    horizontal.setStretchLastSection(False)


def _set_widths(table: QTableView, widths: dict[int, int], stretch: int) -> None:
    for column, width in widths.items():
        table.setColumnWidth(column, width)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _empty_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(_HINT_STYLE)
    label.setMargin(24)
    return label


def _message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(_ERROR_STYLE)
    label.hide()
    return label


def _show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


# -- a lazy list with its search box and kind filter ---------------------------------------


class DraftSource(ListSource, Protocol):
    """A list source that marks the records with unsaved edits."""

    drafts: frozenset[int]


SourceFactory = Callable[[str, OrganisationKind | None, frozenset[int]], DraftSource]


class RecordList(QWidget):
    """Search box, kind filter and an id-only table; says which record is current."""

    current_changed = Signal(int)  # the id of the row the officer made current

    def __init__(
        self,
        store: Store,
        make_source: SourceFactory,
        widths: dict[int, int],
        stretch: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._make_source = make_source
        self._drafts: frozenset[int] = frozenset()
        self._filter: tuple[str, OrganisationKind | None] = ("", None)
        self._selected = 0  # the id to keep current across reloads (0: none)
        self.empty_text = ""  # shown when there is nothing at all
        self.no_match_text = ""  # shown when the filter leaves nothing
        self.count_text = "{n}"  # how many rows the filter lets through

        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox(self)
        self.kind.addItem("", None)
        for kind in OrganisationKind:
            self.kind.addItem("", kind.value)
        self.count_label = QLabel(self)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)

        self._source = make_source("", None, self._drafts)
        self.model = LazyIdModel(store, self._source, self)
        # The lists read as a directory, A to Z; the model's own default is newest first.
        self.model.set_sort(self.model.sort_key[0], False)
        self.table = QTableView(self)
        _fixed_rows(self.table)
        self.table.setModel(self.model)
        _set_widths(self.table, widths, stretch)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(
            self._column_of(self.model.sort_key[0]), Qt.SortOrder.AscendingOrder
        )
        header.setSectionsClickable(True)
        self.empty = _empty_label(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.kind)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        self.search.textChanged.connect(self.search_timer.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.search_timer.timeout.connect(self.apply_filter)
        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        header.sortIndicatorChanged.connect(self._sort_changed)

    # -- filter, sort, selection -------------------------------------------------------

    def _column_of(self, key: str) -> int:
        return next(c for c, k in self._source.sort_keys().items() if k == key)

    def filter_active(self) -> bool:
        return self._filter != ("", None)

    def apply_filter(self) -> None:
        self.search_timer.stop()
        value = self.kind.currentData()
        wanted = (self.search.text().strip(), OrganisationKind(value) if value else None)
        if wanted == self._filter:
            return
        self._filter = wanted
        self._source = self._make_source(wanted[0], wanted[1], self._drafts)
        self.model.set_source(self._source)

    def clear_filter(self) -> None:
        for widget in (self.search, self.kind):
            widget.blockSignals(True)
        self.search.clear()
        self.kind.setCurrentIndex(0)
        for widget in (self.search, self.kind):
            widget.blockSignals(False)
        self.apply_filter()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in self._source.sort_keys():  # no SQL order here: show the current one
            key, descending = self.model.sort_key
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(
                self._column_of(key),
                Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
            )
            header.blockSignals(False)
            return
        self.model.sort(column, order)

    def _row_changed(self, current: Index, _previous: Index) -> None:
        ident = self.model.id_at(current.row()) if current.isValid() else None
        if ident is not None:
            self._selected = ident
            self.current_changed.emit(ident)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def select_id(self, ident: int, *, reveal: bool = False) -> bool:
        """Make ``ident`` the current row; ``reveal`` clears a filter that hides it."""
        self._selected = ident
        row = self.model.row_of(ident)
        if row is None and reveal and self.filter_active():
            self.clear_filter()
            row = self.model.row_of(ident)
        if row is None:
            self.table.clearSelection()
            self.table.selectionModel().clearCurrentIndex()
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def forget_selection(self) -> None:
        """No row is current (so that a click on the row that was makes it current again)."""
        self._selected = 0
        self.table.clearSelection()
        self.table.selectionModel().clearCurrentIndex()

    def _after_reset(self) -> None:
        self._update_count()
        if self._selected and (row := self.model.row_of(self._selected)) is not None:
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(self.count_text.format(n=n))
        self.empty.setText(self.no_match_text if self.filter_active() else self.empty_text)
        self.stack.setCurrentWidget(self.table if n else self.empty)

    # -- changes -----------------------------------------------------------------------

    def set_drafts(self, drafts: frozenset[int]) -> None:
        """Mark these records as having unsaved edits (only the rows that changed repaint)."""
        changed = drafts ^ self._drafts
        self._drafts = drafts
        self._source.drafts = drafts
        if changed:
            self.model.refresh_ids(changed)

    def apply(self, ids: Iterable[int], *, check_count: bool) -> None:
        """Rows ``ids`` changed; ``check_count`` when records may have come or gone."""
        if check_count:
            count = self._source.count(self.store)
            if count != self.model.rowCount():
                self.model.reload()
                return
        wanted = set(ids)
        if wanted:
            self.model.refresh_ids(wanted)

    def refresh_cached(self) -> None:
        """Re-read every row held in memory (when what changed cannot be named)."""
        count = self.model.rowCount()
        ids = [
            ident
            for window in self.model.cached_windows()
            for row in range(window * WINDOW, min((window + 1) * WINDOW, count))
            if (ident := self.model.id_at(row)) is not None
        ]
        self.model.refresh_ids(ids)

    def reload(self) -> None:
        self.model.reload()

    def retranslate(
        self, placeholder: str, all_kinds: str, count: str, empty: str, no_match: str
    ) -> None:
        self.search.setPlaceholderText(placeholder)
        self.count_text = count
        self.kind.setItemText(0, all_kinds)
        for i, kind in enumerate(OrganisationKind, start=1):
            self.kind.setItemText(i, ORGANISATION_KIND[kind].tr())
        self.empty_text, self.no_match_text = empty, no_match
        self.model.retranslate()
        self._update_count()


# -- the cases beside a record -------------------------------------------------------------


def _case_headers() -> list[str]:
    return [_("Reference"), _("Case"), _("Company"), _("Status"), _("Opened")]


def _case_rows(lines: Sequence[CaseLine]) -> list[tuple[int, tuple[str, ...]]]:
    return [
        (
            line.id,
            (
                line.reference,
                line.title,
                line.company_name,
                CASE_STATUS[line.status].tr(),
                short_datetime(line.opened_at),
            ),
        )
        for line in lines
    ]


_CASE_WIDTHS = {0: 80, 2: 150, 3: 60, 4: 115}


def _small_table(parent: QWidget, model: RowsModel | LazyIdModel) -> QTableView:
    table = QTableView(parent)
    _fixed_rows(table)
    table.setModel(model)
    return table


# -- a record's page: list, form, drafts ---------------------------------------------------

D = TypeVar("D")
R = TypeVar("R")


class RecordPage(QWidget, Generic[D, R]):
    """A list on the left, the current record's form on the right, drafts kept per record.

    An abstract base: subclasses implement the methods under "what a subclass says" (how
    to read a record, turn it into a draft of the form's values, fill the form, check it,
    save it and delete it); Qt's metaclass rules out ``abc.ABC`` here.
    """

    def __init__(self, store: Store, hub: Hub, records: RecordList, parent: QWidget | None):
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.list = records
        self.current_id: int | None = None
        self.record: R | None = None
        self.drafts: dict[int, D] = {}
        self._loading = False

        self.detail = QWidget(self)
        self.title = QLabel(self.detail)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.draft_marker = QLabel(self.detail)
        self.draft_marker.setStyleSheet(_DRAFT_STYLE)
        self.draft_marker.hide()
        self.new_button = QPushButton(self.detail)
        self.save_button = QPushButton(self.detail)
        self.revert_button = QPushButton(self.detail)
        self.delete_button = QPushButton(self.detail)
        self.save_button.setDefault(True)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.draft_marker)
        for button in (self.new_button, self.save_button, self.revert_button, self.delete_button):
            header.addWidget(button)
        self.form_message = _message_label(self.detail)
        self.related = QTabWidget(self.detail)
        self.form_area = QVBoxLayout()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addLayout(header)
        detail_layout.addLayout(self.form_area)
        detail_layout.addWidget(self.form_message)
        detail_layout.addWidget(self.related, 1)

        self.placeholder = _empty_label(self)
        self.detail_stack = QStackedWidget(self)
        self.detail_stack.addWidget(self.placeholder)
        self.detail_stack.addWidget(self.detail)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(records)
        self.splitter.addWidget(self.detail_stack)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([500, 600])  # weights: the list gets the room its columns need
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        records.current_changed.connect(self.show_record)
        self.new_button.clicked.connect(self.new_record)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.delete_button.clicked.connect(self.delete)

    # -- what a subclass says ----------------------------------------------------------

    def fetch(self, ident: int) -> R | None:
        """The stored record, or None when it does not exist (any more)."""
        raise NotImplementedError

    def baseline(self, record: R | None) -> D:
        raise NotImplementedError

    def capture(self) -> D:
        raise NotImplementedError

    def fill(self, draft: D) -> None:
        raise NotImplementedError

    def problem(self, draft: D) -> str:
        """Why the form cannot be saved as it stands ("" if it can)."""
        raise NotImplementedError

    def heading(self, record: R | None) -> str:
        raise NotImplementedError

    def create_record(self, draft: D) -> int | None:
        """Save a new record; its id, or None when refused."""
        raise NotImplementedError

    def store_changes(self, record: R, draft: D) -> bool:
        """Save the fields of ``draft`` that differ from ``record``; False at a refusal."""
        raise NotImplementedError

    def delete_question(self, record: R) -> str:
        raise NotImplementedError

    def delete_call(self, ident: int) -> bool:
        raise NotImplementedError

    def load_related(self) -> None:
        raise NotImplementedError

    def empty_related(self) -> None:
        raise NotImplementedError

    # -- showing a record --------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self.current_id is not None and self.capture() != self.baseline(self.record)

    def show_record(self, ident: int) -> None:
        """Show ``ident`` (NEW: the form of a record not saved yet), with its draft if any."""
        if ident == self.current_id:
            return
        record: R | None = None
        if ident != NEW:
            record = self.fetch(ident)
            if record is None:
                self.drafts.pop(ident, None)
                self.clear()
                return
        self.current_id = ident
        self.record = record
        self._fill_from(self.drafts.get(ident, self.baseline(record)))
        self.detail_stack.setCurrentWidget(self.detail)
        if ident == NEW:
            self.list.forget_selection()
            self.empty_related()
        else:
            self.load_related()
        self.form_edited()

    def _fill_from(self, draft: D) -> None:
        self._loading = True
        try:
            self.fill(draft)
        finally:
            self._loading = False

    def clear(self) -> None:
        self.current_id = None
        self.record = None
        self.list.forget_selection()
        self.detail_stack.setCurrentWidget(self.placeholder)

    def open_record(self, ident: int) -> None:
        """Show ``ident`` and make it current in the list, clearing a filter that hides it."""
        self.show_record(ident)
        if self.current_id == ident:
            self.list.select_id(ident, reveal=True)

    def new_record(self) -> None:
        self.show_record(NEW)
        self.focus_first_field()

    def focus_first_field(self) -> None:
        raise NotImplementedError

    def form_edited(self) -> None:
        """After every keystroke: keep or drop the draft, check the form, update the marks."""
        if self._loading or self.current_id is None:
            return
        draft = self.capture()
        dirty = draft != self.baseline(self.record)
        if dirty:
            self.drafts[self.current_id] = draft
        else:
            self.drafts.pop(self.current_id, None)
        problem = self.problem(draft)
        _show_message(self.form_message, problem if dirty else "")
        self.title.setText(self.heading(self.record))
        self.draft_marker.setVisible(dirty)
        self.save_button.setEnabled(dirty and not problem)
        self.revert_button.setEnabled(dirty)
        self.delete_button.setEnabled(self.current_id != NEW)
        self.list.set_drafts(frozenset(k for k in self.drafts if k != NEW))

    # -- saving, reverting, deleting ---------------------------------------------------

    def save(self) -> None:
        if self.current_id is None or not self.is_dirty():
            return
        draft = self.capture()
        if self.problem(draft):
            return
        if self.current_id == NEW:
            created = self.create_record(draft)
            if created is None:
                return  # refused: the message was shown, the draft stays
            self.drafts.pop(NEW, None)
            self.current_id = None
            self.open_record(created)
            return
        record = self.record
        assert record is not None
        ident = self.current_id
        if self.store_changes(record, draft) and self.current_id == ident:
            # Show what was stored (the service trims spaces): nothing is left to save.
            self.drafts.pop(ident, None)
            self.record = self.fetch(ident)
            if self.record is None:
                self.clear()
                return
            self._fill_from(self.baseline(self.record))
        # After a refusal, whatever was saved is the baseline (the change set refreshed
        # self.record) and whatever was refused stays a draft.
        self.form_edited()

    def revert(self) -> None:
        if self.current_id is None:
            return
        self.drafts.pop(self.current_id, None)
        self._fill_from(self.baseline(self.record))
        self.form_edited()

    def delete(self) -> None:
        if self.current_id is None:
            return
        if self.current_id == NEW:
            self.revert()
            return
        record = self.record
        assert record is not None
        if not confirm(self, _("Delete"), self.delete_question(record)):
            return
        ident = self.current_id
        if self.delete_call(ident):
            self.drafts.pop(ident, None)
            if self.current_id == ident:
                self.clear()
            self.list.set_drafts(frozenset(k for k in self.drafts if k != NEW))

    # -- changes made anywhere ---------------------------------------------------------

    def record_changed(self) -> None:
        """The current record changed in the database: keep the officer's edits, if any."""
        if self.current_id is None or self.current_id == NEW:
            return
        fresh = self.fetch(self.current_id)
        if fresh is None:
            self.drafts.pop(self.current_id, None)
            self.clear()
            return
        untouched = self.capture() == self.baseline(self.record)
        self.record = fresh
        if untouched:
            self._fill_from(self.baseline(fresh))
        self.form_edited()


# -- contacts ------------------------------------------------------------------------------


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
            {C_NAME: 105, C_ORGANISATION: 150, C_PHONE: 140, C_LAST: 90},
            C_ORGANISATION,
        )
        super().__init__(store, hub, records, parent)
        self.org_ids: dict[str, int] = {}
        self._pending: tuple[tuple[str, str], ...] = ()  # the numbers of a new contact

        self.name_label = QLabel(self.detail)
        self.name = QLineEdit(self.detail)
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
        self.organisation_hint.setStyleSheet(_HINT_STYLE)
        self.organisation_hint.hide()
        self.role_label = QLabel(self.detail)
        self.role = QLineEdit(self.detail)
        self.handle_labels: dict[Channel, QLabel] = {}
        self.handles: dict[Channel, QLineEdit] = {}
        for channel in HANDLE_CHANNELS:
            self.handle_labels[channel] = QLabel(self.detail)
            self.handles[channel] = QLineEdit(self.detail)
        self.notes_label = QLabel(self.detail)
        self.notes = QPlainTextEdit(self.detail)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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
        self.phone_message = _message_label(self.phones_box)
        self.phone_preview = QLabel(self.phones_box)
        self.phone_preview.setStyleSheet(_HINT_STYLE)
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

        self.cases_model = RowsModel(_case_headers(), self)
        self.cases_table = _small_table(self, self.cases_model)
        _set_widths(self.cases_table, _CASE_WIDTHS, 1)
        self.communications_model = LazyCommunicationsModel(
            store, CommunicationFilter(contact_id=NEW), self
        )
        self.communications_table = _small_table(self, self.communications_model)
        _set_widths(
            self.communications_table,
            {COL_AT: 115, COL_CHANNEL: 60, COL_CASE: 85, COL_FOLLOW_UP: 110},
            COL_NOTES,
        )
        # The pane is narrow and the notes are what the officer reads here; who it was is
        # this person, and the full list (Communications view) keeps the other columns.
        for column in (COL_WHO, COL_DIRECTION, COL_DURATION):
            self.communications_table.setColumnHidden(column, True)
        self.related.addTab(self.cases_table, "")
        self.related.addTab(self.communications_table, "")

        for line in (self.name, self.role, *self.handles.values()):
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
        self.cases_table.activated.connect(self._open_case)
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

    def focus_first_field(self) -> None:
        self.name.setFocus()

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
        if organisation is not KEEP or any(f is not None for f in fields):
            name, role, notes = fields
            outcome = self.hub.call(
                self,
                contacts.update,
                record.id,
                name=name,
                organisation_id=organisation,
                role=role,
                notes=notes,
            )
            if outcome is None:
                return False
        for channel, old, new in zip(HANDLE_CHANNELS, before.handles, draft.handles, strict=True):
            changed = new.strip() != old and (new.strip() or old)
            if (
                changed
                and self.hub.call(self, contacts.set_handle, record.id, channel, new) is None
            ):
                return False
        return True

    def delete_question(self, record: ContactRecord) -> str:
        used = q.contact_references(self.store, record.id)
        if used.communications or used.actions:
            return _(
                "Delete {name}? Their {communications} communications and {steps} case steps "
                "stay, but will no longer name this person."
            ).format(name=record.name, communications=used.communications, steps=used.actions)
        return _("Delete {name}? This cannot be undone.").format(name=record.name)

    def delete_call(self, ident: int) -> bool:
        return self.hub.call(self, contacts.delete, ident) is not None

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
        return [(p.id, p.raw, p.label, f"{p.e164}/{p.extension}") for p in self.record.phones]

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
        _show_message(self.phone_message, message)
        self.phone_preview.setText(preview)
        self.phone_preview.setVisible(bool(preview))
        self.add_phone_button.setEnabled(bool(preview))

    def add_phone(self) -> None:
        if not self.add_phone_button.isEnabled() or self.current_id is None:
            return
        raw, label = self.phone_input.text().strip(), self.phone_label_input.text().strip()
        if self.current_id == NEW:
            self._pending = (*self._pending, (raw, label))
        elif self.hub.call(self, contacts.add_phone, self.current_id, raw, label) is None:
            return
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
            if self.hub.call(self, contacts.remove_phone, self.current_id, ident) is None:
                return
        self.show_phones()
        self.form_edited()

    def record_changed(self) -> None:
        super().record_changed()
        if self.current_id not in (None, NEW):
            self.show_phones()

    # -- cases and communications ------------------------------------------------------

    def load_related(self) -> None:
        assert self.current_id is not None
        self.load_cases()
        self.communications_model.set_filter(CommunicationFilter(contact_id=self.current_id))
        self.related.setEnabled(True)
        self._related_titles()

    def load_cases(self) -> None:
        if self.current_id in (None, NEW):
            return
        lines = q.cases_of_contact(self.store, self.current_id)
        self.cases_model.set_rows(_case_rows(lines))
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

    def _open_case(self, index: QModelIndex) -> None:
        self.hub.request_open(ChangeKind.CASE, self.cases_model.id_at(index.row()))

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
        if self.current_id is None or self.current_id == NEW:
            if self.current_id == NEW and changes.touches(ChangeKind.ORGANISATION):
                self.form_edited()
            return
        current_org = self.record.organisation_id if self.record is not None else None
        if self.current_id in contact_ids or (current_org is not None and current_org in org_ids):
            self.record_changed()
        elif changes.touches(ChangeKind.ORGANISATION):
            self.form_edited()  # the typed organisation may exist now
        if self.current_id in (None, NEW):
            return
        if changes.touches(ChangeKind.COMMUNICATION):
            model = self.communications_model
            count = model.source.count(self.store)
            if count != model.rowCount():
                model.reload()
            else:
                model.refresh_ids(comm_ids)
            self._related_titles()
        if (
            changes.touches(ChangeKind.CASE, ChangeKind.ACTION, ChangeKind.ORGANISATION)
            or self.current_id in contact_ids
        ):
            self.load_cases()

    def refresh(self) -> None:
        self.load_organisations()
        self.list.reload()
        self.record_changed()
        if self.current_id not in (None, NEW):
            self.load_cases()
            self.communications_model.reload()
            self._related_titles()

    def retranslate(self) -> None:
        self.list.retranslate(
            _("Search name, pinyin, initials, organisation or number"),
            _("All kinds"),
            _("{n} contacts"),
            _("No contacts yet. Press Ctrl+N to add one, or import a vCard/CSV file."),
            _("No contact matches the search. Clear the search box or choose all kinds."),
        )
        self.placeholder.setText(_("Choose a contact on the left, or press Ctrl+N to add one."))
        self.new_button.setText(_("New"))
        self.new_button.setToolTip(_("New contact (Ctrl+N)"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.revert_button.setText(_("Revert"))
        self.revert_button.setToolTip(_("Throw away the unsaved edits"))
        self.delete_button.setText(_("Delete"))
        self.draft_marker.setText(_("Draft, not saved"))
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
        self.cases_model.set_headers(_case_headers())
        if self.current_id not in (None, NEW):
            self.load_cases()
        self.communications_model.retranslate()
        self._related_titles()
        if self.current_id is not None:
            self.title.setText(self.heading(self.record))
            self.form_edited()
            self.check_phone()


# -- organisations -------------------------------------------------------------------------


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
            {O_NAME: 220, O_KIND: 90, O_CONTACTS: 70, O_OPEN_CASES: 80},
            O_NAME,
        )
        super().__init__(store, hub, records, parent)
        self.name_label = QLabel(self.detail)
        self.name = QLineEdit(self.detail)
        self.kind_label = QLabel(self.detail)
        self.kind = QComboBox(self.detail)
        for kind in OrganisationKind:
            self.kind.addItem("", kind.value)
        self.notes_label = QLabel(self.detail)
        self.notes = QPlainTextEdit(self.detail)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.name_label, self.name)
        form.addRow(self.kind_label, self.kind)
        form.addRow(self.notes_label, self.notes)
        self.form_area.addLayout(form)

        self.contacts_model = LazyIdModel(
            store, ContactSource(ContactFilter(organisation_id=NEW), clock=store.clock), self
        )
        self.contacts_model.set_sort(q.SORT_NAME, False)
        self.contacts_table = _small_table(self, self.contacts_model)
        _set_widths(self.contacts_table, {C_NAME: 90, C_PHONE: 130, C_LAST: 100}, C_ROLE)
        self.cases_model = RowsModel(_case_headers(), self)
        self.cases_table = _small_table(self, self.cases_model)
        _set_widths(self.cases_table, _CASE_WIDTHS, 1)
        self.related.addTab(self.contacts_table, "")
        self.related.addTab(self.cases_table, "")

        self.name.textChanged.connect(self.form_edited)
        self.kind.currentIndexChanged.connect(self.form_edited)
        self.notes.textChanged.connect(self.form_edited)
        self.contacts_table.activated.connect(self._choose_contact)
        self.cases_table.activated.connect(
            lambda index: self.hub.request_open(
                ChangeKind.CASE, self.cases_model.id_at(index.row())
            )
        )

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

    def focus_first_field(self) -> None:
        self.name.setFocus()

    def create_record(self, draft: OrganisationDraft) -> int | None:
        outcome = self.hub.call(self, organisations.create, draft.name, draft.kind, draft.notes)
        return None if outcome is None else outcome.value.id

    def store_changes(self, record: OrganisationRecord, draft: OrganisationDraft) -> bool:
        before = _organisation_draft(record)
        if draft == before:
            return True
        outcome = self.hub.call(
            self,
            organisations.update,
            record.id,
            name=None if draft.name == before.name else draft.name,
            kind=None if draft.kind == before.kind else draft.kind,
            notes=None if draft.notes == before.notes else draft.notes,
        )
        return outcome is not None

    def delete_question(self, record: OrganisationRecord) -> str:
        people = self.contacts_model.rowCount()
        if people:
            return _("Delete {name}? Its {n} contacts stay, without an organisation.").format(
                name=record.name, n=people
            )
        return _("Delete {name}? This cannot be undone.").format(name=record.name)

    def delete_call(self, ident: int) -> bool:
        return self.hub.call(self, organisations.delete, ident) is not None

    def load_related(self) -> None:
        assert self.current_id is not None
        self.contacts_model.set_source(
            ContactSource(ContactFilter(organisation_id=self.current_id), clock=self.store.clock)
        )
        self.load_cases()
        self.related.setEnabled(True)

    def load_cases(self) -> None:
        if self.current_id in (None, NEW):
            return
        lines = q.cases_of_organisation(self.store, self.current_id)
        self.cases_model.set_rows(_case_rows(lines))
        self._related_titles()

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
            self.list.refresh_cached()
        if self.current_id is None or self.current_id == NEW:
            return
        if self.current_id in org_ids:
            self.record_changed()
        if self.current_id in (None, NEW):
            return
        if changes.touches(ChangeKind.CONTACT, ChangeKind.COMMUNICATION):
            count = self.contacts_model.source.count(self.store)
            if count != self.contacts_model.rowCount():
                self.contacts_model.reload()
            else:
                people = set(contact_ids) | q.contacts_of_communications(
                    self.store, changes.ids_of(ChangeKind.COMMUNICATION)
                )
                self.contacts_model.refresh_ids(people)
        if changes.touches(ChangeKind.CASE, ChangeKind.ACTION):
            self.load_cases()
        self._related_titles()

    def refresh(self) -> None:
        self.list.reload()
        self.record_changed()
        if self.current_id not in (None, NEW):
            self.contacts_model.reload()
            self.load_cases()

    def retranslate(self) -> None:
        self.list.retranslate(
            _("Search name or pinyin"),
            _("All kinds"),
            _("{n} organisations"),
            _("No organisations yet. Press Ctrl+N to add one."),
            _("No organisation matches the search. Clear the search box or choose all kinds."),
        )
        self.placeholder.setText(
            _("Choose an organisation on the left, or press Ctrl+N to add one.")
        )
        self.new_button.setText(_("New"))
        self.new_button.setToolTip(_("New organisation (Ctrl+N)"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.revert_button.setText(_("Revert"))
        self.revert_button.setToolTip(_("Throw away the unsaved edits"))
        self.delete_button.setText(_("Delete"))
        self.draft_marker.setText(_("Draft, not saved"))
        self.name_label.setText(_("Name"))
        self.kind_label.setText(_("Kind"))
        for i, kind in enumerate(OrganisationKind):
            self.kind.setItemText(i, ORGANISATION_KIND[kind].tr())
        self.notes_label.setText(_("Notes"))
        self.contacts_model.retranslate()
        self.cases_model.set_headers(_case_headers())
        if self.current_id not in (None, NEW):
            self.load_cases()
        self._related_titles()
        if self.current_id is not None:
            self.form_edited()


# -- the view ------------------------------------------------------------------------------


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
