"""The scale-data generator at a tiny scale: right counts, a sound database, repeatable."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.generate import AS_OF, FULL, generate
from coordinator.phones import normalise
from coordinator.queries import dashboard
from coordinator.safety.opening import open_store
from coordinator.store.migrate import current_revision, head_revision
from coordinator.store.models import Communication, Document

SCALE = 0.002
NOW = datetime(2026, 11, 25, 10, 0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale") / "data"
    report = generate(folder, SCALE, seed=1)
    assert report.database_bytes > 0
    assert report.counts["communications"] == 2_000
    return folder


def _connect(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir / 'liaison-hub.sqlite3'}?mode=ro", uri=True)


def test_counts_follow_the_scale(data_dir: Path) -> None:
    conn = _connect(data_dir)
    try:
        count = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "communications",
                "cases",
                "actions",
                "documents",
                "contacts",
                "organisations",
                "phone_numbers",
                "events",
            )
        }
        kinds = dict(conn.execute("SELECT kind, count(*) FROM organisations GROUP BY kind"))
        unfiled = conn.execute(
            "SELECT count(*) FROM communications WHERE case_id IS NULL"
        ).fetchone()[0]
        newest, oldest = conn.execute("SELECT max(at), min(at) FROM communications").fetchone()
    finally:
        conn.close()
    for table in ("communications", "cases", "actions", "documents", "contacts"):
        assert count[table] == round(FULL[table] * SCALE), table
    assert count["contacts"] <= count["phone_numbers"] <= 3 * count["contacts"]
    assert kinds["department"] == 40
    assert kinds["company"] >= 5
    assert count["events"] >= count["cases"] + count["actions"] + count["documents"]
    assert unfiled == round(count["communications"] * 0.03)
    assert oldest >= "2022-01-01"
    assert newest <= "2026-11-30 23:59:59.999999"


def test_the_store_opens_sound_and_at_the_current_revision(data_dir: Path) -> None:
    store = open_store(data_dir)
    try:
        assert current_revision(store) == head_revision()
        with store.read() as session:
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
            assert session.connection().exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # Datetimes are in SQLAlchemy's own format: they load, and compare in order.
            first = session.scalars(select(Communication).order_by(Communication.at)).first()
            assert first is not None
            assert first.at >= datetime(2022, 1, 1)
            documents = session.scalars(select(Document)).all()
            assert all(d.requested_at is not None and d.requested_at <= AS_OF for d in documents)
            counts = dashboard.counts(store, NOW)
            assert dashboard.unfiled_communications(store, NOW)
            assert dashboard.documents_waiting(store, NOW)
    finally:
        store.close()
    assert counts.unfiled_communications == 60
    assert counts.documents_waiting > 0


def test_phone_numbers_are_what_the_application_would_store(data_dir: Path) -> None:
    conn = _connect(data_dir)
    try:
        phones = conn.execute("SELECT raw, e164, digits FROM phone_numbers").fetchall()
        names = conn.execute("SELECT name, pinyin, initials FROM contacts LIMIT 20").fetchall()
    finally:
        conn.close()
    for raw, e164, digits in phones:
        number = normalise(raw)
        assert (number.e164, number.digits) == (e164, digits), raw
    assert any(e164.startswith("+86574") for _raw, e164, _digits in phones)
    assert any(e164.startswith(("+8613", "+8615", "+8618")) for _raw, e164, _d in phones)
    for name, pinyin, initials in names:
        assert 2 <= len(name) <= 3
        assert pinyin
        assert initials
        assert pinyin.replace(" ", "").isascii()


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    def dump(folder: Path) -> list[tuple[object, ...]]:
        generate(folder, 0.0005, seed=7)
        conn = _connect(folder)
        try:
            rows: list[tuple[object, ...]] = []
            for table in ("organisations", "contacts", "cases", "actions", "communications"):
                rows += conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            return rows
        finally:
            conn.close()

    assert dump(tmp_path / "a") == dump(tmp_path / "b")


def test_refuses_a_folder_that_holds_data(data_dir: Path) -> None:
    with pytest.raises(FileExistsError):
        generate(data_dir, SCALE, seed=1)
