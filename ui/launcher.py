"""The ``liaison-hub`` entry point: headless commands without Qt, the app otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from coordinator.cli import commands as cli


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.build_parser().parse_args(argv)
    cli.apply_connection_options(args)  # --database-url and --officer, for every path
    if args.command in {"summary", "report"}:
        from ui.printing.commands import run  # PDFs need Qt (no window)

        return run(args)
    if args.command is not None:
        return cli.run_command(args)
    if args.demo:
        status = cli.cmd_demo_if_empty(args)
        if status:
            return status
    from ui.app import run_app  # Qt is imported only when a window is wanted

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
