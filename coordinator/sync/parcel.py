"""A sync carried as a file when no network reaches the office: the laptop writes its
changes into a sealed file (a zip of operations and the attachments they add, encrypted
with a passphrase: :mod:`coordinator.sync.sealed`); a colleague at the office applies it
to the office's data and writes a reply file with the office's changes, which the laptop
applies in turn. Applying a file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from coordinator.errors import DomainError
from coordinator.i18n import N_
from coordinator.store.content import content_for, copy_out
from coordinator.store.oplog import replica_id
from coordinator.store.storage import Store
from coordinator.sync import state
from coordinator.sync.apply import PortableOp, apply_ops
from coordinator.sync.exchange import files_of, ops_after, own_ops_after, portable
from coordinator.sync.sealed import seal_file, unseal_file

FORMAT: Final = 1
MANIFEST: Final = "manifest.json"
OPS: Final = "ops.jsonl"

ParcelProgress = Callable[[str, int, int], None]


class WrongParcelError(DomainError):
    """The file is not meant for this data."""


@dataclass(frozen=True)
class ParcelReport:
    ops: int
    files: int
    conflicts: int
    reply: Path | None


def _write(target: Path, passphrase: str, manifest: dict[str, Any], ops: list[PortableOp],
           source: Store) -> int:  # fmt: skip
    shas = files_of(ops)
    content = content_for(source)
    with tempfile.TemporaryDirectory(prefix="liaison-hub-parcel-") as tmp:
        plain = Path(tmp) / "parcel.zip"
        with zipfile.ZipFile(plain, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False))
            archive.writestr(OPS, "\n".join(json.dumps(op, ensure_ascii=False) for op in ops))
            for sha in sorted(shas):
                if content.state(sha) != "intact":
                    continue
                copy_out(content, sha, Path(tmp) / sha)
                archive.write(Path(tmp) / sha, f"files/{sha}")
        seal_file(plain, target, passphrase)
    return len(shas)


def write_laptop_parcel(laptop: Store, target: Path, passphrase: str) -> ParcelReport:
    """This laptop's changes the office does not have yet, sealed into ``target``."""
    with laptop.read() as session:
        conn = session.connection()
        office = state.get(conn, state.OFFICE)
        if office is None:
            raise WrongParcelError(
                N_("This data folder is not an office checkout: there is nothing to send.")
            )
        me = str(state.get(conn, "replica") or "")
        sent = int(state.get(conn, state.SENT_UPTO, 0) or 0)
        rows = own_ops_after(conn, me, sent, 10**9) if me else []
        manifest = {
            "format": FORMAT,
            "from": "laptop",
            "office": office,
            "laptop": me,
            "received_upto": int(state.get(conn, state.RECEIVED_UPTO, 0) or 0),
            "sent_through": rows[-1].id if rows else sent,
        }
        ops = [portable(r) for r in rows]
    files = _write(target, passphrase, manifest, ops, laptop)
    return ParcelReport(len(ops), files, 0, None)


def apply_parcel(
    store: Store, source: Path, passphrase: str, *, reply: Path | None = None
) -> ParcelReport:
    """Apply a sealed sync file: a laptop's at the office (writing the office's reply to
    ``reply`` if given), or the office's reply on the laptop."""
    with tempfile.TemporaryDirectory(prefix="liaison-hub-parcel-") as tmp:
        plain = Path(tmp) / "parcel.zip"
        unseal_file(source, plain, passphrase)
        try:
            with zipfile.ZipFile(plain) as archive:
                manifest = json.loads(archive.read(MANIFEST))
                lines = archive.read(OPS).decode("utf-8").splitlines()
                ops = [json.loads(line) for line in lines if line.strip()]
                names = [n for n in archive.namelist() if n.startswith("files/")]
                archive.extractall(Path(tmp) / "x", members=names)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise WrongParcelError(
                N_("The sync file is damaged: nothing was applied. Ask for the file again.")
            ) from exc
        _take_files(store, Path(tmp) / "x" / "files")
    if manifest.get("from") == "laptop":
        return _at_office(store, manifest, ops, passphrase, reply)
    return _at_laptop(store, manifest, ops)


def _take_files(store: Store, folder: Path) -> None:
    if not folder.is_dir():
        return
    into = content_for(store)
    for path in sorted(folder.iterdir()):
        if into.state(path.name) == "intact":
            continue
        stored = into.take_in(path)
        with store.work() as work:
            into.keep(work.session, stored, path)


def _at_office(
    office: Store,
    manifest: dict[str, Any],
    ops: list[PortableOp],
    passphrase: str,
    reply: Path | None,
) -> ParcelReport:
    with office.work() as work:
        work.oplog.enabled = False
        if replica_id(work.session.connection()) != manifest.get("office"):
            raise WrongParcelError(
                N_("This sync file is from another office's laptop: nothing was applied.")
            )
        applied = apply_ops(work, ops, None)
    if reply is None:
        return ParcelReport(applied.applied, len(applied.files), applied.conflicts, None)
    with office.read() as session:
        conn = session.connection()
        rows = ops_after(conn, int(manifest.get("received_upto") or 0), 10**9)
        back = {
            "format": FORMAT,
            "from": "office",
            "office": manifest.get("office"),
            "laptop": manifest.get("laptop"),
            "upto": rows[-1].id if rows else int(manifest.get("received_upto") or 0),
            "acknowledged": manifest.get("sent_through"),
        }
        answer = [portable(r) for r in rows]
    _write(reply, passphrase, back, answer, office)
    return ParcelReport(applied.applied, len(applied.files), applied.conflicts, reply)


def _at_laptop(laptop: Store, manifest: dict[str, Any], ops: list[PortableOp]) -> ParcelReport:
    with laptop.work() as work:
        work.oplog.enabled = False
        conn = work.session.connection()
        if state.get(conn, state.OFFICE) != manifest.get("office") or state.get(
            conn, "replica"
        ) != manifest.get("laptop"):
            raise WrongParcelError(
                N_("This reply file was written for another laptop: nothing was applied.")
            )
        scope_list = state.get(conn, state.SCOPE)
        scope = frozenset(scope_list) if isinstance(scope_list, list) else None
        applied = apply_ops(work, ops, scope)
        received = int(state.get(conn, state.RECEIVED_UPTO, 0) or 0)
        state.put(conn, state.RECEIVED_UPTO, max(received, int(manifest.get("upto") or 0)))
        sent = int(state.get(conn, state.SENT_UPTO, 0) or 0)
        state.put(conn, state.SENT_UPTO, max(sent, int(manifest.get("acknowledged") or 0)))
    return ParcelReport(applied.applied, len(applied.files), applied.conflicts, None)
