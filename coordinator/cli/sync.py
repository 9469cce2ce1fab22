"""``liaison-hub sync``: a laptop's working copy of the office's data, and its syncs.

``sync checkout --server URL [--case REF ...]`` copies the office's data (or the cases
named, with every contact and organisation) into a new data folder;
``sync run --server URL`` sends this laptop's changes and brings the office's;
``sync status`` says when it last synced, what waits and the conflicts to settle;
``sync conflicts`` lists them side by side; ``sync resolve ID CHOICE`` settles one
(ours, theirs, restore or leave).

Without a network: ``sync to-file FILE`` seals the laptop's changes (the passphrase from
LIAISON_HUB_SYNC_PASSPHRASE, else asked), ``sync apply-file FILE --reply BACK`` applies
them at the office and writes the office's changes, and ``sync apply-file BACK`` on the
laptop applies those.

Exit status: 0 done, 2 refused (the reason on standard error), 3 a sync that left
conflicts to settle.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordinator.i18n import N_, _

if TYPE_CHECKING:
    from coordinator.store.storage import Store


def register(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "sync", help="work offline on a checkout of the office's data, then sync it back"
    )
    what = parser.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    out = what.add_parser("checkout", help="copy the office's data into a new data folder")
    out.add_argument("--server", required=True, metavar="URL", help="the office's database")
    out.add_argument(
        "--case", action="append", metavar="REF", help="only this case (repeat for more)"
    )
    run = what.add_parser("run", help="send this laptop's changes, bring the office's")
    run.add_argument("--server", required=True, metavar="URL", help="the office's database")
    run.add_argument("--no-backup", action="store_true", help="do not back up first")
    what.add_parser("status", help="last sync, changes waiting, conflicts to settle")
    listing = what.add_parser("conflicts", help="the conflicts to settle, side by side")
    listing.add_argument("--all", action="store_true", help="settled ones too")
    to_file = what.add_parser(
        "to-file", help="seal this laptop's changes into a file (no network to the office)"
    )
    to_file.add_argument("file", type=Path, metavar="FILE")
    from_file = what.add_parser(
        "apply-file", help="apply a sealed sync file (a laptop's at the office, or the reply)"
    )
    from_file.add_argument("file", type=Path, metavar="FILE")
    from_file.add_argument(
        "--reply", type=Path, metavar="FILE", help="at the office: write the reply file here"
    )
    settle = what.add_parser("resolve", help="settle one conflict")
    settle.add_argument("conflict", type=int, metavar="ID")
    settle.add_argument("choice", choices=["ours", "theirs", "restore", "leave"])
    return parser


def _laptop(args: argparse.Namespace) -> Store:
    from coordinator.paths import DATABASE_NAME, resolve_data_dir
    from coordinator.safety.opening import open_store

    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    return open_store(data_dir, url=f"sqlite:///{data_dir / DATABASE_NAME}")


def _server(args: argparse.Namespace, data_dir: Path) -> Store:
    from coordinator.sync.office import open_office

    return open_office(args.server, data_dir)


STAGES = {"send": N_("Sending"), "receive": N_("Receiving")}
KEPT = {"ours": N_("this laptop's"), "theirs": N_("the office's")}


def _progress(stage: str, done: int, total: int) -> None:
    words = STAGES[stage].tr() if stage in STAGES else stage
    print(_("{stage}: {done} of {total}").format(stage=words, done=done, total=total), flush=True)


PASSPHRASE_ENV = "LIAISON_HUB_SYNC_PASSPHRASE"


def _passphrase() -> str:
    import getpass
    import os

    return os.environ.get(PASSPHRASE_ENV) or getpass.getpass(_("Passphrase of the sync file: "))


def _files(args: argparse.Namespace) -> int:
    from coordinator.safety.opening import open_store
    from coordinator.sync.parcel import apply_parcel, write_laptop_parcel

    if args.sync_command == "to-file":
        laptop = _laptop(args)
        try:
            made = write_laptop_parcel(laptop, args.file, _passphrase())
        finally:
            laptop.close()
        print(
            _("Sealed {ops} changes and {files} attachments into {path}.").format(
                ops=made.ops, files=made.files, path=args.file
            )
        )
        return 0
    store = open_store(getattr(args, "data_dir", None))
    try:
        done = apply_parcel(store, args.file, _passphrase(), reply=args.reply)
    finally:
        store.close()
    print(
        _("Applied {ops} changes; {conflicts} conflicts to settle.").format(
            ops=done.ops, conflicts=done.conflicts
        )
    )
    if done.reply is not None:
        print(_("The reply for the laptop is in {path}.").format(path=done.reply))
    return 0


def run(args: argparse.Namespace) -> int:
    from coordinator.paths import resolve_data_dir
    from coordinator.sync import conflicts, state
    from coordinator.sync.checkout import checkout
    from coordinator.sync.exchange import sync

    command = args.sync_command
    if command in ("to-file", "apply-file"):
        return _files(args)
    if command == "checkout":
        data_dir = resolve_data_dir(getattr(args, "data_dir", None))
        server = _server(args, data_dir)
        try:
            laptop, report = checkout(server, data_dir, cases=args.case)
            laptop.close()
        finally:
            server.close()
        print(
            _("Checked out {rows} rows and {files} attachments into {path} ({size} KB).").format(
                rows=report.rows,
                files=report.files,
                path=data_dir,
                size=round(report.database_bytes / 1024),
            )
        )
        return 0
    laptop = _laptop(args)
    try:
        if command == "run":
            server = _server(args, laptop.data_dir)
            try:
                done = sync(laptop, server, progress=_progress, backup=not args.no_backup)
            finally:
                server.close()
            print(
                _(
                    "Sent {sent} changes, received {received}; {conflicts} conflicts to settle."
                ).format(sent=done.sent, received=done.received, conflicts=done.conflicts)
            )
            return 3 if state.status(laptop).conflicts else 0
        if command == "status":
            now = state.status(laptop)
            if not now.checked_out:
                print(_("Not a checkout: this data folder is not synced with an office."))
                return 0
            last = now.last_sync.isoformat(sep=" ", timespec="minutes") if now.last_sync else "—"
            print(_("Office: {office}").format(office=now.office))
            print(_("Last sync: {at}").format(at=last))
            print(_("Changes waiting to be sent: {n}").format(n=now.waiting))
            print(_("Conflicts to settle: {n}").format(n=now.conflicts))
            return 0
        if command == "conflicts":
            for c in conflicts.list_conflicts(laptop, open_only=not args.all):
                print(
                    f"#{c.id} [{c.kind}] {c.record} {c.field_label}: "
                    + _(
                        "here {ours} ({ours_by}), there {theirs} ({theirs_by}); kept: {kept}"
                    ).format(
                        ours=c.ours,
                        ours_by=c.ours_by or "—",
                        theirs=c.theirs,
                        theirs_by=c.theirs_by or "—",
                        kept=KEPT[c.kept].tr() if c.kept in KEPT else c.kept,
                    )
                )
            return 0
        conflicts.resolve(laptop, args.conflict, args.choice)
        print(_("Conflict {id} settled.").format(id=args.conflict))
        return 0
    finally:
        laptop.close()
