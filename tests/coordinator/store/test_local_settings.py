"""This laptop's settings: who the officer is and which database the data folder works on."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.errors import ValidationError
from coordinator.services import organisations
from coordinator.store import local_settings
from coordinator.store.local_settings import (
    DATABASE_URL_ENV,
    OFFICER_ENV,
    LocalSettings,
    check_database_url,
    configured_officer,
    configured_url,
    normalised_url,
    read_local_settings,
    set_database_url,
    set_officer,
    shown_url,
)
from coordinator.store.models import Event
from coordinator.store.storage import Store


@pytest.mark.sqlite_only  # the data folder's own file decides here
def test_settings_are_kept_owner_only_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OFFICER_ENV, raising=False)
    assert read_local_settings(tmp_path) == LocalSettings()
    set_officer(tmp_path, "  李 晓雯 ")
    url = "postgresql+psycopg://liaison:s3cret@office.example:5432/liaison"
    set_database_url(tmp_path, url)
    path = tmp_path / local_settings.SETTINGS_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "officer": "李 晓雯",
        "database_url": url,
        "office_server": "",
    }
    assert configured_officer(tmp_path) == "李 晓雯"
    assert configured_url(tmp_path) == url
    set_database_url(tmp_path, "")
    assert configured_url(tmp_path) is None
    assert read_local_settings(tmp_path).officer == "李 晓雯"  # one setting kept the other
    # A laptop's checkout: the office it syncs with, not the database it works on.
    local_settings.set_office_server(tmp_path, f" {url} ")
    assert read_local_settings(tmp_path).office_server == url
    assert configured_url(tmp_path) is None
    with pytest.raises(ValidationError):
        local_settings.set_office_server(tmp_path, "mysql://office/db")
    assert read_local_settings(tmp_path).office_server == url


@pytest.mark.sqlite_only
def test_the_file_an_sqlite_address_names(tmp_path: Path) -> None:
    database = tmp_path / "办公室" / "liaison-hub.sqlite3"
    assert local_settings.sqlite_file(f"sqlite:///{database}") == database
    assert local_settings.sqlite_file("postgresql+psycopg://a@server/db") is None


@pytest.mark.sqlite_only
def test_a_damaged_settings_file_reads_as_defaults(tmp_path: Path) -> None:
    (tmp_path / local_settings.SETTINGS_NAME).write_text("{not json", encoding="utf-8")
    assert read_local_settings(tmp_path) == LocalSettings()
    (tmp_path / local_settings.SETTINGS_NAME).write_text('["a list"]', encoding="utf-8")
    assert read_local_settings(tmp_path) == LocalSettings()


@pytest.mark.sqlite_only
def test_the_command_line_and_environment_beat_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_database_url(tmp_path, "postgresql+psycopg://a@file/db")
    set_officer(tmp_path, "文件里的名字")
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://a@environment/db")
    monkeypatch.setenv(OFFICER_ENV, "环境里的名字")
    assert configured_url(tmp_path) == "postgresql+psycopg://a@environment/db"
    assert configured_url(tmp_path, "postgresql+psycopg://a@explicit/db").endswith("explicit/db")
    assert configured_officer(tmp_path) == "环境里的名字"


@pytest.mark.parametrize(
    ("url", "english"),
    [
        (
            "mysql://u@server/db",
            "Liaison Hub works with SQLite and PostgreSQL databases, not mysql.",
        ),
        (
            "postgresql+psycopg2://u@server/db",
            "Use the psycopg driver: postgresql+psycopg://… (not postgresql+psycopg2).",
        ),
        ("postgresql://u@server", "The address names no database: add /database at its end."),
        (
            "office server",
            "“office server” is not a database address. Write it as "
            "postgresql+psycopg://user:password@server:5432/database.",
        ),
    ],
)
def test_an_unusable_address_is_refused_in_words(
    url: str, english: str, in_chinese: object
) -> None:
    with pytest.raises(ValidationError) as info:
        check_database_url(url)
    assert info.value.message("en") == english
    in_chinese(info.value)  # type: ignore[operator]


def test_plain_postgresql_means_psycopg_and_passwords_are_never_shown() -> None:
    assert normalised_url("postgresql://u:pw@h:5432/d") == "postgresql+psycopg://u:pw@h:5432/d"
    assert normalised_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    assert shown_url("postgresql+psycopg://u:pw@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"


def test_a_name_is_needed_and_not_too_long(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        set_officer(tmp_path, "   ")
    with pytest.raises(ValidationError):
        set_officer(tmp_path, "名" * (local_settings.OFFICER_MAX + 1))
    assert not (tmp_path / local_settings.SETTINGS_NAME).exists()


def test_every_event_is_signed_by_the_officer(store: Store) -> None:
    store.officer = "王成峰"
    organisations.create(store, "区税务局", "department")
    store.officer = "李晓雯"
    organisations.create(store, "开户银行", "bank")
    with store.read() as session:
        signed = [(e.after, e.officer) for e in session.scalars(select(Event).order_by(Event.id))]
    assert ("区税务局 (department)", "王成峰") in signed
    assert ("开户银行 (bank)", "李晓雯") in signed
