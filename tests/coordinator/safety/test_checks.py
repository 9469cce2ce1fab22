"""Check data and its safe repairs: each finding in plain words, each repair applied once,
and a second check after a repair finding nothing of what it repaired."""

from __future__ import annotations

import argparse
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from coordinator.cli import safety as cli_safety
from coordinator.queries import communications as communication_queries
from coordinator.queries import documents as document_queries
from coordinator.safety import backup, checks, opening
from coordinator.safety.checks import Finding, check_store, repair
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, contacts, documents
from coordinator.store import filestore
from coordinator.store.models import Event
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import FixedClock

OLD = time.time() - 2 * 3600


def problems(store: Store) -> list[Finding]:
    """The findings a repair could be about (the calendar warning is the officer's)."""
    return [f for f in check_store(store).findings if f.code != "calendar"]


def attach(store: Store, tmp_path: Path, content: bytes, name: str) -> str:
    case = cases.open_case(store, f"检查 {name}", template_key="company_landing").value
    document = document_queries.for_case(store, case.id)[0]
    source = tmp_path / name
    source.write_bytes(content)
    return documents.attach_file(store, document.id, source).value.files[-1].sha256


def aged(path: Path) -> Path:
    """Older than the grace period, and owner-only (so only the age is being tested)."""
    path.chmod(0o600)
    os.utime(path, (OLD, OLD))
    return path


def test_a_sound_store_has_nothing_to_report(store: Store, tmp_path: Path) -> None:
    attach(store, tmp_path, b"scan" * 100, "a.pdf")
    report = check_store(store)
    assert report.ok
    assert problems(store) == []
    assert report.repairable == ()


@pytest.mark.sqlite_only
def test_files_nobody_refers_to_are_quarantined_not_deleted(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    kept = attach(store, tmp_path, b"still attached" * 10, "kept.pdf")
    case = cases.open_case(store, "detach", template_key="company_landing").value
    document = document_queries.for_case(store, case.id)[0]
    loose = tmp_path / "loose.pdf"
    loose.write_bytes(b"detached later")
    record = documents.attach_file(store, document.id, loose).value
    documents.remove_file(store, document.id, record.files[0].id)
    orphan = aged(filestore.path_for(store.files_dir, record.files[0].sha256))
    stray = store.files_dir / "notes.txt"  # dropped there by hand
    stray.write_text("x")
    aged(stray)
    partial = store.files_dir / f"{filestore.TEMP_PREFIX}abc123"
    partial.write_bytes(b"half a co")
    aged(partial)
    young = store.files_dir / "just-now.bin"  # perhaps being attached this very moment
    young.write_bytes(b"y")
    young.chmod(0o600)

    found = problems(store)
    assert [(f.severity, f.text("en"), f.repair) for f in found] == [
        (
            "warning",
            "Files in the attachments folder that belong to no document: 2.",
            "quarantine-files",
        ),
        (
            "warning",
            "Unfinished copies of attachments left by an interruption: 1.",
            "quarantine-files",
        ),
    ]
    assert check_store(store).ok  # warnings only

    outcome = repair(store, found)

    assert outcome.failed == ()
    assert outcome.backup is None  # nothing in the database changes
    assert outcome.quarantine == store.data_dir / "quarantine" / "20250609-090000"
    moved = outcome.quarantine / "files"
    assert (moved / orphan.relative_to(store.files_dir)).read_bytes() == b"detached later"
    assert (moved / "notes.txt").read_text() == "x"
    assert (moved / partial.name).read_bytes() == b"half a co"
    assert not orphan.exists()
    assert young.exists()
    assert filestore.verify(store.files_dir, kept)
    assert stat.S_IMODE(outcome.quarantine.stat().st_mode) == 0o700
    assert problems(store) == []  # repeatable: nothing new
    assert repair(store, found).quarantine is None  # and repairing again moves nothing


@pytest.mark.sqlite_only
def test_a_file_attached_again_after_the_check_is_not_moved(store: Store, tmp_path: Path) -> None:
    case = cases.open_case(store, "again", template_key="company_landing").value
    document = document_queries.for_case(store, case.id)[0]
    source = tmp_path / "back.pdf"
    source.write_bytes(b"comes back")
    record = documents.attach_file(store, document.id, source).value
    documents.remove_file(store, document.id, record.files[0].id)
    content = aged(filestore.path_for(store.files_dir, record.files[0].sha256))
    (finding,) = problems(store)
    documents.attach_file(store, document.id, source)  # attached again in between
    repair(store, [finding])
    assert filestore.verify(store.files_dir, record.files[0].sha256)
    assert content.exists()
    assert problems(store) == []


@pytest.mark.sqlite_only
def test_a_missing_or_damaged_attachment_comes_back_from_a_backup(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    lost = attach(store, tmp_path, b"lost scan " * 50, "lost.pdf")
    hurt = attach(store, tmp_path, b"hurt scan " * 50, "hurt.pdf")
    made = backup.make_backup(store, "manual").backup
    assert made is not None
    filestore.path_for(store.files_dir, lost).unlink()
    filestore.path_for(store.files_dir, hurt).write_bytes(b"scribbled over")

    found = problems(store)
    assert sorted((f.code, f.text("en"), f.repair) for f in found) == [
        (
            "damaged-file",
            "The attached file “hurt.pdf” has changed since it was stored; the backup of "
            "2025-06-09 09:00 has a good copy.",
            "restore-file",
        ),
        (
            "missing-file",
            "The attached file “lost.pdf” is missing; the backup of 2025-06-09 09:00 has a "
            "good copy.",
            "restore-file",
        ),
    ]
    assert not check_store(store).ok

    outcome = repair(store, found)

    assert outcome.failed == ()
    assert filestore.verify(store.files_dir, lost)
    assert filestore.verify(store.files_dir, hurt)
    assert outcome.quarantine is not None
    damaged = outcome.quarantine / "files" / hurt[:2] / hurt
    assert damaged.read_bytes() == b"scribbled over"  # kept, for whoever wants to look
    assert problems(store) == []
    assert check_store(store).ok


@pytest.mark.sqlite_only
def test_without_a_good_copy_no_repair_is_offered(store: Store, tmp_path: Path) -> None:
    lost = attach(store, tmp_path, b"only copy", "only.pdf")
    made = backup.make_backup(store, "manual").backup
    assert made is not None
    filestore.path_for(made.path / "files", lost).write_bytes(b"rotten too")
    filestore.path_for(store.files_dir, lost).unlink()
    (finding,) = problems(store)
    assert finding.text("en") == "The attached file “only.pdf” is missing."
    assert finding.repair is None
    assert finding.severity == "error"


def _break_links(store: Store) -> tuple[int, int]:
    """Delete a contact behind the database's back: its phone row and a call dangle."""
    contact = contacts.create(store, "断链联系人", phones=["138 0013 8000"]).value
    call = communications.log(store, contact_id=contact.id, notes="dangling").value
    conn = sqlite3.connect(store.database_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM contacts WHERE id = ?", (contact.id,))
    conn.commit()
    conn.close()
    return contact.id, call.id


@pytest.mark.sqlite_only
def test_rows_pointing_to_nothing_are_repaired_as_the_schema_says(
    store: Store, clock: FixedClock
) -> None:
    _contact, call = _break_links(store)
    with sqlite3.connect(store.database_path) as conn:
        phone_row = conn.execute("SELECT rowid FROM phone_numbers").fetchone()[0]
    found = problems(store)
    assert sorted((f.text("en"), f.repair) for f in found) == [
        (f"A row of communications (#{call}) points to a missing contacts.", "clear-broken-links"),
        (
            f"A row of phone_numbers (#{phone_row}) points to a missing contacts.",
            "delete-orphan-rows",
        ),
        (  # the contact is still in the search index: it went behind the app's back
            "The search index does not match the data (contact: 0 not indexed, 1 indexed "
            "but gone): searches could miss records until it is rebuilt.",
            "rebuild-search-index",
        ),
    ]

    outcome = repair(store, found)

    assert outcome.failed == ()
    assert outcome.backup is not None
    assert outcome.backup.reason == "before-repair"
    assert problems(store) == []
    assert communication_queries.get(store, call).contact_id is None  # the call itself stays
    with sqlite3.connect(store.database_path) as conn:
        assert conn.execute("SELECT count(*) FROM phone_numbers").fetchone() == (0,)
    with store.read() as session:
        events = session.scalars(select(Event).where(Event.entity == "check")).all()
        assert sorted(e.field for e in events) == ["cleared_broken_links", "deleted_orphan_rows"]


@pytest.mark.sqlite_only
def test_many_broken_rows_make_one_finding(store: Store) -> None:
    for n in range(3):
        contact = contacts.create(store, f"联系人{n}", phones=["138 0013 800" + str(n)]).value
        with sqlite3.connect(store.database_path) as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("DELETE FROM contacts WHERE id = ?", (contact.id,))
    finding, index_finding = problems(store)
    assert finding.text("en").startswith("3 rows of phone_numbers point to a missing contacts")
    assert index_finding.code == "search-index"
    repair(store, [finding, index_finding])
    assert problems(store) == []


@pytest.mark.sqlite_only
def test_loose_permissions_are_tightened(store: Store, tmp_path: Path) -> None:
    sha = attach(store, tmp_path, b"private", "p.pdf")
    content = filestore.path_for(store.files_dir, sha)
    content.chmod(0o644)
    store.backups_dir.chmod(0o755)
    (store.data_dir / opening.LOCK_NAME).write_text("1\n")  # the app's lock: no data in it
    (store.data_dir / opening.LOCK_NAME).chmod(0o644)
    (finding,) = problems(store)
    assert finding.text("en") == (
        "Files or folders in the data folder that other users of this computer can read: 2."
    )
    assert set(finding.targets) == {str(content), str(store.backups_dir)}
    repair(store, [finding])
    assert stat.S_IMODE(content.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.backups_dir.stat().st_mode) == 0o700
    assert problems(store) == []


@pytest.mark.sqlite_only
def test_a_damaged_database_is_reported_not_raised(store: Store, tmp_path: Path) -> None:
    for n in range(300):
        communications.log(store, notes=f"{n} " + "长" * 1000)
    store.close()
    data = bytearray(store.database_path.read_bytes())
    data[-40 * 4096 :] = bytes(40 * 4096)
    store.database_path.write_bytes(bytes(data))
    damaged = open_store(store.data_dir, clock=store.clock)
    try:
        report = check_store(damaged)
    finally:
        damaged.close()
    assert not report.ok
    assert [f.code for f in report.findings] == ["integrity"]
    assert report.findings[0].text("en").startswith("The database file is damaged: ")
    assert report.repairable == ()


@pytest.mark.sqlite_only
def test_check_command_repairs_when_asked(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    (store.files_dir / "stray.bin").write_bytes(b"?")
    aged(store.files_dir / "stray.bin")
    store.close()

    def command(*argv: str) -> int | None:
        parser = argparse.ArgumentParser()
        parser.add_argument("--data-dir")
        cli_safety.register(parser.add_subparsers(dest="command"))
        return cli_safety.run(parser.parse_args(["--data-dir", str(store.data_dir), *argv]))

    assert command("check") == 0  # warnings only
    out = capsys.readouterr().out
    assert (
        "Warning: Files in the attachments folder that belong to no document: 1. "
        "(can be repaired)" in out
    )
    assert "Run `liaison-hub check --repair` to apply the safe repairs." in out
    assert out.endswith("Check finished: the data is sound.\n")
    assert command("check", "--repair") == 0
    out = capsys.readouterr().out
    assert "Repaired: Files in the attachments folder that belong to no document: 1." in out
    assert "Files set aside in " in out
    after = out.split("After the repairs:")[1]
    assert "belong to no document" not in after
    assert not (store.files_dir / "stray.bin").exists()


def test_the_old_api_still_answers(store: Store) -> None:
    report = checks.check_store(store)
    assert isinstance(report.findings, tuple)
    assert all(isinstance(f.text(), str) for f in report.findings)
