"""Check data on an office server, in every run: the attachments' pieces in the database
(whole, matching their checksums, none left that nobody refers to), the search index,
the data folder's modes; SQLite's own checks do not apply there."""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update

from coordinator.cli import safety as cli_safety
from coordinator.errors import StorageError
from coordinator.queries import documents as document_queries
from coordinator.safety.checks import Finding, check_store, repair
from coordinator.services import cases, documents
from coordinator.store import chunkstore
from coordinator.store.content import content_for
from coordinator.store.local_settings import set_database_url
from coordinator.store.models import DocumentFile, Event, FileChunk
from coordinator.store.storage import Store
from tests.coordinator.safety.conftest import attach


def problems(store: Store) -> list[Finding]:
    return [f for f in check_store(store).findings if f.code != "calendar"]


def test_a_sound_team_store_has_nothing_to_report(team: Store, tmp_path: Path) -> None:
    attach(team, tmp_path, b"scan" * 100, "a.pdf")
    attach(team, tmp_path, b"", "empty.txt")
    attach(team, tmp_path, bytes(range(256)) * 9000, "big.bin")  # three pieces
    report = check_store(team)
    assert report.ok
    assert problems(team) == []


def test_missing_and_damaged_content_is_said_by_the_files_name(team: Store, tmp_path: Path) -> None:
    lost = attach(team, tmp_path, b"lost scan " * 50, "lost.pdf")
    hurt = attach(team, tmp_path, b"hurt scan " * 50, "hurt.pdf")
    holed = attach(team, tmp_path, bytes(range(256)) * 9000, "holed.bin")
    with team.engine.begin() as conn:
        conn.execute(delete(FileChunk).where(FileChunk.sha256 == lost))
        conn.execute(update(FileChunk).where(FileChunk.sha256 == hurt).values(data=b"scribbled"))
        conn.execute(delete(FileChunk).where(FileChunk.sha256 == holed, FileChunk.seq == 1))
    found = problems(team)
    assert sorted((f.code, f.text("en"), f.repair) for f in found) == [
        (
            "damaged-file",
            "The attached file “holed.bin” has changed since it was stored.",
            None,
        ),
        ("damaged-file", "The attached file “hurt.pdf” has changed since it was stored.", None),
        ("missing-file", "The attached file “lost.pdf” is missing.", None),
    ]
    assert all(f.severity == "error" for f in found)
    assert not check_store(team).ok


def _detached(team: Store, tmp_path: Path, content: bytes) -> tuple[int, str, Path]:
    case = cases.open_case(team, "detach", template_key="company_landing").value
    document = document_queries.for_case(team, case.id)[0]
    source = tmp_path / "loose.pdf"
    source.write_bytes(content)
    record = documents.attach_file(team, document.id, source).value
    documents.remove_file(team, document.id, record.files[0].id)
    return document.id, record.files[0].sha256, source


def test_content_nobody_refers_to_is_removed_after_a_backup(team: Store, tmp_path: Path) -> None:
    kept = attach(team, tmp_path, b"still attached" * 10, "kept.pdf")
    _document, loose, _source = _detached(team, tmp_path, b"x" * (2 * chunkstore.CHUNK + 5))

    (finding,) = problems(team)
    assert (finding.severity, finding.text("en"), finding.repair) == (
        "warning",
        "Content of attached files kept in the database that no document refers to any "
        "more: 1 (2.0 MB).",
        "drop-unreferenced-content",
    )
    assert check_store(team).ok  # a warning only

    outcome = repair(team, [finding])

    assert outcome.failed == ()
    assert outcome.backup is not None  # the server's data changes: a dump of it first
    assert outcome.backup.on_server
    assert outcome.backup.reason == "before-repair"
    assert outcome.quarantine is None
    assert content_for(team).state(loose) == "missing"
    assert content_for(team).state(kept) == "intact"
    with team.read() as session:
        events = session.scalars(select(Event).where(Event.entity == "check")).all()
        assert [(e.field, e.after) for e in events] == [("dropped_unreferenced_content", "1")]
    assert problems(team) == []
    assert repair(team, [finding]).repaired == (finding,)  # again: nothing left to remove


def test_content_attached_again_after_the_check_is_kept(team: Store, tmp_path: Path) -> None:
    document, loose, source = _detached(team, tmp_path, b"comes back")
    (finding,) = problems(team)
    documents.attach_file(team, document, source)  # attached again in between
    repair(team, [finding])
    assert content_for(team).state(loose) == "intact"
    assert problems(team) == []


def test_removing_content_waits_for_an_officer_attaching_it_at_that_moment(
    team: Store, tmp_path: Path
) -> None:
    document, loose, source = _detached(team, tmp_path, b"the same scan again")
    with team.engine.connect() as officer:
        attaching = officer.begin()
        chunkstore.put(officer, loose, source)  # present already: locked, nothing written
        officer.execute(
            insert(DocumentFile).values(
                document_id=document,
                sha256=loose,
                size=source.stat().st_size,
                original_name="again.pdf",
                version=1,
                added_at=team.clock(),
            )
        )
        outcome: list[bool] = []

        def check_repairs() -> None:
            with team.engine.begin() as conn:
                outcome.append(chunkstore.drop_unreferenced(conn, loose))

        repairing = threading.Thread(target=check_repairs)
        repairing.start()
        time.sleep(0.5)
        assert repairing.is_alive(), "the repair must wait for the attaching officer"
        attaching.commit()
        repairing.join(10)
    assert outcome == [False]  # decided once the attachment was saved: still referred to
    assert content_for(team).state(loose) == "intact"


def test_the_search_index_on_the_server_is_checked_and_rebuilt(team: Store) -> None:
    cases.open_case(team, "索引检查")
    with team.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM search_index WHERE rowid = (SELECT max(rowid) FROM search_index)")
        )
    (finding,) = problems(team)
    assert finding.code == "search-index"
    assert "not indexed" in finding.text("en")
    assert finding.repair == "rebuild-search-index"
    outcome = repair(team, [finding])
    assert outcome.backup is None
    assert outcome.repaired == (finding,)
    assert problems(team) == []


def test_the_data_folders_modes_are_checked_on_a_server_too(team: Store) -> None:
    # It holds the settings with the server's address, and the dumps of everyone's data.
    team.backups_dir.chmod(0o755)
    (finding,) = problems(team)
    assert finding.code == "permissions"
    repair(team, [finding])
    assert team.backups_dir.stat().st_mode & 0o777 == 0o700
    assert problems(team) == []


def test_a_server_out_of_reach_is_said_not_taken_for_damage(tmp_path: Path) -> None:
    from tests.postgres_server import free_port

    data_dir = tmp_path / "far"
    set_database_url(data_dir, f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/office")
    store = Store(data_dir)
    try:
        with pytest.raises(StorageError) as raised:
            check_store(store)
        assert raised.value.message("en").startswith("The office server cannot be reached")
    finally:
        store.close()


def test_the_check_command_on_a_server(
    team: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _detached(team, tmp_path, b"left behind")
    team.close()

    def command(*argv: str) -> int | None:
        parser = argparse.ArgumentParser()
        parser.add_argument("--data-dir")
        cli_safety.register(parser.add_subparsers(dest="command"))
        return cli_safety.run(parser.parse_args(["--data-dir", str(team.data_dir), *argv]))

    assert command("check") == 0  # a warning only
    out = capsys.readouterr().out
    assert (
        "Warning: Content of attached files kept in the database that no document refers to "
        "any more: 1 (0.0 MB). (can be repaired)" in out
    )
    assert out.endswith("Check finished: the data is sound.\n")
    assert command("check", "--repair") == 0
    out = capsys.readouterr().out
    assert "Backed up first as " in out
    assert "Repaired: Content of attached files" in out
    assert "no document refers to" not in out.split("After the repairs:")[1]
