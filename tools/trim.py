"""What the one-folder app leaves out of what PyInstaller's hooks collected, to stay small.

PyInstaller's Qt hooks take every plugin of each Qt module in use. The app needs Qt's
desktop platforms (X11, Wayland; offscreen and minimal for headless use), its SVG and
common image formats, input methods (Chinese typing goes through them), the portal theme
and printing through CUPS. It does not need embedded-device platforms (EGLFS, VNC,
framebuffer), touch-screen input drivers, TLS or network-state backends (the app never
goes online), the GTK theme (which drags in GTK's own stack of libraries, and mixing
those with the desktop's GTK is fragile), Qt's translations other than Chinese, nor
OpenCC's command-line tool and static library.

Then, on Linux, a system library stays only if something kept still links to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Entry = tuple[str, str, str]  # PyInstaller's TOC entry: (destination, source, kind)

QT = "PySide6/Qt/"
DROPPED_PREFIXES: tuple[str, ...] = (
    QT + "plugins/egldeviceintegrations/",
    QT + "plugins/generic/",
    QT + "plugins/networkinformation/",
    QT + "plugins/tls/",
    QT + "plugins/platformthemes/libqgtk3",
    QT + "plugins/platforms/libqeglfs",
    QT + "plugins/platforms/libqlinuxfb",
    QT + "plugins/platforms/libqminimalegl",
    QT + "plugins/platforms/libqvkkhrdisplay",
    QT + "plugins/platforms/libqvnc",
    QT + "plugins/imageformats/libqtiff",
    QT + "plugins/imageformats/libqwebp",
    QT + "plugins/imageformats/libqtga",
    QT + "plugins/imageformats/libqwbmp",
    QT + "plugins/imageformats/libqicns",
    QT + "plugins/wayland-graphics-integration-client/libvulkan",
    QT + "lib/libQt6EglFS",
    QT + "lib/libQt6EglFsKmsSupport",  # only the EGLFS platform uses it
    "opencc/clib/bin/",
    "opencc/clib/lib64/",
    "opencc/clib/include/",
)
TRANSLATIONS = QT + "translations/"
# Qt's own dialogs in Chinese: the app loads qtbase_zh_CN (ui.app.Application).
KEPT_TRANSLATIONS: tuple[str, ...] = ("qtbase_zh_CN", "qt_zh_CN")


def _dest(entry: Entry) -> str:
    return entry[0].replace("\\", "/")


def dropped(destination: str) -> bool:
    destination = destination.replace("\\", "/")
    if destination.startswith(TRANSLATIONS):
        return not destination.removeprefix(TRANSLATIONS).startswith(KEPT_TRANSLATIONS)
    return destination.startswith(DROPPED_PREFIXES)


def is_system_library(destination: str) -> bool:
    """A library PyInstaller found on the build machine for something else (top level,
    not a Python extension, not Python itself)."""
    return (
        "/" not in destination
        and destination.startswith("lib")
        and ".so" in destination
        and not destination.startswith("libpython")
    )


def trim(
    binaries: Iterable[Entry],
    datas: Iterable[Entry],
    linked: Callable[[str], Iterable[tuple[str, str | None]]] | None = None,
) -> tuple[list[Entry], list[Entry]]:
    """The binaries and data files the app keeps.

    ``linked(path)`` names every library a binary loads, directly or not (PyInstaller's
    ``bindepend.get_imports``); given it, the system libraries nothing kept needs go too.
    """

    def keep(entry: Entry) -> bool:
        # A link (the top-level alias of a Qt library) goes with what it points to.
        return not dropped(_dest(entry)) and not (entry[2] == "SYMLINK" and dropped(entry[1]))

    kept = [entry for entry in binaries if keep(entry)]
    kept_datas = [entry for entry in datas if keep(entry)]
    if linked is not None:
        needed: set[str] = set()
        for entry in kept:
            if entry[2] != "SYMLINK" and not is_system_library(_dest(entry)):
                needed.update(name.rsplit("/", 1)[-1] for name, _path in linked(entry[1]))
        kept = [
            entry
            for entry in kept
            if entry[2] == "SYMLINK"
            or not is_system_library(_dest(entry))
            or _dest(entry) in needed
        ]
    return kept, kept_datas
