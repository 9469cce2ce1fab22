"""The counts beside the sidebar's entries: what is overdue beside Today (in red), what is
unfiled beside the inbox; an entry with nothing shows its bare title."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget

from coordinator.i18n import _

FOREGROUND_ROLE = 9  # Qt.ItemDataRole.ForegroundRole, by value (the frame's enums wait)
LATE_COLOUR = QColor("#b3261e")  # Today's red for what is overdue


def show_counts(
    sidebar: QListWidget, titles: list[str], counts: Mapping[int, int], today: int, inbox: int
) -> None:
    tips = {
        today: _("Overdue steps: {n}"),
        inbox: _("Unfiled communications: {n}"),
    }
    for page, tip in tips.items():
        item = sidebar.item(page)
        count = counts.get(page, 0)
        if count:
            item.setText(_("{title} ({count})").format(title=titles[page], count=count))
            item.setToolTip(tip.format(n=count))
        else:
            item.setText(titles[page])
            item.setToolTip("")
        late = page == today and count > 0
        item.setData(FOREGROUND_ROLE, QBrush(LATE_COLOUR) if late else None)
