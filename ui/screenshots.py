"""Make the README's screenshots from the demo data: ``python -m ui.screenshots DIR``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from coordinator.queries import cases as case_queries

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from coordinator.demo.build import build_demo
from coordinator.i18n import set_language
from coordinator.safety.opening import open_store
from coordinator.services import templates
from ui.main_window import (
    PAGE_ACTIONS,
    PAGE_CASES,
    PAGE_COMMUNICATIONS,
    PAGE_CONTACTS,
    PAGE_DOCUMENTS,
    PAGE_INBOX,
    PAGE_REPORTS,
    MainWindow,
)
from ui.printing.fonts import apply_app_font


def main(out_dir: Path) -> None:
    app = QApplication(sys.argv[:1])
    apply_app_font(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "data")
        templates.install_builtin(store)
        build_demo(store)
        set_language("zh_CN")
        window = MainWindow(store, QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat))
        window.resize(1280, 860)
        window.retranslate()
        window.show()
        # The forecasts and the filing model are built in the background: the shots show
        # the screens once they are in.
        window.hub.foresight.start()
        window.hub.foresight.wait()
        for _ in range(3):
            app.processEvents()
        window.grab().save(str(out_dir / "today-zh.png"))
        panel = window.quick_log()
        panel.who.insert("lxw")
        app.processEvents()
        panel.caller.accept_caller()
        panel.notes.insertPlainText("企业问营业执照什么时候能拿到，答复今天下午")
        panel.follow_up.setText("明天9点")
        for _ in range(5):
            app.processEvents()
        panel.grab().save(str(out_dir / "quick-log-zh.png"))
        panel.discard()
        panel.hide()
        search = window.search("税务")
        assert search is not None
        app.processEvents()
        search.grab().save(str(out_dir / "search-zh.png"))
        search.hide()
        aoi = next(c for c in case_queries.list_cases(store) if "AOI" in c.title)
        window.open_record("case", aoi.id)
        app.processEvents()
        window.grab().save(str(out_dir / "case-zh.png"))
        window.case_view.tabs.setCurrentIndex(1)
        app.processEvents()
        window.grab().save(str(out_dir / "case-documents-zh.png"))
        for page, name in (
            (PAGE_CASES, "cases"),
            (PAGE_COMMUNICATIONS, "communications"),
            (PAGE_INBOX, "inbox"),
            (PAGE_ACTIONS, "actions"),
            (PAGE_DOCUMENTS, "documents"),
            (PAGE_CONTACTS, "contacts"),
            (PAGE_REPORTS, "reports"),
        ):
            window.show_page(page)
            if page == PAGE_CASES:
                window.cases_page.setCurrentWidget(window.cases)
            app.processEvents()
            window.grab().save(str(out_dir / f"{name}-zh.png"))
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
