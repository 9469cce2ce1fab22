"""Reports: the run sheet, the handover brief, the backlog, and the year's indicators
(shown here, with their annual targets editable, and printable).

The run sheet carries the steps' forecasts when the hub's foresight has the
departments' history built (else it is printed without, and the history starts
building for the next time)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from coordinator.errors import DomainError
from coordinator.formatting import WAN, money, wan_unit
from coordinator.i18n import _
from coordinator.kinds import Indicator
from coordinator.queries import indicators as indicator_queries
from coordinator.queries import settings as setting_queries
from coordinator.services import indicators, settings
from coordinator.store.storage import Store
from coordinator.validation import parse_amount
from ui.printing.report_actions import run_report

if TYPE_CHECKING:
    from coordinator.reports import Report  # the package imports Jinja2: only when printing
    from ui.hub import Hub


class ReportsView(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None, hub: Hub | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.hub = hub
        self._indicators_stale = True
        layout = QVBoxLayout(self)
        office_row = QHBoxLayout()
        self.office_label = QLabel(self)
        self.office_edit = QLineEdit(self)
        self.office_save = QPushButton(self)
        self.office_save.clicked.connect(self.save_office_name)
        self.office_edit.returnPressed.connect(self.save_office_name)
        office_row.addWidget(self.office_label)
        office_row.addWidget(self.office_edit, 1)
        office_row.addWidget(self.office_save)
        layout.addLayout(office_row)
        self.daily = QGroupBox(self)
        grid = QGridLayout(self.daily)
        self._rows: list[tuple[QLabel, QPushButton, QPushButton, str]] = []
        builders: list[tuple[str, Callable[[], Report]]] = [
            ("run-sheet", self.run_sheet),
            ("handover", lambda: _reports().handover(self.store)),
            ("backlog", lambda: _reports().backlog(self.store)),
        ]
        for row, (name, build) in enumerate(builders):
            label = QLabel(self.daily)
            preview = QPushButton(self.daily)
            save = QPushButton(self.daily)
            preview.clicked.connect(
                lambda _c=False, b=build, n=name: run_report(b, self, f"{n}.pdf", save=False)
            )
            save.clicked.connect(
                lambda _c=False, b=build, n=name: run_report(b, self, f"{n}.pdf", save=True)
            )
            grid.addWidget(label, row, 0)
            grid.addWidget(preview, row, 1)
            grid.addWidget(save, row, 2)
            self._rows.append((label, preview, save, name))
        grid.setColumnStretch(0, 1)
        layout.addWidget(self.daily)

        self.yearly = QGroupBox(self)
        yearly_layout = QHBoxLayout(self.yearly)
        side = QVBoxLayout()
        self.year = QSpinBox(self.yearly)
        self.year.setRange(2000, 2100)
        self.year.setValue(store.clock().year)
        self.year.valueChanged.connect(self.refresh)
        form = QFormLayout()
        self.year_label = QLabel(self.yearly)
        form.addRow(self.year_label, self.year)
        self.target_edits: dict[Indicator, QLineEdit] = {}
        self.target_labels: dict[Indicator, QLabel] = {}
        for which in Indicator:
            edit = QLineEdit(self.yearly)
            label = QLabel(self.yearly)
            form.addRow(label, edit)
            self.target_edits[which] = edit
            self.target_labels[which] = label
        side.addLayout(form)
        self.save_targets_button = QPushButton(self.yearly)
        self.save_targets_button.clicked.connect(self.save_targets)
        self.preview_indicators = QPushButton(self.yearly)
        self.preview_indicators.clicked.connect(
            lambda: run_report(self._indicators, self, "indicators.pdf", save=False)
        )
        self.save_indicators = QPushButton(self.yearly)
        self.save_indicators.clicked.connect(
            lambda: run_report(self._indicators, self, "indicators.pdf", save=True)
        )
        for button in (self.save_targets_button, self.preview_indicators, self.save_indicators):
            side.addWidget(button)
        side.addStretch(1)
        yearly_layout.addLayout(side)
        self.browser = QTextBrowser(self.yearly)
        yearly_layout.addWidget(self.browser, 1)
        layout.addWidget(self.yearly, 1)
        # Every word, the office name and the targets now: the minute tick comes later.
        self.refresh()

    def run_sheet(self) -> Report:
        """The run sheet as of now, with the forecasts of its cases when they are known."""
        from coordinator.reports.run_sheet import pending_cases, run_sheet

        now = self.store.clock().replace(microsecond=0)
        forecasts = None
        if self.hub is not None:
            foresight = self.hub.foresight
            if foresight.is_ready:
                forecasts = foresight.forecasts(pending_cases(self.store), now)
            else:
                foresight.start()  # for the next print
        return run_sheet(self.store, now, forecasts)

    def _indicators(self) -> Report:
        from coordinator.reports import indicators as indicators_report

        return indicators_report(self.store, self.year.value())

    def save_office_name(self) -> None:
        """The name printed at the top of every page."""
        try:
            settings.set_office_name(self.store, self.office_edit.text())
        except DomainError as exc:
            QMessageBox.warning(self, _("Office name"), exc.message())
        self.office_edit.setText(setting_queries.office_name(self.store))

    def save_targets(self) -> None:
        year = self.year.value()
        try:
            for which, edit in self.target_edits.items():
                # Typed in 万 of the indicator's currency, as the office counts targets;
                # "2.5亿" or "250000000元" say their own unit.
                amount = parse_amount(
                    edit.text(),
                    indicators.LABEL[which],
                    bare_unit=WAN,
                    currency=indicators.CURRENCY[which],
                )
                indicators.set_target(self.store, year, which, amount)
        except DomainError as exc:
            QMessageBox.warning(self, _("Annual targets"), exc.message())
            return
        self.refresh()

    def refresh(self) -> None:
        names = {
            "run-sheet": _("Department run sheet (one page per department)"),
            "handover": _("Daily handover brief"),
            "backlog": _("Department backlog"),
        }
        self.office_label.setText(_("Office name on printouts"))
        self.office_save.setText(_("Save"))
        if not self.office_edit.hasFocus():
            self.office_edit.setText(setting_queries.office_name(self.store))
        self.daily.setTitle(_("Daily reports"))
        for label, preview, save, name in self._rows:
            label.setText(names[name])
            preview.setText(_("Preview and print…"))
            save.setText(_("Save as PDF…"))
        self.yearly.setTitle(_("Yearly indicators"))
        self.year_label.setText(_("Year"))
        year = self.year.value()
        figures = {f.indicator: f for f in indicator_queries.yearly(self.store, year)}
        for which, edit in self.target_edits.items():
            figure = figures[which]
            self.target_labels[which].setText(
                _("Target: {indicator} (in {unit})").format(
                    indicator=indicators.LABEL[which].tr(), unit=wan_unit(figure.currency)
                )
            )
            edit.setPlaceholderText(_("e.g. 25000, or 2.5亿"))
            edit.setToolTip(money(figure.target, figure.currency))
            edit.setText("" if figure.target is None else f"{(figure.target / WAN).normalize():f}")
        self.save_targets_button.setText(_("Save targets"))
        self.preview_indicators.setText(_("Preview and print…"))
        self.save_indicators.setText(_("Save as PDF…"))
        self._indicators_stale = True
        if self.isVisible():
            self._show_indicators()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        # The indicators are laid out when the officer looks at them, not at every start.
        super().showEvent(event)
        if self._indicators_stale:
            self._show_indicators()

    def _show_indicators(self) -> None:
        self._indicators_stale = False
        try:
            self.browser.setHtml(self._indicators().html)
        except DomainError as exc:
            self.browser.setPlainText(exc.message())


def _reports() -> ModuleType:
    import coordinator.reports

    return coordinator.reports
