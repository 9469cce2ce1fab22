"""How long each department really took: the finished steps' durations, in working time.

A step's duration runs from its request to its completion in the office's working time
(:class:`~coordinator.calendar.working_time.WorkingCalendar`), with the spans it waited
on the company left out: that time is the company's, not the department's. Durations
are grouped by what predicts them best here: the department, the kind of step (its
template key, or its title when it has none) and whether the case is fast-tracked.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import ActionStatus
from coordinator.queries.sql import chunks
from coordinator.search.text import fold
from coordinator.store.changes import ChangeKind, ChangeSet
from coordinator.store.models import Action, ActionPause, Case
from coordinator.store.storage import Store

Pauses = tuple[tuple[datetime, datetime | None], ...]


@dataclass(frozen=True, order=True)
class StepKind:
    """The group a step's duration is compared within."""

    department_id: int
    kind: str
    fast_track: bool


def step_kind(department_id: int, template_key: str, title: str, fast_track: bool) -> StepKind:
    return StepKind(department_id, template_key or fold(title).strip(), bool(fast_track))


@dataclass(frozen=True)
class _Finished:
    action_id: int
    kind: StepKind
    seconds: int
    """The department's working time: request to completion, the company's waits out."""
    waited: int
    """The working time the step waited on the company."""


class _Group:
    """One kind's finished steps as (seconds, waited), by seconds."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, int]] = []
        self._seconds: list[int] | None = None
        self._waits: list[int] | None = None

    def seconds(self) -> list[int]:
        if self._seconds is None:
            self._seconds = [s for s, _ in self.entries]
        return self._seconds

    def waits(self) -> list[int]:
        if self._waits is None:
            self._waits = [w for _, w in self.entries]
        return self._waits

    def changed(self) -> None:
        self._seconds = self._waits = None


class DurationHistory:
    """The finished steps' working durations by :class:`StepKind`, each group sorted.

    Build with :meth:`build`; :meth:`apply` takes in a change set's steps (one finished,
    reopened, edited). A changed calendar changes every duration: build again.
    """

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._groups: dict[StepKind, _Group] = {}
        self._of_action: dict[int, tuple[StepKind, tuple[int, int]]] = {}

    @classmethod
    def build(cls, store: Store, until: datetime | None = None) -> DurationHistory:
        """From every finished step (or those finished before ``until``: the history as
        it stood then, to measure forecasts against what came after)."""
        history = cls(store.calendar())
        history._load(store, None, until)
        return history

    def samples(self, kind: StepKind) -> Sequence[int]:
        """The department's working seconds on the finished steps of ``kind``, shortest
        first."""
        group = self._groups.get(kind)
        return group.seconds() if group is not None else ()

    def waits(self, kind: StepKind) -> Sequence[int]:
        """The working seconds each of those steps waited on the company, in the same
        order as :meth:`samples`."""
        group = self._groups.get(kind)
        return group.waits() if group is not None else ()

    @property
    def finished_steps(self) -> int:
        return len(self._of_action)

    def apply(self, store: Store, changes: ChangeSet) -> None:
        ids = changes.ids_of(ChangeKind.ACTION)
        cases = changes.ids_of(ChangeKind.CASE)
        if cases:  # a case's fast-track flag moves its finished steps between groups
            with store.read() as session:
                ids = ids | frozenset(
                    session.scalars(select(Action.id).where(Action.case_id.in_(cases)))
                )
        if ids:
            self._load(store, ids)

    def _forget(self, action_id: int) -> None:
        known = self._of_action.pop(action_id, None)
        if known is None:
            return
        kind, entry = known
        group = self._groups[kind]
        del group.entries[bisect.bisect_left(group.entries, entry)]
        group.changed()
        if not group.entries:
            del self._groups[kind]

    def _load(
        self, store: Store, action_ids: Iterable[int] | None, until: datetime | None = None
    ) -> None:
        wanted = None if action_ids is None else sorted(set(action_ids))
        for ident in wanted or ():
            self._forget(ident)
        for item in finished_steps(store, self.calendar, wanted, until):
            entry = (item.seconds, item.waited)
            self._of_action[item.action_id] = (item.kind, entry)
            group = self._groups.setdefault(item.kind, _Group())
            if wanted is None:  # a whole build: each group is sorted once, below
                group.entries.append(entry)
            else:
                bisect.insort(group.entries, entry)
                group.changed()
        if wanted is None:
            for group in self._groups.values():
                group.entries.sort()


def finished_steps(
    store: Store,
    calendar: WorkingCalendar,
    action_ids: Sequence[int] | None,
    until: datetime | None = None,
) -> list[_Finished]:
    """The finished steps (all, or of ``action_ids``; finished before ``until``) with
    their working durations."""
    stmt = (
        select(
            Action.id,
            Action.department_id,
            Action.template_key,
            Action.title,
            Case.fast_track,
            Action.requested_at,
            Action.done_at,
        )
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.status == ActionStatus.DONE,
            Action.requested_at.is_not(None),
            Action.done_at.is_not(None),
        )
        .order_by(Action.id)
    )
    if until is not None:
        stmt = stmt.where(Action.done_at < until)
    pause_stmt = select(ActionPause.action_id, ActionPause.started_at, ActionPause.ended_at)
    rows: list[tuple[int, int, str, str, bool, datetime, datetime]] = []
    pause_rows: list[tuple[int, datetime, datetime | None]] = []
    with store.read() as session:
        if action_ids is None:
            rows.extend(session.execute(stmt))
            pause_rows.extend(session.execute(pause_stmt))
        else:
            for chunk in chunks(list(action_ids)):
                rows.extend(session.execute(stmt.where(Action.id.in_(chunk))))
                pause_rows.extend(
                    session.execute(pause_stmt.where(ActionPause.action_id.in_(chunk)))
                )
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for action_id, started, ended in pause_rows:
        pauses.setdefault(action_id, []).append((started, ended))
    found: list[_Finished] = []
    kinds: dict[tuple[int, str, str, bool], StepKind] = {}
    for ident, department, key, title, fast, requested, done in rows:
        if done <= requested:
            continue
        memo = (department, key, title, bool(fast))
        kind = kinds.get(memo)
        if kind is None:
            kind = kinds[memo] = step_kind(department, key, title, fast)
        spans = pauses.get(ident, ())
        seconds = calendar.working_seconds(requested, done, spans)
        if seconds > 0:
            waited = calendar.working_seconds(requested, done) - seconds if spans else 0
            found.append(_Finished(ident, kind, seconds, waited))
    return found
