"""Reminders: follow-ups and department actions falling due while the app runs.

The app polls :class:`ReminderWatch` (every minute, say) and raises a tray notification
for what it returns: each item once per run, again only when its due time moves (a
snoozed follow-up) or after a snooze of the notification itself ends. The Today screen
shows the same items from :mod:`coordinator.queries.dashboard`; snoozing and marking
done are :mod:`coordinator.services.reminders`.

Both queries are ranges on partial or composite indexes: open follow-ups on
``ix_communications_open_follow_up``, actions on ``ix_actions_status_due``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from coordinator.kinds import ReminderKind
from coordinator.queries.due import OVERDUE_STATUSES
from coordinator.store.models import Action as ActionRow
from coordinator.store.models import Case, Communication, Contact, Organisation
from coordinator.store.storage import Store

__all__ = [
    "Reminder",
    "ReminderKind",
    "ReminderWatch",
    "due_between",
]

DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    item_id: int
    """The communication's id for a follow-up, the action's id for an action."""
    due: datetime
    title: str
    """The first line of the communication's notes, or the action's title."""
    who: str
    """The contact (or the raw number when there is none), or the department."""
    case_id: int | None
    case_reference: str | None

    @property
    def key(self) -> tuple[ReminderKind, int, datetime]:
        """Identifies one announcement: an item whose due time moves is announced again."""
        return (self.kind, self.item_id, self.due)


def due_between(
    store: Store, since: datetime, now: datetime, *, limit: int = DEFAULT_LIMIT
) -> list[Reminder]:
    """Open follow-ups and actions due in ``(since, now]``, the earliest due first.

    Actions waiting on the company are left out: their clock stands still, so they
    cannot fall due.
    """
    if now <= since or limit <= 0:
        return []
    with store.read() as session:
        follow_ups = session.execute(
            select(
                Communication.id,
                Communication.follow_up_due,
                Communication.notes,
                Contact.name,
                Communication.raw_number,
                Communication.case_id,
                Case.reference,
            )
            .outerjoin(Contact, Contact.id == Communication.contact_id)
            .outerjoin(Case, Case.id == Communication.case_id)
            .where(
                # The first two terms are the WHERE of the partial index, word for word.
                and_(
                    Communication.follow_up_done_at.is_(None),
                    Communication.follow_up_due.is_not(None),
                    Communication.follow_up_due > since,
                    Communication.follow_up_due <= now,
                )
            )
            .order_by(Communication.follow_up_due, Communication.id)
            .limit(limit)
        ).all()
        due_actions = session.execute(
            select(
                ActionRow.id,
                ActionRow.due_at,
                ActionRow.title,
                Organisation.name,
                ActionRow.case_id,
                Case.reference,
            )
            .join(Organisation, Organisation.id == ActionRow.department_id)
            .join(Case, Case.id == ActionRow.case_id)
            .where(
                ActionRow.status.in_(OVERDUE_STATUSES),
                ActionRow.due_at > since,
                ActionRow.due_at <= now,
            )
            .order_by(ActionRow.due_at, ActionRow.id)
            .limit(limit)
        ).all()
    items: list[Reminder] = []
    for ident, due, notes, name, raw_number, case_id, reference in follow_ups:
        if due is not None:  # always, by the WHERE: this tells the type checker
            who = name if name is not None else raw_number
            items.append(
                Reminder(
                    ReminderKind.FOLLOW_UP, ident, due, _first_line(notes), who, case_id, reference
                )
            )
    for ident, due, title, department, case_id, reference in due_actions:
        if due is not None:
            items.append(
                Reminder(ReminderKind.ACTION, ident, due, title, department, case_id, reference)
            )
    items.sort(key=lambda r: (r.due, r.kind.value, r.item_id))
    return items[:limit]


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


class ReminderWatch:
    """What one run of the app has already announced.

    ``since`` is where the run starts looking (the app's start, or the start of the
    day to also announce what fell due before it was opened). The window stays anchored
    there: an action whose due time is moved back into the past while the app runs is
    still announced.
    """

    def __init__(self, since: datetime) -> None:
        self.since = since
        self._announced: set[tuple[ReminderKind, int, datetime]] = set()
        self._quiet: dict[tuple[ReminderKind, int], datetime] = {}

    def poll(self, store: Store, now: datetime, *, limit: int = DEFAULT_LIMIT) -> list[Reminder]:
        """The reminders due by ``now`` not yet announced in this run; marks them announced."""
        fresh: list[Reminder] = []
        for item in due_between(store, self.since, now, limit=limit):
            ident = (item.kind, item.item_id)
            until = self._quiet.get(ident)
            if until is not None:
                if now < until:
                    continue
                del self._quiet[ident]
                self._announced.discard(item.key)
            if item.key in self._announced:
                continue
            self._announced.add(item.key)
            fresh.append(item)
        return fresh

    def snooze(self, item: Reminder, until: datetime) -> None:
        """Announce this item again at ``until`` if it is still due then, whatever its kind.

        Nothing is written: a follow-up's own due time moves with :func:`snooze`.
        """
        self._quiet[(item.kind, item.item_id)] = until
