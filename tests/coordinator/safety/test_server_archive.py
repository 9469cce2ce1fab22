"""An office server's data in the laptop's archive, both ways, exactly.

A team's database (on the run's PostgreSQL server, in every run) is exported to the same
archive a laptop writes; a laptop's SQLite imports it unchanged; the laptop exports it
again; another team database imports that: every row of every table, and every byte of
every attachment, is what it was. Refused archives and failed exports change nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update

from coordinator.errors import ConflictError, StorageError, ValidationError
from coordinator.paths import DATABASE_NAME
from coordinator.queries import actions as action_queries
from coordinator.queries import documents as document_queries
from coordinator.safety import archive, archive_contents
from coordinator.safety.checks import check_store
from coordinator.safety.opening import open_store
from coordinator.services import actions, cases, communications, contacts, documents
from coordinator.store import chunkstore
from coordinator.store.content import content_for
from coordinator.store.migrate import SCHEMA_HEAD
from coordinator.store.models import FileChunk
from coordinator.store.storage import Store
from tests.conftest import FixedClock, database_fingerprint, keep_sqlite_file
from tests.coordinator.safety.conftest import attach, backup_text, ordered_rows

BIG = os.urandom(chunkstore.CHUNK * 2 + 12345)  # three pieces, the last a short one


def _fill(store: Store, tmp_path: Path, clock: FixedClock) -> dict[str, bytes]:
    """A little of everything an office holds, attachments of every shape included."""
    contact = contacts.create(store, "王成峰", phones=["138 0013 8000"]).value
    case = cases.open_case(store, "甬达新材料落地", template_key="company_landing").value
    first, second = document_queries.for_case(store, case.id)[:2]
    contents = {"licence.pdf": b"%PDF-1.4 licence\n" * 500, "empty.txt": b"", "film.bin": BIG}
    for name, data in contents.items():
        source = tmp_path / "sources" / name
        source.parent.mkdir(exist_ok=True)
        source.write_bytes(data)
        documents.attach_file(store, first.id, source)
    documents.attach_file(store, second.id, tmp_path / "sources" / "licence.pdf")  # once stored
    clock.advance(minutes=7)
    communications.log(store, contact_id=contact.id, case_id=case.id, notes="材料齐了 ok")
    step = action_queries.for_case(store, case.id)[0]
    actions.set_status(store, step.id, "in_progress")  # a row updated: its version moves on
    documents.transition(store, first.id, "received")
    return contents


def _members(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: info.file_size for info in zf.infolist()}


def test_team_to_laptop_and_back_is_exact(
    office: Callable[[str], Path], tmp_path: Path, clock: FixedClock
) -> None:
    from coordinator.services import templates

    team = open_store(office("team-a"), clock=clock)
    templates.install_builtin(team)
    contents = _fill(team, tmp_path, clock)
    first = tmp_path / "from-team.zip"
    summary = archive.export_archive(team, first)
    before = ordered_rows(team)
    team.close()

    # The same archive as a laptop's: a SQLite database at the current revision, the
    # attachments once each, the manifest of their checksums.
    found = archive_contents.inspect_archive(first)
    assert found.schema_revision == SCHEMA_HEAD
    assert (summary.file_count, found.file_count) == (3, 3)
    assert found.files_size == sum(len(d) for d in contents.values())
    with zipfile.ZipFile(first) as zf:
        assert zf.read(DATABASE_NAME)[:16] == b"SQLite format 3\x00"
        manifest = json.loads(zf.read("manifest.json"))
    files = {n for n in _members(first) if n.startswith("files/")}
    assert set(manifest["members"]) == {DATABASE_NAME, *files}

    laptop_dir = tmp_path / "laptop"
    keep_sqlite_file(laptop_dir)  # a laptop's own file, whatever this run's backend
    imported = archive.import_archive(laptop_dir, first, clock=clock)
    assert imported.safety is None
    laptop = open_store(laptop_dir, clock=clock)
    try:
        assert laptop.is_sqlite
        assert not laptop.on_server
        assert [f.code for f in check_store(laptop).findings if f.code != "calendar"] == []
        on_laptop = ordered_rows(laptop)
        for name, data in contents.items():
            sha = _sha(data)
            assert b"".join(content_for(laptop).read(sha, name)) == data
        second = tmp_path / "from-laptop.zip"
        archive.export_archive(laptop, second)
    finally:
        laptop.close()
    chunks_table = [t.name for t in FileChunk.metadata.sorted_tables].index(FileChunk.__tablename__)
    assert on_laptop[chunks_table] == []  # a laptop keeps its attachments as files
    assert [r for i, r in enumerate(on_laptop) if i != chunks_table] == [
        r for i, r in enumerate(before) if i != chunks_table
    ]
    # The attachments, the same; the database, larger by the laptop's search index.
    assert set(_members(second)) == set(_members(first))
    assert {n: z for n, z in _members(second).items() if n.startswith("files/")} == {
        n: z for n, z in _members(first).items() if n.startswith("files/")
    }

    other = office("team-b")
    result = archive.import_archive(other, second, clock=clock)
    assert result.safety is None  # a database made a moment ago: nothing to keep
    again = open_store(other, clock=clock)
    try:
        assert ordered_rows(again) == before  # every table, the attachments' pieces too
        for name, data in contents.items():
            assert b"".join(content_for(again).read(_sha(data), name)) == data
        assert [f.code for f in check_store(again).findings if f.code != "calendar"] == []
    finally:
        again.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_team_database_with_data_is_replaced_only_when_asked(
    team: Store, office: Callable[[str], Path], tmp_path: Path, clock: FixedClock
) -> None:
    attach(team, tmp_path, b"scan of the licence", "licence.pdf")
    made = tmp_path / "all.zip"
    archive.export_archive(team, made)
    wanted = ordered_rows(team)
    communications.log(team, notes="after the export")
    before = database_fingerprint(team)
    data_dir = team.data_dir
    team.close()
    with pytest.raises(ConflictError) as refused:
        archive.import_archive(data_dir, made)
    assert "already holds data" in refused.value.message("en")
    reopened = open_store(data_dir, clock=clock)
    assert database_fingerprint(reopened) == before
    reopened.close()
    result = archive.import_archive(data_dir, made, replace=True)
    assert result.safety is not None
    assert result.safety.on_server
    assert result.safety.reason == "before-import"
    assert "after the export" in backup_text(result.safety)
    reopened = open_store(data_dir, clock=clock)
    try:
        assert ordered_rows(reopened) == wanted
    finally:
        reopened.close()


def test_a_damaged_attachment_in_the_archive_changes_nothing_on_the_server(
    team: Store, tmp_path: Path
) -> None:
    sha = attach(team, tmp_path, b"A" * 5000, "a.pdf")
    made = tmp_path / "all.zip"
    archive.export_archive(team, made)
    communications.log(team, notes="the newest state")
    before = database_fingerprint(team)
    backups = sorted(p.name for p in team.backups_dir.iterdir())
    members = {}
    with zipfile.ZipFile(made) as zf:
        for info in zf.infolist():
            members[info.filename] = zf.read(info)
    member = f"files/{sha[:2]}/{sha}"
    members[member] = b"B" * 5000  # the same size, other bytes: its checksum tells
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValidationError) as refused:
        archive.import_archive(team.data_dir, damaged, replace=True)
    assert refused.value.message("en") == (
        f"The archive damaged.zip is damaged: “{member}” does not match its checksum."
    )
    assert database_fingerprint(team) == before
    assert sorted(p.name for p in team.backups_dir.iterdir()) == backups  # no backup made
    assert not [p for p in team.data_dir.iterdir() if p.name.startswith(".import-")]


def test_an_export_with_a_damaged_attachment_writes_nothing(team: Store, tmp_path: Path) -> None:
    sha = attach(team, tmp_path, b"the real scan " * 100, "scan.pdf")
    with team.engine.begin() as conn:
        conn.execute(
            update(FileChunk).where(FileChunk.sha256 == sha).values(data=b"scribbled over")
        )
    target = tmp_path / "out" / "all.zip"
    target.parent.mkdir()
    with pytest.raises(StorageError) as refused:
        archive.export_archive(team, target)
    assert refused.value.message("en") == (
        "The attached file “scan.pdf” is missing or damaged in the office database, so the "
        "archive would be incomplete. Run “Check data” first."
    )
    assert list(target.parent.iterdir()) == []
    assert not [p for p in team.data_dir.iterdir() if p.name.startswith(".")]
