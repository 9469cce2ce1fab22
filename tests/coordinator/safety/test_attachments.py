"""Where attachments' content lives: the data folder's files on a laptop, the database's
pieces on an office server, behind one interface; every read checked against the
checksum, a damaged copy refused in words and never handed over.

Each test runs on this run's store (a laptop's SQLite, or the server with
``--backend postgresql``) and on a team store on the server, in every run.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from coordinator.errors import StorageError, ValidationError
from coordinator.queries import documents as document_queries
from coordinator.services import cases, documents
from coordinator.store import chunkstore, content, filestore
from coordinator.store.content import (
    DamagedContentError,
    DatabaseContent,
    FolderContent,
    MissingContentError,
    content_for,
)
from coordinator.store.models import DocumentFile, FileChunk
from coordinator.store.storage import Store
from tests.conftest import database_fingerprint

BIG = os.urandom(2 * chunkstore.CHUNK + 777)


@pytest.fixture(params=["this run's store", "a team store"])
def either(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue("store" if request.param == "this run's store" else "team")


@pytest.fixture
def document_id(either: Store) -> int:
    case = cases.open_case(either, "附件", template_key="company_landing").value
    return document_queries.for_case(either, case.id)[0].id


def _source(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def _damage(store: Store, sha: str, *, remove: bool = False) -> None:
    """Behind the app's back, as a failing disk or a careless hand would."""
    if store.on_server:
        with store.engine.begin() as conn:
            if remove:
                conn.execute(delete(FileChunk).where(FileChunk.sha256 == sha))
            else:
                conn.execute(
                    update(FileChunk)
                    .where(FileChunk.sha256 == sha, FileChunk.seq == 0)
                    .values(data=b"rot")
                )
        return
    path = filestore.path_for(store.files_dir, sha)
    if remove:
        path.unlink()
    else:
        path.chmod(0o600)
        path.write_bytes(b"rot")


def test_each_store_keeps_content_where_every_officer_reaches_it(
    either: Store, document_id: int, tmp_path: Path
) -> None:
    source = _source(tmp_path, "现场视频.bin", BIG)
    record = documents.attach_file(either, document_id, source).value
    (attached,) = record.files
    sha = hashlib.sha256(BIG).hexdigest()
    assert (attached.sha256, attached.size) == (sha, len(BIG))
    kept = content_for(either)
    if either.on_server:
        assert isinstance(kept, DatabaseContent)
        with either.engine.connect() as conn:
            sizes = conn.execute(
                select(FileChunk.seq, func.length(FileChunk.data))
                .where(FileChunk.sha256 == sha)
                .order_by(FileChunk.seq)
            ).all()
        assert sizes == [(0, chunkstore.CHUNK), (1, chunkstore.CHUNK), (2, 777)]
        assert not any(p.is_file() for p in either.files_dir.rglob("*"))
    else:
        assert isinstance(kept, FolderContent)
        assert filestore.verify(either.files_dir, sha)
    assert b"".join(kept.read(sha)) == BIG
    assert kept.state(sha) == "intact"
    # The same content again is kept once.
    documents.attach_file(either, document_id, _source(tmp_path, "copy.bin", BIG))
    if either.on_server:
        with either.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(FileChunk)) == 3
    else:
        assert len([p for p in either.files_dir.rglob("*") if p.is_file()]) == 1


def test_an_empty_file_is_kept_and_read_back(
    either: Store, document_id: int, tmp_path: Path
) -> None:
    record = documents.attach_file(either, document_id, _source(tmp_path, "empty.txt", b""))
    sha = record.value.files[0].sha256
    assert content_for(either).state(sha) == "intact"
    assert b"".join(content_for(either).read(sha)) == b""


def test_a_file_that_changes_while_attached_leaves_nothing(
    either: Store, document_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _source(tmp_path, "growing.bin", BIG)
    before = database_fingerprint(either)
    kind = type(content_for(either))
    taken = kind.take_in

    def then_changed(self: content.ContentStore, path: Path) -> filestore.StoredFile:
        stored = taken(self, path)  # type: ignore[arg-type]
        with path.open("ab") as more:  # the scanner still writing it
            more.write(b"one more page")
        return stored

    monkeypatch.setattr(kind, "take_in", then_changed)
    if either.on_server:
        with pytest.raises(ValidationError) as raised:
            documents.attach_file(either, document_id, source)
        # Its pieces went into the database in the same transaction as its row: both gone.
        assert raised.value.message("en") == (
            "The file growing.bin changed while it was being attached: nothing was saved. "
            "Attach it again."
        )
        assert database_fingerprint(either) == before
    else:  # a laptop copies it before the transaction: what it copied is what it keeps
        documents.attach_file(either, document_id, source)
    monkeypatch.undo()


def test_a_copy_for_the_viewer_is_checked_read_only_and_named(
    either: Store, document_id: int, tmp_path: Path
) -> None:
    source = _source(tmp_path, "营业执照.pdf", BIG)
    record = documents.attach_file(either, document_id, source).value
    file_id = record.files[0].id
    heard: list[tuple[int, int]] = []
    viewing = tmp_path / "viewing"

    copy = documents.copy_for_viewing(
        either, file_id, viewing, done=lambda n, total: heard.append((n, total))
    )

    assert copy.name == "营业执照.pdf"
    assert copy.read_bytes() == BIG
    assert stat.S_IMODE(copy.stat().st_mode) == 0o400
    assert heard[-1] == (len(BIG), len(BIG))
    assert [n for n, _t in heard] == sorted(n for n, _t in heard)
    assert documents.copy_for_viewing(either, file_id, viewing) == copy  # once per run
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary left


@pytest.mark.parametrize(
    ("remove", "english"),
    [
        (
            False,
            "The attached file “scan.pdf” is damaged: its content no longer matches the "
            "checksum taken when it was attached, so it is not used. Run Check data.",
        ),
        (True, "The attached file “scan.pdf” is missing, so it cannot be used. Run Check data."),
    ],
)
def test_a_damaged_or_missing_file_is_refused_never_handed_over(
    either: Store, document_id: int, tmp_path: Path, remove: bool, english: str
) -> None:
    record = documents.attach_file(either, document_id, _source(tmp_path, "scan.pdf", BIG))
    attached = record.value.files[0]
    _damage(either, attached.sha256, remove=remove)
    viewing = tmp_path / "viewing"
    with pytest.raises(StorageError) as raised:
        documents.copy_for_viewing(either, attached.id, viewing)
    assert raised.value.message("en") == english
    assert isinstance(raised.value, MissingContentError if remove else DamagedContentError)
    assert not any(p.is_file() for p in viewing.rglob("*"))  # nothing to open
    state = content_for(either).state(attached.sha256)
    assert state == ("missing" if remove else "damaged")


def test_a_file_attached_again_mends_a_damaged_copy(
    either: Store, document_id: int, tmp_path: Path
) -> None:
    source = _source(tmp_path, "a.txt", b"original content" * 1000)
    sha = documents.attach_file(either, document_id, source).value.files[0].sha256
    _damage(either, sha)
    assert content_for(either).state(sha) == "damaged"
    documents.attach_file(either, document_id, source)
    assert content_for(either).state(sha) == "intact"
    assert b"".join(content_for(either).read(sha)) == b"original content" * 1000


def test_removing_a_file_keeps_its_content_for_the_data_check(
    either: Store, document_id: int, tmp_path: Path
) -> None:
    record = documents.attach_file(either, document_id, _source(tmp_path, "a.txt", b"abc")).value
    documents.remove_file(either, document_id, record.files[0].id)
    assert content_for(either).state(record.files[0].sha256) == "intact"
    with either.read() as session:
        assert session.scalar(select(func.count()).select_from(DocumentFile)) == 0
