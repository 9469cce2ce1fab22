"""On Today: a year whose holidays are not known, from December of the year before.

Without a year's schedule every due date in it counts weekends alone; the printed summary
and Check data say so, but by then due dates have been promised. The warning sits at the
top of Today and opens the working calendar on that year.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QLabel, QScrollArea, QWidget

from coordinator.i18n import _
from coordinator.store.changes import ChangeKind, ChangeSet
from ui.hub import Hub

CHECK_MS = 3_600_000
STYLE = (
    "QLabel { background: #fff4ce; border: 1px solid #e0c36a; border-radius: 4px;"
    " padding: 6px; color: #5c4300; }"
)


class ScheduleWarning(QLabel):
    def __init__(
        self,
        hub: Hub,
        clock: Callable[[], datetime],
        open_calendar: Callable[[int], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.clock = clock
        self.year: int | None = None
        self.setObjectName("scheduleWarning")
        self.setStyleSheet(STYLE)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.open_calendar = open_calendar
        self.linkActivated.connect(self._open)
        hub.changed.connect(self._on_changed)
        # December comes while the app stays open for weeks: asked again every hour.
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.check()

    def _open(self, _link: str) -> None:
        if self.year is not None:
            self.open_calendar(self.year)

    def check(self) -> None:
        """Shown while a year to warn about has no schedule."""
        # Imported here: the window's frame is built before the database layer loads.
        from coordinator.queries.calendar import year_to_warn

        self.year = year_to_warn(self.hub.store, self.clock().date())
        if self.year is None:
            self.hide()
            return
        self.setText(
            _(
                "The holidays of {year} are not entered: due dates in {year} count weekends "
                "only. <a href='calendar'>Enter {year}'s holidays and make-up working days…</a>"
            ).format(year=self.year)
        )
        self.show()

    def retranslate(self) -> None:
        self.check()

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(ChangeKind.CALENDAR):
            self.check()


def attach_schedule_warning(
    today: QWidget,
    hub: Hub,
    clock: Callable[[], datetime],
    open_calendar: Callable[[int], None],
) -> ScheduleWarning:
    """Put the warning at the top of Today's page, whatever else Today lays out."""
    body = today.widget() if isinstance(today, QScrollArea) else today
    holder = body if body is not None else today
    warning = ScheduleWarning(hub, clock, open_calendar, holder)
    layout = holder.layout()
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(0, warning)
    return warning
