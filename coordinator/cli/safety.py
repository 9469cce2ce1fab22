"""The command line's safety commands: backups, restore, archives, checks.

``coordinator.cli.commands`` adds them with :func:`register` and hands parsed arguments to
:func:`run`, which answers None for a command that is not one of these::

    liaison-hub backup                      make a backup now
    liaison-hub backups                     list the backups
    liaison-hub backup-policy [--daily N] [--weekly N] [--monthly N]
    liaison-hub restore BACKUP              (an id from `backups`, or a backup folder)
    liaison-hub archive export FILE
    liaison-hub archive import FILE [--replace]
    liaison-hub check [--repair] [--reindex]

``restore`` and ``archive import`` replace the data, so they refuse while the app has the
data folder open (its lock file is live).

Where the data folder's settings name an office server, the same commands work on the
server's database: backups are the server's own dumps (made on demand and before risky
steps, never on a timer from every laptop: see coordinator.safety.server_backup), the
archive is the same file a laptop writes and reads, and the check looks at what applies
there.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordinator.errors import ConflictError, DomainError
from coordinator.i18n import N_, _
from coordinator.paths import resolve_data_dir

if TYPE_CHECKING:
    from coordinator.safety.checks import Finding
    from coordinator.store.storage import Store

COMMANDS: tuple[str, ...] = ("backup", "backups", "backup-policy", "restore", "archive", "check")

_MSG_IN_USE = N_(
    "Liaison Hub is open on the data folder {path}: quit it first, then run this again."
)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    sub.add_parser("backup", help="make a backup of the data now")
    sub.add_parser("backups", help="list the backups, newest first")
    policy = sub.add_parser(
        "backup-policy", help="show or change how many daily, weekly and monthly backups are kept"
    )
    policy.add_argument("--daily", type=int, metavar="N")
    policy.add_argument("--weekly", type=int, metavar="N")
    policy.add_argument("--monthly", type=int, metavar="N")
    restore = sub.add_parser(
        "restore", help="put a backup back in place (the current state is backed up first)"
    )
    restore.add_argument("backup", metavar="BACKUP", help="a backup id (see `backups`) or folder")
    archive = sub.add_parser("archive", help="export or import everything as one zip file")
    actions = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write everything to one zip file")
    export.add_argument("file", type=Path, metavar="FILE")
    imp = actions.add_parser("import", help="bring an archive in (into an empty data folder)")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="replace the data the folder holds (a backup of it is made first)",
    )
    check = sub.add_parser("check", help="check the database and attachments; exit 1 on problems")
    check.add_argument("--repair", action="store_true", help="apply the safe repairs offered")
    check.add_argument(
        "--reindex", action="store_true", help="rebuild the search index from the records first"
    )


def run(args: argparse.Namespace) -> int | None:
    """Run one of these commands; None if ``args.command`` is not one of them."""
    handler = _HANDLERS.get(getattr(args, "command", None) or "")
    if handler is None:
        return None
    try:
        return handler(args)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2


def _open_store(data_dir: Path) -> Store:
    # Imported here: the launcher parses commands before the window's first frame, and
    # the database layer must not load before that frame is painted.

    from coordinator.safety.opening import open_store

    return open_store(data_dir)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}"


def _data_dir(args: argparse.Namespace) -> Path:
    return resolve_data_dir(getattr(args, "data_dir", None))


def _refuse_if_in_use(data_dir: Path) -> None:
    from coordinator.safety.opening import data_folder_in_use

    if data_folder_in_use(data_dir):
        raise ConflictError(_MSG_IN_USE, path=str(data_dir))


def cmd_backup(args: argparse.Namespace) -> int:
    from coordinator.safety.backup import make_backup

    store = _open_store(_data_dir(args))
    try:
        result = make_backup(store, "manual")
    finally:
        store.close()
    info = result.backup
    assert info is not None  # manual backups are never skipped
    print(
        _("Backup {id} written to {path} ({size} MB).").format(
            id=info.id, path=info.path, size=_megabytes(info.size)
        )
    )
    if info.unavailable_files:
        print(
            _(
                "{count} attached files were missing or damaged and are not in it: "
                "run `liaison-hub check`."
            ).format(count=len(info.unavailable_files))
        )
    if result.pruned:
        print(
            _("Older backups removed by the keeping policy: {ids}").format(
                ids=", ".join(result.pruned)
            )
        )
    return 0


def cmd_backups(args: argparse.Namespace) -> int:
    from coordinator.safety.catalogue import backups_for, data_folder_url
    from coordinator.store.local_settings import shown_url

    data_dir = _data_dir(args)
    url = data_folder_url(data_dir)
    found = backups_for(data_dir, url)
    if url is not None and not url.startswith("sqlite"):
        print(
            _(
                "The data is on the office server {where}. Listed: its backups made on this "
                "computer (by hand, or before a restore, an import, a repair or an upgrade); "
                "its regular backups are made on the server itself."
            ).format(where=shown_url(url))
        )
    if not found:
        print(_("No backups yet."))
        return 0
    for info in found:
        if not info.verified:
            status = _("NOT verified")
        elif not info.complete:
            status = _("verified, some attached files missing")
        else:
            status = _("verified")
        print(
            f"{info.created_at:%Y-%m-%d %H:%M}  {_megabytes(info.size):>9} MB  "
            f"{info.reason_label():<24}  {status}  {info.id}"
        )
    return 0


def cmd_backup_policy(args: argparse.Namespace) -> int:
    from coordinator.safety.retention import retention_policy, set_retention_policy

    store = _open_store(_data_dir(args))
    try:
        policy = retention_policy(store)
        if (args.daily, args.weekly, args.monthly) != (None, None, None):
            policy = set_retention_policy(
                store,
                daily=policy.daily if args.daily is None else args.daily,
                weekly=policy.weekly if args.weekly is None else args.weekly,
                monthly=policy.monthly if args.monthly is None else args.monthly,
            ).value
    finally:
        store.close()
    print(
        _("Backups kept: {daily} daily, {weekly} weekly, {monthly} monthly.").format(
            daily=policy.daily, weekly=policy.weekly, monthly=policy.monthly
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from coordinator.safety.restore import restore_backup

    data_dir = _data_dir(args)
    _refuse_if_in_use(data_dir)
    result = restore_backup(data_dir, args.backup)
    print(
        _("Restored the backup {id} of {date}.").format(
            id=result.restored.id, date=f"{result.restored.created_at:%Y-%m-%d %H:%M}"
        )
    )
    if result.safety is not None:
        print(_("The state before the restore is in the backup {id}.").format(id=result.safety.id))
    if result.set_aside is not None:
        print(_("The damaged database was moved to {path}.").format(path=result.set_aside))
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from coordinator.safety.archive import export_archive, import_archive

    data_dir = _data_dir(args)
    if args.archive_command == "export":
        store = _open_store(data_dir)
        try:
            summary = export_archive(store, args.file)
        finally:
            store.close()
        print(
            _("Archive written to {path}: {size} MB, {files} attached files.").format(
                path=summary.path, size=_megabytes(summary.size_bytes), files=summary.file_count
            )
        )
        return 0
    _refuse_if_in_use(data_dir)
    result = import_archive(data_dir, args.file, replace=args.replace)
    print(
        _("Imported the archive {path} of {date}: {files} attached files.").format(
            path=args.file,
            date=f"{result.contents.created_at:%Y-%m-%d %H:%M}",
            files=result.contents.file_count,
        )
    )
    if result.safety is not None:
        print(
            _("What the data folder held before is in the backup {id}.").format(id=result.safety.id)
        )
    if result.set_aside is not None:
        print(_("The damaged database was moved to {path}.").format(path=result.set_aside))
    return 0


def _print_findings(findings: Iterable[Finding]) -> None:
    for finding in findings:
        label = _("Error") if finding.severity == "error" else _("Warning")
        line = f"{label}: {finding.text()}"
        if finding.repair is not None:
            line += " " + _("(can be repaired)")
        print(line)


def cmd_check(args: argparse.Namespace) -> int:
    from coordinator.safety.checks import check_store, repair

    store = _open_store(_data_dir(args))
    try:
        if getattr(args, "reindex", False):
            _reindex(store)
        report = check_store(store)
        _print_findings(report.findings)
        if getattr(args, "repair", False) and report.repairable:
            outcome = repair(store, report.repairable)
            if outcome.backup is not None:
                print(_("Backed up first as {id}.").format(id=outcome.backup.id))
            for finding in outcome.repaired:
                print(_("Repaired: {finding}").format(finding=finding.text()))
            for finding, error in outcome.failed:
                print(
                    _("Not repaired: {finding} ({reason})").format(
                        finding=finding.text(), reason=error.message()
                    )
                )
            if outcome.quarantine is not None:
                print(_("Files set aside in {path}.").format(path=outcome.quarantine))
            report = check_store(store)
            print(_("After the repairs:"))
            _print_findings(report.findings)
        elif report.repairable:
            print(_("Run `liaison-hub check --repair` to apply the safe repairs."))
    finally:
        store.close()
    if report.ok:
        print(_("Check finished: the data is sound."))
        return 0
    print(_("Check finished: problems found."))
    return 1


def _reindex(store: Store) -> None:
    from coordinator.search import index

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    count = index.build(store, progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        _("Search index rebuilt: {count} records in {seconds:.1f} s.").format(
            count=count, seconds=time.perf_counter() - started
        )
    )


_HANDLERS = {
    "backup": cmd_backup,
    "backups": cmd_backups,
    "backup-policy": cmd_backup_policy,
    "restore": cmd_restore,
    "archive": cmd_archive,
    "check": cmd_check,
}
