"""Before the window: the system libraries Qt's X11 platform plugin needs but does not ship.

Qt 6's ``xcb`` plugin (the one used on a Linux desktop under X11) needs
``libxcb-cursor.so.0``, which many distributions do not install by default. Without it,
creating the application aborts the process with a long message about platform plugins
that names no package; the officer would see nothing at all when starting from a menu.
So the launcher asks the dynamic loader first and, when the library cannot be loaded,
says which package to install and how to start anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

from coordinator.i18n import _

XCB_CURSOR = "libxcb-cursor.so.0"


def _loadable(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def _uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will pick its X11 plugin: asked for, or left to choose on an X11 session."""
    asked = env.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    if not env.get("DISPLAY"):
        return False  # no X server: offscreen, Wayland alone, or a console
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland")


def missing_platform_library(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    loadable: Callable[[str], bool] = _loadable,
) -> str | None:
    """What to tell the officer when Qt's X11 plugin would fail to load; None when fine."""
    env = os.environ if env is None else env
    if not platform.startswith("linux") or not _uses_xcb(env):
        return None
    if loadable(XCB_CURSOR) or ctypes.util.find_library("xcb-cursor") is not None:
        return None
    return _(
        "Liaison Hub cannot open its window: the system library {library} that Qt needs "
        "under X11 is missing.\n"
        "Install it, then start again:\n"
        "  Debian, Ubuntu: sudo apt install libxcb-cursor0\n"
        "  Fedora: sudo dnf install xcb-util-cursor\n"
        "  openSUSE: sudo zypper install libxcb-cursor0\n"
        "On a Wayland desktop, QT_QPA_PLATFORM=wayland starts it without X11."
    ).format(library=XCB_CURSOR)
