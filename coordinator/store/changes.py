"""Change sets: what a service changed, so screens refresh only what they show."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, TypeVar

T = TypeVar("T")


class ChangeKind(enum.StrEnum):
    """The kinds of record a change set can name (and a screen can be asked to open)."""

    ORGANISATION = "organisation"
    CONTACT = "contact"
    CASE = "case"
    COMMUNICATION = "communication"
    DOCUMENT = "document"
    ACTION = "action"
    TEMPLATE = "template"
    CALENDAR = "calendar"
    SETTING = "setting"
    EVENT = "event"


@dataclass(frozen=True)
class ChangeSet:
    ids: Mapping[ChangeKind, frozenset[int]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def kinds(self) -> frozenset[ChangeKind]:
        return frozenset(self.ids)

    def touches(self, *kinds: ChangeKind) -> bool:
        return any(kind in self.ids for kind in kinds)

    def ids_of(self, kind: ChangeKind) -> frozenset[int]:
        return self.ids.get(kind, frozenset())

    def __bool__(self) -> bool:
        return bool(self.ids)

    def merge(self, other: ChangeSet) -> ChangeSet:
        merged: dict[ChangeKind, frozenset[int]] = dict(self.ids)
        for kind, ids in other.ids.items():
            merged[kind] = merged.get(kind, frozenset()) | ids
        return ChangeSet(MappingProxyType(merged))


class ChangeTracker:
    def __init__(self) -> None:
        self._ids: dict[ChangeKind, set[int]] = {}

    def add(self, kind: ChangeKind, *ids: int) -> None:
        self._ids.setdefault(kind, set()).update(ids)

    def add_many(self, kind: ChangeKind, ids: Iterable[int]) -> None:
        self._ids.setdefault(kind, set()).update(ids)

    def freeze(self) -> ChangeSet:
        return ChangeSet(MappingProxyType({k: frozenset(v) for k, v in self._ids.items()}))


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What every mutating service returns: its plain result and what changed."""

    value: T
    changes: ChangeSet
