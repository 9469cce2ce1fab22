"""What the one-folder build leaves out of what PyInstaller collected, and what it keeps."""

from __future__ import annotations

from collections.abc import Iterable

from tools.trim import dropped, is_system_library, trim

QT = "PySide6/Qt/"


def test_the_desktop_platforms_input_methods_and_printing_stay() -> None:
    for kept in (
        QT + "plugins/platforms/libqxcb.so",
        QT + "plugins/platforms/libqwayland.so",
        QT + "plugins/platforms/libqoffscreen.so",
        QT + "plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        QT + "plugins/imageformats/libqsvg.so",
        QT + "plugins/iconengines/libqsvgicon.so",
        QT + "plugins/printsupport/libcupsprintersupport.so",
        QT + "plugins/platformthemes/libqxdgdesktopportal.so",
        QT + "translations/qtbase_zh_CN.qm",
        QT + "lib/libQt6Gui.so.6",
        "resources/fonts/LiaisonHubSansSC-Regular.otf",
        "opencc/clib/share/opencc/t2s.json",
    ):
        assert not dropped(kept), kept


def test_what_the_app_never_uses_goes() -> None:
    for gone in (
        QT + "plugins/platforms/libqvnc.so",
        QT + "plugins/platforms/libqeglfs.so",
        QT + "plugins/tls/libqopensslbackend.so",
        QT + "plugins/networkinformation/libqnetworkmanager.so",
        QT + "plugins/platformthemes/libqgtk3.so",
        QT + "plugins/generic/libqevdevtouchplugin.so",
        QT + "translations/qtbase_de.qm",
        QT + "translations/qt_help_zh_CN.qm",
        "opencc/clib/bin/opencc",
        "opencc/clib/lib64/libopencc.a",
    ):
        assert dropped(gone), gone
    assert dropped("PySide6\\Qt\\plugins\\tls\\libqopensslbackend.so")  # Windows separators


def test_system_libraries_are_told_from_the_apps_own() -> None:
    assert is_system_library("libcairo.so.2")
    assert not is_system_library("libpython3.11.so.1.0")  # the bootloader loads it by name
    assert not is_system_library(QT + "lib/libQt6Core.so.6")
    assert not is_system_library("python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so")


def test_a_system_library_stays_only_while_something_kept_links_to_it() -> None:
    links = {
        "/src/libqxcb.so": ["libxcb-cursor.so.0", "libQt6Gui.so.6"],
        "/src/libqgtk3.so": ["libcairo.so.2", "libxcb-cursor.so.0"],
        "/src/libQt6Gui.so.6": ["libfontconfig.so.1"],
    }

    def linked(path: str) -> Iterable[tuple[str, str | None]]:
        return [(name, f"/lib/{name}") for name in links.get(path, [])]

    binaries = [
        (QT + "plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        (QT + "plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        (QT + "lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libQt6Gui.so.6", QT + "lib/libQt6Gui.so.6", "SYMLINK"),
        ("libcairo.so.2", "/lib/libcairo.so.2", "BINARY"),
        ("libxcb-cursor.so.0", "/lib/libxcb-cursor.so.0", "BINARY"),
        ("libfontconfig.so.1", "/lib/libfontconfig.so.1", "BINARY"),
        ("libpython3.11.so.1.0", "/lib/libpython3.11.so.1.0", "BINARY"),
    ]
    datas = [
        (QT + "translations/qtbase_zh_CN.qm", "/src/zh.qm", "DATA"),
        (QT + "translations/qtbase_fr.qm", "/src/fr.qm", "DATA"),
    ]
    kept, kept_datas = trim(binaries, datas, linked)
    assert [entry[0] for entry in kept] == [
        QT + "plugins/platforms/libqxcb.so",
        QT + "lib/libQt6Gui.so.6",
        "libQt6Gui.so.6",
        "libxcb-cursor.so.0",  # still needed by the X11 platform
        "libfontconfig.so.1",
        "libpython3.11.so.1.0",
    ]  # libcairo went with the GTK theme
    assert [entry[0] for entry in kept_datas] == [QT + "translations/qtbase_zh_CN.qm"]


def test_a_link_goes_with_what_it_points_to() -> None:
    binaries = [
        (QT + "lib/libQt6EglFSDeviceIntegration.so.6", "/src/eglfs.so", "BINARY"),
        (
            "libQt6EglFSDeviceIntegration.so.6",
            QT + "lib/libQt6EglFSDeviceIntegration.so.6",
            "SYMLINK",
        ),
    ]
    assert trim(binaries, []) == ([], [])
