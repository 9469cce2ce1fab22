"""The office's settings as the screens and reports read them."""

from __future__ import annotations

from coordinator.services.settings import DEFAULT_OFFICE_NAME, pinned_in, stored_office_name
from coordinator.store.storage import Store


def office_name(store: Store) -> str:
    """The office's name as entered, else the default in the current language."""
    with store.read() as session:
        stored = stored_office_name(session)
    return stored if stored is not None else DEFAULT_OFFICE_NAME.tr()


def pinned_cases(store: Store) -> list[int]:
    """The cases the officer pinned to jump back to, most recently pinned first; ids of
    cases deleted since are left out."""
    with store.read() as session:
        return pinned_in(session)
