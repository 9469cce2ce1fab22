"""Per-case timing analysis over plain action data, in working time.

Nothing here touches the database: callers map their rows to :class:`ActionTiming`
and pass a :class:`~coordinator.calendar.working_time.WorkingCalendar`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from coordinator.calendar.working_time import WorkingCalendar, merge_spans

__all__ = [
    "COMPANY",
    "ActionTiming",
    "CriticalChain",
    "CriticalPath",
    "critical_chain",
    "critical_path",
    "department_waiting",
    "elapsed",
]

# Key under which time spent waiting on the company is reported; department names are
# free text, so a marker that no real department is called is used instead of "公司".
COMPANY = "__company__"

_Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class ActionTiming:
    id: int
    department: str
    requested_at: datetime | None
    done_at: datetime | None
    # Spans during which the action waited on the company: the department's clock stops.
    pauses: tuple[tuple[datetime, datetime | None], ...]
    depends_on: tuple[int, ...]
    normal_hours: float | None
    cancelled: bool = False


@dataclass(frozen=True)
class CriticalPath:
    action_ids: tuple[int, ...]
    working_seconds: int


@dataclass(frozen=True)
class CriticalChain:
    """See :func:`critical_chain`."""

    action_ids: tuple[int, ...]  # first step first
    working_seconds: int  # from the first step's request to the last step's finish
    paused_seconds: int  # of which the chain's steps waited on the company


def _held_span(action: ActionTiming, now: datetime) -> _Span | None:
    if action.requested_at is None:
        return None
    end = action.done_at if action.done_at is not None else now
    if end <= action.requested_at:
        return None
    return action.requested_at, end


def _clipped_pauses(action: ActionTiming, held: _Span) -> list[_Span]:
    """The action's pauses inside its held span, merged; an open pause runs to its end."""
    lo, hi = held
    spans: list[_Span] = []
    for p_start, p_end in action.pauses:
        start = max(p_start, lo)
        end = hi if p_end is None else min(p_end, hi)
        if start < end:
            spans.append((start, end))
    return merge_spans(spans)


def _subtract(span: _Span, holes: Sequence[_Span]) -> list[_Span]:
    """``span`` minus merged, sorted ``holes`` lying inside it."""
    pieces: list[_Span] = []
    cursor = span[0]
    for lo, hi in holes:
        if cursor < lo:
            pieces.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < span[1]:
        pieces.append((cursor, span[1]))
    return pieces


def _union_seconds(spans: Iterable[_Span], calendar: WorkingCalendar) -> int:
    return sum(calendar.working_seconds(lo, hi) for lo, hi in merge_spans(spans))


def department_waiting(
    actions: Iterable[ActionTiming], calendar: WorkingCalendar, now: datetime
) -> dict[str, int]:
    """Working seconds each department has held its actions, plus the company's share.

    An action is held from ``requested_at`` until ``done_at`` (or ``now`` while open),
    except during its pauses, which are attributed to :data:`COMPANY`.  When actions of
    one department overlap, the department is charged the union of their held time, not
    the sum: two requests waiting on the same desk for a day cost that desk one day.
    The company's figure is likewise the union of all paused time across the case.
    Because different parties can hold different actions at once, the values need not
    add up to the case's elapsed time.

    Cancelled actions and actions never requested are ignored.  Every department with a
    counted action appears (possibly with 0); :data:`COMPANY` appears when some pause
    overlaps a held span.  A department literally named :data:`COMPANY` is refused.
    """
    held_by_department: dict[str, list[_Span]] = {}
    paused: list[_Span] = []
    for action in actions:
        if action.cancelled or action.requested_at is None:
            continue
        if action.department == COMPANY:
            raise ValueError(f"department name {COMPANY!r} is reserved")
        spans = held_by_department.setdefault(action.department, [])
        held = _held_span(action, now)
        if held is None:
            continue
        pauses = _clipped_pauses(action, held)
        paused.extend(pauses)
        spans.extend(_subtract(held, pauses))
    result = {
        department: _union_seconds(spans, calendar)
        for department, spans in held_by_department.items()
    }
    if paused:
        result[COMPANY] = _union_seconds(paused, calendar)
    return result


def _action_weight(action: ActionTiming, calendar: WorkingCalendar, now: datetime) -> int:
    if action.requested_at is not None:
        end = action.done_at if action.done_at is not None else now
        return calendar.working_seconds(action.requested_at, end, action.pauses)
    if action.normal_hours is not None:
        return max(0, round(action.normal_hours * 3600))
    return 0


def _find_cycle(remaining: set[int], deps: dict[int, tuple[int, ...]]) -> list[int]:
    # Every node left after Kahn's pass still waits on another left node, so walking
    # those dependencies from any of them must revisit a node.
    node = min(remaining)
    seen: dict[int, int] = {}
    order: list[int] = []
    while node not in seen:
        seen[node] = len(order)
        order.append(node)
        node = min(d for d in deps[node] if d in remaining)
    cycle = order[seen[node] :]
    # Report in "needs" order: each id depends on the one printed after it.
    return [*cycle, node]


def critical_path(
    actions: Iterable[ActionTiming], calendar: WorkingCalendar, now: datetime
) -> CriticalPath:
    """The dependency chain with the greatest total working duration: a plan's view.

    Used to weigh limits (each step weighing its promised or statutory hours); what
    actually decided a case's end is :func:`critical_chain`.  An action weighs its
    actual working duration once requested (requested to done or ``now``, minus
    pauses), else its ``normal_hours``, else 0.  Cancelled actions and dependencies on
    unknown ids are left out of the graph.  Among equally long chains the one ending at
    the lowest id wins, and each step back picks the lowest-id predecessor among
    equally long ones.  Duplicate ids or a dependency cycle raise ``ValueError``.
    """
    by_id: dict[int, ActionTiming] = {}
    for action in actions:
        if action.cancelled:
            continue
        if action.id in by_id:
            raise ValueError(f"duplicate action id {action.id}")
        by_id[action.id] = action
    if not by_id:
        return CriticalPath((), 0)

    deps = {i: tuple(sorted({d for d in a.depends_on if d in by_id})) for i, a in by_id.items()}
    dependants: dict[int, list[int]] = {i: [] for i in by_id}
    waiting_on = {i: len(ds) for i, ds in deps.items()}
    for i, ds in deps.items():
        for d in ds:
            dependants[d].append(i)

    ready = [i for i, n in waiting_on.items() if n == 0]
    heapq.heapify(ready)
    best: dict[int, int] = {}
    previous: dict[int, int | None] = {}
    while ready:
        node = heapq.heappop(ready)
        weight = _action_weight(by_id[node], calendar, now)
        before: int | None = None
        for d in deps[node]:  # sorted, so the strict ">" keeps the lowest id on ties
            if before is None or best[d] > best[before]:
                before = d
        best[node] = weight + (best[before] if before is not None else 0)
        previous[node] = before
        for child in dependants[node]:
            waiting_on[child] -= 1
            if waiting_on[child] == 0:
                heapq.heappush(ready, child)

    if len(best) != len(by_id):
        cycle = _find_cycle(set(by_id) - set(best), deps)
        raise ValueError(
            "dependency cycle between actions (each waits on the next): "
            + " -> ".join(str(i) for i in cycle)
        )

    end = min(best, key=lambda i: (-best[i], i))
    chain: list[int] = []
    cursor: int | None = end
    while cursor is not None:
        chain.append(cursor)
        cursor = previous[cursor]
    chain.reverse()
    return CriticalPath(tuple(chain), best[end])


def _finish(action: ActionTiming, until: datetime) -> datetime | None:
    if action.requested_at is None:
        return None
    return action.done_at if action.done_at is not None else max(until, action.requested_at)


def critical_chain(
    actions: Iterable[ActionTiming], calendar: WorkingCalendar, until: datetime
) -> CriticalChain:
    """The critical chain: the steps that determined when the case finished.

    It is read from the times things were actually done, not from durations:

    * it ends at the step that finished last: done latest, a step still open counting
      as finishing at ``until`` (the case's closing, or now while it runs); on equal
      finishes the step requested first (it was held longer), then the lowest id;
    * from each step it runs back to the dependency that finished last, the one the
      step was waiting for (on equal finishes the lowest id), until a step that waited
      on nothing;
    * its length is the working time from its first step's request to its last step's
      finish.  A pause for the company is part of it: while the company was asked for
      a signature, the case could not finish either.  ``paused_seconds`` says how much
      of the length the chain's steps spent waiting on the company.

    Cancelled steps, steps never requested (they have decided nothing yet) and
    dependencies on unknown ids are left out, so a step paused for the company that
    ended the case last is on the chain however little working time its department
    held it.  A dependency cycle cannot loop it: a step already on the chain ends it.
    """
    finishes: dict[int, tuple[ActionTiming, datetime]] = {}
    for action in actions:
        finish = _finish(action, until)
        if action.cancelled or finish is None:
            continue
        if action.id in finishes:
            raise ValueError(f"duplicate action id {action.id}")
        finishes[action.id] = (action, finish)
    if not finishes:
        return CriticalChain((), 0, 0)

    def order(item: int) -> tuple[float, datetime, int]:
        action, finish = finishes[item]
        assert action.requested_at is not None
        # Latest finish first, then the earliest request, then the lowest id.
        return (-_ordinal(finish), action.requested_at, item)

    cursor: int | None = min(finishes, key=order)
    chain: list[int] = []
    while cursor is not None and cursor not in chain:
        chain.append(cursor)
        known = [d for d in finishes[cursor][0].depends_on if d in finishes]
        cursor = min(known, key=lambda d: (-_ordinal(finishes[d][1]), d)) if known else None
    chain.reverse()
    first = finishes[chain[0]][0].requested_at
    assert first is not None
    last = finishes[chain[-1]][1]
    paused: list[_Span] = []
    for step in chain:
        action, finish = finishes[step]
        assert action.requested_at is not None
        if action.requested_at < finish:
            paused.extend(_clipped_pauses(action, (action.requested_at, finish)))
    return CriticalChain(
        tuple(chain),
        calendar.working_seconds(first, last) if first < last else 0,
        _union_seconds(paused, calendar),
    )


def _ordinal(moment: datetime) -> float:
    """A moment as a number, so that ``min`` can sort it descending."""
    return (
        moment.timestamp()
        if moment.tzinfo is not None
        else (moment - datetime(1970, 1, 1)).total_seconds()
    )


def elapsed(
    case_opened: datetime,
    case_closed_or_none: datetime | None,
    calendar: WorkingCalendar,
    now: datetime,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
) -> int:
    """Working seconds from opening to closing (or ``now``), minus pauses."""
    end = case_closed_or_none if case_closed_or_none is not None else now
    return calendar.working_seconds(case_opened, end, pauses)
