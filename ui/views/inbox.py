"""The unfiled inbox: calls and messages logged without a case, filed to cases in bulk.

The officer triages from the keyboard: Up/Down and Shift/Ctrl select rows, Enter or F
files them to the chosen case, 1..9 to the Nth suggested case, U undoes the last
filing, Delete deletes (after asking), / goes to the case search box. Suggestions put
first the three cases the filing model ranks best for what the selected messages say
and who sent them, with the reasons of the current one shown below the list; then the
open cases of the selected rows' callers (their most recently active), then the
office's other open cases; typing in the search box narrows those by reference, title
or company. The model is built in the background when the inbox first opens: until
then the list is the plain one.

Filed rows leave the list one by one (rows removed, not a model reset), so the
selection moves on to the next row and the officer keeps going.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError, EditConflictError
from coordinator.i18n import _, current_language
from coordinator.queries import communications as cq
from coordinator.services import communications
from coordinator.services.communications import DeletedCommunication
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.filing import CaseChoice, Filing, suggested_cases
from ui.views.inbox_model import (
    COLUMN_COUNT,
    InboxModel,
)
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import attempt_edit
from ui.widgets.lazy_table import row_runs
from ui.widgets.tables import set_up_table
from ui.widgets.undo import communications_deleted

NUMBERED = 9
ROWS_CONSIDERED = 200
RANKED_ROWS = 20
"""Selected messages the filing model reads (their scores add up)."""
SEARCH_DELAY_MS = 150


def _list(names: Sequence[str]) -> str:
    """Names in a sentence: “林晓雯、赵启航” / “Lin, Zhao”."""
    return ("、" if current_language() == "zh_CN" else ", ").join(names)


class InboxView(QWidget):
    def __init__(
        self,
        store: Store,
        hub: Hub,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self.clock = clock
        self._suggestions: list[CaseChoice] = []
        self._suggested_for: tuple[object, ...] | None = None
        self._syncing = False

        self.title = QLabel(self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.keys_hint = QLabel(self)
        self.keys_hint.setWordWrap(True)

        self.model = InboxModel(store, clock, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        set_up_table(self.table, kinds=(Kind.TIME, Kind.STATUS, Kind.NAME, Kind.NOTES))
        self.table.setTabKeyNavigation(False)  # Tab goes on to the case search box
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list_stack = QStackedWidget(self)
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty)

        self.file_label = QLabel(self)
        self.file_label.setFont(font)
        self.case_search = QLineEdit(self)
        self.case_search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.suggest_caption = QLabel(self)
        self.suggest_caption.setWordWrap(True)
        # A tree of one level rather than a list: its columns elide long case titles
        # instead of scrolling sideways.
        self.cases = QTreeWidget(self)
        self.cases.setColumnCount(2)
        self.cases.setHeaderHidden(True)
        self.cases.setRootIsDecorated(False)
        self.cases.setUniformRowHeights(True)
        self.cases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cases.header().setStretchLastSection(True)
        self.cases.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.reasons = QLabel(self)
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)  # quotes the officer's notes
        self.file_button = QPushButton(self)
        self.undo_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.file_button, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.delete_button)
        self.notes_label = QLabel(self)
        self.notes = QPlainTextEdit(self)
        self.notes.setReadOnly(True)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 7)
        panel = QWidget(self)
        side = QVBoxLayout(panel)
        side.setContentsMargins(6, 0, 0, 0)
        side.addWidget(self.file_label)
        side.addWidget(self.case_search)
        side.addWidget(self.suggest_caption)
        side.addWidget(self.cases, 1)
        side.addWidget(self.reasons)
        side.addLayout(buttons)
        side.addWidget(self.notes_label)
        side.addWidget(self.notes)
        self.panel = panel

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.list_stack)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.keys_hint, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        self.table.installEventFilter(self)
        self.case_search.installEventFilter(self)
        self.cases.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._open_row)
        self.case_search.textChanged.connect(self.search_timer.start)
        self.search_timer.timeout.connect(self.update_suggestions)
        self.cases.itemDoubleClicked.connect(lambda _item, _column: self.file_to_current())
        self.cases.currentItemChanged.connect(lambda *_args: self._show_reasons())
        self.file_button.clicked.connect(self.file_to_current)
        self.undo_button.clicked.connect(self.undo)
        self.delete_button.clicked.connect(self.delete_selected)
        self.model.rowsRemoved.connect(self._count_changed)
        self.model.rowsInserted.connect(self._count_changed)
        self.model.modelReset.connect(self._count_changed)
        hub.changed.connect(self.on_changed)
        hub.undo_changed.connect(self._update_buttons)
        self.foresight = hub.foresight
        self.foresight.ready.connect(self.suggest_again)
        self.foresight.start()
        self.retranslate()
        self._select_rows([0])

    # -- selection ----------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.table.selectionModel().selectedRows())

    def selected_ids(self) -> list[int]:
        ids = (self.model.id_at(r) for r in self.selected_rows())
        return [i for i in ids if i is not None]

    def _select_rows(self, rows: Sequence[int]) -> None:
        """Select these rows (the first becomes current) and show it."""
        valid = [r for r in rows if 0 <= r < self.model.rowCount()]
        selection_model = self.table.selectionModel()
        if not valid:
            selection_model.clearSelection()
            self._selection_changed()
            return
        selection = QItemSelection()
        last_column = COLUMN_COUNT - 1
        for first, last in row_runs(sorted(set(valid))):
            selection.select(self.model.index(first, 0), self.model.index(last, last_column))
        flags = QItemSelectionModel.SelectionFlag
        selection_model.setCurrentIndex(self.model.index(valid[0], 0), flags.NoUpdate)
        selection_model.select(selection, flags.ClearAndSelect | flags.Rows)
        self.table.scrollTo(self.model.index(valid[0], 0))

    def select_ids(self, ids: Iterable[int]) -> None:
        rows = [r for r in (self.model.row_of(i) for i in ids) if r is not None]
        self._select_rows(sorted(rows))

    def _selection_changed(self, *_args: object) -> None:
        if self._syncing:  # rows leaving one by one: decide once they are gone
            return
        self._show_notes()
        self.update_suggestions()
        self._update_buttons()

    def _show_notes(self) -> None:
        current = self.table.currentIndex()
        rows = self.selected_rows()
        ident = self.model.id_at(current.row()) if current.isValid() and rows else None
        text = ""
        if ident is not None:
            try:
                text = cq.get(self.store, ident).notes
            except DomainError:  # deleted this very moment: the change set follows
                text = ""
        self.notes.setPlainText(text)

    # -- suggestions ------------------------------------------------------------------------

    def suggestions(self) -> list[CaseChoice]:
        return list(self._suggestions)

    def update_suggestions(self) -> None:
        self.search_timer.stop()
        ids = self.selected_ids()[:ROWS_CONSIDERED]
        text = self.case_search.text().strip()
        rows = self.model.records(ids)
        ranking = not text and self.foresight.is_ready
        # Without the model only the callers matter: Shift+Down within one caller's rows
        # asks nothing again. With it, what each message says matters too.
        callers: tuple[int | str, ...] = tuple(
            dict.fromkeys(r.contact_id if r.contact_id is not None else r.raw_number for r in rows)
        )
        key = (callers, text, tuple(ids[:RANKED_ROWS]) if ranking else ())
        if key == self._suggested_for:
            return
        self._suggested_for = key
        current = self.chosen_case()
        keep = current.case_id if current is not None else None
        ranked = self.foresight.suggest(ids[:RANKED_ROWS]) if ranking and ids else []
        self._suggestions = suggested_cases(self.store, rows, text, self.clock(), ranked)
        self._fill_cases(keep if text else None)

    def suggest_again(self) -> None:
        """Ask for the suggestions even if the selection and search text are the same."""
        self._suggested_for = None
        self.update_suggestions()

    def _fill_cases(self, keep: int | None) -> None:
        self.cases.clear()
        bold = QFont(self.cases.font())
        bold.setBold(True)
        current_row = 0
        for number, choice in enumerate(self._suggestions, start=1):
            item = QTreeWidgetItem(
                self.cases, [str(number) if number <= NUMBERED else "", choice.label()]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, choice.case_id)
            tip = choice.label()
            if choice.reasons:
                item.setFont(1, bold)
                tip = _("{case}: {reasons}").format(case=choice.label(), reasons=choice.reasons)
            elif choice.caller_name:
                item.setFont(1, bold)
                tip = _("An open case of {name}: {case}").format(
                    name=choice.caller_name, case=choice.label()
                )
            item.setToolTip(1, tip)
            if choice.case_id == keep:
                current_row = number - 1
        if self._suggestions:
            self._set_case_row(current_row)
        callers = list(dict.fromkeys(c.caller_name for c in self._suggestions if c.caller_name))
        ranked = sum(1 for c in self._suggestions if c.reasons)
        if ranked:
            self.suggest_caption.setText(
                _("The best matches for the message first (1–{n}); then the open cases.").format(
                    n=ranked
                )
            )
        elif callers:
            self.suggest_caption.setText(
                _("Open cases of {names} first; then the office's other open cases.").format(
                    names=_list(callers[:3])
                )
            )
        elif self.case_search.text().strip() and not self._suggestions:
            self.suggest_caption.setText(_("No open case matches."))
        else:
            self.suggest_caption.setText(_("The office's open cases, newest first."))
        self._show_reasons()
        self._update_buttons()

    def _show_reasons(self) -> None:
        choice = self.chosen_case()
        text = choice.reasons if choice is not None else ""
        self.reasons.setText(_("Why: {reasons}").format(reasons=text) if text else "")
        self.reasons.setVisible(bool(text))

    def chosen_case(self) -> CaseChoice | None:
        index = self.cases.currentIndex()
        row = index.row() if index.isValid() else -1
        return self._suggestions[row] if 0 <= row < len(self._suggestions) else None

    def _set_case_row(self, row: int) -> None:
        item = self.cases.topLevelItem(row)
        if item is not None:
            self.cases.setCurrentItem(item)
            self.cases.scrollToItem(item)

    # -- filing --------------------------------------------------------------------------

    def file_to_current(self) -> None:
        if self.search_timer.isActive():  # Enter right after typing: search first
            self.update_suggestions()
        choice = self.chosen_case()
        if choice is not None:
            self.file_to(choice)

    def file_to_number(self, number: int) -> None:
        if 1 <= number <= min(NUMBERED, len(self._suggestions)):
            self.file_to(self._suggestions[number - 1])

    def file_to(self, choice: CaseChoice) -> bool:
        """File the selected rows to ``choice``; the next row is selected afterwards."""
        ids = self.selected_ids()
        if not ids:
            return False
        first_row = self.selected_rows()[0]
        # Filed from what the rows show: one a colleague filed meanwhile is not filed
        # again over their filing (the refusal says who filed it where).
        shown = {row.id: row.row_version for row in self.model.records(ids)}
        outcome = attempt_edit(
            self.hub,
            self,
            communications.file_to_case,
            ids,
            choice.case_id,
            expected_versions=shown,
        )
        if isinstance(outcome, EditConflictError):
            self.model.sync(ids)
            self.hub.show_error(self, outcome.message())
            return False
        if outcome is None:
            return False
        if outcome.value:
            filing = Filing(tuple(outcome.value), choice.case_id, choice.reference)
            said = _("Filed {n} to {case}. U or Ctrl+Z to undo.").format(
                n=len(ids), case=choice.reference
            )
            self.hub.did(said, lambda widget: self._unfile(filing, widget))
            self.status.setText(said)
        self._after_rows_left(first_row)
        return True

    def undo(self) -> None:
        """U: the last thing done in the window taken back (here, most often a filing)."""
        text = self.hub.undo(self)
        if text is not None:
            self.status.setText(text)
        self._update_buttons()

    def _unfile(self, filing: Filing, widget: QWidget | None) -> str | None:
        """The rows of ``filing`` back to unfiled (those still in that case)."""
        found = cq.rows(self.store, filing.ids)
        still = [i for i in filing.ids if i in found and found[i].case_id == filing.case_id]
        if not still:
            return _("Those communications were moved or deleted since: nothing to undo.")
        outcome = attempt_edit(
            self.hub,
            widget,
            communications.file_to_case,
            still,
            None,
            expected_versions={i: found[i].row_version for i in still},
            undoing=True,
        )
        if isinstance(outcome, EditConflictError):
            self.hub.show_error(widget, outcome.message())
            return None
        if outcome is None:
            return None
        self.select_ids(still)
        self.table.setFocus()
        return _("{n} back in the inbox from {case}.").format(n=len(still), case=filing.reference)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        # No question first: Ctrl+Z (or U) puts them back.
        first_row = self.selected_rows()[0]
        gone: list[DeletedCommunication] = []
        for ident in ids:
            outcome = self.hub.call(self, communications.delete, ident)
            if outcome is None:
                break  # the refusal is shown; the rest stay
            gone.append(outcome.value)
        if gone:
            said = communications_deleted(self.hub, gone)
            self.status.setText(said)
        self._after_rows_left(first_row)

    def _after_rows_left(self, first_row: int) -> None:
        """Keep going: the row now where the first of the gone ones was is selected."""
        self._sync()  # in case no change set came (nothing moved)
        self._select_rows([min(first_row, self.model.rowCount() - 1)])
        if self.model.rowCount():
            self.table.setFocus()
        else:  # the list is gone: U (or Space) still undoes from here
            self.undo_button.setFocus()

    # -- keys ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.table:
                return self._table_key(event)
            if watched is self.case_search:
                return self._search_key(event)
            if watched is self.cases:
                return self._cases_key(event)
        return super().eventFilter(watched, event)

    def _table_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        plain = not (
            event.modifiers()
            & (
                Qt.KeyboardModifier.ControlModifier
                | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier
            )
        )
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or (plain and key == Qt.Key.Key_F):
            self.file_to_current()
            return True
        if plain and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.file_to_number(key - Qt.Key.Key_0)
            return True
        if plain and key == Qt.Key.Key_U:
            self.undo()
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):  # Backspace: a Mac's delete key
            self.delete_selected()
            return True
        if (plain and key == Qt.Key.Key_Slash) or event.matches(QKeySequence.StandardKey.Find):
            self.case_search.setFocus()
            self.case_search.selectAll()
            return True
        return False

    def _search_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            if self.search_timer.isActive():
                self.update_suggestions()
            step = 1 if key == Qt.Key.Key_Down else -1
            current = self.cases.currentIndex()
            row = (current.row() if current.isValid() else -1) + step
            self._set_case_row(max(0, min(row, self.cases.topLevelItemCount() - 1)))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.file_to_current()
            return True
        if key == Qt.Key.Key_Escape:
            if self.case_search.text():
                self.case_search.clear()
            else:
                self.table.setFocus()
            return True
        return False

    def _cases_key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.file_to_current()
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """U from anywhere in the view that does not type text (the empty inbox's buttons)."""
        if event.key() == Qt.Key.Key_U and not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            self.undo()
            return
        super().keyPressEvent(event)

    def _open_row(self, index: QModelIndex) -> None:
        ident = self.model.id_at(index.row())
        if ident is not None:
            self.hub.request_open(ChangeKind.COMMUNICATION, ident)

    # -- changes ----------------------------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.COMMUNICATION):
            self._sync(changes.ids_of(ChangeKind.COMMUNICATION))
        elif changes.touches(ChangeKind.CONTACT):
            self.model.refresh_cached()
        if changes.touches(ChangeKind.CASE, ChangeKind.CONTACT, ChangeKind.ACTION):
            self.suggest_again()  # a case opened or closed, a caller's cases changed

    def _sync(self, changed: Iterable[int] = ()) -> None:
        self._syncing = True
        try:
            self.model.sync(changed)
        finally:
            self._syncing = False
        self._selection_changed()

    def refresh(self) -> None:
        """Read the list again (rows logged or filed elsewhere)."""
        self._sync()
        self.suggest_again()

    def _count_changed(self, *_args: object) -> None:
        n = self.model.rowCount()
        self.title.setText(_("Unfiled: {n}").format(n=n))
        self.list_stack.setCurrentWidget(self.table if n else self.empty)
        # Nothing to read when nothing is left: the room goes to the empty-state sentence.
        self.notes_label.setVisible(n > 0)
        self.notes.setVisible(n > 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_rows = bool(self.table.selectionModel().selectedRows())
        self.file_button.setEnabled(has_rows and self.chosen_case() is not None)
        self.delete_button.setEnabled(has_rows)
        self.undo_button.setEnabled(bool(self.hub.undo_stack))

    def retranslate(self) -> None:
        self.keys_hint.setText(
            _(
                "Enter or F: file the selected rows · 1–9: file to that case · U: undo · "
                "Delete: delete · /: search cases"
            )
        )
        self.empty.setText(_("Nothing to file. Calls logged without a case land here."))
        self.file_label.setText(_("File to case"))
        self.case_search.setPlaceholderText(_("Search open cases: reference, title or company"))
        self.file_button.setText(_("File (Enter)"))
        self.undo_button.setText(_("Undo (U)"))
        self.delete_button.setText(_("Delete…"))
        self.notes_label.setText(_("Notes of the current row"))
        self.model.retranslate()
        self._count_changed()
        self.suggest_again()
