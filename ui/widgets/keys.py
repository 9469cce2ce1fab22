"""The one-key status changes, shared by a case's tabs and the lists across cases, so
that the officer's fingers learn one set of keys."""

from __future__ import annotations

from coordinator.kinds import ActionStatus, DocumentState

# (key, status, asks a reason?, the reason is required?)
STATUS_KEYS: tuple[tuple[str, ActionStatus, bool, bool], ...] = (
    ("1", ActionStatus.TODO, False, False),
    ("2", ActionStatus.IN_PROGRESS, False, False),
    ("3", ActionStatus.WAITING, True, False),
    ("4", ActionStatus.WAITING_COMPANY, True, False),
    ("5", ActionStatus.BLOCKED, True, True),
    ("6", ActionStatus.DONE, False, False),
    ("7", ActionStatus.CANCELLED, False, False),
)

STATE_KEYS: tuple[tuple[str, DocumentState], ...] = (
    ("R", DocumentState.RECEIVED),
    ("F", DocumentState.FORWARDED),
    ("A", DocumentState.ACCEPTED),
    ("M", DocumentState.ACCEPTED_MISSING),
    ("X", DocumentState.RETURNED),
    ("S", DocumentState.RESUBMITTED),
)

STATES_THAT_ASK = frozenset(
    {DocumentState.FORWARDED, DocumentState.ACCEPTED_MISSING, DocumentState.RETURNED}
)
"""Moves that ask something first (forwarded: the department, when none is set)."""
