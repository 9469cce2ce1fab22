"""When each pending step will really finish, and so when its case will close.

A step's forecast comes from the finished steps of its kind (:mod:`.history`): the same
department, the same kind of step, fast-tracked or not. Each finished step gives the
department's own working time (its waits on the company left out) and, apart, how long
it waited on the company. For a step already with the department, only the finished
steps whose department time was longer than this one has been held so far say anything
about it; each says how much more department time is to come, plus what is left of its
wait on the company beyond what this one has waited. Of those, the middle gives the
expected finish and the 20th and 80th percentiles the range (so the range holds the
finish about three times in five). A step waiting on the company now adds what is left
of the company's wait, from the finished steps of its kind that waited longer; when too
few did, it is forecast as if the company answered now.

A step not yet requested starts when the last of the steps it depends on finishes; the
chain is carried by drawing each step's duration from its history many times (a fixed
seed per case, so a forecast does not flicker between refreshes) and reading the
percentiles of the draws. A case's expected close is when the draws' last open step
finishes.

With fewer than :data:`MIN_SAMPLES` finished steps of its kind, a step's forecast says
so and falls back to its due time (the template's limit); a step with neither has no
forecast. All arithmetic is in working seconds from now, turned into times by the
calendar only at the end.
"""

from __future__ import annotations

import bisect
import enum
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import ActionStatus
from coordinator.queries.sql import chunks
from coordinator.store.models import Action, ActionDependency, ActionPause, Case
from coordinator.store.storage import Store

from .history import DurationHistory, Pauses, StepKind, step_kind

MIN_SAMPLES = 5
DRAWS = 400
LOW, MIDDLE, HIGH = 0.2, 0.5, 0.8
BEYOND_SHARE = 0.25
"""A step held longer than every finished step of its kind is expected to finish within
this share of the kind's middle duration: it is late, and the history cannot say more."""

CLOSED = (ActionStatus.DONE, ActionStatus.CANCELLED)


class Basis(enum.Enum):
    HISTORY = "history"
    """The finished steps of the same kind."""
    LIMIT = "limit"
    """Too little history: the step's due time (the template's limit)."""


@dataclass(frozen=True)
class Step:
    """What a forecast needs of one step of a case."""

    id: int
    kind: StepKind
    status: ActionStatus
    requested_at: datetime | None
    due_at: datetime | None
    pauses: Pauses
    depends_on: tuple[int, ...]
    limit_hours: float | None

    @property
    def open(self) -> bool:
        return self.status not in CLOSED

    @property
    def paused(self) -> bool:
        return self.status is ActionStatus.WAITING_COMPANY and any(
            end is None for _, end in self.pauses
        )


@dataclass(frozen=True)
class StepForecast:
    action_id: int
    expected: datetime
    early: datetime
    late: datetime
    basis: Basis
    samples: int
    """Finished steps of the kind behind the forecast (fewer than MIN_SAMPLES: LIMIT)."""
    due_at: datetime | None
    paused: bool = False
    answer_forecast: bool = False
    """Paused, and the company's answer forecast from how long companies took on this
    kind of step (else the forecast assumes it answers now)."""
    beyond_history: bool = False
    """Held longer already than any finished step of its kind took."""

    @property
    def likely_late(self) -> bool:
        return self.due_at is not None and self.expected > self.due_at


@dataclass(frozen=True)
class CaseForecast:
    case_id: int
    steps: dict[int, StepForecast]
    expected_close: datetime | None
    early_close: datetime | None
    late_close: datetime | None
    """None when no open step has a forecast (nothing pending, or nothing known)."""


def quantile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile of sorted ``values``, interpolated between neighbours."""
    if not values:
        raise ValueError("no values")
    at = share * (len(values) - 1)
    low = int(at)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (at - low)


class _Draws:
    """Each open step's remaining working seconds from now, drawn ``DRAWS`` times, and
    the exact percentiles where the step's start is already fixed."""

    def __init__(
        self, history: DurationHistory, calendar: WorkingCalendar, now: datetime, seed: int
    ) -> None:
        self.history = history
        self.calendar = calendar
        self.now = now
        self.rng = random.Random(seed)

    def basis(self, step: Step) -> tuple[Sequence[int], Basis]:
        samples = self.history.samples(step.kind)
        return (samples, Basis.HISTORY) if len(samples) >= MIN_SAMPLES else (samples, Basis.LIMIT)

    def held(self, step: Step) -> int:
        if step.requested_at is None:
            return 0
        return self.calendar.working_seconds(step.requested_at, self.now, step.pauses)

    def limit_seconds(self, step: Step) -> float | None:
        if step.requested_at is not None and step.due_at is not None:
            # The due time moves on by a pause only when it ends: an open one is not
            # taken off yet.
            ended = [(start, end) for start, end in step.pauses if end is not None]
            return float(self.calendar.working_seconds(step.requested_at, step.due_at, ended))
        if step.limit_hours is not None:
            return step.limit_hours * 3600
        return None

    def remaining(self, step: Step) -> tuple[list[float], bool] | None:
        """Sorted working seconds from now (or from its start, if it has not started)
        until the step finishes, one per finished step of its kind, and whether it is
        held already beyond its history. Each is that step's department time (beyond
        what this one has been held) and its wait on the company (beyond what this one
        has waited)."""
        samples, basis = self.basis(step)
        held = self.held(step)
        if basis is Basis.LIMIT:
            limit = self.limit_seconds(step)
            return None if limit is None else ([max(0.0, limit - held)], False)
        waits = self.history.waits(step.kind)
        if step.requested_at is None:
            return sorted(float(s + w) for s, w in zip(samples, waits, strict=True)), False
        waited = self.waited(step)
        start = bisect.bisect_right(samples, held)
        if len(samples) - start >= 3:
            if step.paused:
                answers = self.answers(waits, waited)
                if answers:  # when the company answers, from how long companies took
                    longer = samples[start:]
                    choose = self.rng.choice
                    draws = (choose(longer) - held + choose(answers) for _ in range(DRAWS))
                    return sorted(float(d) for d in draws), False
                # Nobody has waited this long on this kind of step: counted from now,
                # as if the company answered now.
            values = (
                float(s - held + (0 if step.paused else max(0, w - waited)))
                for s, w in zip(samples[start:], waits[start:], strict=True)
            )
            return sorted(values), False
        middle = quantile(samples, MIDDLE)
        return [middle * BEYOND_SHARE * f for f in (0.0, 0.5, 1.0)], True

    @staticmethod
    def answers(waits: Sequence[int], waited: int) -> list[int]:
        """What is left of the company's wait, from the finished steps of the kind that
        waited longer than this one has so far (none when fewer than three did)."""
        left = [w - waited for w in waits if w > waited]
        return left if len(left) >= 3 else []

    def answers_known(self, step: Step) -> bool:
        samples, basis = self.basis(step)
        if basis is Basis.LIMIT or step.requested_at is None:
            return False
        held = self.held(step)
        if len(samples) - bisect.bisect_right(samples, held) < 3:
            return False
        return bool(self.answers(self.history.waits(step.kind), self.waited(step)))

    def waited(self, step: Step) -> int:
        if step.requested_at is None or not step.pauses:
            return 0
        return self.calendar.working_seconds(step.requested_at, self.now) - self.held(step)


def forecast_case(
    case_id: int,
    steps: Sequence[Step],
    history: DurationHistory,
    now: datetime,
) -> CaseForecast:
    calendar = history.calendar
    draws = _Draws(history, calendar, now, seed=case_id)
    by_id = {s.id: s for s in steps}
    open_steps = [s for s in steps if s.open]
    order = _topological(open_steps, by_id)
    remaining: dict[int, tuple[list[float], bool] | None] = {
        s.id: draws.remaining(s) for s in open_steps
    }
    finishes: dict[int, list[float]] = {}
    exact: dict[int, tuple[float, float, float]] = {}
    for step in order:
        spread = remaining[step.id]
        if spread is None:
            continue
        values, _beyond = spread
        deps = [d for d in step.depends_on if d in by_id and by_id[d].open]
        waits_on = [finishes[d] for d in deps if d in finishes]
        if step.requested_at is not None or not waits_on:
            exact[step.id] = (
                quantile(values, LOW),
                quantile(values, MIDDLE),
                quantile(values, HIGH),
            )
        choose = draws.rng.choice
        if waits_on and step.requested_at is None:
            finishes[step.id] = [max(w[i] for w in waits_on) + choose(values) for i in range(DRAWS)]
        else:
            finishes[step.id] = [choose(values) for _ in range(DRAWS)]

    def at(offset: float) -> datetime:
        return calendar.add_working_hours(now, max(0.0, offset) / 3600)

    forecasts: dict[int, StepForecast] = {}
    for step in order:
        if step.id not in finishes:
            continue
        if step.id in exact:
            low, middle, high = exact[step.id]
        else:
            ordered = sorted(finishes[step.id])
            low, middle, high = (quantile(ordered, q) for q in (LOW, MIDDLE, HIGH))
        samples, basis = draws.basis(step)
        spread = remaining[step.id]
        forecasts[step.id] = StepForecast(
            step.id,
            at(middle),
            at(low),
            at(high),
            basis,
            len(samples),
            step.due_at,
            paused=step.paused,
            answer_forecast=step.paused and draws.answers_known(step),
            beyond_history=spread is not None and spread[1],
        )
    if not finishes:
        return CaseForecast(case_id, forecasts, None, None, None)
    last = sorted(max(f[i] for f in finishes.values()) for i in range(DRAWS))
    return CaseForecast(
        case_id,
        forecasts,
        at(quantile(last, MIDDLE)),
        at(quantile(last, LOW)),
        at(quantile(last, HIGH)),
    )


def _topological(open_steps: Sequence[Step], by_id: dict[int, Step]) -> list[Step]:
    """Open steps with each after the open steps it depends on (a cycle, which the
    services refuse, is broken by position)."""
    done: set[int] = set()
    order: list[Step] = []
    pending = list(open_steps)
    while pending:
        ready = [
            s
            for s in pending
            if all(d in done or d not in by_id or not by_id[d].open for d in s.depends_on)
        ]
        if not ready:
            ready = pending[:1]
        for step in ready:
            done.add(step.id)
            order.append(step)
        pending = [s for s in pending if s.id not in done]
    return order


def case_steps(store: Store, case_ids: Iterable[int]) -> dict[int, list[Step]]:
    """The steps of these cases as forecasts need them, by case, in position order."""
    wanted = sorted(set(case_ids))
    found: dict[int, list[Step]] = {c: [] for c in wanted}
    with store.read() as session:
        for chunk in chunks(wanted):
            rows = session.execute(
                select(
                    Action.id,
                    Action.case_id,
                    Action.department_id,
                    Action.template_key,
                    Action.title,
                    Case.fast_track,
                    Action.status,
                    Action.requested_at,
                    Action.due_at,
                    Action.statutory_limit_hours,
                    Action.promised_limit_hours,
                    Action.normal_duration_hours,
                )
                .join(Case, Case.id == Action.case_id)
                .where(Action.case_id.in_(chunk))
                .order_by(Action.case_id, Action.position, Action.id)
            ).all()
            ids = [r.id for r in rows]
            pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
            deps: dict[int, list[int]] = {}
            for part in chunks(ids):
                for action_id, started, ended in session.execute(
                    select(ActionPause.action_id, ActionPause.started_at, ActionPause.ended_at)
                    .where(ActionPause.action_id.in_(part))
                    .order_by(ActionPause.started_at)
                ):
                    pauses.setdefault(action_id, []).append((started, ended))
                for action_id, depends_on in session.execute(
                    select(ActionDependency.action_id, ActionDependency.depends_on_id).where(
                        ActionDependency.action_id.in_(part)
                    )
                ):
                    deps.setdefault(action_id, []).append(depends_on)
            for r in rows:
                # As the due time is set when the step is requested: the promised limit
                # first, then the statutory one, then the normal duration.
                limit = next(
                    (
                        h
                        for h in (
                            r.promised_limit_hours,
                            r.statutory_limit_hours,
                            r.normal_duration_hours,
                        )
                        if h is not None
                    ),
                    None,
                )
                found[r.case_id].append(
                    Step(
                        r.id,
                        step_kind(r.department_id, r.template_key, r.title, r.fast_track),
                        r.status,
                        r.requested_at,
                        r.due_at,
                        tuple(pauses.get(r.id, ())),
                        tuple(sorted(deps.get(r.id, ()))),
                        limit,
                    )
                )
    return found


def forecast_cases(
    store: Store, history: DurationHistory, case_ids: Iterable[int], now: datetime
) -> dict[int, CaseForecast]:
    return {
        case_id: forecast_case(case_id, steps, history, now)
        for case_id, steps in case_steps(store, case_ids).items()
    }
