"""The headless command line: the same services as the app, no window.

``liaison-hub`` without a command opens the app (see ``ui.launcher``); the commands
here work on a machine without Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from coordinator.errors import DomainError
from coordinator.i18n import _, language_from_environment, set_language
from coordinator.storage import Store


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liaison-hub",
        description="Liaison Hub: calls, documents and department actions of every case.",
    )
    parser.add_argument(
        "--data-dir", help="data folder (default: LIAISON_HUB_DATA_DIR or the user data folder)"
    )
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="language of messages")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty data folder with the demo scenario, then open the app",
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
    sub.add_parser("check", help="check the database and attachments; exit 1 on problems")
    sub.add_parser("info", help="where the data lives and what it holds")
    return parser


def _open(args: argparse.Namespace) -> Store:
    return Store.open(args.data_dir)


def cmd_demo(args: argparse.Namespace) -> int:
    from coordinator.demo import build_demo
    from coordinator.services import templates

    store = _open(args)
    templates.install_builtin(store)
    summary = build_demo(store)
    print(_("Demo data written to {path}: {summary}").format(path=store.data_dir, summary=summary))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from coordinator.transfer import export_json

    store = _open(args)
    summary = export_json(store, args.json)
    print(_("Exported to {path}: {summary}").format(path=args.json, summary=summary))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from coordinator.transfer import import_json

    store = _open(args)
    outcome = import_json(store, args.json, mode="merge" if args.merge else "refuse")
    print(_("Imported from {path}: {summary}").format(path=args.json, summary=outcome.value))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from coordinator.checks import check_store

    store = _open(args)
    report = check_store(store)
    for finding in report.findings:
        label = _("Error") if finding.severity == "error" else _("Warning")
        print(f"{label}: {finding.text()}")
    if report.ok:
        print(_("Check finished: the data is sound."))
        return 0
    print(_("Check finished: problems found."))
    return 1


def cmd_info(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from coordinator.models import Case, Communication, Contact

    store = _open(args)
    with store.read() as session:
        counts = {
            "cases": session.scalar(select(func.count()).select_from(Case)),
            "contacts": session.scalar(select(func.count()).select_from(Contact)),
            "communications": session.scalar(select(func.count()).select_from(Communication)),
        }
    print(_("Data folder: {path}").format(path=store.data_dir))
    for key, value in counts.items():
        print(f"{key}: {value}")
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "export": cmd_export,
    "import": cmd_import,
    "check": cmd_check,
    "info": cmd_info,
}


def run_command(args: argparse.Namespace) -> int:
    set_language(args.lang or language_from_environment())
    try:
        return COMMANDS[args.command](args)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2


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
    try:
        return cmd_demo(args)
    except ConflictError:
        print(_("The data folder already holds data: opening it without the demo."))
        return 0
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc.message()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
