"""Printed pages read back page by page: where pages end, long notes, symbols, user text
that would reorder the app's own, the critical chain, and a summary made off the GUI
thread.

Page texts come from poppler's ``pdftotext`` (one call per page), the layout of a line
from ``pdftotext -bbox-layout``, glyphs from ``pdftoppm`` images.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QImage, QPdfWriter, QTextLayout
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from coordinator import reports
from coordinator.bidi import FSI, PDI, isolate
from coordinator.i18n import set_language
from coordinator.kinds import ActionStatus, OrganisationKind
from coordinator.queries import actions as action_queries
from coordinator.queries.timing import case_clock
from coordinator.reports import Report
from coordinator.reports.templating import LONG_NOTE_CHARS
from coordinator.services import actions, cases, communications, organisations
from coordinator.store.storage import Store
from ui.printing import pdf as printing
from ui.printing.fonts import font_families
from ui.printing.pdf import lay_out, write_pdf
from ui.printing.report_actions import make_case_summary
from ui.widgets.rows_model import RowsModel

if TYPE_CHECKING:
    from tests.conftest import FixedClock

if sys.platform == "win32" or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
    pytest.skip("poppler's pdftotext and pdftoppm are needed", allow_module_level=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 2, 9, 0)  # a Monday
RLO = "\u202e"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, in reading order, one call of pdftotext per page."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def body_lines(page: str) -> list[str]:
    """A page's lines without its header (office, reference) and footer (printed, page)."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return lines[1:-1]


# -- a case long enough for many page ends ------------------------------------------------


def _note(n: int, words: int) -> str:
    # "N007 … E007": where a row's text starts and ends, to find both on the same page.
    return f"N{n:03d} " + " ".join(f"word{(n * 7 + i) % 97}" for i in range(words)) + f" E{n:03d}"


@pytest.fixture
def long_case(store: Store) -> int:
    """Six departments of four steps, and 90 calls whose notes run one to five lines."""
    case = cases.open_case(store, "Page break test", company_name="Pagination Ltd").value
    for d in range(6):
        department = organisations.create(store, f"Department {d}", OrganisationKind.DEPARTMENT)
        for s in range(4):
            actions.add(
                store,
                case.id,
                department.value.id,
                f"Step {d}.{s}",
                notes=_note(100 + d * 4 + s, 4 + (d * 4 + s) * 5 % 40),
            )
    for n in range(90):
        communications.log(
            store,
            at=START + timedelta(hours=n),
            case_id=case.id,
            raw_number="13812345678",
            notes=_note(n, 3 + (n * 11) % 38),
        )
    return case.id


HEADINGS = (
    "Parties",
    "Steps by department",
    "Document checklist",
    "Communication log",
    "Key events",
)


def test_no_heading_ends_a_page_and_no_row_splits(
    qapp: QApplication, store: Store, long_case: int, tmp_path: Path
) -> None:
    pdf = tmp_path / "long.pdf"
    write_pdf(reports.case_summary(store, long_case), pdf)
    pages = page_texts(pdf)
    assert len(pages) >= 4
    departments = {f"Department {d}" for d in range(6)}
    for number, page in enumerate(pages[:-1], start=1):
        last = body_lines(page)[-1]
        assert last not in HEADINGS, (number, last)
        assert last not in departments, (number, last)  # a department's heading row
    for number, page in enumerate(pages, start=1):
        squeezed = "".join(page.split())
        # Every row begun on a page ends on it: a note's first and last words together.
        for start in re.findall(r"N(\d{3})", squeezed):
            assert f"E{start}" in squeezed, (number, start)
        for end in re.findall(r"E(\d{3})", squeezed):
            assert f"N{end}" in squeezed, (number, end)
    # A page that continues the log repeats its column titles first.
    continued = [p for p in pages if "N0" in p and "Communication log" not in p]
    assert continued
    for page in continued:
        assert re.match(r"Time\s+Channel\s+Who", body_lines(page)[0]), body_lines(page)[0]
    # All 90 calls and 24 steps are there, each once.
    whole = "".join("".join(p.split()) for p in pages)
    for n in [*range(90), *range(100, 124)]:
        assert whole.count(f"N{n:03d}") == 1, n


def test_a_near_empty_last_page_is_avoided(qapp: QApplication, tmp_path: Path) -> None:
    """Reports of one line more and more: a last page never holds just a line or two;
    the report is set a little smaller instead, or the last page gets a fair share."""
    writer = QPdfWriter(str(tmp_path / "metrics.pdf"))
    writer.setResolution(printing.PDF_DPI)
    squeezed: list[tuple[Report, int]] = []
    for lines in range(25, 70):
        html = "".join(f"<p>Line {n} of the report</p>" for n in range(1, lines + 1))
        report = Report("t", html, "Office", "x", START)
        laid = lay_out(report, writer)
        if len(laid.pages) > 1:
            assert laid.pages[-1].height >= 0.08 * laid.body.height() / laid.scale, lines
        if laid.scale < 1:
            squeezed.append((report, len(laid.pages)))
    assert len(squeezed) >= 4  # some had a line or two over a page: set smaller instead
    for report, pages in (squeezed[0], squeezed[-1]):
        pdf = tmp_path / "squeezed.pdf"
        assert write_pdf(report, pdf) == pages
        last = re.findall(r"Line \d+", report.html)[-1]
        assert last in page_texts(pdf)[-1]
        assert len(body_lines(page_texts(pdf)[-1])) > 5


# -- long notes across the page ---------------------------------------------------------


def _line_boxes(pdf: Path, page: int) -> list[tuple[float, float, str]]:
    """(x min, x max, text) of every line on a page, from pdftotext -bbox-layout."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    root = ElementTree.fromstring(out)
    boxes = []
    for line in root.iter("{http://www.w3.org/1999/xhtml}line"):
        words = [w.text or "" for w in line.iter("{http://www.w3.org/1999/xhtml}word")]
        boxes.append((float(line.get("xMin", 0)), float(line.get("xMax", 0)), " ".join(words)))
    return boxes


def test_a_long_note_runs_the_full_width_below_its_row(
    qapp: QApplication, store: Store, tmp_path: Path
) -> None:
    case = cases.open_case(store, "Long note", company_name="Notes Ltd").value
    note = " ".join(f"w{n:04d}" for n in range(1000))[:5000]  # every word its own
    assert len(note) == 5000 > LONG_NOTE_CHARS
    communications.log(store, at=START, case_id=case.id, raw_number="13812345678", notes=note)
    communications.log(
        store,
        at=START + timedelta(hours=1),
        case_id=case.id,
        raw_number="13812345678",
        notes="A short note after it",
    )
    pdf = tmp_path / "long-note.pdf"
    pages = write_pdf(reports.case_summary(store, case.id), pdf)
    texts = page_texts(pdf)
    # In a column 58 % of the page wide it took five pages; across the page, two.
    assert pages == 2
    words = [re.findall(r"w\d{4}", text) for text in texts]
    for page_words in words:
        assert page_words == sorted(page_words)  # in order on each page
    # Every word is there.  (Qt draws the line above a cut once more, clipped out of
    # sight: its words are in the PDF's text twice, no more.)
    printed = [w for page_words in words for w in page_words]
    assert set(printed) == set(re.findall(r"w\d{4}", note))
    assert len(printed) - len(set(printed)) < 30
    assert "A short note after it" in texts[-1]
    widths = []
    for page in range(1, pages + 1):
        boxes = _line_boxes(pdf, page)
        left = min(x0 for x0, _x1, _t in boxes)
        right = max(x1 for _x0, x1, _t in boxes)
        widths += [(x1 - x0) / (right - left) for x0, x1, text in boxes if text.startswith("w")]
    assert len(widths) > 20
    assert sorted(widths)[len(widths) // 2] > 0.9  # the note's lines span the page


# -- any text prints ---------------------------------------------------------------------

_NO_FONTS_SCRIPT = """
import sys
from datetime import datetime
from pathlib import Path
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
from coordinator.reports import Report
from ui.printing.pdf import write_pdf
for name, text in [("emoji", "\\U0001F600"), ("tick", "\\u2713"), ("phone", "\\u260E"),
                   ("box", "\\uE000")]:
    html = "<p style='font-size: 40pt'>" + text + "</p><p>Note ends 办公室</p>"
    write_pdf(Report("t", html, "Office", "x", datetime(2026, 1, 1)),
              Path(sys.argv[1]) / (name + ".pdf"))
"""


def _ink(png: Path) -> frozenset[tuple[int, int]]:
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(image.constBits())
    stride = image.bytesPerLine()
    return frozenset(
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if data[y * stride + x] < 128
    )


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts is needed")
def test_symbols_and_emoji_print_as_glyphs_on_a_machine_without_fonts(tmp_path: Path) -> None:
    # An empty fontconfig: Qt sees no system font at all, only what the app ships.
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><fontconfig>'
        f"<dir>{tmp_path / 'none'}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(PROJECT_DIR),
    }
    subprocess.run(
        [sys.executable, "-c", _NO_FONTS_SCRIPT, str(tmp_path)],
        env=env,
        check=True,
        timeout=120,
        cwd=PROJECT_DIR,
    )
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "emoji.pdf")], capture_output=True, text=True, check=True
    ).stdout
    embedded = {line.split()[0] for line in fonts.splitlines()[2:]}
    assert "LiaisonHubSymbols-Regular" in embedded
    assert all(name.startswith("LiaisonHub") for name in embedded), embedded
    inks = {}
    for name in ("emoji", "tick", "phone", "box"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                "-y",
                "60",
                "-H",
                "100",
                str(tmp_path / f"{name}.pdf"),
                str(tmp_path / name),
            ],
            check=True,
            timeout=60,
        )
        inks[name] = _ink(next(tmp_path.glob(f"{name}*.png")))
    box = inks.pop("box")  # what a character no font has looks like: .notdef's box
    assert len(box) > 20
    for name, ink in inks.items():
        assert len(ink) > 20, name  # not blank
        assert len(ink ^ box) > 0.3 * len(ink | box), name  # and not the box


# -- user text never reorders the app's own --------------------------------------------


def _reads_in_order(text: str, first: str, then: str) -> bool:
    """Whether, where ``text`` is laid out on a line, ``first`` stands left of ``then``
    and the letters of ``then`` run left to right: the app's words read as written."""
    layout = QTextLayout(text, QFont(font_families()[0], 12))
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(2000)
    layout.endLayout()
    start = text.rindex(then)
    xs = [line.cursorToX(start + i)[0] for i in range(len(then))]
    letters_in_order = xs == sorted(xs) and len(set(xs)) == len(xs)
    return letters_in_order and line.cursorToX(text.rindex(first))[0] < xs[0]


def test_isolate_keeps_the_user_s_controls_to_their_text(qapp: QApplication) -> None:
    assert isolate("Plain text 中文") == "Plain text 中文"  # nothing added where not needed
    assert isolate(RLO + "abc") == FSI + RLO + "abc" + "\u202c" + PDI
    # A stray PDI would close our isolate early: dropped.
    assert isolate("\u2069" + RLO + "x") == FSI + RLO + "x\u202c" + PDI
    assert isolate("a\n" + RLO + "b") == "a\n" + FSI + RLO + "b\u202c" + PDI
    for note in (RLO + "signed", "\u2069" + RLO + "signed", "\u202b" + "نعم"):
        assert not _reads_in_order(note + " then Done", "then", "Done")  # the danger
    for note in (RLO + "signed", "\u2069" + RLO + "signed", "\u202b" + "نعم", "\u2067x"):
        assert _reads_in_order(isolate(note) + " then Done", "then", "Done")
    # The rows of every list show user text isolated.
    model = RowsModel(["Notes"])
    model.set_rows([(1, (RLO + "note",))])
    shown = model.data(model.index(0, 0))
    assert shown == isolate(RLO + "note")
    assert _reads_in_order(shown + " Follow-up by Friday", "Follow-up", "Friday")


def test_a_control_in_a_note_leaves_the_printed_text_after_it_alone(
    qapp: QApplication, store: Store, tmp_path: Path
) -> None:
    case = cases.open_case(store, "Bidi", company_name="Bidi Ltd").value
    department = organisations.create(store, "Tax Bureau", OrganisationKind.DEPARTMENT).value
    step = actions.add(store, case.id, department.id, RLO + "Seal").value
    actions.set_status(store, step.id, ActionStatus.BLOCKED, reason=RLO + "no stamp")
    communications.log(
        store,
        at=START,
        case_id=case.id,
        raw_number="13812345678",
        notes=RLO + "call back",
        follow_up_due=START + timedelta(days=1),
    )
    pdf = tmp_path / "bidi.pdf"
    write_pdf(reports.case_summary(store, case.id), pdf)
    whole = " ".join(page_texts(pdf))
    # Without isolation the override runs on and the app's words print reversed.
    assert "Blocked:" in whole
    assert ":dekcolB" not in whole
    assert "Follow-up by" in whole
    assert "yb pu-wolloF" not in whole


# -- the critical chain ------------------------------------------------------------------


def test_the_critical_chain_is_what_finished_last_on_paper_and_on_screen(
    qapp: QApplication, store: Store, clock: FixedClock, tmp_path: Path, qtbot: QtBot
) -> None:
    """Licence, then two steps at once: Tax, held by its department two days; Bank
    account, held an hour, then waiting three days on the company's signature, done
    last.  The account decided when the case could close: the chain is Licence → Bank
    account, although Tax held more department time."""
    from PySide6.QtCore import QSettings

    from ui.main_window import PAGE_CASES, MainWindow

    clock.now = START
    case = cases.open_case(store, "Chain", company_name="Chain Ltd").value
    org = {
        name: organisations.create(store, name, OrganisationKind.DEPARTMENT).value.id
        for name in ("Market Bureau", "Tax Bureau", "Bank")
    }
    licence = actions.add(store, case.id, org["Market Bureau"], "Licence").value.id
    tax = actions.add(store, case.id, org["Tax Bureau"], "Tax", depends_on=[licence]).value.id
    bank = actions.add(store, case.id, org["Bank"], "Bank account", depends_on=[licence]).value.id
    script = [
        (START, licence, ActionStatus.IN_PROGRESS),
        (START + timedelta(hours=2), licence, ActionStatus.DONE),
        (START + timedelta(hours=2), tax, ActionStatus.IN_PROGRESS),
        (START + timedelta(hours=2), bank, ActionStatus.IN_PROGRESS),
        (START + timedelta(hours=3), bank, ActionStatus.WAITING_COMPANY),
        (START + timedelta(days=2, hours=2), tax, ActionStatus.DONE),
        (START + timedelta(days=3, hours=1), bank, ActionStatus.IN_PROGRESS),
        (START + timedelta(days=3, hours=2), bank, ActionStatus.DONE),
    ]
    for when, step, status in script:
        clock.now = when
        reason = "signature" if status == ActionStatus.WAITING_COMPANY else ""
        actions.set_status(store, step, status, reason=reason)
    cases.set_status(store, case.id, "closed")

    chain = case_clock(store, case.id)
    assert chain.critical_path == (licence, bank)
    assert chain.critical_path_seconds == chain.elapsed_seconds  # it ran from open to close
    assert chain.critical_path_paused_seconds > 0

    pdf = tmp_path / "chain.pdf"
    write_pdf(reports.case_summary(store, case.id), pdf)
    whole = " ".join(" ".join(page_texts(pdf)).split())
    assert (
        "Critical chain (the steps that decided when the case finished): Licence → Bank account,"
        in whole
    )
    assert "waiting on the company" in whole

    window = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show_page(PAGE_CASES)
    window.cases_page.open_case(case.id)
    tree = window.case_view.actions_tab.tree
    marked = {
        tree.text(child, 0)
        for group in tree.top_items()
        for child in (group.child(r, 0) for r in range(group.rowCount()))
        if child is not None and tree.text(child, 0).startswith("◆")
    }
    assert marked == {"◆ Licence", "◆ Bank account"}
    # The case's clock says the chain in the printed words, with the same steps.
    on_screen = window.case_view.clock_label.toolTip()
    assert on_screen.startswith(
        "Critical chain (the steps that decided when the case finished): Licence → Bank account,"
    )
    assert "waiting on the company" in on_screen
    steps = {s.id: s for s in action_queries.for_case(store, case.id)}
    assert steps[bank].pauses  # it did wait on the company


# -- made off the GUI thread -------------------------------------------------------------


def test_a_summary_is_made_while_the_window_keeps_turning(
    qapp: QApplication, store: Store, long_case: int, tmp_path: Path, qtbot: QtBot
) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    built_on: list[object] = []

    def build() -> Report:
        built_on.append(threading.current_thread())
        return reports.case_summary(store, long_case)

    pdf = tmp_path / "background.pdf"
    started = time.perf_counter()
    pages = make_case_summary(None, build, save_to=pdf)
    took = time.perf_counter() - started
    timer.stop()
    assert built_on
    assert built_on[0] is not threading.main_thread()
    assert isinstance(pages, int)
    assert pages >= 4
    texts = page_texts(pdf)
    assert len(texts) == pages
    assert "Page break test" in texts[0]
    # The event loop went on: the timer ticked all along, never waiting long.
    assert len(ticks) >= took / 0.2
    gaps = [b - a for a, b in zip([started, *ticks], [*ticks, started + took], strict=True)]
    assert max(gaps) < 0.5, max(gaps)

    # The preview's pages, laid out on the worker too, painted on the GUI thread.
    laid = make_case_summary(None, build, save_to=None)
    assert isinstance(laid, printing.LaidOut)
    assert len(laid.pages) == pages
    assert laid.document.thread() is qapp.thread()
