"""Helpers shared by the services."""

from __future__ import annotations

import enum

from coordinator.store.storage import Work


def set_field(
    work: Work,
    obj: object,
    field: str,
    value: object,
    *,
    entity: str,
    entity_id: int,
    case_id: int | None,
) -> bool:
    """Assign a field and record an Event if the value really changed."""
    before = getattr(obj, field)
    if before == value:
        return False
    setattr(obj, field, value)
    work.record(entity, entity_id, field, before, value, case_id=case_id)
    return True


class Unchanged(enum.Enum):
    """Marks an optional argument whose absence differs from ``None`` (which clears)."""

    KEEP = 0


KEEP = Unchanged.KEEP
