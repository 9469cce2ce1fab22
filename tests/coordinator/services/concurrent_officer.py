"""One officer's laptop, as a process of its own: what the concurrency test starts twice.

Each round the officer reads the case and the step (the version a form or a list would
show), waits for the colleague to have read them too, and saves an edit made on that
version at the same moment as the colleague saves theirs. What happened to each save
(saved, or the refusal's words) goes back to the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coordinator.errors import DomainError, EditConflictError
from coordinator.kinds import ActionStatus
from coordinator.queries import actions as action_queries
from coordinator.queries import cases as case_queries
from coordinator.services import actions, cases
from coordinator.store.storage import Store

SAVED = "saved"
WAIT_S = 120  # a barrier not met by then: the other process died, fail instead of hanging

# The statuses a step moves between here (every move among them is allowed): each
# officer picks one that is not the step's status now, not the colleague's pick.
STATUSES = (
    ActionStatus.IN_PROGRESS,
    ActionStatus.WAITING,
    ActionStatus.TODO,
    ActionStatus.BLOCKED,
)


def pick(current: ActionStatus, turn: int) -> ActionStatus:
    """The ``turn``-th (0 or 1) status other than ``current``: the two officers differ."""
    return [s for s in STATUSES if s != current][turn]


def officer(
    url: str,
    data_dir: str,
    name: str,
    turn: int,
    case_id: int,
    action_id: int,
    rounds: int,
    barrier: Any,
    results: Any,
) -> None:
    """Edit the case's title and the step's status ``rounds`` times, in step with the
    other process; put (name, round, record, version read, outcome, what was wanted)
    on ``results`` for every save."""
    store = Store(Path(data_dir), url=url, officer=name)
    try:
        for round_no in range(rounds):
            case = case_queries.get(store, case_id)
            title = f"{name} 第{round_no}轮"
            barrier.wait(WAIT_S)  # both have read the same version
            outcome = _save(
                cases.update, store, case_id, title=title, expected_version=case.row_version
            )
            results.put((name, round_no, "case", case.row_version, outcome, title))
            barrier.wait(WAIT_S)  # both saved or refused: read afresh
            step = action_queries.get(store, action_id)
            wanted = pick(step.status, turn)
            barrier.wait(WAIT_S)
            outcome = _save(
                actions.set_status,
                store,
                action_id,
                wanted,
                reason=f"{name} 第{round_no}轮",
                expected_version=step.row_version,
            )
            results.put((name, round_no, "action", step.row_version, outcome, wanted.value))
            barrier.wait(WAIT_S)
    finally:
        store.close()


def _save(edit: Any, *args: Any, **kwargs: Any) -> str:
    try:
        edit(*args, **kwargs)
    except EditConflictError as exc:
        return exc.message("en")
    except DomainError as exc:  # any other refusal: the test says which
        return f"{type(exc).__name__}: {exc.message('en')}"
    return SAVED
