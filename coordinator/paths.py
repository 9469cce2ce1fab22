"""Where things live: shipped resources and the officer's data folder."""

from __future__ import annotations

import os
from pathlib import Path

import appdirs

APP_NAME = "LiaisonHub"
APP_AUTHOR = "LiaisonHub"
DATA_DIR_ENV = "LIAISON_HUB_DATA_DIR"
DATABASE_NAME = "liaison-hub.sqlite3"

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESOURCES_DIR = PROJECT_DIR / "resources"


def default_data_dir() -> Path:
    """The data folder: ``--data-dir`` beats ``LIAISON_HUB_DATA_DIR`` beats appdirs."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(appdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser()
    return default_data_dir()
