"""One case: its header and clock, then tabs for steps, documents, communications,
notes and the timeline.

The header's clock is the fast-track promise: working time since the case opened,
against the normal duration, and the time saved. It moves with the main window's
minute timer. Beside it, when the case is expected to close: its open steps' forecasts
carried along their dependencies (read when the case is refreshed, and again once the
departments' history is built). Notes typed and not saved stay as a draft per case, so
an interrupting call (or a look at another case) loses nothing.

Several officers may share the data. Every edit made here (the case's form, F2; its
notes; its status) is saved from the version of the case it was made on: a colleague's
change since is refused with who changed what, and the officer chooses to reload or to
keep editing; a draft of notes stays the officer's until they decide. The timeline says
who made each change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import EditConflictError, NotFoundError
from coordinator.foresight.forecast import CaseForecast
from coordinator.formatting import money, working_duration
from coordinator.i18n import _, current_language
from coordinator.kinds import CaseStatus
from coordinator.labels import CASE_STATUS, cap
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.queries import contacts as contact_queries
from coordinator.queries import documents as document_queries
from coordinator.queries import settings as setting_queries
from coordinator.queries import templates as template_queries
from coordinator.queries import timeline
from coordinator.queries.communications import CommunicationFilter
from coordinator.queries.timeline import describe
from coordinator.queries.timing import CaseClock, case_clock, chain_sentence
from coordinator.services import cases, settings
from coordinator.store.changes import ChangeKind, ChangeSet, Outcome
from coordinator.store.records import CaseRecord
from coordinator.store.storage import Store
from ui.hub import Hub
from ui.views.case.actions_tab import CaseActionsTab
from ui.views.case.documents_tab import CaseDocumentsTab
from ui.widgets import ask
from ui.widgets.column_kinds import Kind
from ui.widgets.conflict import ConflictBar, attempt_edit
from ui.widgets.forecast_text import close_text, close_tooltip
from ui.widgets.lazy_table import COL_CASE, COMMUNICATION_KINDS, LazyCommunicationsModel
from ui.widgets.rows_model import RowsModel
from ui.widgets.tables import set_up_table
from ui.widgets.undo import case_status_changed, edited

TAB_ACTIONS, TAB_DOCUMENTS, TAB_COMMUNICATIONS, TAB_NOTES, TAB_TIMELINE = range(5)


def clock_text(clock: CaseClock, seconds_per_day: int) -> str:
    """“3 h 20 min of a normal 3 working days · 2 working days 4 h saved”."""
    elapsed = working_duration(clock.elapsed_seconds, seconds_per_day)
    if clock.normal_seconds is None or clock.saved_seconds is None:
        return _("{elapsed} working time so far").format(elapsed=elapsed)
    normal = working_duration(clock.normal_seconds, seconds_per_day)
    saved = working_duration(clock.saved_seconds, seconds_per_day)
    if clock.saved_seconds >= 0:
        return _("{elapsed} of a normal {normal} · {saved} saved").format(
            elapsed=elapsed, normal=normal, saved=saved
        )
    return _("{elapsed} of a normal {normal} · {saved} slower than normal").format(
        elapsed=elapsed, normal=normal, saved=saved
    )


class CaseView(QWidget):
    back_requested = Signal()

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
        self.case: CaseRecord | None = None
        self.case_clock: CaseClock | None = None
        self.drafts: dict[int, str] = {}  # case id -> notes typed and not saved
        # case id -> the version of the case a draft of notes was begun on: saved from it,
        # so that a colleague's change meanwhile is not written over unseen
        self.draft_versions: dict[int, int] = {}
        self.overtaken: dict[int, str] = {}  # case id -> the notes a Reload set aside
        self._action_ids: set[int] = set()
        self._document_ids: set[int] = set()

        self.back_button = QToolButton(self)
        self.back_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.back_button.setShortcut(QKeySequence("Alt+Left"))
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel(self)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.clock_label = QLabel(self)
        self.clock_label.setTextFormat(Qt.TextFormat.PlainText)
        clock_font = self.clock_label.font()
        clock_font.setBold(True)
        self.clock_label.setFont(clock_font)
        self.close_label = QLabel(self)
        self.close_label.setTextFormat(Qt.TextFormat.PlainText)
        self.pin_button = QPushButton(self)
        self.pin_button.setCheckable(True)
        self.pin_button.toggled.connect(self._pin_toggled)
        # Shortcuts as actions: a button's own shortcut clicks it only after an animation.
        self.pin_action = QAction(self)
        self.pin_action.setShortcut(QKeySequence("Ctrl+D"))
        self.pin_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.pin_action.triggered.connect(self.toggle_pin)
        self.addAction(self.pin_action)
        self.edit_button = QPushButton(self)
        self.edit_button.clicked.connect(self.edit_case)
        self.edit_action = QAction(self)
        self.edit_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.edit_action.triggered.connect(self.edit_case)
        self.addAction(self.edit_action)
        self.print_button = QPushButton(self)
        self.print_button.clicked.connect(self.print_summary)
        self.print_action = QAction(self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.print_action.triggered.connect(self.print_summary)
        self.addAction(self.print_action)
        self.status_button = QPushButton(self)
        self.status_menu = QMenu(self)
        self.status_button.setMenu(self.status_menu)
        self.status_actions: dict[CaseStatus, QAction] = {}
        for status in CaseStatus:
            action = QAction(self)
            action.triggered.connect(lambda _checked=False, s=status: self.set_case_status(s))
            self.status_menu.addAction(action)
            self.status_actions[status] = action

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.edit_button)
        top.addWidget(self.pin_button)
        top.addWidget(self.print_button)
        top.addWidget(self.status_button)

        self.tabs = QTabWidget(self)
        self.actions_tab = CaseActionsTab(hub, clock, self)
        self.actions_tab.refresh_requested.connect(self.refresh)
        self.documents_tab = CaseDocumentsTab(store, hub, clock, self)
        self.documents_tab.refresh_requested.connect(self.refresh)
        self.comm_model = LazyCommunicationsModel(
            store, CommunicationFilter(case_id=-1), parent=self
        )
        self.comm_table = QTableView(self)
        self.comm_table.setModel(self.comm_model)
        set_up_table(self.comm_table, kinds=COMMUNICATION_KINDS)
        # Every row is of this case: its reference would only repeat the title's.
        self.comm_table.setColumnHidden(COL_CASE, True)
        self.comm_table.doubleClicked.connect(self._open_communication)
        self.notes = QPlainTextEdit(self)
        self.notes.textChanged.connect(self._notes_edited)
        self.notes_state = QLabel(self)
        self.notes_conflict = ConflictBar(self)
        self.notes_conflict.reload_requested.connect(self.reload_notes)
        self.notes_conflict.restore_requested.connect(self.restore_notes)
        self.save_notes_button = QPushButton(self)
        self.save_notes_button.clicked.connect(self.save_notes)
        self.save_notes_action = QAction(self)
        self.save_notes_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_notes_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_notes_action.triggered.connect(self.save_notes)
        notes_page = QWidget(self)
        notes_page.addAction(self.save_notes_action)
        notes_layout = QVBoxLayout(notes_page)
        notes_layout.addWidget(self.notes_conflict)
        notes_layout.addWidget(self.notes, 1)
        notes_bar = QHBoxLayout()
        notes_bar.addWidget(self.notes_state, 1)
        notes_bar.addWidget(self.save_notes_button)
        notes_layout.addLayout(notes_bar)
        self.timeline_model = RowsModel(["", "", "", ""], self)  # when, record, change, who
        self.timeline_table = QTableView(self)
        self.timeline_table.setModel(self.timeline_model)
        set_up_table(self.timeline_table, kinds=(Kind.TIME, Kind.TEXT, Kind.NOTES, Kind.NAME))
        self.tabs.addTab(self.actions_tab, "")
        self.tabs.addTab(self.documents_tab, "")
        self.tabs.addTab(self.comm_table, "")
        self.tabs.addTab(notes_page, "")
        self.tabs.addTab(self.timeline_table, "")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        clock_row = QHBoxLayout()
        clock_row.addWidget(self.clock_label)
        clock_row.addSpacing(24)
        clock_row.addWidget(self.close_label, 1)
        layout.addLayout(clock_row)
        layout.addWidget(self.tabs, 1)
        hub.changed.connect(self.on_changed)
        # The forecasts come once the departments' history is read (and after a rebuild).
        hub.foresight.ready.connect(self.show_forecast)
        self.retranslate()

    # -- text ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.back_button.setToolTip(_("Back to the list (Alt+Left)"))
        self.edit_button.setText(_("Edit case… (F2)"))
        self.edit_button.setToolTip(_("Title, company, owner, fast-track, amount, tags"))
        self.print_button.setText(_("Print summary…"))
        self.status_button.setText(_("Case status"))
        self.status_actions[CaseStatus.OPEN].setText(_("Reopen"))
        self.status_actions[CaseStatus.ON_HOLD].setText(_("Put on hold…"))
        self.status_actions[CaseStatus.CLOSED].setText(_("Close…"))
        self.status_actions[CaseStatus.CANCELLED].setText(_("Cancel the case…"))
        self.save_notes_button.setText(_("Save notes (Ctrl+S)"))
        # Named for the shortcut list (F1), which reads every action's text.
        self.pin_action.setText(_("Pin or unpin the case"))
        self.edit_action.setText(_("Edit case…"))
        self.print_action.setText(_("Print summary…"))
        self.save_notes_action.setText(_("Save notes"))
        for index, label in enumerate(
            (_("Steps"), _("Documents"), _("Communications"), _("Notes"), _("Timeline"))
        ):
            self.tabs.setTabText(index, label)
        self.actions_tab.retranslate()
        self.documents_tab.retranslate()
        self.comm_model.retranslate()
        self.timeline_model.set_headers([_("When"), _("Record"), _("Change"), _("Officer")])
        self.notes_conflict.retranslate()
        if self.case is not None:
            self.refresh()

    # -- showing ---------------------------------------------------------------------

    @property
    def case_id(self) -> int | None:
        return None if self.case is None else self.case.id

    def show_case(self, case_id: int) -> None:
        if self.case is not None and self.case.id != case_id:
            self._keep_draft()
            self.notes_conflict.hide()
        self.case = case_queries.get(self.store, case_id)
        self.comm_model.set_filter(CommunicationFilter(case_id=case_id))
        self.refresh()

    def refresh(self) -> None:
        """Read the case again (it is one case: its steps and documents are few)."""
        if self.case is None:
            return
        try:
            self.case = case_queries.get(self.store, self.case.id)
        except NotFoundError:
            self.case = None
            self.back_requested.emit()
            return
        case = self.case
        self.title.setText(f"{case.reference} · {case.title}")
        parts = [case.company_name or _("no company yet")]
        if case.kind:
            parts.append(self._template_names().get(case.kind, case.kind))
        parts.append(cap(CASE_STATUS[case.status]))
        if case.owner:
            parts.append(_("owner {name}").format(name=case.owner))
        if case.fast_track:
            parts.append(_("fast-track"))
        if case.amount is not None:
            parts.append(money(case.amount, case.currency))
        self.facts.setText(" · ".join(parts))
        pinned = case.id in setting_queries.pinned_cases(self.store)
        self.pin_button.blockSignals(True)
        self.pin_button.setChecked(pinned)
        self.pin_button.blockSignals(False)
        self.pin_button.setText(_("Unpin (Ctrl+D)") if pinned else _("Pin (Ctrl+D)"))
        for status, action in self.status_actions.items():
            action.setEnabled(status != case.status)
        self._show_clock()
        self._refresh_lists()
        self._show_notes()

    def _template_names(self) -> dict[str, str]:
        english = current_language() == "en"
        return {
            t.key: (t.name_en if english and t.name_en else t.name)
            for t in template_queries.list_all(self.store)
        }

    def refresh_clock(self) -> None:
        """The minute tick: the clock moves, and the forecasts with it (a step likely to
        be late becomes overdue)."""
        if self.case is None:
            return
        self._show_clock()
        self.show_forecast()

    def _show_clock(self) -> None:
        assert self.case is not None
        calendar = self.store.calendar()
        self.case_clock = case_clock(self.store, self.case.id, self.clock())
        self.clock_label.setText(clock_text(self.case_clock, calendar.seconds_per_day))

    def _refresh_lists(self) -> None:
        assert self.case is not None
        assert self.case_clock is not None
        calendar = self.store.calendar()
        self.actions_tab.case_id = self.documents_tab.case_id = self.case.id
        steps = action_queries.for_case(self.store, self.case.id)
        self._action_ids = {s.id for s in steps}
        forecast = self._forecast()
        self.actions_tab.show_steps(steps, self.case_clock, calendar, forecast)
        per_day = calendar.seconds_per_day
        # The chain the steps' ◆ marks, in the words the printed summary uses.
        self.clock_label.setToolTip(
            chain_sentence(
                self.case_clock,
                {s.id: s.title for s in steps},
                lambda seconds: working_duration(seconds, per_day),
            )
        )
        self._show_close(forecast)
        docs = document_queries.for_case(self.store, self.case.id)
        self._document_ids = {d.id for d in docs}
        names = {o.id: o.name for o in contact_queries.organisations(self.store)}
        self.documents_tab.show_documents(docs, names)
        self._show_timeline()

    def _forecast(self) -> CaseForecast | None:
        """The case's forecast as of now; None until the history is read (the first ask
        starts reading it, and :attr:`Foresight.ready` shows it)."""
        assert self.case is not None
        return self.hub.foresight.forecasts([self.case.id], self.clock()).get(self.case.id)

    def show_forecast(self) -> None:
        """The steps' forecasts and the expected close again, the rest as it is."""
        if self.case is None:
            return
        forecast = self._forecast()
        self.actions_tab.show_forecast(forecast)
        self._show_close(forecast)

    def _show_close(self, forecast: CaseForecast | None) -> None:
        self.close_label.setText(close_text(forecast, self.clock()))
        self.close_label.setToolTip(close_tooltip(forecast))

    def _show_timeline(self) -> None:
        assert self.case is not None
        events = timeline.for_case(self.store, self.case.id)
        names: dict[tuple[str, int], str] = {("case", self.case.id): self.case.reference}
        for step in self.actions_tab.steps:
            names["action", step.id] = f"{step.department_name}: {step.title}"
        for doc in self.documents_tab.docs:
            names["document", doc.id] = doc.title
        known = timeline.referred(self.store, events, self.case.id)
        now = self.clock()
        rows = []
        for event in reversed(events):  # newest first: what just happened is on top
            line = describe(event, names, known)
            when = line.at.strftime("%m-%d %H:%M" if line.at.year == now.year else "%Y-%m-%d")
            rows.append((event.id, (when, line.subject, line.change, line.officer)))
        self.timeline_model.set_rows(rows)

    # -- notes and drafts ------------------------------------------------------------

    def _show_notes(self) -> None:
        assert self.case is not None
        draft = self.drafts.get(self.case.id)
        self.notes.blockSignals(True)
        if self.notes.toPlainText() != (draft if draft is not None else self.case.notes):
            self.notes.setPlainText(draft if draft is not None else self.case.notes)
        self.notes.blockSignals(False)
        self._update_notes_state()

    def _keep_draft(self) -> None:
        if self.case is None:
            return
        text = self.notes.toPlainText()
        if text != self.case.notes:
            self.drafts[self.case.id] = text
            # A draft is made on the version shown when its first keystroke was typed.
            self.draft_versions.setdefault(self.case.id, self.case.row_version)
        else:
            self.drafts.pop(self.case.id, None)
            self.draft_versions.pop(self.case.id, None)

    def _notes_edited(self) -> None:
        self._keep_draft()
        self._update_notes_state()

    def _update_notes_state(self) -> None:
        dirty = self.case is not None and self.case.id in self.drafts
        self.notes_state.setText(_("Draft — not saved yet") if dirty else _("Saved"))
        self.save_notes_button.setEnabled(dirty)

    def has_draft(self, case_id: int) -> bool:
        return case_id in self.drafts

    def save_notes(self) -> None:
        if self.case is None or self.case.id not in self.drafts:
            return
        case_id = self.case.id
        text = self.drafts[case_id]
        notes_before = self.case.notes
        outcome = attempt_edit(
            self.hub,
            self,
            cases.update,
            case_id,
            notes=text,
            expected_version=self.draft_versions.get(case_id, self.case.row_version),
        )
        if isinstance(outcome, EditConflictError):
            self.notes_conflict.show_conflict(outcome)  # the draft stays as typed
            return
        if outcome is not None:
            self.drafts.pop(case_id, None)
            self.draft_versions.pop(case_id, None)
            self.overtaken.pop(case_id, None)
            self.notes_conflict.hide()
            self.case = outcome.value
            self._update_notes_state()
            self._say_notes_saved(outcome.value, notes_before)

    def _say_notes_saved(self, after: CaseRecord, notes_before: str) -> None:
        """The status bar says so; Ctrl+Z puts the notes back from the version saved."""
        hub, ident, version = self.hub, after.id, after.row_version

        def put_back(widget: QWidget | None) -> Outcome[CaseRecord] | None:
            return hub.call(
                widget,
                cases.update,
                ident,
                notes=notes_before,
                expected_version=version,
                undoing=True,
            )

        what = _("Case {reference}").format(reference=after.reference)
        edited(hub, what, [_("Notes")], put_back)

    def reload_notes(self) -> None:
        """The notes as saved now (the colleague's); the officer's draft is set aside,
        listed in the bar, and put back with one click."""
        if self.case is None:
            return
        case_id = self.case.id
        mine = self.drafts.pop(case_id, None)
        self.draft_versions.pop(case_id, None)
        self.refresh()
        if self.case is None or mine is None or mine == self.case.notes:
            self.notes_conflict.hide()
            return
        self.overtaken[case_id] = mine
        self.notes_conflict.show_reloaded([(_("Notes"), mine)])

    def restore_notes(self) -> None:
        """The officer's draft back in the box, now made on the notes as saved."""
        if self.case is None or self.case.id not in self.overtaken:
            return
        self.notes.setPlainText(self.overtaken.pop(self.case.id))  # a draft again

    def edit_case(self) -> None:
        """The case's form (F2): filled from the case as shown, saved from that version."""
        if self.case is None:
            return
        from ui.dialogs.case_form import edit_case

        before = self.case.row_version
        dialog = edit_case(self.store, self.hub, self.case, self)
        if dialog.saved is not None and dialog.saved_from == before:
            self._follow_own_change(before, dialog.saved.row_version)

    def _follow_own_change(self, before: int, after: int) -> None:
        """The officer changed the case here: a draft of notes begun on the version just
        changed moves on with it (the change was theirs; it is not a colleague's)."""
        if self.case is not None and self.draft_versions.get(self.case.id) == before:
            self.draft_versions[self.case.id] = after

    # -- commands --------------------------------------------------------------------

    def _pin_toggled(self, checked: bool) -> None:
        if self.case is not None:
            self.hub.call(self, settings.set_pinned, self.case.id, checked)
            self.pin_button.setText(_("Unpin (Ctrl+D)") if checked else _("Pin (Ctrl+D)"))

    def toggle_pin(self) -> None:
        self.pin_button.toggle()

    def set_case_status(self, status: CaseStatus) -> None:
        if self.case is None:
            return
        reason = ""
        force = False
        if status != CaseStatus.OPEN:
            open_steps = [
                s for s in self.actions_tab.steps if s.status.value not in ("done", "cancelled")
            ]
            prompt = _("Why? (kept in the timeline)")
            if status == CaseStatus.CLOSED and open_steps:
                prompt = _(
                    "{n} steps are still open and will be cancelled. Why close the case now?"
                ).format(n=len(open_steps))
                force = True
            answer = ask.text(
                self,
                cap(CASE_STATUS[status]),
                prompt,
                required=status == CaseStatus.CANCELLED or force,
            )
            if answer is None:
                return
            reason = answer
        case = self.case
        before = case.row_version
        steps_before = {s.id: s for s in action_queries.for_case(self.store, case.id)}
        outcome = attempt_edit(
            self.hub,
            self,
            cases.set_status,
            case.id,
            status,
            reason=reason,
            force=force,
            expected_version=before,
        )
        if isinstance(outcome, EditConflictError):
            self.refresh()  # show the colleague's change the refusal speaks of
            self.hub.show_error(self, outcome.message())
        elif outcome is not None:
            self._follow_own_change(before, outcome.value.row_version)
            # The steps the closing cancelled, with the version it left them at, so that
            # the undo puts them back unless a colleague has changed them since.
            cancelled = [
                (steps_before[s.id], s.row_version)
                for s in action_queries.for_case(self.store, case.id)
                if s.id in steps_before and s.status != steps_before[s.id].status
            ]
            case_status_changed(self.hub, case, outcome.value, cancelled)

    def print_summary(self) -> None:
        if self.case is None:
            return
        from ui.printing.report_actions import print_case_summary

        print_case_summary(self.store, self.case.id, self)

    def _open_communication(self) -> None:
        rows = self.comm_table.selectionModel().selectedRows()
        if rows:
            ident = self.comm_model.id_at(rows[0].row())
            if ident is not None:
                self.hub.request_open(ChangeKind.COMMUNICATION, ident)

    def select(self, what: str, ident: int) -> None:
        if what == ChangeKind.ACTION and self.actions_tab.select_step(ident):
            self.tabs.setCurrentIndex(TAB_ACTIONS)
            self.actions_tab.tree.setFocus()
        elif what == ChangeKind.DOCUMENT and self.documents_tab.select_document(ident):
            self.tabs.setCurrentIndex(TAB_DOCUMENTS)
            self.documents_tab.tree.setFocus()

    # -- changes elsewhere -----------------------------------------------------------

    def on_changed(self, changes: ChangeSet) -> None:
        if self.case is None:
            return
        mine = (
            self.case.id in changes.ids_of(ChangeKind.CASE)
            or bool(changes.ids_of(ChangeKind.ACTION) & self._action_ids)
            or bool(changes.ids_of(ChangeKind.DOCUMENT) & self._document_ids)
            or changes.touches(ChangeKind.CALENDAR, ChangeKind.ORGANISATION, ChangeKind.SETTING)
        )
        if mine:
            self.refresh()
        elif changes.touches(ChangeKind.ACTION, ChangeKind.CASE):
            # A step of another case done, or reopened, moves the history this case's
            # forecasts are drawn from.
            self.show_forecast()
        if changes.touches(ChangeKind.COMMUNICATION):
            self.comm_model.reload()
