"""The office's data, opened from the address a laptop syncs with."""

from __future__ import annotations

from pathlib import Path

from coordinator.safety.opening import open_store
from coordinator.store.local_settings import sqlite_file
from coordinator.store.storage import Store


def open_office(address: str, laptop_dir: Path) -> Store:
    """The office's store: its PostgreSQL database (worked on from the laptop's folder,
    as the app works on a server), or another data folder's own file, with that folder's
    attachments."""
    database = sqlite_file(address)
    if database is not None:
        return open_store(database.parent, url=address)
    return open_store(laptop_dir, url=address)
