"""How a step's forecast and a case's expected close read on screen.

One place for the words, so the case's steps, the list across cases and Today say the
same thing: the cell is the expected finish in the due column's own style (so the two
compare at a glance), the tooltip says the range and what the forecast stands on. A
step the forecast puts after its due time, while it is not overdue yet, is "likely
late" and drawn in the warning colour: the one moment a call can still save it. An
overdue step is already red in its own column, and a paused one is never flagged: its
due time moves on when the company answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtGui import QColor

from coordinator.foresight.forecast import Basis, CaseForecast, StepForecast
from coordinator.formatting import short_datetime
from coordinator.i18n import _
from coordinator.queries.due import is_likely_late as likely_late_rule

WARNING_COLOUR = QColor("#8a5a00")
"""Dark amber: a warning short of the red of "overdue", readable on a light row."""


@dataclass(frozen=True)
class ForecastText:
    cell: str
    tooltip: str
    likely_late: bool
    """Expected after its due time and not overdue yet: drawn in :data:`WARNING_COLOUR`."""


NO_FORECAST = ForecastText("", "", False)


def is_likely_late(forecast: StepForecast, now: datetime) -> bool:
    """Expected after its due time, the due time still ahead, the clock running."""
    return likely_late_rule(forecast.expected, forecast.due_at, forecast.paused, now)


def _samples_text(count: int) -> str:
    if count == 0:
        return _("No finished step of this department and kind yet")
    if count == 1:
        return _("Too little history (1 finished step)")
    return _("Too little history ({n} finished steps)").format(n=count)


def _range_text(forecast: StepForecast, now: datetime) -> str:
    return _("Expected {time} (likely between {early} and {late})").format(
        time=short_datetime(forecast.expected, now),
        early=short_datetime(forecast.early, now),
        late=short_datetime(forecast.late, now),
    )


def _basis_text(forecast: StepForecast, now: datetime) -> str:
    """The sentences saying what the forecast stands on."""
    spread = forecast.early != forecast.late
    if forecast.basis is Basis.LIMIT:
        samples = _samples_text(forecast.samples)
        if forecast.expected <= now:
            return _("{samples}: the template's limit, which has already passed.").format(
                samples=samples
            )
        said = _("{samples}: the template's limit.").format(samples=samples)
        if spread:  # the steps it waits on have a history, and their spread is its own
            said += "\n" + _("{expected}, after the steps it waits on.").format(
                expected=_range_text(forecast, now)
            )
        return said
    if not spread:
        return _("Expected {time}, from {n} finished steps of this department and kind.").format(
            time=short_datetime(forecast.expected, now), n=forecast.samples
        )
    return _(
        "Expected {time} (likely between {early} and {late}), from {n} finished steps of "
        "this department and kind."
    ).format(
        time=short_datetime(forecast.expected, now),
        early=short_datetime(forecast.early, now),
        late=short_datetime(forecast.late, now),
        n=forecast.samples,
    )


def step_text(forecast: StepForecast | None, now: datetime) -> ForecastText:
    """The cell and tooltip of a step's forecast (empty for a step without one)."""
    if forecast is None:
        return NO_FORECAST
    late = is_likely_late(forecast, now)
    expected = short_datetime(forecast.expected, now)
    if forecast.basis is Basis.LIMIT:
        cell = (
            _("limit passed")
            if forecast.expected <= now
            else _("{time} (limit)").format(time=expected)
        )
    else:
        cell = expected
    if late:
        cell = _("{time}, likely late").format(time=cell)
    lines = [_basis_text(forecast, now)]
    if late and forecast.due_at is not None:
        lines.insert(
            0,
            _("Likely late: expected after its due time {due}.").format(
                due=short_datetime(forecast.due_at, now)
            ),
        )
    if forecast.beyond_history:
        lines.append(
            _(
                "It has been held longer than any finished step of its kind took: it is "
                "late, and the history cannot say by how much."
            )
        )
    if forecast.paused and forecast.answer_forecast:
        lines.append(
            _(
                "It waits on the company: the forecast counts how long companies took to "
                "answer on this kind of step."
            )
        )
    elif forecast.paused:
        lines.append(_("It waits on the company: the forecast assumes the company answers now."))
    return ForecastText(cell, "\n".join(lines), late)


def close_text(forecast: CaseForecast | None, now: datetime) -> str:
    """“Expected to close 12-10 15:30 (12-09 10:00 – 12-12 11:00)”; empty when no open
    step has a forecast."""
    if forecast is None or forecast.expected_close is None:
        return ""
    expected = short_datetime(forecast.expected_close, now)
    early, late = forecast.early_close, forecast.late_close
    if early is None or late is None or early == late:
        return _("Expected to close {time}").format(time=expected)
    return _("Expected to close {time} ({early} – {late})").format(
        time=expected, early=short_datetime(early, now), late=short_datetime(late, now)
    )


def close_tooltip(forecast: CaseForecast | None) -> str:
    """What the expected close stands on (which steps fall back on their limits)."""
    if forecast is None or forecast.expected_close is None:
        return ""
    lines = [
        _(
            "When the last open step is expected to finish: each step's forecast from "
            "the department's finished steps, carried along the steps it waits on."
        )
    ]
    limits = sum(1 for s in forecast.steps.values() if s.basis is Basis.LIMIT)
    if limits:
        lines.append(
            _("Open steps with too little history, counted at their limit: {n} of {total}.").format(
                n=limits, total=len(forecast.steps)
            )
        )
    return "\n".join(lines)
