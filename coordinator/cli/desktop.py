"""``liaison-hub desktop-entry [--remove]``: Liaison Hub in a Linux desktop's application menu.

Writes ``liaison-hub.desktop`` (from ``resources/linux``) with the command that starts this
very install — the one-folder app's executable, or this Python running ``ui.launcher`` —
and the icon, into the user's own folders (``$XDG_DATA_HOME``, by default
``~/.local/share``); nothing outside them is touched. Windows and macOS need none of it:
the app's folder or bundle carries its own icon.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from coordinator.i18n import _
from coordinator.paths import RESOURCES_DIR, is_frozen

ENTRY_NAME = "liaison-hub.desktop"
ICON_NAME = "liaison-hub"
TEMPLATE = RESOURCES_DIR / "linux" / ENTRY_NAME
ICON_SOURCE = RESOURCES_DIR / "icons" / "app.svg"
# What the desktop entry specification asks to be quoted in an Exec argument.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def register(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "desktop-entry", help="add Liaison Hub to this Linux desktop's application menu"
    )
    parser.add_argument("--remove", action="store_true", help="take it out of the menu again")
    return parser


def launch_command() -> list[str]:
    """The command line that starts this install's window."""
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "ui.launcher"]


def exec_value(command: Sequence[str]) -> str:
    """``command`` as a desktop entry's Exec value (its quoting, then its string escapes)."""
    quoted = []
    for arg in command:
        arg = arg.replace("%", "%%")
        if any(ch in _RESERVED for ch in arg):
            for ch in '\\"`$':
                arg = arg.replace(ch, "\\" + ch)
            arg = f'"{arg}"'
        quoted.append(arg)
    return " ".join(quoted).replace("\\", "\\\\")


def entry_text(template: str, command: Sequence[str]) -> str:
    """The shipped entry with Exec (and TryExec) naming this install."""
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            lines.append(f"TryExec={exec_value(command[:1])}")
            line = f"Exec={exec_value(command)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def data_home(environ: Mapping[str, str] = os.environ) -> Path:
    value = environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def entry_paths(base: Path) -> tuple[Path, Path]:
    return (
        base / "applications" / ENTRY_NAME,
        base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg",
    )


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a menu never lists a half-written entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.chmod(partial, 0o644)  # the desktop's menu reads it; it holds no data of the officer's
    os.replace(partial, path)


def run(args: argparse.Namespace) -> int:
    if not sys.platform.startswith("linux"):
        print(_("Only Linux desktops need this: on Windows and macOS the app carries its icon."))
        return 0
    entry, icon = entry_paths(data_home())
    if args.remove:
        for path in (entry, icon):
            path.unlink(missing_ok=True)
        print(_("Liaison Hub is no longer in the application menu."))
        return 0
    try:
        text = entry_text(TEMPLATE.read_text(encoding="utf-8"), launch_command())
        _write(entry, text.encode("utf-8"))
        _write(icon, ICON_SOURCE.read_bytes())
    except OSError as exc:
        print(
            _("Could not add Liaison Hub to the menu: {reason}").format(
                reason=exc.strerror or str(exc)
            ),
            file=sys.stderr,
        )
        return 2
    print(_("Liaison Hub is in the application menu: {path}").format(path=entry))
    return 0
