"""How long a step or a document has been held, in the words the lists show.

Shared by the lists on screen and the spreadsheets of the same lists, so that a
"Waiting" or "Working time" cell reads the same in the app, in an export from the app
and in ``liaison-hub export-list``.
"""

from __future__ import annotations

from coordinator.formatting import working_duration
from coordinator.i18n import _
from coordinator.queries.actions import DueMargin

__all__ = ["duration_text", "margin_text"]


def duration_text(seconds: int, per_day: int) -> str:
    """A working duration to read at a glance: minutes only under one working day (past
    a day they are noise, and they would cut the figure short in a narrow column)."""
    days, rest = divmod(seconds, per_day)
    if days:
        seconds = days * per_day + rest - rest % 3600
    return working_duration(seconds, per_day)


def margin_text(margin: DueMargin | None, per_day: int) -> str:
    """Working time left before the due time, or over it ("" without a due time)."""
    if margin is None:
        return ""
    time = duration_text(abs(margin.seconds), per_day)
    if margin.finished:
        return _("{time} late").format(time=time) if margin.over else _("on time")
    if margin.paused:
        return (_("{time} over, paused") if margin.over else _("{time} left, paused")).format(
            time=time
        )
    return (_("{time} over") if margin.over else _("{time} left")).format(time=time)
