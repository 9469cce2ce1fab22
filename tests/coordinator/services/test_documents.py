"""Documents: the relay from company to department, its refusals, and attached files."""

from __future__ import annotations

import hashlib
import stat
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from coordinator.errors import EditConflictError, NotFoundError, TransitionError, ValidationError
from coordinator.kinds import DocumentState
from coordinator.queries import documents as document_queries
from coordinator.services import cases, documents, organisations
from coordinator.store import filestore
from coordinator.store.changes import ChangeKind
from coordinator.store.records import DocumentRecord
from coordinator.store.storage import Store

if TYPE_CHECKING:
    from tests.conftest import EventLog, FixedClock, Refused

D = DocumentState
T0 = datetime(2025, 6, 9, 9, 0)


def t(hh: int, mm: int = 0, day: int = 9) -> datetime:
    return datetime(2025, 6, day, hh, mm)


class World:
    def __init__(self, store: Store) -> None:
        self.company = organisations.create(store, "甲公司", "company").value.id
        self.market = organisations.create(store, "区市场监督管理局", "department").value.id
        self.tax = organisations.create(store, "区税务局", "department").value.id
        self.case = cases.open_case(store, "甲公司落地", company_id=self.company).value.id


@pytest.fixture
def world(store: Store) -> World:
    return World(store)


@pytest.fixture
def charter(store: Store, world: World) -> DocumentRecord:
    return documents.add(store, world.case, "公司章程", destination_id=world.market).value


def test_add(store: Store, world: World, log: EventLog) -> None:
    out = documents.add(
        store,
        world.case,
        " 公司章程 ",
        required=False,
        destination_id=world.market,
        is_original=True,
        stamped=True,
        requested_at=t(8, 45),
        notes="全体股东签字",
    )
    doc = out.value
    assert doc == DocumentRecord(
        id=doc.id,
        case_id=world.case,
        title="公司章程",
        required=False,
        state=D.REQUESTED,
        source_id=world.company,
        destination_id=world.market,
        holder_id=world.company,
        is_original=True,
        stamped=True,
        version=1,
        requested_at=t(8, 45),
        received_at=None,
        forwarded_at=None,
        accepted_at=None,
        returned_at=None,
        resubmitted_at=None,
        return_reason="",
        missing_items="",
        promised_completion_at=None,
        notes="全体股东签字",
        files=(),
    )
    assert out.changes.kinds == {ChangeKind.DOCUMENT, ChangeKind.CASE, ChangeKind.EVENT}
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {doc.id}
    assert out.changes.ids_of(ChangeKind.CASE) == {world.case}
    assert log.new() == [("document", doc.id, "created", None, "公司章程", world.case)]
    # Without a date, requested now; an explicit source wins over the case's company.
    other = documents.add(store, world.case, "身份证明", source_id=world.tax).value
    assert (other.requested_at, other.source_id, other.holder_id) == (T0, world.tax, world.tax)
    assert [d.id for d in document_queries.for_case(store, world.case)] == [doc.id, other.id]


def test_add_refusals(store: Store, world: World, refused: Refused) -> None:
    refused(ValidationError, "Title is required.", documents.add, store, world.case, " ")
    refused(
        NotFoundError,
        "The case #999 does not exist (any more).",
        documents.add,
        store,
        999,
        "x",
    )
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        documents.add,
        store,
        world.case,
        "x",
        destination_id=999,
    )


def test_the_straight_relay(
    store: Store, world: World, charter: DocumentRecord, log: EventLog
) -> None:
    cid, did = world.case, charter.id
    log.new()
    received = documents.transition(store, did, "received", at=t(10)).value
    assert (received.state, received.received_at, received.holder_id) == (D.RECEIVED, t(10), None)
    assert log.new() == [
        ("document", did, "state", "requested", "received", cid),
        ("document", did, "holder_id", str(world.company), None, cid),
    ]
    out = documents.transition(store, did, D.FORWARDED, at=t(10, 30))
    forwarded = out.value
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {did}
    assert (forwarded.state, forwarded.forwarded_at, forwarded.holder_id) == (
        D.FORWARDED,
        t(10, 30),
        world.market,
    )
    assert log.new() == [
        ("document", did, "state", "received", "forwarded", cid),
        ("document", did, "holder_id", None, str(world.market), cid),
    ]
    accepted = documents.transition(store, did, "accepted", at=t(11)).value
    assert (accepted.state, accepted.accepted_at, accepted.holder_id) == (
        D.ACCEPTED,
        t(11),
        world.market,
    )
    assert log.new() == [("document", did, "state", "forwarded", "accepted", cid)]
    assert accepted.received_at == t(10)
    assert accepted.version == 1


def test_returned_resubmitted_and_accepted_with_items_missing(
    store: Store, world: World, log: EventLog
) -> None:
    cid = world.case
    doc = documents.add(store, cid, "股东主体资格证明").value
    did = doc.id
    documents.transition(store, did, "received", at=t(9, 30))
    log.new()
    # The destination can be chosen when forwarding.
    forwarded = documents.transition(
        store, did, "forwarded", at=t(10), destination_id=world.market
    ).value
    assert (forwarded.destination_id, forwarded.holder_id) == (world.market, world.market)
    assert log.new() == [
        ("document", did, "destination_id", None, str(world.market), cid),
        ("document", did, "state", "received", "forwarded", cid),
        ("document", did, "holder_id", None, str(world.market), cid),
    ]
    returned = documents.transition(
        store, did, "returned", at=t(11), reason="缺少公证认证\n请补充"
    ).value
    assert (returned.state, returned.holder_id, returned.return_reason, returned.returned_at) == (
        D.RETURNED,
        world.company,
        "缺少公证认证\n请补充",
        t(11),
    )
    assert log.new() == [
        ("document", did, "state", "forwarded", "returned", cid),
        ("document", did, "holder_id", str(world.market), str(world.company), cid),
        ("document", did, "reason", None, "缺少公证认证\n请补充", cid),
    ]
    resubmitted = documents.transition(store, did, "resubmitted", at=t(14)).value
    assert (resubmitted.state, resubmitted.version, resubmitted.holder_id) == (
        D.RESUBMITTED,
        2,
        None,
    )
    assert resubmitted.resubmitted_at == t(14)
    log.new()
    documents.transition(store, did, "forwarded", at=t(14, 30))
    partly = documents.transition(
        store,
        did,
        "accepted_missing",
        at=t(15),
        missing_items="公证原件",
        promised_completion_at=t(17, 0, day=13),
    ).value
    assert (partly.state, partly.missing_items, partly.promised_completion_at) == (
        D.ACCEPTED_MISSING,
        "公证原件",
        t(17, 0, day=13),
    )
    assert (partly.accepted_at, partly.holder_id) == (t(15), world.market)
    assert [(e.field, e.before, e.after) for e in log.new()] == [
        ("state", "resubmitted", "forwarded"),
        ("holder_id", None, str(world.market)),
        ("missing_items", "", "公证原件"),
        ("promised_completion_at", None, "2025-06-13 17:00:00"),
        ("state", "forwarded", "accepted_missing"),
    ]
    complete = documents.transition(store, did, "accepted", at=t(10, 0, day=12)).value
    assert (complete.state, complete.missing_items, complete.accepted_at) == (
        D.ACCEPTED,
        "",
        t(10, 0, day=12),
    )
    assert [(e.field, e.before, e.after) for e in log.new()] == [
        ("missing_items", "公证原件", ""),
        ("state", "accepted_missing", "accepted"),
    ]


def test_refused_transitions(
    store: Store, world: World, charter: DocumentRecord, refused: Refused
) -> None:
    did = charter.id
    refused(
        TransitionError,
        "“公司章程” cannot be accepted: it has not been received yet.",
        documents.transition,
        store,
        did,
        "accepted",
    )
    refused(
        TransitionError,
        "“公司章程” cannot be accepted: it has not been received yet.",
        documents.transition,
        store,
        did,
        "accepted_missing",
        missing_items="x",
        promised_completion_at=t(12),
    )
    refused(
        TransitionError,
        "A document cannot go from requested to forwarded.",
        documents.transition,
        store,
        did,
        "forwarded",
    )
    refused(
        TransitionError,
        "The document is already requested.",
        documents.transition,
        store,
        did,
        "requested",
    )
    refused(
        ValidationError,
        "“lost” is not a document state.",
        documents.transition,
        store,
        did,
        "lost",
    )
    refused(
        NotFoundError,
        "The document #999 does not exist (any more).",
        documents.transition,
        store,
        999,
        "received",
    )
    documents.transition(store, did, "received")
    refused(
        TransitionError,
        "“公司章程” cannot be accepted before it is forwarded to a department.",
        documents.transition,
        store,
        did,
        "accepted",
    )
    refused(
        TransitionError,
        "Say what must be corrected.",
        documents.transition,
        store,
        did,
        "returned",
        reason=" \n ",
    )
    refused(
        NotFoundError,
        "The organisation #999 does not exist (any more).",
        documents.transition,
        store,
        did,
        "forwarded",
        destination_id=999,
    )
    documents.transition(store, did, "forwarded")
    refused(
        ValidationError,
        "Missing items is required.",
        documents.transition,
        store,
        did,
        "accepted_missing",
        promised_completion_at=t(12),
    )
    refused(
        ValidationError,
        "Promised completion date is required.",
        documents.transition,
        store,
        did,
        "accepted_missing",
        missing_items="公证原件",
    )
    refused(
        ValidationError,
        "Promised completion date must be between 2000 and 2100.",
        documents.transition,
        store,
        did,
        "accepted_missing",
        missing_items="公证原件",
        promised_completion_at=datetime(2200, 1, 1),
    )
    documents.transition(store, did, "accepted")
    refused(
        TransitionError,
        "A document cannot go from accepted to returned for correction.",
        documents.transition,
        store,
        did,
        "returned",
        reason="x",
    )


def test_forwarding_needs_a_destination(store: Store, world: World, refused: Refused) -> None:
    doc = documents.add(store, world.case, "身份证明").value
    documents.transition(store, doc.id, "received")
    refused(
        TransitionError,
        "Choose the department the document goes to.",
        documents.transition,
        store,
        doc.id,
        "forwarded",
    )


def test_update(store: Store, world: World, charter: DocumentRecord, log: EventLog) -> None:
    log.new()
    out = documents.update(
        store,
        charter.id,
        title="公司章程（修订）",
        required=False,
        source_id=None,
        destination_id=world.tax,
        holder_id=None,
        is_original=True,
        stamped=True,
        notes="第二版",
    )
    doc = out.value
    assert (doc.title, doc.required, doc.source_id, doc.destination_id, doc.holder_id) == (
        "公司章程（修订）",
        False,
        None,
        world.tax,
        None,
    )
    assert (doc.is_original, doc.stamped, doc.notes) == (True, True, "第二版")
    cid, did = world.case, charter.id
    assert log.new() == [
        ("document", did, "title", "公司章程", "公司章程（修订）", cid),
        ("document", did, "required", "true", "false", cid),
        ("document", did, "source_id", str(world.company), None, cid),
        ("document", did, "destination_id", str(world.market), str(world.tax), cid),
        ("document", did, "holder_id", str(world.company), None, cid),
        ("document", did, "is_original", "false", "true", cid),
        ("document", did, "stamped", "false", "true", cid),
        ("document", did, "notes", "", "第二版", cid),
    ]
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {did}
    assert not documents.update(store, did, title="公司章程（修订）").changes


def test_delete(store: Store, world: World, charter: DocumentRecord, log: EventLog) -> None:
    log.new()
    out = documents.delete(store, charter.id)
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {charter.id}
    assert log.new() == [("document", charter.id, "deleted", "公司章程", None, world.case)]
    assert document_queries.for_case(store, world.case) == []


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.sqlite_only  # files in the data folder; on a server: safety/test_attachments.py
def test_attach_and_remove_files(
    store: Store,
    world: World,
    charter: DocumentRecord,
    tmp_path: Path,
    log: EventLog,
    clock: FixedClock,
) -> None:
    scan = tmp_path / "章程 扫描件.pdf"
    data = b"%PDF-1.4 charter scan\n" * 100
    scan.write_bytes(data)
    log.new()
    clock.advance(minutes=5)
    out = documents.attach_file(store, charter.id, scan)
    (attached,) = out.value.files
    assert (attached.sha256, attached.size, attached.media_type, attached.original_name) == (
        _sha(data),
        len(data),
        "application/pdf",
        "章程 扫描件.pdf",
    )
    assert (attached.version, attached.added_at) == (1, clock.now)
    stored = document_queries.file_path(store, attached.sha256)
    assert stored == store.files_dir / _sha(data)[:2] / _sha(data)
    assert stored.read_bytes() == data
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert filestore.verify(store.files_dir, attached.sha256)
    assert out.changes.ids_of(ChangeKind.DOCUMENT) == {charter.id}
    assert log.new() == [
        ("document", charter.id, "file", None, f"章程 扫描件.pdf ({_sha(data)[:12]})", world.case)
    ]
    # The same content again is stored once; leftovers of the copy do not remain.
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(data)
    twice = documents.attach_file(store, charter.id, copy).value
    assert [f.sha256 for f in twice.files] == [_sha(data)] * 2
    content = [p for p in store.files_dir.rglob("*") if p.is_file()]
    assert content == [stored]

    log.new()
    removed = documents.remove_file(store, charter.id, attached.id).value
    assert [f.original_name for f in removed.files] == ["copy.pdf"]
    assert log.new() == [("document", charter.id, "file", "章程 扫描件.pdf", None, world.case)]
    assert stored.exists()  # content stays until a data check prunes it


@pytest.mark.sqlite_only  # files in the data folder; on a server: safety/test_attachments.py
def test_a_damaged_stored_copy_is_replaced(
    store: Store, charter: DocumentRecord, tmp_path: Path
) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"original content")
    sha = documents.attach_file(store, charter.id, source).value.files[0].sha256
    stored = document_queries.file_path(store, sha)
    stored.chmod(0o600)
    stored.write_bytes(b"bit rot")
    assert not filestore.verify(store.files_dir, sha)
    documents.attach_file(store, charter.id, source)
    assert filestore.verify(store.files_dir, sha)
    assert stored.read_bytes() == b"original content"


def test_file_refusals(
    store: Store, charter: DocumentRecord, tmp_path: Path, refused: Refused
) -> None:
    refused(
        ValidationError,
        "The file nope.pdf cannot be read: No such file or directory",
        documents.attach_file,
        store,
        charter.id,
        tmp_path / "nope.pdf",
    )
    (tmp_path / "folder").mkdir()
    refused(
        ValidationError,
        "folder is not a file.",
        documents.attach_file,
        store,
        charter.id,
        tmp_path / "folder",
    )
    real = tmp_path / "x.txt"
    real.write_text("x")
    refused(
        NotFoundError,
        "The document #999 does not exist (any more).",
        documents.attach_file,
        store,
        999,
        real,
    )
    refused(
        NotFoundError,
        "The file #999 does not exist (any more).",
        documents.remove_file,
        store,
        charter.id,
        999,
    )
    assert not any(p.is_file() for p in store.files_dir.rglob("*"))


def test_get_returns_one_document(store: Store) -> None:
    case = cases.open_case(store, "get", template_key="company_landing").value
    docs = document_queries.for_case(store, case.id)
    assert document_queries.get(store, docs[-1].id) == docs[-1]
    with pytest.raises(NotFoundError):
        document_queries.get(store, 999_999)


def test_undo_transition_puts_the_document_back_where_it_was(
    store: Store, world: World, charter: DocumentRecord, log: EventLog
) -> None:
    received = documents.transition(store, charter.id, "received", at=t(10)).value
    forwarded = documents.transition(store, charter.id, "forwarded", at=t(11)).value
    accepted = documents.transition(
        store,
        charter.id,
        "accepted_missing",
        at=t(15),
        missing_items="法人身份证复印件",
        promised_completion_at=t(9, day=16),
    ).value
    assert accepted.holder_id == world.market
    log.new()
    back = documents.undo_transition(
        store, charter.id, forwarded, expected_version=accepted.row_version
    ).value
    assert back == forwarded  # state, holder, times and what was missing all as they were
    events = log.new()
    assert events[0] == (
        "document",
        charter.id,
        "state",
        "accepted_missing",
        "forwarded",
        world.case,
    )
    assert events[-1] == ("document", charter.id, "undone", None, None, world.case)
    # Straight back to requested, which no transition allows: an undo is no transition.
    first = documents.undo_transition(
        store, charter.id, charter, expected_version=back.row_version
    ).value
    assert first == charter
    assert first.holder_id == world.company
    assert received.received_at == t(10)


def test_undo_transition_refuses_a_document_changed_since(
    store: Store, world: World, charter: DocumentRecord
) -> None:
    moved = documents.transition(store, charter.id, "received").value
    documents.update(store, charter.id, notes="原件已核对")
    with pytest.raises(EditConflictError):
        documents.undo_transition(store, charter.id, charter, expected_version=moved.row_version)
    assert document_queries.get(store, charter.id).state == D.RECEIVED


@pytest.mark.sqlite_only  # files in the data folder
def test_a_deleted_document_is_restored_with_its_files(
    store: Store, world: World, charter: DocumentRecord, tmp_path: Path, log: EventLog
) -> None:
    scan, photo = tmp_path / "章程.pdf", tmp_path / "照片.jpg"
    scan.write_bytes(b"%PDF-1.4 charter\n" * 40)
    photo.write_bytes(b"\xff\xd8\xff photo" * 40)
    documents.transition(store, charter.id, "received", at=t(10))
    documents.attach_file(store, charter.id, scan)
    kept = documents.attach_file(store, charter.id, photo).value
    gone = documents.delete(store, charter.id).value
    assert gone.record == kept
    assert document_queries.file_path(store, _sha(scan.read_bytes())).exists()  # content stays
    log.new()
    back = documents.restore(store, gone)
    assert back.value == kept  # the same id, state, holder, times and files (their ids too)
    assert back.changes.ids_of(ChangeKind.DOCUMENT) == {charter.id}
    assert back.changes.ids_of(ChangeKind.CASE) == {world.case}
    assert log.new() == [("document", charter.id, "restored", None, "公司章程", world.case)]

    # A data check dropped one file's content meanwhile: the document comes back without it.
    gone = documents.delete(store, charter.id).value
    document_queries.file_path(store, _sha(photo.read_bytes())).unlink()
    again = documents.restore(store, gone).value
    assert [f.original_name for f in again.files] == ["章程.pdf"]
