"""Acting on a reminder: move a follow-up's due time, or mark the reminded thing done."""

from __future__ import annotations

from datetime import datetime

from coordinator.kinds import ActionStatus, ReminderKind
from coordinator.services import actions, communications
from coordinator.store.changes import Outcome
from coordinator.store.records import ActionRecord, CommunicationRecord
from coordinator.store.storage import Store


def snooze(store: Store, communication_id: int, until: datetime) -> Outcome[CommunicationRecord]:
    """Move a follow-up's due time to ``until`` (later than now); it is reminded again then.

    A department's step is never snoozed here: its due time is the department's to move.
    """
    return communications.snooze_follow_up(store, communication_id, until)


def done(
    store: Store, kind: ReminderKind, item_id: int, *, at: datetime | None = None
) -> Outcome[CommunicationRecord] | Outcome[ActionRecord]:
    """Mark a reminded follow-up done (``item_id`` its communication), or a step done."""
    if kind is ReminderKind.FOLLOW_UP:
        return communications.complete_follow_up(store, item_id, at=at)
    return actions.set_status(store, item_id, ActionStatus.DONE, at=at)
