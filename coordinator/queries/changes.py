"""The changes other officers (or other programs on this laptop) saved: read from the
notes every unit of work leaves (:class:`~coordinator.store.models.ChangeNote`), so a
screen refreshes what they touched without restarting.

Ids are given in the order transactions started, not the order they committed: a note
with a lower id can appear after a higher one was read. :class:`NoteReader` therefore
reads again a margin below the highest id it has seen and remembers which of those it
has taken, so no note is missed and none is taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import func, select

from coordinator.store.changes import ChangeKind, ChangeSet, ChangeTracker
from coordinator.store.models import ChangeNote
from coordinator.store.storage import Store

MARGIN: Final = 200
"""How far below the highest note seen to look again for notes committed late."""


@dataclass(frozen=True)
class Heard:
    changes: ChangeSet
    officers: tuple[str, ...]
    """Who made them (a name once each, in the order heard)."""


@dataclass
class NoteReader:
    """Reads the notes of one database since it started, leaving out ``origin``'s own."""

    store: Store
    origin: str
    highest: int = 0
    _taken: set[int] = field(default_factory=set)

    @classmethod
    def from_now(cls, store: Store) -> NoteReader:
        """A reader that hears only what is saved from now on."""
        with store.read() as session:
            recent = set(
                session.scalars(
                    select(ChangeNote.id).where(
                        ChangeNote.id > select(func.max(ChangeNote.id) - MARGIN).scalar_subquery()
                    )
                )
            )
        return cls(store, store.origin, max(recent, default=0), recent)

    def read(self) -> Heard:
        """What was saved by others since the last read (an empty change set: nothing)."""
        floor = max(0, self.highest - MARGIN)
        with self.store.read() as session:
            rows = session.execute(
                select(ChangeNote.id, ChangeNote.origin, ChangeNote.officer, ChangeNote.changes)
                .where(ChangeNote.id > floor)
                .order_by(ChangeNote.id)
            ).all()
        tracker = ChangeTracker()
        officers: dict[str, None] = {}
        for ident, origin, officer, changes in rows:
            if ident in self._taken:
                continue
            self._taken.add(ident)
            self.highest = max(self.highest, ident)
            if origin == self.origin:
                continue
            for kind, ids in dict(changes).items():
                try:
                    tracker.add_many(ChangeKind(kind), (int(i) for i in ids))
                except ValueError:
                    continue  # a kind this version does not know: nothing shows it
            if officer:
                officers[officer] = None
        self._taken = {i for i in self._taken if i > self.highest - MARGIN}
        return Heard(tracker.freeze(), tuple(officers))
