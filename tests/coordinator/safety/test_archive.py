"""The portable archive: a round trip, every refusal, and fuzzing of the importer.

Every refused archive must leave the data folder as it was: the database byte for byte
(on a server: every row of every table), no backup made, no extraction folder left, and
no new folder created. With ``--backend postgresql`` every data folder here keeps its
data on the server, so the same tests export and import a team's data; the round trip
between a team and a laptop is tests/coordinator/safety/test_server_archive.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import stat
import struct
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator.cli import safety as cli_safety
from coordinator.errors import ConflictError, DomainError, StorageError, ValidationError
from coordinator.paths import DATABASE_NAME
from coordinator.queries import documents as document_queries
from coordinator.safety import archive, archive_contents, archive_zip
from coordinator.safety.opening import open_store
from coordinator.services import cases, communications, documents
from coordinator.store import filestore
from coordinator.store.migrate import SCHEMA_HEAD
from coordinator.store.storage import Store
from tests.coordinator.safety.conftest import (
    backup_text,
    content_intact,
    records,
    server_state,
    server_url,
)

if TYPE_CHECKING:
    from tests.conftest import FixedClock

Rows = list[tuple[str, list[tuple[Any, ...]]]]
SCAN = b"%PDF-1.4 business licence scan\n" * 200
LETTER = b"letter of intent " * 300


def dump(path: Path) -> Rows:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return [
            (n, sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)) for n in names
        ]
    finally:
        conn.close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state(data_dir: Path) -> dict[str, str]:
    """What must not change: every file's content, SQLite's -shm index aside (a read-only
    look at the database may create it and an empty -wal)."""
    found: dict[str, str] = {}
    if server_url(data_dir) is not None:
        found["<the server's database>"] = server_state(data_dir)
    if not data_dir.exists():
        return found
    for path in sorted(data_dir.rglob("*")):
        if path.is_dir():
            found[str(path.relative_to(data_dir)) + "/"] = ""
        elif not path.name.endswith("-shm") and not (
            path.name.endswith("-wal") and path.stat().st_size == 0
        ):
            found[str(path.relative_to(data_dir))] = sha(path.read_bytes())
    return found


@dataclass
class Source:
    folder: Path
    archive: Path
    rows: list[list[tuple[Any, ...]]]
    files: tuple[str, str]


@pytest.fixture
def source(store: Store, tmp_path: Path) -> Source:
    case = cases.open_case(store, "归档测试", template_key="company_landing").value
    first, second = document_queries.for_case(store, case.id)[:2]
    for document, name, data in ((first, "licence.pdf", SCAN), (second, "letter.txt", LETTER)):
        path = tmp_path / name
        path.write_bytes(data)
        documents.attach_file(store, document.id, path)
    communications.log(store, raw_number="138 0013 8000", case_id=case.id, notes="确认材料")
    target = tmp_path / "out" / "everything.zip"
    target.parent.mkdir()
    summary = archive.export_archive(store, target)
    assert summary.path == target
    rows = records(store.data_dir)
    store.close()
    return Source(store.data_dir, target, rows, (sha(SCAN), sha(LETTER)))


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def manifest_for(listed: dict[str, bytes], **changes: Any) -> bytes:
    value: dict[str, Any] = {
        "format": "liaison-hub-archive",
        "version": 1,
        "created_at": "2025-06-09T09:00:00",
        "schema_revision": "0002",
        "members": {
            name: {"size": len(data), "sha256": sha(data)}
            for name, data in listed.items()
            if name != "manifest.json"
        },
    }
    value.update(changes)
    return json.dumps(value).encode()


def write_zip(
    path: Path,
    members: list[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are what some tests want
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def rebuilt(path: Path, members: dict[str, bytes], manifest: bytes | None = None) -> Path:
    """An archive with these members and a manifest that matches them (unless given)."""
    body = [(name, data) for name, data in members.items() if name != "manifest.json"]
    listed = manifest_for(members) if manifest is None else manifest
    return write_zip(path, [*body, ("manifest.json", listed)])


def refused_import(
    data_dir: Path, zip_path: Path, error: type[DomainError], english: str, **kw: Any
) -> DomainError:
    before = state(data_dir)
    existed = data_dir.exists()
    with pytest.raises(DomainError) as raised:
        archive.import_archive(data_dir, zip_path, **kw)
    assert type(raised.value) is error, raised.value.message("en")
    assert raised.value.message("en") == english
    assert state(data_dir) == before
    assert data_dir.exists() == existed
    return raised.value


# -- the round trip ----------------------------------------------------------------------------


def test_export_then_import_gives_the_same_store(
    source: Source, tmp_path: Path, clock: FixedClock, on_server: bool
) -> None:
    assert stat.S_IMODE(source.archive.stat().st_mode) == 0o600
    assert list(source.archive.parent.iterdir()) == [source.archive]  # no partial file left
    names = set(members_of(source.archive))
    assert names == {
        "manifest.json",
        DATABASE_NAME,
        *(f"files/{s[:2]}/{s}" for s in source.files),
    }
    contents = archive_contents.inspect_archive(source.archive)
    assert (contents.file_count, contents.files_size) == (2, len(SCAN) + len(LETTER))
    assert contents.schema_revision == SCHEMA_HEAD

    fresh = tmp_path / "laptop" / "data"
    result = archive.import_archive(fresh, source.archive, clock=clock)

    assert result.safety is None  # nothing was there to keep
    assert result.set_aside is None
    assert records(fresh) == source.rows
    for digest in source.files:
        assert content_intact(fresh, digest)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    if not on_server:  # the folder's own file and attachments
        for digest in source.files:
            path = filestore.path_for(fresh / "files", digest)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((fresh / DATABASE_NAME).stat().st_mode) == 0o600
    assert not [p for p in fresh.iterdir() if p.name.startswith(".")]
    opened = open_store(fresh, clock=clock)
    try:
        from coordinator.safety.checks import check_store

        report = check_store(opened)
        assert [f.code for f in report.findings if f.code != "calendar"] == []
    finally:
        opened.close()


def test_import_into_a_folder_with_data_needs_replace(
    source: Source, clock: FixedClock, store: Store, on_server: bool
) -> None:
    if on_server:
        english = (
            f"The office database {server_url(source.folder)} already holds data. Import "
            "into an empty database, or replace its data, for every officer (a backup of "
            "it is made first)."
        )
    else:
        english = (
            f"The data folder {source.folder} already holds data. Import into an empty "
            "data folder, or replace its data (a backup of it is made first)."
        )
    refused_import(source.folder, source.archive, ConflictError, english)
    opened = open_store(source.folder, clock=clock)
    communications.log(opened, notes="made after the export")
    opened.close()
    result = archive.import_archive(source.folder, source.archive, replace=True, clock=clock)
    assert result.safety is not None
    assert result.safety.reason == "before-import"
    assert result.safety.on_server == on_server
    assert "made after the export" in backup_text(result.safety)
    assert records(source.folder) == source.rows


def test_a_fresh_store_counts_as_empty(source: Source, tmp_path: Path) -> None:
    fresh = open_store(tmp_path / "new")  # the schema and nothing else
    fresh.close()
    result = archive.import_archive(tmp_path / "new", source.archive)
    assert result.safety is not None  # even an empty store is kept before being replaced
    assert records(tmp_path / "new") == source.rows


def test_archive_commands(
    source: Source, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def command(data_dir: Path, *argv: str) -> int | None:
        parser = argparse.ArgumentParser()
        parser.add_argument("--data-dir")
        cli_safety.register(parser.add_subparsers(dest="command"))
        return cli_safety.run(parser.parse_args(["--data-dir", str(data_dir), *argv]))

    out = tmp_path / "again.zip"
    assert command(source.folder, "archive", "export", str(out)) == 0
    assert capsys.readouterr().out.startswith(f"Archive written to {out}: ")
    target = tmp_path / "other"
    assert command(target, "archive", "import", str(out)) == 0
    assert "2 attached files" in capsys.readouterr().out
    assert command(target, "archive", "import", str(out)) == 2
    assert "already holds data" in capsys.readouterr().err
    assert command(target, "archive", "import", str(out), "--replace") == 0
    assert "is in the backup" in capsys.readouterr().out
    assert records(target) == source.rows


# -- refusals ----------------------------------------------------------------------------------


def test_what_is_not_a_zip_is_refused(source: Source, tmp_path: Path) -> None:
    for name, data in (
        ("empty.zip", b""),
        ("text.zip", b"not a zip at all\n" * 10),
        ("cut.zip", source.archive.read_bytes()[: source.archive.stat().st_size // 2]),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        refused_import(
            source.folder,
            path,
            ValidationError,
            f"The file {name} is not a Liaison Hub archive: it is not a readable zip file.",
            replace=True,
        )
    refused_import(
        source.folder,
        tmp_path / "absent.zip",
        ValidationError,
        "The file absent.zip cannot be read: No such file or directory",
        replace=True,
    )


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _mark_last_encrypted(path: Path) -> None:
    """Set the "encrypted" flag of the last central-directory entry (zipfile never writes it)."""
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, entry + 8)[0]
    struct.pack_into("<H", data, entry + 8, flags | 0x1)
    path.write_bytes(bytes(data))


FILE_NAME = "files/ab/ab" + "0" * 62


@pytest.mark.parametrize(
    ("member", "english"),
    [
        ("/etc/passwd", "the member “/etc/passwd” has an absolute path."),
        ("C:/Windows/evil.dll", "the member “C:/Windows/evil.dll” has an absolute path."),
        ("\\\\server\\share", "the member “\\\\server\\share” has an absolute path."),
        ("files/../../evil", "the member “files/../../evil” points outside the archive (“..”)."),
        ("..\\evil", "the member “..\\evil” points outside the archive (“..”)."),
        ("files\\ab\\x", "the member name “files\\ab\\x” is not allowed."),
        ("files//x", "the member name “files//x” is not allowed."),
        ("./manifest.json", "the member name “./manifest.json” is not allowed."),
        ("notes.txt", "it holds “notes.txt”, which is not part of a Liaison Hub archive."),
        ("files/", "it holds “files/”, which is not part of a Liaison Hub archive."),
        ("files/ab/", "it holds “files/ab/”, which is not part of a Liaison Hub archive."),
        (
            "files/cd/ab" + "0" * 62,
            f"it holds “files/cd/ab{'0' * 62}”, which is not part of a Liaison Hub archive.",
        ),
        (_symlink(FILE_NAME), f"the member “{FILE_NAME}” is a link."),
        (DATABASE_NAME, f"it holds “{DATABASE_NAME}” twice."),
    ],
)
def test_members_that_are_never_extracted(
    source: Source, tmp_path: Path, member: str | zipfile.ZipInfo, english: str
) -> None:
    members = members_of(source.archive)
    path = write_zip(
        tmp_path / "bad.zip",
        [*members.items(), (member, b"x")],
    )
    refused_import(
        source.folder,
        path,
        ValidationError,
        f"The archive bad.zip is refused: {english}",
        replace=True,
    )
    refused_import(
        tmp_path / "new", path, ValidationError, f"The archive bad.zip is refused: {english}"
    )


def test_encrypted_members(source: Source, tmp_path: Path) -> None:
    members = members_of(source.archive)
    path = rebuilt(tmp_path / "locked.zip", members)
    _mark_last_encrypted(path)  # the manifest, written last
    refused_import(
        source.folder,
        path,
        ValidationError,
        "The archive locked.zip is refused: the member “manifest.json” is encrypted.",
        replace=True,
    )


def test_unsupported_compression(source: Source, tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "bz.zip", list(members_of(source.archive).items()), zipfile.ZIP_BZIP2
    )
    first = next(iter(members_of(source.archive)))
    refused_import(
        source.folder,
        path,
        ValidationError,
        f"The archive bz.zip is refused: the member “{first}” uses an unsupported compression.",
        replace=True,
    )


def test_absurd_sizes_and_zip_bombs(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = members_of(source.archive)
    monkeypatch.setattr(archive_contents, "MAX_DATABASE", 1000)
    refused_import(
        source.folder,
        source.archive,
        ValidationError,
        f"The archive everything.zip is refused: the member “{DATABASE_NAME}” is larger than 0 MB.",
        replace=True,
    )
    monkeypatch.undo()
    # 20 MB of zeros deflate to ~20 KB: refused from the declared sizes, before inflating.
    monkeypatch.setattr(archive_contents, "RATIO_FLOOR", 1024 * 1024)
    bomb = {**members, FILE_NAME: bytes(20 * 1024 * 1024)}
    path = rebuilt(tmp_path / "bomb.zip", bomb)
    with zipfile.ZipFile(path) as zf:
        ratio = zf.getinfo(FILE_NAME).file_size // zf.getinfo(FILE_NAME).compress_size
    refused_import(
        source.folder,
        path,
        ValidationError,
        f"The archive bomb.zip is refused: the member “{FILE_NAME}” would expand {ratio} "
        "times, like a zip bomb.",
        replace=True,
    )


def _point_second_entry_at_first(path: Path) -> None:
    """Make the second central-directory entry reuse the first member's data."""
    data = bytearray(path.read_bytes())
    first = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", first + 4)
    offset = struct.unpack_from("<I", data, first + 42)[0]
    struct.pack_into("<I", data, second + 42, offset)
    path.write_bytes(bytes(data))


def test_overlapping_members_are_refused(source: Source, tmp_path: Path) -> None:
    path = tmp_path / "overlap.zip"
    shutil.copy(source.archive, path)
    _point_second_entry_at_first(path)
    refused_import(
        source.folder,
        path,
        ValidationError,
        "The archive overlap.zip is refused: its members overlap, like a zip bomb.",
        replace=True,
    )


def test_manifest_refusals(source: Source, tmp_path: Path) -> None:
    members = members_of(source.archive)
    db = members[DATABASE_NAME]
    files = {n: d for n, d in members.items() if n.startswith("files/")}
    cases_: list[tuple[dict[str, bytes], bytes | None, str]] = [
        ({DATABASE_NAME: db}, b"", "The file c.zip is not a Liaison Hub archive."),
        ({DATABASE_NAME: db}, b"\xff\xfe", "The file c.zip is not a Liaison Hub archive."),
        ({DATABASE_NAME: db}, b"[1, 2]", "The file c.zip is not a Liaison Hub archive."),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db}, format="something-else"),
            "The file c.zip is not a Liaison Hub archive.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db}, version=2),
            "The archive c.zip is a version 2 archive, which this version of Liaison Hub "
            "cannot read.",
        ),
        (
            {DATABASE_NAME: db},
            b'{"format": "liaison-hub-archive", "format": "x", "version": 1}',
            "The file c.zip is not a Liaison Hub archive.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db}, extra=1),
            "The archive c.zip has a damaged manifest: the entry extra is not valid.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db}, created_at="yesterday"),
            "The archive c.zip has a damaged manifest: the entry created_at is not valid.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db}, members=[]),
            "The archive c.zip has a damaged manifest: the entry members is not valid.",
        ),
        (
            {DATABASE_NAME: db, **files},
            manifest_for({DATABASE_NAME: db}),
            f"The archive c.zip does not match its manifest at “{next(iter(sorted(files)))}”.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db, **files}),
            f"The archive c.zip is incomplete: “{next(iter(files))}” is missing.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: db + b"x"}),
            f"The archive c.zip does not match its manifest at “{DATABASE_NAME}”.",
        ),
        (
            {DATABASE_NAME: db},
            manifest_for({DATABASE_NAME: b"y" * len(db)}),
            f"The archive c.zip is damaged: “{DATABASE_NAME}” does not match its checksum.",
        ),
        (
            {"manifest.json": b"{}"},
            None,
            f"The archive c.zip is incomplete: “{DATABASE_NAME}” is missing.",
        ),
    ]
    for members_, manifest, english in cases_:
        if manifest is None:
            path = write_zip(tmp_path / "c.zip", list(members_.items()))
        else:
            path = rebuilt(tmp_path / "c.zip", members_, manifest)
        refused_import(source.folder, path, ValidationError, english, replace=True)
    path = write_zip(tmp_path / "c.zip", [(DATABASE_NAME, db)])
    refused_import(
        source.folder,
        path,
        ValidationError,
        "The archive c.zip is incomplete: “manifest.json” is missing.",
        replace=True,
    )


def _database_variant(source: Source, tmp_path: Path, sql: str) -> bytes:
    copy = tmp_path / "variant.sqlite3"
    copy.write_bytes(members_of(source.archive)[DATABASE_NAME])
    conn = sqlite3.connect(copy)
    conn.executescript(sql)
    conn.close()
    return copy.read_bytes()


def test_databases_that_are_refused(source: Source, tmp_path: Path) -> None:
    members = members_of(source.archive)
    files = {n: d for n, d in members.items() if n.startswith("files/")}
    newer = _database_variant(source, tmp_path, "UPDATE alembic_version SET version_num='0099'")
    foreign = _database_variant(source, tmp_path, "DROP TABLE alembic_version")
    garbage = members[DATABASE_NAME][:4096] + bytes(len(members[DATABASE_NAME]) - 4096)
    for db, english in (
        (
            newer,
            "The archive d.zip comes from a newer version of Liaison Hub (schema 0099). "
            "Update Liaison Hub, then import it again.",
        ),
        (foreign, "The archive d.zip does not hold a Liaison Hub database."),
        (
            garbage,
            "The archive d.zip is damaged: its database fails the integrity check "
            "(database disk image is malformed).",
        ),
    ):
        path = rebuilt(tmp_path / "d.zip", {DATABASE_NAME: db, **files})
        refused_import(source.folder, path, ValidationError, english, replace=True)
    one_file = dict(list(files.items())[:1])
    missing = sorted(set(source.files) - {n.rsplit("/", 1)[1] for n in one_file})[0]
    path = rebuilt(tmp_path / "d.zip", {DATABASE_NAME: members[DATABASE_NAME], **one_file})
    refused_import(
        source.folder,
        path,
        ValidationError,
        f"The archive d.zip is incomplete: the attached file {missing} is missing.",
        replace=True,
    )


def test_not_enough_space_is_said_before_anything_is_written(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_zip, "free_space", lambda _folder: 10 * 2**20)
    err = refused_import(
        tmp_path / "new",
        source.archive,
        StorageError,
        "There is not enough free disk space to import the archive: it needs 65 MB and "
        "10 MB are free.",
    )
    assert err.params["free"] == 10


# -- fuzzing -----------------------------------------------------------------------------------

_NAMES = st.one_of(
    st.sampled_from(
        [
            "manifest.json",
            DATABASE_NAME,
            FILE_NAME,
            "files/ab",
            "/abs",
            "../up",
            "files/../x",
            "a\\b",
            "",
            "files/ab/" + "g" * 64,
        ]
    ),
    st.text(min_size=0, max_size=40),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def malformed_archives(draw: st.DrawFn) -> list[tuple[str, bytes, int]]:
    members = draw(
        st.lists(
            st.tuples(
                _NAMES,
                st.binary(max_size=512),
                st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
            ),
            max_size=6,
        )
    )
    kind = draw(st.sampled_from(["none", "random", "matching"]))
    if kind == "random":
        body = json.dumps(draw(_JSON)).encode()
        members.append(("manifest.json", body, zipfile.ZIP_DEFLATED))
    elif kind == "matching":  # gets past the manifest, to the extraction and the database
        listed = {name: data for name, data, _c in members}
        members.append(("manifest.json", manifest_for(listed), zipfile.ZIP_DEFLATED))
    return members


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(members=malformed_archives())
def test_fuzz_malformed_archives_are_refused_and_change_nothing(
    source: Source, members: list[tuple[str, bytes, int]]
) -> None:
    before = state(source.folder)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.zip"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with zipfile.ZipFile(path, "w") as zf:
                for name, data, compression in members:
                    info = zipfile.ZipInfo(name or "_")
                    info.compress_type = compression
                    zf.writestr(info, data)
        with pytest.raises(DomainError) as raised:
            archive.import_archive(source.folder, path, replace=True)
    assert raised.value.message("en")
    assert state(source.folder) == before


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_damaged_copies_of_a_good_archive(source: Source, data: st.DataObject) -> None:
    raw = bytearray(source.archive.read_bytes())
    where = data.draw(st.integers(0, len(raw) - 1), label="where")
    how = data.draw(st.sampled_from(["flip", "cut", "insert", "zero"]), label="how")
    if how == "flip":
        raw[where] ^= data.draw(st.integers(1, 255), label="bits")
    elif how == "cut":
        del raw[where:]
    elif how == "insert":
        raw[where:where] = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
    else:
        raw[where : where + 512] = bytes(len(raw[where : where + 512]))
    before = state(source.folder)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.zip"
        path.write_bytes(bytes(raw))
        refusal: DomainError | None = None
        try:
            archive.import_archive(source.folder, path, replace=True)
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        assert refusal.message("en")
        assert state(source.folder) == before
    else:  # the damage missed everything that matters (a date, a comment): all of it came
        assert records(source.folder) == source.rows
        for digest in source.files:
            assert content_intact(source.folder, digest)
    assert not [p for p in source.folder.iterdir() if p.name.startswith(".import-")]
