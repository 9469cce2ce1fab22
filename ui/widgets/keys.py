"""The one-key status changes, shared by a case's tabs and the lists across cases, so
that the officer's fingers learn one set of keys; and the actions that carry them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar, QWidget

from coordinator.i18n import _
from coordinator.kinds import ActionStatus, DocumentState
from coordinator.labels import ACTION_STATUS, DOCUMENT_STATE, cap

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


class StatusAction(NamedTuple):
    action: QAction
    status: ActionStatus
    asks: bool
    required: bool


class StateAction(NamedTuple):
    action: QAction
    state: DocumentState


def _key_action(
    key: str, target: QWidget, toolbar: QToolBar, context: Qt.ShortcutContext
) -> QAction:
    action = QAction(target)
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(context)
    toolbar.addAction(action)
    target.addAction(action)
    return action


def status_actions(
    target: QWidget,
    toolbar: QToolBar,
    chosen: Callable[[ActionStatus, bool, bool], None],
    context: Qt.ShortcutContext,
) -> list[StatusAction]:
    """One action per status key, on ``target`` (whose focus the keys need) and the
    toolbar; ``chosen(status, asks, required)`` when one is pressed."""
    made = []
    for key, status, asks, required in STATUS_KEYS:
        action = _key_action(key, target, toolbar, context)
        action.triggered.connect(
            lambda _checked=False, s=status, a=asks, r=required: chosen(s, a, r)
        )
        made.append(StatusAction(action, status, asks, required))
    return made


def state_actions(
    target: QWidget,
    toolbar: QToolBar,
    chosen: Callable[[DocumentState], None],
    context: Qt.ShortcutContext,
) -> list[StateAction]:
    """One action per document state key (see :func:`status_actions`)."""
    made = []
    for key, state in STATE_KEYS:
        action = _key_action(key, target, toolbar, context)
        action.triggered.connect(lambda _checked=False, s=state: chosen(s))
        made.append(StateAction(action, state))
    return made


def _name(action: QAction, label: str, asks: bool) -> None:
    key = action.shortcut().toString()
    action.setText(f"{label}…" if asks else label)
    action.setToolTip(_("{label} (key {key})").format(label=label, key=key))
    # The toolbar shows each key beside its label: the keys are the fast way. No "…"
    # there: on a button it reads as a label cut short.
    action.setIconText(f"{key} {label}")


def name_status_actions(actions: Sequence[StatusAction]) -> None:
    for made in actions:
        _name(made.action, cap(ACTION_STATUS[made.status]), made.asks)


def name_state_actions(actions: Sequence[StateAction]) -> None:
    for made in actions:
        _name(made.action, cap(DOCUMENT_STATE[made.state]), made.state in STATES_THAT_ASK)
