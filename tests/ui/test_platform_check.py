"""Starting on a Linux desktop that lacks Qt's X11 library: a sentence naming the package,
not Qt's abort."""

from __future__ import annotations

import argparse

import pytest

import ui.app
from ui.platform_check import XCB_CURSOR, missing_platform_library

X11 = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}


def _absent(_name: str) -> bool:
    return False


def _present(_name: str) -> bool:
    return True


def test_an_x11_desktop_without_the_library_is_told_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ctypes.util.find_library", lambda _name: None)
    message = missing_platform_library(X11, "linux", _absent)
    assert message is not None
    assert XCB_CURSOR in message
    assert "sudo apt install libxcb-cursor0" in message
    assert missing_platform_library({**X11, "QT_QPA_PLATFORM": "xcb"}, "linux", _absent)


def test_no_message_when_the_library_loads_or_x11_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ctypes.util.find_library", lambda _name: None)
    assert missing_platform_library(X11, "linux", _present) is None
    for env in (
        {**X11, "QT_QPA_PLATFORM": "offscreen"},
        {**X11, "QT_QPA_PLATFORM": "wayland"},
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
        {},  # a console: no display at all
    ):
        assert missing_platform_library(env, "linux", _absent) is None, env
    assert missing_platform_library(X11, "darwin", _absent) is None
    assert missing_platform_library(X11, "win32", _absent) is None


def test_the_real_loader_is_asked() -> None:
    """On this machine the answer is whatever the dynamic loader says of the library."""
    import ctypes

    try:
        ctypes.CDLL(XCB_CURSOR)
        installed = True
    except OSError:
        installed = False
    found = missing_platform_library({**X11, "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert (found is None) == (installed or ctypes.util.find_library("xcb-cursor") is not None)


def test_start_app_says_it_and_stops_before_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class NoApplicationYet:
        @staticmethod
        def instance() -> None:
            return None

        def __init__(self, *_args: object) -> None:
            raise AssertionError("Qt must not be started")

    monkeypatch.setattr(ui.app, "QApplication", NoApplicationYet)
    monkeypatch.setattr(ui.app, "missing_platform_library", lambda: "install libxcb-cursor0")
    assert ui.app.start_app(argparse.Namespace()) == 1
    assert "install libxcb-cursor0" in capsys.readouterr().err
