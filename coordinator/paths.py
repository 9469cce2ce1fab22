"""Where things live: shipped resources and the officer's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import appdirs

APP_NAME = "LiaisonHub"
APP_AUTHOR = "LiaisonHub"
DATA_DIR_ENV = "LIAISON_HUB_DATA_DIR"
DATABASE_NAME = "liaison-hub.sqlite3"

PROJECT_DIR = Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    """True in the one-folder app (PyInstaller), False when run from Python."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def bundle_dir() -> Path:
    """The folder the shipped resources sit in: the frozen app's own folder of data files,
    or the source tree (an editable install)."""
    if is_frozen():
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]  # set by the frozen app's loader
    return PROJECT_DIR


RESOURCES_DIR = bundle_dir() / "resources"


def default_data_dir() -> Path:
    """The data folder: ``--data-dir`` beats ``LIAISON_HUB_DATA_DIR`` beats appdirs.

    The frozen app and a pip install share it: both ask appdirs with the same names.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(appdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser()
    return default_data_dir()
