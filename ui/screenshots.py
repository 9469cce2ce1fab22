"""Make the README's screenshots from the demo data: ``python -m ui.screenshots DIR``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from coordinator.demo import build_demo
from coordinator.i18n import set_language
from coordinator.services import templates
from coordinator.storage import Store
from ui.fonts import apply_app_font
from ui.main_window import MainWindow


def main(out_dir: Path) -> None:
    app = QApplication(sys.argv[:1])
    apply_app_font(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        templates.install_builtin(store)
        build_demo(store)
        set_language("zh_CN")
        window = MainWindow(store, QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat))
        window.resize(1280, 860)
        window.retranslate()
        window.show()
        app.processEvents()
        window.grab().save(str(out_dir / "today-zh.png"))
        window.sidebar.setCurrentRow(1)
        app.processEvents()
        window.grab().save(str(out_dir / "cases-zh.png"))
        window.sidebar.setCurrentRow(2)
        app.processEvents()
        window.grab().save(str(out_dir / "communications-zh.png"))
        window.sidebar.setCurrentRow(3)
        app.processEvents()
        window.grab().save(str(out_dir / "reports-zh.png"))
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
