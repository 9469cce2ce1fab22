"""Start-up probe: open a window, wait until it is painted, exit. Timed from outside.

    python bench/startup_probe.py bare                 # an empty PySide6 window (baseline)
    python bench/startup_probe.py frame --data-dir DIR # exits at the app's first painted frame
    python bench/startup_probe.py app --data-dir DIR   # exits once Today is filled and painted

Compare the two as whole processes (e.g. ``/usr/bin/time -v`` or hyperfine), several runs
each, and quote the median ratio app/bare.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait_painted(widget: object) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    assert isinstance(widget, QWidget)
    app = QApplication.instance()
    assert app is not None
    while not widget.isVisible() or not widget.windowHandle().isExposed():
        app.processEvents()
    widget.grab()  # forces one full paint of every child, as a first frame would


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["bare", "frame", "app"])
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.what == "bare":
        from PySide6.QtWidgets import QApplication, QWidget

        app = QApplication(sys.argv[:1])
        window = QWidget()
        window.resize(1200, 800)
        window.show()
        _wait_painted(window)
        del app
        return 0
    from coordinator.cli import commands as cli
    from ui.app import Application, start_app

    def painted(_window: object) -> None:
        if args.what == "frame":
            sys.stdout.flush()
            os._exit(0)  # the first frame is what this mode times: stop right here

    started = start_app(cli.build_parser().parse_args(["--data-dir", args.data_dir]), painted)
    assert isinstance(started, Application)
    _wait_painted(started.window)
    started.shut_down()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
