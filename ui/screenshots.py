"""Make the README's screenshots from the demo data: ``python -m ui.screenshots DIR``.

``--server URL`` (an empty PostgreSQL database, e.g. of a throwaway cluster) adds the
office server's: the steps of the officer working, with a colleague's change just heard,
and the dialog of the name and the server.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
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
    PAGE_TODAY,
    MainWindow,
)
from ui.printing.fonts import apply_app_font

SIZE = (1366, 768)
"""A common laptop's screen: what the officer sees."""
TIMELINE_TAB = 4


def main(out_dir: Path, server: str | None = None) -> None:
    app = QApplication(sys.argv[:1])
    apply_app_font(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "data")
        templates.install_builtin(store)
        build_demo(store)
        set_language("zh_CN")
        window = MainWindow(store, QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat))
        window.resize(*SIZE)
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
        panel.reset()  # the shot is taken: its text goes without a question
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
        window.case_view.tabs.setCurrentIndex(TIMELINE_TAB)
        app.processEvents()
        window.grab().save(str(out_dir / "timeline-zh.png"))
        # Today, the case and its timeline in English too.
        set_language("en")
        window.retranslate()
        window.case_view.tabs.setCurrentIndex(0)
        app.processEvents()
        window.grab().save(str(out_dir / "case-en.png"))
        window.case_view.tabs.setCurrentIndex(TIMELINE_TAB)
        app.processEvents()
        window.grab().save(str(out_dir / "timeline-en.png"))
        window.show_page(PAGE_TODAY)
        for _ in range(3):
            app.processEvents()
        window.grab().save(str(out_dir / "today-en.png"))
        set_language("zh_CN")
        window.retranslate()
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
        if server is not None:
            office_server(app, out_dir, server, Path(tmp))


def office_server(app: QApplication, out_dir: Path, url: str, tmp: Path) -> None:
    """The demo on the server, worked on by its officer while a colleague saves."""
    from coordinator.demo.scenario import OFFICER
    from coordinator.queries import actions as action_queries
    from coordinator.services import actions, cases
    from coordinator.store.local_settings import LocalSettings, write_local_settings
    from ui.dialogs.workplace import WorkplaceDialog
    from ui.views.case.view import TAB_TIMELINE

    colleague_name = "李晓雯"
    store = open_store(tmp / "office", url=url, officer=OFFICER)
    templates.install_builtin(store)
    build_demo(store)
    colleague = open_store(tmp / "colleague", url=url, officer=colleague_name)
    for case in case_queries.list_cases(store)[::3]:  # some cases are the colleague's
        cases.update(colleague, case.id, owner=colleague_name)
    set_language("zh_CN")
    window = MainWindow(store, QSettings(str(tmp / "office.ini"), QSettings.Format.IniFormat))
    window.resize(*SIZE)
    window.retranslate()
    window.show()
    window.show_page(PAGE_ACTIONS)
    window.actions_view.mine.box.setChecked(True)
    for _ in range(3):
        app.processEvents()
    mine = action_queries.ids(store, window.actions_view.model.filter)
    assert mine, "the officer owns steps in the demo"
    # A case of the colleague's, open on its timeline, when she moves one of its steps.
    shared = next(
        c
        for c in case_queries.list_cases(store)
        if c.owner == colleague_name and c.status.value == "open"
    )
    window.open_record("case", shared.id)
    window.case_view.tabs.setCurrentIndex(TAB_TIMELINE)
    waiting = [a for a in action_queries.for_case(store, shared.id) if a.status.value == "todo"]
    if waiting:
        actions.set_status(colleague, waiting[0].id, "in_progress")
    deadline = time.monotonic() + 10
    while colleague_name not in window.statusBar().currentMessage():
        app.processEvents()
        time.sleep(0.05)
        if time.monotonic() > deadline:
            break
    for _ in range(3):
        app.processEvents()
    watch = window.connection.watch
    window.grab().save(str(out_dir / "office-server-zh.png"))
    watch.stop()
    write_local_settings(tmp / "office", LocalSettings(OFFICER, url))
    dialog = WorkplaceDialog(tmp / "office", window)
    dialog.show()
    dialog.try_connection()
    app.processEvents()
    dialog.grab().save(str(out_dir / "workplace-zh.png"))
    dialog.close()
    window.close()
    colleague.close()
    store.close()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen_server = None
    if "--server" in arguments:
        at = arguments.index("--server")
        chosen_server = arguments[at + 1]
        del arguments[at : at + 2]
    main(Path(arguments[0] if arguments else "docs/screenshots"), chosen_server)
