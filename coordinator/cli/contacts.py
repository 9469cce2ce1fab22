"""``liaison-hub import-contacts FILE [--dry-run]``: the contacts import without a window.

Exit status: 0 when every entry was imported (added, merged or already there); 1 when
some entries, or some numbers or handles of them, were refused (the rest is imported);
2 when the file is not a contacts file at all (nothing is imported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coordinator.errors import DomainError
from coordinator.i18n import _

EXIT_OK = 0
EXIT_REFUSALS = 1
EXIT_BAD_FILE = 2


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the command to the ``add_subparsers()`` object of the main parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "import-contacts",
        help="import contacts from a vCard (.vcf) or CSV file, merging duplicates by number",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="a .vcf or .csv file")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only show what would be added, merged or refused; write nothing",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from coordinator.exchange.contact_import import RowAction, apply, preview
    from coordinator.safety.opening import open_store

    try:
        store = open_store(getattr(args, "data_dir", None))
        try:
            plan = preview(store, args.file)
            rows = plan.rows
            if not args.dry_run:
                rows = apply(store, plan).value.rows
        finally:
            store.close()
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return EXIT_BAD_FILE
    for row in rows:
        who = row.name or row.entry.name or "?"
        where = _("entry {entry} (line {line})").format(entry=row.entry.entry, line=row.entry.line)
        if row.action is RowAction.REFUSED and row.reason is not None:
            print(
                _("Refused {where}, {name}: {reason}").format(
                    where=where, name=who, reason=row.reason.message()
                ),
                file=sys.stderr,
            )
        elif row.action is not RowAction.REFUSED:
            for problem in row.left_out:
                print(
                    _("Left out of {where}, {name}: {reason}").format(
                        where=where, name=who, reason=problem.message()
                    ),
                    file=sys.stderr,
                )
    counts = {action: sum(1 for r in rows if r.action is action) for action in RowAction}
    left_out = sum(len(r.left_out) for r in rows if r.action is not RowAction.REFUSED)
    summary = _(
        "{path}: {added} added, {merged} merged into existing contacts, "
        "{unchanged} already present, {refused} refused."
    ).format(
        path=args.file,
        added=counts[RowAction.NEW],
        merged=counts[RowAction.MERGE],
        unchanged=counts[RowAction.UNCHANGED],
        refused=counts[RowAction.REFUSED],
    )
    print(summary)
    if args.dry_run:
        print(_("Dry run: nothing was written."))
    return EXIT_REFUSALS if counts[RowAction.REFUSED] or left_out else EXIT_OK
