"""The headless command line: the same services as the app, no window.

``liaison-hub`` without a command opens the app (see ``ui.launcher``); the commands
here work on a machine without Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator import __version__
from coordinator.cli import calendar as cli_calendar
from coordinator.cli import contacts as cli_contacts
from coordinator.cli import desktop as cli_desktop
from coordinator.cli import safety as cli_safety
from coordinator.cli import search as cli_search
from coordinator.cli import sync as cli_sync
from coordinator.errors import DomainError
from coordinator.i18n import _, language_from_environment, set_language

if TYPE_CHECKING:
    from coordinator.store.storage import Store

# The names only (plain tuples): importing the report builders here would pull in
# Jinja2 and every service for commands that need neither.
REPORT_NAMES: tuple[str, ...] = ("run-sheet", "handover", "backlog", "indicators")
LIST_NAMES: tuple[str, ...] = ("cases", "actions", "documents", "communications", "contacts")
"""The names of coordinator.exchange.table_export.LISTS (a test keeps the two equal)."""
REPORT_SECTIONS: tuple[str, ...] = (
    "facts",
    "clock",
    "actions",
    "documents",
    "communications",
    "timeline",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liaison-hub",
        description="Liaison Hub: calls, documents and department actions of every case.",
    )
    parser.add_argument(
        "--data-dir", help="data folder (default: LIAISON_HUB_DATA_DIR or the user data folder)"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an office server's database, e.g. postgresql+psycopg://user@server/liaison "
        "(default: LIAISON_HUB_DATABASE_URL, then the data folder's setting, then the "
        "SQLite file in the data folder)",
    )
    parser.add_argument(
        "--officer",
        metavar="NAME",
        help="who signs the changes made (default: LIAISON_HUB_OFFICER, then the data "
        "folder's setting)",
    )
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="language of messages")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty data folder with the demo scenario, then open the app",
    )
    parser.add_argument("--version", action="version", version=f"Liaison Hub {__version__}")
    parser.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="open the window, then quit this many seconds after the data is shown "
        "(to try an install)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("demo", help="fill an empty data folder with the demo scenario")
    export = sub.add_parser("export", help="export everything to one JSON file")
    export.add_argument("--json", required=True, type=Path, metavar="FILE")
    imp = sub.add_parser("import", help="import a JSON export")
    imp.add_argument("--json", required=True, type=Path, metavar="FILE")
    imp.add_argument(
        "--merge",
        action="store_true",
        help="add what is missing to a store that already holds data",
    )
    export_list = sub.add_parser(
        "export-list", help="export one list (cases, actions, ...) as an Excel or CSV file"
    )
    export_list.add_argument(
        "name",
        metavar="NAME",
        choices=list(LIST_NAMES),
        help="the list: " + ", ".join(LIST_NAMES),
    )
    target = export_list.add_mutually_exclusive_group(required=True)
    target.add_argument("--xlsx", type=Path, metavar="FILE", help="write an Excel workbook")
    target.add_argument("--csv", type=Path, metavar="FILE", help="write a CSV file (UTF-8)")
    export_list.add_argument("--case", metavar="REF", help="only the rows of this case")
    export_list.add_argument(
        "--since", metavar="YYYY-MM-DD", help="communications on or after this day"
    )
    export_list.add_argument(
        "--until", metavar="YYYY-MM-DD", help="communications on or before this day"
    )
    sub.add_parser("info", help="where the data lives and what it holds")
    settings = sub.add_parser(
        "settings",
        help="this laptop's settings: the officer's name and the office server's database",
    )
    settings.add_argument("--set-officer", metavar="NAME", help="who works on this laptop")
    where = settings.add_mutually_exclusive_group()
    where.add_argument(
        "--set-database-url",
        metavar="URL",
        help="work on an office server's database from now on (the connection is tried first)",
    )
    where.add_argument(
        "--local",
        action="store_true",
        help="work on this laptop's own SQLite file again",
    )
    summary = sub.add_parser(
        "summary", help="print one case's summary to a PDF file (needs the full install)"
    )
    summary.add_argument("reference", metavar="REF", help="the case reference, e.g. 2026-0009")
    summary.add_argument("--pdf", required=True, type=Path, metavar="FILE")
    summary.add_argument(
        "--no-notes",
        action="store_true",
        help="leave every note out (the version to hand to the company)",
    )
    summary.add_argument(
        "--sections",
        metavar="LIST",
        help="comma-separated, from: " + ",".join(REPORT_SECTIONS) + " (default: all)",
    )
    report = sub.add_parser(
        "report", help="print an office report to a PDF file (needs the full install)"
    )
    report.add_argument("name", choices=REPORT_NAMES, metavar="NAME", help=", ".join(REPORT_NAMES))
    report.add_argument("--pdf", required=True, type=Path, metavar="FILE")
    report.add_argument("--year", type=int, help="the indicators' year (default: this year)")
    cli_contacts.register(sub)
    cli_calendar.register(sub)
    cli_search.register(sub)
    cli_sync.register(sub)
    cli_desktop.register(sub)
    cli_safety.register(sub)
    return parser


_OPENED: list[Store] = []
"""The stores this command opened: closed when it ends (a server's connections with them)."""


def _open(args: argparse.Namespace) -> Store:
    from coordinator.safety.opening import open_store

    store = open_store(args.data_dir)
    _OPENED.append(store)
    return store


def _close_opened() -> None:
    while _OPENED:
        _OPENED.pop().close()


def cmd_demo(args: argparse.Namespace) -> int:
    from coordinator.demo.build import build_demo
    from coordinator.services import templates

    store = _open(args)
    templates.install_builtin(store)
    summary = build_demo(store)
    print(_("Demo data written to {path}: {summary}").format(path=store.data_dir, summary=summary))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from coordinator.exchange.transfer import export_json

    store = _open(args)
    summary = export_json(store, args.json)
    print(
        _("Exported {rows} rows of {tables} tables to {path} ({size} KB).").format(
            rows=summary.total_rows,
            tables=len(summary.rows),
            path=args.json,
            size=round(summary.size_bytes / 1024),
        )
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from coordinator.exchange.transfer import import_json

    store = _open(args)
    outcome = import_json(store, args.json, mode="merge" if args.merge else "refuse")
    print(
        _("Imported from {path}: {added} rows added, {skipped} already present.").format(
            path=args.json, added=outcome.value.total_added, skipped=outcome.value.total_skipped
        )
    )
    return 0


def cmd_export_list(args: argparse.Namespace) -> int:
    from datetime import date

    from coordinator.errors import ValidationError
    from coordinator.exchange.table_export import LISTS, export_list
    from coordinator.i18n import N_, ngettext
    from coordinator.queries import cases as case_queries

    days: dict[str, date | None] = {}
    for option in ("since", "until"):
        text = getattr(args, option)
        try:
            days[option] = None if text is None else date.fromisoformat(text.strip())
        except ValueError:
            raise ValidationError(
                N_("“{value}” is not a date: write it as YYYY-MM-DD."), value=text
            ) from None
    store = _open(args)
    case_id = None if args.case is None else case_queries.by_reference(store, args.case.strip()).id
    path = args.xlsx if args.xlsx is not None else args.csv
    result = export_list(
        store,
        args.name,
        path,
        format="xlsx" if args.xlsx is not None else "csv",
        case_id=case_id,
        since=days["since"],
        until=days["until"],
    )
    # The list by its title in the reader's language (“事项”), not the word typed for it.
    print(
        ngettext(
            "Exported the list {name} to {path}: {count} row.",
            "Exported the list {name} to {path}: {count} rows.",
            result.rows,
        ).format(name=LISTS[args.name].title.tr(), path=result.path, count=result.rows)
    )
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from coordinator.paths import resolve_data_dir
    from coordinator.store import local_settings
    from coordinator.store.server_check import describe, try_connection, usable

    data_dir = resolve_data_dir(args.data_dir)
    if args.set_officer is not None:
        local_settings.set_officer(data_dir, args.set_officer)
    if args.set_database_url is not None:
        url = local_settings.normalised_url(
            local_settings.check_database_url(args.set_database_url.strip())
        )
        facts = try_connection(url)
        print(describe(facts))
        if not usable(facts):
            print(_("The setting was not changed."), file=sys.stderr)
            return 1
        local_settings.set_database_url(data_dir, url)
    elif args.local:
        local_settings.set_database_url(data_dir, "")
    current = local_settings.read_local_settings(data_dir)
    print(_("Data folder: {path}").format(path=data_dir))
    print(_("Officer: {name}").format(name=current.officer or _("(not set)")))
    print(
        _("Database: {where}").format(
            where=local_settings.shown_url(current.database_url)
            if current.database_url
            else _("this laptop's own file")
        )
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from coordinator.store.models import Case, Communication, Contact

    store = _open(args)
    with store.read() as session:
        counts = {
            "cases": session.scalar(select(func.count()).select_from(Case)),
            "contacts": session.scalar(select(func.count()).select_from(Contact)),
            "communications": session.scalar(select(func.count()).select_from(Communication)),
        }
    print(_("Data folder: {path}").format(path=store.data_dir))
    print(_("Database: {where}").format(where=store.where))
    print(_("Officer: {name}").format(name=store.officer or _("(not set)")))
    for key, value in counts.items():
        print(f"{key}: {value}")
    return 0


def cmd_needs_qt(args: argparse.Namespace) -> int:
    """``summary`` and ``report``: laying pages out needs Qt, which this install lacks.

    ``liaison-hub`` (``ui.launcher``) runs these commands itself when Qt is installed.
    """
    print(
        _(
            "Printing to PDF needs the full install (with Qt): run `liaison-hub {command}` from it."
        ).format(command=args.command),
        file=sys.stderr,
    )
    return 2


COMMANDS = {
    "demo": cmd_demo,
    "summary": cmd_needs_qt,
    "report": cmd_needs_qt,
    "export": cmd_export,
    "import": cmd_import,
    "export-list": cmd_export_list,
    "info": cmd_info,
    "settings": cmd_settings,
    "import-contacts": cli_contacts.run,
    "calendar": cli_calendar.run,
    "search": cli_search.run,
    "sync": cli_sync.run,
    "desktop-entry": cli_desktop.run,
}


def apply_connection_options(args: argparse.Namespace) -> None:
    """``--database-url`` and ``--officer`` hold for everything this process opens, as
    their environment variables would."""
    from coordinator.store.local_settings import DATABASE_URL_ENV, OFFICER_ENV

    if getattr(args, "database_url", None):
        os.environ[DATABASE_URL_ENV] = args.database_url
    if getattr(args, "officer", None):
        os.environ[OFFICER_ENV] = args.officer


def run_command(args: argparse.Namespace) -> int:
    set_language(args.lang or language_from_environment())
    apply_connection_options(args)
    try:
        handled = cli_safety.run(args)  # backup, backups, restore, archive, check
        if handled is not None:
            return handled
        return COMMANDS[args.command](args)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2
    finally:
        _close_opened()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        if args.demo:
            return cmd_demo_if_empty(args)
        print(
            _("No command given; the app itself starts with `liaison-hub` from the full install."),
            file=sys.stderr,
        )
        return 2
    return run_command(args)


def cmd_demo_if_empty(args: argparse.Namespace) -> int:
    """``--demo``: fill the data folder with the demo scenario unless it already holds data."""
    from coordinator.errors import ConflictError

    set_language(args.lang or language_from_environment())
    apply_connection_options(args)
    try:
        return cmd_demo(args)
    except ConflictError:
        print(_("The data folder already holds data: opening it without the demo."))
        return 0
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2
    finally:
        _close_opened()
